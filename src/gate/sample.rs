//! Where a gate looks ([`Scope`]) and what it finds there ([`Sample`], the traffic the metrics
//! read); `select` makes a sample from a result.

use crate::record::Hist;
use std::collections::BTreeMap;

/// Where in a configuration's run a gate looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole run, every phase.
    Total,
    /// One `[[phase]]`, by name.
    Phase(String),
    /// The timeline seconds wholly inside a fault's windows.
    During(String),
    /// The seconds wholly before its first window.
    Before(String),
    /// The seconds wholly outside its windows, after the first started.
    After(String),
}

impl Scope {
    /// As a gate key writes it, with the dot after it (`phase.bursts.`), or nothing for the whole run.
    pub fn key_part(&self) -> String {
        match self {
            Scope::Total => String::new(),
            Scope::Phase(name) => format!("phase.{name}."),
            Scope::During(fault) => format!("during.{fault}."),
            Scope::Before(fault) => format!("before.{fault}."),
            Scope::After(fault) => format!("after.{fault}."),
        }
    }

    /// The fault it is scoped by, if any.
    pub fn fault(&self) -> Option<&str> {
        match self {
            Scope::During(f) | Scope::Before(f) | Scope::After(f) => Some(f),
            Scope::Total | Scope::Phase(_) => None,
        }
    }
}

/// The measured traffic a scope selects.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// What it is, for verdicts: `the whole run`, `phase "bursts"`, `seconds 10–14 (during dns-stall)`.
    pub what: String,
    /// Latencies (from intended send time) of the requests in it.
    pub latency: Hist,
    /// Requests that ended, overflow included: what an error rate divides by.
    pub requests: u64,
    /// Errors by kind, as result.json names them.
    pub errors: BTreeMap<String, u64>,
    /// Requests per second as the result measured it, and the count it divides.
    pub rate: f64,
    pub rate_count: u64,
    /// Time the rate is over, in seconds.
    pub elapsed_s: f64,
    pub connections_opened: u64,
    /// Requests that went out on a reused connection, of those sent; `None` when not recorded
    /// (a window's seconds).
    pub reused: Option<(u64, u64)>,
    /// Timeline seconds it was made of (`None` for a phase or the whole run).
    pub seconds: Option<u64>,
}

impl Sample {
    pub fn total_errors(&self) -> u64 {
        self.errors.values().sum()
    }
}
