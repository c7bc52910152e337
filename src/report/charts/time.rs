//! The time axis of the charts over time: each series' per-second timeline, how many seconds the axis
//! covers, its ticks and labels, and the stretches of seconds a line is drawn through.

use crate::result::{RunResult, SecondResult};

/// Seconds covered by the timelines (at least 1).
pub(super) fn run_seconds(result: &RunResult) -> f64 {
    seconds_covered(&TimeSeries::of_clients(result))
}

pub(super) fn seconds_covered(series: &[TimeSeries]) -> f64 {
    series.iter().map(|s| (s.seconds.len() as f64).max(s.duration_ms as f64 / 1000.0)).fold(1.0, f64::max).ceil()
}

/// One line (or p50/p99 pair) of a chart over time: a configuration's per-second timeline in one run.
pub struct TimeSeries<'a> {
    pub name: &'a str,
    pub seconds: &'a [SecondResult],
    /// How long the configuration's run took, so the time axis covers it all.
    pub duration_ms: u64,
}

impl TimeSeries<'_> {
    pub fn of_clients(result: &RunResult) -> Vec<TimeSeries<'_>> {
        result
            .clients
            .iter()
            .map(|c| TimeSeries { name: &c.name, seconds: &c.timeline, duration_ms: c.duration_ms })
            .collect()
    }
}

pub(super) fn fmt_seconds(x: &f64) -> String {
    format!("{x:.0}s")
}

/// Tick seconds at a readable step for a run of `x_end` seconds.
pub(super) fn time_ticks(x_end: f64) -> Vec<f64> {
    let step = [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0]
        .into_iter()
        .find(|s| x_end / s <= 15.0)
        .unwrap_or(1800.0);
    (0..).map(|i| i as f64 * step).take_while(|t| *t <= x_end + 1e-9).collect()
}

/// Contiguous stretches of seconds where `keep` holds (lines break across the gaps).
pub(super) fn runs<T>(items: &[T], keep: impl Fn(&T) -> bool) -> Vec<&[T]> {
    items.split(|s| !keep(s)).filter(|r| !r.is_empty()).collect()
}
