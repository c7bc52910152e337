//! `ping_timeout`: an HTTP/2 connection it hits goes silent while the window is active: nothing
//! is read or written, so PINGs go unanswered and a client's keep-alive ping times out (its
//! requests meanwhile get no answer either). A connection its client kept resumes after.

use super::{H2Fault, MockFaultKind, Protocols, Request, RequestFaults, Role};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PingTimeout;

impl MockFaultKind for PingTimeout {
    const NAME: &'static str = "ping_timeout";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(PingTimeout)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn protocols(&self) -> Protocols {
        Protocols::Http2
    }

    fn role(&self) -> Role {
        Role::H2(H2Fault::Silence)
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
