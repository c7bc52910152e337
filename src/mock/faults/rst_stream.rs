//! `rst_stream`: an HTTP/2 request is answered with RST_STREAM and `error_code` (default
//! `refused_stream`) instead of a response; the connection and its other streams go on.

use super::{Decision, H2Code, MockFaultKind, Protocols, Request, RequestFaults, Role};
use crate::fault::keys::{word, Keys, Need};
use crate::vocabulary::Words;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RstStream {
    pub error_code: H2Code,
}

impl MockFaultKind for RstStream {
    const NAME: &'static str = "rst_stream";
    const KEYS: &'static [&'static str] = &["error_code"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        Some(RstStream { error_code: word(keys, "error_code", Need::Default(H2Code::RefusedStream))? })
    }

    fn normalized(&self) -> Value {
        json!({ "error_code": self.error_code.word() })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Http2
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, _: &Request<'_>, out: &mut RequestFaults) {
        out.decide(Decision::ResetStream(self.error_code.code()));
    }
}
