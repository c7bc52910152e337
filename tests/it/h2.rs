//! The client's HTTP/2 side against the mock's HTTP/2 faults, end to end: each fault's error
//! kind as the run records it, retries on `refused_stream`, `h2_connections`, keep-alive PINGs
//! meeting `ping_timeout`, and a low SETTINGS_MAX_CONCURRENT_STREAMS queued behind.

use crate::support::{constant, mock_plan, ms, run, shared};
use chaosload::mock::faults::{Goaway, H2Code, MaxConcurrentStreams, MockFault, PingTimeout, RstStream};
use chaosload::result::ClientResult;
use chaosload::scenario::{ClientPlan, FaultKind, FaultPlan, HttpVersion, PlanParts};
use std::time::Duration;

fn h2_client(name: &str) -> ClientPlan {
    ClientPlan { http: HttpVersion::Http2, ..ClientPlan::defaults(name) }
}

fn fault(plan: &mut PlanParts, kind: impl Into<MockFault>, at: Duration, duration: Duration, probability: f64) {
    let kind = FaultKind::Mock(kind.into());
    plan.faults.push(FaultPlan { kind, at, duration, every: None, probability });
}

fn errors(c: &ClientResult, kind: &str) -> u64 {
    c.total.errors.get(kind).copied().unwrap_or(0)
}

#[test]
fn rst_stream_codes_are_refused_stream_or_stream_reset_and_retries_recover_refusals() {
    let _load = shared();
    let mut retrying = h2_client("retrying");
    retrying.retries.max = 2;
    retrying.retries.on = vec![chaosload::scenario::RetryOn::Error(chaosload::record::ErrorKind::RefusedStream)];
    let clients = vec![h2_client("plain"), retrying];
    let mut plan = mock_plan(ms(5), vec![constant(200.0, Duration::from_secs(2))], clients);
    let whole = Duration::from_secs(60);
    fault(&mut plan, RstStream { error_code: H2Code::RefusedStream }, Duration::ZERO, whole, 0.1);
    fault(&mut plan, RstStream { error_code: H2Code::InternalError }, Duration::ZERO, whole, 0.05);
    let result = run(&plan);
    let (plain, retrying) = (&result.clients[0], &result.clients[1]);
    let (refused, reset) = (errors(plain, "refused_stream"), errors(plain, "stream_reset"));
    // 400 requests: about 40 refused, about 18 of the rest reset with INTERNAL_ERROR.
    assert!((15..=70).contains(&refused) && (5..=40).contains(&reset), "{:?}", plain.total.errors);
    assert_eq!(refused + reset, plain.total.errors.values().sum::<u64>(), "{:?}", plain.total.errors);
    // The retrying client sends the refused ones again (draws are per request on the server,
    // so a retry is a new draw) and keeps the other resets, which it does not retry.
    assert!(errors(retrying, "refused_stream") * 5 <= refused, "{:?}", retrying.total.errors);
    assert!(errors(retrying, "stream_reset") >= 1 && retrying.total.retries >= refused / 2);
    // The streams' resets leave the connection alone: one per worker.
    assert_eq!((plain.connections.opened, plain.mock.as_ref().unwrap().connections_accepted), (1, 1));
}

#[test]
fn an_abrupt_goaway_fails_the_streams_in_flight_as_goaway() {
    let _load = shared();
    let mut plan = mock_plan(ms(200), vec![constant(100.0, Duration::from_secs(2))], vec![h2_client("c")]);
    fault(&mut plan, Goaway::Abrupt { error_code: H2Code::EnhanceYourCalm }, ms(800), ms(100), 1.0);
    let result = run(&plan);
    let c = &result.clients[0];
    // About 20 streams in flight when the GOAWAY comes: they fail with it; a new connection
    // serves the rest.
    assert!((5..=40).contains(&errors(c, "goaway")), "{:?}", c.total.errors);
    assert_eq!(errors(c, "goaway"), c.total.errors.values().sum::<u64>(), "{:?}", c.total.errors);
    assert_eq!(c.connections.opened, 2, "{:?}", c.connections);
}

#[test]
fn h2_connections_opens_that_many_and_a_stream_limit_queues_instead_of_failing() {
    let _load = shared();
    let mut client = h2_client("four");
    client.h2_connections = 4;
    let mut plan = mock_plan(ms(50), vec![constant(200.0, Duration::from_secs(2))], vec![client]);
    // Two streams at a time per connection, 50 ms each: 160 a second across four, below 200/s,
    // so requests queue, none fails (but those the client opens before the first SETTINGS).
    fault(&mut plan, MaxConcurrentStreams { max: 2 }, Duration::ZERO, Duration::from_secs(60), 1.0);
    let result = run(&plan);
    let c = &result.clients[0];
    assert_eq!((c.connections.opened, c.mock.as_ref().unwrap().connections_accepted), (4, 4));
    let failed: u64 = c.total.errors.values().sum();
    assert!(failed <= 4, "queued, not failed: {:?}", c.total.errors);
    // Queued: the latency grows well past the mock's 50 ms.
    assert!(c.total.latency.p99_us >= 100_000, "p99 {}µs", c.total.latency.p99_us);
}

#[test]
fn keepalive_pings_meet_ping_timeout_and_the_client_reconnects() {
    let _load = shared();
    let mut pinging = h2_client("pinging");
    pinging.h2_keepalive_interval = Some(ms(200));
    pinging.h2_keepalive_timeout = ms(300);
    let mut plan = mock_plan(ms(5), vec![constant(50.0, Duration::from_secs(3))], vec![pinging, h2_client("silent")]);
    // The connection goes silent from 1 s to 2.5 s.
    fault(&mut plan, PingTimeout, Duration::from_secs(1), ms(1500), 1.0);
    let result = run(&plan);
    let (pinging, silent) = (&result.clients[0], &result.clients[1]);
    // The pinging client gives the silent connection up within its interval and timeout: the
    // requests on it fail with ping_timeout, and a new connection serves the rest.
    assert!(errors(pinging, "ping_timeout") >= 1, "{:?}", pinging.total.errors);
    assert!(pinging.connections.opened >= 2, "{:?}", pinging.connections);
    // Without PINGs the client waits the silence out on the same connection.
    assert_eq!(silent.connections.opened, 1, "{:?}", silent.connections);
    assert!(silent.total.latency.max_us >= 1_000_000, "held through the silence");
}
