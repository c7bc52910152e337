//! `reset`: reset the connection (RST, linger 0) at a stage of the exchange: right after accept
//! (drawn per connection), after reading the request, or after the head and `after_bytes` of the
//! body.

use super::{Protocols, response_head, Decision, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::{Keys, Need};
use crate::mock::wire::Wire;
use serde_json::{json, Value};

/// The kind is its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// Right after accepting the connection, before reading anything (per connection).
    Accept,
    /// After reading the request, before any response byte.
    BeforeHeaders,
    /// After sending the headers and this many body bytes.
    MidBody { after_bytes: usize },
}

/// The stages as scenarios name them, in the order of [`Reset`]'s variants.
const STAGES: &[&str] = &["accept", "before_headers", "mid_body"];

impl MockFaultKind for Reset {
    const NAME: &'static str = "reset";
    const KEYS: &'static [&'static str] = &["stage", "after_bytes"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        let stage = keys.choice("stage", STAGES, Need::Default(1))?;
        if stage < 2 {
            if keys.given("after_bytes") {
                keys.invalid(
                    "after_bytes",
                    format!("after_bytes does not apply to stage \"{}\"", STAGES[stage]),
                    Some("after_bytes counts body bytes sent before the reset: stage = \"mid_body\"".into()),
                );
                return None;
            }
            return Some(if stage == 0 { Reset::Accept } else { Reset::BeforeHeaders });
        }
        let after_bytes = keys.count("after_bytes", 0, Need::Default(0))?;
        Some(Reset::MidBody { after_bytes: usize::try_from(after_bytes).unwrap_or(usize::MAX) })
    }

    fn normalized(&self) -> Value {
        match self {
            Reset::Accept => json!({ "stage": STAGES[0] }),
            Reset::BeforeHeaders => json!({ "stage": STAGES[1] }),
            Reset::MidBody { after_bytes } => json!({ "stage": STAGES[2], "after_bytes": after_bytes }),
        }
    }

    /// On HTTP/2 it resets the whole connection (every stream on it), as on HTTP/1.
    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        match self {
            Reset::Accept => Role::Accept(Wire::Rst),
            Reset::BeforeHeaders | Reset::MidBody { .. } => Role::Request,
        }
    }

    fn act(&self, request: &Request<'_>, out: &mut RequestFaults) {
        if out.decided() {
            return;
        }
        let wire = match *self {
            Reset::Accept | Reset::BeforeHeaders => Wire::Rst,
            Reset::MidBody { after_bytes } if request.h2 => {
                return out.decide(Decision::Cut { after_bytes, then: Wire::Rst });
            }
            Reset::MidBody { after_bytes } => {
                let body = request.body;
                let mut bytes = response_head(request.status, &format!("content-length: {}\r\n", body.len()));
                bytes.extend_from_slice(&body[..after_bytes.min(body.len())]);
                Wire::Raw { bytes: bytes.into(), rst: true }
            }
        };
        out.decide(Decision::Takeover(Some(wire)));
    }
}
