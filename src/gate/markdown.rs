//! The verdicts as Markdown: a table for a pull request or GitHub's job summary
//! (`GITHUB_STEP_SUMMARY`), then each failure's method.

use super::verdict::{GateReport, Status};

/// `report` as Markdown, for the run of scenario `scenario`.
pub fn render(report: &GateReport, scenario: &str) -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let failed = report.failures().count();
    let mut out = format!(
        "### chaosload gates: {} — {}\n\n",
        cell(scenario),
        if report.passed { "passed".to_string() } else { format!("{failed} failed") }
    );
    if let Some(b) = &report.baseline {
        out.push_str(&format!(
            "Baseline: `{}` ({}, {}).\n\n",
            cell(&b.file),
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
            cell(&v.key),
            cell(&v.condition),
            measured,
            v.samples,
            cell(&v.summary)
        ));
    }
    let notes: Vec<_> = report.verdicts.iter().filter(|v| v.fails_run || v.note.is_some()).collect();
    if !notes.is_empty() {
        out.push('\n');
        for v in notes {
            out.push_str(&format!("- `{}` ({}): {}", cell(&v.key), cell(&v.scope), cell(&v.method)));
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
