//! `close_notify_missing`: a request it hits is answered with a body framed by the connection's
//! close (`Connection: close`, no `Content-Length`), and the connection then ends with a bare
//! TCP FIN, without TLS's close_notify: the client cannot tell the whole body from a truncated
//! one; a strict client (rustls, `openssl s_client`) reports the body as cut off, curl takes it. Needs
//! `[mock] tls`; HTTP/1 only.

use super::{response_head, Decision, MockFaultKind, Protocols, Request, RequestFaults, Role};
use crate::fault::keys::Keys;
use crate::mock::wire::Wire;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseNotifyMissing;

impl MockFaultKind for CloseNotifyMissing {
    const NAME: &'static str = "close_notify_missing";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(CloseNotifyMissing)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    /// HTTP/2 frames every body: a close cannot cut one short unseen.
    fn protocols(&self) -> Protocols {
        Protocols::Http1
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, request: &Request<'_>, out: &mut RequestFaults) {
        if out.decided() {
            return;
        }
        let mut bytes = response_head(request.status, "connection: close\r\n");
        bytes.extend_from_slice(request.body);
        out.decide(Decision::Takeover(Some(Wire::Unnotified { bytes: bytes.into() })));
    }
}
