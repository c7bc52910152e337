//! `blackhole`: reads and discards the bytes of one direction; the connection stays open.

use super::{PipeFuture, Stub, Toxic};

pub(crate) struct Blackhole;

impl Toxic for Blackhole {
    /// Swallows every chunk. When the source closes, the close is passed on (so a connection whose
    /// client gives up does not linger forever on the target's side).
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move { while stub.recv().await.is_some() {} })
    }
}
