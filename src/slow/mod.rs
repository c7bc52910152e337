//! Slow-client cohorts (`[[fault]] layer = "clients"`): connections that dribble a request head
//! (slowloris), dribble a request body (slow POST) or read a response a few bytes at a time
//! (slow read), held against the target beside the measured traffic during their windows, and
//! what became of each one (its fate: held, closed by the server, reset, refused).
//!
//! `kinds/` holds one file per kind, registered in `cohort_kinds!`, with its keys and its
//! [`Script`] (what its connections send and read); `stats.rs` what a cohort counts;
//! `runner.rs` the cohorts of a configuration on their own thread and its poll loop
//! ([`Cohorts`]); `cohort.rs` one cohort's windows, pace and timeline; `connection.rs` the
//! thread's slab of connections, each carrying out its script; `deadlines.rs` the FIFOs of
//! tick and connect deadlines; `watch.rs` what `chaosload slow`
//! prints (live lines, the service probe, the summary). The scenario reads the kinds
//! (`scenario::faults`); this module never reads a plan.

mod cohort;
mod connection;
mod deadlines;
pub mod kinds;
mod runner;
pub mod stats;
pub mod watch;

pub use connection::CONNECT_TIMEOUT;
pub use kinds::{CohortFault, CohortKind, Script, Tick};
pub use runner::{CohortConfig, CohortLive, CohortTarget, Cohorts};
pub use stats::{CohortRecord, CohortSecond, Fates};

#[cfg(test)]
mod tests;
