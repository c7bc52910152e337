//! The terminal summary printed after a run: one row per client configuration, a line per slow-client
//! cohort (worded from `report::cohorts`, as report.html's), the verdict, a line per sweep, then
//! warnings.

use crate::result::{PhaseResult, RunResult, Summary};
use std::fmt::Write as _;

pub use crate::units::fmt_us;

/// Scheduler lag p99 beyond which the terminal summary, report.html and the Markdown summary warn that
/// chaosload itself was a bottleneck.
pub const LAG_WARNING_US: u64 = 10_000;

/// Whether a run's scheduler lag calls for that warning: some lag was recorded and its p99 is past
/// [`LAG_WARNING_US`].
pub fn lag_warns(lag: &Summary) -> bool {
    lag.count > 0 && lag.p99_us > LAG_WARNING_US
}

/// The warning for requests that found no free file descriptor (`fd_exhausted`): the terminal
/// summary's and report.html's, since the failure is chaosload's own limit, not the target's.
pub fn fd_exhausted_warning(n: u64) -> String {
    format!(
        "{n} requests found no free file descriptor (fd_exhausted): chaosload hit its open-file limit, so they say \
         nothing about the target; raise the limit (ulimit -n) or lower concurrency"
    )
}

/// The table's header line, its first column `name_width` wide (at least 6).
pub fn table_header(name_width: usize) -> String {
    let width = name_width.max(6);
    format!(
        "{:<width$} {:>9} {:>9} {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6}",
        "client", "requests", "rate/s", "errors", "retries", "p50", "p90", "p99", "p99.9", "max", "conns"
    )
}

pub fn render(result: &RunResult) -> String {
    let mut out = String::new();
    let width = result.clients.iter().map(|c| c.name.len()).max().unwrap_or(6).max(6);
    let _ = writeln!(out, "{}", table_header(width));
    for c in &result.clients {
        let t = &c.total;
        let _ = writeln!(
            out,
            "{:<width$} {:>9} {:>9.1} {:>6.2}% {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6}",
            c.name,
            t.sent,
            t.achieved_rate,
            t.error_rate * 100.0,
            t.retries,
            fmt_us(t.latency.p50_us),
            fmt_us(t.latency.p90_us),
            fmt_us(t.latency.p99_us),
            fmt_us(t.latency.p999_us),
            fmt_us(t.latency.max_us),
            c.connections.opened,
        );
    }
    for cohort in crate::report::cohorts::cohorts(result) {
        let _ = writeln!(out, "{}", cohort.summary_line());
    }
    if let Some(verdict) = crate::verdict::judge(result).filter(crate::verdict::Verdict::ranked) {
        out.push_str(&verdict.terminal());
    }
    for sweep in crate::verdict::sweeps(result) {
        out.push_str(&sweep.terminal());
    }
    let errors: Vec<String> = result
        .clients
        .iter()
        .filter(|c| !c.total.errors.is_empty())
        .map(|c| {
            format!(
                "  {}: {}",
                c.name,
                c.total.errors.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "errors by kind:\n{}", errors.join("\n"));
    }
    let lookups: Vec<String> = result
        .clients
        .iter()
        .filter(|c| c.total.dns_time.count > 0)
        .map(|c| {
            let d = &c.total.dns_time;
            format!(
                "  {}: {} lookups, p50 {}, p99 {}, max {}",
                c.name,
                d.count,
                fmt_us(d.p50_us),
                fmt_us(d.p99_us),
                fmt_us(d.max_us)
            )
        })
        .collect();
    if !lookups.is_empty() {
        let _ = writeln!(out, "DNS time (a lookup per new connection, not in connect time):\n{}", lookups.join("\n"));
    }
    for c in &result.clients {
        warnings(&mut out, &c.name, &c.total);
    }
    if result.interrupted {
        let _ = writeln!(out, "INTERRUPTED: these results cover only the part of the run that happened.");
    }
    out
}

/// The summary as JSON, for `run --json` (as oha's and vegeta's): per configuration what the
/// table shows — requests, rates, errors by kind, retries, latency percentiles in µs,
/// connections — plus the gates' verdicts, the warnings and where result.json is. Everything
/// else is in result.json itself.
pub fn render_json(result: &RunResult, result_file: &std::path::Path) -> serde_json::Value {
    use serde_json::json;
    let clients: Vec<_> = result
        .clients
        .iter()
        .map(|c| {
            let t = &c.total;
            let mut lines = String::new();
            warnings(&mut lines, &c.name, t);
            json!({
                "name": c.name,
                "requests": t.sent,
                "requested_rate": t.requested_rate,
                "achieved_rate": t.achieved_rate,
                "ok": t.ok,
                "error_rate": t.error_rate,
                "errors": t.errors,
                "retries": t.retries,
                "latency_us": {
                    "p50": t.latency.p50_us, "p90": t.latency.p90_us, "p99": t.latency.p99_us,
                    "p999": t.latency.p999_us, "max": t.latency.max_us, "mean": t.latency.mean_us,
                },
                "connections_opened": c.connections.opened,
                "reuse_ratio": c.connections.reuse_ratio,
                "warnings": lines.lines().collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "scenario": result.scenario_name,
        "started_at": result.started_at,
        "interrupted": result.interrupted,
        "result": result_file.display().to_string(),
        "clients": clients,
        "verdict": crate::verdict::judge(result).map(|v| v.json()),
        "gates": result.gates,
    })
}

fn warnings(out: &mut String, client: &str, t: &PhaseResult) {
    if let Some(n) = t.errors.get("overflow") {
        let _ = writeln!(
            out,
            "WARNING {client}: {n} arrivals were NOT SENT because max_in_flight requests were already in flight (overflow)."
        );
    }
    if let Some(n) = t.errors.get(&crate::record::ErrorKind::FdExhausted.name()) {
        let _ = writeln!(out, "WARNING {client}: {}.", fd_exhausted_warning(*n));
    }
    if lag_warns(&t.scheduler_lag) {
        let _ = writeln!(
            out,
            "WARNING {client}: scheduler lag p99 {} — chaosload itself fell behind the schedule; latencies include that lag.",
            fmt_us(t.scheduler_lag.p99_us)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fd_exhaustion_is_shown_as_chaosload_s_own_limit() {
        use crate::report::fixtures::{client, run, Numbers};
        let starved = Numbers { errors: vec![("fd_exhausted", 640), ("connect_error", 3)], ..Numbers::default() };
        let text = render(&run("s", vec![client("c", &starved), client("fine", &Numbers::default())]));
        assert!(text.contains("fd_exhausted 640"), "counted by kind: {text}");
        let warnings: Vec<&str> = text.lines().filter(|l| l.starts_with("WARNING")).collect();
        assert_eq!(warnings, [format!("WARNING c: {}.", fd_exhausted_warning(640))], "{text}");
    }

    #[test]
    fn a_line_per_cohort_follows_the_table() {
        let r = crate::report::fixtures::cohort_run();
        let text = render(&r);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].starts_with("default ") && lines[2].starts_with("tuned<1> "), "{text}");
        assert_eq!(
            lines[3],
            "slowloris (fault 1, 300 conns, 3s–6s and 8s–9s; before → during): default p99 4.00ms → 1.21s, errors 0.00% → 31.00%, \
             held 300 to the end, closed by server 0, reset 0; tuned<1> p99 4.00ms (unchanged), errors 0.00% \
             (unchanged), held 284 to the end, closed by server 1204, reset 4"
        );
        assert_eq!(text.matches("slowloris").count(), 1, "the mock fault has no line: {text}");
        let plain =
            render(&crate::report::fixtures::run("s", vec![crate::report::fixtures::client("c", &Default::default())]));
        assert!(!plain.contains("conns,"), "no cohort, no line: {plain}");
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(fmt_us(850), "850µs");
        assert_eq!(fmt_us(2_100), "2.10ms");
        assert_eq!(fmt_us(20_480), "20.5ms");
        assert_eq!(fmt_us(1_230_000), "1.23s");
    }
}
