//! The plain mock's HTTP/1.1 connections, served by chaosload itself: each request head parsed
//! with httparse, its body skipped, its response written with one vectored write of a head and
//! the pre-built body.
//!
//! Why not hyper's server: it cost about as many instructions per request as nginx does for the
//! whole of it (7,400 against 7,600 under callgrind, bench/bounds.md), and the mock must outrun the
//! servers it stands in for. A connection that opens with HTTP/2's preface goes to hyper with the
//! bytes already read ([`Served::Http2`]). Connections on the full path (faults, the serverless
//! model) stay on hyper, which can hand the socket back mid-request (see `server.rs`).

use super::behaviour::Behaviour;
use super::defences::{read_timed_out, HeadWatch, SendWatch, Stage, Watched};
use super::plan::MockLimits;
use super::stats::{MockCounters, MockEvent};
use crate::http1::{BodyFailure, BufferedStream, Framing, MAX_HEADERS};
use crate::stream::Stream;
use bytes::{Buf, Bytes};
use http::StatusCode;
use std::cell::RefCell;
use std::io::{self, Write as _};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

/// A request target longer than this is refused with 414, as hyper (and the `http` crate's
/// `Uri`) refuse it on the full path.
const MAX_TARGET: usize = (u16::MAX - 1) as usize;

/// What an HTTP/2 client with prior knowledge sends first.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How a connection's HTTP/1.1 service ended.
pub(super) enum Served {
    /// Closed (by either side, by the idle timeout or after an error).
    Done,
    /// The client spoke HTTP/2: the socket and the bytes read so far, for hyper.
    Http2(Replay),
}

/// A request head, parsed.
struct RequestHead {
    /// Its length in the buffer.
    len: usize,
    is_head: bool,
    minor_version: u8,
    framing: Framing,
}

/// Serves HTTP/1.1 requests on `io` in order (pipelined ones too) until either side closes, the
/// connection has been idle for `idle`, or a defence ends it (`MockLimits`, `defences.rs`).
pub(super) async fn serve(
    mut io: BufferedStream,
    behaviour: &Behaviour,
    idle: Option<Duration>,
    counters: &MockCounters,
) -> Served {
    let limits = behaviour.limits();
    let mut out = Vec::with_capacity(256);
    let idle_timer = tokio::time::sleep(idle.unwrap_or(Duration::MAX / 4));
    tokio::pin!(idle_timer);
    let mut last_done = Instant::now();
    let mut first = true;
    let mut head_watch = HeadWatch::first(&limits);
    let mut send_watch = SendWatch::new(&limits);
    io.body_gap = limits.body_read_timeout;
    loop {
        let head = loop {
            if !io.buf.is_empty() {
                head_watch.arrived();
                if first && H2_PREFACE.starts_with(&io.buf[..io.buf.len().min(H2_PREFACE.len())]) {
                    if io.buf.len() >= H2_PREFACE.len() {
                        return Served::Http2(Replay::new(io));
                    }
                } else {
                    match parse_request(&io.buf) {
                        Ok(Some(head)) if head.len <= limits.max_header_bytes => break head,
                        Ok(None) if !head_watch.too_large(io.buf.len()) => {}
                        Ok(_) => {
                            counters.heads_too_large.fetch_add(1, Relaxed);
                            return reject(io, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE).await;
                        }
                        Err(status) => return reject(io, status).await,
                    }
                }
            }
            let deadline = head_watch.deadline();
            let read = match (idle, deadline) {
                (None, None) => io.fill().await,
                _ => loop {
                    let head_timer = tokio::time::sleep_until(deadline.unwrap_or_else(far_future).into());
                    tokio::select! {
                        biased;
                        read = io.fill() => break read,
                        () = idle_timer.as_mut(), if idle.is_some() => {
                            let due = last_done + idle.unwrap_or_default();
                            if Instant::now() >= due {
                                counters.event(MockEvent::ClosedIdle, Instant::now());
                                let _ = io.stream.shutdown().await;
                                return Served::Done;
                            }
                            idle_timer.as_mut().reset(due.into());
                        }
                        () = head_timer, if deadline.is_some() => {
                            return read_timed_out_close(io, &limits, Stage::Head, counters).await;
                        }
                    }
                },
            };
            if !matches!(read, Ok(n) if n > 0) {
                return Served::Done;
            }
        };
        first = false;
        io.buf.advance(head.len);
        let framing = head.framing;
        let has_body = framing.transfer_encoding || framing.length.is_some_and(|n| n > 0);
        if framing.transfer_encoding && (!framing.chunked || head.minor_version == 0) {
            // RFC 9112 §6.3: a request whose last coding is not chunked cannot be delimited; and
            // §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            return reject(io, StatusCode::BAD_REQUEST).await;
        }
        let max_body = limits.max_request_body_bytes;
        if framing.length.is_some_and(|n| n > max_body) && !framing.transfer_encoding {
            // Refused before the body is read, and before `100 Continue` would invite it; counted
            // as a request, as the full path counts it.
            behaviour.receive();
            return reject(io, StatusCode::PAYLOAD_TOO_LARGE).await;
        }
        let _slot = match behaviour.admit() {
            Ok(slot) => slot,
            Err(status) => {
                behaviour.receive();
                return reject(io, status).await;
            }
        };
        // The client may wait for this before it sends the body (curl does, for a second).
        let must_continue = framing.expect_continue && has_body && head.minor_version == 1 && io.buf.is_empty();
        if must_continue && io.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.is_err() {
            return Served::Done;
        }
        let received = behaviour.receive();
        let body = match (framing.chunked, framing.length) {
            (true, _) => io.skip_chunked(max_body).await,
            (false, Some(n)) => io.skip(n).await,
            (false, None) => Ok(()),
        };
        if let Err(failure) = body {
            return match failure {
                BodyFailure::Malformed => reject(io, StatusCode::BAD_REQUEST).await,
                BodyFailure::TooLarge => reject(io, StatusCode::PAYLOAD_TOO_LARGE).await,
                BodyFailure::Io(e) if e.kind() == io::ErrorKind::TimedOut => {
                    read_timed_out_close(io, &limits, Stage::Body, counters).await
                }
                BodyFailure::Io(_) | BodyFailure::Eof => Served::Done,
            };
        }
        let mut status = behaviour.settle(received).await;
        let mut closes = framing.closes(head.minor_version) || framing.framed_both_ways();
        if status.is_informational() {
            // A 1xx is never a final answer: as hyper did, say 500 and close.
            (status, closes) = (StatusCode::INTERNAL_SERVER_ERROR, true);
        }
        let body = response_head(&mut out, status, behaviour.body(), closes, head.minor_version == 0);
        let body = if head.is_head { &[][..] } else { body };
        let mut response = (&out[..]).chain(body);
        let written = match limits.send_timeout {
            None => io.stream.write_all_buf(&mut response).await,
            // Not a second `write_all_buf`: that instantiation cost the unwatched one its
            // inlining (~40 instructions per request under callgrind).
            Some(_) => write_watched(&mut io.stream, &mut response, &mut send_watch, counters).await,
        };
        match written {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                super::wire::rst(io.stream.into_tcp());
                return Served::Done;
            }
            Err(_) => return Served::Done,
        }
        if closes {
            let _ = io.stream.shutdown().await;
            return Served::Done;
        }
        if idle.is_some() {
            last_done = Instant::now();
        }
        head_watch.next();
    }
}

/// Writes all of `buf` through a [`SendWatch`].
async fn write_watched(
    stream: &mut Stream,
    buf: &mut impl Buf,
    watch: &mut SendWatch,
    counters: &MockCounters,
) -> io::Result<()> {
    let mut socket = Watched { inner: stream, watch, counters };
    while buf.has_remaining() {
        if socket.write_buf(buf).await? == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
    }
    Ok(())
}

/// A time no deadline reaches (for a timer that is never polled).
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}

/// Ends a connection whose head or body read ran out of time: a 408 or a silent close.
async fn read_timed_out_close(
    io: BufferedStream,
    limits: &MockLimits,
    stage: Stage,
    counters: &MockCounters,
) -> Served {
    match read_timed_out(limits, stage, counters) {
        Some(status) => reject(io, status).await,
        None => Served::Done,
    }
}

/// Parses a complete request head at the start of `buf`; `Ok(None)` when more bytes are needed,
/// `Err` with the status to refuse it with.
fn parse_request(buf: &[u8]) -> Result<Option<RequestHead>, StatusCode> {
    // Uninitialised: zeroing 100 headers cost more than parsing a small request's head.
    let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_request_with_uninit_headers(&mut request, buf, &mut headers)
    {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
        Err(_) => return Err(StatusCode::BAD_REQUEST),
    };
    if request.path.is_some_and(|target| target.len() > MAX_TARGET) {
        return Err(StatusCode::URI_TOO_LONG);
    }
    let framing = Framing::of(request.headers).map_err(|_| StatusCode::BAD_REQUEST)?;
    Ok(Some(RequestHead {
        len,
        is_head: request.method == Some("HEAD"),
        minor_version: request.version.unwrap_or(1),
        framing,
    }))
}

/// Writes a response head into `out`; returns the body to send after it (none for 1xx, 204
/// and 304). A response to an HTTP/1.0 request that stays open says `keep-alive`.
fn response_head<'b>(out: &mut Vec<u8>, status: StatusCode, body: &'b [u8], closes: bool, http10: bool) -> &'b [u8] {
    out.clear();
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
    let bodyless = status.is_informational() || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
    if !bodyless {
        out.extend_from_slice(b"content-length: ");
        let _ = write!(out, "{}", body.len());
        out.extend_from_slice(b"\r\n");
    }
    if closes {
        out.extend_from_slice(b"connection: close\r\n");
    } else if http10 {
        out.extend_from_slice(b"connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"date: ");
    with_http_date(|date| out.extend_from_slice(date));
    out.extend_from_slice(b"\r\n\r\n");
    if bodyless {
        &[]
    } else {
        body
    }
}

/// Calls `f` with the current time as an HTTP date, formatted once per second per thread.
fn with_http_date(f: impl FnOnce(&[u8])) {
    thread_local! {
        static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    DATE.with_borrow_mut(|(at, text)| {
        if *at != secs {
            *at = secs;
            *text = httpdate::fmt_http_date(now);
        }
        f(text.as_bytes());
    });
}

/// The whole answer to a request the mock refuses with `status`: a head saying it closes.
pub(super) fn refusal(status: StatusCode) -> Vec<u8> {
    let mut out = Vec::new();
    response_head(&mut out, status, &[], true, false);
    out
}

/// Answers a request the mock cannot serve with `status`, then closes the connection.
async fn reject(mut io: BufferedStream, status: StatusCode) -> Served {
    if io.stream.write_all(&refusal(status)).await.is_ok() {
        let _ = io.stream.shutdown().await;
    }
    Served::Done
}

/// A socket whose first reads return bytes already read from it.
pub(super) struct Replay {
    prefix: Bytes,
    stream: Stream,
}

impl Replay {
    fn new(io: BufferedStream) -> Replay {
        Replay { prefix: io.buf.freeze(), stream: io.stream }
    }
}

impl super::wire::MockSocket for Replay {
    fn reset_on_close(&self) {
        super::wire::MockSocket::reset_on_close(&self.stream);
    }

    fn is_tls(&self) -> bool {
        self.stream.is_tls()
    }

    fn into_tcp(self) -> tokio::net::TcpStream {
        self.stream.into_tcp()
    }
}

impl AsyncRead for Replay {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.prefix.is_empty() {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        let n = this.prefix.len().min(buf.remaining());
        buf.put_slice(&this.prefix.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Replay {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_heads_are_parsed_and_bad_ones_refused() {
        let head = parse_request(b"HEAD /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET").unwrap().unwrap();
        assert_eq!(head.len, 44);
        assert!(head.is_head && head.minor_version == 0 && !head.framing.closes(0));
        assert!(parse_request(b"GET / HTTP/1.1\r\nhost: a\r\n").unwrap().is_none());
        assert_eq!(parse_request(b"GET / HTTP/1.1\r\nbad header\r\n\r\n").err(), Some(StatusCode::BAD_REQUEST));
        let bad_length = b"POST / HTTP/1.1\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n";
        assert_eq!(parse_request(bad_length).err(), Some(StatusCode::BAD_REQUEST));
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "x: y\r\n".repeat(MAX_HEADERS + 1));
        assert_eq!(parse_request(many.as_bytes()).err(), Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
    }

    #[test]
    fn response_heads_carry_length_connection_and_date() {
        let mut out = Vec::new();
        let body = response_head(&mut out, StatusCode::OK, b"hello", false, false);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ndate: "), "{text}");
        assert!(text.ends_with(" GMT\r\n\r\n") && !text.contains("connection"), "{text}");
        assert_eq!(body, b"hello");
        let body = response_head(&mut out, StatusCode::NO_CONTENT, b"hello", true, false);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(body.is_empty() && !text.contains("content-length") && text.contains("connection: close\r\n"));
        response_head(&mut out, StatusCode::OK, b"", false, true);
        assert!(String::from_utf8(out).unwrap().contains("content-length: 0\r\nconnection: keep-alive\r\n"));
    }
}
