//! The self-contained HTML page: header, a plain-words summary, inline SVG charts and tables.
//!
//! Everything from the scenario or the result is escaped with [`esc`]; the page loads nothing
//! (no scripts, fonts, styles or images from anywhere) and reads the same with JavaScript off.

use super::charts::{self, client_color, css, SpectrumLine};
use super::compare::{Better, Delta, Stats};
use crate::record::Hist;
use crate::result::{ClientResult, FaultWindows, PhaseResult, RunResult, Summary};
use crate::summary::fmt_us;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Scheduler lag p99 beyond which the page warns that chaosload itself was a bottleneck (as the
/// terminal summary does).
const LAG_WARNING_US: u64 = 10_000;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0 auto;max-width:1160px;padding:16px 24px 48px;color:#1f2328;line-height:1.45}
h1{margin:0 0 4px;font-size:26px}h2{margin:32px 0 8px;font-size:20px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{margin:24px 0 4px;font-size:16px}
.meta{color:#57606a;font-size:14px}.meta b{color:#1f2328;font-weight:600}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}
.banner.error{background:#ffebe9;border:1px solid #cf222e;color:#82071e}
.banner.warn{background:#fff8c5;border:1px solid #bf8700;color:#633c01}
.story{font-size:15px;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px}
figure{margin:8px 0 20px}figcaption{font-size:13px;color:#57606a;margin-top:2px}
svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;font-size:13px;margin:6px 0 14px;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #d8dee4;padding:4px 8px;text-align:right;vertical-align:top}
td{white-space:nowrap}
th{background:#f6f8fa;font-weight:600}td.name,th.name{text-align:left;white-space:nowrap}
td.kinds{text-align:left;max-width:220px;white-space:normal}
.d{display:block;font-size:11px;color:#57606a}.better{color:#1a7f37}.worse{color:#cf222e}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
pre{background:#f6f8fa;padding:10px;overflow:auto;font-size:12px}
"#;

/// A page's start, through `<body>`: the title (escaped here) and the shared style, nothing loaded.
pub(super) fn page_start(title: &str) -> String {
    let mut out = String::with_capacity(512 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    );
    out
}

pub(super) const PAGE_END: &str = "</body>\n</html>\n";

/// Renders the report for `result` as one self-contained HTML document.
pub fn render(result: &RunResult) -> String {
    let mut out = page_start(&format!("chaosload — {}", result.scenario_name));
    header(&mut out, result);
    banners(&mut out, result);
    let _ = writeln!(out, "<h2>What happened</h2>\n<p class=\"story\">{}</p>", story(result));
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

pub(super) fn fmt_ms(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", ms as f64 / 1000.0)
    }
}

pub(super) fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
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

/// Loud warnings (already escaped): the scenario's own, overflow, scheduler lag, unfinished requests.
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
        if t.scheduler_lag.count > 0 && t.scheduler_lag.p99_us > LAG_WARNING_US {
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
    let others = |best: &ClientResult, f: &dyn Fn(&ClientResult) -> String| -> String {
        r.clients
            .iter()
            .filter(|c| !std::ptr::eq(*c, best))
            .map(|c| format!("{} for {}", f(c), esc(&c.name)))
            .collect::<Vec<_>>()
            .join(", ")
    };
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
        let best = r
            .clients
            .iter()
            .min_by(|a, b| a.total.error_rate.total_cmp(&b.total.error_rate))
            .expect("clients is not empty");
        let tie = r.clients.iter().filter(|c| c.total.error_rate == best.total.error_rate).count() > 1;
        let _ = write!(
            s,
            "<b>{}</b> had {} errors: {}, against {}. ",
            esc(&best.name),
            if tie { "(jointly) the fewest" } else { "the fewest" },
            errors(best),
            others(best, &errors)
        );
    }
    let with_latency: Vec<&ClientResult> = r.clients.iter().filter(|c| c.total.latency.count > 0).collect();
    if n > 1 && !with_latency.is_empty() {
        let best = with_latency.iter().min_by_key(|c| c.total.latency.p99_us).expect("not empty");
        let _ = write!(
            s,
            "<b>{}</b> had the lowest p99 latency, {}, against {}. ",
            esc(&best.name),
            fmt_us(best.total.latency.p99_us),
            others(best, &|c| fmt_us(c.total.latency.p99_us))
        );
    } else if let Some(c) = with_latency.first() {
        let _ = write!(
            s,
            "Its p99 latency was {} (p50 {}). ",
            fmt_us(c.total.latency.p99_us),
            fmt_us(c.total.latency.p50_us)
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
    let warns = warnings(r);
    if !warns.is_empty() {
        let _ = write!(s, " <b>Warning:</b> {}", warns.join(" "));
    }
    s
}

/// A summary's histogram, decoded from result.json's base64; `None` when it recorded nothing.
pub(super) fn decode(s: &Summary) -> Option<Hist> {
    if s.count == 0 || s.hdr.is_empty() {
        return None;
    }
    Hist::decode_base64(&s.hdr).ok().filter(|h| !h.is_empty())
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

pub(super) fn figure(out: &mut String, title: &str, svg: &str, caption: &str) {
    let _ = writeln!(out, "<figure>\n<h3>{title}</h3>\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>");
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
        "p50 (dashed) and p99 (solid) of the requests that completed in each second; gaps are seconds \
         without completions. Shaded bands are fault windows, labelled above the plot.",
    );
    figure(
        out,
        "Throughput and errors over time",
        &charts::throughput(r),
        "Completed requests per second (line) with errors per second stacked by kind (areas), one panel \
         per client configuration, on the same scale.",
    );
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

/// A change in % under a table value, green when better and red when worse (`new` from zero).
pub(super) fn delta_span(d: &Delta, better: Better) -> String {
    let text = if d.pct.is_none() { "new".to_string() } else { d.format_pct() };
    match d.verdict(better) {
        Some(good) => format!("<span class=\"d {}\">{text}</span>", if good { "better" } else { "worse" }),
        None => format!("<span class=\"d\">{text}</span>"),
    }
}

/// A table cell: a value and, when there is a baseline, its change from it.
pub(super) fn value_cell(shown: &str, value: f64, base: Option<f64>, better: Better) -> String {
    let d = base.map(|b| delta_span(&Delta::between(b, value), better)).unwrap_or_default();
    format!("<td>{shown}{d}</td>")
}

/// Errors by kind, for a table cell: `http_503 4, reset 10`, or `—`.
pub(super) fn error_kinds(errors: &BTreeMap<String, u64>) -> String {
    let kinds: Vec<String> = errors.iter().map(|(k, v)| format!("{} {v}", esc(k))).collect();
    if kinds.is_empty() {
        "—".into()
    } else {
        kinds.join(", ")
    }
}

struct Column {
    head: &'static str,
    value: fn(&PhaseResult) -> Option<f64>,
    show: fn(f64, &PhaseResult) -> String,
    better: Better,
}

fn per_connection(p: &PhaseResult) -> Option<f64> {
    (p.connections_opened > 0).then(|| p.sent as f64 / p.connections_opened as f64)
}

const COLUMNS: &[Column] = &[
    Column { head: "requests", value: |p| Some(p.sent as f64), show: |v, _| format!("{v:.0}"), better: Better::Higher },
    Column { head: "rate/s", value: |p| Some(p.achieved_rate), show: |v, _| format!("{v:.1}"), better: Better::Higher },
    Column {
        head: "errors",
        value: |p| Some(error_count(p) as f64),
        show: |v, p| format!("{v:.0} ({})", pct(p.error_rate)),
        better: Better::Lower,
    },
    Column { head: "p50", value: |p| lat(p, p.latency.p50_us), show: |v, _| fmt_us(v as u64), better: Better::Lower },
    Column { head: "p90", value: |p| lat(p, p.latency.p90_us), show: |v, _| fmt_us(v as u64), better: Better::Lower },
    Column { head: "p99", value: |p| lat(p, p.latency.p99_us), show: |v, _| fmt_us(v as u64), better: Better::Lower },
    Column {
        head: "p99.9",
        value: |p| lat(p, p.latency.p999_us),
        show: |v, _| fmt_us(v as u64),
        better: Better::Lower,
    },
    Column { head: "max", value: |p| lat(p, p.latency.max_us), show: |v, _| fmt_us(v as u64), better: Better::Lower },
    Column {
        head: "conns opened",
        value: |p| Some(p.connections_opened as f64),
        show: |v, _| format!("{v:.0}"),
        better: Better::Lower,
    },
    Column { head: "requests / conn", value: per_connection, show: |v, _| format!("{v:.1}"), better: Better::Higher },
    Column { head: "reuse", value: |p| Some(p.reuse_ratio), show: |v, _| pct(v), better: Better::Higher },
];

fn lat(p: &PhaseResult, us: u64) -> Option<f64> {
    (p.latency.count > 0).then_some(us as f64)
}

/// A colour square matching series `i` in the charts.
pub(super) fn swatch(i: usize) -> String {
    format!("<span class=\"sw\" style=\"background:{}\"></span>", css(client_color(i)))
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

    /// The `<h3>` heading of a row group: the phase's name, model, duration and asked-for rate.
    pub(super) fn heading(&self, first: &ClientResult) -> String {
        let model = self.of(first).map(|p| {
            let rate = p.requested_rate.map(|x| format!(", {x:.1} arrivals/s asked")).unwrap_or_default();
            format!(" <span class=\"meta\">({} model, {}{rate})</span>", esc(&p.model), fmt_ms(p.duration_ms))
        });
        format!("{}{}", esc(self.name()), model.unwrap_or_default())
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

fn tables(out: &mut String, r: &RunResult) {
    out.push_str(
        "<h2>Results by phase</h2>\n<p class=\"meta\">Latency is from the intended send time. Under each value: its \
         difference from the first configuration, <span class=\"better\">green</span> when better, \
         <span class=\"worse\">red</span> when worse (lower is better for latencies, errors and connections opened).</p>\n",
    );
    let first = &r.clients[0];
    for phase in &Phase::list(first) {
        let get = |c| phase.of(c);
        let _ = writeln!(out, "<h3>{}</h3>\n<table>\n<tr><th class=\"name\">client</th>", phase.heading(first));
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
                        let b = base.and_then(|b| (col.value)(b)).filter(|_| i > 0);
                        out.push_str(&value_cell(&(col.show)(v, p), v, b, col.better));
                    }
                    None => out.push_str("<td>—</td>"),
                }
            }
            let _ = writeln!(out, "<td class=\"kinds\">{}</td></tr>", error_kinds(&p.errors));
        }
        out.push_str("</table>\n");
    }
    connections_table(out, r);
    counters_table(out, r);
}

fn connections_table(out: &mut String, r: &RunResult) {
    out.push_str(
        "<h3>Connection lifecycle</h3>\n<table>\n<tr><th class=\"name\">client</th><th>opened</th><th>closed by peer</th>\
         <th>closed idle</th><th>closed by client</th><th>reuse ratio</th><th>requests / connection (mean)</th>\
         <th>requests / connection (max)</th><th>retries</th><th>connect p99</th><th>TTFB p99</th></tr>\n",
    );
    for (i, c) in r.clients.iter().enumerate() {
        let k = &c.connections;
        let p99 = |s: &Summary| if s.count > 0 { fmt_us(s.p99_us) } else { "—".to_string() };
        let _ = writeln!(
            out,
            "<tr><td class=\"name\">{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
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
            p99(&c.total.connect_time),
            p99(&c.total.time_to_first_byte),
        );
    }
    out.push_str("</table>\n");
}

/// A client's index, the client and its target counters by name.
type Counters<'a> = (usize, &'a ClientResult, Vec<(String, u64)>);

/// What the built-in mock and the chaos proxy counted, when they were in the path.
fn counters_table(out: &mut String, r: &RunResult) {
    let rows: Vec<Counters> = r
        .clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut v = Vec::new();
            let mut add = |prefix: &str, value: &serde_json::Value| {
                if let Some(map) = value.as_object() {
                    v.extend(map.iter().filter_map(|(k, n)| n.as_u64().map(|n| (format!("{prefix}{k}"), n))));
                }
            };
            if let Some(m) = &c.mock {
                add("mock ", &serde_json::to_value(m).unwrap_or_default());
            }
            if let Some(p) = &c.proxy {
                add("proxy ", &serde_json::to_value(p).unwrap_or_default());
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
    out.push_str("<h3>Target counters</h3>\n<table>\n<tr><th class=\"name\">client</th>");
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
