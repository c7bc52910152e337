//! Tests of the mock over real sockets on 127.0.0.1, with tolerances rather than exact timings.

use super::*;
use crate::dist::Dist;
use crate::fault::FaultPlan;
use crate::mock::faults::{MockFault, Stall};
use crate::mock::plan::MockPlan;
use bytes::Bytes;
use http::{Request, Response, StatusCode, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

pub(super) const LIMIT: Duration = Duration::from_secs(5);

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(super) fn start(config: MockConfig) -> MockServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    MockServer::start(listener, config).unwrap()
}

pub(super) fn start_plan(plan: MockPlan) -> MockServer {
    start(MockConfig::new(plan, 42))
}

pub(super) type H1 = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

pub(super) async fn h1(addr: SocketAddr) -> H1 {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    sender
}

pub(super) async fn h1_get(sender: &mut H1) -> (Response<()>, Bytes) {
    let req = Request::get("/").header("host", "mock").body(Full::default()).unwrap();
    let res = timeout(LIMIT, sender.send_request(req)).await.expect("no response").unwrap();
    collect(res).await
}

pub(super) async fn collect(res: Response<Incoming>) -> (Response<()>, Bytes) {
    let (parts, body) = res.into_parts();
    let body = timeout(LIMIT, body.collect()).await.expect("no body").unwrap().to_bytes();
    (Response::from_parts(parts, ()), body)
}

pub(super) fn content_length(res: &Response<()>) -> usize {
    res.headers()["content-length"].to_str().unwrap().parse().unwrap()
}

/// Sends a raw HTTP/1.1 GET and reads one response; returns its status line and body length.
pub(super) async fn raw_get(stream: &mut TcpStream, extra_header: &str) -> (String, usize) {
    let req = format!("GET / HTTP/1.1\r\nhost: mock\r\n{extra_header}\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = timeout(LIMIT, stream.read(&mut chunk)).await.expect("no response").unwrap();
        assert!(n > 0, "EOF before the response head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let len: usize =
        head.lines().find_map(|l| l.strip_prefix("content-length: ")).expect("content-length").parse().unwrap();
    while buf.len() < head_end + len {
        let mut chunk = [0u8; 4096];
        let n = timeout(LIMIT, stream.read(&mut chunk)).await.expect("no body").unwrap();
        assert!(n > 0, "EOF inside the body");
        buf.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(buf.len(), head_end + len, "bytes after the response");
    (head.lines().next().unwrap().to_owned(), len)
}

/// Waits for the peer to close: `Ok(())` on EOF, `Err` if the connection stays open for `wait`.
pub(super) async fn eof_within(stream: &mut TcpStream, wait: Duration) -> Result<(), &'static str> {
    let mut byte = [0u8; 1];
    match timeout(wait, stream.read(&mut byte)).await {
        Ok(Ok(0)) | Ok(Err(_)) => Ok(()),
        Ok(Ok(_)) => panic!("unexpected bytes from the mock"),
        Err(_) => Err("still open"),
    }
}

#[tokio::test]
async fn fixed_latency_and_exact_body() {
    let mock = start_plan(MockPlan { latency: Dist::Fixed(ms(20)), body_bytes: 1234, ..MockPlan::default() });
    let mut client = h1(mock.addr()).await;
    for _ in 0..3 {
        let t = Instant::now();
        let (res, body) = h1_get(&mut client).await;
        let took = t.elapsed();
        assert!(took >= ms(20) && took < ms(200), "took {took:?}");
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(content_length(&res), 1234);
        assert_eq!(body.len(), 1234);
    }
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.connections_accepted), (3, 1));
}

#[tokio::test]
async fn zero_latency_and_empty_body() {
    let mock = start_plan(MockPlan { body_bytes: 0, ..MockPlan::default() });
    let mut client = h1(mock.addr()).await;
    let (res, body) = h1_get(&mut client).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(content_length(&res), 0);
    assert!(body.is_empty());
}

async fn statuses(mock: &MockServer, n: usize) -> Vec<u16> {
    let mut client = h1(mock.addr()).await;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(h1_get(&mut client).await.0.status().as_u16());
    }
    out
}

#[tokio::test]
async fn status_mix_follows_weights_and_seed() {
    let plan = MockPlan { statuses: vec![(200, 90), (503, 10)], ..MockPlan::default() };
    let mix = statuses(&start(MockConfig::new(plan.clone(), 1)), 1000).await;
    let errors = mix.iter().filter(|&&s| s == 503).count();
    assert!((60..=140).contains(&errors), "{errors} of 1000 were 503");
    assert_eq!(mix.iter().filter(|&&s| s == 200).count(), 1000 - errors);

    let again = statuses(&start(MockConfig::new(plan.clone(), 1)), 200).await;
    assert_eq!(again, mix[..200]);
    let other_seed = statuses(&start(MockConfig::new(plan, 2)), 200).await;
    assert_ne!(other_seed, mix[..200]);
}

#[tokio::test]
async fn idle_keep_alive_connection_is_closed_by_the_server() {
    let mock = start_plan(MockPlan { keep_alive_idle: Some(ms(100)), ..MockPlan::default() });
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    let (status, _) = raw_get(&mut stream, "").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let idle_from = Instant::now();
    eof_within(&mut stream, LIMIT).await.expect("the mock kept the idle connection");
    assert!(idle_from.elapsed() >= ms(50), "closed after {:?}", idle_from.elapsed());

    // A connection that never sends a request is idle too.
    let mut silent = TcpStream::connect(mock.addr()).await.unwrap();
    eof_within(&mut silent, LIMIT).await.expect("the mock kept the silent connection");
    let stats = mock.shutdown();
    assert_eq!((stats.connections_accepted, stats.connections_closed_idle), (2, 2));
}

#[tokio::test]
async fn without_idle_timeout_connections_stay_open() {
    let mock = start_plan(MockPlan { keep_alive_idle: None, ..MockPlan::default() });
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    raw_get(&mut stream, "").await;
    assert_eq!(eof_within(&mut stream, ms(300)).await, Err("still open"));
    let (status, _) = raw_get(&mut stream, "").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.connections_accepted, stats.connections_closed_idle), (2, 1, 0));
}

#[tokio::test]
async fn idle_timeout_spares_a_connection_with_a_request_in_progress() {
    let mock =
        start_plan(MockPlan { latency: Dist::Fixed(ms(250)), keep_alive_idle: Some(ms(50)), ..MockPlan::default() });
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    // Each request outlasts the idle timeout; closing a busy connection would end it after the first.
    for _ in 0..2 {
        let (status, _) = raw_get(&mut stream, "").await;
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    }
    eof_within(&mut stream, LIMIT).await.expect("closed once idle");
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.connections_closed_idle), (2, 1));
}

#[tokio::test]
async fn idle_h2_connection_is_closed_by_the_server() {
    let mock = start_plan(MockPlan { keep_alive_idle: Some(ms(100)), ..MockPlan::default() });
    let stream = TcpStream::connect(mock.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
    let conn = tokio::spawn(conn);
    let req = Request::get("http://mock/").body(Full::<Bytes>::default()).unwrap();
    let (res, _) = collect(timeout(LIMIT, sender.send_request(req)).await.expect("no response").unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    // The client's connection task ends once the server sent GOAWAY and closed.
    timeout(LIMIT, conn).await.expect("the mock kept the idle h2 connection").unwrap().ok();
    assert_eq!(mock.shutdown().connections_closed_idle, 1);
}

#[tokio::test]
async fn connection_close_is_honoured() {
    let mock = start_plan(MockPlan { body_bytes: 10, ..MockPlan::default() });
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    let (status, len) = raw_get(&mut stream, "connection: close\r\n").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(len, 10);
    eof_within(&mut stream, LIMIT).await.expect("the mock ignored connection: close");
    assert_eq!(mock.shutdown().connections_closed_idle, 0);
}

#[tokio::test]
async fn request_bodies_are_drained_and_the_connection_reused() {
    let mock = start_plan(MockPlan { body_bytes: 3, ..MockPlan::default() });
    let mut client = h1(mock.addr()).await;
    for _ in 0..2 {
        let req =
            Request::post("/upload").header("host", "mock").body(Full::new(Bytes::from(vec![7u8; 200_000]))).unwrap();
        let res = timeout(LIMIT, client.send_request(req)).await.expect("no response").unwrap();
        let (res, body) = collect(res).await;
        assert_eq!((res.status(), body.len()), (StatusCode::OK, 3));
    }
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.connections_accepted), (2, 1));
}

/// Writes `request` on a fresh connection and reads everything the mock sends until it closes.
async fn raw_exchange(mock: &MockServer, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut all = Vec::new();
    timeout(LIMIT, stream.read_to_end(&mut all)).await.expect("the mock did not close").unwrap();
    String::from_utf8(all).unwrap()
}

#[tokio::test]
async fn pipelined_requests_with_every_body_framing_are_answered_in_order() {
    let mock = start_plan(MockPlan { body_bytes: 5, statuses: vec![(200, 1)], ..MockPlan::default() });
    let pipeline = concat!(
        "GET /1 HTTP/1.1\r\nhost: m\r\n\r\n",
        "POST /2 HTTP/1.1\r\nhost: m\r\ntransfer-encoding: chunked\r\n\r\n",
        "3;ext=1\r\nabc\r\n0\r\ntrailer: t\r\n\r\n",
        "HEAD /3 HTTP/1.1\r\nhost: m\r\n\r\n",
        "PUT /4 HTTP/1.1\r\nhost: m\r\ncontent-length: 4\r\n\r\nbody",
        "GET /5 HTTP/1.1\r\nhost: m\r\nconnection: close\r\n\r\n",
        "GET /never HTTP/1.1\r\nhost: m\r\n\r\n",
    );
    let text = raw_exchange(&mock, pipeline.as_bytes()).await;
    let responses: Vec<&str> = text.split("HTTP/1.1 ").skip(1).collect();
    assert_eq!(responses.len(), 5, "one answer per request up to the close: {text}");
    for (i, r) in responses.iter().enumerate() {
        assert!(r.starts_with("200 OK\r\ncontent-length: 5\r\n"), "response {i}: {r}");
        // HEAD gets the length of the body it would have, and no body.
        let body = if i == 2 { "" } else { "abcde" };
        assert!(r.ends_with(&format!("\r\n\r\n{body}")), "response {i}: {r}");
    }
    assert!(responses[4].contains("connection: close\r\n"));
    assert_eq!(mock.shutdown().requests, 5);
}

#[tokio::test]
async fn expect_continue_http_1_0_and_bad_requests() {
    let mock = start_plan(MockPlan { body_bytes: 2, ..MockPlan::default() });
    // The client waits for 100 Continue before sending the body.
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    let head = "POST / HTTP/1.1\r\nhost: m\r\nexpect: 100-continue\r\ncontent-length: 3\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = [0u8; 25];
    timeout(LIMIT, stream.read_exact(&mut interim)).await.expect("no 100 Continue").unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(b"abcGET / HTTP/1.1\r\nconnection: close\r\n\r\n").await.unwrap();
    let mut rest = Vec::new();
    timeout(LIMIT, stream.read_to_end(&mut rest)).await.expect("the mock did not close").unwrap();
    let rest = String::from_utf8(rest).unwrap();
    assert_eq!(rest.matches("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n").count(), 2, "{rest}");

    // HTTP/1.0 closes unless asked to keep alive, and is told it was.
    let text = raw_exchange(&mock, b"GET / HTTP/1.0\r\n\r\n").await;
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("ab"), "{text}");
    let mut kept = TcpStream::connect(mock.addr()).await.unwrap();
    kept.write_all(b"GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n").await.unwrap();
    let mut answer = vec![0u8; 512];
    let n = timeout(LIMIT, kept.read(&mut answer)).await.expect("no answer").unwrap();
    assert!(String::from_utf8_lossy(&answer[..n]).contains("connection: keep-alive\r\n"));
    assert_eq!(eof_within(&mut kept, ms(200)).await, Err("still open"));

    // What cannot be parsed or delimited is refused, and the connection closed.
    let bad_requests = [
        &b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n",
        b"POST / HTTP/1.0\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n;no-size\r\n\r\n",
    ];
    for bad in bad_requests {
        let text = raw_exchange(&mock, bad).await;
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n") && text.contains("connection: close"), "{text}");
    }
    // Framed both ways: read as chunked, answered, and the connection not reused.
    let both =
        b"POST / HTTP/1.1\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n";
    let text = raw_exchange(&mock, both).await;
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.contains("connection: close"), "{text}");
    assert_eq!(text.matches("HTTP/1.1").count(), 1, "{text}");
    // A malformed chunk is found after the request was taken: it counts, like the refused head does not.
    assert_eq!(mock.shutdown().requests, 6, "refused heads are not counted");

    // A 1xx is never a final answer: the mock says 500 and closes, as hyper's server did.
    let informational = start_plan(MockPlan { statuses: vec![(103, 1)], ..MockPlan::default() });
    let text = raw_exchange(&informational, b"GET / HTTP/1.1\r\n\r\n").await;
    assert!(text.starts_with("HTTP/1.1 500 Internal Server Error\r\n") && text.contains("connection: close"), "{text}");
}

#[tokio::test]
async fn stall_holds_responses_until_the_window_ends() {
    let epoch = Instant::now();
    let stall =
        FaultPlan { kind: MockFault::Stall(Stall), at: ms(100), duration: ms(400), every: None, probability: 1.0 };
    let mock = start(MockConfig { plan: MockPlan::default(), faults: vec![(0, stall)], seed: 0, epoch, tls: None });
    let mut client = h1(mock.addr()).await;
    h1_get(&mut client).await; // before the window: answered at once

    tokio::time::sleep_until((epoch + ms(150)).into()).await;
    let (res, _) = h1_get(&mut client).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(epoch.elapsed() >= ms(500), "answered {:?} after the epoch, inside the stall", epoch.elapsed());

    tokio::time::sleep_until((epoch + ms(600)).into()).await;
    let t = Instant::now();
    h1_get(&mut client).await;
    assert!(t.elapsed() < ms(100), "after the window a request took {:?}", t.elapsed());
}

#[tokio::test]
async fn h2c_prior_knowledge() {
    let mock = start_plan(MockPlan { latency: Dist::Fixed(ms(5)), body_bytes: 700, ..MockPlan::default() });
    let stream = TcpStream::connect(mock.addr()).await.unwrap();
    let (sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let requests = (0..8).map(|_| {
        let mut sender = sender.clone();
        async move {
            let req = Request::get("http://mock/").body(Full::<Bytes>::default()).unwrap();
            collect(timeout(LIMIT, sender.send_request(req)).await.expect("no response").unwrap()).await
        }
    });
    for (res, body) in futures_join_all(requests).await {
        assert_eq!((res.status(), res.version()), (StatusCode::OK, Version::HTTP_2));
        assert_eq!(content_length(&res), 700);
        assert_eq!(body.len(), 700);
    }
    let stats = mock.shutdown();
    assert_eq!((stats.requests, stats.connections_accepted), (8, 1));
}

/// Runs futures concurrently on the current task (no `futures` crate here).
async fn futures_join_all<F: std::future::Future + Send + 'static>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F::Output: Send,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn shutdown_is_prompt_with_connections_open() {
    let mock = start_plan(MockPlan { latency: Dist::Fixed(Duration::from_secs(30)), ..MockPlan::default() });
    let mut idle = TcpStream::connect(mock.addr()).await.unwrap();
    let mut pending = TcpStream::connect(mock.addr()).await.unwrap();
    pending.write_all(b"GET / HTTP/1.1\r\nhost: mock\r\n\r\n").await.unwrap();
    let h2 = TcpStream::connect(mock.addr()).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(h2)).await.unwrap();
    tokio::spawn(conn);
    let h2_pending = tokio::spawn(async move {
        sender.send_request(Request::get("http://mock/").body(Full::<Bytes>::default()).unwrap()).await
    });
    while mock.stats().requests < 2 {
        tokio::time::sleep(ms(5)).await;
    }

    let t = Instant::now();
    let stats = tokio::task::spawn_blocking(move || mock.shutdown()).await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(1), "shutdown took {:?}", t.elapsed());
    assert_eq!((stats.requests, stats.connections_accepted), (2, 3));
    eof_within(&mut idle, LIMIT).await.expect("idle connection left open");
    eof_within(&mut pending, LIMIT).await.expect("busy connection left open");
    assert!(timeout(LIMIT, h2_pending).await.expect("h2 request left hanging").unwrap().is_err());
}

#[tokio::test]
async fn serve_runs_on_the_callers_runtime() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (token, counters) = (CancellationToken::new(), Arc::new(MockCounters::default()));
    let server =
        tokio::spawn(serve(listener, MockConfig::new(MockPlan::default(), 3), token.clone(), Arc::clone(&counters)));
    let mut client = h1(addr).await;
    assert_eq!(h1_get(&mut client).await.0.status(), StatusCode::OK);
    token.cancel();
    timeout(LIMIT, server).await.expect("serve did not stop").unwrap().unwrap();
    assert_eq!(counters.snapshot().requests, 1);

    let bad = MockConfig::new(MockPlan { statuses: vec![], ..MockPlan::default() }, 3);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    assert!(serve(listener, bad, CancellationToken::new(), Arc::default()).await.is_err());
}

#[tokio::test]
async fn connections_over_max_connections_are_closed_at_once_and_counted() {
    let limits = crate::mock::plan::MockLimits { max_connections: 2, ..Default::default() };
    let mock = start_plan(MockPlan { limits, ..MockPlan::default() });
    let mut kept = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
        raw_get(&mut stream, "").await;
        kept.push(stream);
    }
    let mut over = TcpStream::connect(mock.addr()).await.unwrap();
    let _ = over.write_all(b"GET / HTTP/1.1\r\nhost: mock\r\n\r\n").await;
    eof_within(&mut over, LIMIT).await.expect("the connection over the cap was left open");
    drop(kept);
    // Once the kept connections are gone there is room again (as soon as the mock saw them go).
    let mut attempts = 3; // two kept, one over the cap
    let served = async {
        loop {
            attempts += 1;
            let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\nhost: mock\r\nconnection: close\r\n\r\n").await.unwrap();
            let mut text = Vec::new();
            let _ = stream.read_to_end(&mut text).await;
            if text.starts_with(b"HTTP/1.1 200 OK") {
                return;
            }
            tokio::time::sleep(ms(20)).await;
        }
    };
    timeout(LIMIT, served).await.expect("never served again after the kept connections closed");
    let stats = mock.shutdown();
    assert!(stats.over_cap >= 1, "{stats:?}");
    assert_eq!(stats.connections_accepted + stats.over_cap, attempts, "each connection counted once: {stats:?}");
    assert_eq!(stats.requests, 3, "only connections under the cap were served: {stats:?}");
}
