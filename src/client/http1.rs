//! A lean HTTP/1.1 client connection: the request is encoded once per phase, the response is
//! parsed with httparse, and the whole exchange runs in the requesting task.
//!
//! Why not hyper's `client::conn::http1`: its connection task (request encoding, a `HeaderMap`
//! per response, channels between the connection task and the request) cost about 15,000
//! instructions per request, three times wrk's whole user-space path (bench/bounds.md). Here a
//! request is one `write` of prepared bytes and, for a small response, one `read` and one parse.

use crate::http1::{BodyFailure, BufferedStream, Framing, MAX_HEADERS};
use crate::record::ErrorKind;
use crate::stream::{Idle, Stream};
use bytes::{Buf, Bytes};
use std::cell::Cell;
use std::io;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
#[cfg(test)]
use tokio::net::TcpStream;

/// A request encoded once, sent as is on every attempt.
#[derive(Debug, Clone)]
pub(super) struct WireRequest {
    pub(super) bytes: Bytes,
    /// Where the head ends and the body starts in `bytes`.
    head_len: usize,
    /// A `HEAD` request: its response has no body whatever its headers say.
    pub(super) head: bool,
    /// It asks `Expect: 100-continue` and has a body to hold back.
    expects_continue: bool,
}

/// How far an attempt got before it failed: what a client's silent retry rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reached {
    /// Not one byte of the request was written.
    Nothing,
    /// Some or all of the request was written; no byte of a response came.
    Written,
    /// A response had begun.
    Response,
}

/// A failed exchange: what failed, and how far it had got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Failure {
    pub(super) kind: ErrorKind,
    pub(super) reached: Reached,
}

impl Failure {
    fn at(reached: Reached) -> impl Fn(ErrorKind) -> Failure {
        move |kind| Failure { kind, reached }
    }
}

/// The client's waits on a response (`response_header_timeout`, `read_timeout`,
/// `expect_continue_timeout`), handed to each connection by the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Waits {
    pub(super) header: Option<Duration>,
    pub(super) read: Option<Duration>,
    pub(super) expect_continue: Option<Duration>,
}

impl WireRequest {
    /// Encodes a request. Adds `Content-Length` when there is a body or the method carries one
    /// (as hyper does), unless `headers` set their own `Content-Length` or `Transfer-Encoding`.
    pub(super) fn encode(method: &http::Method, path: &str, headers: &http::HeaderMap, body: &[u8]) -> WireRequest {
        use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
        let mut out = Vec::with_capacity(64 + path.len() + body.len() + headers.len() * 32);
        out.extend_from_slice(method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        for (name, value) in headers {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let framed = headers.contains_key(CONTENT_LENGTH) || headers.contains_key(TRANSFER_ENCODING);
        let method_has_body = matches!(*method, http::Method::POST | http::Method::PUT | http::Method::PATCH);
        if !framed && (!body.is_empty() || method_has_body) {
            out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        let head_len = out.len();
        out.extend_from_slice(body);
        let expects_continue = !body.is_empty()
            && headers.get_all(http::header::EXPECT).iter().any(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        WireRequest { bytes: out.into(), head_len, head: *method == http::Method::HEAD, expects_continue }
    }
}

/// How the body of a response is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyLength {
    Empty,
    Length(u64),
    Chunked,
    /// No length: the body ends when the server closes (the connection cannot be reused).
    UntilClose,
}

/// A parsed response head.
#[derive(Debug, Clone, Copy)]
pub(super) struct Head {
    pub(super) status: u16,
    /// The server will close after this response (`Connection: close`, or HTTP/1.0 without
    /// `keep-alive`).
    pub(super) server_closes: bool,
    pub(super) body: BodyLength,
    /// When the first byte of the response arrived.
    pub(super) first_byte: Instant,
    /// The server answered before `100 Continue` and the body was never sent: the connection
    /// cannot carry another request.
    pub(super) body_unsent: bool,
}

/// How much of a response the client takes before it gives up on it as `response_too_large`
/// (a configuration's `max_response_header_bytes`, `max_response_body_bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ResponseCaps {
    /// Bytes of response heads per exchange, informational heads included.
    pub(super) head: usize,
    /// Bytes of body payload (chunk framing and trailers not counted).
    pub(super) body: u64,
}

/// One HTTP/1.1 connection. Dropping it closes the socket.
pub(super) struct Http1Conn {
    io: BufferedStream,
    caps: ResponseCaps,
    waits: Waits,
    /// May not carry another request: the peer closed it, or an exchange broke off or left it
    /// unclear.
    dead: Cell<bool>,
    /// The peer closed or reset it, as far as this side has seen.
    peer_closed: Cell<bool>,
}

impl Http1Conn {
    pub(super) fn new(stream: Stream, caps: ResponseCaps, waits: Waits) -> Http1Conn {
        let mut io = BufferedStream::new(stream);
        io.body_gap = waits.read; // each body read's wait, as the mock's body_read_timeout
        Http1Conn { io, caps, waits, dead: Cell::new(false), peer_closed: Cell::new(false) }
    }

    /// The local port, which tells connections apart in tests.
    #[cfg(test)]
    pub(super) fn local_port(&self) -> u16 {
        self.io.stream.tcp().local_addr().expect("a connected socket").port()
    }

    #[cfg(test)]
    pub(super) fn stream(&self) -> &TcpStream {
        self.io.stream.tcp()
    }

    /// True if the connection may not carry another request.
    pub(super) fn is_closed(&self) -> bool {
        self.probe_idle();
        self.dead.get()
    }

    /// True if the peer closed (or reset) the connection, rather than this side giving it up.
    pub(super) fn closed_by_peer(&self) -> bool {
        self.probe_idle();
        self.peer_closed.get()
    }

    /// Looks at an idle connection's socket without blocking: a close the runtime has seen, as
    /// hyper's connection task would have on its next poll, or bytes nobody asked for, leave it
    /// unusable. (Not mid-exchange: there the bytes waiting are the response's.)
    fn probe_idle(&self) {
        if self.dead.get() {
            return;
        }
        match self.io.stream.idle_state() {
            Idle::Quiet => {}
            Idle::Closed => {
                self.dead.set(true);
                self.peer_closed.set(true);
            }
            // Over TLS, the peer's close_notify: it is closing.
            Idle::Unasked => {
                self.dead.set(true);
                self.peer_closed.set(self.io.stream.is_tls());
            }
        }
    }

    /// Sends one request and reads the response head; the exchange is left at the body.
    /// Marks the connection dead until the exchange completes, so that one broken off at any
    /// point (error, timeout) is never reused. A failure says how far the exchange got.
    pub(super) async fn send(&mut self, request: &WireRequest) -> Result<Head, Failure> {
        self.dead.set(true);
        self.io.buf.clear();
        let mut first_byte = None;
        // Informational heads count too: a peer sending 100 Continue without end is cut off.
        let mut head_bytes = 0;
        let hold_body = request.expects_continue.then_some(self.waits.expect_continue).flatten();
        let written = if hold_body.is_some() { request.head_len } else { request.bytes.len() };
        self.write(&request.bytes[..written], true).await?;
        if let Some(wait) = hold_body {
            // Expect: 100-continue: the server's answer, or the wait's end, before the body.
            let answer =
                tokio::time::timeout(wait, self.await_continue(request.head, &mut first_byte, &mut head_bytes));
            match answer.await {
                Err(_) | Ok(Ok(None)) => {}
                Ok(Ok(Some(head))) if head.status == 101 => {
                    return Err(Failure::at(Reached::Response)(ErrorKind::Protocol))
                }
                Ok(Ok(Some(head))) => return Ok(Head { body_unsent: true, ..head }),
                Ok(Err(kind)) => return Err(Failure::at(reached(first_byte))(kind)),
            }
            self.write(&request.bytes[written..], false).await?;
        }
        // The response-header timeout counts from the request's last byte.
        let deadline = self.waits.header.map(|limit| crate::timer::after(Instant::now(), limit));
        let head = self
            .read_head(request.head, &mut first_byte, &mut head_bytes, deadline)
            .await
            .map_err(|kind| Failure::at(reached(first_byte))(kind))?;
        self.finish_head(head, request, &mut first_byte, &mut head_bytes, deadline).await
    }

    /// The server's answer to `Expect: 100-continue`: `None` for `100 Continue` (send the
    /// body), else the head it answered with instead (other informational heads are passed over).
    async fn await_continue(
        &mut self,
        head_request: bool,
        first_byte: &mut Option<Instant>,
        head_bytes: &mut usize,
    ) -> Result<Option<Head>, ErrorKind> {
        loop {
            let head = self.read_head(head_request, first_byte, head_bytes, None).await?;
            match head.status {
                100 => return Ok(None),
                101 | 200.. => return Ok(Some(head)),
                _ => {}
            }
        }
    }

    /// Reads past informational heads to the final one.
    async fn finish_head(
        &mut self,
        mut head: Head,
        request: &WireRequest,
        first_byte: &mut Option<Instant>,
        head_bytes: &mut usize,
        deadline: Option<Instant>,
    ) -> Result<Head, Failure> {
        loop {
            match head.status {
                // Switching protocols was never asked for: what follows is not HTTP/1.1.
                101 => return Err(Failure::at(Reached::Response)(ErrorKind::Protocol)),
                // Informational answers precede the real one.
                100..=199 => {
                    head = self
                        .read_head(request.head, first_byte, head_bytes, deadline)
                        .await
                        .map_err(Failure::at(Reached::Response))?;
                }
                _ => return Ok(head),
            }
        }
    }

    /// Writes `bytes`; a failure is `Reached::Nothing` only when no byte of the request (`first`:
    /// these are its first bytes) got out.
    async fn write(&mut self, bytes: &[u8], first: bool) -> Result<(), Failure> {
        let mut written = 0;
        while written < bytes.len() {
            match self.io.stream.write(&bytes[written..]).await {
                Ok(0) => return Err(Failure::at(Reached::Written)(ErrorKind::Protocol)),
                Ok(n) => written += n,
                Err(e) => {
                    let reached = if first && written == 0 { Reached::Nothing } else { Reached::Written };
                    return Err(Failure::at(reached)(classify_io(&e, ErrorKind::Protocol)));
                }
            }
        }
        Ok(())
    }

    /// Reads one head; `head_bytes` are the head bytes this exchange has read before it, which
    /// with this one may not pass `caps.head`. Each read waits at most `read_timeout`, and
    /// none past `deadline` (the response-header timeout's): `read_timeout` past either.
    async fn read_head(
        &mut self,
        head_request: bool,
        first_byte: &mut Option<Instant>,
        head_bytes: &mut usize,
        deadline: Option<Instant>,
    ) -> Result<Head, ErrorKind> {
        loop {
            let buf = &mut self.io.buf;
            if !buf.is_empty() {
                let first = *first_byte.get_or_insert_with(Instant::now);
                // Only the bytes the cap leaves room for are parsed: a head is too large when
                // it does not end within them, whatever else (such as more fields than
                // MAX_HEADERS) follows.
                let room = self.caps.head.saturating_sub(*head_bytes);
                match parse_head(&buf[..buf.len().min(room)], head_request, first)? {
                    Some((len, head)) => {
                        buf.advance(len);
                        *head_bytes += len;
                        return Ok(head);
                    }
                    None if buf.len() >= room => return Err(ErrorKind::ResponseTooLarge),
                    None => {}
                }
            }
            let read_until = self.waits.read.map(|limit| crate::timer::after(Instant::now(), limit));
            let until = match (read_until, deadline) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let filled = match until {
                None => self.io.fill().await,
                Some(until) => {
                    tokio::time::timeout_at(until.into(), self.io.fill()).await.map_err(|_| ErrorKind::ReadTimeout)?
                }
            };
            match filled {
                Ok(n) if n > 0 => {}
                Ok(_) => {
                    self.peer_closed.set(true);
                    return Err(ErrorKind::ClosedBeforeResponse);
                }
                Err(e) => {
                    self.peer_closed.set(true);
                    return Err(classify_io(&e, ErrorKind::ClosedBeforeResponse));
                }
            }
        }
    }

    /// Reads and discards the body of the response whose head `send` returned. On success the
    /// connection is reusable if the body had a length and nothing followed it. A body past
    /// `caps.body` is `ResponseTooLarge` (a length that says so, before reading any of it).
    pub(super) async fn read_body(&mut self, body: BodyLength) -> Result<(), ErrorKind> {
        let limit = self.caps.body;
        let result = match body {
            BodyLength::Empty => Ok(()),
            BodyLength::Length(n) if n > limit => Err(BodyFailure::TooLarge),
            BodyLength::Length(n) => self.io.skip(n).await,
            BodyLength::Chunked => self.io.skip_chunked(limit).await,
            BodyLength::UntilClose => self.io.skip_until_close(limit).await,
        };
        // A body that ends at the close, or a read that met the end or an error, saw the peer go.
        if body == BodyLength::UntilClose || matches!(result, Err(BodyFailure::Io(_) | BodyFailure::Eof)) {
            self.peer_closed.set(true);
        }
        let tls = self.io.stream.is_tls();
        result.map_err(|e| match e {
            // The body ended with the connection, but TLS's close_notify never came: whole or cut
            // short, nobody can tell (rustls reports the bare close as an unexpected EOF).
            BodyFailure::Io(e) if tls && e.kind() == io::ErrorKind::UnexpectedEof => ErrorKind::TlsError,
            BodyFailure::Io(e) => classify_io(&e, ErrorKind::BodyError),
            BodyFailure::Eof | BodyFailure::Malformed => ErrorKind::BodyError,
            BodyFailure::TooLarge => ErrorKind::ResponseTooLarge,
        })?;
        if body != BodyLength::UntilClose && self.io.buf.is_empty() {
            self.dead.set(false);
        }
        Ok(())
    }
}

/// How far an exchange that failed reading its head had got: a response byte, or none.
fn reached(first_byte: Option<Instant>) -> Reached {
    if first_byte.is_some() {
        Reached::Response
    } else {
        Reached::Written
    }
}

/// Parses a complete response head at the start of `buf`: its length and what it says.
/// `Ok(None)` when more bytes are needed.
fn parse_head(buf: &[u8], head_request: bool, first_byte: Instant) -> Result<Option<(usize, Head)>, ErrorKind> {
    // Uninitialised: zeroing 100 headers cost more than parsing a small response's head.
    let mut headers = [const { std::mem::MaybeUninit::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let len =
        match httparse::ParserConfig::default().parse_response_with_uninit_headers(&mut response, buf, &mut headers) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(ErrorKind::Protocol),
        };
    let status = response.code.ok_or(ErrorKind::Protocol)?;
    let framing = Framing::of(response.headers).map_err(|_| ErrorKind::Protocol)?;
    let body = if head_request || (100..200).contains(&status) || status == 204 || status == 304 {
        BodyLength::Empty
    } else if framing.transfer_encoding {
        // Transfer-Encoding wins over Content-Length; a last coding other than chunked ends at the close.
        if framing.chunked {
            BodyLength::Chunked
        } else {
            BodyLength::UntilClose
        }
    } else {
        match framing.length {
            Some(0) => BodyLength::Empty,
            Some(n) => BodyLength::Length(n),
            None => BodyLength::UntilClose,
        }
    };
    let server_closes = framing.closes(response.version.unwrap_or(1));
    Ok(Some((len, Head { status, server_closes, body, first_byte, body_unsent: false })))
}

/// A failed read or write: a reset, or `otherwise`.
fn classify_io(e: &io::Error, otherwise: ErrorKind) -> ErrorKind {
    if super::classify::is_reset(e.kind()) {
        ErrorKind::Reset
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        ErrorKind::ClosedBeforeResponse
    } else if e.kind() == io::ErrorKind::TimedOut {
        ErrorKind::ReadTimeout // a body read past read_timeout (BufferedStream::body_gap)
    } else {
        otherwise
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> Result<Option<(usize, Head)>, ErrorKind> {
        parse_head(bytes, false, Instant::now())
    }

    fn body_of(bytes: &[u8]) -> BodyLength {
        parse(bytes).unwrap().unwrap().1.body
    }

    #[test]
    fn a_request_is_encoded_once_with_its_framing() {
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "example:80".parse().unwrap());
        let get = WireRequest::encode(&http::Method::GET, "/a?b=1", &headers, b"");
        assert_eq!(&get.bytes[..], b"GET /a?b=1 HTTP/1.1\r\nhost: example:80\r\n\r\n");
        let post = WireRequest::encode(&http::Method::POST, "/", &headers, b"hello");
        assert_eq!(&post.bytes[..], b"POST / HTTP/1.1\r\nhost: example:80\r\ncontent-length: 5\r\n\r\nhello");
        let empty_post = WireRequest::encode(&http::Method::POST, "/", &http::HeaderMap::new(), b"");
        assert_eq!(&empty_post.bytes[..], b"POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n");
        headers.insert("transfer-encoding", "chunked".parse().unwrap());
        let own = WireRequest::encode(&http::Method::POST, "/", &headers, b"5\r\nhello\r\n0\r\n\r\n");
        assert!(!std::str::from_utf8(&own.bytes).unwrap().contains("content-length"));
        assert!(WireRequest::encode(&http::Method::HEAD, "/", &http::HeaderMap::new(), b"").head);
    }

    #[test]
    fn the_body_is_delimited_as_rfc_9112_says() {
        assert_eq!(body_of(b"HTTP/1.1 200 OK\r\ncontent-length: 61\r\n\r\n"), BodyLength::Length(61));
        assert_eq!(body_of(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), BodyLength::Empty);
        assert_eq!(body_of(b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n"), BodyLength::Chunked);
        // Transfer-Encoding wins over Content-Length; a non-chunked coding ends at the close.
        assert_eq!(
            body_of(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n"),
            BodyLength::Chunked
        );
        assert_eq!(body_of(b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n"), BodyLength::UntilClose);
        assert_eq!(body_of(b"HTTP/1.1 200 OK\r\n\r\n"), BodyLength::UntilClose);
        assert_eq!(body_of(b"HTTP/1.1 204 No Content\r\ncontent-length: 9\r\n\r\n"), BodyLength::Empty);
        assert_eq!(body_of(b"HTTP/1.1 304 Not Modified\r\n\r\n"), BodyLength::Empty);
        let head = parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n", true, Instant::now());
        assert_eq!(head.unwrap().unwrap().1.body, BodyLength::Empty);
    }

    #[test]
    fn who_closes_follows_the_connection_header_and_version() {
        let closes = |bytes: &[u8]| parse(bytes).unwrap().unwrap().1.server_closes;
        assert!(!closes(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
        assert!(closes(b"HTTP/1.1 200 OK\r\nConnection: upgrade, Close\r\n\r\n"));
        assert!(closes(b"HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n"));
        assert!(!closes(b"HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n"));
    }

    #[test]
    fn partial_and_malformed_heads() {
        assert!(parse(b"HTTP/1.1 200 OK\r\ncontent-le").unwrap().is_none());
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello").unwrap().unwrap().0, 38);
        assert_eq!(parse(b"NOT HTTP\r\n\r\n").unwrap_err(), ErrorKind::Protocol);
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n").unwrap_err(), ErrorKind::Protocol);
        let conflicting = b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n";
        assert_eq!(parse(conflicting).unwrap_err(), ErrorKind::Protocol);
    }

    /// What a scripted server does after reading one request.
    enum Then {
        Close,
        Reset,
        Stay,
    }

    /// A server that answers one request with `pieces`, written one by one with a pause
    /// between them (so the client sees them in separate reads), then does `then`.
    async fn exchange(
        pieces: &[&'static [u8]],
        then: Then,
        method: http::Method,
    ) -> (Http1Conn, Result<Head, ErrorKind>) {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let pieces: Vec<&'static [u8]> = pieces.to_vec();
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            for piece in pieces {
                stream.write_all(piece).await.unwrap();
                stream.flush().await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            match then {
                Then::Close => drop(stream),
                Then::Reset => {
                    socket2::SockRef::from(&stream).set_linger(Some(std::time::Duration::ZERO)).unwrap();
                    drop(stream);
                }
                Then::Stay => tokio::time::sleep(std::time::Duration::from_secs(5)).await,
            }
        });
        let caps = ResponseCaps { head: crate::http1::MAX_HEAD, body: u64::MAX };
        let mut conn = Http1Conn::new(TcpStream::connect(addr).await.unwrap().into(), caps, Waits::default());
        let request = WireRequest::encode(&method, "/", &http::HeaderMap::new(), b"");
        let head = conn.send(&request).await.map_err(|failure| failure.kind);
        (conn, head)
    }

    async fn whole(pieces: &[&'static [u8]], then: Then) -> (Http1Conn, Result<(u16, bool), ErrorKind>) {
        let (mut conn, head) = exchange(pieces, then, http::Method::GET).await;
        let result = match head {
            Ok(head) => conn.read_body(head.body).await.map(|()| (head.status, head.server_closes)),
            Err(kind) => Err(kind),
        };
        (conn, result)
    }

    #[tokio::test]
    async fn bodies_split_across_reads_are_read_to_their_end() {
        let (conn, result) =
            whole(&[b"HTTP/1.1 200 OK\r\ncontent-le", b"ngth: 10\r\n\r\n01234", b"56789"], Then::Stay).await;
        assert_eq!(result, Ok((200, false)));
        assert!(!conn.is_closed(), "a complete exchange leaves the connection reusable");

        let chunked: &[&'static [u8]] = &[
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel",
            b"lo\r\n6;ext=1\r\n world\r",
            b"\n0\r\ntrailer: x\r\n",
            b"\r\n",
        ];
        let (conn, result) = whole(chunked, Then::Stay).await;
        assert_eq!(result, Ok((200, false)));
        assert!(!conn.is_closed());
    }

    #[tokio::test]
    async fn informational_answers_are_skipped_and_close_delimited_bodies_end_the_connection() {
        let pieces: &[&'static [u8]] =
            &[b"HTTP/1.1 100 Continue\r\n\r\n", b"HTTP/1.1 503 Busy\r\n\r\npartial", b"rest"];
        let (conn, result) = whole(pieces, Then::Close).await;
        assert_eq!(result, Ok((503, false)));
        assert!(conn.is_closed(), "a body delimited by the close leaves nothing to reuse");
    }

    #[tokio::test]
    async fn failures_are_told_apart() {
        let (_, result) = whole(&[], Then::Close).await;
        assert_eq!(result, Err(ErrorKind::ClosedBeforeResponse));
        let (_, result) = whole(&[b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n"], Then::Close).await;
        assert_eq!(result, Err(ErrorKind::ClosedBeforeResponse), "a head cut short is no response");
        let (conn, result) = whole(&[b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nshort"], Then::Close).await;
        assert_eq!(result, Err(ErrorKind::BodyError));
        assert!(conn.is_closed());
        let (_, result) = whole(&[b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nshort"], Then::Reset).await;
        assert_eq!(result, Err(ErrorKind::Reset));
        let (_, result) = whole(&[b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n"], Then::Stay).await;
        assert_eq!(result, Err(ErrorKind::BodyError), "a malformed chunk size");
        let (_, result) = whole(&[b"SMTP ready\r\n\r\n"], Then::Stay).await;
        assert_eq!(result, Err(ErrorKind::Protocol));
        let (_, result) = whole(&[b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n"], Then::Stay).await;
        assert_eq!(result, Err(ErrorKind::Protocol), "an upgrade nobody asked for");
    }

    #[tokio::test]
    async fn a_head_request_reads_no_body_and_an_idle_close_is_seen_before_reuse() {
        let (mut conn, head) =
            exchange(&[b"HTTP/1.1 200 OK\r\ncontent-length: 61\r\n\r\n"], Then::Close, http::Method::HEAD).await;
        let head = head.unwrap();
        assert_eq!(head.body, BodyLength::Empty);
        conn.read_body(head.body).await.unwrap();
        // The server closes the idle connection; once the runtime has seen it, the pool's
        // check before reuse must see it too.
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        while !conn.is_closed() {
            assert!(Instant::now() < deadline, "the server's close was never seen");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn a_response_that_says_close_is_marked_so() {
        let (_, result) =
            whole(&[b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok"], Then::Close).await;
        assert_eq!(result, Ok((200, true)));
    }

    /// A connection to a server that runs `serve` on its end; the client's waits are `waits`.
    async fn connect_to<F, Fut>(waits: Waits, serve: F) -> Http1Conn
    where
        F: FnOnce(TcpStream) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send,
    {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { serve(listener.accept().await.unwrap().0).await });
        let caps = ResponseCaps { head: crate::http1::MAX_HEAD, body: u64::MAX };
        Http1Conn::new(TcpStream::connect(addr).await.unwrap().into(), caps, waits)
    }

    fn post(body: &[u8], expect: bool) -> WireRequest {
        let mut headers = http::HeaderMap::new();
        if expect {
            headers.insert(http::header::EXPECT, "100-continue".parse().unwrap());
        }
        WireRequest::encode(&http::Method::POST, "/", &headers, body)
    }

    /// How far a failed exchange got is what silent retry rules read: nothing written, written
    /// without an answer, or a response begun.
    #[tokio::test]
    async fn a_failure_says_how_far_the_exchange_got() {
        use tokio::io::AsyncReadExt;
        // The server resets at once; once the reset has arrived, not one byte can be written.
        let mut conn = connect_to(Waits::default(), |stream| async move {
            socket2::SockRef::from(&stream).set_linger(Some(std::time::Duration::ZERO)).unwrap();
            drop(stream);
        })
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let failure = conn.send(&post(b"x", false)).await.unwrap_err();
        assert_eq!(failure, Failure { kind: ErrorKind::Reset, reached: Reached::Nothing });

        let mut conn = connect_to(Waits::default(), |mut stream| async move {
            let _ = stream.read(&mut [0u8; 1024]).await;
        })
        .await;
        let failure = conn.send(&post(b"x", false)).await.unwrap_err();
        assert_eq!(failure, Failure { kind: ErrorKind::ClosedBeforeResponse, reached: Reached::Written });

        let mut conn = connect_to(Waits::default(), |mut stream| async move {
            let _ = stream.read(&mut [0u8; 1024]).await;
            stream.write_all(b"HTTP/1.1 200 O").await.unwrap();
        })
        .await;
        let failure = conn.send(&post(b"x", false)).await.unwrap_err();
        assert_eq!(failure, Failure { kind: ErrorKind::ClosedBeforeResponse, reached: Reached::Response });
    }

    #[tokio::test]
    async fn read_and_header_timeouts_fire_as_read_timeout() {
        use tokio::io::AsyncReadExt;
        let silent = |mut stream: TcpStream| async move {
            let _ = stream.read(&mut [0u8; 1024]).await;
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        };
        let limit = std::time::Duration::from_millis(150);
        for waits in
            [Waits { read: Some(limit), ..Waits::default() }, Waits { header: Some(limit), ..Waits::default() }]
        {
            let mut conn = connect_to(waits, silent).await;
            let started = Instant::now();
            let failure = conn.send(&post(b"x", false)).await.unwrap_err();
            assert_eq!(failure, Failure { kind: ErrorKind::ReadTimeout, reached: Reached::Written });
            let took = started.elapsed();
            assert!(took >= limit && took < std::time::Duration::from_secs(3), "{took:?}");
        }
        // A body that stops coming: each body read waits read_timeout at most.
        let mut conn = connect_to(Waits { read: Some(limit), ..Waits::default() }, |mut stream| async move {
            let _ = stream.read(&mut [0u8; 1024]).await;
            stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234").await.unwrap();
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        })
        .await;
        let head = conn.send(&post(b"x", false)).await.unwrap();
        assert_eq!(conn.read_body(head.body).await, Err(ErrorKind::ReadTimeout));
    }

    /// Expect: 100-continue: the body waits for the server's 100, or for the wait's end; a
    /// final answer instead leaves the body unsent.
    #[tokio::test]
    async fn expect_continue_holds_the_body_back() {
        use tokio::io::AsyncReadExt;
        let wait = Waits { expect_continue: Some(std::time::Duration::from_secs(5)), ..Waits::default() };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut conn = connect_to(wait, |mut stream| async move {
            let mut buf = vec![0u8; 1024];
            let n = stream.read(&mut buf).await.unwrap();
            let head_only = buf[..n].ends_with(b"\r\n\r\n");
            stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.unwrap();
            let n = stream.read(&mut buf).await.unwrap();
            let _ = tx.send((head_only, buf[..n].to_vec()));
            stream.write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n").await.unwrap();
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        })
        .await;
        let started = Instant::now();
        let head = conn.send(&post(b"payload", true)).await.unwrap();
        assert_eq!((head.status, head.body_unsent), (201, false));
        assert!(started.elapsed() < std::time::Duration::from_secs(4), "the 100 ended the wait");
        assert_eq!(rx.await.unwrap(), (true, b"payload".to_vec()), "the head first, the body after the 100");

        let mut conn = connect_to(wait, |mut stream| async move {
            let _ = stream.read(&mut [0u8; 1024]).await;
            stream.write_all(b"HTTP/1.1 417 Expectation Failed\r\ncontent-length: 0\r\n\r\n").await.unwrap();
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        })
        .await;
        let head = conn.send(&post(b"payload", true)).await.unwrap();
        assert_eq!((head.status, head.body_unsent), (417, true));

        // A server that says nothing: the body goes when the wait ends.
        let short = Waits { expect_continue: Some(std::time::Duration::from_millis(200)), ..Waits::default() };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut conn = connect_to(short, |mut stream| async move {
            let mut buf = vec![0u8; 1024];
            let started = Instant::now();
            let mut got = 0;
            while !buf[..got].ends_with(b"payload") {
                got += stream.read(&mut buf[got..]).await.unwrap();
            }
            let _ = tx.send(started.elapsed());
            stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.unwrap();
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        })
        .await;
        assert_eq!(conn.send(&post(b"payload", true)).await.unwrap().status, 200);
        assert!(rx.await.unwrap() >= std::time::Duration::from_millis(150), "the body waited");
    }
}
