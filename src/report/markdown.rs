//! Markdown for pasting into a pull request or an issue: a comparison (`compare --md`) or one run's summary.

use crate::report::compare::{signed, ClientComparison, Comparison, Delta, Metric, Stats};
use crate::result::RunResult;
use crate::summary::lag_warns;
use crate::units::fmt_us;
use std::fmt::Write as _;

/// A comparison: which runs, then per configuration a table with one row per metric (and per error kind),
/// the first run's value, and for each later run its value and change (`Δ`, `Δ%`); then the notes.
pub fn comparison_markdown(c: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### chaosload compare: {}\n", code(&c.scenario));
    for (i, run) in c.runs.iter().enumerate() {
        let role = if i == 0 { " — baseline" } else { "" };
        let mut flags = String::new();
        if run.interrupted {
            flags.push_str(" — **interrupted**");
        }
        if run.error.is_some() {
            flags.push_str(" — **incomplete**");
        }
        let _ = writeln!(out, "{}. {} (started {}){role}{flags}", i + 1, code(&run.label), run.started_at);
    }
    let several = c.runs.len() > 2;
    for client in &c.clients {
        let _ = writeln!(out, "\n#### {}\n", code(&client.name));
        let mut header = vec!["metric".to_string()];
        for (i, run) in c.runs.iter().enumerate() {
            header.push(text(&run.label));
            if i > 0 {
                let suffix = if several { format!(" {}", text(&run.label)) } else { String::new() };
                header.push(format!("Δ{suffix}"));
                header.push(format!("Δ%{suffix}"));
            }
        }
        let columns = header.len();
        let _ = writeln!(out, "{}", table_row(&header));
        let mut align = vec!["---".to_string()];
        align.resize(columns, "---:".to_string());
        let _ = writeln!(out, "{}", table_row(&align));
        for metric in Metric::ALL {
            let _ = writeln!(out, "{}", table_row(&metric_row(client, metric)));
        }
        for kind in client.error_kinds() {
            let _ = writeln!(out, "{}", table_row(&error_row(client, &kind)));
        }
        for (run, info) in client.runs.iter().zip(&c.runs) {
            if let Some(change) = run.as_ref().and_then(|r| r.change.as_ref()) {
                let _ = writeln!(
                    out,
                    "\n**Verdict** ({} against the baseline): {}",
                    code(&info.label),
                    text(&change.sentence)
                );
            }
        }
    }
    if !c.notes.is_empty() {
        out.push('\n');
        for note in &c.notes {
            let _ = writeln!(out, "> **Note:** {}", text(note));
        }
    }
    out
}

const MISSING: &str = "*not in this run*";
const NONE: &str = "—";

fn metric_row(client: &ClientComparison, metric: Metric) -> Vec<String> {
    let mut row = vec![metric_name(metric).to_string()];
    for (i, run) in client.runs.iter().enumerate() {
        row.push(run.as_ref().map_or(MISSING.to_string(), |r| metric.format(&r.stats)));
        if i > 0 {
            let delta = run.as_ref().and_then(|r| r.delta(metric));
            row.push(delta.map_or(NONE.to_string(), |d| metric.format_delta(&d)));
            row.push(delta.map_or(NONE.to_string(), |d| d.format_pct()));
        }
    }
    row
}

fn error_row(client: &ClientComparison, kind: &str) -> Vec<String> {
    let counts: Vec<Option<u64>> =
        client.runs.iter().map(|r| r.as_ref().map(|r| r.stats.errors.get(kind).copied().unwrap_or(0))).collect();
    let first = counts[0];
    let mut row = vec![format!("errors: {}", code_cell(kind))];
    for (i, n) in counts.iter().enumerate() {
        row.push(n.map_or(MISSING.to_string(), |n| n.to_string()));
        if i > 0 {
            match (first, n) {
                (Some(a), Some(b)) => {
                    let d = Delta::between(a as f64, *b as f64);
                    row.push(signed(d.abs, 0, ""));
                    row.push(d.format_pct());
                }
                _ => row.extend([NONE.to_string(), NONE.to_string()]),
            }
        }
    }
    row
}

fn metric_name(metric: Metric) -> &'static str {
    match metric {
        Metric::Requests => "requests",
        Metric::Rate => "rate (req/s)",
        Metric::ErrorRate => "error rate",
        Metric::P50 => "latency p50",
        Metric::P90 => "latency p90",
        Metric::P99 => "latency p99",
        Metric::P999 => "latency p99.9",
        Metric::Max => "latency max",
        Metric::Connections => "connections opened",
    }
}

/// One run's summary: a table with a row per configuration (and, when the run has several phases, a
/// second table per phase), errors by kind, and the warnings the terminal summary gives.
pub fn run_markdown(result: &RunResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### chaosload run: {}\n", code(&result.scenario_name));
    let env = &result.environment;
    let _ = writeln!(
        out,
        "{} · started {} · chaosload {} · {} cores · {} load thread{}\n",
        code(&result.scenario_file),
        result.started_at,
        env.chaosload_version,
        env.cores,
        env.load_threads,
        if env.load_threads == 1 { "" } else { "s" }
    );
    let header: Vec<String> =
        std::iter::once("client".to_string()).chain(Metric::ALL.map(|m| m.label().to_string())).collect();
    let _ = writeln!(out, "{}", table_row(&header));
    let _ = writeln!(out, "{}", alignment(header.len(), 1));
    for c in &result.clients {
        let _ = writeln!(out, "{}", table_row(&stats_row(vec![code_cell(&c.name)], &Stats::of_client(c))));
    }
    if result.clients.iter().any(|c| c.phases.len() > 1) {
        let _ = writeln!(out, "\n**By phase**\n");
        let header: Vec<String> = ["client", "phase"]
            .into_iter()
            .map(str::to_string)
            .chain(Metric::ALL.map(|m| m.label().to_string()))
            .collect();
        let _ = writeln!(out, "{}", table_row(&header));
        let _ = writeln!(out, "{}", alignment(header.len(), 2));
        for c in &result.clients {
            for p in &c.phases {
                let _ = writeln!(
                    out,
                    "{}",
                    table_row(&stats_row(vec![code_cell(&c.name), code_cell(&p.name)], &Stats::of_phase(p)))
                );
            }
        }
    }
    if let Some(verdict) = crate::verdict::judge(result).filter(crate::verdict::Verdict::ranked) {
        let _ = writeln!(out, "\n**Verdict:** {}\n", text(&verdict.headline));
        for line in verdict.why.iter().chain(&verdict.evidence) {
            let _ = writeln!(out, "- {}", text(line));
        }
    }
    let errors: Vec<String> = result
        .clients
        .iter()
        .filter(|c| !c.total.errors.is_empty())
        .map(|c| {
            let kinds: Vec<String> = c.total.errors.iter().map(|(k, n)| format!("{} {n}", code(k))).collect();
            format!("- {}: {}", code(&c.name), kinds.join(", "))
        })
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\n**Errors by kind**\n\n{}", errors.join("\n"));
    }
    let mut warnings = Vec::new();
    for c in &result.clients {
        if let Some(n) = c.total.errors.get("overflow") {
            warnings.push(format!(
                "{}: {n} arrivals were **not sent** because `max_in_flight` requests were already in flight (overflow).",
                code(&c.name)
            ));
        }
        let lag = &c.total.scheduler_lag;
        if lag_warns(lag) {
            warnings.push(format!(
                "{}: scheduler lag p99 {} — chaosload itself fell behind the schedule; latencies include that lag.",
                code(&c.name),
                fmt_us(lag.p99_us)
            ));
        }
    }
    if result.interrupted {
        warnings.push("**Interrupted**: these results cover only the part of the run that happened.".to_string());
    }
    if let Some(e) = &result.error {
        warnings.push(format!("**Incomplete**: {}", text(e)));
    }
    if !warnings.is_empty() {
        out.push('\n');
        for w in warnings {
            let _ = writeln!(out, "> **Warning:** {w}");
        }
    }
    out
}

fn stats_row(mut lead: Vec<String>, s: &Stats) -> Vec<String> {
    lead.extend(Metric::ALL.map(|m| m.format(s)));
    lead
}

fn alignment(columns: usize, left: usize) -> String {
    let cells: Vec<String> = (0..columns).map(|i| if i < left { "---" } else { "---:" }.to_string()).collect();
    table_row(&cells)
}

fn table_row(cells: &[String]) -> String {
    format!("| {} |", cells.join(" | "))
}

/// Running text with Markdown's active characters escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#') {
            out.push('\\');
        }
        out.push(if ch == '\n' || ch == '\r' { ' ' } else { ch });
    }
    out
}

/// A code span that holds any text (backticks inside get a longer fence), and stays one line.
fn code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A code span inside a table cell, where GitHub splits cells at any unescaped pipe, code spans included.
fn code_cell(s: &str) -> String {
    code(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::compare::compare;
    use crate::report::fixtures::{client, run, Numbers};

    /// Every table in `md` (runs of lines starting with `|`): each row has as many cells as its header,
    /// the second row is the alignment row, and cells are split only by unescaped pipes.
    fn check_tables(md: &str) -> usize {
        let mut tables = 0;
        let lines: Vec<&str> = md.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            if !lines[i].starts_with('|') {
                i += 1;
                continue;
            }
            let start = i;
            while i < lines.len() && lines[i].starts_with('|') {
                i += 1;
            }
            let rows: Vec<Vec<String>> = lines[start..i].iter().map(|l| cells_of(l)).collect();
            assert!(rows.len() >= 3, "a table has a header, an alignment row and rows:\n{md}");
            assert!(start == 0 || lines[start - 1].is_empty(), "a blank line before a table:\n{md}");
            assert!(rows[1].iter().all(|c| matches!(c.as_str(), "---" | "---:")), "alignment row: {:?}", rows[1]);
            for row in &rows {
                assert_eq!(row.len(), rows[0].len(), "row {row:?} vs header {:?}\n{md}", rows[0]);
                assert!(lines[start..i].iter().all(|l| l.ends_with(" |")));
            }
            tables += 1;
        }
        tables
    }

    fn cells_of(line: &str) -> Vec<String> {
        let inner = line.strip_prefix("| ").and_then(|l| l.strip_suffix(" |")).expect("a row is `| … |`");
        let mut cells = vec![String::new()];
        let mut escaped = false;
        for ch in inner.chars() {
            match ch {
                '|' if !escaped => cells.push(String::new()),
                _ => cells.last_mut().unwrap().push(ch),
            }
            escaped = ch == '\\' && !escaped;
        }
        cells.iter().map(|c| c.trim().to_string()).collect()
    }

    fn runs() -> Vec<(String, RunResult)> {
        let before = run(
            "smoke",
            vec![
                client("default", &Numbers { errors: vec![("reset", 10)], ..Numbers::default() }),
                client("tuned", &Numbers::default()),
            ],
        );
        let after = run(
            "smoke",
            vec![client(
                "default",
                &Numbers {
                    errors: vec![("http_503", 7)],
                    latency_us: [2_000, 5_000, 11_230, 15_000, 20_000],
                    ..Numbers::default()
                },
            )],
        );
        vec![("before|1.json".to_string(), before), ("after.json".to_string(), after)]
    }

    #[test]
    fn comparison_tables_are_well_formed() {
        let md = comparison_markdown(&compare(&runs()));
        assert_eq!(check_tables(&md), 2, "{md}");
        assert!(md.contains("| latency p99 | 10.0ms | 11.2ms | +1.23ms | +12.3% |"), "{md}");
        assert!(md.contains("| errors: `http_503` | 0 | 7 | +7 | n/a |"), "{md}");
        assert!(md.contains("| errors: `reset` | 10 | 0 | \u{2212}10 | \u{2212}100.0% |"), "{md}");
        assert!(md.contains("| requests | 1000 | *not in this run* | — | — |"), "tuned is missing:\n{md}");
        assert!(md.contains(r"| before\|1.json |"), "a pipe in a label is escaped:\n{md}");
        assert!(md.contains("> **Note:** tuned is missing from after.json"), "{md}");
        // 10 resets against 7 503s in 1,000 requests, p99 +12%: nothing beyond the noise.
        assert!(
            md.contains(
                "**Verdict** (`after.json` against the baseline): no significant difference (errors 1.00% → 0.70%"
            ),
            "{md}"
        );
    }

    #[test]
    fn several_runs_name_their_delta_columns() {
        let mut three = runs();
        three.push(("third.json".to_string(), three[1].1.clone()));
        let md = comparison_markdown(&compare(&three));
        assert_eq!(check_tables(&md), 2, "{md}");
        assert!(md.contains("| Δ after.json | Δ% after.json |") && md.contains("| Δ third.json |"), "{md}");
    }

    #[test]
    fn run_summary_is_a_well_formed_table() {
        let mut result = runs().remove(0).1;
        result.clients[0].total.errors.insert("overflow".to_string(), 3);
        result.interrupted = true;
        let md = run_markdown(&result);
        assert_eq!(check_tables(&md), 1, "{md}");
        assert!(
            md.contains("| `default` | 1000 | 200.0 | 1.00% | 2.00ms | 5.00ms | 10.0ms | 15.0ms | 20.0ms | 4 |"),
            "{md}"
        );
        assert!(md.contains("- `default`: `overflow` 3, `reset` 10"), "{md}");
        assert!(md.contains("arrivals were **not sent**"), "{md}");
        assert!(md.contains("**Interrupted**"), "{md}");

        let mut phased = result.clone();
        let mut second = phased.clients[0].phases[0].clone();
        second.name = "spike".to_string();
        phased.clients[0].phases.push(second);
        let md = run_markdown(&phased);
        assert_eq!(check_tables(&md), 2, "{md}");
        assert!(md.contains("| `default` | `spike` | 1000 |"), "{md}");
    }

    #[test]
    fn code_spans_and_text_escape() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code_cell("a|b"), r"`a\|b`");
        assert_eq!(text("a *b* <c>"), r"a \*b\* \<c\>");
    }
}
