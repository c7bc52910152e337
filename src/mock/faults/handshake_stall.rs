//! `handshake_stall`: the TLS handshake of a connection it hits never finishes — the server
//! reads the ClientHello and answers nothing, holding the connection until the client gives up
//! (its `tls_handshake_timeout`, or its request timeout). Needs `[mock] tls`.

use super::{MockFaultKind, Protocols, Request, RequestFaults, Role, TlsAct};
use crate::fault::keys::Keys;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeStall;

impl MockFaultKind for HandshakeStall {
    const NAME: &'static str = "handshake_stall";
    const KEYS: &'static [&'static str] = &[];

    fn parse(_: &mut dyn Keys) -> Option<Self> {
        Some(HandshakeStall)
    }

    fn normalized(&self) -> Value {
        json!({})
    }

    /// At the handshake, before any HTTP is spoken: both versions meet it.
    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Handshake(TlsAct::Stall)
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
