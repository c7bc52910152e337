//! Each slow-client kind against the mock with its defence off and on: undefended, the mock
//! holds every connection to the window's end; defended, it ends them after its timeout (or its
//! connection cap), and the cohort's fates and `held_for` say so. How long a connection was
//! held is judged through `support::timed`, so a machine too busy to keep time is inconclusive
//! rather than red.

use chaosload::fault::FaultPlan;
use chaosload::mock::plan::{MockLimits, MockPlan, OnReadTimeout};
use chaosload::mock::{MockConfig, MockServer};
use chaosload::slow::kinds::{SlowPost, SlowRead, Slowloris};
use chaosload::slow::{CohortConfig, CohortFault, CohortKind, CohortRecord, CohortTarget, Cohorts};
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One cohort of `kind` (`connections` at 50 a second, for `window`) against a fresh mock with
/// `limits` and `body_bytes`; its record once its window has ended.
fn against_mock(
    limits: MockLimits,
    body_bytes: usize,
    kind: CohortKind,
    connections: u64,
    window: Duration,
) -> CohortRecord {
    let plan = MockPlan { limits, body_bytes, ..MockPlan::default() };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mock = MockServer::start(listener, MockConfig::new(plan, 1)).unwrap();
    let target = CohortTarget { addr: mock.addr(), host: mock.addr().to_string(), path: "/".into() };
    let fault = FaultPlan {
        kind: CohortFault { kind, connections, per_second: 50 },
        at: Duration::ZERO,
        duration: window,
        every: None,
        probability: 1.0,
    };
    let cohorts = Cohorts::start(CohortConfig { target, cohorts: vec![(0, fault)], epoch: Instant::now() }).unwrap();
    let started = Instant::now();
    while !cohorts.is_done() {
        assert!(started.elapsed() < window + Duration::from_secs(20), "the cohort outlived its window");
        std::thread::sleep(ms(20));
    }
    let record = cohorts.finish().remove(0);
    mock.shutdown();
    let f = record.fates;
    assert_eq!(f.refused + f.connect_failed + f.closed_by_server + f.reset + f.held_to_end, f.attempts, "{f:?}");
    record
}

fn p50_ms(r: &CohortRecord) -> u64 {
    r.held_for.quantile_us(0.5) / 1000
}

/// [`against_mock`] beside the timer probe (again after a pause while the machine is too busy);
/// `held` is checked against the p50 of `held_for` only when the machine kept time.
fn timed_against_mock(
    what: &str,
    limits: MockLimits,
    body_bytes: usize,
    kind: impl Fn() -> CohortKind,
    connections: u64,
    window: Duration,
    held: std::ops::RangeInclusive<u64>,
) -> CohortRecord {
    let timed = crate::support::timed(what, || against_mock(limits, body_bytes, kind(), connections, window));
    timed
        .timing(what, |r| assert!(held.contains(&p50_ms(r)), "{what}: held for p50 {} ms, not in {held:?}", p50_ms(r)));
    timed.result
}

fn ended_by_server(r: &CohortRecord) -> u64 {
    r.fates.closed_by_server + r.fates.reset
}

/// slowloris against `header_read_timeout`: held without it; with 1 s, every head is cut off
/// after about 1 s (and the cohort keeps replacing them).
#[test]
fn slowloris_is_held_by_an_undefended_mock_and_cut_off_by_header_read_timeout() {
    let loris = || CohortKind::from(Slowloris { bytes: 8, interval: ms(200) });
    let off = against_mock(MockLimits::default(), 64, loris(), 10, ms(3000));
    assert_eq!((off.fates.held_to_end, ended_by_server(&off)), (10, 0), "{:?}", off.fates);

    let on = MockLimits { header_read_timeout: Some(ms(1000)), ..MockLimits::default() };
    let on = timed_against_mock("slowloris, 1 s header timeout", on, 64, loris, 10, ms(3000), 800..=1800);
    assert!(on.fates.closed_by_server >= 10, "the first ten at least are cut off: {:?}", on.fates);
    assert!(on.fates.attempts > 10, "and replaced: {:?}", on.fates);
    assert_eq!(on.fates.answered, 0, "closed without a byte: {:?}", on.fates);

    // on_read_timeout = "408": the same cut, each with an answer first.
    let answering = MockLimits {
        header_read_timeout: Some(ms(1000)),
        on_read_timeout: OnReadTimeout::Answer408,
        ..MockLimits::default()
    };
    let r = against_mock(answering, 64, loris(), 5, ms(1800));
    assert!(r.fates.closed_by_server >= 5, "{:?}", r.fates);
    assert_eq!(r.fates.answered, ended_by_server(&r), "every one got its 408: {:?}", r.fates);
}

/// slow_post against `body_read_timeout`: held without it; with 500 ms against a body byte
/// every second, each is cut off after about 500 ms.
#[test]
fn slow_post_is_held_by_an_undefended_mock_and_cut_off_by_body_read_timeout() {
    let post = || CohortKind::from(SlowPost { bytes: 4, interval: ms(1000), content_length: 4096 });
    let off = against_mock(MockLimits::default(), 64, post(), 5, ms(2500));
    assert_eq!((off.fates.held_to_end, ended_by_server(&off)), (5, 0), "{:?}", off.fates);

    let on = MockLimits { body_read_timeout: Some(ms(500)), ..MockLimits::default() };
    let on = timed_against_mock("slow_post, 500 ms body timeout", on, 64, post, 5, ms(2500), 350..=1300);
    assert!(ended_by_server(&on) >= 5, "{:?}", on.fates);
    assert_eq!(on.fates.held_to_end + ended_by_server(&on), on.fates.attempts, "{:?}", on.fates);
}

/// slow_read against `send_timeout`: a 4 MiB response read 5 bytes at a time stalls the mock's
/// writes; without a send timeout the mock waits, with 500 ms it resets the connection.
#[test]
fn slow_read_is_held_by_an_undefended_mock_and_reset_by_send_timeout() {
    let read = || CohortKind::from(SlowRead { bytes: 5, interval: ms(200), receive_buffer: 512, pipeline: 1 });
    let off = against_mock(MockLimits::default(), 4 << 20, read(), 3, ms(3000));
    assert_eq!((off.fates.held_to_end, ended_by_server(&off)), (3, 0), "{:?}", off.fates);

    let on = MockLimits { send_timeout: Some(ms(500)), ..MockLimits::default() };
    let on = timed_against_mock("slow_read, 500 ms send timeout", on, 4 << 20, read, 3, ms(3000), 400..=2000);
    assert!(on.fates.reset >= 3, "the stalled writes end in a reset: {:?}", on.fates);
    assert!(on.fates.answered >= 3, "after some of the response: {:?}", on.fates);
}

/// `max_connections` (at_max_connections "close"): of 10 slowloris connections the mock holds 5,
/// and closes the others at once; the cohort keeps trying.
#[test]
fn max_connections_closes_what_is_over_the_cap() {
    let loris = || CohortKind::from(Slowloris { bytes: 8, interval: ms(200) });
    let cap = MockLimits { max_connections: 5, ..MockLimits::default() };
    let r = timed_against_mock("slowloris over max_connections", cap, 64, loris, 10, ms(2000), 0..=300);
    assert_eq!(r.fates.held_to_end, 5, "{:?}", r.fates);
    assert!(ended_by_server(&r) >= 5, "{:?}", r.fates);
}
