//! The shipped chaos scenarios: each one's client configurations must really differ, as the
//! scenario's comment says. Runs use the scenario files themselves, most shortened to keep the
//! suite short: fewer cycles, no idle tail after the last burst, fault windows moved earlier. The
//! margins they leave are the same kind as the full scenario's (counts the seed or the mock's
//! rules decide), never a closer call on noise.

use crate::support::{exclusive, run, run_timed, shared};
use chaosload::result::{ClientResult, PhaseResult, RunResult};
use chaosload::scenario;
use std::time::Duration;

/// The parts of a shipped scenario, to run as they are or shortened.
fn scenario(name: &str) -> chaosload::scenario::PlanParts {
    let path = format!("scenarios/{name}.toml");
    scenario::load(std::path::Path::new(&path)).expect("the shipped scenario is valid").to_parts()
}

fn client<'r>(result: &'r RunResult, name: &str) -> &'r ClientResult {
    result.clients.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no client {name}"))
}

fn errors(t: &PhaseResult, kinds: &[&str]) -> u64 {
    kinds.iter().map(|k| t.errors.get(*k).copied().unwrap_or(0)).sum()
}

#[test]
fn coldstart_default_meets_frozen_connections_tuned_does_not() {
    let _load = shared();
    let mut plan = scenario("coldstart");
    // Three bursts (at 0, 7 and 14 s), two freezes between them; the phase ends with the third
    // burst, not with the idle gap after it.
    plan.phases[0].duration = Duration::from_secs(16);
    let result = run(&plan);
    let (default, tuned) = (client(&result, "default"), client(&result, "tuned"));
    let default_errors = errors(&default.total, &["reset", "closed_before_response", "request_timeout"]);
    let tuned_errors = tuned.total.errors.values().sum::<u64>();
    assert!(default_errors >= 2, "default meets the frozen instances' connections: {:?}", default.total.errors);
    assert!(tuned_errors * 4 <= default_errors, "tuned {:?} vs default {:?}", tuned.total.errors, default.total.errors);
    let mock = tuned.mock.as_ref().unwrap();
    assert!(mock.cold_starts >= 2 && mock.freezes >= 1, "the platform froze and cold-started: {mock:?}");
}

#[test]
fn keepalive_race_hurts_only_clients_idling_longer_than_the_server() {
    let _load = shared();
    let mut plan = scenario("keepalive-race");
    // Two bursts (at 0 and 6.6 s) around one gap of 5.6 s. The mock's race is deterministic (the
    // next request on a connection idle past its timeout is reset), so one gap decides each
    // configuration's fate as surely as more would.
    plan.phases[0].duration = Duration::from_secs(7);
    let result = run(&plan);
    let race = ["reset", "closed_before_response"];
    for name in ["idle-90s", "idle-6s"] {
        let c = client(&result, name);
        assert!(errors(&c.total, &race) >= 1, "{name} loses the race: {:?}", c.total.errors);
    }
    let short = client(&result, "idle-4s");
    assert_eq!(errors(&short.total, &race), 0, "idle-4s closes first: {:?}", short.total.errors);
    assert!(short.connections.closed_idle >= 1);
}

#[test]
fn reset_retries_turn_most_resets_into_successes() {
    let _load = shared();
    let mut plan = scenario("reset");
    // 4 s of the scenario's 8 s: 400 new connections per configuration, ~80 of them reset.
    plan.phases[0].duration = Duration::from_secs(4);
    let result = run(&plan);
    let (plain, retrying) = (client(&result, "no-retries"), client(&result, "retries"));
    let plain_resets = errors(&plain.total, &["reset", "closed_before_response"]);
    let sent = plain.total.sent as f64;
    assert!((0.12..=0.28).contains(&(plain_resets as f64 / sent)), "≈20% reset: {:?}", plain.total.errors);
    let retried = errors(&retrying.total, &["reset", "closed_before_response"]);
    assert!(retried * 5 < plain_resets, "retries leave {retried} of {plain_resets}");
    assert!(plain.proxy.as_ref().unwrap().faults_hit > 0);
    // Independently counted: every connection the proxy accepted was one the client opened,
    // including those reset before the client's connect completed (a new one per attempt).
    for c in [plain, retrying] {
        let proxy = c.proxy.as_ref().unwrap();
        let (opened, accepted) = (c.connections.opened, proxy.connections);
        assert_eq!(
            opened, accepted,
            "{}: opened vs the proxy's count: {:?} {:?}",
            c.name, c.total.errors, c.connections
        );
        // The phases count what opened while they ran; a retry's connection in the drain is not.
        assert!(c.total.connections_opened <= accepted, "{}", c.name);
        assert!(c.total.connections_opened + 10 >= accepted, "{}", c.name);
    }
}

#[test]
fn gateway_timeout_rewards_a_client_timeout_below_the_gateways() {
    let _load = shared();
    let mut plan = scenario("gateway-timeout");
    // 5 s of the scenario's 10 s: 100 requests, each held up to the gateway's 6 s.
    plan.phases[0].duration = Duration::from_secs(5);
    let result = run(&plan);
    let (patient, impatient) = (client(&result, "patient"), client(&result, "impatient"));
    let patient_504 = errors(&patient.total, &["http_504"]);
    assert!((5..=20).contains(&patient_504), "about one in ten of 100 gets a 504: {:?}", patient.total.errors);
    assert!(patient.total.latency.p99_us >= 6_000_000, "the patient client waits the gateway out");
    let impatient_errors = impatient.total.errors.values().sum::<u64>();
    assert!(impatient_errors * 3 <= patient_504, "impatient errors {:?}", impatient.total.errors);
    assert!(impatient.total.latency.p99_us < 3_000_000, "gives up after 1 s and retries");
    assert!(impatient.total.retries >= 8, "a retry for each slow one: {}", impatient.total.retries);
}

#[test]
fn h2_goaway_refused_streams_are_recovered_only_by_the_retrying_client() {
    let _load = shared();
    let mut plan = scenario("h2-goaway");
    // One deploy window (3-5 s) of the scenario's two: each connection's GOAWAY falls in it.
    plan.phases[0].duration = Duration::from_secs(6);
    let result = run(&plan);
    let (plain, retrying) = (client(&result, "no-retry"), client(&result, "retry-refused"));
    let refused = errors(&plain.total, &["refused_stream"]);
    assert!(refused >= 5, "the GOAWAYs refuse streams in flight: {:?}", plain.total.errors);
    let others: u64 = plain.total.errors.iter().filter(|(k, _)| *k != "refused_stream").map(|(_, n)| n).sum();
    assert_eq!(others, 0, "nothing but refused streams: {:?}", plain.total.errors);
    let left = retrying.total.errors.values().sum::<u64>();
    assert!(left * 5 <= refused, "retries leave {:?} of {refused}", retrying.total.errors);
    assert!(retrying.total.retries >= refused / 2, "a retry per refused stream: {}", retrying.total.retries);
    for c in [plain, retrying] {
        // Every connection met its GOAWAY and the client opened a new one: the mock counts them.
        let mock = c.mock.as_ref().unwrap();
        assert!(mock.fault_hits >= 2 && c.connections.opened >= 4, "{}: {mock:?} {:?}", c.name, c.connections);
        assert_eq!(c.connections.opened, mock.connections_accepted, "{}", c.name);
    }
}

/// DNS stalls reach only a configuration that looks the name up while they last: one opening a
/// connection per request with an uncached resolver. A cache (the record's TTL outlasts the
/// run) or a pool (its few connections opened before the stall) hides them.
#[test]
fn dns_stall_hurts_only_an_uncached_resolver_opening_connections() {
    let _serial = exclusive();
    let mut plan = scenario("dns-stall");
    // One stall, from 2 s to 4 s (the scenario's first is at 5 s), in a 5 s phase: the seconds
    // before it are all the cache and the pool need to have their answer and their connections.
    plan.phases[0].duration = Duration::from_secs(5);
    plan.faults[0].at = Duration::from_secs(2);
    let timed = run_timed(&plan);
    let result = &timed.result;
    let (per_request, cached, pooled) =
        (client(result, "per-request"), client(result, "cached"), client(result, "pooled"));
    // Lower bounds: only the 2 s stall can make them, so noise cannot.
    assert!(per_request.total.dns_time.p99_us >= 1_500_000, "{:?}", per_request.total.dns_time);
    assert!(per_request.total.latency.p99_us >= 1_500_000, "{:?}", per_request.total.latency);
    let stalled: Vec<u64> = per_request.timeline.iter().filter(|s| s.dns_max_us >= 1_500_000).map(|s| s.t_s).collect();
    assert!(!stalled.is_empty() && stalled.iter().all(|t| (3..=5).contains(t)), "stalled seconds {stalled:?}");
    // The stub's and the resolvers' counters are part of the result.json contract.
    crate::cli::check_schema(&serde_json::to_value(result).expect("a result serializes"));
    let stub = per_request.dns.as_ref().expect("the stub's counters");
    assert!(stub.faults[0].hits >= 1 && stub.by_type.a >= 100, "{stub:?}");
    let cache = cached.resolver.as_ref().expect("the resolver's counters");
    assert!(cache.cache_hits >= 400 && cache.cache_misses <= 4, "{cache:?}");
    let pool = pooled.resolver.as_ref().expect("the resolver's counters");
    assert!(pool.lookups <= 20 && pooled.connections.opened <= 20, "{pool:?}");
    for c in [per_request, cached, pooled] {
        assert_eq!(c.total.errors.values().sum::<u64>(), 0, "{}: {:?}", c.name, c.total.errors);
    }
    timed.timing("cached and pooled stay below the stall", |result| {
        for name in ["cached", "pooled"] {
            let c = client(result, name);
            assert!(c.total.latency.p99_us < 500_000, "{name}: {:?}", c.total.latency);
            assert!(c.total.dns_time.max_us < 500_000, "{name}: {:?}", c.total.dns_time);
        }
    });
}

/// A cold platform and its cold DNS: configurations that reconnect after each freeze pay the
/// DNS delay on their new connections in every burst, unless they cache the record.
#[test]
fn coldstart_dns_a_reconnecting_client_pays_the_dns_stall_unless_it_caches() {
    let _serial = exclusive();
    let mut plan = scenario("coldstart-dns");
    // Two bursts (at 0 and 7 s), one freeze between them; the phase ends with the second burst.
    plan.phases[0].duration = Duration::from_secs(9);
    let timed = run_timed(&plan);
    let result = &timed.result;
    let (uncached, cached) = (client(result, "uncached"), client(result, "cached"));
    // The seconds in which some lookup waited out the 1 s delay.
    let stalled = |c: &ClientResult| -> Vec<u64> {
        c.timeline.iter().filter(|s| s.dns_max_us >= 900_000).map(|s| s.t_s).collect()
    };
    let (stalled_uncached, stalled_cached) = (stalled(uncached), stalled(cached));
    assert!(
        stalled_uncached.iter().any(|t| *t <= 2) && stalled_uncached.iter().any(|t| (7..=9).contains(t)),
        "uncached pays the stall in both bursts: {stalled_uncached:?}"
    );
    assert!(stalled_cached.iter().all(|t| *t <= 2), "cached pays it in the first burst only: {stalled_cached:?}");
    assert!(uncached.total.dns_time.p50_us >= 300_000, "{:?}", uncached.total.dns_time);
    let cache = cached.resolver.as_ref().expect("the resolver's counters");
    assert!(cache.cache_hits > 0 && cache.cache_misses <= 2, "{cache:?}");
    for c in [uncached, cached] {
        assert!(c.mock.as_ref().is_some_and(|m| m.cold_starts >= 2), "{}: {:?}", c.name, c.mock);
    }
    timed.timing("cached lookups are cache hits after the first burst", |result| {
        let cached = client(result, "cached");
        assert!(cached.total.dns_time.p50_us < 100_000, "{:?}", cached.total.dns_time);
    });
}

/// slow-clients.toml and its defended variant, shortened (the cohort from 2 s to 12 s of 13 s):
/// undefended, 300 slowloris connections fill the mock's 256 places and new connections wait in
/// the backlog until their requests time out; with a 2 s header timeout the slow connections are
/// cut and replaced, fewer than the places are ever held, and the visitors see no errors.
#[test]
fn slow_clients_starve_new_connections_unless_the_mock_times_out_heads() {
    let _serial = exclusive();
    let shortened = |name: &str| {
        let mut plan = scenario(name);
        plan.phases[0].duration = Duration::from_secs(13);
        plan.faults[0].at = Duration::from_secs(2);
        plan.faults[0].duration = Duration::from_secs(10);
        plan.clients.retain(|c| c.name == "visitors");
        plan
    };
    let undefended = run(&shortened("slow-clients"));
    let defended = run_timed(&shortened("slow-clients-defended"));
    let (open, guarded) = (client(&undefended, "visitors"), client(&defended.result, "visitors"));
    crate::cli::check_schema(&serde_json::to_value(&defended.result).expect("a result serializes"));
    // Undefended: the cohort holds its connections to the window's end, the mock's accept pauses
    // at its cap, and requests on new connections time out behind them.
    let cohort = &open.cohorts[0];
    assert!(cohort.fates.held_to_end >= 256 && cohort.fates.closed_by_server == 0, "{cohort:?}");
    let mock = open.mock.as_ref().expect("the mock's counters");
    assert!(mock.backlog_pauses >= 1 && mock.header_timeouts == 0, "{mock:?}");
    let timeouts = errors(&open.total, &["request_timeout"]);
    assert!(timeouts >= 200, "visitors wait behind the slow connections: {:?}", open.total.errors);
    // Defended: every slow connection the window did not end is closed by the mock's header
    // timeout, and the visitors keep their places.
    let cohort = &guarded.cohorts[0];
    assert!(cohort.fates.closed_by_server >= 300 && cohort.fates.attempts > 300, "{cohort:?}");
    let mock = guarded.mock.as_ref().expect("the mock's counters");
    assert!(mock.header_timeouts >= cohort.fates.closed_by_server, "{mock:?}");
    let guarded_errors: u64 = guarded.total.errors.values().sum();
    assert!(
        guarded_errors * 20 <= timeouts,
        "defended {:?} vs undefended {:?}",
        guarded.total.errors,
        open.total.errors
    );
    defended.timing("the header timeout closes slow heads after about 2 s, and visitors keep their p99", |result| {
        let c = client(result, "visitors");
        let held = &c.cohorts[0].held_for;
        assert!((1_800_000..=3_000_000).contains(&held.p50_us), "held for {held:?}");
        assert!(c.total.latency.p99_us < 200_000, "{:?}", c.total.latency);
        assert_eq!(c.total.errors.values().sum::<u64>(), 0, "{:?}", c.total.errors);
    });
}
