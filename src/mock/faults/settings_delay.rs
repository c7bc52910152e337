//! `settings_delay`: an HTTP/2 connection accepted while the window is active gets the server's
//! SETTINGS (its side of the handshake) `delay` late; nothing the client sent meanwhile is read,
//! so its first requests wait that long too.

use super::{H2Fault, MockFaultKind, Protocols, Request, RequestFaults, Role};
use crate::fault::keys::{Keys, Need};
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingsDelay {
    pub delay: Duration,
}

impl MockFaultKind for SettingsDelay {
    const NAME: &'static str = "settings_delay";
    const KEYS: &'static [&'static str] = &["delay"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        Some(SettingsDelay { delay: keys.duration("delay", true, Need::Required("delay = \"2s\""))? })
    }

    fn normalized(&self) -> Value {
        json!({ "delay": duration_str(self.delay) })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Http2
    }

    fn role(&self) -> Role {
        Role::H2(H2Fault::SettingsDelay(self.delay))
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
