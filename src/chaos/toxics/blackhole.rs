//! `blackhole`: reads and discards the bytes of one direction; the connection stays open.

use super::{Pipe, PipeFuture, Stub, ToxicKind};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blackhole;

impl ToxicKind for Blackhole {
    const NAME: &'static str = "blackhole";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(Blackhole)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn start(&self, _: u64) -> Box<dyn Pipe> {
        Box::new(Blackhole)
    }
}

impl Pipe for Blackhole {
    /// Swallows every chunk. When the source closes, the close is passed on (so a connection whose
    /// client gives up does not linger forever on the target's side).
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move { while stub.recv().await.is_some() {} })
    }
}
