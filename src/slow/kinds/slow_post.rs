//! `slow_post`: a complete request head announcing a `content_length`-byte body, then the body
//! dribbled, `bytes` every `interval` (slowhttptest `-B`, "R-U-Dead-Yet").

use super::{tick_keys, Request, Script, SlowKind, Tick};
use bytes::Bytes;
use crate::fault::keys::{Keys, Need};
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct SlowPost {
    /// Bytes of body sent each tick.
    pub bytes: u64,
    /// Time between ticks.
    pub interval: Duration,
    /// The body's length the head announces (`Content-Length`).
    pub content_length: u64,
}

impl SlowKind for SlowPost {
    const NAME: &'static str = "slow_post";
    const KEYS: &'static [&'static str] = &["bytes", "interval", "content_length"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        // slowhttptest's `-x 32 -i 10 -s 4096`.
        let ticks = tick_keys(keys, 32, Duration::from_secs(10));
        let content_length = keys.count("content_length", 1, Need::Default(4096));
        let (bytes, interval) = ticks?;
        Some(SlowPost { bytes, interval, content_length: content_length? })
    }

    fn normalized(&self) -> Value {
        json!({ "bytes": self.bytes, "interval": duration_str(self.interval), "content_length": self.content_length })
    }

    /// A complete head announcing `content_length` bytes of form data, then the body (`a=b&…`),
    /// `bytes` a tick; once it is all sent, the connection is only held.
    fn script(&self, target: &Request<'_>) -> Script {
        let opening = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: chaosload-slow-post\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            target.path, target.host, self.content_length
        );
        Script {
            receive_buffer: None,
            opening: Bytes::from(opening),
            interval: self.interval,
            tick: Tick::Send { pattern: Bytes::from_static(b"a=b&"), bytes: self.bytes, total: Some(self.content_length) },
        }
    }
}
