//! `close`: send `Connection: close` and close after the response, once a connection has served
//! `after_requests` requests (1: every response); on HTTP/2 the response, then a FIN without GOAWAY.

use super::{Protocols, MockFaultKind, Request, RequestFaults, Role};
use crate::fault::keys::{Keys, Need};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    pub after_requests: u32,
}

impl MockFaultKind for Close {
    const NAME: &'static str = "close";
    const KEYS: &'static [&'static str] = &["after_requests"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        let after_requests = keys.count("after_requests", 1, Need::Default(1))?;
        Some(Close { after_requests: u32::try_from(after_requests).unwrap_or(u32::MAX) })
    }

    fn normalized(&self) -> Value {
        json!({ "after_requests": self.after_requests })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, request: &Request<'_>, out: &mut RequestFaults) {
        if request.served >= self.after_requests {
            out.close = true;
            out.hit = true;
        }
    }
}
