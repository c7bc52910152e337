//! `slowloris`: a request head that never ends — the request line and a few header fields, then
//! `bytes` more of a header field every `interval`, never the blank line (slowhttptest `-H`).

use super::{tick_keys, SlowKind};
use crate::fault::keys::Keys;
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct Slowloris {
    /// Bytes of header sent each tick.
    pub bytes: u64,
    /// Time between ticks.
    pub interval: Duration,
}

impl SlowKind for Slowloris {
    const NAME: &'static str = "slowloris";
    const KEYS: &'static [&'static str] = &["bytes", "interval"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        // slowhttptest's `-x 32 -i 10`.
        let (bytes, interval) = tick_keys(keys, 32, Duration::from_secs(10))?;
        Some(Slowloris { bytes, interval })
    }

    fn normalized(&self) -> Value {
        json!({ "bytes": self.bytes, "interval": duration_str(self.interval) })
    }
}
