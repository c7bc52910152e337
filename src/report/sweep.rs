//! report.html's sweep sections, after the verdict: for each `[[client]]` sweep, which of its
//! values won (worded by [`crate::verdict::sweeps`], as the terminal's line) and its figure
//! ([`super::charts::sweep`]): errors and p99 against the knob's values.

use super::charts;
use super::page::{esc, figure};
use crate::result::RunResult;
use crate::verdict::SweepVerdict;
use std::fmt::Write as _;

/// A section per sweep of the run; nothing without one.
pub(super) fn sections(out: &mut String, result: &RunResult) {
    for sweep in crate::verdict::sweeps(result) {
        section(out, &sweep, result.interrupted);
    }
}

fn section(out: &mut String, sweep: &SweepVerdict, interrupted: bool) {
    let s = sweep.sweep;
    let class = match (sweep.verdict.is_some(), sweep.winner().is_some()) {
        (true, true) => "won",
        (true, false) => "tie",
        (false, _) => "alone",
    };
    let _ = writeln!(
        out,
        "<section class=\"sweep {class}\" id=\"sweep-{}\">\n<h2>Sweep of {} ({})</h2>\n<p class=\"headline\">{}</p>",
        esc(&s.client),
        esc(&s.knob),
        esc(&s.client),
        esc(&sweep.outcome())
    );
    if sweep.points.len() >= 2 {
        let members: Vec<String> = sweep.points.iter().map(|p| esc(&p.client.name)).collect();
        let marked = match sweep.winner() {
            Some(w) => format!(
                "The shaded value, {}, won among them beyond the noise (their 95% intervals do not overlap).",
                esc(w.value)
            ),
            None => "No value is marked: none was ahead of every other beyond the noise.".to_string(),
        };
        let thin = sweep.points.iter().any(|p| p.p99.insufficient.is_some());
        let hollow = if thin { " (hollow: too few latencies for one)" } else { "" };
        let caption = format!(
            "Each value of {} is a configuration of its own ({}), run under the same seeded traffic. Top: its \
             error rate with a 95% Wilson interval; bottom: its p99 latency from intended send time with a 95% \
             interval from the order statistics{hollow}, read as the verdict reads them and judged among the \
             sweep's configurations only. {marked} Hover a point for its figures.",
            esc(&s.knob),
            members.join(", ")
        );
        let svg = charts::sweep(&format!("chart-sweep-{}", esc(&s.client)), sweep);
        figure(out, &format!("Errors and p99 by {}", esc(&s.knob)), &svg, &caption);
    }
    if !sweep.missing.is_empty() {
        let missing: Vec<String> = sweep.missing.iter().map(|v| esc(v)).collect();
        let _ = writeln!(out, "<p class=\"meta\">Not run: {}.</p>", missing.join(", "));
    }
    if interrupted {
        out.push_str("<p class=\"meta\">The run was interrupted: the sweep covers only what ran.</p>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use crate::verdict::sweep_fixture as swept;

    #[test]
    fn a_sweep_has_its_section_and_figure_with_the_winner_marked() {
        let html = crate::report::html::render(&swept([0, 30]));
        assert!(html.contains("<section class=\"sweep won\" id=\"sweep-idle\">"), "the section");
        assert!(html.contains("<h2>Sweep of pool_idle_timeout (idle)</h2>\n<p class=\"headline\">1s won on errors</p>"));
        assert!(html.contains("<svg id=\"chart-sweep-idle\""), "the figure");
        // A point per value that ran in each panel, the winner's band, the value that did not run.
        for panel in ["errors", "p99"] {
            for value in ["1s", "5s"] {
                let point = format!("<g class=\"sweep-point\" data-panel=\"{panel}\" data-value=\"{value}\"><title>");
                assert_eq!(html.matches(&point).count(), 1, "{point}");
            }
        }
        assert!(html.contains("<title>idle-5s (5s): error rate 3.00% (95% "), "the tooltip has its interval");
        assert_eq!(html.matches("<g class=\"sweep-winner\" data-value=\"1s\">").count(), 2, "both panels");
        assert!(html.contains("<p class=\"meta\">Not run: 9s.</p>"));
        // Within the noise, none is marked, and the page says so.
        let html = crate::report::html::render(&swept([3, 4]));
        assert!(html.contains("<section class=\"sweep tie\" id=\"sweep-idle\">"));
        assert!(!html.contains("sweep-winner") && html.contains("No value is marked"));
        // A run without a sweep has no section.
        let mut plain = swept([0, 30]);
        plain.sweeps.clear();
        assert!(!crate::report::html::render(&plain).contains("class=\"sweep"));
    }
}
