//! `slicer`: cuts the data into pieces of `size` bytes, sent at least `delay` apart.

use super::{Chunk, PipeFuture, Stub, Toxic};
use crate::timer;
use std::time::{Duration, Instant};

pub(crate) struct Slicer {
    size: usize,
    delay: Duration,
}

impl Slicer {
    pub fn new(size: usize, delay: Duration) -> Self {
        Slicer { size: size.max(1), delay }
    }
}

impl Toxic for Slicer {
    /// Each piece goes out `delay` after the previous piece (within a chunk and across chunks),
    /// or when its chunk was read if that is later — so the pacing does not depend on how the
    /// source's bytes happened to be grouped into reads.
    fn pipe(self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move {
            let mut last: Option<Instant> = None;
            while let Some(chunk) = stub.recv().await {
                for start in (0..chunk.data.len()).step_by(self.size) {
                    let end = (start + self.size).min(chunk.data.len());
                    let at = last.map_or(chunk.at, |last| (last + self.delay).max(chunk.at));
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
