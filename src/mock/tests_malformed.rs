//! One table of malformed and hostile HTTP/1.1 requests, run against both of the mock's paths
//! (its own HTTP/1.1 server and hyper, see `server.rs`): each row must meet the same answer on
//! both, so a client under test cannot tell by its input which path serves it.

use super::tests::{start, LIMIT};
use super::*;
use crate::dist::Dist;
use crate::fault::FaultPlan;
use crate::mock::faults::{Latency, MockFault};
use crate::mock::plan::{MockLimits, MockPlan};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// What the mock does with one malformed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Met {
    /// Answers with this status, then closes the connection.
    StatusThenClose(u16),
    /// Closes (or resets) without a byte of response.
    CloseWithoutAnswer,
    /// Neither answers nor closes within [`LIMIT`] (never expected: a row meeting it fails).
    StaysOpen,
}

/// The two paths: `Plain` as configured by default, `Hyper` with a fault that changes nothing
/// (a zero latency), which is enough to put every connection on hyper.
#[derive(Debug, Clone, Copy)]
enum Path {
    Plain,
    Hyper,
}

fn mock_on(path: Path) -> MockServer {
    let faults = match path {
        Path::Plain => Vec::new(),
        Path::Hyper => {
            let kind = MockFault::from(Latency(Dist::ZERO));
            vec![(
                0,
                FaultPlan {
                    kind,
                    at: Duration::ZERO,
                    duration: Duration::from_secs(3600),
                    every: None,
                    probability: 1.0,
                },
            )]
        }
    };
    let limits = MockLimits { max_request_body_bytes: 16, ..MockLimits::default() };
    start(MockConfig {
        plan: MockPlan { body_bytes: 2, limits, ..MockPlan::default() },
        faults,
        seed: 7,
        epoch: Instant::now(),
        tls: None,
    })
}

/// Writes `request` (then half-closes when `then_eof`), reads everything until the mock closes,
/// and says what the client met.
async fn exchange(mock: &MockServer, request: &[u8], then_eof: bool) -> (Met, String) {
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    // The mock may refuse before it has read everything: a failed write is part of the answer.
    let _ = stream.write_all(request).await;
    if then_eof {
        let _ = stream.shutdown().await;
    }
    let mut got = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match timeout(LIMIT, stream.read(&mut chunk)).await {
            Err(_) => return (Met::StaysOpen, String::from_utf8_lossy(&got).into_owned()),
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    if got.is_empty() {
        return (Met::CloseWithoutAnswer, text);
    }
    let responses = text.matches("HTTP/1.1 ").count();
    assert_eq!(responses, 1, "one response, then the close: {text:.200}");
    let status = text.get(9..12).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status: {text}"));
    (Met::StatusThenClose(status), text)
}

struct Row {
    what: &'static str,
    request: Vec<u8>,
    /// Half-close after the request (a client that gives up mid-message).
    then_eof: bool,
    met: Met,
}

fn row(what: &'static str, request: impl Into<Vec<u8>>, met: Met) -> Row {
    Row { what, request: request.into(), then_eof: false, met }
}

fn rows() -> Vec<Row> {
    use Met::*;
    let post = |headers: &str, body: &str| format!("POST / HTTP/1.1\r\nhost: m\r\n{headers}\r\n{body}");
    vec![
        row("request line is not HTTP", "GARBAGE\r\n\r\n", StatusThenClose(400)),
        row("method with a bad character", "G(T / HTTP/1.1\r\nhost: m\r\n\r\n", StatusThenClose(400)),
        row("unknown version", "GET / HTTP/1.7\r\nhost: m\r\n\r\n", StatusThenClose(400)),
        row("header without a colon", "GET / HTTP/1.1\r\nno colon here\r\n\r\n", StatusThenClose(400)),
        row("space before the colon", "GET / HTTP/1.1\r\nhost : m\r\n\r\n", StatusThenClose(400)),
        row("obsolete line folding", "GET / HTTP/1.1\r\nx: a\r\n  b\r\n\r\n", StatusThenClose(400)),
        row("NUL in a header value", "GET / HTTP/1.1\r\nx: a\0b\r\n\r\n", StatusThenClose(400)),
        row(
            "head over 256 KiB",
            format!("GET / HTTP/1.1\r\nx: {}\r\n\r\n", "a".repeat(300 * 1024)),
            StatusThenClose(431),
        ),
        row("more than 100 headers", format!("GET / HTTP/1.1\r\n{}\r\n", "x: y\r\n".repeat(101)), StatusThenClose(431)),
        row(
            "request target over 64 KiB",
            format!("GET /{} HTTP/1.1\r\nhost: m\r\n\r\n", "a".repeat(70 * 1024)),
            StatusThenClose(414),
        ),
        row("content-length not a number", post("content-length: 1x\r\n", "a"), StatusThenClose(400)),
        row("content-length with a sign", post("content-length: +1\r\n", "a"), StatusThenClose(400)),
        row(
            "conflicting content-lengths",
            post("content-length: 1\r\ncontent-length: 2\r\n", "ab"),
            StatusThenClose(400),
        ),
        row("transfer coding other than chunked last", post("transfer-encoding: gzip\r\n", ""), StatusThenClose(400)),
        row(
            "transfer-encoding in HTTP/1.0",
            "POST / HTTP/1.0\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n",
            StatusThenClose(400),
        ),
        row(
            "invalid chunk size",
            post("transfer-encoding: chunked\r\n", "zz\r\nab\r\n0\r\n\r\n"),
            StatusThenClose(400),
        ),
        row(
            "chunk size without digits",
            post("transfer-encoding: chunked\r\n", ";no-size\r\n\r\n"),
            StatusThenClose(400),
        ),
        row(
            "chunk size overflowing 64 bits",
            post("transfer-encoding: chunked\r\n", "1ffffffffffffffff\r\n"),
            StatusThenClose(400),
        ),
        row(
            "chunk data not followed by CRLF",
            post("transfer-encoding: chunked\r\n", "2\r\nabcd\r\n0\r\n\r\n"),
            StatusThenClose(400),
        ),
        row(
            "content-length and transfer-encoding: read as chunked, answered, closed",
            post("content-length: 3\r\ntransfer-encoding: chunked\r\n", "0\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
            StatusThenClose(200),
        ),
        row(
            "a body of max_request_body_bytes (16) is served",
            post("content-length: 16\r\nconnection: close\r\n", "0123456789abcdef"),
            StatusThenClose(200),
        ),
        row("content-length over max_request_body_bytes", post("content-length: 17\r\n", ""), StatusThenClose(413)),
        row(
            "content-length over the cap with expect: 100-continue (no 100 first)",
            post("content-length: 17\r\nexpect: 100-continue\r\n", ""),
            StatusThenClose(413),
        ),
        row(
            "chunks adding up to more than max_request_body_bytes",
            post("transfer-encoding: chunked\r\n", "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n"),
            StatusThenClose(413),
        ),
        Row {
            what: "body cut short by the client's close",
            request: post("content-length: 10\r\n", "abc").into(),
            then_eof: true,
            met: CloseWithoutAnswer,
        },
        Row {
            what: "chunked body cut short by the client's close",
            request: post("transfer-encoding: chunked\r\n", "5\r\nab").into(),
            then_eof: true,
            met: CloseWithoutAnswer,
        },
    ]
}

#[tokio::test]
async fn both_paths_answer_malformed_requests_alike() {
    let mut wrong = Vec::new();
    for path in [Path::Plain, Path::Hyper] {
        let mock = mock_on(path);
        for row in rows() {
            let (met, text) = exchange(&mock, &row.request, row.then_eof).await;
            if met != row.met {
                let head = text.lines().next().unwrap_or("");
                wrong.push(format!("{path:?}: {}: expected {:?}, met {met:?} ({head})", row.what, row.met));
            }
        }
        mock.shutdown();
    }
    assert!(wrong.is_empty(), "{} rows differ:\n{}", wrong.len(), wrong.join("\n"));
}
