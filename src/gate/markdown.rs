//! The verdicts as Markdown: a table for a pull request or GitHub's job summary
//! (`GITHUB_STEP_SUMMARY`), then each failure's method.

use super::verdict::{GateReport, Status};

/// `report` as Markdown, for the run of scenario `scenario`.
pub fn render(report: &GateReport, scenario: &str) -> String {
    // GitHub renders HTML in Markdown: text from result files is escaped as well as table-safe.
    let cell = |s: &str| {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('|', "\\|").replace('\n', " ")
    };
    // Inside a code span HTML is not rendered: only what would end the span or the cell is replaced.
    let code = |s: &str| s.replace('`', "'").replace('|', "\\|").replace('\n', " ");
    let failed = report.failures().count();
    let mut out = format!(
        "### chaosload gates: {} — {}\n\n",
        cell(scenario),
        if report.passed { "passed".to_string() } else { format!("{failed} failed") }
    );
    if let Some(b) = &report.baseline {
        out.push_str(&format!(
            "Baseline: `{}` ({}, {}).\n\n",
            code(&b.file),
            cell(&b.scenario_name),
            cell(&b.started_at)
        ));
    }
    out.push_str("| | gate | condition | measured | samples | verdict |\n|---|---|---|---|---|---|\n");
    for v in &report.verdicts {
        let icon = match (v.status, v.fails_run) {
            (Status::Pass, _) => "✅",
            (Status::Fail, _) | (Status::InsufficientData, true) => "❌",
            _ => "⚠️",
        };
        let measured = v.measured.map(|m| v.unit.format(m)).unwrap_or_else(|| "—".to_string());
        out.push_str(&format!(
            "| {icon} {} | `{}` | `{}` | {} | {} | {} |\n",
            v.status.label(),
            code(&v.key),
            code(&v.condition),
            measured,
            v.samples,
            cell(&v.summary)
        ));
    }
    let notes: Vec<_> = report.verdicts.iter().filter(|v| v.fails_run || v.note.is_some()).collect();
    if !notes.is_empty() {
        out.push('\n');
        for v in notes {
            out.push_str(&format!("- `{}` ({}): {}", code(&v.key), cell(&v.scope), cell(&v.method)));
            if let Some(note) = &v.note {
                out.push_str(&format!(" **Note:** {}", cell(note)));
            }
            out.push('\n');
        }
    }
    out.push_str(
        "\nPercentile intervals are distribution-free (order statistics of the HDR histogram), rates' are Wilson's; \
         a `regress` gate fails only when the run's 95% interval lies wholly beyond the baseline's plus the tolerance.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::quantity::Unit;
    use crate::gate::verdict::{BaselineRun, Verdict};

    #[test]
    fn text_from_results_cannot_become_markup_and_code_stays_readable() {
        let verdict = Verdict {
            gate: "a|b.p99".into(),
            client: "a|b".into(),
            key: "a|b.p99".into(),
            condition: "< 300ms".into(),
            status: Status::Fail,
            fails_run: true,
            unit: Unit::Us,
            measured: Some(400_000.0),
            interval: None,
            samples: 1000,
            threshold: Some(300_000.0),
            margin: Some(-100_000.0),
            against: None,
            scope: "the whole run".into(),
            method: "<img src=x onerror=alert(1)>".into(),
            summary: "400.0ms against < 300.0ms".into(),
            note: None,
        };
        let report = GateReport {
            passed: false,
            insufficient_data: "fail".into(),
            baseline: Some(BaselineRun {
                file: "base`.json".into(),
                scenario_name: "<b>x</b>".into(),
                started_at: "t".into(),
            }),
            verdicts: vec![verdict],
        };
        let md = render(&report, "s&t");
        assert!(!md.contains("<img") && md.contains("&lt;img"), "{md}");
        assert!(!md.contains("<b>") && md.contains("&lt;b&gt;x"), "{md}");
        assert!(md.contains("`< 300ms`"), "a condition in a code span is shown as written: {md}");
        assert!(md.contains("`a\\|b.p99`"), "a pipe cannot split the row: {md}");
        assert!(md.contains("`base'.json`") && md.contains("s&amp;t"), "{md}");
        assert!(md.contains("400.0ms against &lt; 300.0ms"), "{md}");
    }
}
