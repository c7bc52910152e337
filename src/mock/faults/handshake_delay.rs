//! `handshake_delay`: the TLS handshake of a connection it hits waits this long (a duration or a
//! distribution, drawn per connection) before the server answers the ClientHello, as an
//! overloaded gateway or a cold instance doing its first handshake does. Needs `[mock] tls`.

use super::{MockFaultKind, Protocols, Request, RequestFaults, Role, TlsAct};
use crate::dist::Dist;
use crate::fault::keys::{Keys, Need};
use crate::vocabulary::dist_json;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct HandshakeDelay(pub Dist);

impl MockFaultKind for HandshakeDelay {
    const NAME: &'static str = "handshake_delay";
    const KEYS: &'static [&'static str] = &["delay"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.delay("delay", Need::Required("delay = \"2s\"")).map(HandshakeDelay)
    }

    fn normalized(&self) -> Value {
        json!({ "delay": dist_json(&self.0) })
    }

    /// At the handshake, before any HTTP is spoken: both versions meet it.
    fn protocols(&self) -> Protocols {
        Protocols::Both
    }

    fn role(&self) -> Role {
        Role::Handshake(TlsAct::Delay(self.0.clone()))
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
