//! CI gates: `[gate]` conditions on a run's figures (fixed, relative between configurations,
//! against a baseline run), scoped by phase or by a fault's window, judged with the noise of
//! every figure in view, and written as verdicts (result.json, terminal, JUnit, Markdown).
//!
//! `spec` parses a gate as written, `metrics/` holds one file per metric, `sample` is what a scope
//! covers and `select` reads it off a result, `judge` reaches the verdicts, `verdict` is their result.json form, `junit` and
//! `markdown` write them for CI. It reads only `RunResult`s, never a live run.

pub mod judge;
pub mod junit;
pub mod markdown;
pub mod metrics;
pub mod quantity;
pub mod sample;
pub mod select;
pub mod spec;
pub mod verdict;

pub use judge::{evaluate, Baseline};
pub use spec::{Gate, GateError, GatePlan, Names, OnInsufficient, Part, OPTION_KEYS};
pub use verdict::{GateReport, Status, Verdict};

/// The terminal's lines: one per verdict, its note and, for a failure, its method.
pub fn terminal(report: &GateReport) -> String {
    let mut out = String::new();
    let count = |status: Status| report.verdicts.iter().filter(|v| v.status == status).count();
    let failed = report.failures().count();
    let mut also = Vec::new();
    if failed > 0 {
        also.push(format!("{failed} failed the run"));
    }
    let unjudged =
        count(Status::InsufficientData) - report.failures().filter(|v| v.status == Status::InsufficientData).count();
    if unjudged > 0 {
        also.push(format!("{unjudged} without enough data (warned)"));
    }
    if count(Status::Skipped) > 0 {
        also.push(format!("{} skipped", count(Status::Skipped)));
    }
    out.push_str(&format!(
        "gates: {} of {} passed{}\n",
        count(Status::Pass),
        report.verdicts.len(),
        if also.is_empty() { String::new() } else { format!(", {}", also.join(", ")) }
    ));
    for v in &report.verdicts {
        out.push_str(&format!("  {}\n", v.line()));
        if let Some(note) = &v.note {
            out.push_str(&format!("          note: {note}\n"));
        }
        if v.fails_run && !v.method.is_empty() {
            out.push_str(&format!("          method: {}\n", v.method));
        }
    }
    out
}
