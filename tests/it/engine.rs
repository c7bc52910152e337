//! End-to-end measurement tests: real sockets on 127.0.0.1, the built-in mock, tolerances.

use crate::support::{constant, exclusive, mock_plan, ms, run_timed};
use chaosload::mock::faults::{MockFault, Stall};
use chaosload::scenario::{ClientPlan, FaultKind, FaultPlan, ReadBody};
use std::time::Duration;

#[test]
fn fixed_latency_is_measured_as_such() {
    let _serial = exclusive();
    let plan = mock_plan(ms(20), vec![constant(100.0, Duration::from_secs(3))], vec![ClientPlan::defaults("c")]);
    let timed = run_timed(&plan);
    let total = &timed.result.clients[0].total;
    assert_eq!(total.ok, 300, "every request answered: {:?}", total.errors);
    assert!(total.service_time.p50_us >= 20_000, "service time includes the server's 20ms");
    assert!(total.latency.p50_us >= 20_000, "latency includes the server's 20ms");
    timed.timing("p50 within [20ms, 22ms]", |result| {
        let p50 = result.clients[0].total.latency.p50_us;
        assert!((20_000..=22_000).contains(&p50), "p50 {p50}µs not within [20ms, 22ms]");
    });
}

/// The mock stalls every response for 1 s in the middle of a 10 s run at 100 requests/s, and the
/// client has a single connection (so queued requests are written only after the stall).
///
/// Arithmetic: 10% of the arrivals (those in the 1 s window) wait for the stall to end; one that
/// arrives x into the window waits about 1 s − x, so corrected latencies above the 90th
/// percentile spread evenly over (0, 1 s] and p99 ≈ (1 − 0.01 / 0.10) × 1 s = 0.9 s. Requests
/// queued behind the stall drain at ~1 ms each, stretching this slightly (≈ 0.91 s). Service
/// time, counted from the write, sees the stall for just the one request on the wire: its p99
/// stays at the mock's 1 ms plus loopback overhead.
#[test]
fn coordinated_omission_is_corrected() {
    let _serial = exclusive();
    let mut client = ClientPlan::defaults("one-conn");
    client.max_conns_per_host = Some(1);
    let mut plan = mock_plan(ms(1), vec![constant(100.0, Duration::from_secs(10))], vec![client]);
    plan.faults.push(FaultPlan {
        kind: FaultKind::Mock(MockFault::Stall(Stall)),
        at: Duration::from_secs(4),
        duration: Duration::from_secs(1),
        every: None,
        probability: 1.0,
    });
    let timed = run_timed(&plan);
    let total = &timed.result.clients[0].total;
    assert_eq!(total.ok, 1000, "{:?}", total.errors);
    // Lower bounds hold however busy the machine: a busy host only adds delay.
    assert!(total.latency.p99_us >= 850_000, "corrected p99 {}µs, expected ≈ 0.9 s", total.latency.p99_us);
    assert!(total.latency.p999_us >= 950_000, "corrected p99.9 {}µs, expected ≈ 0.99 s", total.latency.p999_us);
    assert!(total.service_time.max_us >= 900_000, "the request on the wire did wait out the stall");
    timed.timing("upper bounds of the corrected and service-time percentiles", |result| {
        let total = &result.clients[0].total;
        // Upper bound: at most the whole stall, plus slack for a noisy shared machine.
        let p99 = total.latency.p99_us;
        assert!(p99 <= 1_050_000, "corrected p99 {p99}µs, expected ≈ 0.9 s");
        let p999 = total.latency.p999_us;
        assert!(p999 <= 1_100_000, "corrected p99.9 {p999}µs, expected ≈ 0.99 s");
        let service_p99 = total.service_time.p99_us;
        assert!(service_p99 < 50_000, "service-time p99 {service_p99}µs should not show the stall");
    });
}

#[test]
fn achieved_rate_matches_the_requested_rate() {
    let _serial = exclusive();
    let rate = 1000.0;
    let plan = mock_plan(ms(1), vec![constant(rate, Duration::from_secs(4))], vec![ClientPlan::defaults("c")]);
    let timed = run_timed(&plan);
    assert_eq!(timed.result.clients[0].total.ok, 4000);
    timed.timing("achieved rate within 2%", |result| {
        let c = &result.clients[0];
        let achieved = c.total.achieved_rate;
        assert!((achieved - rate).abs() / rate <= 0.02, "achieved {achieved}/s for {rate}/s");
        // Independently of the dispatch times: completions per second in the steady seconds. A
        // hiccup of the shared machine moves completions across a second's edge, hence 10%.
        let steady: Vec<u64> = c.timeline[1..4].iter().map(|s| s.completed).collect();
        let mean = steady.iter().sum::<u64>() as f64 / steady.len() as f64;
        assert!((mean - rate).abs() / rate <= 0.10, "completions per second {steady:?}");
    });
}

#[test]
fn keep_alive_and_unread_bodies_decide_connection_reuse() {
    let _serial = exclusive();
    let keep_alive = ClientPlan::defaults("keep-alive");
    let mut no_keep_alive = ClientPlan::defaults("no-keep-alive");
    no_keep_alive.keep_alive = false;
    let mut unread = ClientPlan::defaults("unread-body");
    unread.read_body = ReadBody::None;
    let plan = mock_plan(ms(1), vec![constant(100.0, Duration::from_secs(2))], vec![keep_alive, no_keep_alive, unread]);
    let timed = run_timed(&plan);
    let result = &timed.result;
    let by_name = |name: &str| result.clients.iter().find(|c| c.name == name).unwrap();

    let on = by_name("keep-alive");
    assert_eq!(on.total.ok, 200);
    // How many requests overlap (and so how many connections a pool needs) depends on the
    // machine keeping its schedule; reuse itself does not.
    assert!(on.connections.opened < 100, "keep-alive opened {} connections for 200 requests", on.connections.opened);
    timed.timing("keep-alive's connection count", |result| {
        let on = result.clients.iter().find(|c| c.name == "keep-alive").unwrap();
        assert!(on.connections.opened <= 5, "keep-alive opened {} connections for 200 requests", on.connections.opened);
        assert!(on.connections.reuse_ratio > 0.95, "reuse ratio {}", on.connections.reuse_ratio);
    });

    for name in ["no-keep-alive", "unread-body"] {
        let c = by_name(name);
        assert_eq!(c.total.ok, 200, "{name}: {:?}", c.total.errors);
        assert_eq!(c.connections.opened, 200, "{name} opens one connection per request");
        assert_eq!(c.connections.reuse_ratio, 0.0, "{name} never reuses");
        assert_eq!(c.total.connections_opened, 200);
        // The client gives each connection up (Connection: close it sent, a body it won't read).
        assert_eq!(
            (c.connections.closed_by_client, c.connections.closed_by_peer),
            (200, 0),
            "{name}: who closed its connections"
        );
    }
}

/// Arrivals beyond what a capped pool can carry wait in the worker's backlog (as records, not
/// tasks) and are served in arrival order as connections free up; those still waiting when the
/// drain ends are recorded as unfinished, like requests cancelled on the wire. Every arrival is
/// accounted for, and latency still counts from each arrival's intended time.
#[test]
fn arrivals_beyond_a_capped_pool_wait_their_turn_and_are_all_accounted_for() {
    let _serial = exclusive();
    let mut capped = ClientPlan::defaults("one-conn");
    capped.max_conns_per_host = Some(1);
    // 100 arrivals in 1 s against 50 ms responses on one connection: about 20 a second get served.
    let mut plan = mock_plan(ms(50), vec![constant(100.0, Duration::from_secs(1))], vec![capped]);
    plan.drain = Duration::from_millis(500);
    let result = crate::support::run(&plan);
    let c = &result.clients[0];
    let unfinished = c.total.errors.get("unfinished").copied().unwrap_or(0);
    assert_eq!(c.total.sent, 100);
    assert_eq!(c.total.ok + unfinished, 100, "every arrival is either answered or unfinished: {:?}", c.total.errors);
    assert!((10..=35).contains(&c.total.ok), "about 1.5 s / 50 ms answered, got {}", c.total.ok);
    assert_eq!(c.connections.opened, 1, "the cap holds");
    // The last answered arrival waited behind all the others: latency from its intended time is
    // far above the 50 ms one exchange takes.
    assert!(c.total.latency.max_us >= 400_000, "max latency {}µs", c.total.latency.max_us);
}

/// Validation keeps every value below its ceiling; the run itself must not overflow either, for
/// a plan built in code. Timeouts, the pool's idle timeout, the mock's keep-alive and a fault
/// window at `Duration::MAX` once panicked a load thread ("overflow when adding duration to
/// instant") or the result's fault windows.
#[test]
fn the_largest_durations_do_not_overflow_at_run_time() {
    let _serial = exclusive();
    let mut client = ClientPlan::defaults("far");
    client.pool_idle_timeout = Some(Duration::MAX);
    client.connect_timeout = Some(Duration::MAX);
    client.request_timeout = Some(Duration::MAX);
    let mut plan = mock_plan(ms(1), vec![constant(50.0, ms(400))], vec![client]);
    plan.mock.keep_alive_idle = Some(Duration::MAX);
    plan.drain = ms(500);
    // In the run from 100 ms on and never ending, but hitting nothing: only its window is computed.
    plan.faults.push(FaultPlan {
        kind: FaultKind::Mock(MockFault::Stall(Stall)),
        at: ms(100),
        duration: Duration::MAX,
        every: None,
        probability: 0.0,
    });
    // A panic in a task on a load thread (the pool's idle reaper) does not stop the run: it is
    // seen only by the panic hook.
    let overflowed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = std::sync::Arc::clone(&overflowed);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.to_string().contains("overflow") {
            seen.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        previous(info);
    }));
    let result = crate::support::run(&plan);
    let _ = std::panic::take_hook(); // back to the default hook
    assert!(!overflowed.load(std::sync::atomic::Ordering::Relaxed), "a duration overflowed at run time");
    let total = &result.clients[0].total;
    assert_eq!((total.sent, total.ok), (20, 20), "{:?}", total.errors);
    assert_eq!(result.faults[0].windows.len(), 1);
    assert_eq!(result.faults[0].windows[0].start_ms, 100);
}
