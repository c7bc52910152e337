//! What report.html and the comparison page read off a result before any markup: decoded histograms
//! and the row groups (phases) of their results tables.

use super::compare::Stats;
use crate::record::Hist;
use crate::result::{ClientResult, PhaseResult, Summary};

/// A summary's histogram, decoded from result.json's base64; `None` when it recorded nothing.
pub(super) fn decode(s: &Summary) -> Option<Hist> {
    if s.count == 0 {
        return None;
    }
    decode_hdr(&s.hdr)
}

/// A base64 histogram of result.json (a summary's, a second's), decoded; `None` when it recorded
/// nothing. `RunResult::load` has checked that every one decodes.
pub(super) fn decode_hdr(hdr: &str) -> Option<Hist> {
    if hdr.is_empty() {
        return None;
    }
    Hist::decode_base64(hdr).ok().filter(|h| !h.is_empty())
}

/// A rate (an error rate, a reuse ratio) as the pages show it: `31.40%`.
pub(super) fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

/// A row group of the results tables: one phase (matched by name, else position) or all phases.
pub(super) enum Phase<'a> {
    Named(usize, &'a str),
    Total,
}

impl<'a> Phase<'a> {
    /// The phases of `first`, then all phases together when there are several.
    pub(super) fn list(first: &'a ClientResult) -> Vec<Phase<'a>> {
        let mut phases: Vec<Phase> =
            first.phases.iter().enumerate().map(|(i, p)| Phase::Named(i, p.name.as_str())).collect();
        if first.phases.len() != 1 {
            phases.push(Phase::Total);
        }
        phases
    }

    /// A configuration's numbers for this row group, as the terminal summary and `compare` count them
    /// (all phases: the pool's count of connections opened).
    pub(super) fn stats(&self, c: &ClientResult) -> Option<Stats> {
        match self {
            Phase::Named(..) => self.of(c).map(Stats::of_phase),
            Phase::Total => Some(Stats::of_client(c)),
        }
    }

    pub(super) fn name(&self) -> &str {
        match self {
            Phase::Named(_, name) => name,
            Phase::Total => "all phases",
        }
    }

    pub(super) fn of<'c>(&self, c: &'c ClientResult) -> Option<&'c PhaseResult> {
        match self {
            Phase::Named(i, name) => c.phases.iter().find(|p| p.name == *name).or(c.phases.get(*i)),
            Phase::Total => Some(&c.total),
        }
    }
}
