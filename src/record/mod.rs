//! Recording: request outcomes, HDR histograms per client × phase, per-second timelines, connection stats.

mod outcome;

pub use outcome::{ErrorKind, Outcome};
