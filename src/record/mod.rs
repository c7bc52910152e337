//! Recording: request outcomes, HDR histograms per client × phase, per-second timelines, connection stats.

mod histogram;
mod outcome;
mod recorder;

pub use histogram::{Hist, MAX_US};
pub use outcome::{ErrorKind, Outcome};
pub use recorder::{ConnStats, OutcomeCounts, PhaseStats, Recorder, Sample, Second, Timeline};
