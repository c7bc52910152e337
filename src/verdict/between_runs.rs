//! The verdict between two runs of one configuration (`compare`): did its errors or its p99 move
//! by more than the noise, which way, and by how much.

use super::Basis;
use crate::gate::sample::Sample;
use crate::result::ClientResult;
use crate::stats::differs;

/// How one configuration's figures moved from a first run to a later one.
#[derive(Debug, Clone, PartialEq)]
pub struct RunChange {
    /// Per basis: `Some(true)` better beyond the noise, `Some(false)` worse, `None` within it.
    pub moved: Vec<(Basis, Option<bool>)>,
    /// One sentence: `p99 worse, 61.2ms → 78.8ms (+28.8%), beyond the noise; errors: no significant
    /// difference (0.00% → 0.00%)`, or `no significant difference (…)`.
    pub sentence: String,
}

impl RunChange {
    /// Whether anything moved beyond the noise.
    pub fn significant(&self) -> bool {
        self.moved.iter().any(|(_, m)| m.is_some())
    }
}

/// `this` against `first`, both the same configuration in two runs.
pub fn between_runs(first: &ClientResult, this: &ClientResult) -> RunChange {
    let a = Sample::of_phase(&first.total, "the whole run".to_string());
    let b = Sample::of_phase(&this.total, "the whole run".to_string());
    let mut moved = Vec::new();
    let mut changed = Vec::new();
    let mut steady = Vec::new();
    for basis in Basis::ORDER {
        let (ma, mb) = (basis.measure(&a), basis.measure(&b));
        let unit = basis.unit();
        let figures = if ma.insufficient.is_some() || mb.insufficient.is_some() {
            "too few samples to tell".to_string()
        } else {
            format!("{} → {}", unit.format(ma.value), unit.format(mb.value))
        };
        let verdict = match (ma.interval, mb.interval) {
            (Some(ia), Some(ib)) if differs(&ia, &ib) => Some(mb.value < ma.value),
            _ => None,
        };
        moved.push((basis, verdict));
        match verdict {
            Some(better) => {
                let pct = if ma.value > 0.0 {
                    format!(" ({:+.1}%)", (mb.value - ma.value) / ma.value * 100.0)
                } else {
                    String::new()
                };
                changed.push(format!(
                    "{} {}, {figures}{pct}, beyond the noise (95% intervals do not overlap)",
                    basis.words(),
                    if better { "better" } else { "worse" }
                ));
            }
            None => steady.push(format!("{} {figures}", basis.words())),
        }
    }
    let sentence = match (changed.is_empty(), steady.is_empty()) {
        (true, _) => format!("no significant difference ({})", steady.join(", ")),
        (false, true) => changed.join("; "),
        (false, false) => format!("{}; no significant difference in {}", changed.join("; "), steady.join(", ")),
    };
    RunChange { moved, sentence }
}
