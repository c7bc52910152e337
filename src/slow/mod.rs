//! Slow-client cohorts (`[[fault]] layer = "clients"`): connections that dribble a request head
//! (slowloris), dribble a request body (slow POST) or read a response a few bytes at a time
//! (slow read), held against the target beside the measured traffic during their windows, and
//! what became of each one (its fate: held, closed by the server, reset, refused).
//!
//! `kinds/` holds one file per kind, registered in `cohort_kinds!`; `stats.rs` what a cohort
//! counts. The scenario reads the kinds (`scenario::faults`); this module never reads a plan.

pub mod kinds;
pub mod stats;

pub use kinds::{CohortFault, CohortKind};
pub use stats::{CohortRecord, CohortSecond, Fates};
