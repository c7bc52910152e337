//! The verdict on real results of the shipped scenarios (tests/fixtures/verdict/, written by
//! `just verdict-fixtures` from runs of scenarios/coldstart.toml, reset.toml and
//! gateway-timeout.toml) as the terminal summary and report.html show it, and on constructed runs.

use super::*;
use crate::report::fixtures::{client, run, Numbers};
use std::path::Path;

fn fixture(name: &str) -> RunResult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/verdict").join(format!("{name}.json"));
    RunResult::load(&path).expect("the fixture loads")
}

fn winner(v: &Verdict) -> Option<(&str, Basis)> {
    match &v.outcome {
        Outcome::Won { winner, basis } => Some((winner.as_str(), *basis)),
        _ => None,
    }
}

fn why_of<'v>(v: &'v Verdict, name: &str) -> &'v str {
    v.why
        .iter()
        .find(|l| l.starts_with(&format!("{name}: ")))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no why for {name}: {v:#?}"))
}

#[test]
fn coldstart_tuned_wins_on_errors_because_its_pool_drops_connections_before_the_freeze() {
    let r = fixture("coldstart");
    let v = judge(&r).unwrap();
    assert_eq!(winner(&v), Some(("tuned", Basis::Errors)), "{v:#?}");
    let resets = r.clients[0].total.errors["reset"];
    assert!(resets >= 3, "the fixture has default's resets: {resets}");
    assert!(
        v.headline.starts_with(&format!("tuned won on errors: 0 errors in 1,000 requests against {resets} errors")),
        "{}",
        v.headline
    );
    assert!(v.headline.contains("larger than the noise"), "{}", v.headline);
    // The cold starts cost both configurations alike: no claim on latency.
    assert!(v.headline.contains("p99: no significant difference"), "{}", v.headline);
    let default = why_of(&v, "default");
    assert!(
        default.contains(&format!(
            "{resets} requests reused connections of instances the platform had frozen, and were reset"
        )),
        "{default}"
    );
    assert!(
        default.contains("pool_idle_timeout 1m 30s keeps idle connections past the platform's freeze_after 3s"),
        "{default}"
    );
    let tuned = why_of(&v, "tuned");
    assert!(tuned.contains("no request reused a frozen instance's connection"), "{tuned}");
    assert!(
        tuned.contains("pool_idle_timeout 2s drops idle connections before the platform's freeze_after 3s"),
        "{tuned}"
    );
    // Its retries are insurance that was never needed; the verdict says so rather than crediting them.
    assert_eq!(r.clients[1].total.retries, 0);
    assert!(tuned.contains("its retries never fired"), "{tuned}");
    assert!(!default.contains("retries"), "default has none to speak of: {default}");
    assert!(v.settings.as_deref().unwrap().contains("pool_idle_timeout (default 1m 30s, tuned 2s)"), "{v:#?}");
}

#[test]
fn reset_retries_win_on_errors_at_a_cost_in_latency() {
    let r = fixture("reset");
    let v = judge(&r).unwrap();
    assert_eq!(winner(&v), Some(("retries", Basis::Errors)), "{v:#?}");
    assert!(v.headline.contains("at a cost in latency: its p99 was"), "{}", v.headline);
    let proxy_resets = r.clients[0].proxy.as_ref().unwrap().resets;
    let no_retries = why_of(&v, "no-retries");
    assert!(no_retries.contains(&format!("the proxy reset {proxy_resets} of its connections")), "{no_retries}");
    let retries = why_of(&v, "retries");
    assert!(
        retries.contains(&format!("{} retries (on reset, closed_before_response)", r.clients[1].total.retries)),
        "{retries}"
    );
    assert!(retries.contains("requests still failed"), "{retries}");
}

#[test]
fn gateway_timeout_the_impatient_client_wins_because_it_gives_up_before_the_gateway() {
    let r = fixture("gateway-timeout");
    let v = judge(&r).unwrap();
    assert_eq!(winner(&v), Some(("impatient", Basis::Errors)), "{v:#?}");
    let gateway = r.clients[0].total.errors["http_504"];
    let patient = why_of(&v, "patient");
    assert!(patient.contains(&format!("{gateway} requests waited for the gateway's 504 (6s each)")), "{patient}");
    assert!(patient.contains("request_timeout 10s waits past the gateway's 6s"), "{patient}");
    let impatient = why_of(&v, "impatient");
    assert!(impatient.contains("request_timeout 1s gives up before the gateway's 6s"), "{impatient}");
    // 200 latencies are too few for a p99 with an interval: said, not guessed.
    assert!(v.headline.contains("p99 cannot be compared"), "{}", v.headline);
}

#[test]
fn the_terminal_summary_and_the_report_open_with_the_verdict() {
    for (name, winner) in [("coldstart", "tuned"), ("reset", "retries"), ("gateway-timeout", "impatient")] {
        let r = fixture(name);
        let text = crate::summary::render(&r);
        let lines: Vec<&str> = text.lines().collect();
        // Header, one row per configuration, then the verdict: the first screen.
        let at = 1 + r.clients.len();
        assert!(lines[at].starts_with(&format!("verdict: {winner} won on errors: ")), "{name}: {text}");
        let page = crate::report::html::render(&r);
        let verdict = page.find("<section class=\"verdict won\" id=\"verdict\">").expect("a verdict section");
        assert!(verdict < page.find("<h2>What happened").unwrap() && verdict < page.find("<h2>Charts").unwrap());
        assert!(page[verdict..].contains(&format!("<p class=\"headline\">{winner} won on errors: ")), "{name}");
        assert!(!page.contains("had the lowest p99"), "{name}: no claim without noise");
    }
}

#[test]
fn identical_configurations_are_no_significant_difference() {
    let mut r = fixture("coldstart");
    let mut twin = r.clients[1].clone();
    twin.name = "tuned-again".to_string();
    r.clients = vec![r.clients[1].clone(), twin];
    let v = judge(&r).unwrap();
    assert_eq!(
        v.outcome,
        Outcome::NoSignificantDifference { among: vec!["tuned".into(), "tuned-again".into()], ahead_of: Vec::new() }
    );
    assert!(v.headline.starts_with("no significant difference between tuned and tuned-again"), "{}", v.headline);
    assert!(crate::summary::render(&r).contains("verdict: no significant difference between tuned and tuned-again"));
    let page = crate::report::html::render(&r);
    assert!(page.contains("<section class=\"verdict tie\" id=\"verdict\">"));
    // The same run of one configuration, compared with itself.
    let change = between_runs(&r.clients[0], &r.clients[1]);
    assert!(!change.significant() && change.sentence.starts_with("no significant difference ("), "{change:?}");
}

#[test]
fn latency_decides_when_errors_cannot() {
    let fast = Numbers { errors: vec![("reset", 2)], ..Numbers::default() };
    let slow = Numbers {
        errors: vec![("reset", 3)],
        latency_us: [8_000, 20_000, 40_000, 60_000, 80_000],
        ..Numbers::default()
    };
    let same = Numbers {
        errors: vec![("reset", 2)],
        latency_us: [2_050, 5_000, 10_000, 15_000, 20_000],
        ..Numbers::default()
    };
    let r = run("s", vec![client("slow", &slow), client("fast", &fast)]);
    let v = judge(&r).unwrap();
    assert_eq!(winner(&v), Some(("fast", Basis::P99)), "{v:#?}");
    assert!(
        v.headline.starts_with("fast won on p99 latency: p99 10.0ms against p99 40.0ms for slow"),
        "{}",
        v.headline
    );
    assert!(v.headline.ends_with("; no significant difference in errors"), "{}", v.headline);
    assert_eq!(v.evidence.len(), 2, "errors, then p99: {v:#?}");
    // Three: two alike ahead of the slow one.
    let r = run("s", vec![client("fast", &fast), client("same", &same), client("slow", &slow)]);
    let v = judge(&r).unwrap();
    assert_eq!(
        v.outcome,
        Outcome::NoSignificantDifference { among: vec!["fast".into(), "same".into()], ahead_of: vec!["slow".into()] }
    );
    assert!(v.headline.ends_with("; both were ahead of slow"), "{}", v.headline);
}

#[test]
fn the_median_decides_when_errors_and_the_tail_cannot() {
    let quick = Numbers { latency_us: [2_000, 5_000, 10_000, 15_000, 20_000], ..Numbers::default() };
    let sluggish = Numbers { latency_us: [6_000, 8_000, 10_000, 15_000, 20_000], ..Numbers::default() };
    let v = judge(&run("s", vec![client("sluggish", &sluggish), client("quick", &quick)])).unwrap();
    assert_eq!(winner(&v), Some(("quick", Basis::P50)), "{v:#?}");
    assert!(
        v.headline.starts_with("quick won on median latency: p50 2.00ms against p50 6.00ms for sluggish"),
        "{}",
        v.headline
    );
    assert!(v.headline.ends_with("; no significant difference in errors and p99 latency"), "{}", v.headline);
    assert_eq!(v.evidence.len(), 3, "errors, p99, p50: {v:#?}");
}

#[test]
fn settings_are_told_key_by_key() {
    let mut r = run("s", vec![client("go", &Numbers::default()), client("cached", &Numbers::default())]);
    r.scenario = serde_json::json!({ "client": [
        { "name": "go", "keep_alive": true, "resolver": { "kind": "uncached", "timeout": "5s" }, "retries": { "max": 0, "on": [] } },
        { "name": "cached", "keep_alive": true, "resolver": { "kind": "cached", "timeout": "5s", "max_ttl": "1h" },
          "retries": { "max": 2, "on": ["reset"], "backoff": "20ms" } },
    ]});
    assert_eq!(
        settings::differences(&r).unwrap(),
        "resolver.kind (go uncached, cached cached); retries (go none, cached 2 on reset, backoff 20ms)"
    );
}

#[test]
fn a_lone_configuration_has_nothing_to_rank() {
    let r = run("s", vec![client("only", &Numbers::default())]);
    let v = judge(&r).unwrap();
    assert_eq!(v.outcome, Outcome::Alone { name: "only".into() });
    assert!(!crate::summary::render(&r).contains("verdict:"), "the table says it all");
    let empty = run("s", Vec::new());
    assert!(judge(&empty).is_none());
}

#[test]
fn between_runs_names_what_moved_beyond_the_noise() {
    let before = client("c", &Numbers::default());
    let after = client("c", &Numbers { errors: vec![("reset", 30)], ..Numbers::default() });
    let change = between_runs(&before, &after);
    assert_eq!(change.moved, vec![(Basis::Errors, Some(false)), (Basis::P99, None), (Basis::P50, None)]);
    assert!(change.sentence.starts_with("errors worse, 0.0% → 3.00%, beyond the noise"), "{}", change.sentence);
    assert!(
        change
            .sentence
            .ends_with("no significant difference in p99 latency 10.0ms → 10.0ms, median latency 2.00ms → 2.00ms"),
        "{}",
        change.sentence
    );
    let back = between_runs(&after, &before);
    assert_eq!(back.moved[0], (Basis::Errors, Some(true)));
}

#[test]
fn a_connection_per_request_is_told_only_when_it_differs_beyond_the_noise() {
    let pooled = Numbers { sent: 800, conns: 3, ..Numbers::default() };
    let per_request = Numbers { sent: 800, conns: 800, ..Numbers::default() };
    let r = run("s", vec![client("pooled", &pooled), client("per-request", &per_request)]);
    let v = judge(&r).unwrap();
    assert_eq!(why_of(&v, "per-request"), "per-request: 800 connections opened (1.0 requests each)");
    assert_eq!(why_of(&v, "pooled"), "pooled: 3 connections opened (267 requests each)");
    let alike = run(
        "s",
        vec![
            client("a", &Numbers { conns: 270, ..Numbers::default() }),
            client("b", &Numbers { conns: 272, ..Numbers::default() }),
        ],
    );
    let v = judge(&alike).unwrap();
    assert_eq!(v.why, ["a: nothing went wrong", "b: nothing went wrong"], "270 against 272 is noise");
}

#[test]
fn stalled_name_lookups_are_counted_from_the_dns_histogram() {
    use crate::record::Hist;
    use crate::result::Summary;
    use std::time::Duration;
    let lookups = |stalled: u64, quick: u64| {
        let mut h = Hist::new();
        (0..stalled).for_each(|_| h.record(Duration::from_secs(2)));
        (0..quick).for_each(|_| h.record(Duration::from_micros(250)));
        Summary::of(&h)
    };
    let mut uncached = client("uncached", &Numbers::default());
    uncached.total.dns_time = lookups(300, 700);
    let mut cached = client("cached", &Numbers::default());
    cached.total.dns_time = lookups(0, 2);
    let v = judge(&run("s", vec![uncached, cached])).unwrap();
    assert_eq!(
        why_of(&v, "uncached"),
        "uncached: 300 name lookups of new connections took 100ms or more (the longest 2.00s)"
    );
    assert_eq!(why_of(&v, "cached"), "cached: no name lookup took 100ms or more (2 lookups)");
}
