//! Which client configuration won a run, by how much, why, and whether the difference is larger
//! than the noise: the verdict the terminal summary, report.html and `compare` open with.
//!
//! Configurations are ranked on their error rate first, then on their p99 latency, each read with
//! the gates' own metrics ([`crate::gate::metrics`]: Wilson intervals for error rates, order
//! statistics for percentiles) and compared by the gates' rule ([`crate::stats::differs`]): a
//! configuration is behind only when its 95% interval lies wholly on the worse side of the best
//! one's. `mechanism` says what happened to each configuration's requests (reset on a frozen
//! instance's connection, cut short by a request timeout…) and which of its settings decided it;
//! `settings` lists the settings the configurations differ in; `sweep` is the verdict among a
//! `[[client]]` sweep's configurations, value by value.

mod between_runs;
mod mechanism;
mod settings;
mod sweep;
#[cfg(test)]
mod tests;

pub use between_runs::{between_runs, RunChange};
pub use mechanism::Mechanism;
#[cfg(test)]
pub(crate) use sweep::tests::swept as sweep_fixture;
pub use sweep::{sweeps, Point, SweepVerdict};

use crate::gate::metrics::errors::Which;
use crate::gate::metrics::{ErrorRate, GateMetric, Measured, Percentile};
use crate::gate::quantity::{thousands, Unit};
use crate::gate::sample::{Sample, Scope};
use crate::result::{ClientResult, RunResult};
use crate::stats::differs;

/// What a run's configurations are ranked on, in order: each only among those the ones before it
/// could not tell apart (the tail before the median: a user feels the tail first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Errors,
    P99,
    P50,
}

impl Basis {
    pub const ORDER: [Basis; 3] = [Basis::Errors, Basis::P99, Basis::P50];

    pub fn words(self) -> &'static str {
        match self {
            Basis::Errors => "errors",
            Basis::P99 => "p99 latency",
            Basis::P50 => "median latency",
        }
    }

    /// The figure, measured as the gates measure it.
    fn measure(self, sample: &Sample) -> Measured {
        match self {
            Basis::Errors => ErrorRate(Which::All).measure(sample),
            Basis::P99 | Basis::P50 => self.percentile().expect("a latency").measure(sample),
        }
    }

    fn percentile(self) -> Option<Percentile> {
        match self {
            Basis::Errors => None,
            Basis::P99 => Some(Percentile { percent: 99.0 }),
            Basis::P50 => Some(Percentile { percent: 50.0 }),
        }
    }

    fn unit(self) -> Unit {
        match self {
            Basis::Errors => Unit::Ratio,
            Basis::P99 | Basis::P50 => Unit::Us,
        }
    }

    /// `p99 1.07s`, `0 errors in 1,000 requests`: a standing's figure as the headline says it.
    fn describe(self, s: &Standing) -> String {
        match self {
            Basis::Errors => describe_errors(s.client),
            Basis::P99 => format!("p99 {}", describe(self, s.on(self))),
            Basis::P50 => format!("p50 {}", describe(self, s.on(self))),
        }
    }
}

/// How the run came out.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// One configuration was ahead of every other by more than the noise.
    Won { winner: String, basis: Basis },
    /// Those `among` could not be told apart; those in `ahead_of` were behind all of them.
    NoSignificantDifference { among: Vec<String>, ahead_of: Vec<String> },
    /// Only one configuration ran: there is nothing to rank.
    Alone { name: String },
}

/// The verdict on one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    /// One sentence: who won and by how much, or that nobody did.
    pub headline: String,
    /// The figures behind it, one line per basis compared, with their 95% intervals.
    pub evidence: Vec<String>,
    /// What happened to each configuration's requests, and the settings that decided it.
    pub why: Vec<String>,
    /// The settings the configurations differ in, if any.
    pub settings: Option<String>,
}

/// One configuration's figures on each [`Basis`], in [`Basis::ORDER`].
struct Standing<'r> {
    client: &'r ClientResult,
    figures: Vec<Measured>,
}

impl Standing<'_> {
    fn on(&self, basis: Basis) -> &Measured {
        let at = Basis::ORDER.iter().position(|b| *b == basis).expect("every basis is in ORDER");
        &self.figures[at]
    }

    fn name(&self) -> &str {
        &self.client.name
    }
}

/// Whether `a` is behind `b` on `basis` by more than the noise.
fn behind(a: &Measured, b: &Measured) -> bool {
    match (a.interval, b.interval) {
        (Some(ia), Some(ib)) => a.value > b.value && differs(&ia, &ib),
        _ => false,
    }
}

/// The verdict on `result`, or `None` when no configuration ran.
pub fn judge(result: &RunResult) -> Option<Verdict> {
    let standings: Vec<Standing> = result
        .clients
        .iter()
        .map(|client| {
            let sample = Sample::of(client, &Scope::Total, &result.faults).expect("the whole run is always a sample");
            Standing { client, figures: Basis::ORDER.iter().map(|b| b.measure(&sample)).collect() }
        })
        .collect();
    let first = standings.first()?;
    let why = mechanism::why(result);
    if standings.len() == 1 {
        let name = first.name().to_string();
        let headline = format!(
            "{name} alone: {} errors, p99 {}",
            describe_errors(first.client),
            describe(Basis::P99, first.on(Basis::P99))
        );
        return Some(Verdict { outcome: Outcome::Alone { name }, headline, evidence: Vec::new(), why, settings: None });
    }
    // Narrow the field basis by basis: whoever is behind the best of the field drops out.
    let mut field: Vec<&Standing> = standings.iter().collect();
    let mut dropped: Vec<&Standing> = Vec::new();
    let mut decided: Option<Basis> = None;
    let mut compared = Vec::new();
    for basis in Basis::ORDER {
        if field.len() < 2 {
            break;
        }
        compared.push(basis);
        let Some(best) = field
            .iter()
            .filter(|s| s.on(basis).interval.is_some())
            .min_by(|a, b| a.on(basis).value.total_cmp(&b.on(basis).value))
            .copied()
        else {
            continue;
        };
        let (behind_best, ahead): (Vec<&Standing>, Vec<&Standing>) =
            field.iter().partition(|s| behind(s.on(basis), best.on(basis)));
        if !behind_best.is_empty() && ahead.len() == 1 {
            decided = Some(basis);
        }
        dropped.extend(behind_best);
        field = ahead;
    }
    let evidence = compared.iter().map(|&basis| evidence_line(basis, &standings)).collect();
    let (outcome, headline) = match (field.as_slice(), decided) {
        ([winner], Some(basis)) => {
            let headline = won_headline(winner, basis, &dropped, &standings);
            (Outcome::Won { winner: winner.name().to_string(), basis }, headline)
        }
        _ => {
            let among: Vec<String> = field.iter().map(|s| s.name().to_string()).collect();
            let ahead_of: Vec<String> = dropped.iter().map(|s| s.name().to_string()).collect();
            let mut headline = format!(
                "no significant difference between {}: their errors, p99 and median latencies are within each \
                 other's 95% intervals",
                and_list(&among)
            );
            if !ahead_of.is_empty() {
                let all = if among.len() > 2 { "all" } else { "both" };
                headline.push_str(&format!("; {all} were ahead of {}", and_list(&ahead_of)));
            }
            (Outcome::NoSignificantDifference { among, ahead_of }, headline)
        }
    };
    Some(Verdict { outcome, headline, evidence, why, settings: settings::differences(result) })
}

fn won_headline(winner: &Standing, basis: Basis, dropped: &[&Standing], all: &[Standing]) -> String {
    let losers: Vec<String> = dropped.iter().map(|s| format!("{} for {}", basis.describe(s), s.name())).collect();
    let mut line = format!(
        "{} won on {}: {} against {}, a difference larger than the noise (95% intervals do not overlap)",
        winner.name(),
        basis.words(),
        basis.describe(winner),
        losers.join(", ")
    );
    let before: Vec<&str> = Basis::ORDER.iter().take_while(|b| **b != basis).map(|b| b.words()).collect();
    if !before.is_empty() {
        line.push_str(&format!("; no significant difference in {}", and_list_str(&before)));
        return line;
    }
    // Fewer errors can be bought with latency (retries, cold starts), or come with less of it.
    let others: Vec<&Standing> = all.iter().filter(|s| !std::ptr::eq(*s, winner)).collect();
    let p99 = |s: &Standing| format!("{} for {}", describe(Basis::P99, s.on(Basis::P99)), s.name());
    let slower: Vec<String> =
        others.iter().filter(|s| behind(winner.on(Basis::P99), s.on(Basis::P99))).map(|s| p99(s)).collect();
    let faster: Vec<String> =
        others.iter().filter(|s| behind(s.on(Basis::P99), winner.on(Basis::P99))).map(|s| p99(s)).collect();
    let mine = describe(Basis::P99, winner.on(Basis::P99));
    let thin = |s: &Standing| s.on(Basis::P99).insufficient.is_some();
    if thin(winner) || others.iter().any(|s| thin(s)) {
        line.push_str(&format!("; p99 cannot be compared: {}", too_few(Basis::P99)));
    } else if !slower.is_empty() {
        line.push_str(&format!("; at a cost in latency: its p99 was {mine} against {}", slower.join(", ")));
    } else if !faster.is_empty() {
        line.push_str(&format!("; its p99 was lower too: {mine} against {}", faster.join(", ")));
    } else {
        let rest: Vec<String> = others.iter().map(|s| p99(s)).collect();
        line.push_str(&format!("; p99: no significant difference ({mine} against {})", rest.join(", ")));
    }
    line
}

/// `a p99 needs at least 476 latencies for an interval`.
fn too_few(basis: Basis) -> String {
    let needed = basis.percentile().map_or(1, |p| p.samples_needed());
    let name = basis.percentile().map_or("an error rate".to_string(), |p| format!("a {}", p.name()));
    format!("{name} needs at least {} latencies for an interval", thousands(needed))
}

fn describe_errors(c: &ClientResult) -> String {
    let t = &c.total;
    let errors: u64 = t.errors.values().sum();
    let requests = t.completed + t.errors.get("overflow").copied().unwrap_or(0);
    match errors {
        0 => format!("0 errors in {} requests", thousands(requests)),
        1 => format!("1 error ({}) in {}", Unit::Ratio.format(t.error_rate), thousands(requests)),
        _ => format!("{} errors ({}) in {}", thousands(errors), Unit::Ratio.format(t.error_rate), thousands(requests)),
    }
}

fn describe(basis: Basis, m: &Measured) -> String {
    match &m.insufficient {
        Some(_) => format!("(too few: {})", thousands(m.samples)),
        None => basis.unit().format(m.value),
    }
}

/// `errors: tuned 0.00% (95% 0.00–0.38%), default 0.80% (0.41–1.57%)`; a figure with too few
/// samples for an interval says how many it had and how many it needs.
fn evidence_line(basis: Basis, standings: &[Standing]) -> String {
    let unit = basis.unit();
    let mut thin = false;
    let parts: Vec<String> = standings
        .iter()
        .map(|s| {
            let m = s.on(basis);
            match (&m.insufficient, m.interval) {
                (Some(_), _) => {
                    thin = true;
                    format!("{} too few ({})", s.name(), thousands(m.samples))
                }
                (None, Some(i)) => {
                    format!("{} {} (95% {}–{})", s.name(), unit.format(m.value), unit.format(i.lo), unit.format(i.hi))
                }
                (None, None) => format!("{} {}", s.name(), unit.format(m.value)),
            }
        })
        .collect();
    let needs = if thin { format!(" — {}", too_few(basis)) } else { String::new() };
    format!("{}: {}{needs}", basis.words(), parts.join(", "))
}

fn and_list_str(names: &[&str]) -> String {
    and_list(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl Verdict {
    /// The terminal's lines: `verdict: …`, then the evidence, the why and the settings, indented.
    pub fn terminal(&self) -> String {
        let mut out = format!("verdict: {}\n", self.headline);
        for line in self.evidence.iter().chain(&self.why) {
            out.push_str(&format!("  {line}\n"));
        }
        if let Some(s) = &self.settings {
            out.push_str(&format!("  settings: {s}\n"));
        }
        out
    }

    /// As `run --json` prints it.
    pub fn json(&self) -> serde_json::Value {
        let (outcome, winner, basis, among) = match &self.outcome {
            Outcome::Won { winner, basis } => ("won", Some(winner.clone()), Some(basis.words()), Vec::new()),
            Outcome::NoSignificantDifference { among, .. } => ("no_significant_difference", None, None, among.clone()),
            Outcome::Alone { name } => ("alone", None, None, vec![name.clone()]),
        };
        serde_json::json!({
            "outcome": outcome,
            "winner": winner,
            "basis": basis,
            "tied": among,
            "headline": self.headline,
            "evidence": self.evidence,
            "why": self.why,
            "settings": self.settings,
        })
    }

    /// Whether there was more than one configuration to rank (a lone one's table says it all).
    pub fn ranked(&self) -> bool {
        !matches!(self.outcome, Outcome::Alone { .. })
    }

    /// The result in one word, for styling: `won`, `tie` or `alone`.
    pub fn class(&self) -> &'static str {
        match self.outcome {
            Outcome::Won { .. } => "won",
            Outcome::NoSignificantDifference { .. } => "tie",
            Outcome::Alone { .. } => "alone",
        }
    }
}
