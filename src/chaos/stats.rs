//! The proxy's counters: live atomics the connections count into, and the snapshot that
//! result.json carries.

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
