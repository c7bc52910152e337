//! `alpn_mismatch`: a connection it hits finds the server's ALPN without the protocol the client
//! asked for first — a gateway that does not speak HTTP/2, or one that only does. A client that
//! offers nothing else (chaosload's, `curl --http2-prior-knowledge`) gets TLS's
//! no_application_protocol alert; one that also offers the other protocol falls back to it.
//! Needs `[mock] tls`.

use super::{MockFaultKind, Protocols, Request, RequestFaults, Role, TlsAct};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlpnMismatch;

impl MockFaultKind for AlpnMismatch {
    const NAME: &'static str = "alpn_mismatch";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(AlpnMismatch)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    /// At the handshake, before any HTTP is spoken: both versions meet it.
    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Handshake(TlsAct::AlpnMismatch)
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
