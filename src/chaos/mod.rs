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
//!   (shutdown of the other side's write); the connection ends when both directions have ended,
//!   and a direction whose other side has ended ends once its source stays silent for
//!   `half_close_timeout` (see `ends.rs`). A read or write error (a peer reset) resets the other
//!   side too. Nothing is lost or reordered except where a toxic means to.
//! - at `max_connections` open connections a new one is accepted and closed at once.

mod config;
mod ends;
mod proxy;
mod stats;
pub mod toxics;

pub use config::{ProxyConfig, ProxyLimits};
pub use stats::{ProxyCounters, ProxyStats};

use crate::server_thread::ServerThread;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

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
    /// and returns the final counters, with `open` as it was just before.
    pub fn shutdown(mut self) -> ProxyStats {
        let open = self.stats().open;
        self.server.stop();
        ProxyStats { open, ..self.stats() }
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
