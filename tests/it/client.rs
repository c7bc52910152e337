//! The client under test against the mock: each knob changes what the result says it should.

use crate::support::{constant, exclusive, mock_plan, ms, run};
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

#[test]
fn request_timeout_fires_and_is_classified() {
    let _serial = exclusive();
    let mut impatient = ClientPlan::defaults("impatient");
    impatient.request_timeout = Some(ms(50));
    let plan = mock_plan(ms(300), vec![constant(20.0, Duration::from_secs(1))], vec![impatient]);
    let c = &run(&plan).clients[0];
    assert_eq!(c.total.errors.get(&ErrorKind::RequestTimeout.name()), Some(&20), "{:?}", c.total.errors);
    // Every request ended in a timeout, none in the 300 ms response; p90 (not max: the shared
    // machine stalls now and then) shows they gave up at about 50 ms.
    assert!(c.total.latency.p90_us < 200_000, "gave up at the timeout: {:?}", c.total.latency);
    assert_eq!(
        c.connections.closed_by_client, c.connections.opened,
        "an abandoned HTTP/1 exchange closes its connection"
    );
}

#[test]
fn retries_on_5xx_turn_errors_into_successes() {
    let _serial = exclusive();
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
    let _serial = exclusive();
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
