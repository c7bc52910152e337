//! The built-in mock upstream: HTTP/1.1 and h2c on one port, seeded latency and status mix, idle keep-alive closing, faults, and a serverless (scale-to-zero) model.
//!
//! [`MockServer::start`] runs it on a thread of its own (a current-thread tokio runtime), so the
//! load generator and the mock do not share a scheduler; [`serve`] is the same server as a future
//! for a caller's runtime (the standalone `chaosload mock` command).
//!
//! Per request the mock: counts it, draws its status and latency from an RNG seeded with the
//! scenario seed and the request's index (the `n`-th request received gets the same draws for the
//! same seed, whichever connection carries it), drains the request body, waits until `latency`
//! after the headers were read, holds the response while a `Stall` fault window is active, and
//! answers `body_bytes` bytes from one pre-built buffer with `content-length`.
//!
//! Faults (`[[fault]]` of layer `mock`) are one file each in `faults/`, which says how they
//! apply: per request (or per connection at accept), drawn from the seed, the unit's index and
//! the fault's `[[fault]]` index; latencies add up, `close` marks the response, and the first
//! deciding fault wins. Socket-level faults act on HTTP/1 only; HTTP/2 requests skip them.
//!
//! The parts, in the order a request meets them: `faults/` (what each fault kind does),
//! `serverless` (the scale-to-zero model), `behaviour` (the answer to one request: draws, faults,
//! serverless admission, latency, stalls), `http1` (the plain path's HTTP/1.1), `server` (accept
//! loop and connections; carries out the takeovers the behaviour asks for, with `wire`).
//!
//! Keep-alive closing: `Fin` at the (per-connection, jittered) idle timeout, `Rst` likewise, or
//! `Race`: nothing at the timeout, but the next request on a connection idle that long is reset
//! without a response. The serverless model is in `serverless.rs`. A plain mock (no mock fault
//! but stalls, no serverless, FIN closing) serves connections without any of this machinery, and
//! HTTP/1.1 with a server of its own (`http1.rs`) rather than hyper's.

mod behaviour;
pub mod faults;
mod http1;
pub mod plan;
mod server;
mod serverless;
mod wire;

use crate::fault::Indexed;
use crate::server_thread::ServerThread;
use behaviour::Behaviour;
use faults::MockFault;
use plan::MockPlan;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// Everything one mock server needs.
#[derive(Debug, Clone)]
pub struct MockConfig {
    pub plan: MockPlan,
    /// The run's mock faults, each with its `[[fault]]` index.
    pub faults: Vec<Indexed<MockFault>>,
    pub seed: u64,
    /// Start of the run: fault windows are offsets from it.
    pub epoch: Instant,
}

impl MockConfig {
    /// A config without faults whose epoch is now.
    pub fn new(plan: MockPlan, seed: u64) -> Self {
        MockConfig { plan, faults: Vec::new(), seed, epoch: Instant::now() }
    }
}

/// A snapshot of a mock's counters.
/// Part of the result.json contract (`clients[].mock` / `clients[].proxy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MockStats {
    /// Requests received (headers read), answered or not.
    pub requests: u64,
    pub connections_accepted: u64,
    /// Connections the mock closed because they were idle for `keep_alive_idle` (FIN or RST at
    /// the timeout, or, for the keep-alive race, reset when the next request arrived).
    pub connections_closed_idle: u64,
    /// Serverless instances started (new, or thawed after a freeze); prewarmed ones are not counted.
    pub cold_starts: u64,
    /// Serverless instances frozen after `freeze_after` idle.
    pub freezes: u64,
    /// Requests that waited for a serverless instance's capacity.
    pub queued: u64,
    /// Requests answered `queue_status` after waiting `queue_timeout` for capacity.
    pub queue_timeouts: u64,
    /// Requests that arrived on a connection whose serverless instance had frozen.
    pub frozen_connection_hits: u64,
    /// Requests (connections, for `reset` at accept) that at least one `[[fault]]` hit.
    pub fault_hits: u64,
}

/// The live counters of a mock, shared with whoever wants snapshots of them.
#[derive(Debug, Default)]
pub struct MockCounters {
    requests: AtomicU64,
    connections_accepted: AtomicU64,
    connections_closed_idle: AtomicU64,
    cold_starts: AtomicU64,
    freezes: AtomicU64,
    queued: AtomicU64,
    queue_timeouts: AtomicU64,
    frozen_connection_hits: AtomicU64,
    fault_hits: AtomicU64,
}

impl MockCounters {
    pub fn snapshot(&self) -> MockStats {
        MockStats {
            requests: self.requests.load(Relaxed),
            connections_accepted: self.connections_accepted.load(Relaxed),
            connections_closed_idle: self.connections_closed_idle.load(Relaxed),
            cold_starts: self.cold_starts.load(Relaxed),
            freezes: self.freezes.load(Relaxed),
            queued: self.queued.load(Relaxed),
            queue_timeouts: self.queue_timeouts.load(Relaxed),
            frozen_connection_hits: self.frozen_connection_hits.load(Relaxed),
            fault_hits: self.fault_hits.load(Relaxed),
        }
    }
}

/// A mock upstream running on its own OS thread. Stopped by [`MockServer::shutdown`] or on drop.
#[derive(Debug)]
pub struct MockServer {
    server: ServerThread,
    counters: Arc<MockCounters>,
}

impl MockServer {
    /// Starts the mock on its own OS thread with a current-thread tokio runtime, serving an
    /// already-bound listener. Fails on an invalid plan (no positive status weight, a status
    /// code outside 100..=999) or when the runtime or thread cannot be created.
    pub fn start(listener: std::net::TcpListener, config: MockConfig) -> io::Result<MockServer> {
        let counters = Arc::new(MockCounters::default());
        let behaviour = Arc::new(Behaviour::new(&config, Arc::clone(&counters))?);
        let stats = Arc::clone(&counters);
        let server = ServerThread::spawn("chaosload-mock", listener, move |listener, shutdown| {
            server::run(listener, behaviour, shutdown, stats)
        })?;
        Ok(MockServer { server, counters })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn stats(&self) -> MockStats {
        self.counters.snapshot()
    }

    /// Stops accepting, closes every connection (work in flight is abandoned), joins the thread,
    /// and returns the final counters.
    pub fn shutdown(mut self) -> MockStats {
        self.server.stop();
        self.stats()
    }
}

/// The same server as a future, for callers that bring their own runtime. Runs until `shutdown`
/// is cancelled, then closes the listener and every connection. `stats` receives the counters
/// (pass a fresh `Arc::default()` and keep a clone to read them). Fails at once on an invalid plan.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: MockConfig,
    shutdown: CancellationToken,
    stats: Arc<MockCounters>,
) -> io::Result<()> {
    let behaviour = Arc::new(Behaviour::new(&config, Arc::clone(&stats))?);
    server::run(listener, behaviour, shutdown, stats).await;
    Ok(())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_faults;
