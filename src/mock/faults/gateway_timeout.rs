//! `gateway_timeout`: answer `status` (502 or 504) after `after`, instead of the mock's latency,
//! as a gateway whose upstream timed out.

use super::{Protocols, Decision, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::{Keys, Need};
use crate::vocabulary::duration_str;
use http::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayTimeout {
    /// 502 or 504.
    pub status: StatusCode,
    pub after: Duration,
}

impl MockFaultKind for GatewayTimeout {
    const NAME: &'static str = "gateway_timeout";
    const KEYS: &'static [&'static str] = &["status", "after"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        let status = match keys.integer("status", Need::Default(504)) {
            Some(502) => Some(StatusCode::BAD_GATEWAY),
            Some(504) => Some(StatusCode::GATEWAY_TIMEOUT),
            Some(code) => {
                keys.invalid(
                    "status",
                    format!("status must be 502 or 504, got {code}"),
                    Some(
                        "a gateway answers 502 (bad gateway) or 504 (gateway timeout); kind = \"status\" sends any code"
                            .into(),
                    ),
                );
                None
            }
            None => None,
        };
        let after = keys.duration("after", false, Need::Required("after = \"6s\""));
        Some(GatewayTimeout { status: status?, after: after? })
    }

    fn normalized(&self) -> Value {
        json!({ "status": self.status.as_u16(), "after": duration_str(self.after) })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, _: &Request<'_>, out: &mut RequestFaults) {
        out.decide(Decision::Gateway { status: self.status, after: self.after });
    }
}
