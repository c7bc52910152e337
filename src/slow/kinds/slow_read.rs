//! `slow_read`: complete requests (`pipeline` of them at once), then the responses read `bytes`
//! every `interval` through a small receive buffer (`SO_RCVBUF` of `receive_buffer` bytes), so
//! the server's writes stall (slowhttptest `-X`).

use super::{tick_keys, Request, Script, SlowKind, Tick};
use bytes::Bytes;
use crate::fault::keys::{Keys, Need};
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct SlowRead {
    /// Bytes read each tick.
    pub bytes: u64,
    /// Time between reads.
    pub interval: Duration,
    /// The socket's receive buffer (`SO_RCVBUF`, set before connecting, so the window the
    /// client advertises is small from the handshake on; Linux doubles it and keeps a minimum).
    pub receive_buffer: u64,
    /// Requests written at once on each connection (slowhttptest's `-k`), multiplying the
    /// response bytes the server must get rid of.
    pub pipeline: u64,
}

impl SlowKind for SlowRead {
    const NAME: &'static str = "slow_read";
    const KEYS: &'static [&'static str] = &["bytes", "interval", "receive_buffer", "pipeline"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        // slowhttptest's `-z 5 -n 1 -y 512 -k 1`.
        let ticks = tick_keys(keys, 5, Duration::from_secs(1));
        let receive_buffer = keys.count("receive_buffer", 1, Need::Default(512));
        let pipeline = keys.count("pipeline", 1, Need::Default(1));
        let (bytes, interval) = ticks?;
        Some(SlowRead { bytes, interval, receive_buffer: receive_buffer?, pipeline: pipeline? })
    }

    fn normalized(&self) -> Value {
        json!({
            "bytes": self.bytes,
            "interval": duration_str(self.interval),
            "receive_buffer": self.receive_buffer,
            "pipeline": self.pipeline,
        })
    }

    /// `pipeline` complete GETs at once (kept alive, so the server answers them all on the
    /// connection), then `bytes` of the responses read each tick through a small receive buffer.
    fn script(&self, target: &Request<'_>) -> Script {
        let one = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: chaosload-slow-read\r\n\r\n",
            target.path, target.host
        );
        Script {
            // The ceiling (64 MiB) fits in a u32; setsockopt takes an int.
            receive_buffer: Some(u32::try_from(self.receive_buffer).unwrap_or(u32::MAX)),
            opening: Bytes::from(one.repeat(usize::try_from(self.pipeline).unwrap_or(1))),
            interval: self.interval,
            tick: Tick::Read { bytes: self.bytes },
        }
    }
}
