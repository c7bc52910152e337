//! `latency`: delays each chunk by a duration drawn per chunk, from the instant it was read.

use super::{PipeFuture, Stub, Toxic};
use crate::dist::Dist;
use crate::timer;
use rand::rngs::SmallRng;
use rand::SeedableRng;

pub(crate) struct Latency {
    dist: Dist,
    rng: SmallRng,
}

impl Latency {
    pub fn new(dist: Dist, seed: u64) -> Self {
        Latency { dist, rng: SmallRng::seed_from_u64(seed) }
    }
}

impl Toxic for Latency {
    /// A chunk read at `t` goes out at `t + L` (or right after the chunk before it, whichever is
    /// later: order is kept). Its timestamp becomes `t + L`, so a further latency adds to that.
    fn pipe(mut self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move {
            while let Some(mut chunk) = stub.recv().await {
                let release = chunk.at + self.dist.sample(&mut self.rng);
                timer::sleep_until(release).await;
                chunk.at = release;
                if !stub.send(chunk).await {
                    return;
                }
            }
        })
    }
}
