//! The chaos proxy: a TCP proxy between the clients under test and the target that injects
//! toxics (latency, bandwidth, slicing, resets, blackholes, slow closes, data limits, refusals)
//! per connection and direction, on the run's fault timeline.
//!
//! [`ProxyServer::start`] runs it on a thread of its own (a current-thread tokio runtime), like
//! the mock; [`serve`] is the same proxy as a future for a caller's runtime (the standalone
//! `chaosload proxy` command).
//!
//! Per accepted client connection, numbered from 0 in accept order:
//! - every proxy fault active at that moment (`FaultPlan::active_at(epoch.elapsed())`) hits the
//!   connection with its `probability`, drawn from (seed, connection index, `[[fault]]` index)
//!   by `crate::seeded` — every client configuration meets the same hits. **The decision is taken once,
//!   at accept: a connection keeps its toxics for its whole life**, even after the fault's window
//!   ends, and a connection accepted before a window opens is never affected by it.
//! - a hit `refuse` resets the client at once (accept, linger 0, close); nothing goes upstream.
//! - otherwise the proxy connects to `upstream` (on failure: resets the client) and pumps bytes
//!   both ways through a chain of toxics per direction, in the order of the faults (see
//!   [`toxics`]). `TCP_NODELAY` is set on both sockets. A side's EOF is passed on as a half-close
//!   (shutdown of the other side's write); the connection ends when both directions have ended.
//!   A read or write error (a peer reset) resets the other side too. Nothing is lost or reordered
//!   except where a toxic means to.

mod proxy;
pub mod toxics;

use crate::fault::Indexed;
use crate::server_thread::ServerThread;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use toxics::ProxyFault;

/// Everything one proxy needs.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Where client connections are forwarded.
    pub upstream: SocketAddr,
    /// The run's proxy faults, each with its `[[fault]]` index.
    pub faults: Vec<Indexed<ProxyFault>>,
    pub seed: u64,
    /// Start of the run: fault windows are offsets from it.
    pub epoch: Instant,
    /// How long the proxy waits to connect upstream before it resets the client's connection (an
    /// upstream that drops SYNs would otherwise hold it for the OS's ~2 min).
    pub connect_timeout: Duration,
}

impl ProxyConfig {
    /// A config without faults whose epoch is now.
    pub fn new(upstream: SocketAddr, seed: u64) -> Self {
        ProxyConfig {
            upstream,
            faults: Vec::new(),
            seed,
            epoch: Instant::now(),
            connect_timeout: ProxyConfig::CONNECT_TIMEOUT,
        }
    }

    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A config for `faults` whose epoch is now.
    pub fn with_faults(upstream: SocketAddr, seed: u64, faults: Vec<Indexed<ProxyFault>>) -> Self {
        ProxyConfig { faults, ..ProxyConfig::new(upstream, seed) }
    }
}

/// A snapshot of a proxy's counters.
/// Part of the result.json contract (`clients[].mock` / `clients[].proxy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProxyStats {
    /// Client connections accepted (refused ones included).
    pub connections: u64,
    /// Bytes delivered to the target.
    pub bytes_up: u64,
    /// Bytes delivered to the clients.
    pub bytes_down: u64,
    /// Connections at least one toxic was applied to.
    pub faults_hit: u64,
    /// Connections reset at accept by `refuse`.
    pub refused: u64,
    /// Connections the proxy ended with a reset: `reset_peer`, a peer's reset passed on, a failed
    /// upstream connect.
    pub resets: u64,
    /// Upstream connects that failed (the client was reset).
    pub connect_failed: u64,
}

/// The live counters of a proxy, shared with whoever wants snapshots of them.
#[derive(Debug, Default)]
pub struct ProxyCounters {
    connections: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
    faults_hit: AtomicU64,
    refused: AtomicU64,
    resets: AtomicU64,
    connect_failed: AtomicU64,
}

impl ProxyCounters {
    pub fn snapshot(&self) -> ProxyStats {
        ProxyStats {
            connections: self.connections.load(Relaxed),
            bytes_up: self.bytes_up.load(Relaxed),
            bytes_down: self.bytes_down.load(Relaxed),
            faults_hit: self.faults_hit.load(Relaxed),
            refused: self.refused.load(Relaxed),
            resets: self.resets.load(Relaxed),
            connect_failed: self.connect_failed.load(Relaxed),
        }
    }
}

/// A chaos proxy running on its own OS thread. Stopped by [`ProxyServer::shutdown`] or on drop.
#[derive(Debug)]
pub struct ProxyServer {
    server: ServerThread,
    counters: Arc<ProxyCounters>,
}

impl ProxyServer {
    /// Starts the proxy on its own OS thread with a current-thread tokio runtime, serving an
    /// already-bound listener. Fails when the runtime or the thread cannot be created.
    pub fn start(listener: std::net::TcpListener, config: ProxyConfig) -> io::Result<ProxyServer> {
        let counters = Arc::new(ProxyCounters::default());
        let stats = Arc::clone(&counters);
        let server = ServerThread::spawn("chaosload-proxy", listener, move |listener, shutdown| {
            proxy::run(listener, config, shutdown, stats)
        })?;
        Ok(ProxyServer { server, counters })
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn stats(&self) -> ProxyStats {
        self.counters.snapshot()
    }

    /// Stops accepting, closes every connection (work in flight is abandoned), joins the thread,
    /// and returns the final counters.
    pub fn shutdown(mut self) -> ProxyStats {
        self.server.stop();
        self.stats()
    }
}

/// The same proxy as a future, for callers that bring their own runtime. Runs until `shutdown` is
/// cancelled, then closes the listener and every connection. `stats` receives the counters (pass a
/// fresh `Arc::default()` and keep a clone to read them).
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ProxyConfig,
    shutdown: CancellationToken,
    stats: Arc<ProxyCounters>,
) -> io::Result<()> {
    proxy::run(listener, config, shutdown, stats).await;
    Ok(())
}

#[cfg(test)]
mod tests;
