//! `refuse`: the proxy is down — a new connection is accepted and reset at once (RST, linger 0).

use super::{PipeFuture, Stub, Teardown, Toxic};

pub(crate) struct Refuse;

impl Toxic for Refuse {
    fn on_accept(&self) -> Option<Teardown> {
        Some(Teardown::RESET)
    }

    /// Never reached in practice (the connection ends at accept); forwards unchanged.
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move { stub.forward().await })
    }
}
