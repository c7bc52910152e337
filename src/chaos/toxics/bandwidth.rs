//! `bandwidth`: paces the bytes of one direction to `bytes_per_s`.

use super::{Chunk, Pipe, PipeFuture, Stub, ToxicKind};
use crate::fault::keys::{Keys, Need};
use crate::timer;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bandwidth {
    pub bytes_per_s: u64,
}

impl ToxicKind for Bandwidth {
    const NAME: &'static str = "bandwidth";
    const KEYS: &'static [&'static str] = &["bytes_per_s"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        keys.count("bytes_per_s", 1, Need::Required("bytes_per_s = 10000")).map(|bytes_per_s| Bandwidth { bytes_per_s })
    }

    fn normalized(&self) -> Value {
        json!({ "bytes_per_s": self.bytes_per_s })
    }

    fn start(&self, _: u64) -> Box<dyn Pipe> {
        Box::new(Bandwidth { bytes_per_s: self.bytes_per_s.max(1) })
    }
}

impl Pipe for Bandwidth {
    /// Chunks are cut into pieces of about 10 ms worth of bytes; each piece goes out once the
    /// time to "transmit" it at the rate has passed since the previous one (or since the chunk was
    /// read, after an idle spell: unused bandwidth is not saved up).
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        let rate = self.bytes_per_s as f64;
        let piece = (self.bytes_per_s / 100).clamp(1, 64 * 1024) as usize;
        Box::pin(async move {
            let mut cursor: Option<Instant> = None;
            while let Some(chunk) = stub.recv().await {
                let mut at = cursor.map_or(chunk.at, |c| c.max(chunk.at));
                let mut start = 0;
                while start < chunk.data.len() {
                    let end = (start + piece).min(chunk.data.len());
                    at = timer::after(at, Duration::from_secs_f64((end - start) as f64 / rate));
                    timer::sleep_until(at).await;
                    if !stub.send(Chunk { data: chunk.data.slice(start..end), at }).await {
                        return;
                    }
                    start = end;
                }
                cursor = Some(at);
            }
        })
    }
}
