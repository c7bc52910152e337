//! `refuse`: the proxy is down — a new connection is accepted and reset at once (RST, linger 0).

use super::{Pipe, PipeFuture, Stub, Teardown, ToxicKind};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refuse;

impl ToxicKind for Refuse {
    const NAME: &'static str = "refuse";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(Refuse)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn start(&self, _: u64) -> Box<dyn Pipe> {
        Box::new(Refuse)
    }
}

impl Pipe for Refuse {
    fn on_accept(&self) -> Option<Teardown> {
        Some(Teardown::RESET)
    }

    /// Never reached in practice (the connection ends at accept); forwards unchanged.
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move { stub.forward().await })
    }
}
