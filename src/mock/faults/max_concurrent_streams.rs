//! `max_concurrent_streams`: an HTTP/2 connection accepted while the window is active advertises
//! SETTINGS_MAX_CONCURRENT_STREAMS = `max` in its SETTINGS, so its client must queue streams
//! past it (a stream opened beyond it is refused with RST_STREAM REFUSED_STREAM).

use super::{H2Fault, MockFaultKind, Protocols, Request, RequestFaults, Role};
use crate::fault::keys::{Keys, Need};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxConcurrentStreams {
    pub max: u32,
}

impl MockFaultKind for MaxConcurrentStreams {
    const NAME: &'static str = "max_concurrent_streams";
    const KEYS: &'static [&'static str] = &["max"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        let max = keys.count("max", 1, Need::Required("max = 4"))?;
        Some(MaxConcurrentStreams { max: u32::try_from(max).unwrap_or(u32::MAX) })
    }

    fn normalized(&self) -> Value {
        json!({ "max": self.max })
    }

    fn protocols(&self) -> Protocols {
        Protocols::Http2
    }

    fn role(&self) -> Role {
        Role::H2(H2Fault::MaxConcurrentStreams(self.max))
    }

    fn act(&self, _: &Request<'_>, _: &mut RequestFaults) {}
}
