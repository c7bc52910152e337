//! The client under test against the mock: each knob changes what the result says it should.

use crate::support::{constant, exclusive, mock_plan, ms, run, run_timed, shared};
use chaosload::dist::Dist;
use chaosload::record::ErrorKind;
use chaosload::scenario::{ClientPlan, HttpVersion, Load, RetryOn, RetryPlan};
use std::time::Duration;

#[test]
fn http2_multiplexes_every_request_on_one_connection() {
    let _serial = exclusive();
    let mut h2 = ClientPlan::defaults("h2");
    h2.http = HttpVersion::Http2;
    let plan = mock_plan(ms(5), vec![constant(200.0, Duration::from_secs(1))], vec![h2]);
    let c = &run(&plan).clients[0];
    assert_eq!(c.total.ok, 200, "{:?}", c.total.errors);
    assert_eq!(c.connections.opened, 1);
    assert!(c.total.reuse_ratio > 0.99);
}

#[test]
fn max_conns_per_host_caps_connections_and_queues_the_rest() {
    let _serial = exclusive();
    let mut capped = ClientPlan::defaults("capped");
    capped.max_conns_per_host = Some(2);
    let mut phase = constant(0.0, Duration::from_secs(1));
    phase.load = Load::Closed { concurrency: 16, think: None };
    let plan = mock_plan(ms(5), vec![phase], vec![capped]);
    let c = &run(&plan).clients[0];
    assert!(c.total.ok > 100, "{:?}", c.total);
    assert_eq!(c.connections.opened, 2);
    // 16 users share 2 connections: a request waits for ~7 others, so latency ≈ 8 × service.
    assert!(
        c.total.latency.p50_us > 4 * c.total.service_time.p50_us,
        "{:?} vs {:?}",
        c.total.latency,
        c.total.service_time
    );
}

/// The pool's own cap, where the engine's backlog does not enforce it: with `request_timeout`
/// every open-model arrival waits for a connection as a task of its own, in the pool's queue.
/// 200 arrivals/s against 20 ms responses would need ~4 connections; capped at 2, the pool opens
/// 2 and the others wait (a 5 s timeout: none gives up).
#[test]
fn the_pools_own_cap_holds_when_arrivals_wait_as_tasks() {
    let _serial = exclusive();
    let mut capped = ClientPlan::defaults("capped-timeout");
    capped.max_conns_per_host = Some(2);
    capped.request_timeout = Some(Duration::from_secs(5));
    let plan = mock_plan(ms(20), vec![constant(200.0, Duration::from_secs(1))], vec![capped]);
    let c = &run(&plan).clients[0];
    let mock = c.mock.as_ref().unwrap();
    assert_eq!(c.connections.opened, 2, "the pool's cap: {:?}", c.connections);
    assert_eq!(mock.connections_accepted, 2, "counted by the mock too");
    // Two connections carry at most one 20 ms exchange each at a time: ≤ 100 answers a second.
    // The 200 arrivals take ≥ 2 s to serve, so the last wait ≥ 1 s beyond their arrival.
    assert_eq!(c.total.ok, 200, "{:?}", c.total.errors);
    assert!(c.total.latency.max_us >= 900_000, "the queue behind the cap: {:?}", c.total.latency);
}

/// `pool_max_idle_per_host = 1`: four users release connections while others are busy, so each
/// release beyond the one idle connection kept closes it, and the next request dials again.
/// Without the limit, four users keep their four connections for the whole run.
#[test]
fn pool_max_idle_per_host_closes_what_it_may_not_keep() {
    let _serial = exclusive();
    let unlimited = ClientPlan::defaults("unlimited");
    let mut one_idle = ClientPlan::defaults("one-idle");
    one_idle.pool_max_idle_per_host = 1;
    let mut phase = constant(0.0, Duration::from_secs(1));
    phase.load = Load::Closed { concurrency: 4, think: Some(Dist::Fixed(ms(3))) };
    let plan = mock_plan(ms(2), vec![phase], vec![unlimited, one_idle]);
    let result = run(&plan);
    let (unlimited, one_idle) = (&result.clients[0], &result.clients[1]);
    assert_eq!(unlimited.connections.opened, 4, "{:?}", unlimited.connections);
    assert_eq!(unlimited.connections.closed_by_client, 4, "closed at the end of the run only");
    assert!(one_idle.total.ok > 40, "{:?}", one_idle.total);
    assert!(one_idle.connections.opened >= 10, "extras are closed after use: {:?}", one_idle.connections);
    assert_eq!(one_idle.connections.opened, one_idle.mock.as_ref().unwrap().connections_accepted);
    assert!(
        one_idle.connections.closed_by_client + 4 >= one_idle.connections.opened,
        "the client closed them: {:?}",
        one_idle.connections
    );
}

/// `max_in_flight = 10` against 200 ms responses at 200 arrivals/s: at most 10 requests are out
/// at once, each for ≥ 200 ms, so at most 10 × (1 s / 200 ms + 1) = 60 are sent in the 1 s
/// phase; every other arrival is counted as `overflow` and never reaches the server.
#[test]
fn max_in_flight_overflows_instead_of_sending() {
    let _serial = exclusive();
    let mut phase = constant(200.0, Duration::from_secs(1));
    phase.load =
        Load::Open { shape: chaosload::scenario::Shape::Constant { rate: 200.0 }, poisson: false, max_in_flight: 10 };
    let plan = mock_plan(ms(200), vec![phase], vec![ClientPlan::defaults("c")]);
    let c = &run(&plan).clients[0];
    let overflow = c.total.errors.get("overflow").copied().unwrap_or(0);
    assert_eq!(c.total.arrivals, 200);
    assert_eq!(c.total.sent + overflow, 200, "every arrival is sent or overflowed: {:?}", c.total.errors);
    assert!(c.total.sent >= 10 && c.total.sent <= 60, "sent {} with 10 in flight at most", c.total.sent);
    assert_eq!(c.mock.as_ref().unwrap().requests, c.total.sent, "overflowed arrivals never reach the server");
    assert_eq!(c.total.ok, c.total.sent, "{:?}", c.total.errors);
    assert!(c.connections.opened <= 10, "never more than 10 out at once: {:?}", c.connections);
}

/// Retries wait their backoff, doubling each time: every answer is 503, two retries after
/// 100 ms and 200 ms, so each request takes at least 300 ms (service time counts from the first
/// write, retries included).
#[test]
fn retry_backoff_is_waited_between_attempts() {
    let _serial = exclusive();
    let mut retrying = ClientPlan::defaults("backoff");
    retrying.retries = RetryPlan { max: 2, on: vec![RetryOn::Status5xx], backoff: ms(100) };
    let mut plan = mock_plan(ms(1), vec![constant(10.0, Duration::from_secs(1))], vec![retrying]);
    plan.mock.statuses = vec![(503, 1)];
    let timed = run_timed(&plan);
    let c = &timed.result.clients[0];
    assert_eq!(c.total.errors.get("http_503"), Some(&10), "{:?}", c.total.errors);
    assert_eq!(c.total.retries, 20, "two retries each");
    assert_eq!(c.mock.as_ref().unwrap().requests, 30, "three attempts each reached the server");
    assert!(c.total.service_time.min_us >= 299_000, "backoffs of 100 ms and 200 ms: {:?}", c.total.service_time);
    assert!(c.total.service_time.p50_us <= 2_000_000, "{:?}", c.total.service_time);
    timed.timing("retry backoffs of 100 and 200 ms, no more", |result| {
        let service = &result.clients[0].total.service_time;
        assert!(service.p50_us <= 330_000, "two backoffs and three 1 ms exchanges: {service:?}");
    });
}

#[test]
fn request_timeout_fires_and_is_classified() {
    let _serial = exclusive();
    let mut impatient = ClientPlan::defaults("impatient");
    impatient.request_timeout = Some(ms(50));
    let plan = mock_plan(ms(300), vec![constant(20.0, Duration::from_secs(1))], vec![impatient]);
    let timed = run_timed(&plan);
    let c = &timed.result.clients[0];
    assert_eq!(c.total.errors.get(&ErrorKind::RequestTimeout.name()), Some(&20), "{:?}", c.total.errors);
    // Every request ended in a timeout, none in the 300 ms response: never before 50 ms, and
    // (a generous bound no busy machine breaks) well before the response.
    assert!(c.total.latency.min_us >= 49_900, "gave up before the timeout: {:?}", c.total.latency);
    assert!(c.total.latency.p50_us < 250_000, "gave up at the timeout: {:?}", c.total.latency);
    timed.timing("request timeout of 50 ms", |result| {
        let latency = &result.clients[0].total.latency;
        assert!(latency.p90_us <= 56_000, "gave up at 50 ms: {latency:?}");
    });
    assert_eq!(
        c.connections.closed_by_client, c.connections.opened,
        "an abandoned HTTP/1 exchange closes its connection"
    );
}

#[test]
fn retries_on_5xx_turn_errors_into_successes() {
    let _load = shared();
    let plain = ClientPlan::defaults("no-retries");
    let mut retrying = ClientPlan::defaults("retries");
    retrying.retries = RetryPlan { max: 3, on: vec![RetryOn::Status5xx], backoff: ms(1) };
    let mut plan = mock_plan(ms(1), vec![constant(200.0, Duration::from_secs(2))], vec![plain, retrying]);
    plan.mock.statuses = vec![(200, 1), (503, 1)];
    plan.mock.latency = Dist::Fixed(ms(1));
    let result = run(&plan);
    let (plain, retrying) = (&result.clients[0].total, &result.clients[1].total);
    let plain_503 = *plain.errors.get("http_503").unwrap_or(&0);
    assert!((120..=280).contains(&plain_503), "about half of 400 fail without retries: {plain_503}");
    // With 3 retries a request fails only if 4 draws in a row are 503: about 1/16 of them.
    let retried_503 = *retrying.errors.get("http_503").unwrap_or(&0);
    assert!(retried_503 < 60, "retries leave {retried_503} failures");
    assert!(retrying.retries > 200, "retries were made: {}", retrying.retries);
}

/// A burst, 3 s of silence, a burst. The server closes connections idle for 2 s; a client whose
/// pool idle timeout is 1 s closes them first (counted as idle closes), one with 90 s finds the
/// server did (closes by the peer).
#[test]
fn idle_connections_are_closed_by_whoever_times_out_first() {
    let _load = shared();
    let mut short = ClientPlan::defaults("short-idle");
    short.pool_idle_timeout = Some(Duration::from_secs(1));
    let long = ClientPlan::defaults("long-idle");
    let mut phase = constant(0.0, Duration::from_secs(5));
    phase.load = Load::Open {
        shape: chaosload::scenario::Shape::Bursts {
            rate: 20.0,
            on: Duration::from_secs(1),
            off: Duration::from_secs(3),
        },
        poisson: false,
        max_in_flight: 100,
    };
    let mut plan = mock_plan(ms(1), vec![phase], vec![short, long]);
    plan.mock.keep_alive_idle = Some(Duration::from_secs(2));
    let result = run(&plan);
    let (short, long) = (&result.clients[0], &result.clients[1]);
    for c in [short, long] {
        assert_eq!(c.total.ok, 40, "{}: {:?}", c.name, c.total.errors);
    }
    assert!(short.connections.closed_idle >= 1, "{:?}", short.connections);
    assert_eq!(short.connections.closed_by_peer, 0, "{:?}", short.connections);
    assert_eq!(short.mock.as_ref().unwrap().connections_closed_idle, 0, "the server never had to close");
    assert!(long.connections.closed_by_peer >= 1, "{:?}", long.connections);
    assert_eq!(long.connections.closed_idle, 0, "{:?}", long.connections);
    assert!(long.mock.as_ref().unwrap().connections_closed_idle >= 1);
}
