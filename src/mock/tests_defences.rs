//! The mock's defences against slow clients (`defences.rs`), each checked on both paths (its
//! own HTTP/1.1 server and hyper, forced by `keep_alive_close = "rst"`), with raw blocking
//! sockets and timing tolerances (the machine is shared: closed between 0.8× and 3× a timeout).

use super::tests::{start_plan, LIMIT};
use super::*;
use crate::dist::Dist;
use crate::mock::plan::{AtMaxConnections, KeepAliveClose, MockLimits, MockPlan, OnReadTimeout};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const GET: &[u8] = b"GET / HTTP/1.1\r\nhost: a\r\n\r\n";

#[derive(Debug, Clone, Copy)]
enum Path {
    Plain,
    Hyper,
}

const PATHS: [Path; 2] = [Path::Plain, Path::Hyper];

fn mock(path: Path, limits: MockLimits, plan: MockPlan) -> MockServer {
    let plan = match path {
        Path::Plain => MockPlan { limits, ..plan },
        // `rst` closing needs the full path; the idle timeout is far beyond any test.
        Path::Hyper => MockPlan {
            limits,
            keep_alive_idle: Some(Duration::from_secs(3600)),
            keep_alive_close: KeepAliveClose::Rst,
            ..plan
        },
    };
    start_plan(plan)
}

fn connect(mock: &MockServer) -> TcpStream {
    let s = TcpStream::connect(mock.addr()).unwrap();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s
}

/// Reads until the mock closes (or `LIMIT`); what arrived, and whether it closed.
fn read_to_close(s: &mut TcpStream) -> (String, bool) {
    let mut got = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (String::from_utf8_lossy(&got).into_owned(), false)
            }
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), true),
        }
    }
}

/// Reads one response head and its `content-length` body.
fn read_response(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut byte).expect("a response"), 1, "closed before a response: {got:?}");
        got.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&got).into_owned();
    let len =
        head.lines().find_map(|l| l.strip_prefix("content-length: ")).map_or(0, |n| n.trim().parse::<usize>().unwrap());
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    head
}

fn within(elapsed: Duration, timeout: Duration) {
    assert!(elapsed >= timeout.mul_f64(0.8) && elapsed <= timeout * 3, "ended after {elapsed:?}, timeout {timeout:?}");
}

/// Sends `first`, then one header line every 100 ms (slowloris) until the mock closes; how
/// long that took from connecting, and what it answered.
fn dribble(mock: &MockServer, first: &[u8]) -> (Duration, String) {
    let start = Instant::now();
    let mut s = connect(mock);
    s.write_all(first).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while start.elapsed() < LIMIT {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let _ = s.write_all(b"x-slow: 1\r\n");
            }
            Err(_) => break,
        }
    }
    (start.elapsed(), String::from_utf8_lossy(&got).into_owned())
}

#[test]
fn a_head_slower_than_header_read_timeout_is_closed_or_answered_408() {
    let timeout = Duration::from_millis(500);
    for path in PATHS {
        for (on, expect) in [(OnReadTimeout::Close, ""), (OnReadTimeout::Answer408, "HTTP/1.1 408 ")] {
            let limits = MockLimits { header_read_timeout: Some(timeout), on_read_timeout: on, ..Default::default() };
            let mock = mock(path, limits, MockPlan::default());
            let (elapsed, got) = dribble(&mock, b"GET / HTTP/1.1\r\n");
            within(elapsed, timeout);
            assert!(if expect.is_empty() { got.is_empty() } else { got.starts_with(expect) }, "{path:?}: {got:?}");
            assert_eq!(mock.stats().header_timeouts, 1, "{path:?}");
            // Nothing sent at all: the first head's clock runs from accept.
            let start = Instant::now();
            let (got, closed) = read_to_close(&mut connect(&mock));
            assert!(closed, "{path:?}");
            within(start.elapsed(), timeout);
            assert_eq!(got.starts_with("HTTP/1.1 408"), on == OnReadTimeout::Answer408, "{path:?}: {got:?}");
        }
    }
}

#[test]
fn a_head_in_time_is_served_and_a_keep_alive_wait_is_not_a_head() {
    let timeout = Duration::from_millis(400);
    for path in PATHS {
        let limits = MockLimits { header_read_timeout: Some(timeout), ..Default::default() };
        let mock = mock(path, limits, MockPlan::default());
        let mut s = connect(&mock);
        for part in GET.chunks(9) {
            s.write_all(part).unwrap();
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(read_response(&mut s).starts_with("HTTP/1.1 200"), "{path:?}");
        // Idle longer than the header timeout: the next head's clock starts with its first byte.
        std::thread::sleep(timeout * 2);
        s.write_all(GET).unwrap();
        assert!(read_response(&mut s).starts_with("HTTP/1.1 200"), "{path:?}");
        assert_eq!(mock.stats().header_timeouts, 0, "{path:?}");
    }
}

#[test]
fn a_body_pausing_longer_than_body_read_timeout_is_cut() {
    let timeout = Duration::from_millis(400);
    let post = b"POST / HTTP/1.1\r\nhost: a\r\ncontent-length: 10\r\n\r\n";
    for path in PATHS {
        let limits = MockLimits {
            body_read_timeout: Some(timeout),
            on_read_timeout: OnReadTimeout::Answer408,
            ..Default::default()
        };
        let mock = mock(path, limits, MockPlan::default());
        // Gaps shorter than the timeout: served.
        let mut s = connect(&mock);
        s.write_all(post).unwrap();
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(150));
            s.write_all(b"ab").unwrap();
        }
        assert!(read_response(&mut s).starts_with("HTTP/1.1 200"), "{path:?}");
        // A gap longer: 408 and closed.
        let mut s = connect(&mock);
        s.write_all(post).unwrap();
        s.write_all(b"abcde").unwrap();
        let start = Instant::now();
        let (got, closed) = read_to_close(&mut s);
        within(start.elapsed(), timeout);
        assert!(closed && got.starts_with("HTTP/1.1 408"), "{path:?}: {got:?}");
        assert_eq!(mock.stats().body_timeouts, 1, "{path:?}");
    }
}

#[test]
fn a_client_that_never_reads_is_reset_after_send_timeout() {
    let timeout = Duration::from_millis(400);
    let body_bytes = 32 << 20;
    for path in PATHS {
        let limits = MockLimits { send_timeout: Some(timeout), ..Default::default() };
        let mock = mock(path, limits, MockPlan { body_bytes, ..MockPlan::default() });
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        socket.connect(&mock.addr().into()).unwrap();
        let mut s: TcpStream = socket.into();
        let start = Instant::now();
        s.write_all(GET).unwrap();
        while mock.stats().send_timeouts == 0 && start.elapsed() < LIMIT {
            std::thread::sleep(Duration::from_millis(10));
        }
        // The write blocks once the buffers are full, a moment after the request.
        within(start.elapsed(), timeout);
        s.set_read_timeout(Some(LIMIT)).unwrap();
        let mut got = 0usize;
        let mut chunk = vec![0u8; 1 << 16];
        let ended = loop {
            match s.read(&mut chunk) {
                Ok(0) => break "fin",
                Ok(n) => got += n,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break "rst",
                Err(e) => panic!("{path:?}: {e}"),
            }
        };
        assert_eq!(ended, "rst", "{path:?}");
        assert!(got < body_bytes, "{path:?}: {got} bytes arrived of {body_bytes}");
    }
}

#[test]
fn a_head_over_max_header_bytes_is_answered_431() {
    for path in PATHS {
        let limits = MockLimits { max_header_bytes: 16 * 1024, ..Default::default() };
        let mock = mock(path, limits, MockPlan::default());
        let head = |bytes: usize| format!("GET / HTTP/1.1\r\nx-big: {}\r\n\r\n", "a".repeat(bytes));
        let mut s = connect(&mock);
        s.write_all(head(10_000).as_bytes()).unwrap();
        assert!(read_response(&mut s).starts_with("HTTP/1.1 200"), "{path:?}");
        let mut s = connect(&mock);
        let _ = s.write_all(head(40_000).as_bytes());
        let (got, closed) = read_to_close(&mut s);
        assert!(closed && got.starts_with("HTTP/1.1 431"), "{path:?}: {got:?}");
        assert_eq!(mock.stats().heads_too_large, 1, "{path:?}");
    }
}

#[test]
fn at_max_connections_closes_waits_in_the_backlog_or_answers_503() {
    for path in PATHS {
        // close: one more is closed at once.
        let limits = MockLimits { max_connections: 1, ..Default::default() };
        let m = mock(path, limits, MockPlan::default());
        let mut held = connect(&m);
        held.write_all(GET).unwrap();
        read_response(&mut held);
        let (got, closed) = read_to_close(&mut connect(&m));
        assert!(closed && got.is_empty(), "{path:?}: {got:?}");
        assert_eq!(m.stats().over_cap, 1, "{path:?}");

        // backlog: one more connects, but gets no answer until a slot frees.
        let limits =
            MockLimits { max_connections: 1, at_max_connections: AtMaxConnections::Backlog, ..Default::default() };
        let m = mock(path, limits, MockPlan::default());
        let mut held = connect(&m);
        held.write_all(GET).unwrap();
        read_response(&mut held);
        let mut waiting = connect(&m);
        waiting.write_all(GET).unwrap();
        waiting.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let mut byte = [0u8; 1];
        let early = waiting.read(&mut byte);
        assert!(early.is_err(), "{path:?}: answered at the cap: {early:?}");
        drop(held);
        waiting.set_read_timeout(Some(LIMIT)).unwrap();
        assert!(read_response(&mut waiting).starts_with("HTTP/1.1 200"), "{path:?}");
        let stats = m.stats();
        assert!(stats.backlog_pauses >= 1 && stats.over_cap == 0, "{path:?}: {stats:?}");

        // 503: connections without a request never count; a request beyond the in-progress cap does.
        let limits =
            MockLimits { max_connections: 1, at_max_connections: AtMaxConnections::Refuse503, ..Default::default() };
        let plan = MockPlan { latency: Dist::Fixed(Duration::from_millis(600)), ..MockPlan::default() };
        let m = mock(path, limits, plan);
        let mut slowloris = connect(&m);
        slowloris.write_all(b"GET / HTTP/1.1\r\n").unwrap();
        let _idle = connect(&m);
        let mut first = connect(&m);
        first.write_all(GET).unwrap();
        std::thread::sleep(Duration::from_millis(150));
        let mut second = connect(&m);
        second.write_all(GET).unwrap();
        let (got, closed) = read_to_close(&mut second);
        assert!(closed && got.starts_with("HTTP/1.1 503"), "{path:?}: {got:?}");
        assert!(read_response(&mut first).starts_with("HTTP/1.1 200"), "{path:?}");
        let mut third = connect(&m);
        third.write_all(GET).unwrap();
        assert!(read_response(&mut third).starts_with("HTTP/1.1 200"), "{path:?}: a slot freed");
        let stats = m.stats();
        assert_eq!((stats.limit_conn_rejections, stats.over_cap), (1, 0), "{path:?}: {stats:?}");
    }
}
