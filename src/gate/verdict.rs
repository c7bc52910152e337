//! What gates found, as result.json keeps it (`gates`): one [`Verdict`] per gate and
//! configuration, each with its measured value, threshold, margin, interval and method.

use super::quantity::Unit;
use serde::{Deserialize, Serialize};

/// Every gate's verdict on one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReport {
    /// Whether the run passed: no verdict fails it.
    pub passed: bool,
    /// What a gate without enough data does: `fail` or `warn`.
    pub insufficient_data: String,
    /// The run `regress` gates were judged against, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineRun>,
    pub verdicts: Vec<Verdict>,
}

impl GateReport {
    /// The verdicts that fail the run.
    pub fn failures(&self) -> impl Iterator<Item = &Verdict> {
        self.verdicts.iter().filter(|v| v.fails_run)
    }
}

/// Which run a baseline was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineRun {
    /// The baseline's result.json as given.
    pub file: String,
    pub scenario_name: String,
    pub started_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Too few samples for the figure to mean anything.
    InsufficientData,
    /// Not judged: a regress gate without a baseline, a configuration that did not run.
    Skipped,
}

impl Status {
    /// `PASS`, `FAIL`, `NO DATA`, `SKIP`: the terminal's and the Markdown's word.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::InsufficientData => "NO DATA",
            Status::Skipped => "SKIP",
        }
    }
}

/// One gate judged on one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The gate's key as written (`*.error_rate`).
    pub gate: String,
    /// The configuration judged.
    pub client: String,
    /// The key for this configuration (`default.error_rate`).
    pub key: String,
    /// The condition as written (`< 0.1%`).
    pub condition: String,
    pub status: Status,
    /// Whether this verdict fails the run (a failure; no data when `insufficient_data = "fail"`).
    pub fails_run: bool,
    /// The unit of `measured`, `interval`, `threshold` and `margin`: `us`, `ratio`, `per_s`, `count`.
    pub unit: Unit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<f64>,
    /// The measured value's 95% interval `[lo, hi]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<[f64; 2]>,
    /// How many values it was read from.
    pub samples: u64,
    /// The value the measured one was held against (for `regress`: the limit the baseline sets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// How far the gate is from flipping, in `unit`: room left when it passes (≥ 0), how far
    /// past the threshold when it fails (< 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// The baseline's or the other configuration's figure it was held against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<Against>,
    /// What was measured: `the whole run`, `phase "bursts"`, `seconds 10–14 (during stall…)`.
    pub scope: String,
    /// How the value and its interval were read, and how the verdict was reached.
    pub method: String,
    /// The verdict in one line, for people.
    pub summary: String,
    /// What to be wary of: a threshold inside the noise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The figure a relative or regress gate compared with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Against {
    /// `baseline` or the other configuration's key (`default.p99`).
    pub what: String,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<[f64; 2]>,
    pub samples: u64,
    pub method: String,
}

impl Verdict {
    /// `FAIL tuned.p99 < 300ms: 412.0ms, 112.0ms past the threshold`: the terminal's line.
    pub fn line(&self) -> String {
        format!("{:<7} {} {}: {}", self.status.label(), self.key, self.condition, self.summary)
    }
}
