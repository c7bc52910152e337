//! What a cohort counts: each connection's fate ([`Fates`]), its state second by second
//! ([`CohortSecond`]) and, at the end, the record `result.rs` turns into result.json's
//! `clients[].cohorts[]` ([`CohortRecord`]).

use crate::record::Hist;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// How a cohort's connections ended, counted over its windows. Every attempt ends in exactly
/// one of `refused`, `connect_failed`, `closed_by_server`, `reset` or `held_to_end`, so they add
/// up to `attempts` once the cohort has stopped (while it runs, the connections still
/// connecting or connected make up the difference).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fates {
    /// Connections the cohort began to open.
    pub attempts: u64,
    /// Connections the server accepted (the TCP handshake completed).
    pub opened: u64,
    /// Connects refused (`ECONNREFUSED`: nothing listening, or a full backlog answered with RST).
    pub refused: u64,
    /// Connects that failed otherwise: timed out (after 10 s, `slow::CONNECT_TIMEOUT`: a full
    /// listen backlog drops SYNs), out of descriptors, unreachable — and connects still in
    /// progress when their window ended (abandoned: they never opened, so they were not held).
    pub connect_failed: u64,
    /// Connections the server closed (FIN).
    pub closed_by_server: u64,
    /// Connections the server reset (RST; a write into a closed socket, `EPIPE`, counts here, as
    /// does any other error reading or writing an open connection).
    pub reset: u64,
    /// Of those the server ended (closed or reset): how many got response bytes first (a 408,
    /// a 431, a 503; for slow_read, its responses).
    pub answered: u64,
    /// Connections still open when their window ended, closed by chaosload.
    pub held_to_end: u64,
}

/// A cohort's connections in one second of the run (seconds since the configuration's start):
/// the states at the second's end, as slowhttptest charts them, and what happened during it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CohortSecond {
    pub t_s: u64,
    /// Connects in progress at the second's end.
    pub connecting: u64,
    /// Connections open (held) at the second's end.
    pub connected: u64,
    /// Connections opened during the second.
    pub opened: u64,
    pub closed_by_server: u64,
    pub reset: u64,
    pub refused: u64,
    pub connect_failed: u64,
}

/// Everything a cohort measured, for `result.rs`.
#[derive(Debug, Clone)]
pub struct CohortRecord {
    /// The cohort's `[[fault]]` index.
    pub fault: usize,
    /// Its kind as scenarios name it.
    pub kind: &'static str,
    /// Connections it meant to hold at once (its `connections`).
    pub connections: u64,
    pub fates: Fates,
    /// The most connections it held open at once.
    pub peak_connected: u64,
    /// How long each connection the server ended (closed or reset) had been open, µs.
    pub held_for: Hist,
    /// One entry per second from the cohort's first window to its last (by the run's clock).
    pub timeline: Vec<CohortSecond>,
}

/// A cohort's counts as they happen: written by its connections and the cohort on the cohort
/// thread, read by [`Counters::fates`] from any thread (the live lines of `chaosload slow`).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub attempts: AtomicU64,
    pub opened: AtomicU64,
    pub refused: AtomicU64,
    pub connect_failed: AtomicU64,
    pub closed_by_server: AtomicU64,
    pub reset: AtomicU64,
    pub answered: AtomicU64,
    pub held_to_end: AtomicU64,
    /// Connects in progress now.
    pub connecting: AtomicU64,
    /// Connections open now.
    pub connected: AtomicU64,
    pub peak_connected: AtomicU64,
}

impl Counters {
    pub fn fates(&self) -> Fates {
        Fates {
            attempts: self.attempts.load(Relaxed),
            opened: self.opened.load(Relaxed),
            refused: self.refused.load(Relaxed),
            connect_failed: self.connect_failed.load(Relaxed),
            closed_by_server: self.closed_by_server.load(Relaxed),
            reset: self.reset.load(Relaxed),
            answered: self.answered.load(Relaxed),
            held_to_end: self.held_to_end.load(Relaxed),
        }
    }

    /// The second `t_s`: the states now, the events since `before` (the counts at its start).
    pub fn second(&self, t_s: u64, before: &Fates) -> (CohortSecond, Fates) {
        let now = self.fates();
        let second = CohortSecond {
            t_s,
            connecting: self.connecting.load(Relaxed),
            connected: self.connected.load(Relaxed),
            opened: now.opened - before.opened,
            closed_by_server: now.closed_by_server - before.closed_by_server,
            reset: now.reset - before.reset,
            refused: now.refused - before.refused,
            connect_failed: now.connect_failed - before.connect_failed,
        };
        (second, now)
    }
}
