//! `empty_response`: close the connection (FIN) without sending any response byte (on HTTP/2, no
//! GOAWAY either: every stream of the connection ends with it).

use super::{Protocols, Decision, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::Keys;
use crate::mock::wire::Wire;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmptyResponse;

impl MockFaultKind for EmptyResponse {
    const NAME: &'static str = "empty_response";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(EmptyResponse)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, _: &Request<'_>, out: &mut RequestFaults) {
        out.decide(Decision::Takeover(Some(Wire::Fin)));
    }
}
