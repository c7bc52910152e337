//! The one builder of fixed `RunResult`s for the report tests: [`run`] around [`client`]s made from
//! [`Numbers`] (real encoded histograms, hand-set percentiles), and [`report_run`], the run of three
//! configurations the report.html tests render (spread histograms, faults, errors, text to escape).

use crate::record::Hist;
use crate::result::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// A configuration's totals, from which [`client`] builds its phases.
pub struct Numbers {
    pub sent: u64,
    pub rate: f64,
    pub errors: Vec<(&'static str, u64)>,
    /// p50, p90, p99, p99.9, max in µs.
    pub latency_us: [u64; 5],
    pub conns: u64,
}

impl Default for Numbers {
    fn default() -> Numbers {
        Numbers {
            sent: 1000,
            rate: 200.0,
            errors: Vec::new(),
            latency_us: [2_000, 5_000, 10_000, 15_000, 20_000],
            conns: 4,
        }
    }
}

/// A summary with hand-set percentiles over a real histogram of `count` values shaped to match
/// them (half at p50, 40% at p90, 9% at p99, 0.9% at p99.9, the rest at max), so the pages decode
/// it and its intervals mean what they would for a run.
fn summary(count: u64, [p50, p90, p99, p999, max]: [u64; 5]) -> Summary {
    let mut h = Hist::new();
    for i in 0..count {
        let share = (i as f64 + 0.5) / count as f64;
        let us = match share {
            s if s < 0.5 => p50,
            s if s < 0.9 => p90,
            s if s < 0.99 => p99,
            s if s < 0.999 => p999,
            _ => max,
        };
        h.record(Duration::from_micros(us));
    }
    Summary {
        count,
        min_us: 1,
        mean_us: p50 as f64,
        p50_us: p50,
        p90_us: p90,
        p99_us: p99,
        p999_us: p999,
        max_us: max,
        hdr: h.encode_base64(),
    }
}

fn phase(name: &str, n: &Numbers) -> PhaseResult {
    let errors: BTreeMap<String, u64> = n.errors.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let failed: u64 = errors.values().sum();
    PhaseResult {
        name: name.to_string(),
        duration_ms: 5_000,
        planned_duration_ms: Some(5_000),
        model: "open".to_string(),
        requested_rate: Some(n.rate),
        arrivals: n.sent,
        sent: n.sent,
        achieved_rate: n.rate,
        completed: n.sent,
        ok: n.sent - failed,
        errors,
        error_rate: if n.sent == 0 { 0.0 } else { failed as f64 / n.sent as f64 },
        retries: 0,
        hidden_retries: 0,
        hidden_errors: BTreeMap::new(),
        connections_opened: n.conns,
        reuse_ratio: 0.9,
        latency: summary(n.sent, n.latency_us),
        service_time: summary(n.sent, n.latency_us),
        time_to_first_byte: summary(n.sent, n.latency_us),
        dns_time: Summary::empty(),
        connect_time: summary(n.conns, [100; 5]),
        tls_handshake_time: Summary::empty(),
        scheduler_lag: summary(n.sent, [10; 5]),
    }
}

fn second(t_s: u64, latencies_us: &[u64]) -> SecondResult {
    let mut h = Hist::new();
    for us in latencies_us {
        h.record(Duration::from_micros(*us));
    }
    SecondResult {
        t_s,
        completed: latencies_us.len() as u64,
        ok: latencies_us.len() as u64,
        errors: BTreeMap::new(),
        connections_opened: 0,
        dns_lookups: 0,
        dns_max_us: 0,
        retries: 0,
        hidden_retries: 0,
        latency_p50_us: latencies_us.iter().copied().min().unwrap_or(0),
        latency_p99_us: latencies_us.iter().copied().max().unwrap_or(0),
        latency_max_us: latencies_us.iter().copied().max().unwrap_or(0),
        hdr: if h.is_empty() { String::new() } else { h.encode_base64() },
    }
}

/// A configuration with the given totals, one phase, and a timeline of three seconds (the middle
/// one empty, the last one half long).
pub fn client(name: &str, n: &Numbers) -> ClientResult {
    ClientResult {
        name: name.to_string(),
        started_at: "2026-11-22T07:00:00.000Z".to_string(),
        duration_ms: 2_500,
        total: phase("total", n),
        phases: vec![phase("steady", n)],
        connections: Connections {
            opened: n.conns,
            closed_by_peer: 0,
            closed_idle: 0,
            closed_by_client: 0,
            tls_resumed: 0,
            reuse_ratio: 0.9,
            requests_per_connection_mean: 10.0,
            requests_per_connection_max: 20,
        },
        timeline: vec![second(0, &[1_000, 2_000, 12_345]), second(1, &[]), second(2, &[500, 700])],
        mock: None,
        mock_timeline: Vec::new(),
        proxy: None,
        dns: None,
        resolver: None,
        cohorts: Vec::new(),
    }
}

/// A complete run of `scenario` with these configurations, on a 4-core machine.
pub fn run(scenario: &str, clients: Vec<ClientResult>) -> RunResult {
    RunResult {
        schema_version: SCHEMA_VERSION,
        scenario_name: scenario.to_string(),
        scenario_file: format!("scenarios/{scenario}.toml"),
        scenario: serde_json::json!({
            "name": scenario,
            "seed": 42,
            "phase": [{ "name": "steady", "duration": "5s" }],
            "client": clients.iter().map(|c| serde_json::json!({ "name": c.name })).collect::<Vec<_>>(),
        }),
        started_at: "2026-11-22T07:34:26Z".to_string(),
        environment: Environment {
            chaosload_version: "0.1.0".to_string(),
            cores: 4,
            os: "linux".to_string(),
            arch: "x86_64".to_string(),
            load_threads: 1,
        },
        interrupted: false,
        error: None,
        faults: Vec::new(),
        warnings: Vec::new(),
        clients,
        gates: None,
        sweeps: Vec::new(),
    }
}

/// A histogram of `n` values spread log-uniformly from `lo_us` to `hi_us`.
pub fn spread(n: u64, lo_us: f64, hi_us: f64) -> Summary {
    let mut h = Hist::new();
    for i in 0..n {
        let f = i as f64 / n.max(2) as f64;
        h.record(Duration::from_micros((lo_us * (hi_us / lo_us).powf(f * f)) as u64));
    }
    Summary::of(&h)
}

/// A configuration of [`report_run`]: 1000 requests at 100/s in 10 s, `scale` stretching its latencies
/// (spread over their range) and connections, twelve seconds of timeline (the last two without
/// completions, `errors` halved into seconds 2 and 3) and the mock's counters.
fn scaled_client(name: &str, scale: f64, errors: &[(&'static str, u64)]) -> ClientResult {
    let conns = (10.0 * scale) as u64;
    let mut c =
        client(name, &Numbers { sent: 1000, rate: 100.0, errors: errors.to_vec(), conns, ..Numbers::default() });
    for p in std::iter::once(&mut c.total).chain(&mut c.phases) {
        p.duration_ms = 10_000;
        p.planned_duration_ms = Some(10_000);
        p.reuse_ratio = 0.99;
        p.latency = spread(1000, 800.0 * scale, 2_000_000.0 * scale);
        p.service_time = spread(1000, 700.0 * scale, 900_000.0 * scale);
        p.time_to_first_byte = spread(1000, 600.0 * scale, 800_000.0);
        p.connect_time = spread(conns, 80.0, 300.0);
        p.scheduler_lag = spread(1000, 50.0, 200.0);
    }
    c.duration_ms = 12_000;
    c.connections = Connections {
        opened: conns,
        closed_by_peer: 1,
        closed_idle: 2,
        closed_by_client: 0,
        tls_resumed: 0,
        reuse_ratio: 0.99,
        requests_per_connection_mean: 100.0 / scale,
        requests_per_connection_max: 200,
    };
    c.timeline = (0..12u64)
        .map(|t| {
            let errs: BTreeMap<String, u64> = if (2..4).contains(&t) {
                errors.iter().map(|(k, n)| (k.to_string(), n / 2)).collect()
            } else {
                BTreeMap::new()
            };
            let completed = if t < 10 { 100 } else { 0 };
            SecondResult {
                t_s: t,
                completed,
                ok: completed - errs.values().sum::<u64>().min(completed),
                errors: errs,
                connections_opened: if t == 0 { (5.0 * scale) as u64 } else { t % 3 },
                dns_lookups: 0,
                dns_max_us: 0,
                retries: 0,
                hidden_retries: 0,
                latency_p50_us: if completed > 0 { (2_000.0 * scale) as u64 } else { 0 },
                latency_p99_us: if completed > 0 { (20_000.0 * scale * (1 + t % 4) as f64) as u64 } else { 0 },
                latency_max_us: if completed > 0 { (40_000.0 * scale) as u64 } else { 0 },
                hdr: String::new(),
            }
        })
        .collect();
    c.mock = Some(MockStats { requests: 1000, connections_accepted: 10, fault_hits: 42, ..Default::default() });
    c
}

/// The configurations of [`report_run`]: names that need escaping, in page order.
pub const NAMES: [&str; 3] = ["keep-alive", "<script>alert(1)</script>", "a&b"];

/// The run the report.html tests render: three configurations at different scales and with different
/// errors, a fault with two windows, a warning, an error and an interruption, and text to escape
/// everywhere.
pub fn report_run() -> RunResult {
    let clients = vec![
        scaled_client(NAMES[0], 1.0, &[]),
        scaled_client(NAMES[1], 2.0, &[("reset", 10), ("http_503", 4)]),
        scaled_client(NAMES[2], 0.5, &[("overflow", 6)]),
    ];
    let mut r = run("fixture <&> \"quoted\"", clients);
    r.scenario_file = "scenarios/fixture.toml".to_string();
    r.scenario = serde_json::json!({ "name": "fixture", "seed": 7, "note": "<img src=x onerror=alert(1)>" });
    r.started_at = "2026-01-02T03:04:05Z".to_string();
    r.environment.cores = 8;
    r.interrupted = true;
    r.error = Some("client <b>a&b</b> failed".to_string());
    r.faults = vec![FaultWindows {
        label: None,
        kind: "stall<x>".to_string(),
        layer: "mock".to_string(),
        probability: 0.5,
        windows: vec![Window { start_ms: 2_000, end_ms: 4_000 }, Window { start_ms: 6_000, end_ms: 7_000 }],
    }];
    r.warnings = vec!["fault[0] (reset, layer mock) acts on HTTP/1 connections only: \"<h2>\" will not meet it".into()];
    r
}

/// A timeline of one second per `(requests, latency µs, errors)`: `requests` completed at that
/// latency (a real histogram), `errors` of them failed (kind `reset`).
pub fn timeline(seconds: &[(u64, u64, u64)]) -> Vec<SecondResult> {
    seconds
        .iter()
        .enumerate()
        .map(|(t, &(n, us, failed))| {
            let mut s = second(t as u64, &vec![us; n as usize]);
            s.ok = n - failed;
            if failed > 0 {
                s.errors.insert("reset".to_string(), failed);
            }
            s
        })
        .collect()
}

/// A cohort of fault `fault` that meant to hold `connections`, with these fates, its connections
/// ended by the server all held 2 s, and `timeline`.
pub fn cohort(fault: usize, kind: &str, connections: u64, fates: Fates, timeline: Vec<CohortSecond>) -> CohortResult {
    let mut held = Hist::new();
    for _ in 0..fates.closed_by_server + fates.reset {
        held.record(Duration::from_secs(2));
    }
    let peak = timeline.iter().map(|s| s.connected).max().unwrap_or(0);
    CohortResult {
        fault,
        kind: kind.to_string(),
        connections,
        fates,
        peak_connected: peak,
        held_for: Summary::of(&held),
        timeline,
    }
}

/// A cohort's seconds from `from` on: `(connecting, connected, closed by server)` at each.
fn cohort_seconds(from: u64, states: &[(u64, u64, u64)]) -> Vec<CohortSecond> {
    states
        .iter()
        .enumerate()
        .map(|(i, &(connecting, connected, closed_by_server))| CohortSecond {
            t_s: from + i as u64,
            connecting,
            connected,
            opened: connected.min(50),
            closed_by_server,
            ..CohortSecond::default()
        })
        .collect()
}

/// Two configurations beside a slowloris cohort of 300 connections (fault 1, windows 3–6 s and 8–9 s,
/// after a mock fault): `default` slows to 1.21 s and fails 31% inside the windows and its server
/// closes nothing; `tuned<1>` stays at 4 ms and its server closes most of the cohort's connections.
pub fn cohort_run() -> RunResult {
    let inside = |t: u64| (3..6).contains(&t) || t == 8;
    let seconds = |slow: bool| -> Vec<(u64, u64, u64)> {
        (0..12).map(|t| if slow && inside(t) { (100, 1_210_000, 31) } else { (100, 4_000, 0) }).collect()
    };
    let mut default = client("default", &Numbers::default());
    default.duration_ms = 12_000;
    default.timeline = timeline(&seconds(true));
    default.cohorts = vec![cohort(
        1,
        "slowloris",
        300,
        Fates { attempts: 300, opened: 300, held_to_end: 300, ..Fates::default() },
        cohort_seconds(3, &[(300, 0, 0), (0, 300, 0), (0, 300, 0), (0, 0, 0), (0, 0, 0), (0, 300, 0)]),
    )];
    let mut tuned = client("tuned<1>", &Numbers::default());
    tuned.duration_ms = 12_000;
    tuned.timeline = timeline(&seconds(false));
    tuned.cohorts = vec![cohort(
        1,
        "slowloris",
        300,
        Fates {
            attempts: 1504,
            opened: 1492,
            refused: 12,
            closed_by_server: 1204,
            reset: 4,
            answered: 1100,
            held_to_end: 284,
            ..Fates::default()
        },
        cohort_seconds(3, &[(120, 180, 300), (60, 240, 400), (40, 260, 404), (0, 0, 0), (0, 0, 0), (10, 284, 100)]),
    )];
    let mut r = run("cohorts", vec![default, tuned]);
    r.faults = vec![
        FaultWindows {
            label: None,
            kind: "latency".to_string(),
            layer: "mock".to_string(),
            probability: 1.0,
            windows: vec![Window { start_ms: 0, end_ms: 1_000 }],
        },
        FaultWindows {
            label: None,
            kind: "slowloris".to_string(),
            layer: "clients".to_string(),
            probability: 1.0,
            windows: vec![Window { start_ms: 3_000, end_ms: 6_000 }, Window { start_ms: 8_000, end_ms: 9_000 }],
        },
    ];
    r
}
