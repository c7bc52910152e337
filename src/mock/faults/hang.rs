//! `hang`: read the request and never answer it; the connection stays open and silent, as a
//! server stuck on a lock or a dead dependency. Only the client's own timeout ends the request
//! (or the run's drain, which counts it `unfinished`).

use super::{Protocols, Decision, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hang;

impl MockFaultKind for Hang {
    const NAME: &'static str = "hang";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(Hang)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    /// An HTTP/2 stream can hang alone: the connection's other streams go on.
    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, _: &Request<'_>, out: &mut RequestFaults) {
        out.decide(Decision::Takeover(None));
    }
}
