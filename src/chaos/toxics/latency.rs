//! `latency`: delays each chunk by a duration drawn per chunk, from the instant it was read.

use super::{Pipe, PipeFuture, Stub, ToxicKind};
use crate::dist::Dist;
use crate::fault::keys::{latency_key, Keys};
use crate::timer;
use crate::vocabulary::dist_json;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Latency(pub Dist);

impl ToxicKind for Latency {
    const NAME: &'static str = "latency";
    const KEYS: &'static [&'static str] = &["latency"];

    fn parse(keys: &mut dyn Keys) -> Option<Self> {
        latency_key(keys).map(Latency)
    }

    fn normalized(&self) -> Value {
        json!({ "latency": dist_json(&self.0) })
    }

    fn start(&self, seed: u64) -> Box<dyn Pipe> {
        Box::new(Delaying { dist: self.0.clone(), rng: SmallRng::seed_from_u64(seed) })
    }
}

struct Delaying {
    dist: Dist,
    rng: SmallRng,
}

impl Pipe for Delaying {
    /// A chunk read at `t` goes out at `t + L` (or right after the chunk before it, whichever is
    /// later: order is kept). Its timestamp becomes `t + L`, so a further latency adds to that.
    fn pipe(mut self: Box<Self>, mut stub: Stub) -> PipeFuture {
        Box::pin(async move {
            while let Some(mut chunk) = stub.recv().await {
                let release = timer::after(chunk.at, self.dist.sample(&mut self.rng));
                timer::sleep_until(release).await;
                chunk.at = release;
                if !stub.send(chunk).await {
                    return;
                }
            }
        })
    }
}
