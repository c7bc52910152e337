//! `slicer`: cuts the data into pieces of `size` bytes, sent at least `delay` apart.

use super::{Chunk, Pipe, PipeFuture, Stub, ToxicKind};
use crate::fault::keys::{Keys, Need};
use crate::timer;
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slicer {
    pub size: usize,
    pub delay: Duration,
}

impl ToxicKind for Slicer {
    const NAME: &'static str = "slicer";
    const KEYS: &'static [&'static str] = &["size", "delay"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        let size = keys.count("size", 1, Need::Required("size = 64"));
        let delay = keys.duration("delay", false, Need::Default(Duration::ZERO));
        Some(Slicer { size: usize::try_from(size?).unwrap_or(usize::MAX), delay: delay? })
    }

    fn normalized(&self) -> Value {
        json!({ "size": self.size, "delay": duration_str(self.delay) })
    }

    fn start(&self, _: u64) -> Box<dyn Pipe> {
        Box::new(Slicer { size: self.size.max(1), delay: self.delay })
    }
}

impl Pipe for Slicer {
    /// Each piece goes out `delay` after the previous piece (within a chunk and across chunks),
    /// or when its chunk was read if that is later — so the pacing does not depend on how the
    /// source's bytes happened to be grouped into reads.
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move {
            let mut last: Option<Instant> = None;
            while let Some(chunk) = stub.recv().await {
                for start in (0..chunk.data.len()).step_by(self.size) {
                    let end = (start + self.size).min(chunk.data.len());
                    let at = last.map_or(chunk.at, |last| timer::after(last, self.delay).max(chunk.at));
                    timer::sleep_until(at).await;
                    last = Some(at);
                    if !stub.send(Chunk { data: chunk.data.slice(start..end), at }).await {
                        return;
                    }
                }
            }
        })
    }
}
