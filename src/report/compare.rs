//! Comparing runs of one scenario (say before and after a release): per client configuration, each run's
//! numbers and their deltas against the first run, as data and as a terminal table.

use crate::gate::metrics::Metric as GateMetric;
use crate::gate::sample::Sample;
use crate::result::{ClientResult, CohortResult, PhaseResult, RunResult};
use crate::stats::{differs, Interval};
use crate::units::fmt_us;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// Why results should not be compared. The caller decides whether `--force` overrides it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompareError {
    #[error("comparing needs at least 2 results, got {0}")]
    TooFew(usize),
    #[error(
        "the results come from different scenarios: {}. Their traffic, faults and client configurations \
         differ, so their numbers are not comparable (--force compares them anyway)",
        describe_scenarios(.0)
    )]
    DifferentScenarios(
        /// Per result, in order: (scenario name, scenario file).
        Vec<(String, String)>,
    ),
}

fn describe_scenarios(scenarios: &[(String, String)]) -> String {
    scenarios
        .iter()
        .enumerate()
        .map(|(i, (name, file))| format!("result {} ran \"{name}\" ({file})", i + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses fewer than two results, or results of scenarios with different names.
pub fn check_comparable(results: &[RunResult]) -> Result<(), CompareError> {
    if results.len() < 2 {
        return Err(CompareError::TooFew(results.len()));
    }
    if results.iter().any(|r| r.scenario_name != results[0].scenario_name) {
        return Err(CompareError::DifferentScenarios(
            results.iter().map(|r| (r.scenario_name.clone(), r.scenario_file.clone())).collect(),
        ));
    }
    Ok(())
}

/// Labels for result files: the shortest trailing part of each path that tells it apart from the
/// others. Runs are all written as `result.json`, so file names alone would not do:
/// `reports/smoke/20261122T073426Z/result.json` becomes `20261122T073426Z/result.json`.
pub fn unique_labels<P: AsRef<Path>>(paths: &[P]) -> Vec<String> {
    let parts: Vec<Vec<String>> = paths
        .iter()
        .map(|p| p.as_ref().components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect())
        .collect();
    let suffix = |p: &[String], n: usize| p[p.len().saturating_sub(n)..].join("/");
    parts
        .iter()
        .enumerate()
        .map(|(i, mine)| {
            let mut n = 1;
            while n < mine.len()
                && parts.iter().enumerate().any(|(j, other)| j != i && suffix(other, n) == suffix(mine, n))
            {
                n += 1;
            }
            suffix(mine, n)
        })
        .collect()
}

/// One configuration's numbers in one run (all phases together, or one phase).
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Requests sent.
    pub requests: u64,
    pub achieved_rate: f64,
    /// 0..=1, over requests sent plus overflow.
    pub error_rate: f64,
    pub errors: BTreeMap<String, u64>,
    /// Latencies recorded; the percentiles mean nothing when 0.
    pub latency_count: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    pub connections_opened: u64,
    /// The 95% interval of each metric that has one (not `max`), read as the gates read it.
    pub intervals: Vec<(Metric, Interval<f64>)>,
}

impl Stats {
    /// A phase's numbers (or `total`'s), with that phase's connection opens.
    pub fn of_phase(p: &PhaseResult) -> Stats {
        Stats::with_intervals(
            Stats {
                requests: p.sent,
                achieved_rate: p.achieved_rate,
                error_rate: p.error_rate,
                errors: p.errors.clone(),
                latency_count: p.latency.count,
                p50_us: p.latency.p50_us,
                p90_us: p.latency.p90_us,
                p99_us: p.latency.p99_us,
                p999_us: p.latency.p999_us,
                max_us: p.latency.max_us,
                connections_opened: p.connections_opened,
                intervals: Vec::new(),
            },
            p,
        )
    }

    /// A configuration's whole run, with the pool's count of connections opened (as the terminal summary).
    pub fn of_client(c: &ClientResult) -> Stats {
        let total = PhaseResult { connections_opened: c.connections.opened, ..c.total.clone() };
        Stats::of_phase(&total)
    }

    fn with_intervals(mut self, p: &PhaseResult) -> Stats {
        let sample = Sample::of_phase(p, String::new());
        self.intervals = Metric::ALL
            .iter()
            .filter_map(|m| Some((*m, m.gate_metric()?.measure(&sample).usable_interval()?)))
            .collect();
        self
    }

    /// `metric`'s 95% interval, when it has one.
    pub fn interval(&self, metric: Metric) -> Option<Interval<f64>> {
        self.intervals.iter().find(|(m, _)| *m == metric).map(|(_, i)| *i)
    }
}

/// The numbers a comparison puts side by side, in table order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    Requests,
    Rate,
    ErrorRate,
    P50,
    P90,
    P99,
    P999,
    Max,
    Connections,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::Requests,
        Metric::Rate,
        Metric::ErrorRate,
        Metric::P50,
        Metric::P90,
        Metric::P99,
        Metric::P999,
        Metric::Max,
        Metric::Connections,
    ];

    /// Column header, as in the terminal summary.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Requests => "requests",
            Metric::Rate => "rate/s",
            Metric::ErrorRate => "errors",
            Metric::P50 => "p50",
            Metric::P90 => "p90",
            Metric::P99 => "p99",
            Metric::P999 => "p99.9",
            Metric::Max => "max",
            Metric::Connections => "conns",
        }
    }

    /// Which way is an improvement: more requests and a higher rate are better (fewer arrivals were lost),
    /// everything else is better lower.
    pub fn better(self) -> Better {
        match self {
            Metric::Requests | Metric::Rate => Better::Higher,
            _ => Better::Lower,
        }
    }

    /// The gate metric that measures it with its noise (`max` has no interval); requests are
    /// judged by their rate, which divides the same count.
    pub fn gate_metric(self) -> Option<GateMetric> {
        let word = match self {
            Metric::Requests | Metric::Rate => "rate",
            Metric::ErrorRate => "error_rate",
            Metric::P50 => "p50",
            Metric::P90 => "p90",
            Metric::P99 => "p99",
            Metric::P999 => "p99.9",
            Metric::Max => return None,
            Metric::Connections => "connections_opened",
        };
        GateMetric::parse(word)
    }

    fn is_latency(self) -> bool {
        matches!(self, Metric::P50 | Metric::P90 | Metric::P99 | Metric::P999 | Metric::Max)
    }

    /// The raw value: counts, requests/s, a 0..=1 ratio, or microseconds. `None` for a latency of a run
    /// that recorded none.
    pub fn value(self, s: &Stats) -> Option<f64> {
        if self.is_latency() && s.latency_count == 0 {
            return None;
        }
        Some(match self {
            Metric::Requests => s.requests as f64,
            Metric::Rate => s.achieved_rate,
            Metric::ErrorRate => s.error_rate,
            Metric::P50 => s.p50_us as f64,
            Metric::P90 => s.p90_us as f64,
            Metric::P99 => s.p99_us as f64,
            Metric::P999 => s.p999_us as f64,
            Metric::Max => s.max_us as f64,
            Metric::Connections => s.connections_opened as f64,
        })
    }

    /// The value as the terminal summary prints it: `800`, `200.0`, `0.25%`, `2.53ms`; `—` when absent.
    pub fn format(self, s: &Stats) -> String {
        let Some(v) = self.value(s) else { return "—".to_string() };
        match self {
            Metric::Requests | Metric::Connections => format!("{v:.0}"),
            Metric::Rate => format!("{v:.1}"),
            Metric::ErrorRate => format!("{:.2}%", v * 100.0),
            _ => fmt_us(v as u64),
        }
    }

    /// The absolute change, signed: `+12`, `−1.5`, `+0.40pp` (percentage points), `−300µs`, `±0µs`.
    pub fn format_delta(self, d: &Delta) -> String {
        match self {
            Metric::Requests | Metric::Connections => signed(d.abs, 0, ""),
            Metric::Rate => signed(d.abs, 1, ""),
            Metric::ErrorRate => signed(d.abs * 100.0, 2, "pp"),
            _ => {
                let us = d.abs.abs().round() as u64;
                format!("{}{}", sign_of(d.abs, us == 0), fmt_us(us))
            }
        }
    }
}

/// Which direction of change is an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

/// A change against the first run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delta {
    /// This run minus the first, in the metric's unit.
    pub abs: f64,
    /// Relative change in percent; `None` when the first run's value is 0 and this one's is not.
    pub pct: Option<f64>,
    /// Whether the two sides' 95% intervals are disjoint: `None` when a side has none (a max, too
    /// few samples), and then the change is never called better or worse.
    pub beyond_noise: Option<bool>,
}

impl Delta {
    /// The change from `first` to `this`, with no word on its noise.
    pub fn between(first: f64, this: f64) -> Delta {
        let abs = this - first;
        let pct = if first == 0.0 { (this == 0.0).then_some(0.0) } else { Some(abs / first.abs() * 100.0) };
        Delta { abs, pct, beyond_noise: None }
    }

    /// The change of `metric` from `first` to `this`, judged against both sides' noise.
    pub fn of(metric: Metric, first: &Stats, this: &Stats) -> Option<Delta> {
        Some(
            Delta::between(metric.value(first)?, metric.value(this)?)
                .judged(first.interval(metric), this.interval(metric)),
        )
    }

    /// This change, judged by the two sides' 95% intervals (not judged when either is missing).
    pub fn judged(self, first: Option<Interval<f64>>, this: Option<Interval<f64>>) -> Delta {
        let beyond_noise = match (first, this) {
            (Some(a), Some(b)) => Some(differs(&a, &b)),
            _ => None,
        };
        Delta { beyond_noise, ..self }
    }

    /// Whether the change is an improvement or a regression; `None` (neither) unless it is beyond
    /// the noise, as the gates judge a change.
    pub fn verdict(&self, better: Better) -> Option<bool> {
        match self.beyond_noise {
            Some(true) if self.abs != 0.0 => Some((self.abs < 0.0) == (better == Better::Lower)),
            _ => None,
        }
    }

    /// `+12.3%`, `−4.0%`, `±0.0%`, or `n/a` (from zero).
    pub fn format_pct(&self) -> String {
        match self.pct {
            Some(p) => signed(p, 1, "%"),
            None => "n/a".to_string(),
        }
    }
}

/// The true minus sign (U+2212), as in `−4.0%`.
const MINUS: char = '\u{2212}';

fn sign_of(v: f64, rounds_to_zero: bool) -> String {
    if rounds_to_zero {
        "±".to_string()
    } else if v < 0.0 {
        MINUS.to_string()
    } else {
        "+".to_string()
    }
}

/// `v` with `decimals` decimals and an explicit sign; `±` when it rounds to zero.
pub fn signed(v: f64, decimals: usize, suffix: &str) -> String {
    let magnitude = format!("{:.*}", decimals, v.abs());
    let zero = magnitude.chars().all(|c| c == '0' || c == '.');
    format!("{}{magnitude}{suffix}", sign_of(v, zero))
}

/// One run, as the comparison names it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// Given by the caller, e.g. from [`unique_labels`].
    pub label: String,
    pub scenario_name: String,
    pub started_at: String,
    /// The scenario's seed, as written (`unknown` when absent).
    pub seed: String,
    pub chaosload_version: String,
    /// Where it ran, in words: `4 cores, linux/x86_64, 1 load thread`.
    pub machine: String,
    pub interrupted: bool,
    pub error: Option<String>,
}

/// A count of a cohort's fates table, as report.html and `compare` show it.
pub struct FateColumn {
    pub head: &'static str,
    pub value: fn(&CohortResult) -> u64,
}

/// The counts of the fates tables, in their order (report.html adds `held_for`'s p50 and max).
pub const FATE_COLUMNS: [FateColumn; 9] = [
    FateColumn { head: "attempts", value: |k| k.fates.attempts },
    FateColumn { head: "opened", value: |k| k.fates.opened },
    FateColumn { head: "held to the end", value: |k| k.fates.held_to_end },
    FateColumn { head: "closed by server", value: |k| k.fates.closed_by_server },
    FateColumn { head: "reset", value: |k| k.fates.reset },
    FateColumn { head: "refused", value: |k| k.fates.refused },
    FateColumn { head: "connect failed", value: |k| k.fates.connect_failed },
    FateColumn { head: "answered", value: |k| k.fates.answered },
    FateColumn { head: "peak connected", value: |k| k.peak_connected },
];

/// A slow-client cohort's fate counts in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortCounts {
    /// Its `[[fault]]` index.
    pub fault: usize,
    pub kind: String,
    /// In the order of [`FATE_COLUMNS`].
    pub counts: Vec<u64>,
}

/// One configuration in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRun {
    pub stats: Stats,
    /// The slow-client cohorts beside it, by fault index.
    pub cohorts: Vec<CohortCounts>,
    /// Against the first run, one per [`Metric`] that both have; empty for the first run itself and when
    /// the first run does not have this configuration.
    pub deltas: Vec<(Metric, Delta)>,
    /// The verdict against the first run (errors and p99, with their noise); `None` as for `deltas`.
    pub change: Option<crate::verdict::RunChange>,
}

impl ClientRun {
    pub fn delta(&self, metric: Metric) -> Option<Delta> {
        self.deltas.iter().find(|(m, _)| *m == metric).map(|(_, d)| *d)
    }
}

/// One client configuration across the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientComparison {
    pub name: String,
    /// One entry per run, in run order; `None` where this configuration is not in that run.
    pub runs: Vec<Option<ClientRun>>,
}

impl ClientComparison {
    /// Every slow-client cohort any run had, as `(fault, kind)`, by fault index.
    pub fn cohorts(&self) -> Vec<(usize, &str)> {
        let all: BTreeSet<(usize, &str)> =
            self.runs.iter().flatten().flat_map(|r| r.cohorts.iter().map(|k| (k.fault, k.kind.as_str()))).collect();
        all.into_iter().collect()
    }

    /// Count `column` of [`FATE_COLUMNS`] of the cohort of `fault` in each run (`None`: not in it).
    pub fn cohort_counts(&self, fault: usize, column: usize) -> Vec<Option<u64>> {
        self.runs
            .iter()
            .map(|r| r.as_ref()?.cohorts.iter().find(|k| k.fault == fault).map(|k| k.counts[column]))
            .collect()
    }

    /// Every error kind any run met, sorted.
    pub fn error_kinds(&self) -> Vec<String> {
        let kinds: BTreeSet<&String> = self.runs.iter().flatten().flat_map(|r| r.stats.errors.keys()).collect();
        kinds.into_iter().cloned().collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The scenario's name (names joined with ` / ` when forced across scenarios).
    pub scenario: String,
    pub runs: Vec<RunInfo>,
    /// Every configuration present in any run, in order of first appearance.
    pub clients: Vec<ClientComparison>,
    /// What a reader should know before trusting the deltas: different scenarios or definitions,
    /// interrupted runs, missing configurations, thin tails.
    pub notes: Vec<String>,
}

/// Below this many latencies, p99.9 is (nearly) the max: a handful of requests, and the note says so.
const THIN_TAIL: u64 = 1000;

/// Compares labelled runs, each against the first. Never fails: call [`check_comparable`] first.
pub fn compare(results: &[(String, RunResult)]) -> Comparison {
    let runs: Vec<RunInfo> = results
        .iter()
        .map(|(label, r)| RunInfo {
            label: label.clone(),
            scenario_name: r.scenario_name.clone(),
            started_at: r.started_at.clone(),
            seed: r.seed(),
            chaosload_version: r.environment.chaosload_version.clone(),
            machine: r.environment.describe(),
            interrupted: r.interrupted,
            error: r.error.clone(),
        })
        .collect();
    let mut names: Vec<&str> = Vec::new();
    for (_, r) in results {
        for c in &r.clients {
            if !names.contains(&c.name.as_str()) {
                names.push(&c.name);
            }
        }
    }
    let clients: Vec<ClientComparison> = names
        .iter()
        .map(|name| {
            let found: Vec<Option<&ClientResult>> =
                results.iter().map(|(_, r)| r.clients.iter().find(|c| c.name == *name)).collect();
            let first_client = found.first().copied().flatten();
            let first = first_client.map(Stats::of_client);
            let runs = found
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    c.map(|c| {
                        let stats = Stats::of_client(c);
                        let deltas = match &first {
                            Some(first) if i > 0 => {
                                Metric::ALL.iter().filter_map(|m| Some((*m, Delta::of(*m, first, &stats)?))).collect()
                            }
                            _ => Vec::new(),
                        };
                        let cohorts = c
                            .cohorts
                            .iter()
                            .map(|k| CohortCounts {
                                fault: k.fault,
                                kind: k.kind.clone(),
                                counts: FATE_COLUMNS.iter().map(|col| (col.value)(k)).collect(),
                            })
                            .collect();
                        let change = first_client.filter(|_| i > 0).map(|f| crate::verdict::between_runs(f, c));
                        ClientRun { stats, cohorts, deltas, change }
                    })
                })
                .collect();
            ClientComparison { name: name.to_string(), runs }
        })
        .collect();
    let mut scenario_names: Vec<&str> = Vec::new();
    for (_, r) in results {
        if !scenario_names.contains(&r.scenario_name.as_str()) {
            scenario_names.push(&r.scenario_name);
        }
    }
    let notes = notes(results, &clients, &scenario_names);
    Comparison { scenario: scenario_names.join(" / "), runs, clients, notes }
}

fn notes(results: &[(String, RunResult)], clients: &[ClientComparison], scenario_names: &[&str]) -> Vec<String> {
    let mut notes = Vec::new();
    let Some((first_label, first)) = results.first() else { return notes };
    if scenario_names.len() > 1 {
        notes.push(format!(
            "these runs come from different scenarios ({}): their traffic, faults and clients differ",
            scenario_names.join(", ")
        ));
    } else {
        for (label, r) in &results[1..] {
            let differ = scenario_differences(&first.scenario, &r.scenario);
            if !differ.is_empty() {
                notes.push(format!(
                    "{label}: the scenario was not the same as in {first_label}: {} differ",
                    differ.join(", ")
                ));
            }
        }
    }
    for (label, r) in &results[1..] {
        let (a, b) = (&first.environment, &r.environment);
        let mut differ = Vec::new();
        if a.chaosload_version != b.chaosload_version {
            differ.push(format!("chaosload {} → {}", a.chaosload_version, b.chaosload_version));
        }
        if a.cores != b.cores {
            differ.push(format!("{} → {} cores", a.cores, b.cores));
        }
        if a.load_threads != b.load_threads {
            differ.push(format!("{} → {} load threads", a.load_threads, b.load_threads));
        }
        if a.os != b.os || a.arch != b.arch {
            differ.push(format!("{}/{} → {}/{}", a.os, a.arch, b.os, b.arch));
        }
        if !differ.is_empty() {
            notes.push(format!("{label} ran elsewhere than {first_label}: {}", differ.join(", ")));
        }
    }
    for (label, r) in results {
        if r.interrupted {
            notes.push(format!("{label} was interrupted: it covers only the part of the run that happened"));
        }
        if let Some(e) = &r.error {
            notes.push(format!("{label} did not complete: {e}"));
        }
    }
    for c in clients {
        let missing: Vec<&str> =
            c.runs.iter().zip(results).filter(|(run, _)| run.is_none()).map(|(_, (l, _))| l.as_str()).collect();
        if !missing.is_empty() {
            let consequence = if c.runs[0].is_none() { ", so it has no deltas" } else { "" };
            notes.push(format!("{} is missing from {}{consequence}", c.name, missing.join(", ")));
        }
    }
    let thin: Vec<String> = clients
        .iter()
        .filter(|c| c.runs.iter().flatten().any(|r| r.stats.latency_count > 0 && r.stats.latency_count < THIN_TAIL))
        .map(|c| c.name.clone())
        .collect();
    if !thin.is_empty() {
        notes.push(format!(
            "{}: fewer than {THIN_TAIL} latencies in a run, so p99.9 rests on one or two requests (read it as the max)",
            thin.join(", ")
        ));
    }
    notes
}

/// The top-level keys of two scenario definitions that differ, with client configurations matched by name
/// (`client tuned`, `client added`).
fn scenario_differences(a: &Value, b: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return if a == b { Vec::new() } else { vec!["the definitions".to_string()] };
    };
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut differ = Vec::new();
    for key in keys {
        if key == "client" {
            let by_name = |v: Option<&Value>| -> BTreeMap<String, Value> {
                v.and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|c| (c["name"].as_str().unwrap_or("?").to_string(), c.clone()))
                    .collect()
            };
            let (ca, cb) = (by_name(a.get(key)), by_name(b.get(key)));
            let names: BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
            for name in names {
                if ca.get(name) != cb.get(name) {
                    differ.push(format!("client {name}"));
                }
            }
        } else if a.get(key) != b.get(key) {
            differ.push(key.clone());
        }
    }
    differ
}

/// The comparison as a person reads it in a terminal: per configuration, one row per run in the columns of
/// the run summary, each later run followed by its change against the first (`Δ`, `Δ%`); then errors by
/// kind and the notes.
pub fn terminal_table(c: &Comparison) -> String {
    let mut out = String::new();
    let first = c.runs.first().map(|r| r.label.as_str()).unwrap_or("-");
    let _ = writeln!(out, "comparing {} across {} runs, each against the first ({first})", c.scenario, c.runs.len());
    let width = c.runs.iter().map(|r| r.label.chars().count()).max().unwrap_or(0).max(6);
    let columns = [9, 9, 9, 9, 9, 9, 9, 9, 7];
    let row = |out: &mut String, first: &str, cells: &[String]| {
        let _ = write!(out, "  {first:<width$}");
        for (cell, w) in cells.iter().zip(columns) {
            let _ = write!(out, " {cell:>w$}");
        }
        out.push('\n');
    };
    for client in &c.clients {
        let _ = writeln!(out, "\n{}", client.name);
        row(&mut out, "run", &Metric::ALL.map(|m| m.label().to_string()));
        for (info, run) in c.runs.iter().zip(&client.runs) {
            let Some(run) = run else {
                let _ = writeln!(out, "  {:<width$} (not in this run)", info.label);
                continue;
            };
            row(&mut out, &info.label, &Metric::ALL.map(|m| m.format(&run.stats)));
            if !run.deltas.is_empty() {
                let cells = |f: &dyn Fn(Metric, Delta) -> String| {
                    Metric::ALL.map(|m| run.delta(m).map(|d| f(m, d)).unwrap_or_else(|| "—".to_string()))
                };
                row(&mut out, "  Δ", &cells(&|m, d| m.format_delta(&d)));
                row(&mut out, "  Δ%", &cells(&|_, d| d.format_pct()));
            }
            if let Some(change) = &run.change {
                let _ = writeln!(out, "    verdict: {}", change.sentence);
            }
        }
    }
    let errors: Vec<String> = c
        .clients
        .iter()
        .filter_map(|client| {
            let kinds = client.error_kinds();
            (!kinds.is_empty()).then(|| {
                let per_kind: Vec<String> =
                    kinds.iter().map(|k| format!("{k} {}", error_progression(client, k))).collect();
                format!("  {}: {}", client.name, per_kind.join(" · "))
            })
        })
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\nerrors by kind:\n{}", errors.join("\n"));
    }
    let cohorts: Vec<String> = c.clients.iter().flat_map(cohort_lines).collect();
    if !cohorts.is_empty() {
        let _ = writeln!(out, "\nslow-client cohorts (counts that are not zero in every run):\n{}", cohorts.join("\n"));
    }
    if !c.notes.is_empty() {
        out.push('\n');
        for note in &c.notes {
            let _ = writeln!(out, "note: {note}");
        }
    }
    out
}

/// One error kind's counts across the runs, with the last run's change: `0 → 12 (+12)`; `—` for a run
/// without the configuration.
pub fn error_progression(client: &ClientComparison, kind: &str) -> String {
    let counts: Vec<Option<u64>> =
        client.runs.iter().map(|r| r.as_ref().map(|r| r.stats.errors.get(kind).copied().unwrap_or(0))).collect();
    progression(&counts)
}

/// Each cohort's fates across the runs, a line per cohort: `  c: slowloris (fault 0): attempts
/// 300 → 1504 (+1204), held to the end 300 → 284 (−16)` (counts zero in every run left out).
fn cohort_lines(client: &ClientComparison) -> Vec<String> {
    client
        .cohorts()
        .into_iter()
        .map(|(fault, kind)| {
            let counts: Vec<String> = FATE_COLUMNS
                .iter()
                .enumerate()
                .filter_map(|(i, col)| {
                    let counts = client.cohort_counts(fault, i);
                    counts
                        .iter()
                        .any(|n| n.is_some_and(|n| n > 0))
                        .then(|| format!("{} {}", col.head, progression(&counts)))
                })
                .collect();
            let counts = if counts.is_empty() { "nothing counted".to_string() } else { counts.join(", ") };
            format!("  {}: {kind} (fault {fault}): {counts}", client.name)
        })
        .collect()
}

/// Counts across the runs, with the last run's change against the first: `0 → 12 (+12)`; `—` for
/// a run without it.
fn progression(counts: &[Option<u64>]) -> String {
    let text: Vec<String> = counts.iter().map(|n| n.map_or("—".to_string(), |n| n.to_string())).collect();
    let mut out = text.join(" → ");
    if let (Some(Some(first)), Some(Some(last))) = (counts.first(), counts.last()) {
        if counts.len() > 1 {
            let _ = write!(out, " ({})", signed(*last as f64 - *first as f64, 0, ""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{client, run, Numbers};

    fn before_after() -> Vec<(String, RunResult)> {
        let before = run(
            "smoke",
            vec![
                client("default", &Numbers { errors: vec![("reset", 10)], ..Numbers::default() }),
                client("tuned", &Numbers::default()),
            ],
        );
        let after = run(
            "smoke",
            vec![
                client(
                    "default",
                    &Numbers {
                        sent: 1100,
                        rate: 190.0,
                        errors: vec![("reset", 4), ("http_503", 7)],
                        latency_us: [2_000, 4_800, 11_230, 15_000, 1_500_000],
                        conns: 3,
                    },
                ),
                client("tuned", &Numbers::default()),
            ],
        );
        vec![("before.json".to_string(), before), ("after.json".to_string(), after)]
    }

    #[test]
    fn deltas_against_the_first_run_with_signs() {
        let c = compare(&before_after());
        assert_eq!(c.scenario, "smoke");
        assert_eq!(c.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["default", "tuned"]);
        let default = &c.clients[0];
        assert!(default.runs[0].as_ref().unwrap().deltas.is_empty(), "the first run is the baseline");
        let after = default.runs[1].as_ref().unwrap();
        let d = |m| after.delta(m).unwrap();
        let shown = |m: Metric| (m.format_delta(&d(m)), d(m).format_pct());

        assert_eq!((d(Metric::Requests).abs, d(Metric::Requests).pct), (100.0, Some(10.0)));
        // 1,000 against 1,100 requests: their Poisson intervals overlap, so neither better nor worse.
        assert_eq!(d(Metric::Requests).beyond_noise, Some(false));
        assert_eq!(d(Metric::Requests).verdict(Better::Higher), None);
        assert_eq!(d(Metric::Max).beyond_noise, None, "a maximum has no interval");
        assert_eq!(shown(Metric::Requests), ("+100".to_string(), "+10.0%".to_string()));
        assert_eq!(shown(Metric::Rate), ("\u{2212}10.0".to_string(), "\u{2212}5.0%".to_string()));
        // 10/1000 → 11/1100: the same 1.00%.
        assert_eq!(shown(Metric::ErrorRate), ("±0.00pp".to_string(), "±0.0%".to_string()));
        assert_eq!(shown(Metric::P50), ("±0µs".to_string(), "±0.0%".to_string()));
        assert_eq!(shown(Metric::P90), ("\u{2212}200µs".to_string(), "\u{2212}4.0%".to_string()));
        assert_eq!(shown(Metric::P99), ("+1.23ms".to_string(), "+12.3%".to_string()));
        assert_eq!(shown(Metric::Max), ("+1.48s".to_string(), "+7400.0%".to_string()));
        assert_eq!(shown(Metric::Connections), ("\u{2212}1".to_string(), "\u{2212}25.0%".to_string()));

        assert_eq!(default.error_kinds(), ["http_503", "reset"]);
        assert_eq!(error_progression(default, "http_503"), "0 → 7 (+7)");
        assert_eq!(error_progression(default, "reset"), "10 → 4 (\u{2212}6)");
    }

    #[test]
    fn a_change_from_zero_has_no_percentage() {
        let d = Delta::between(0.0, 0.004);
        assert_eq!(d.pct, None);
        assert_eq!(d.format_pct(), "n/a");
        assert_eq!(Metric::ErrorRate.format_delta(&d), "+0.40pp");
        assert_eq!(Delta::between(0.0, 0.0).format_pct(), "±0.0%");
        assert_eq!(signed(-0.04, 1, "%"), "±0.0%");
    }

    #[test]
    fn refuses_different_scenarios_and_single_results() {
        let a = run("smoke", vec![client("default", &Numbers::default())]);
        let b = run("coldstart", vec![client("default", &Numbers::default())]);
        assert_eq!(check_comparable(std::slice::from_ref(&a)), Err(CompareError::TooFew(1)));
        assert_eq!(check_comparable(&[]), Err(CompareError::TooFew(0)));
        assert_eq!(check_comparable(&[a.clone(), a.clone()]), Ok(()));
        let err = check_comparable(&[a.clone(), b.clone()]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(r#"result 1 ran "smoke" (scenarios/smoke.toml)"#), "{text}");
        assert!(text.contains(r#"result 2 ran "coldstart" (scenarios/coldstart.toml)"#), "{text}");
        assert!(text.contains("--force"), "{text}");

        // Forced anyway: compared, and said so.
        let c = compare(&[("a".to_string(), a), ("b".to_string(), b)]);
        assert_eq!(c.scenario, "smoke / coldstart");
        assert!(c.notes.iter().any(|n| n.contains("different scenarios")), "{:?}", c.notes);
    }

    #[test]
    fn a_configuration_in_one_run_only_is_shown_missing() {
        let mut runs = before_after();
        let mut clients = runs[1].1.clients.clone();
        clients.retain(|c| c.name != "tuned");
        clients.push(client("added", &Numbers::default()));
        runs[1].1 = run("smoke", clients);
        let c = compare(&runs);
        let names: Vec<&str> = c.clients.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["default", "tuned", "added"]);
        assert!(c.clients[1].runs[1].is_none());
        assert!(c.clients[2].runs[0].is_none());
        let added = c.clients[2].runs[1].as_ref().unwrap();
        assert!(added.deltas.is_empty(), "nothing to compare against");
        assert!(c.notes.iter().any(|n| n == "tuned is missing from after.json"), "{:?}", c.notes);
        assert!(c.notes.iter().any(|n| n.contains("added is missing from before.json, so it has no deltas")));
        assert!(c.notes.iter().any(|n| n.contains("the scenario was not the same") && n.contains("client added")));

        let table = terminal_table(&c);
        assert!(table.contains("after.json"), "{table}");
        assert!(table.lines().any(|l| l.trim_start().starts_with("after.json") && l.contains("(not in this run)")));
        assert!(table.lines().any(|l| l.trim_start().starts_with("before.json") && l.contains("(not in this run)")));
    }

    #[test]
    fn cohort_fates_are_compared_run_by_run() {
        let before = crate::report::fixtures::cohort_run();
        let mut after = before.clone();
        after.clients[0].cohorts[0].fates.closed_by_server = 280;
        after.clients[0].cohorts[0].fates.held_to_end = 20;
        after.clients[1].cohorts.clear();
        let c = compare(&[("before".into(), before), ("after".into(), after)]);
        let default = &c.clients[0];
        assert_eq!(default.cohorts(), [(1, "slowloris")]);
        assert_eq!(default.cohort_counts(1, 2), [Some(300), Some(20)], "held to the end");
        assert_eq!(c.clients[1].cohort_counts(1, 0), [Some(1504), None], "no cohort in the second run");
        let table = terminal_table(&c);
        let section = &table[table.find("slow-client cohorts").expect("a section")..];
        assert!(
            section.contains(
                "  default: slowloris (fault 1): attempts 300 → 300 (±0), opened 300 → 300 (±0), held to the end \
                 300 → 20 (−280), closed by server 0 → 280 (+280), peak connected 300 → 300 (±0)\n"
            ),
            "counts zero in every run are left out: {section}"
        );
        assert!(section.contains("  tuned<1>: slowloris (fault 1): attempts 1504 → —, "), "{section}");
        let page = super::super::compare_html::render(&c, &[]);
        assert!(page.contains("<h3>slowloris (fault 1): its connections' fates</h3>"), "{page}");
        assert!(page.contains("after</td><td>300</td><td>300</td><td>20</td><td>280</td>"), "{page}");
        assert!(!terminal_table(&compare(&before_after())).contains("slow-client"));
    }

    #[test]
    fn terminal_table_lines_up() {
        let table = terminal_table(&compare(&before_after()));
        let block: Vec<&str> = table.lines().skip_while(|l| *l != "default").skip(1).take(4).collect();
        assert!(block[0].trim_start().starts_with("run"), "{table}");
        assert!(block[1].trim_start().starts_with("before.json"), "{table}");
        assert!(block[2].trim_start().starts_with("after.json"), "{table}");
        assert!(block[3].trim_start().starts_with("Δ") && block[3].contains("+100"), "{table}");
        let widths: Vec<usize> = block.iter().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "columns line up: {widths:?}\n{table}");
        assert!(table.contains("Δ%") && table.contains("+12.3%"), "{table}");
        assert!(table.contains("reset 10 → 4 (\u{2212}6)"), "{table}");
    }

    #[test]
    fn notes_interrupted_runs_other_machines_and_thin_tails() {
        let mut runs = before_after();
        runs[1].1.interrupted = true;
        runs[1].1.environment.cores = 8;
        runs[0].1.clients[1].total.latency.count = 300;
        let c = compare(&runs);
        let has = |s: &str| c.notes.iter().any(|n| n.contains(s));
        assert!(has("after.json was interrupted"), "{:?}", c.notes);
        assert!(has("after.json ran elsewhere than before.json: 4 → 8 cores"), "{:?}", c.notes);
        assert!(has("tuned: fewer than 1000 latencies"), "{:?}", c.notes);
        assert!(!has("the scenario was not the same"), "{:?}", c.notes);
    }

    #[test]
    fn labels_tell_result_files_apart() {
        let labels = unique_labels(&[
            "reports/smoke/20261122T073426Z/result.json",
            "reports/smoke/20261122T073435Z/result.json",
            "/tmp/base.json",
        ]);
        assert_eq!(labels, ["20261122T073426Z/result.json", "20261122T073435Z/result.json", "base.json"]);
        assert_eq!(unique_labels(&["a.json", "a.json"]), ["a.json", "a.json"]);
    }
}
