//! The proxy's counters: live atomics the connections count into, and the snapshot that
//! result.json carries.

use super::toxics::Flow;
use crate::server_thread::AcceptCounters;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

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
    /// Connections open when the snapshot was taken (by [`ProxyServer::shutdown`]: still open
    /// when the proxy was stopped).
    #[serde(default)]
    pub open: u64,
    /// Connections the proxy closed because one side had closed and the other then stayed
    /// silent for `half_close_timeout`.
    #[serde(default)]
    pub ended_quiet: u64,
    /// Connections accepted at `max_connections` and closed at once (not in `connections`).
    #[serde(default)]
    pub over_cap: u64,
    /// Times accepting failed for want of file descriptors or memory and the proxy backed off.
    #[serde(default)]
    pub accept_backoffs: u64,
}

/// The live counters of a proxy, shared with whoever wants snapshots of them.
#[derive(Debug, Default)]
pub struct ProxyCounters {
    pub(super) connections: AtomicU64,
    pub(super) bytes_up: AtomicU64,
    pub(super) bytes_down: AtomicU64,
    pub(super) faults_hit: AtomicU64,
    pub(super) refused: AtomicU64,
    pub(super) resets: AtomicU64,
    pub(super) connect_failed: AtomicU64,
    pub(super) ended_quiet: AtomicU64,
    pub(super) accept: AcceptCounters,
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
            open: self.accept.open.load(Relaxed),
            ended_quiet: self.ended_quiet.load(Relaxed),
            over_cap: self.accept.over_cap.load(Relaxed),
            accept_backoffs: self.accept.backoffs.load(Relaxed),
        }
    }

    /// The bytes delivered in `flow`'s direction.
    pub(super) fn delivered(&self, flow: Flow) -> &AtomicU64 {
        match flow {
            Flow::Up => &self.bytes_up,
            Flow::Down => &self.bytes_down,
        }
    }
}
