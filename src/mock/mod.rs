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
//! deciding fault wins. On HTTP/2 (served on the h2 crate, `h2.rs`) a socket-level fault ends the
//! whole connection; HTTP/2's own faults (GOAWAY, RST_STREAM, SETTINGS, PING, flow control) act
//! there only.
//!
//! The parts, in the order a request meets them: `faults/` (what each fault kind does),
//! `serverless` (the scale-to-zero model), `behaviour` (the answer to one request: draws, faults,
//! serverless admission, latency, stalls), `http1` (the plain path's HTTP/1.1), `h2` (HTTP/2 on
//! either path), `server` (accept
//! loop and connections; carries out the takeovers the behaviour asks for, with `wire`).
//!
//! Keep-alive closing: `Fin` at the (per-connection, jittered) idle timeout, `Rst` likewise, or
//! `Race`: nothing at the timeout, but the next request on a connection idle that long is reset
//! without a response. The serverless model is in `serverless.rs`. A plain mock (no mock fault
//! but stalls, no serverless, FIN closing) serves connections without any of this machinery, and
//! HTTP/1.1 with a server of its own (`http1.rs`) rather than hyper's.

mod activity;
mod behaviour;
mod defences;
pub mod faults;
mod h2;
mod http1;
pub mod plan;
mod server;
mod serverless;
mod stats;
pub mod tls;
mod wire;

pub use plan::MockConfig;
pub use stats::{MockCounters, MockSecond, MockStats};
pub use tls::MockTls;

use crate::server_thread::ServerThread;
use behaviour::Behaviour;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// A mock upstream running on its own OS thread. Stopped by [`MockServer::shutdown`] or on drop.
#[derive(Debug)]
pub struct MockServer {
    server: ServerThread,
    counters: Arc<MockCounters>,
}

impl MockServer {
    /// Starts the mock on its own OS thread with a current-thread tokio runtime, serving an
    /// already-bound listener. Fails on an invalid plan (no positive status weight, a status
    /// code outside 100..=999) or when the runtime or thread cannot be created. Its events are
    /// also counted per second since `config.epoch` ([`MockServer::finish`]).
    pub fn start(listener: std::net::TcpListener, config: MockConfig) -> io::Result<MockServer> {
        let counters = Arc::new(MockCounters::with_timeline(config.epoch));
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
    pub fn shutdown(self) -> MockStats {
        self.finish().0
    }

    /// [`MockServer::shutdown`], also returning the events per second since the epoch.
    pub fn finish(mut self) -> (MockStats, Vec<MockSecond>) {
        self.server.stop();
        (self.stats(), self.counters.timeline())
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
mod tests_defences;
#[cfg(test)]
mod tests_faults;
#[cfg(test)]
mod tests_h2;
#[cfg(test)]
mod tests_malformed;
