//! `trickle`: dribble the response body out evenly over `over`.

use super::{Protocols, Decision, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::{Keys, Need};
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trickle {
    pub over: Duration,
}

impl MockFaultKind for Trickle {
    const NAME: &'static str = "trickle";
    const KEYS: &'static [&'static str] = &["over"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.duration("over", true, Need::Required("over = \"5s\"")).map(|over| Trickle { over })
    }

    fn normalized(&self) -> Value {
        json!({ "over": duration_str(self.over) })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, _: &Request<'_>, out: &mut RequestFaults) {
        out.decide(Decision::Trickle(self.over));
    }
}
