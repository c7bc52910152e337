//! What the mock answers to one request: its status, its latency, its body, and how long a stall holds it.
//!
//! Everything a response needs is built once here (body bytes, cumulative status weights, stall
//! windows), so answering a request costs a counter increment, at most one cheap RNG seeding and
//! two draws, and reference-count bumps.

use super::{MockConfig, MockCounters};
use crate::dist::Dist;
use crate::scenario::plan::{FaultKind, FaultPlan};
use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderValue, Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The mock's per-request behaviour, shared by every connection of one server.
#[derive(Debug)]
pub(crate) struct Behaviour {
    latency: Dist,
    /// Statuses with the cumulative upper bound of their weight range, in plan order.
    statuses: Box<[(StatusCode, u64)]>,
    total_weight: u64,
    body: Bytes,
    /// `content-length` for HTTP/2 responses (HTTP/1 writes it straight into the output buffer).
    content_length: HeaderValue,
    /// `Stall` faults, windows relative to `epoch`.
    stalls: Box<[FaultPlan]>,
    epoch: Instant,
    /// Seed, scrambled once: request `n` draws from an RNG seeded with `seed_key ^ n`.
    seed_key: u64,
    counters: Arc<MockCounters>,
}

/// The outcome of the draws for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Draw {
    pub status: StatusCode,
    pub latency: Duration,
}

impl Behaviour {
    pub(crate) fn new(config: &MockConfig, counters: Arc<MockCounters>) -> io::Result<Self> {
        let plan = &config.plan;
        let mut statuses = Vec::with_capacity(plan.statuses.len());
        let mut total_weight = 0u64;
        for &(code, weight) in &plan.statuses {
            let status = StatusCode::from_u16(code).map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidInput, format!("mock: invalid status code {code}"))
            })?;
            if weight == 0 {
                continue;
            }
            total_weight += u64::from(weight);
            statuses.push((status, total_weight));
        }
        if statuses.is_empty() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "mock: no status with a positive weight"));
        }
        let body = Bytes::from((0..plan.body_bytes).map(|i| b'a' + (i % 26) as u8).collect::<Vec<u8>>());
        let stalls: Box<[FaultPlan]> =
            config.faults.iter().filter(|f| matches!(f.kind, FaultKind::Stall)).cloned().collect();
        Ok(Behaviour {
            latency: plan.latency.clone(),
            statuses: statuses.into_boxed_slice(),
            total_weight,
            content_length: HeaderValue::from(plan.body_bytes),
            body,
            stalls,
            epoch: config.epoch,
            seed_key: splitmix64(config.seed),
            counters,
        })
    }

    /// The draws for the `n`-th request the server received (0-based): a pure function of the
    /// seed and `n`, so a sequential client sees the same sequence for the same seed.
    pub(crate) fn draw(&self, n: u64) -> Draw {
        if let (&Dist::Fixed(latency), [(status, _)]) = (&self.latency, &*self.statuses) {
            // Nothing to draw: skip seeding an RNG.
            return Draw { status: *status, latency };
        }
        let mut rng = SmallRng::seed_from_u64(self.seed_key ^ n);
        let status = if self.statuses.len() == 1 {
            self.statuses[0].0
        } else {
            let x = rng.random_range(0..self.total_weight);
            self.statuses.iter().find(|&&(_, upper)| x < upper).map_or(self.statuses[0].0, |&(s, _)| s)
        };
        Draw { status, latency: self.latency.sample(&mut rng) }
    }

    /// End (as an offset from the epoch) of the stall window active at `elapsed`, if any; the
    /// latest end when several overlap.
    pub(crate) fn stall_end(&self, elapsed: Duration) -> Option<Duration> {
        self.stalls.iter().filter_map(|f| f.window_end(elapsed)).max()
    }

    /// Answers one request. The draws happen now, in arrival order; the returned future drains
    /// the request body, waits out the latency and any stall, and yields the response. `guard`
    /// is dropped when the response is handed to hyper (or the request is abandoned).
    pub(crate) fn respond<G: Send + 'static>(
        self: &Arc<Self>,
        req: Request<Incoming>,
        guard: G,
    ) -> impl Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static {
        let n = self.counters.requests.fetch_add(1, Relaxed);
        let draw = self.draw(n);
        let deadline = (!draw.latency.is_zero()).then(|| std::time::Instant::now() + draw.latency);
        let this = Arc::clone(self);
        async move {
            let _guard = guard;
            let h2 = req.version() == Version::HTTP_2;
            let mut body = req.into_body();
            if !body.is_end_stream() {
                while let Some(frame) = body.frame().await {
                    if frame.is_err() {
                        break; // the client went away; hyper reports it on the connection
                    }
                }
            }
            drop(body);
            if let Some(deadline) = deadline {
                crate::timer::sleep_until(deadline).await;
            }
            if !this.stalls.is_empty() {
                this.hold_while_stalled().await;
            }
            Ok(this.response(draw.status, h2))
        }
    }

    /// Waits until no stall window is active (back-to-back windows are waited out in turn).
    async fn hold_while_stalled(&self) {
        let mut elapsed = self.epoch.elapsed();
        while let Some(end) = self.stall_end(elapsed) {
            crate::timer::sleep_until(self.epoch + end).await;
            elapsed = end;
        }
    }

    fn response(&self, status: StatusCode, h2: bool) -> Response<Full<Bytes>> {
        let mut res = Response::new(Full::new(self.body.clone()));
        *res.status_mut() = status;
        if h2 {
            // hyper would add it from the exact size hint, formatting a fresh value each time.
            res.headers_mut().insert(CONTENT_LENGTH, self.content_length.clone());
        }
        res
    }
}

/// SplitMix64's output function: scrambles the scenario seed so neighbouring seeds do not yield
/// shifted copies of the same per-request sequence.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::plan::MockPlan;

    fn behaviour(plan: MockPlan, faults: Vec<FaultPlan>, seed: u64) -> Behaviour {
        let config = MockConfig { plan, faults, seed, epoch: Instant::now() };
        Behaviour::new(&config, Arc::default()).unwrap()
    }

    #[test]
    fn draws_are_a_function_of_seed_and_index() {
        let plan = MockPlan {
            statuses: vec![(200, 9), (503, 1)],
            latency: Dist::Uniform { min: Duration::from_millis(1), max: Duration::from_millis(9) },
            ..MockPlan::default()
        };
        let a = behaviour(plan.clone(), vec![], 7);
        let b = behaviour(plan.clone(), vec![], 7);
        let c = behaviour(plan, vec![], 8);
        let seq = |m: &Behaviour| (0..500).map(|n| m.draw(n)).collect::<Vec<_>>();
        assert_eq!(seq(&a), seq(&b));
        assert_ne!(seq(&a), seq(&c));
        let errors = (0..10_000).filter(|&n| a.draw(n).status == StatusCode::SERVICE_UNAVAILABLE).count();
        assert!((800..1200).contains(&errors), "{errors} of 10000 were 503");
    }

    #[test]
    fn zero_weights_are_skipped_and_bad_plans_rejected() {
        let m = behaviour(MockPlan { statuses: vec![(500, 0), (204, 3)], ..MockPlan::default() }, vec![], 1);
        assert!((0..100).all(|n| m.draw(n).status == StatusCode::NO_CONTENT));
        let bad = |statuses| {
            let config = MockConfig {
                plan: MockPlan { statuses, ..MockPlan::default() },
                faults: vec![],
                seed: 0,
                epoch: Instant::now(),
            };
            Behaviour::new(&config, Arc::default()).unwrap_err().kind()
        };
        assert_eq!(bad(vec![]), io::ErrorKind::InvalidInput);
        assert_eq!(bad(vec![(200, 0)]), io::ErrorKind::InvalidInput);
        assert_eq!(bad(vec![(42, 1)]), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn overlapping_and_repeating_stalls_end_at_the_latest_window() {
        let s = Duration::from_secs;
        let stall = |at, duration, every| FaultPlan {
            kind: FaultKind::Stall,
            at: s(at),
            duration: s(duration),
            every,
            probability: 1.0,
        };
        let m = behaviour(MockPlan::default(), vec![stall(1, 2, None), stall(2, 3, Some(s(10)))], 0);
        assert_eq!(m.stall_end(Duration::from_millis(500)), None);
        assert_eq!(m.stall_end(Duration::from_millis(1500)), Some(s(3)));
        assert_eq!(m.stall_end(Duration::from_millis(2500)), Some(s(5)));
        assert_eq!(m.stall_end(s(5)), None);
        assert_eq!(m.stall_end(Duration::from_millis(12_100)), Some(s(15)));
    }
}
