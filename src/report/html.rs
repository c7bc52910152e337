//! The self-contained HTML page: header, the gates' verdicts (when the run had gates), the verdict,
//! a section per sweep, a plain-words summary, inline SVG charts and tables.
//!
//! Everything from the scenario or the result is escaped with [`esc`]; the page loads nothing (no
//! scripts, fonts, styles or images from anywhere) and reads the same with JavaScript off. Its style,
//! figures and table cells come from the page kit it shares with the comparison page, [`super::page`].

use super::charts::{self, SpectrumLine};
use super::cohorts::{cohorts, method_note, Cohort};
use super::compare::{Better, Delta, FATE_COLUMNS};
use super::gates;
use super::metrics::{decode, pct, Phase};
use super::page::{error_kinds, esc, figure, fmt_ms, page_start, phase_heading, swatch, value_cell, PAGE_END};
use super::{sweep, verdict};
use crate::gate::sample::Sample;
use crate::result::{ClientResult, FaultWindows, PhaseResult, RunResult, Summary};
use crate::summary::{fd_exhausted_warning, lag_warns};
use crate::units::fmt_us;
use std::fmt::Write as _;

/// Renders the report for `result` as one self-contained HTML document.
pub fn render(result: &RunResult) -> String {
    let mut out = page_start(&format!("chaosload — {}", result.scenario_name));
    header(&mut out, result);
    // The gates first: in CI they are why the page is opened.
    if let Some(report) = &result.gates {
        gates::section(&mut out, report, result.interrupted);
    }
    if result.clients.len() > 1 {
        verdict::section(&mut out, result);
    }
    sweep::sections(&mut out, result);
    banners(&mut out, result);
    let _ = writeln!(out, "<h2>What happened</h2>\n<p class=\"story\">{}</p>", story(result));
    if let Some(note) = method_note(&cohorts(result), &|text| esc(text)) {
        let _ = writeln!(out, "<p class=\"meta\" id=\"cohort-method\">{note}</p>");
    }
    if result.clients.is_empty() {
        out.push_str("<p>No client configuration ran, so there is nothing to chart.</p>\n");
    } else {
        charts_section(&mut out, result);
        tables(&mut out, result);
    }
    scenario_section(&mut out, result);
    out.push_str(PAGE_END);
    out
}

fn header(out: &mut String, r: &RunResult) {
    let env = &r.environment;
    let load_ms = r.clients.first().map(|c| c.total.duration_ms).unwrap_or(0);
    let phases = r.clients.first().map(|c| c.phases.len()).unwrap_or(0);
    let walls: Vec<String> = r.clients.iter().map(|c| format!("{} {}", esc(&c.name), fmt_ms(c.duration_ms))).collect();
    let _ = writeln!(
        out,
        "<header>\n<h1>{}</h1>\n<div class=\"meta\">started <b>{}</b> · seed <b>{}</b> · load <b>{}</b> in {} phase{} \
         per configuration · wall time {} · {} client configuration{}</div>\n\
         <div class=\"meta\">chaosload <b>{}</b> · machine: <b>{}</b> cores, {} / {} · {} load thread{} · scenario file {}</div>\n</header>",
        esc(&r.scenario_name),
        esc(&r.started_at),
        esc(&r.seed()),
        fmt_ms(load_ms),
        phases,
        if phases == 1 { "" } else { "s" },
        if walls.is_empty() { "—".to_string() } else { walls.join(", ") },
        r.clients.len(),
        if r.clients.len() == 1 { "" } else { "s" },
        esc(&env.chaosload_version),
        env.cores,
        esc(&env.os),
        esc(&env.arch),
        env.load_threads,
        if env.load_threads == 1 { "" } else { "s" },
        esc(&r.scenario_file),
    );
}

fn banners(out: &mut String, r: &RunResult) {
    if r.interrupted {
        out.push_str(
            "<div class=\"banner error\">Interrupted: these results cover only the part of the run that happened.</div>\n",
        );
    }
    if let Some(e) = &r.error {
        let _ = writeln!(
            out,
            "<div class=\"banner error\">A client configuration's run failed: {}. The results cover the \
             configurations before it.</div>",
            esc(e)
        );
    }
    for w in warnings(r) {
        let _ = writeln!(out, "<div class=\"banner warn\">{w}</div>");
    }
}

/// Loud warnings (already escaped): the scenario's own, overflow, descriptors exhausted, scheduler
/// lag, unfinished requests.
fn warnings(r: &RunResult) -> Vec<String> {
    let mut out: Vec<String> = r.warnings.iter().map(|w| format!("{}.", esc(w))).collect();
    for c in &r.clients {
        let t = &c.total;
        if let Some(n) = t.errors.get("overflow") {
            out.push(format!(
                "{}: {n} arrivals were NOT SENT because max_in_flight requests were already in flight (overflow).",
                esc(&c.name)
            ));
        }
        if let Some(n) = t.errors.get(&crate::record::ErrorKind::FdExhausted.name()) {
            out.push(format!("{}: {}.", esc(&c.name), esc(&fd_exhausted_warning(*n))));
        }
        if lag_warns(&t.scheduler_lag) {
            out.push(format!(
                "{}: scheduler lag p99 {} — chaosload itself fell behind the schedule; latencies include that lag.",
                esc(&c.name),
                fmt_us(t.scheduler_lag.p99_us)
            ));
        }
        if let Some(n) = t.errors.get("unfinished") {
            out.push(format!(
                "{}: {n} requests were still in flight when the drain ended; they count as errors and their age \
                 as a lower bound of their latency.",
                esc(&c.name)
            ));
        }
    }
    out
}

fn error_count(p: &PhaseResult) -> u64 {
    p.errors.values().sum()
}

fn fault_sentence(f: &FaultWindows) -> String {
    let hit = if f.probability < 1.0 {
        let unit = if f.layer == "proxy" { "connections" } else { "requests" };
        format!(", hitting {}% of {unit}", (f.probability * 1000.0).round() / 10.0)
    } else {
        String::new()
    };
    let when = match f.windows.as_slice() {
        [] => "never active".to_string(),
        [w] => format!("active {}–{}", fmt_ms(w.start_ms), fmt_ms(w.end_ms)),
        [w, ..] => format!("active {} times, first {}–{}", f.windows.len(), fmt_ms(w.start_ms), fmt_ms(w.end_ms)),
    };
    format!("{} ({} layer{hit}), {when}", esc(&f.kind), esc(&f.layer))
}

/// The plain-words paragraph: traffic, faults, errors, p99, connections, warnings.
fn story(r: &RunResult) -> String {
    let mut s = String::new();
    let n = r.clients.len();
    let Some(first) = r.clients.first() else {
        return "No client configuration finished, so there are no measurements.".to_string();
    };
    let _ = write!(
        s,
        "{n} client configuration{} faced the same seeded traffic (seed {}): {} arrivals over {} of load{}. ",
        if n == 1 { "" } else { "s" },
        esc(&r.seed()),
        first.total.arrivals,
        fmt_ms(first.total.duration_ms),
        if n > 1 { " for each, one configuration after the other" } else { "" },
    );
    if !r.faults.is_empty() {
        let faults: Vec<String> = r.faults.iter().map(fault_sentence).collect();
        let _ = write!(s, "Faults: {}. ", faults.join("; "));
    }
    // With several configurations, who did better on errors and latency is the verdict's to say,
    // with its noise; the story tells what each met.
    let errors = |c: &ClientResult| {
        let kinds: Vec<String> = c.total.errors.iter().map(|(k, v)| format!("{} {v}", esc(k))).collect();
        if kinds.is_empty() {
            "no errors".to_string()
        } else {
            format!("{} ({})", pct(c.total.error_rate), kinds.join(", "))
        }
    };
    if r.clients.iter().all(|c| error_count(&c.total) == 0) {
        s.push_str(if n == 1 { "It saw no errors. " } else { "No configuration saw an error. " });
    } else if n == 1 {
        let _ = write!(s, "{} saw errors: {}. ", esc(&first.name), errors(first));
    } else {
        let each: Vec<String> = r.clients.iter().map(|c| format!("{} {}", esc(&c.name), errors(c))).collect();
        let _ = write!(s, "Errors: {}. ", each.join("; "));
    }
    if n == 1 && first.total.latency.count > 0 {
        let _ = write!(
            s,
            "Its p99 latency was {} (p50 {}). ",
            fmt_us(first.total.latency.p99_us),
            fmt_us(first.total.latency.p50_us)
        );
    }
    let conns: Vec<String> = r
        .clients
        .iter()
        .map(|c| {
            let per = if c.connections.opened > 0 {
                format!(" ({:.1} requests each)", c.total.sent as f64 / c.connections.opened as f64)
            } else {
                String::new()
            };
            format!("{} {}{per}", esc(&c.name), c.connections.opened)
        })
        .collect();
    let _ = write!(s, "Connections opened: {}.", conns.join(", "));
    for cohort in cohorts(r) {
        let _ = write!(s, " {}", cohort.story(&|text| esc(text)));
    }
    let warns = warnings(r);
    if !warns.is_empty() {
        let _ = write!(s, " <b>Warning:</b> {}", warns.join(" "));
    }
    s
}

/// Which histogram of a phase to draw.
type Pick = fn(&PhaseResult) -> &Summary;

fn lines(r: &RunResult, pick: &[(Pick, bool)]) -> Vec<SpectrumLine> {
    r.clients
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            pick.iter().filter_map(move |(f, dashed)| {
                decode(f(&c.total)).map(|hist| SpectrumLine { series: i, hist, dashed: *dashed })
            })
        })
        .collect()
}

fn charts_section(out: &mut String, r: &RunResult) {
    out.push_str("<h2>Charts</h2>\n");
    let names: Vec<&str> = r.clients.iter().map(|c| c.name.as_str()).collect();
    let latency = lines(r, &[(|p| &p.latency, false), (|p| &p.service_time, true)]);
    if !latency.is_empty() {
        let svg = charts::spectrum(
            "chart-spectrum",
            "latency percentile spectrum",
            "latency (log scale)",
            &names,
            &latency,
            &[("latency from intended send (solid)", false), ("service time (dashed)", true)],
        );
        figure(
            out,
            "Latency percentile spectrum",
            &svg,
            "All phases. Latency runs from each request's intended send time (coordinated omission \
             corrected); service time from its first write to a connection. The gap between the two is \
             time spent waiting (for a connection, the scheduler or a retry).",
        );
    }
    figure(
        out,
        "Latency over time",
        &charts::latency_over_time(r),
        &format!(
            "p50 (dashed) and p99 (solid) of the requests that completed in each second; gaps are seconds \
             without completions. Shaded bands are fault windows, labelled above the plot. {MARKERS_NOTE}"
        ),
    );
    figure(
        out,
        "Throughput and errors over time",
        &charts::throughput(r),
        &format!(
            "Per client configuration: completed requests per second (line; every configuration on the same \
             scale), and under it errors per second stacked by kind on an axis of their own, from 0 to just \
             above the most errors any configuration had in a second (again the same for all), so that one \
             error a second shows beside a hundred requests. A second with any error is drawn at least {} px \
             tall, however many errors the axis must also hold; hover a bar for its counts by kind. {MARKERS_NOTE}",
            charts::MIN_ERROR_PX
        ),
    );
    for cohort in cohorts(r).iter().filter(|k| k.runs.iter().any(|run| run.record.is_some())) {
        figure(
            out,
            &cohort_heading(cohort),
            &charts::cohort(r, cohort.fault),
            "The slow-client cohort's connections at the end of each second, one panel per client \
             configuration on the same scale: connected (held open), connecting (handshake pending) and \
             closed so far (by the server, reset, refused or failed to connect). The dashed line is the \
             number of connections it meant to hold; the shaded bands are its windows, on the same time axis \
             as latency over time.",
        );
    }
    figure(
        out,
        "Connections opened per second",
        &charts::connections(r),
        "New connections each client configuration opened, per second (reuse ratio in the tables below).",
    );
    let connect = lines(r, &[(|p| &p.connect_time, false)]);
    if !connect.is_empty() {
        let svg = charts::spectrum(
            "chart-connect",
            "connect time distribution",
            "connect time (log scale)",
            &names,
            &connect,
            &[],
        );
        figure(out, "Connect time", &svg, "Time to open a TCP connection, by percentile, all phases.");
    }
    let tls = lines(r, &[(|p| &p.tls_handshake_time, false)]);
    if !tls.is_empty() {
        let svg = charts::spectrum(
            "chart-tls",
            "TLS handshake time distribution",
            "TLS handshake time (log scale)",
            &names,
            &tls,
            &[],
        );
        figure(
            out,
            "TLS handshake time",
            &svg,
            "Time of each new connection's TLS handshake, after its TCP connect (not part of connect time), by \
             percentile, all phases.",
        );
    }
    let dns = lines(r, &[(|p| &p.dns_time, false)]);
    if !dns.is_empty() {
        let svg =
            charts::spectrum("chart-dns-spectrum", "DNS time distribution", "DNS time (log scale)", &names, &dns, &[]);
        figure(
            out,
            "DNS time",
            &svg,
            "Time to look up the target's name for each new connection, by percentile, all phases (not part of \
             connect time; a failed lookup counts with the time it took).",
        );
        figure(
            out,
            "DNS time over time",
            &charts::dns_time(r),
            "The longest lookup of the requests that ended in each second; gaps are seconds without a lookup.",
        );
    }
    let ttfb = lines(r, &[(|p| &p.time_to_first_byte, false)]);
    if !ttfb.is_empty() {
        let svg = charts::spectrum(
            "chart-ttfb",
            "time to first byte distribution",
            "time to first byte (log scale)",
            &names,
            &ttfb,
            &[],
        );
        figure(
            out,
            "Time to first byte",
            &svg,
            "From the first write of a request to the first byte of its response, by percentile, all phases.",
        );
    }
}

/// What the event markers under the charts over time mean (both captions say it).
const MARKERS_NOTE: &str = "Under each configuration's plot, when anything happened, a strip marks it: \
     fault windows switching on ([) and off (]), the built-in mock's serverless cold starts (▲), \
     freezes (▼, when the instance's idle time ran out) and requests that met a frozen instance's \
     connection (✕), and the client's retries (○, in the second their request ended). Each kind has its \
     own lane; hover a marker for its count.";

struct Column {
    head: &'static str,
    /// The gate metric that judges a change of it against the noise (a gate key's word), if any.
    gate: Option<&'static str>,
    value: fn(&PhaseResult) -> Option<f64>,
    show: fn(f64, &PhaseResult) -> String,
    better: Better,
}

impl Column {
    /// The change from `base` to `p`, judged against both sides' noise when the column has a gate metric.
    fn delta(&self, base: &PhaseResult, p: &PhaseResult) -> Option<Delta> {
        let delta = Delta::between((self.value)(base)?, (self.value)(p)?);
        let Some(metric) = self.gate.and_then(crate::gate::metrics::Metric::parse) else { return Some(delta) };
        let interval = |phase: &PhaseResult| metric.measure(&Sample::of_phase(phase, String::new())).usable_interval();
        Some(delta.judged(interval(base), interval(p)))
    }
}

fn per_connection(p: &PhaseResult) -> Option<f64> {
    (p.connections_opened > 0).then(|| p.sent as f64 / p.connections_opened as f64)
}

const COLUMNS: &[Column] = &[
    Column {
        head: "requests",
        gate: Some("rate"),
        value: |p| Some(p.sent as f64),
        show: |v, _| format!("{v:.0}"),
        better: Better::Higher,
    },
    Column {
        head: "rate/s",
        gate: Some("rate"),
        value: |p| Some(p.achieved_rate),
        show: |v, _| format!("{v:.1}"),
        better: Better::Higher,
    },
    Column {
        head: "errors",
        gate: Some("error_rate"),
        value: |p| Some(error_count(p) as f64),
        show: |v, p| format!("{v:.0} ({})", pct(p.error_rate)),
        better: Better::Lower,
    },
    latency_column("p50", Some("p50"), |p| lat(p, p.latency.p50_us)),
    latency_column("p90", Some("p90"), |p| lat(p, p.latency.p90_us)),
    latency_column("p99", Some("p99"), |p| lat(p, p.latency.p99_us)),
    latency_column("p99.9", Some("p99.9"), |p| lat(p, p.latency.p999_us)),
    latency_column("max", None, |p| lat(p, p.latency.max_us)),
    Column {
        head: "conns opened",
        gate: Some("connections_opened"),
        value: |p| Some(p.connections_opened as f64),
        show: |v, _| format!("{v:.0}"),
        better: Better::Lower,
    },
    Column {
        head: "requests / conn",
        gate: None,
        value: per_connection,
        show: |v, _| format!("{v:.1}"),
        better: Better::Higher,
    },
    Column {
        head: "reuse",
        gate: Some("reuse_ratio"),
        value: |p| Some(p.reuse_ratio),
        show: |v, _| pct(v),
        better: Better::Higher,
    },
];

/// A latency percentile's column: shown in µs–s, lower is better.
const fn latency_column(
    head: &'static str,
    gate: Option<&'static str>,
    value: fn(&PhaseResult) -> Option<f64>,
) -> Column {
    Column { head, gate, value, show: |v, _| fmt_us(v as u64), better: Better::Lower }
}

fn lat(p: &PhaseResult, us: u64) -> Option<f64> {
    (p.latency.count > 0).then_some(us as f64)
}

fn tables(out: &mut String, r: &RunResult) {
    out.push_str(
        "<h2>Results by phase</h2>\n<p class=\"meta\">Latency is from the intended send time. Under each value: its \
         difference from the first configuration, <span class=\"better\">green</span> when better, \
         <span class=\"worse\">red</span> when worse (lower is better for latencies, errors and connections opened).</p>\n",
    );
    let first = &r.clients[0];
    for phase in &Phase::list(first) {
        let get = |c| phase.of(c);
        let _ = writeln!(out, "<h3>{}</h3>\n<table>\n<tr><th class=\"name\">client</th>", phase_heading(phase, first));
        for col in COLUMNS {
            let _ = write!(out, "<th>{}</th>", col.head);
        }
        out.push_str("<th class=\"name\">errors by kind</th></tr>\n");
        let base = get(first);
        for (i, c) in r.clients.iter().enumerate() {
            let _ = write!(out, "<tr><td class=\"name\">{}{}</td>", swatch(i), esc(&c.name));
            let Some(p) = get(c) else {
                let _ = writeln!(out, "<td colspan=\"{}\">did not run this phase</td></tr>", COLUMNS.len() + 1);
                continue;
            };
            for col in COLUMNS {
                match (col.value)(p) {
                    Some(v) => {
                        let d = base.filter(|_| i > 0).and_then(|b| col.delta(b, p));
                        out.push_str(&value_cell(&(col.show)(v, p), d, col.better));
                    }
                    None => out.push_str("<td>—</td>"),
                }
            }
            let _ = writeln!(out, "<td class=\"kinds\">{}</td></tr>", error_kinds(&p.errors));
        }
        out.push_str("</table>\n");
    }
    connections_table(out, r);
    cohorts_table(out, r);
    counters_table(out, r);
}

/// `slowloris: 300 connections, 20s–40s` (escaped).
fn cohort_heading(k: &Cohort) -> String {
    let conns = k.connections_label().map(|n| format!(" {n},")).unwrap_or_default();
    format!("{}:{conns} {}", esc(k.kind), k.windows_label())
}

/// Each slow-client cohort's fates, a row per configuration that recorded it.
fn cohorts_table(out: &mut String, r: &RunResult) {
    let all = cohorts(r);
    if all.iter().all(|k| k.runs.iter().all(|run| run.record.is_none())) {
        return;
    }
    out.push_str(
        "<h3>Slow-client cohorts</h3>\n<p class=\"meta\">What became of each cohort's connections. Every attempt \
         ends held to the end, closed by the server, reset, refused or failed to connect; answered counts those \
         the server ended after sending response bytes; held for is how long those it ended had been open.</p>\n\
         <table>\n<tr><th class=\"name\">cohort</th><th class=\"name\">client</th>",
    );
    for col in &FATE_COLUMNS {
        let _ = write!(out, "<th>{}</th>", col.head);
    }
    out.push_str("<th>held for p50</th><th>held for max</th></tr>\n");
    for k in &all {
        for run in &k.runs {
            let Some(c) = run.record else { continue };
            let _ = write!(
                out,
                "<tr><td class=\"name\">{} (fault {})</td><td class=\"name\">{}{}</td>",
                esc(k.kind),
                k.fault,
                swatch(run.client),
                esc(run.name)
            );
            for col in &FATE_COLUMNS {
                let _ = write!(out, "<td>{}</td>", (col.value)(c));
            }
            let held = |us: u64| if c.held_for.count > 0 { fmt_us(us) } else { "—".to_string() };
            let _ = writeln!(out, "<td>{}</td><td>{}</td></tr>", held(c.held_for.p50_us), held(c.held_for.max_us));
        }
    }
    out.push_str("</table>\n");
}

fn connections_table(out: &mut String, r: &RunResult) {
    out.push_str(
        "<h3>Connection lifecycle</h3>\n<table>\n<tr><th class=\"name\">client</th><th>opened</th><th>closed by peer</th>\
         <th>closed idle</th><th>closed by client</th><th>reuse ratio</th><th>requests / connection (mean)</th>\
         <th>requests / connection (max)</th><th>retries</th><th>DNS p99</th><th>connect p99</th><th>TTFB p99</th></tr>\n",
    );
    for (i, c) in r.clients.iter().enumerate() {
        let k = &c.connections;
        let p99 = |s: &Summary| if s.count > 0 { fmt_us(s.p99_us) } else { "—".to_string() };
        let _ = writeln!(
            out,
            "<tr><td class=\"name\">{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            swatch(i),
            esc(&c.name),
            k.opened,
            k.closed_by_peer,
            k.closed_idle,
            k.closed_by_client,
            pct(k.reuse_ratio),
            k.requests_per_connection_mean,
            k.requests_per_connection_max,
            c.total.retries,
            p99(&c.total.dns_time),
            p99(&c.total.connect_time),
            p99(&c.total.time_to_first_byte),
        );
    }
    out.push_str("</table>\n");
}

/// The counts of `value` named `prefix` + key, a table's within named by both keys (`dns answers
/// servfail`); lists (each fault's hits) are left to result.json.
fn counters(out: &mut Vec<(String, u64)>, prefix: &str, value: &serde_json::Value) {
    let Some(map) = value.as_object() else { return };
    for (key, value) in map {
        match value {
            serde_json::Value::Object(_) => counters(out, &format!("{prefix}{key} "), value),
            _ => out.extend(value.as_u64().map(|n| (format!("{prefix}{key}"), n))),
        }
    }
}

/// A client's index, the client and its target counters by name.
type Counters<'a> = (usize, &'a ClientResult, Vec<(String, u64)>);

/// What the built-in mock, the chaos proxy, the DNS stub and the resolver counted, when they were in the path.
fn counters_table(out: &mut String, r: &RunResult) {
    let rows: Vec<Counters> = r
        .clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = Vec::new();
            if let Some(m) = &c.mock {
                counters(&mut v, "mock ", &serde_json::to_value(m).unwrap_or_default());
            }
            if let Some(p) = &c.proxy {
                counters(&mut v, "proxy ", &serde_json::to_value(p).unwrap_or_default());
            }
            if let Some(d) = &c.dns {
                counters(&mut v, "dns ", &serde_json::to_value(d).unwrap_or_default());
            }
            if let Some(r) = &c.resolver {
                counters(&mut v, "resolver ", &serde_json::to_value(r).unwrap_or_default());
            }
            (i, c, v)
        })
        .collect();
    let Some((_, _, first)) = rows.iter().find(|(_, _, v)| !v.is_empty()) else {
        return;
    };
    // Only the counters that are not zero for every configuration.
    let heads: Vec<&String> = first
        .iter()
        .map(|(k, _)| k)
        .filter(|k| rows.iter().any(|(_, _, v)| v.iter().any(|(k2, n)| k2 == *k && *n > 0)))
        .collect();
    if heads.is_empty() {
        return;
    }
    out.push_str("<h3>Counters of the mock, the proxy, the DNS stub and the resolver</h3>\n<table>\n<tr><th class=\"name\">client</th>");
    for h in &heads {
        let _ = write!(out, "<th>{}</th>", esc(&h.replace('_', " ")));
    }
    out.push_str("</tr>\n");
    for (i, c, v) in &rows {
        let _ = write!(out, "<tr><td class=\"name\">{}{}</td>", swatch(*i), esc(&c.name));
        for h in &heads {
            match v.iter().find(|(k, _)| k == *h) {
                Some((_, n)) => {
                    let _ = write!(out, "<td>{n}</td>");
                }
                None => out.push_str("<td>—</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

fn scenario_section(out: &mut String, r: &RunResult) {
    let text = serde_json::to_string_pretty(&r.scenario).unwrap_or_default();
    let _ = writeln!(
        out,
        "<h2>Scenario</h2>\n<details><summary>The fully defaulted scenario ({})</summary>\n<pre>{}</pre>\n</details>",
        esc(&r.scenario_file),
        esc(&text)
    );
}
