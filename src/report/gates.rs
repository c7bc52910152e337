//! report.html's gates section, at the top of the page when result.json has `gates`: a banner
//! (passed, or how many gates failed the run and what the run exited with), the baseline, a table
//! of every verdict, and under it each verdict's summary, method and note, the failures first.
//!
//! It reads only the stored [`GateReport`], so `chaosload report` shows what `chaosload run`
//! judged. Every word is beside its colour (PASS, FAIL, NO DATA, SKIP), so the section reads the
//! same without colour, and everything from the result is escaped with [`esc`].

use super::page::esc;
use crate::gate::metrics::thousands;
use crate::gate::{GateReport, Status, Verdict};
use std::fmt::Write as _;

/// The section's element id, for links and tests.
pub(super) const SECTION_ID: &str = "gates";

/// Writes the section for `report`, the gates of a run that was `interrupted` or not.
pub(super) fn section(out: &mut String, report: &GateReport, interrupted: bool) {
    let _ = writeln!(out, "<section id=\"{SECTION_ID}\">\n<h2>Gates</h2>");
    let (class, text) = banner(report, interrupted);
    let _ = writeln!(out, "<div class=\"banner {class}\" id=\"gates-verdict\">{text}</div>");
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", judged_how(report));
    if !report.verdicts.is_empty() {
        table(out, report);
        details(out, report);
    }
    out.push_str(
        "<p class=\"meta\">Percentile intervals are distribution-free (order statistics of the HDR histogram), \
         rates' are Wilson's, counts' Poisson's. A fixed or relative threshold is held against the measured \
         value; a regress gate fails only when the run's 95% interval lies wholly beyond the baseline's \
         widened by the tolerance.</p>\n</section>\n",
    );
}

/// The banner's class and text: `PASSED` with what was not judged, or `FAILED` with how many
/// failed the run, of which kind, and the exit code that followed.
fn banner(report: &GateReport, interrupted: bool) -> (&'static str, String) {
    let total = report.verdicts.len();
    let count = |status: Status| report.verdicts.iter().filter(|v| v.status == status).count();
    let gates = |n: usize| format!("{n} gate{}", if n == 1 { "" } else { "s" });
    if report.passed {
        let passed = count(Status::Pass);
        let mut aside = Vec::new();
        let no_data = count(Status::InsufficientData);
        if no_data > 0 {
            aside.push(format!(
                "{no_data} without enough data (insufficient_data = &quot;{}&quot;: reported, not failed)",
                esc(&report.insufficient_data)
            ));
        }
        let skipped = count(Status::Skipped);
        if skipped > 0 {
            aside.push(format!("{skipped} skipped (not judged)"));
        }
        let text = if total == 0 {
            "Gates PASSED: no configuration of this run was there to judge.".to_string()
        } else if aside.is_empty() {
            format!(
                "Gates PASSED: {} passed.",
                if total == 1 { "the one gate".to_string() } else { format!("all {total} gates") }
            )
        } else {
            format!("Gates PASSED: {passed} of {} passed; {}.", gates(total), aside.join(", "))
        };
        return ("pass", text);
    }
    let failing = report.failures().count();
    let mut kinds = Vec::new();
    let failed = report.failures().filter(|v| v.status == Status::Fail).count();
    if failed > 0 {
        kinds.push(format!("{failed} failed"));
    }
    let no_data = report.failures().filter(|v| v.status == Status::InsufficientData).count();
    if no_data > 0 {
        kinds.push(format!(
            "{no_data} without enough data, which fails the run with insufficient_data = &quot;{}&quot;",
            esc(&report.insufficient_data)
        ));
    }
    let exit = if interrupted {
        "the run was interrupted, so chaosload run exited with the signal's code (128 + its number) rather than 1"
    } else {
        "so chaosload run exited 1"
    };
    ("error", format!("Gates FAILED: {failing} of {} failed the run ({}); {exit}.", gates(total), kinds.join(", ")))
}

/// What the verdicts were judged against: the baseline run, or none for the regress gates.
fn judged_how(report: &GateReport) -> String {
    let setting = format!(
        "With insufficient_data = &quot;{}&quot;, a gate without enough data {}.",
        esc(&report.insufficient_data),
        if report.insufficient_data == "warn" { "is reported and does not fail the run" } else { "fails the run" }
    );
    let baseline = match &report.baseline {
        Some(b) => format!(
            "Regress gates were judged against the baseline <b>{}</b>, a run of <b>{}</b> started {}. ",
            esc(&b.file),
            esc(&b.scenario_name),
            esc(&b.started_at)
        ),
        None if report.verdicts.iter().any(|v| v.condition.starts_with("regress")) => {
            "No baseline run was given (--baseline), so the regress gates were not judged. ".to_string()
        }
        None => String::new(),
    };
    format!("{baseline}{setting} Margin: how far a gate is from flipping, room left (+) or past its threshold (−).")
}

/// `PASS`, `FAIL`, `NO DATA` or `SKIP` in its colour.
fn badge(v: &Verdict) -> String {
    let class = match v.status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::InsufficientData => "nodata",
        Status::Skipped => "skip",
    };
    format!("<span class=\"st {class}\">{}</span>", v.status.label())
}

/// The table's status cell: the badge, and for no data whether it fails the run (the details
/// say so in the verdict's summary).
fn status(v: &Verdict) -> String {
    let aside = match v.status {
        Status::InsufficientData if v.fails_run => "<span class=\"d\">fails the run</span>",
        Status::InsufficientData => "<span class=\"d\">warning only</span>",
        _ => "",
    };
    format!("{}{aside}", badge(v))
}

/// A value in the verdict's unit with its sign: `+12.0ms`, `−0.40%`.
fn signed(v: &Verdict, value: f64) -> String {
    format!("{}{}", if value < 0.0 { "\u{2212}" } else { "+" }, esc(&v.unit.format(value.abs())))
}

/// A verdict's row: status, key, condition, measured with its interval, threshold (and what it
/// came from), margin, samples, scope.
fn row(out: &mut String, v: &Verdict) {
    let measured = match v.measured {
        Some(m) => {
            let interval = v
                .interval
                .map(|[lo, hi]| {
                    format!("<span class=\"d\">95% {}–{}</span>", esc(&v.unit.format(lo)), esc(&v.unit.format(hi)))
                })
                .unwrap_or_default();
            format!("{}{interval}", esc(&v.unit.format(m)))
        }
        None => "—".to_string(),
    };
    let threshold = match v.threshold {
        Some(t) => {
            let from = v
                .against
                .as_ref()
                .map(|a| format!("<span class=\"d\">from {} {}</span>", esc(&a.what), esc(&v.unit.format(a.value))))
                .unwrap_or_default();
            format!("{}{from}", esc(&v.unit.format(t)))
        }
        None => "—".to_string(),
    };
    let margin = match v.margin {
        Some(m) => format!("<span class=\"{}\">{}</span>", if v.fails_run { "worse" } else { "better" }, signed(v, m)),
        None => "—".to_string(),
    };
    let measured_at_all = !v.scope.is_empty();
    let _ = writeln!(
        out,
        "<tr{}><td class=\"name\">{}</td><td class=\"name\"><code>{}</code></td><td class=\"name\"><code>{}</code></td>\
         <td>{measured}</td><td>{threshold}</td><td>{margin}</td><td>{}</td><td class=\"wrap\">{}</td></tr>",
        if v.fails_run { " class=\"fails\"" } else { "" },
        status(v),
        esc(&v.key),
        esc(&v.condition),
        if measured_at_all { thousands(v.samples) } else { "—".to_string() },
        if measured_at_all { esc(&v.scope) } else { "—".to_string() },
    );
}

fn table(out: &mut String, report: &GateReport) {
    out.push_str(
        "<table class=\"gates\">\n<tr><th class=\"name\">status</th><th class=\"name\">gate</th>\
         <th class=\"name\">condition</th><th>measured (95% interval)</th><th>threshold</th><th>margin</th>\
         <th>samples</th><th class=\"name\">scope</th></tr>\n",
    );
    for v in &report.verdicts {
        row(out, v);
    }
    out.push_str("</table>\n");
}

/// Every verdict in words: those that fail the run first, then those with a note, then the rest
/// (each group in the table's order), with its scope, method and note.
fn details(out: &mut String, report: &GateReport) {
    let mut ordered: Vec<&Verdict> = report.verdicts.iter().collect();
    ordered.sort_by_key(|v| (!v.fails_run, v.note.is_none()));
    out.push_str("<h3>How each gate was judged</h3>\n<ul class=\"verdicts\">\n");
    for v in ordered {
        let _ = write!(
            out,
            "<li{}>{} <code>{}</code> <code>{}</code>: {}",
            if v.fails_run { " class=\"fails\"" } else { "" },
            badge(v),
            esc(&v.key),
            esc(&v.condition),
            esc(&v.summary)
        );
        if let Some(note) = &v.note {
            let _ = write!(out, "<div class=\"note\"><b>Note:</b> {}</div>", esc(note));
        }
        let mut how = Vec::new();
        if !v.scope.is_empty() {
            how.push(format!("scope: {}", esc(&v.scope)));
        }
        if !v.method.is_empty() {
            how.push(format!("method: {}", esc(&v.method)));
        }
        if let Some(a) = &v.against {
            if !a.method.is_empty() && !v.method.contains(&a.method) {
                how.push(format!("{}: {}", esc(&a.what), esc(&a.method)));
            }
        }
        if !how.is_empty() {
            let _ = write!(out, "<div class=\"meta\">{}</div>", how.join(" · "));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
}
