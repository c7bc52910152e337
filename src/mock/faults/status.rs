//! `status`: answer with this status instead of the `[mock]` mix.

use super::{Protocols, Decision, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::{Keys, Need};
use http::StatusCode;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status(pub StatusCode);

impl MockFaultKind for Status {
    const NAME: &'static str = "status";
    const KEYS: &'static [&'static str] = &["code"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        let code = keys.integer("code", Need::Required("code = 503"))?;
        match u16::try_from(code).ok().filter(|c| (100..=599).contains(c)).and_then(|c| StatusCode::from_u16(c).ok()) {
            Some(status) => Some(Status(status)),
            None => {
                keys.invalid("code", format!("status code {code} is outside 100..=599"), None);
                None
            }
        }
    }

    fn normalized(&self) -> Value {
        json!({ "code": self.0.as_u16() })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, _: &Request<'_>, out: &mut RequestFaults) {
        out.decide(Decision::Status(self.0));
    }
}
