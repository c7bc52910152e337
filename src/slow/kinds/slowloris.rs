//! `slowloris`: a request head that never ends — the request line and a few header fields, then
//! `bytes` more of a header field every `interval`, never the blank line (slowhttptest `-H`).

use super::{tick_keys, Request, Script, SlowKind, Tick};
use bytes::Bytes;
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

    /// The request line and two fields at once, then an endless run of header lines
    /// (`X-chaosload-0: aaaa…`), cut into `bytes`-long pieces: every line has a name, so the
    /// blank line that would end the head never comes.
    fn script(&self, target: &Request<'_>) -> Script {
        let opening = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: chaosload-slowloris\r\n",
            target.path, target.host
        );
        let pattern: String = (0..16).map(|i| format!("X-chaosload-{i}: aaaaaaaaaaaaaaaa\r\n")).collect();
        Script {
            receive_buffer: None,
            opening: Bytes::from(opening),
            interval: self.interval,
            tick: Tick::Send { pattern: Bytes::from(pattern), bytes: self.bytes, total: None },
        }
    }
}
