//! The client against targets that never stop talking: a raw TCP server on 127.0.0.1 that sends
//! endless headers or an endless body is cut off at the configuration's caps and counted as
//! `response_too_large`, and the client closes the connection (the server's writes then fail).

use crate::support::{constant, exclusive, mock_plan, run};
use chaosload::client::{Client, Dial, Endpoint};
use chaosload::record::{ConnStats, ErrorKind, Outcome};
use chaosload::scenario::{ClientPlan, HttpVersion, RequestPlan};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// How long a hostile server keeps writing before it gives up on the client ever closing.
const WRITE_LIMIT: Duration = Duration::from_secs(10);

/// What the server saw: bytes it wrote, and whether the client closed before `WRITE_LIMIT`.
struct Served {
    written: u64,
    client_closed: bool,
}

/// Serves one connection: reads the request, writes `prefix`, then `filler` over and over until
/// a write fails (the client closed) or `WRITE_LIMIT` passes.
fn hostile_server(
    prefix: &'static [u8],
    filler: &'static [u8],
) -> (std::net::SocketAddr, std::thread::JoinHandle<Served>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_write_timeout(Some(WRITE_LIMIT)).unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let started = Instant::now();
        let mut written = 0u64;
        if stream.write_all(prefix).is_err() {
            return Served { written, client_closed: true };
        }
        written += prefix.len() as u64;
        if filler.is_empty() {
            // Nothing more to send: wait for the client to close (or the limit).
            stream.set_read_timeout(Some(WRITE_LIMIT)).unwrap();
            let closed = matches!(stream.read(&mut request), Ok(0));
            return Served { written, client_closed: closed };
        }
        while started.elapsed() < WRITE_LIMIT {
            match stream.write(filler) {
                Ok(n) => written += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                    break;
                }
                Err(_) => return Served { written, client_closed: true },
            }
        }
        Served { written, client_closed: false }
    });
    (addr, server)
}

/// One request of `plan` to `addr`, on a worker-like runtime (current thread, `LocalSet`): its
/// outcome and the client's connection counts.
fn one_request_counted(addr: std::net::SocketAddr, plan: ClientPlan) -> (Outcome, ConnStats) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let endpoint =
            Endpoint { dial: Dial::Addr(addr), authority: addr.to_string(), base_path: String::new(), tls: None };
        let client = Client::new(endpoint, plan, Instant::now(), Default::default());
        let prepared = client.prepare(&RequestPlan::default()).unwrap();
        let outcome = client.send(&prepared).await.outcome;
        client.close_idle();
        (outcome, client.conn_stats())
    })
}

fn one_request(addr: std::net::SocketAddr, plan: ClientPlan) -> Outcome {
    one_request_counted(addr, plan).0
}

/// A client with small caps, and a request timeout so that a cap that failed shows up as
/// `request_timeout` instead of a hang.
fn capped(head: usize, body: u64) -> ClientPlan {
    let mut plan = ClientPlan::defaults("capped");
    plan.max_response_header_bytes = head;
    plan.max_response_body_bytes = body;
    plan.request_timeout = Some(Duration::from_secs(5));
    plan
}

fn assert_cut_off(prefix: &'static [u8], filler: &'static [u8], plan: ClientPlan, what: &str) {
    let (addr, server) = hostile_server(prefix, filler);
    let (outcome, conns) = one_request_counted(addr, plan);
    let served = server.join().unwrap();
    assert_eq!(outcome, Outcome::Error(ErrorKind::ResponseTooLarge), "{what}");
    assert_eq!((conns.closed_by_client, conns.closed_by_peer), (1, 0), "{what}: the client's doing: {conns:?}");
    assert!(served.client_closed, "{what}: the client closed the connection (after {} bytes)", served.written);
}

#[test]
fn endless_headers_are_cut_off_at_max_response_header_bytes() {
    let _serial = exclusive();
    // One header line that never ends, and header lines without end (fewer than httparse's
    // 100 fields fit under the cap, so the cap, not the field count, is what stops them).
    assert_cut_off(b"HTTP/1.1 200 OK\r\nx-endless: ", b"aaaaaaaaaaaaaaaa", capped(4096, 1 << 20), "one endless line");
    let line: &'static [u8] = b"x-filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    assert_cut_off(b"HTTP/1.1 200 OK\r\n", line, capped(4096, 1 << 20), "endless lines");
    // More fields than httparse takes (100), arriving at once: still a head past the cap, not a
    // parse error. (Lines of 50 bytes: the cap's 4,096 bytes hold 81 of them.)
    static MANY_LINES: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
        let line = format!("x-filler: {}\r\n", "a".repeat(38));
        format!("HTTP/1.1 200 OK\r\n{}", line.repeat(150)).into_bytes()
    });
    assert_cut_off(&MANY_LINES, line, capped(4096, 1 << 20), "more than 100 lines in one read");
    // Informational heads count toward the same cap: a peer may not stall with 100 Continue forever.
    assert_cut_off(b"", b"HTTP/1.1 100 Continue\r\n\r\n", capped(4096, 1 << 20), "endless 100 Continue");
}

#[test]
fn endless_bodies_are_cut_off_at_max_response_body_bytes() {
    let _serial = exclusive();
    let chunk: &'static [u8] = b"40\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    assert_cut_off(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", chunk, capped(4096, 64 * 1024), "chunked");
    assert_cut_off(
        b"HTTP/1.1 200 OK\r\n\r\n",
        b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        capped(4096, 64 * 1024),
        "until close",
    );
    // A length past the cap is refused before any of the body is read.
    let (addr, server) = hostile_server(b"HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n", b"c");
    assert_eq!(one_request(addr, capped(4096, 999_999)), Outcome::Error(ErrorKind::ResponseTooLarge));
    let served = server.join().unwrap();
    assert!(served.client_closed, "after {} bytes", served.written);
}

#[test]
fn responses_within_the_caps_pass() {
    let _serial = exclusive();
    // The negative control of the two tests above: the same server, a response that fits.
    let (addr, server) = hostile_server(
        b"HTTP/1.1 200 OK\r\nx-long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\ncontent-length: 10\r\n\r\n0123456789",
        b"",
    );
    assert_eq!(one_request(addr, capped(1024, 10)), Outcome::Ok(200));
    assert!(server.join().unwrap().client_closed, "the client closed its pooled connection at the end");
}

/// Both client paths against the mock: a body past the cap is `response_too_large` for every
/// request, on our HTTP/1.1 (by its length) and on hyper's HTTP/2 (by its length or its frames).
#[test]
fn the_body_cap_holds_on_both_protocols_end_to_end() {
    let _serial = exclusive();
    let clients: Vec<ClientPlan> = [HttpVersion::Http1, HttpVersion::Http2]
        .into_iter()
        .map(|http| {
            let mut c = ClientPlan::defaults(format!("h{}", if http == HttpVersion::Http1 { 1 } else { 2 }));
            c.http = http;
            c.max_response_body_bytes = 100_000;
            c
        })
        .collect();
    let mut uncapped = ClientPlan::defaults("uncapped");
    uncapped.http = HttpVersion::Http2;
    let mut all = clients;
    all.push(uncapped);
    let mut plan = mock_plan(Duration::from_millis(1), vec![constant(20.0, Duration::from_secs(1))], all);
    plan.mock.body_bytes = 200_000;
    let result = run(&plan);
    for c in &result.clients[..2] {
        assert_eq!(c.total.errors.get("response_too_large"), Some(&20), "{}: {:?}", c.name, c.total.errors);
        assert_eq!(c.total.ok, 0, "{}", c.name);
    }
    assert_eq!(
        result.clients[2].total.ok, 20,
        "the default cap takes the same body: {:?}",
        result.clients[2].total.errors
    );
}

/// HTTP/2: the header cap is the header list size the client tells hyper to allow. A 20 KiB
/// header fails under a 4 KiB cap and passes under the default (hyper's own default, 16 KiB,
/// would fail it): the knob reaches hyper. hyper does not say why a stream failed, so the
/// refusal counts as `protocol`.
#[test]
fn the_header_cap_is_the_http2_header_list_size() {
    use hyper::service::service_fn;
    let _serial = exclusive();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            for _ in 0..2 {
                let (stream, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
                    .await
                    .expect("the client connects")
                    .unwrap();
                let answer = service_fn(|_| async {
                    let response = http::Response::builder()
                        .header("x-large", "a".repeat(20 * 1024))
                        .body(http_body_util::Full::new(bytes::Bytes::from_static(b"ok")))
                        .unwrap();
                    Ok::<_, std::convert::Infallible>(response)
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let connection = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(io, answer);
                let _ = tokio::time::timeout(Duration::from_secs(10), connection).await;
            }
        })
    });
    let h2 = |head: usize| {
        let mut plan = capped(head, 1 << 20);
        plan.http = HttpVersion::Http2;
        plan
    };
    assert_eq!(one_request(addr, h2(4096)), Outcome::Error(ErrorKind::Protocol), "20 KiB under a 4 KiB cap");
    assert_eq!(one_request(addr, h2(ClientPlan::defaults("d").max_response_header_bytes)), Outcome::Ok(200));
    server.join().unwrap();
}
