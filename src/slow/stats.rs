//! What a cohort counts: each connection's fate ([`Fates`]), its state second by second
//! ([`CohortSecond`]) and, at the end, the record `result.rs` turns into result.json's
//! `clients[].cohorts[]` ([`CohortRecord`]).

use crate::record::Hist;
use serde::{Deserialize, Serialize};

/// How a cohort's connections ended, counted over its windows. Every attempt ends in exactly
/// one of `refused`, `connect_failed`, `closed_by_server`, `reset` or `held_to_end`, so they add
/// up to `attempts` once the cohort has stopped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fates {
    /// Connections the cohort began to open.
    pub attempts: u64,
    /// Connections the server accepted (the TCP handshake completed).
    pub opened: u64,
    /// Connects refused (`ECONNREFUSED`: nothing listening, or a full backlog answered with RST).
    pub refused: u64,
    /// Connects that failed otherwise: timed out (a full listen backlog drops SYNs), out of
    /// descriptors, unreachable.
    pub connect_failed: u64,
    /// Connections the server closed (FIN).
    pub closed_by_server: u64,
    /// Connections the server reset (RST; a write into a closed socket, `EPIPE`, counts here).
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
