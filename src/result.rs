//! The `result.json` contract: what a run measured, for reports, comparisons and CI gates.
//!
//! `schema/result.schema.json` describes it and a test checks every written result against it.
//! Bump `SCHEMA_VERSION` on any incompatible change. Durations carry their unit in the field
//! name (`_us`, `_ms`, `_s`); histograms are HdrHistogram V2 deflate encodings in base64.

pub use crate::chaos::ProxyStats;
pub use crate::dns::DnsStats;
use crate::load::engine::ClientRecord;
pub use crate::mock::{MockSecond, MockStats};
use crate::record::{ConnStats, Hist, OutcomeCounts, PhaseStats, Timeline};
use crate::scenario::{Load, Plan};
pub use crate::slow::{CohortSecond, Fates};
use crate::vocabulary::Words;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub schema_version: u32,
    pub scenario_name: String,
    pub scenario_file: String,
    /// The fully defaulted scenario, in scenario vocabulary.
    pub scenario: serde_json::Value,
    /// UTC, RFC 3339.
    pub started_at: String,
    pub environment: Environment,
    /// Set when the run was interrupted: results cover only what ran.
    pub interrupted: bool,
    /// Set when a client configuration's run failed: results cover those before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When each fault was active, the same for every configuration (offsets from the start of
    /// each configuration's run), so reports can shade the windows.
    #[serde(default)]
    pub faults: Vec<FaultWindows>,
    /// What the scenario's validation warned of (see `Plan::warnings`), for the report to repeat.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    pub clients: Vec<ClientResult>,
    /// The verdicts of the scenario's `[gate]` (and of `--baseline`), when it has gates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<crate::gate::verdict::GateReport>,
    /// The scenario's sweeps of which this run selected at least two members; absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sweeps: Vec<SweepResult>,
}

/// A `[[client]]`'s `sweep = { knob = [values] }`: the configurations it became, value for value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The `[[client]]`'s own name.
    pub client: String,
    /// The `[[client]]` key its configurations differ in.
    pub knob: String,
    /// Each value as scenario vocabulary writes it (`"1s"`, `"4"`, `"unlimited"`), in the order given.
    pub values: Vec<String>,
    /// The configuration (`clients[].name`) of each value, index for index.
    pub members: Vec<String>,
}

impl SweepResult {
    /// The plan's sweeps, each with the members `selected` holds, in the plan's order; a sweep
    /// with fewer than two of them selected is left out (one value is no sweep).
    pub fn of(plan: &Plan, selected: impl Fn(&str) -> bool) -> Vec<SweepResult> {
        plan.sweeps
            .iter()
            .filter_map(|sweep| {
                let (values, members): (Vec<String>, Vec<String>) = sweep
                    .words()
                    .into_iter()
                    .zip(&sweep.members)
                    .filter(|(_, member)| selected(member))
                    .map(|(word, member)| (word, member.clone()))
                    .unzip();
                (members.len() >= 2).then(|| SweepResult {
                    client: sweep.client.clone(),
                    knob: sweep.knob.clone(),
                    values,
                    members,
                })
            })
            .collect()
    }
}

impl RunResult {
    /// Reads a result.json, refusing one of another schema version.
    pub fn load(path: &std::path::Path) -> anyhow::Result<RunResult> {
        use anyhow::Context as _;
        let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        RunResult::parse(&text, path)
    }

    /// A result.json's bytes as [`RunResult::load`] checks them; `path` names the file in errors.
    pub fn parse(text: &[u8], path: &std::path::Path) -> anyhow::Result<RunResult> {
        use anyhow::Context as _;
        let value: serde_json::Value =
            serde_json::from_slice(text).with_context(|| format!("{} is not JSON", path.display()))?;
        match value.get("schema_version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => anyhow::bail!(
                "{} has schema_version {v}; this chaosload reads {SCHEMA_VERSION} (use the chaosload that wrote it)",
                path.display()
            ),
            None => anyhow::bail!("{} is not a chaosload result.json (no schema_version)", path.display()),
        }
        if let Some(at) = control_character_at(&value, String::new()) {
            anyhow::bail!(
                "{}: {at} holds a control character, which chaosload never writes there: the file is damaged or not a \
                 chaosload result",
                path.display()
            );
        }
        let result: RunResult = serde_json::from_value(value)
            .with_context(|| format!("{} does not match the result.json schema", path.display()))?;
        result.check_histograms().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(result)
    }

    /// Every histogram decodes, and a summary's holds as many values as it counts, so a report
    /// or a comparison never silently leaves out what it cannot read. The error names the
    /// configuration, the phase or second, and the field.
    pub fn check_histograms(&self) -> Result<(), String> {
        fn fields(p: &PhaseResult) -> [(&'static str, &Summary); 7] {
            [
                ("latency", &p.latency),
                ("service_time", &p.service_time),
                ("time_to_first_byte", &p.time_to_first_byte),
                ("dns_time", &p.dns_time),
                ("connect_time", &p.connect_time),
                ("tls_handshake_time", &p.tls_handshake_time),
                ("scheduler_lag", &p.scheduler_lag),
            ]
        }
        fn check(summary: &Summary, at: impl Fn() -> String) -> Result<(), String> {
            match decoded(&summary.hdr) {
                Err(e) => Err(format!("{}: {e}", at())),
                Ok(n) if n != summary.count => Err(format!(
                    "{}: the histogram holds {n} values but count is {}: not this summary's histogram",
                    at(),
                    summary.count
                )),
                Ok(_) => Ok(()),
            }
        }
        for client in &self.clients {
            let place = |at: String, field: &str| format!("client \"{}\", {at}, {field}.hdr", client.name);
            for phase in std::iter::once(&client.total).chain(&client.phases) {
                for (field, summary) in fields(phase) {
                    check(summary, || place(format!("phase \"{}\"", phase.name), field))?;
                }
            }
            for cohort in &client.cohorts {
                check(&cohort.held_for, || place(format!("cohort of fault {}", cohort.fault), "held_for"))?;
            }
            for second in &client.timeline {
                decoded(&second.hdr)
                    .map_err(|e| format!("{}: {e}", place(format!("timeline second {}", second.t_s), "latency")))?;
            }
        }
        Ok(())
    }

    /// The settings each configuration of the scenario ran with, a sweep's members each with its
    /// value: the normalized scenario's `client` tables, sweeps expanded.
    pub fn configurations(&self) -> Vec<serde_json::Value> {
        crate::scenario::configurations(self.scenario.get("client").unwrap_or(&serde_json::Value::Null))
    }

    /// The scenario's seed as written, or `unknown` for a result without one.
    pub fn seed(&self) -> String {
        match self.scenario.get("seed") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) if !v.is_null() => v.to_string(),
            _ => "unknown".to_string(),
        }
    }
}

/// The JSON path of the first string (or key) holding a control character, outside `scenario`
/// (the request body there may hold anything) and `error` (a message). Names, error kinds and
/// labels never do, so nothing shown on a terminal from a result can drive it.
fn control_character_at(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => crate::escape::has_controls(s).then_some(at),
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| control_character_at(v, format!("{at}[{i}]")))
        }
        Value::Object(map) => map.iter().find_map(|(key, v)| {
            let path = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
            if at.is_empty() && (key == "scenario" || key == "error") {
                None
            } else if crate::escape::has_controls(key) {
                Some(crate::escape::escape_controls(&path).into_owned())
            } else {
                control_character_at(v, path)
            }
        }),
        _ => None,
    }
}

/// How many values the base64 histogram `hdr` holds (0 when empty), or why it is not one.
fn decoded(hdr: &str) -> Result<u64, String> {
    if hdr.is_empty() {
        return Ok(0);
    }
    Hist::decode_base64(hdr).map(|h| h.len()).map_err(|e| {
        format!("not an HdrHistogram (V2 deflate, base64): {e:#}; the file is damaged, use the run's own copy")
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultWindows {
    /// The fault's `label`, when the scenario gave it one (gates scope by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub kind: String,
    pub layer: String,
    pub probability: f64,
    pub windows: Vec<Window>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start_ms: u64,
    pub end_ms: u64,
}

/// Where a timeline second `[t, t + 1 s)` lies against a fault's windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondPlace {
    /// Wholly inside a window.
    Inside,
    /// Wholly outside, and over before the first window starts.
    Before,
    /// Wholly outside, after the first window started (between windows or after the last).
    Later,
    /// Partly in a window: its requests mix both sides, so it counts on neither.
    Straddles,
}

impl SecondPlace {
    pub fn of(t_s: u64, windows: &[Window]) -> SecondPlace {
        let (start, end) = (t_s * 1000, t_s * 1000 + 1000);
        let covered: u64 = windows.iter().map(|w| end.min(w.end_ms).saturating_sub(start.max(w.start_ms))).sum();
        let first = windows.iter().map(|w| w.start_ms).min().unwrap_or(u64::MAX);
        match covered {
            0 if end <= first => SecondPlace::Before,
            0 => SecondPlace::Later,
            c if c >= 1000 => SecondPlace::Inside,
            _ => SecondPlace::Straddles,
        }
    }
}

impl FaultWindows {
    /// The activation windows of every fault in `plan` within its phases and drain.
    pub fn of(plan: &Plan) -> Vec<FaultWindows> {
        let until = plan.run_length();
        plan.faults
            .iter()
            .zip(&plan.fault_labels)
            .map(|(fault, label)| FaultWindows {
                label: label.clone(),
                kind: fault.kind.name().to_string(),
                layer: fault.layer().word().to_string(),
                probability: fault.probability,
                windows: fault
                    .windows(until)
                    .into_iter()
                    .map(|(start, end)| Window { start_ms: start.as_millis() as u64, end_ms: end.as_millis() as u64 })
                    .collect(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Environment {
    pub chaosload_version: String,
    pub cores: usize,
    pub os: String,
    pub arch: String,
    pub load_threads: usize,
}

impl Environment {
    pub fn current(plan: &Plan) -> Environment {
        Environment {
            chaosload_version: env!("CARGO_PKG_VERSION").to_string(),
            cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            load_threads: plan.threads,
        }
    }

    /// `4 cores, linux/x86_64, 1 load thread`.
    pub fn describe(&self) -> String {
        let threads = if self.load_threads == 1 { "" } else { "s" };
        format!("{} cores, {}/{}, {} load thread{threads}", self.cores, self.os, self.arch, self.load_threads)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientResult {
    pub name: String,
    /// UTC, RFC 3339 with milliseconds: when this configuration's run began (second 0 of its
    /// timeline and of its fault windows).
    #[serde(default)]
    pub started_at: String,
    /// Wall time of this configuration's run, drain included.
    pub duration_ms: u64,
    /// All phases together.
    pub total: PhaseResult,
    pub phases: Vec<PhaseResult>,
    pub connections: Connections,
    /// One entry per second of the run, by completion time.
    pub timeline: Vec<SecondResult>,
    /// Counters reported by the built-in mock, when it was the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mock: Option<MockStats>,
    /// The built-in mock's events per second (`t_s` as in `timeline`), from second 0 to the last
    /// second with one; absent when it had none (or was not the target).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mock_timeline: Vec<MockSecond>,
    /// Counters reported by the chaos proxy, when proxy faults put it in the path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyStats>,
    /// Counters reported by the DNS stub, when the scenario has `[dns]` or dns faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsStats>,
    /// What the configuration's resolver did, when its target was a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolver: Option<crate::client::ResolverStats>,
    /// The slow-client cohorts that ran beside this configuration's traffic (layer `clients`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cohorts: Vec<CohortResult>,
}

/// One slow-client cohort: how its connections fared, in total and second by second.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CohortResult {
    /// The cohort's `[[fault]]` index (its window is `faults[]`'s entry of that index).
    pub fault: usize,
    /// `slowloris`, `slow_post` or `slow_read`.
    pub kind: String,
    /// Connections it meant to hold at once.
    pub connections: u64,
    #[serde(flatten)]
    pub fates: Fates,
    /// The most connections it held open at once.
    pub peak_connected: u64,
    /// How long the connections the server ended (closed or reset) had been open.
    pub held_for: Summary,
    /// Its connections' states per second of the run (`t_s` as in `timeline`).
    pub timeline: Vec<CohortSecond>,
}

impl CohortResult {
    pub fn of(record: &crate::slow::CohortRecord) -> CohortResult {
        CohortResult {
            fault: record.fault,
            kind: record.kind.to_string(),
            connections: record.connections,
            fates: record.fates,
            peak_connected: record.peak_connected,
            held_for: Summary::of(&record.held_for),
            timeline: record.timeline.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhaseResult {
    pub name: String,
    /// How long the phase ran: `planned_duration_ms`, or less when a stop (a signal) cut it
    /// short (0 for a phase that never started). The rates divide by it.
    pub duration_ms: u64,
    /// The phase's duration in the scenario (absent in results written before it was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_duration_ms: Option<u64>,
    /// "open" or "closed".
    pub model: String,
    /// Open model: the arrival rate the scenario asked for, averaged over the time the phase ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_rate: Option<f64>,
    /// Arrivals the schedule produced (sent + overflow).
    pub arrivals: u64,
    /// Requests sent (arrivals − overflow).
    pub sent: u64,
    /// Requests sent per second of the time the phase really took: sent ÷ `duration_ms`, or
    /// ÷ the time until its last request went out, if that was later.
    pub achieved_rate: f64,
    /// Requests that ended (successfully or not; overflow excluded).
    pub completed: u64,
    pub ok: u64,
    /// Errors by kind (`reset`, `http_503`, `overflow`, `unfinished`…), zero counts omitted.
    pub errors: BTreeMap<String, u64>,
    /// Errors over sent requests plus overflow.
    pub error_rate: f64,
    pub retries: u64,
    /// Attempts the client's silent retry rule made (`silent_retry`), never in `retries`.
    #[serde(default)]
    pub hidden_retries: u64,
    /// What those silent retries hid, by kind: the failures the user never saw.
    #[serde(default)]
    pub hidden_errors: BTreeMap<String, u64>,
    pub connections_opened: u64,
    /// Share of sent requests that went out on a reused connection.
    pub reuse_ratio: f64,
    /// From intended send time to the end of the response (coordinated-omission corrected).
    pub latency: Summary,
    /// From the first write to a connection to the end of the response.
    pub service_time: Summary,
    pub time_to_first_byte: Summary,
    /// Name lookups of new connections (absent in results written before names were resolved).
    #[serde(default = "Summary::empty")]
    pub dns_time: Summary,
    pub connect_time: Summary,
    /// TLS handshakes of new connections (absent in results written before https targets).
    #[serde(default = "Summary::empty")]
    pub tls_handshake_time: Summary,
    /// How late the engine dispatched arrivals (open model). High values mean chaosload itself lagged.
    pub scheduler_lag: Summary,
}

/// Percentiles of one histogram, in microseconds, plus the histogram itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary {
    pub count: u64,
    pub min_us: u64,
    pub mean_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
    /// HdrHistogram V2 deflate, base64 (empty when count is 0).
    pub hdr: String,
}

impl Summary {
    /// The summary of no values.
    pub fn empty() -> Summary {
        Summary {
            count: 0,
            min_us: 0,
            mean_us: 0.0,
            p50_us: 0,
            p90_us: 0,
            p99_us: 0,
            p999_us: 0,
            max_us: 0,
            hdr: String::new(),
        }
    }

    pub fn of(h: &Hist) -> Summary {
        if h.is_empty() {
            return Summary::empty();
        }
        let inner = h.inner();
        Summary {
            count: h.len(),
            min_us: inner.min(),
            mean_us: (inner.mean() * 10.0).round() / 10.0,
            p50_us: h.quantile_us(0.5),
            p90_us: h.quantile_us(0.9),
            p99_us: h.quantile_us(0.99),
            p999_us: h.quantile_us(0.999),
            max_us: inner.max(),
            hdr: h.encode_base64(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Connections {
    pub opened: u64,
    pub closed_by_peer: u64,
    pub closed_idle: u64,
    pub closed_by_client: u64,
    /// TLS handshakes that resumed an earlier session (absent before https targets).
    #[serde(default)]
    pub tls_resumed: u64,
    pub reuse_ratio: f64,
    /// Requests per connection, over connections that closed during the run.
    pub requests_per_connection_mean: f64,
    pub requests_per_connection_max: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecondResult {
    /// Seconds since the start of this configuration's run.
    pub t_s: u64,
    pub completed: u64,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    pub connections_opened: u64,
    /// Name lookups of requests that ended in this second, and the longest of them.
    #[serde(default)]
    pub dns_lookups: u64,
    #[serde(default)]
    pub dns_max_us: u64,
    /// Retries (attempts after the first) of the requests that ended in this second.
    #[serde(default)]
    pub retries: u64,
    /// Silent retries (the client's own, `silent_retry`) of the requests that ended in this second.
    #[serde(default)]
    pub hidden_retries: u64,
    pub latency_p50_us: u64,
    pub latency_p99_us: u64,
    pub latency_max_us: u64,
    /// This second's latency histogram (HdrHistogram V2 deflate, base64; empty if none).
    pub hdr: String,
}

fn error_map(counts: &OutcomeCounts) -> BTreeMap<String, u64> {
    counts.errors().map(|(kind, n)| (kind.name(), n)).collect()
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// A phase's time: what the scenario planned and what really ran (less when a stop cut it short).
#[derive(Debug, Clone, Copy)]
struct PhaseTime {
    start: std::time::Instant,
    planned: std::time::Duration,
    ran: std::time::Duration,
}

impl PhaseResult {
    fn build(name: &str, time: PhaseTime, load: Option<&Load>, stats: &PhaseStats) -> PhaseResult {
        let overflow = stats.outcomes.error(crate::record::ErrorKind::Overflow);
        let sent = stats.arrivals.saturating_sub(overflow);
        let secs = time.ran.as_secs_f64();
        let (model, requested_rate) = match load {
            Some(Load::Open { .. }) => {
                ("open", (secs > 0.0).then(|| (stats.arrivals as f64 / secs * 100.0).round() / 100.0))
            }
            Some(Load::Closed { .. }) => ("closed", None),
            None => ("mixed", None),
        };
        PhaseResult {
            name: name.to_string(),
            duration_ms: time.ran.as_millis() as u64,
            planned_duration_ms: Some(time.planned.as_millis() as u64),
            model: model.to_string(),
            requested_rate,
            arrivals: stats.arrivals,
            sent,
            achieved_rate: (stats.achieved_rate(sent, time.start, time.ran) * 100.0).round() / 100.0,
            completed: stats.outcomes.total() - overflow,
            ok: stats.outcomes.ok,
            errors: error_map(&stats.outcomes),
            error_rate: ratio(stats.outcomes.total_errors(), stats.outcomes.total()),
            retries: stats.retries,
            hidden_retries: stats.hidden_retries,
            hidden_errors: error_map(&stats.hidden_errors),
            connections_opened: stats.connections_opened,
            reuse_ratio: ratio(stats.reused, sent),
            latency: Summary::of(&stats.latency),
            service_time: Summary::of(&stats.service),
            time_to_first_byte: Summary::of(&stats.ttfb),
            dns_time: Summary::of(&stats.dns),
            connect_time: Summary::of(&stats.connect),
            tls_handshake_time: Summary::of(&stats.tls),
            scheduler_lag: Summary::of(&stats.scheduler_lag),
        }
    }
}

impl ClientResult {
    pub fn build(
        plan: &Plan,
        name: &str,
        record: &ClientRecord,
        wall: std::time::Duration,
        mock: Option<MockStats>,
    ) -> ClientResult {
        let epoch = record.recorder.epoch();
        // Phase i starts where the plan puts it; it ran for what the engine measured (nothing if
        // a stop came before it).
        let times: Vec<PhaseTime> = plan
            .phases
            .iter()
            .zip(&record.recorder.phases)
            .scan(epoch, |start, (phase, stats)| {
                let time = PhaseTime { start: *start, planned: phase.duration, ran: stats.ran_for.unwrap_or_default() };
                *start = crate::timer::after(*start, phase.duration);
                Some(time)
            })
            .collect();
        let phases: Vec<PhaseResult> = plan
            .phases
            .iter()
            .zip(&record.recorder.phases)
            .zip(&times)
            .map(|((phase, stats), time)| PhaseResult::build(&phase.name, *time, Some(&phase.load), stats))
            .collect();
        let mut all = PhaseStats::default();
        for stats in &record.recorder.phases {
            all.merge(stats);
        }
        let total_load =
            match plan.phases.iter().map(|p| std::mem::discriminant(&p.load)).collect::<Vec<_>>().as_slice() {
                [first, rest @ ..] if rest.iter().all(|d| d == first) => Some(&plan.phases[0].load),
                _ => None,
            };
        let total_time = PhaseTime {
            start: epoch,
            planned: plan.phases_length(),
            ran: times.iter().fold(std::time::Duration::ZERO, |sum, t| sum.saturating_add(t.ran)),
        };
        let total = PhaseResult::build("total", total_time, total_load, &all);
        ClientResult {
            name: name.to_string(),
            started_at: String::new(),
            duration_ms: wall.as_millis() as u64,
            connections: Connections::build(&record.connections, &all),
            total,
            phases,
            timeline: record
                .recorder
                .timeline
                .seconds
                .iter()
                .enumerate()
                .map(|(t, s)| {
                    let h = Timeline::latency_of(s);
                    SecondResult {
                        t_s: t as u64,
                        completed: s.outcomes.total() - s.outcomes.error(crate::record::ErrorKind::Overflow),
                        ok: s.outcomes.ok,
                        errors: error_map(&s.outcomes),
                        connections_opened: s.connections_opened,
                        dns_lookups: s.dns_lookups,
                        dns_max_us: u64::try_from(s.dns_max.as_micros()).unwrap_or(u64::MAX),
                        retries: s.retries,
                        hidden_retries: s.hidden_retries,
                        latency_p50_us: if h.is_empty() { 0 } else { h.quantile_us(0.5) },
                        latency_p99_us: if h.is_empty() { 0 } else { h.quantile_us(0.99) },
                        latency_max_us: h.inner().max(),
                        hdr: if h.is_empty() { String::new() } else { h.encode_base64() },
                    }
                })
                .collect(),
            mock,
            mock_timeline: Vec::new(),
            proxy: None,
            dns: None,
            resolver: None,
            cohorts: Vec::new(),
        }
    }
}

impl Connections {
    fn build(c: &ConnStats, all: &PhaseStats) -> Connections {
        let per = &c.requests_per_connection;
        Connections {
            opened: c.opened,
            closed_by_peer: c.closed_by_peer,
            closed_idle: c.closed_idle,
            closed_by_client: c.closed_by_client,
            tls_resumed: c.tls_resumed,
            reuse_ratio: ratio(
                all.reused,
                all.arrivals.saturating_sub(all.outcomes.error(crate::record::ErrorKind::Overflow)),
            ),
            requests_per_connection_mean: if per.is_empty() { 0.0 } else { (per.mean() * 100.0).round() / 100.0 },
            requests_per_connection_max: per.max(),
        }
    }
}
