//! Tests of the mock's faults, keep-alive close styles and serverless model, as a client sees
//! them over real sockets on 127.0.0.1 (raw `TcpStream`s or hyper clients), with tolerances.

use super::tests::{collect, h1, h1_get, ms, raw_get, start, LIMIT};
use super::*;
use crate::dist::Dist;
use crate::fault::FaultPlan;
use crate::mock::faults::Hang;
use crate::mock::faults::{
    Close, EmptyResponse, GatewayTimeout, Latency, Malformed, MockFault, Reset, Status, Trickle,
};
use crate::mock::plan::MockPlan;
use crate::mock::plan::{KeepAliveClose, OnFreeze, ServerlessPlan};
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

fn always(kind: impl Into<MockFault>) -> FaultPlan<MockFault> {
    let kind = kind.into();
    FaultPlan { kind, at: Duration::ZERO, duration: Duration::from_secs(3600), every: None, probability: 1.0 }
}

fn with_faults(plan: MockPlan, faults: Vec<MockFault>) -> MockServer {
    start(MockConfig {
        plan,
        faults: faults.into_iter().map(always).enumerate().collect(),
        seed: 42,
        epoch: Instant::now(),
        tls: None,
    })
}

#[derive(Debug, PartialEq, Eq)]
enum End {
    Eof,
    Reset,
    Open,
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nhost: mock\r\n\r\n";

/// Reads until the peer closes (`Eof`), resets (`Reset`) or `wait` passes (`Open`).
async fn read_until_end(stream: &mut TcpStream, wait: Duration) -> (Vec<u8>, End) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Err(_) => return (buf, End::Open),
            Ok(Ok(0)) => return (buf, End::Eof),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionReset => return (buf, End::Reset),
            Ok(Err(e)) => panic!("read failed: {e}"),
        }
    }
}

async fn raw_exchange(addr: SocketAddr) -> (Vec<u8>, End) {
    // A reset right after accepting can reach us before the connect completes on our side, or
    // before the request is written: either way, that is the reset.
    let is_reset = |e: &io::Error| matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe);
    let mut stream = match TcpStream::connect(addr).await {
        Err(e) if is_reset(&e) => return (Vec::new(), End::Reset),
        connected => connected.unwrap(),
    };
    match stream.write_all(GET).await {
        Err(e) if is_reset(&e) => return (Vec::new(), End::Reset),
        written => written.unwrap(),
    }
    read_until_end(&mut stream, LIMIT).await
}

/// The `io::ErrorKind` somewhere in a hyper error's source chain.
fn io_kind(e: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        cur = err.source();
    }
    None
}

type H2 = hyper::client::conn::http2::SendRequest<Full<Bytes>>;

async fn h2(addr: SocketAddr) -> H2 {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    sender
}

async fn h2_get(sender: &mut H2) -> (Response<()>, Bytes) {
    let req = Request::get("http://mock/").body(Full::default()).unwrap();
    collect(timeout(LIMIT, sender.send_request(req)).await.expect("no response").unwrap()).await
}

async fn h1_try(addr: SocketAddr) -> hyper::Result<Response<hyper::body::Incoming>> {
    let mut client = h1(addr).await;
    let req = Request::get("/").header("host", "mock").body(Full::default()).unwrap();
    timeout(LIMIT, client.send_request(req)).await.expect("no answer")
}

#[tokio::test]
async fn latency_fault_adds_to_the_mock_latency() {
    let plan = MockPlan { latency: Dist::Fixed(ms(30)), ..MockPlan::default() };
    let mock = with_faults(plan, vec![Latency(Dist::Fixed(ms(150))).into(), Latency(Dist::Fixed(ms(20))).into()]);
    let mut client = h1(mock.addr()).await;
    let t = Instant::now();
    let (res, _) = h1_get(&mut client).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(t.elapsed() >= ms(200) && t.elapsed() < ms(1500), "took {:?}", t.elapsed());
    assert_eq!(mock.shutdown().fault_hits, 1);
}

#[tokio::test]
async fn status_fault_first_in_order_wins_on_h1_and_h2() {
    let mock = with_faults(
        MockPlan::default(),
        vec![Status(StatusCode::from_u16(418).unwrap()).into(), Status(StatusCode::from_u16(500).unwrap()).into()],
    );
    let mut client = h1(mock.addr()).await;
    assert_eq!(h1_get(&mut client).await.0.status(), StatusCode::IM_A_TEAPOT);
    let mut client = h2(mock.addr()).await;
    assert_eq!(h2_get(&mut client).await.0.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(mock.shutdown().fault_hits, 2);
}

#[tokio::test]
async fn close_fault_closes_after_the_nth_response() {
    let mock = with_faults(MockPlan { body_bytes: 5, ..MockPlan::default() }, vec![Close { after_requests: 2 }.into()]);
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    let (status, _) = raw_get(&mut stream, "").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    stream.write_all(GET).await.unwrap();
    let (bytes, end) = read_until_end(&mut stream, LIMIT).await;
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("HTTP/1.1 200") && text.contains("connection: close\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nabcde"), "{text}");
    assert_eq!(end, End::Eof);
    assert_eq!(mock.shutdown().fault_hits, 1);
}

#[tokio::test]
async fn reset_at_accept() {
    let mock = with_faults(MockPlan::default(), vec![Reset::Accept.into()]);
    let (bytes, end) = raw_exchange(mock.addr()).await;
    assert_eq!((bytes.len(), end), (0, End::Reset));
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.fault_hits), (0, 1));
}

#[tokio::test]
async fn reset_before_headers() {
    let mock = with_faults(MockPlan::default(), vec![Reset::BeforeHeaders.into()]);
    let (bytes, end) = raw_exchange(mock.addr()).await;
    assert_eq!((bytes.len(), end), (0, End::Reset));
    let e = h1_try(mock.addr()).await.unwrap_err();
    assert_eq!(io_kind(&e), Some(io::ErrorKind::ConnectionReset), "{e:?}");
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.fault_hits), (2, 2));
}

#[tokio::test]
async fn reset_mid_body_sends_the_full_length_then_part_of_the_body() {
    let plan = MockPlan { body_bytes: 1000, ..MockPlan::default() };
    let mock = with_faults(plan, vec![Reset::MidBody { after_bytes: 100 }.into()]);
    let (bytes, end) = raw_exchange(mock.addr()).await;
    assert_eq!(end, End::Reset);
    let text = String::from_utf8_lossy(&bytes);
    let head_end = text.find("\r\n\r\n").expect("a response head") + 4;
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.contains("content-length: 1000\r\n"), "{text}");
    assert_eq!(bytes.len() - head_end, 100);

    let res = h1_try(mock.addr()).await.expect("headers arrive");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(timeout(LIMIT, res.into_body().collect()).await.expect("body hangs").is_err());
}

#[tokio::test]
async fn hang_never_answers_and_keeps_the_connection_open_and_on_h2_holds_only_its_stream() {
    let mock = with_faults(MockPlan::default(), vec![Hang.into()]);
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    stream.write_all(GET).await.unwrap();
    let (bytes, end) = read_until_end(&mut stream, ms(600)).await;
    assert_eq!((bytes.len(), end), (0, End::Open), "{}", String::from_utf8_lossy(&bytes));
    drop(stream);
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.fault_hits), (1, 1));

    // On HTTP/2 a hung stream leaves the connection's other streams alone: a request sent after
    // the fault's window is answered on the same connection while the first still hangs.
    let hang = FaultPlan { duration: ms(300), ..always(Hang) };
    let mock = start(MockConfig {
        plan: MockPlan::default(),
        faults: vec![(0, hang)],
        seed: 1,
        epoch: Instant::now(),
        tls: None,
    });
    let mut sender = h2(mock.addr()).await;
    let hung = sender.send_request(Request::get("http://mock/").body(Full::default()).unwrap());
    let hung = tokio::spawn(timeout(ms(900), hung));
    tokio::time::sleep(ms(400)).await;
    assert_eq!(h2_get(&mut sender).await.0.status(), StatusCode::OK);
    assert!(hung.await.unwrap().is_err(), "the request inside the window is never answered");
}

#[tokio::test]
async fn empty_response_closes_without_a_byte() {
    let mock = with_faults(MockPlan::default(), vec![EmptyResponse.into()]);
    let (bytes, end) = raw_exchange(mock.addr()).await;
    assert_eq!((bytes.len(), end), (0, End::Eof));
    let e = h1_try(mock.addr()).await.unwrap_err();
    assert!(e.is_incomplete_message(), "{e:?}");
}

#[tokio::test]
async fn malformed_responses() {
    let garbage = with_faults(MockPlan::default(), vec![Malformed::Garbage.into()]);
    let (bytes, end) = raw_exchange(garbage.addr()).await;
    assert!(!bytes.is_empty() && !bytes.starts_with(b"HTTP/"), "{bytes:?}");
    assert_eq!(end, End::Eof);
    assert!(h1_try(garbage.addr()).await.unwrap_err().is_parse());

    let bad_chunk = with_faults(MockPlan::default(), vec![Malformed::BadChunk.into()]);
    let (bytes, end) = raw_exchange(bad_chunk.addr()).await;
    assert!(String::from_utf8_lossy(&bytes).contains("transfer-encoding: chunked\r\n\r\nzz"));
    assert_eq!(end, End::Eof);
    let res = h1_try(bad_chunk.addr()).await.expect("the head is valid");
    assert!(timeout(LIMIT, res.into_body().collect()).await.unwrap().is_err());

    let short = with_faults(MockPlan { body_bytes: 40, ..MockPlan::default() }, vec![Malformed::ShortBody.into()]);
    let (bytes, end) = raw_exchange(short.addr()).await;
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("content-length: 40\r\n"), "{text}");
    assert_eq!(bytes.len() - (text.find("\r\n\r\n").unwrap() + 4), 20);
    assert_eq!(end, End::Eof);
    let res = h1_try(short.addr()).await.expect("the head is valid");
    let e = timeout(LIMIT, res.into_body().collect()).await.unwrap().unwrap_err();
    assert_eq!(io_kind(&e), Some(io::ErrorKind::UnexpectedEof), "{e:?}");
}

#[tokio::test]
async fn trickle_spreads_the_body_over_the_duration() {
    let plan = MockPlan { body_bytes: 200, ..MockPlan::default() };
    let mock = with_faults(plan, vec![Trickle { over: ms(500) }.into()]);
    let mut client = h1(mock.addr()).await;
    let t = Instant::now();
    let req = Request::get("/").header("host", "mock").body(Full::default()).unwrap();
    let res = timeout(LIMIT, client.send_request(req)).await.unwrap().unwrap();
    let head_after = t.elapsed();
    assert_eq!(res.headers()["content-length"], "200");
    let mut body = res.into_body();
    let (mut frames, mut len, mut at_half) = (0, 0, None);
    while let Some(frame) = timeout(LIMIT, body.frame()).await.unwrap() {
        let data = frame.unwrap().into_data().unwrap();
        frames += 1;
        len += data.len();
        if len >= 100 && at_half.is_none() {
            at_half = Some(t.elapsed());
        }
    }
    let done = t.elapsed();
    assert_eq!(len, 200);
    assert!(head_after < ms(250), "head after {head_after:?}");
    assert!(done >= ms(450) && done < ms(2000), "body done after {done:?}");
    let at_half = at_half.unwrap();
    assert!(at_half >= ms(150) && at_half < done, "half the body after {at_half:?} of {done:?}");
    assert!(frames >= 10, "{frames} frames");
    // The connection is reusable afterwards.
    assert_eq!(h1_get(&mut client).await.1.len(), 200);
}

#[tokio::test]
async fn gateway_timeout_answers_its_status_after_its_delay_on_h1_and_h2() {
    let mock = with_faults(
        MockPlan::default(),
        vec![GatewayTimeout { status: StatusCode::GATEWAY_TIMEOUT, after: ms(300) }.into()],
    );
    let mut client = h1(mock.addr()).await;
    let t = Instant::now();
    assert_eq!(h1_get(&mut client).await.0.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(t.elapsed() >= ms(300) && t.elapsed() < ms(1500), "took {:?}", t.elapsed());
    let mut client = h2(mock.addr()).await;
    let t = Instant::now();
    assert_eq!(h2_get(&mut client).await.0.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(t.elapsed() >= ms(300), "took {:?}", t.elapsed());
}

#[tokio::test]
async fn fault_windows_and_probability() {
    // Inactive before its window.
    let late = FaultPlan { at: Duration::from_secs(60), ..always(Status(StatusCode::from_u16(500).unwrap())) };
    let mock = start(MockConfig {
        plan: MockPlan::default(),
        faults: vec![(0, late)],
        seed: 1,
        epoch: Instant::now(),
        tls: None,
    });
    let mut client = h1(mock.addr()).await;
    assert_eq!(h1_get(&mut client).await.0.status(), StatusCode::OK);
    assert_eq!(mock.shutdown().fault_hits, 0);

    // Half the requests, the same ones for the same seed.
    let run = |seed| async move {
        let half = FaultPlan { probability: 0.5, ..always(Status(StatusCode::from_u16(503).unwrap())) };
        let config =
            MockConfig { plan: MockPlan::default(), faults: vec![(0, half)], seed, epoch: Instant::now(), tls: None };
        let mock = start(config);
        let mut client = h1(mock.addr()).await;
        let mut out = Vec::new();
        for _ in 0..200 {
            out.push(h1_get(&mut client).await.0.status() == StatusCode::SERVICE_UNAVAILABLE);
        }
        assert_eq!(mock.shutdown().fault_hits, out.iter().filter(|&&x| x).count() as u64);
        out
    };
    let (a, b, c) = (run(7).await, run(7).await, run(8).await);
    assert_eq!(a, b);
    assert_ne!(a, c);
    let hits = a.iter().filter(|&&x| x).count();
    assert!((60..=140).contains(&hits), "{hits} of 200 hit");
}

#[tokio::test]
async fn keep_alive_rst_resets_at_the_idle_timeout() {
    let plan =
        MockPlan { keep_alive_idle: Some(ms(100)), keep_alive_close: KeepAliveClose::Rst, ..MockPlan::default() };
    let mock = start(MockConfig::new(plan, 1));
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    raw_get(&mut stream, "").await;
    let idle_from = Instant::now();
    let (bytes, end) = read_until_end(&mut stream, LIMIT).await;
    assert_eq!((bytes.len(), end), (0, End::Reset));
    assert!(idle_from.elapsed() >= ms(60), "reset after {:?}", idle_from.elapsed());
    assert_eq!(mock.shutdown().connections_closed_idle, 1);
}

#[tokio::test]
async fn keep_alive_race_resets_the_next_request_after_the_timeout() {
    let plan =
        MockPlan { keep_alive_idle: Some(ms(150)), keep_alive_close: KeepAliveClose::Race, ..MockPlan::default() };
    let mock = start(MockConfig::new(plan, 1));
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    raw_get(&mut stream, "").await;
    raw_get(&mut stream, "").await; // well inside the timeout
                                    // Nothing happens at the timeout…
    let (bytes, end) = read_until_end(&mut stream, ms(400)).await;
    assert_eq!((bytes.len(), end), (0, End::Open));
    // …but the next request is met by a reset, without a response.
    stream.write_all(GET).await.unwrap();
    let (bytes, end) = read_until_end(&mut stream, LIMIT).await;
    assert_eq!((bytes.len(), end), (0, End::Reset));
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.connections_closed_idle), (3, 1));
}

#[tokio::test]
async fn keep_alive_jitter_spreads_the_timeouts() {
    let plan = MockPlan { keep_alive_idle: Some(ms(300)), keep_alive_jitter: ms(200), ..MockPlan::default() };
    let b = behaviour::Behaviour::new(&MockConfig::new(plan.clone(), 5), Arc::default()).unwrap();
    let timeouts: Vec<Duration> = (0..200).map(|i| b.idle_timeout(i).unwrap()).collect();
    assert!(timeouts.iter().all(|t| (ms(100)..=ms(500)).contains(t)));
    assert!(timeouts.iter().any(|t| *t < ms(150)) && timeouts.iter().any(|t| *t > ms(450)));
    let again = behaviour::Behaviour::new(&MockConfig::new(plan.clone(), 5), Arc::default()).unwrap();
    assert_eq!(timeouts, (0..200).map(|i| again.idle_timeout(i).unwrap()).collect::<Vec<_>>());

    // Over real sockets: connections close at different times within the range.
    let mock = start(MockConfig::new(plan, 5));
    let t = Instant::now();
    let mut streams = Vec::new();
    for _ in 0..8 {
        streams.push(TcpStream::connect(mock.addr()).await.unwrap());
    }
    let mut closed = Vec::new();
    for (i, s) in streams.iter_mut().enumerate() {
        let (_, end) = read_until_end(s, LIMIT).await;
        assert_eq!(end, End::Eof);
        closed.push((i, t.elapsed()));
    }
    for &(i, at) in &closed {
        let expected = timeouts[i];
        assert!(at + ms(20) >= expected && at < expected + ms(700), "conn {i} closed at {at:?}, timeout {expected:?}");
    }
}

fn serverless(plan: ServerlessPlan, latency: Duration) -> MockServer {
    let plan = MockPlan { latency: Dist::Fixed(latency), serverless: Some(plan), ..MockPlan::default() };
    start(MockConfig::new(plan, 3))
}

fn one_by_one(init: Duration, on_freeze: OnFreeze) -> ServerlessPlan {
    ServerlessPlan {
        instances: 1,
        concurrency: 1,
        freeze_after: ms(150),
        init: Dist::Fixed(init),
        on_freeze,
        queue_timeout: Duration::from_secs(5),
        queue_status: 503,
        prewarm: 0,
        cold_handshake: None,
    }
}

#[tokio::test]
async fn cold_start_delays_the_first_request() {
    let mock = serverless(
        ServerlessPlan { freeze_after: Duration::from_secs(60), ..one_by_one(ms(200), OnFreeze::Reset) },
        ms(0),
    );
    let mut client = h1(mock.addr()).await;
    let t = Instant::now();
    h1_get(&mut client).await;
    assert!(t.elapsed() >= ms(200) && t.elapsed() < ms(1500), "first request took {:?}", t.elapsed());
    let t = Instant::now();
    h1_get(&mut client).await;
    assert!(t.elapsed() < ms(150), "a warm request took {:?}", t.elapsed());
    let mut other = h1(mock.addr()).await;
    let t = Instant::now();
    h1_get(&mut other).await;
    assert!(t.elapsed() < ms(150), "a new connection to the warm instance took {:?}", t.elapsed());
    let stats = mock.shutdown();
    assert_eq!((stats.cold_starts, stats.freezes, stats.queued), (1, 0, 0));
}

#[tokio::test]
async fn prewarm_avoids_the_first_cold_start() {
    let plan = ServerlessPlan { prewarm: 1, freeze_after: ms(50), ..one_by_one(ms(300), OnFreeze::Reset) };
    let mock = serverless(plan, ms(0));
    tokio::time::sleep(ms(200)).await; // beyond freeze_after: a prewarmed instance stays warm
    let mut client = h1(mock.addr()).await;
    let t = Instant::now();
    h1_get(&mut client).await;
    assert!(t.elapsed() < ms(200), "took {:?}", t.elapsed());
    let stats = mock.shutdown();
    assert_eq!((stats.cold_starts, stats.freezes), (0, 0));
}

#[tokio::test]
async fn frozen_instance_resets_its_connections() {
    let mock = serverless(one_by_one(ms(50), OnFreeze::Reset), ms(0));
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    raw_get(&mut stream, "").await;
    tokio::time::sleep(ms(400)).await;
    stream.write_all(GET).await.unwrap();
    let (bytes, end) = read_until_end(&mut stream, LIMIT).await;
    assert_eq!((bytes.len(), end), (0, End::Reset));
    // A new connection binds afresh and cold-starts.
    let mut client = h1(mock.addr()).await;
    let t = Instant::now();
    assert_eq!(h1_get(&mut client).await.0.status(), StatusCode::OK);
    assert!(t.elapsed() >= ms(50), "took {:?}", t.elapsed());
    let stats = mock.shutdown();
    assert_eq!((stats.cold_starts, stats.freezes, stats.frozen_connection_hits), (2, 1, 1));
}

#[tokio::test]
async fn frozen_instance_drops_requests_silently() {
    let mock = serverless(one_by_one(ms(50), OnFreeze::Drop), ms(0));
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    raw_get(&mut stream, "").await;
    tokio::time::sleep(ms(400)).await;
    stream.write_all(GET).await.unwrap();
    let (bytes, end) = read_until_end(&mut stream, ms(700)).await;
    assert_eq!((bytes.len(), end), (0, End::Open), "the client should hang until its own timeout");
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.frozen_connection_hits), (2, 1));
}

#[tokio::test]
async fn frozen_instance_kept_pays_a_cold_start() {
    let mock = serverless(one_by_one(ms(200), OnFreeze::Keep), ms(0));
    let mut client = h1(mock.addr()).await;
    h1_get(&mut client).await;
    tokio::time::sleep(ms(450)).await;
    let t = Instant::now();
    assert_eq!(h1_get(&mut client).await.0.status(), StatusCode::OK);
    assert!(t.elapsed() >= ms(200) && t.elapsed() < ms(1500), "took {:?}", t.elapsed());
    let stats = mock.shutdown();
    assert_eq!((stats.cold_starts, stats.freezes, stats.frozen_connection_hits), (2, 1, 1));
}

#[tokio::test]
async fn full_capacity_queues_then_times_out() {
    // 1 instance × 1 request: the second concurrent request waits for the first.
    let plan = ServerlessPlan { freeze_after: Duration::from_secs(60), ..one_by_one(ms(0), OnFreeze::Reset) };
    let mock = serverless(plan.clone(), ms(200));
    let addr = mock.addr();
    let t = Instant::now();
    let a = tokio::spawn(async move { h1_get(&mut h1(addr).await).await.0.status() });
    tokio::time::sleep(ms(50)).await;
    let b = tokio::spawn(async move { h1_get(&mut h1(addr).await).await.0.status() });
    assert_eq!(a.await.unwrap(), StatusCode::OK);
    assert_eq!(b.await.unwrap(), StatusCode::OK);
    assert!(t.elapsed() >= ms(400), "both done after {:?}", t.elapsed());
    let stats = mock.shutdown();
    assert_eq!((stats.cold_starts, stats.queued, stats.queue_timeouts), (1, 1, 0));

    // With a short queue timeout the waiting request gets queue_status.
    let mock = serverless(ServerlessPlan { queue_timeout: ms(100), ..plan }, ms(600));
    let addr = mock.addr();
    let a = tokio::spawn(async move { h1_get(&mut h1(addr).await).await.0.status() });
    tokio::time::sleep(ms(50)).await;
    let t = Instant::now();
    assert_eq!(h1_get(&mut h1(addr).await).await.0.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(t.elapsed() >= ms(90) && t.elapsed() < ms(500), "503 after {:?}", t.elapsed());
    assert_eq!(a.await.unwrap(), StatusCode::OK);
    let stats = mock.shutdown();
    assert_eq!((stats.queued, stats.queue_timeouts), (1, 1));
}

/// A hung request keeps the serverless capacity it took, as a request in progress does: with one
/// instance serving one request at a time, the next request waits for it and gets the queue's
/// status, and the instance is not frozen under it.
#[tokio::test]
async fn a_hung_request_holds_its_serverless_instance() {
    let plan = ServerlessPlan { freeze_after: ms(100), queue_timeout: ms(300), ..one_by_one(ms(0), OnFreeze::Reset) };
    let plan = MockPlan { serverless: Some(plan), ..MockPlan::default() };
    let hang = FaultPlan { duration: ms(200), ..always(Hang) };
    let mock = start(MockConfig { plan, faults: vec![(0, hang)], seed: 1, epoch: Instant::now(), tls: None });
    let mut hung = TcpStream::connect(mock.addr()).await.unwrap();
    hung.write_all(GET).await.unwrap();
    tokio::time::sleep(ms(250)).await;
    let t = Instant::now();
    assert_eq!(h1_get(&mut h1(mock.addr()).await).await.0.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(t.elapsed() >= ms(280), "the queue timed out after {:?}", t.elapsed());
    drop(hung);
    let stats = mock.shutdown();
    assert_eq!((stats.cold_starts, stats.freezes, stats.queue_timeouts), (1, 0, 1));
}

/// Waits (boundedly) until the mock has queued `n` requests in all.
async fn until_queued(mock: &MockServer, n: u64) {
    let deadline = Instant::now() + LIMIT;
    while mock.stats().queued < n {
        assert!(Instant::now() < deadline, "request {n} never queued");
        tokio::time::sleep(ms(5)).await;
    }
}

#[tokio::test]
async fn queued_requests_are_served_first_come_first_served() {
    // 1 instance × 1 request: A holds it; B, C, D queue in that order. E is pipelined behind A
    // on A's connection, so the mock takes it up the moment A's capacity comes free, before the
    // waiters run: it must queue behind them. Answers come in the order A, B, C, D, E.
    let plan = ServerlessPlan { freeze_after: Duration::from_secs(60), ..one_by_one(ms(0), OnFreeze::Reset) };
    let mock = serverless(plan, ms(300));
    let addr = mock.addr();
    let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel();
    let tx = done_tx.clone();
    tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&[GET, GET].concat()).await.unwrap();
        let (mut buf, mut seen) = (Vec::new(), 0);
        for name in ["A", "E"] {
            while buf.windows(9).filter(|w| w == b"HTTP/1.1 ").count() == seen {
                let mut chunk = [0u8; 4096];
                let n = timeout(LIMIT, stream.read(&mut chunk)).await.expect("no response").unwrap();
                assert!(n > 0, "closed before {name}'s response");
                buf.extend_from_slice(&chunk[..n]);
            }
            seen += 1;
            tx.send(name).unwrap();
        }
        assert_eq!(String::from_utf8_lossy(&buf).matches("HTTP/1.1 200 OK").count(), 2);
    });
    let deadline = Instant::now() + LIMIT;
    while mock.stats().requests < 1 {
        assert!(Instant::now() < deadline, "A never arrived");
        tokio::time::sleep(ms(5)).await;
    }
    for (n, name) in [(1, "B"), (2, "C"), (3, "D")] {
        let tx = done_tx.clone();
        tokio::spawn(async move {
            assert_eq!(h1_get(&mut h1(addr).await).await.0.status(), StatusCode::OK);
            tx.send(name).unwrap();
        });
        until_queued(&mock, n).await;
    }
    let mut order = Vec::new();
    for _ in 0..5 {
        order.push(timeout(LIMIT, done.recv()).await.expect("a request never finished").unwrap());
    }
    assert_eq!(order, ["A", "B", "C", "D", "E"]);
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.cold_starts, stats.queued, stats.queue_timeouts), (5, 1, 4, 0));
}
