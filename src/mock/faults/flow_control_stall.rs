//! `flow_control_stall`: an HTTP/2 request it hits has its body's flow-control window left
//! unreplenished for `duration` (no WINDOW_UPDATE for what it read), so a client sending a body
//! larger than the window (65,535 bytes unless the mock's SETTINGS say otherwise) stalls that
//! long with bytes unsent; a smaller body is not slowed. The response is not held.

use super::{MockFaultKind, Protocols, Request, RequestFaults, Role};
use crate::fault::keys::{Keys, Need};
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowControlStall {
    pub duration: Duration,
}

impl MockFaultKind for FlowControlStall {
    const NAME: &'static str = "flow_control_stall";
    const KEYS: &'static [&'static str] = &["duration"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        Some(FlowControlStall { duration: keys.duration("duration", true, Need::Required("duration = \"2s\""))? })
    }

    fn normalized(&self) -> Value {
        json!({ "duration": duration_str(self.duration) })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Http2
    }

    fn role(&self) -> Role {
        Role::Request
    }

    fn act(&self, _: &Request<'_>, out: &mut RequestFaults) {
        out.withhold_window = out.withhold_window.max(self.duration);
        out.hit = true;
    }
}
