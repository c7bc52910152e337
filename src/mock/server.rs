//! The mock's accept loop and connections: HTTP/1.1 and h2c on one port, idle keep-alive closing,
//! and taking a connection back from hyper for socket-level faults.
//!
//! A plain mock serves HTTP/1.1 itself (`http1.rs`) ([`serve_plain`]); HTTP/2 is served on the
//! h2 crate on either path (`h2.rs`).
//! With faults, the serverless model or a keep-alive close other than FIN, a connection gets a
//! [`ConnState`] shared by its requests and its task ([`serve_full`]), and hyper reads and writes
//! through a [`ConnIo`] that hands the socket back when the task drops the hyper connection: a
//! request the behaviour answers with a takeover (a reset, a silent close or raw broken bytes)
//! asks the task to do so ([`ConnState::takeover`]); the task drops hyper's connection, takes the
//! socket and carries out the [`Wire`].

use super::activity::Activity;
use super::behaviour::{Answer, Behaviour, Conn, MockBody};
use super::defences::{self, read_timed_out, HeadWatch, SendWatch, Stage};
use super::http1::{self, Served};
use super::plan::{KeepAliveClose, MockLimits};
use super::serverless::ConnBinding;
use super::stats::{MockCounters, MockEvent};
use super::wire::Wire;
use crate::http1::{BufferedStream, MAX_HEADERS};
use crate::server_thread::accept_until;
use crate::stream::Stream;
use http::{Response, StatusCode};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, AtomicU32};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;

type Builder = auto::Builder<TokioExecutor>;

/// Accepts connections until `shutdown` is cancelled, then drops the listener and every open
/// connection (sockets are closed; responses still pending are abandoned).
pub(crate) async fn run(
    listener: TcpListener,
    behaviour: Arc<Behaviour>,
    shutdown: CancellationToken,
    counters: Arc<MockCounters>,
) {
    let builder = Arc::new(builder(&behaviour.limits()));
    let mut conns = JoinSet::new();
    if let Some(serverless) = behaviour.serverless() {
        conns.spawn(Arc::clone(serverless).sweeper());
    }
    let full = behaviour.needs_conn_state();
    let limits = defences::accept_limits(&behaviour.limits());
    accept_until("mock", listener, shutdown, conns, limits, &counters.accept, |stream, conns| {
        let index = counters.connections_accepted.fetch_add(1, Relaxed);
        let _ = stream.set_nodelay(true);
        let idle = behaviour.idle_timeout(index);
        let (builder, behaviour, counters) = (Arc::clone(&builder), Arc::clone(&behaviour), Arc::clone(&counters));
        if full {
            conns.spawn(serve_full(builder, stream, behaviour, index, idle, counters));
        } else {
            conns.spawn(async move {
                if let Some(stream) = handshake(&behaviour, stream, index).await {
                    serve_plain(stream, behaviour, index, idle, counters).await;
                }
            });
        }
    })
    .await;
}

fn builder(limits: &MockLimits) -> Builder {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // No hyper timer: the idle close below replaces the header read timeout, which would
    // otherwise also cut idle keep-alive connections after its default 30s; `ConnIo` enforces
    // `header_read_timeout` from the first byte of a head, as the plain path does.
    builder.http1().keep_alive(true).header_read_timeout(None);
    // `ConnIo` refuses a head over `max_header_bytes` (431) as the plain path does; hyper's own
    // buffer limit (at least 8 KiB) sits well above it, a backstop only.
    let backstop = limits.max_header_bytes.saturating_mul(2).saturating_add(64 * 1024);
    builder.http1().max_buf_size(backstop).max_headers(MAX_HEADERS);
    builder
}

/// The connection as HTTP will read it: over TLS after its handshake (with the handshake
/// faults that hit it) when the mock speaks TLS; `None` when the handshake did not finish.
async fn handshake(behaviour: &Behaviour, stream: TcpStream, index: u64) -> Option<Stream> {
    match behaviour.tls() {
        None => Some(Stream::Plain(stream)),
        Some(tls) => {
            let mut faults = behaviour.at_handshake(index);
            if let Some(serverless) = behaviour.serverless() {
                faults.delay += serverless.handshake_cost(index);
            }
            tls.accept(stream, faults).await
        }
    }
}

/// A connection on the plain path: HTTP/1.1 served by [`http1::serve`], HTTP/2 by `h2.rs`.
async fn serve_plain(
    stream: Stream,
    behaviour: Arc<Behaviour>,
    index: u64,
    idle: Option<Duration>,
    counters: Arc<MockCounters>,
) {
    let io = BufferedStream::new(stream);
    if let Served::Http2(replay) = http1::serve(io, &behaviour, idle, &counters).await {
        super::h2::serve(replay, behaviour, index, idle, counters).await;
    }
}

/// One connection's state on the full path, shared by its requests and its task.
#[derive(Debug)]
struct ConnState {
    activity: Arc<Activity>,
    /// This connection's idle timeout (jittered).
    idle_timeout: Option<Duration>,
    /// Requests received on the connection.
    served: AtomicU32,
    /// The serverless instance the connection is bound to.
    binding: ConnBinding,
    /// A takeover asked for by a request.
    wire: Mutex<Option<Wire>>,
    wake: Notify,
    /// Set by the task before it drops hyper's connection: [`ConnIo`] then leaves its socket in `slot`.
    reclaim: AtomicBool,
    slot: Mutex<Option<Stream>>,
    /// Cancelled when the connection task ends; requests waiting on a takeover then finish.
    done: CancellationToken,
}

impl ConnState {
    fn new(idle_timeout: Option<Duration>) -> Self {
        ConnState {
            activity: Arc::new(Activity::new()),
            idle_timeout,
            served: AtomicU32::new(0),
            binding: ConnBinding::default(),
            wire: Mutex::new(None),
            wake: Notify::new(),
            reclaim: AtomicBool::new(false),
            slot: Mutex::new(None),
            done: CancellationToken::new(),
        }
    }

    /// Hands the connection to its task (`Some`) or leaves the request unanswered (`None`: the
    /// connection stays open and silent), then waits for the connection to end. The response
    /// returned then is never sent.
    async fn takeover(&self, wire: Option<Wire>) -> Response<MockBody> {
        if let Some(wire) = wire {
            *lock(&self.wire) = Some(wire);
            self.wake.notify_one();
        }
        self.done.cancelled().await;
        Response::new(MockBody::Full(None))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The socket as hyper sees it on the full path; gives it back to the task instead of closing it
/// when the task asked for it, and enforces the defences hyper cannot (`defences.rs`): the head's
/// deadline and size, and the write-progress deadline.
struct ConnIo {
    stream: Option<Stream>,
    state: Arc<ConnState>,
    limits: MockLimits,
    counters: Arc<MockCounters>,
    /// Whether the head and send watches apply: not on HTTP/2 (known from its first bytes).
    watching: bool,
    first_read: bool,
    head: HeadWatch,
    /// `served` when `head` was last reset: a new request means a new head to watch.
    head_of: u32,
    head_timer: Option<(Instant, Pin<Box<Sleep>>)>,
    send: SendWatch,
}

impl ConnIo {
    fn new(stream: Stream, state: Arc<ConnState>, limits: MockLimits, counters: Arc<MockCounters>) -> ConnIo {
        ConnIo {
            stream: Some(stream),
            state,
            head: HeadWatch::first(&limits),
            send: SendWatch::new(&limits),
            limits,
            counters,
            watching: true,
            first_read: true,
            head_of: 0,
            head_timer: None,
        }
    }

    fn stream(&mut self) -> Pin<&mut Stream> {
        Pin::new(self.stream.as_mut().expect("ConnIo used after drop"))
    }

    /// Ends the connection hyper is reading a head of: answers `status` first if given (one
    /// non-blocking write: the refusal is small), then fails the read, which ends hyper's
    /// connection without a response of its own.
    fn end_head(&mut self, status: Option<StatusCode>) -> Poll<io::Result<()>> {
        if let (Some(status), Some(stream)) = (status, &mut self.stream) {
            stream.write_now(&http1::refusal(status));
        }
        Poll::Ready(Err(defences::timed_out()))
    }

    /// The head defences, before a read while no request is in progress.
    fn check_head(&mut self, cx: &mut Context<'_>, polled_pending: bool) -> Option<Poll<io::Result<()>>> {
        if self.head.too_large(self.head.bytes()) {
            self.counters.heads_too_large.fetch_add(1, Relaxed);
            return Some(self.end_head(Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)));
        }
        let deadline = self.head.deadline()?;
        let expired = if polled_pending {
            let timer = match &mut self.head_timer {
                Some((at, timer)) if *at == deadline => timer,
                slot => &mut slot.insert((deadline, Box::pin(tokio::time::sleep_until(deadline.into())))).1,
            };
            timer.as_mut().poll(cx).is_ready()
        } else {
            Instant::now() >= deadline
        };
        if expired {
            let status = read_timed_out(&self.limits, Stage::Head, &self.counters);
            return Some(self.end_head(status));
        }
        None
    }
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.state.reclaim.load(Acquire) {
            *lock(&self.state.slot) = self.stream.take();
        }
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.watching {
            return this.stream().poll_read(cx, buf);
        }
        let served = this.state.served.load(Relaxed);
        if served != this.head_of {
            (this.head_of, this.head_timer) = (served, None);
            this.head.next();
        }
        // hyper reads a head only while no request is in progress (HTTP/1.1 serves them in turn).
        let awaiting_head = this.state.activity.idle_since().is_some();
        if awaiting_head {
            if let Some(ended) = this.check_head(cx, false) {
                return ended;
            }
        }
        let before = buf.filled().len();
        match this.stream().poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if std::mem::take(&mut this.first_read) && read.starts_with(b"PRI ") {
                    this.watching = false; // HTTP/2's preface: the defences are HTTP/1.1's
                } else if awaiting_head && !read.is_empty() {
                    this.head.read(read.len());
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if awaiting_head => this.check_head(cx, true).unwrap_or(Poll::Pending),
            other => other,
        }
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = this.stream().poll_write(cx, buf);
        this.watch_send(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = this.stream().poll_write_vectored(cx, bufs);
        this.watch_send(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.as_ref().is_some_and(|s| s.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().stream().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().stream().poll_shutdown(cx)
    }
}

impl ConnIo {
    /// `send_timeout`: a write blocked past it fails, and the socket is set to reset on close
    /// (linger 0): the unsent bytes cannot be delivered anyway.
    fn watch_send(&mut self, cx: &mut Context<'_>, polled: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        if !self.watching {
            return polled;
        }
        let checked = self.send.check(cx, polled, &self.counters);
        if matches!(&checked, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::TimedOut) {
            if let Some(stream) = &self.stream {
                let _ = socket2::SockRef::from(stream.tcp()).set_linger(Some(Duration::ZERO));
            }
        }
        checked
    }
}

/// A connection on the full path: resets at accept, the keep-alive close style (FIN, RST, or
/// nothing for the race, which requests detect), and takeovers asked for by requests. An HTTP/2
/// connection (its preface peeked) goes to `h2.rs` after the accept faults.
async fn serve_full(
    builder: Arc<Builder>,
    stream: TcpStream,
    behaviour: Arc<Behaviour>,
    index: u64,
    idle: Option<Duration>,
    counters: Arc<MockCounters>,
) {
    if let Some(wire) = behaviour.at_accept(index) {
        counters.fault_hits.fetch_add(1, Relaxed);
        wire.execute(Stream::Plain(stream)).await;
        return;
    }
    let stream = if behaviour.tls().is_none() {
        // A connection silent past this goes to hyper (HTTP/1.1), whose defences and idle timer
        // take it from there.
        let sniff_limit = behaviour.limits().header_read_timeout.or(idle).unwrap_or(Duration::from_secs(10));
        if super::h2::sniff(&stream, sniff_limit).await {
            super::h2::serve(stream, behaviour, index, idle, counters).await;
            return;
        }
        Stream::Plain(stream)
    } else {
        let Some(stream) = handshake(&behaviour, stream, index).await else { return };
        // Over TLS, ALPN has said which protocol the client speaks.
        if stream.alpn_is_h2() {
            super::h2::serve(stream, behaviour, index, idle, counters).await;
            return;
        }
        stream
    };
    let close = behaviour.keep_alive_close();
    let state = Arc::new(ConnState::new(idle));
    let _done = state.done.clone().drop_guard();
    let io = TokioIo::new(ConnIo::new(stream, Arc::clone(&state), behaviour.limits(), Arc::clone(&counters)));
    let svc = {
        let state = Arc::clone(&state);
        service_fn(move |req| {
            let idle_since = state.activity.idle_since();
            let guard = state.activity.enter();
            let served = state.served.fetch_add(1, Relaxed) + 1;
            let conn = Conn { idle_since, idle_timeout: state.idle_timeout, served, binding: state.binding.clone() };
            let answer = behaviour.answer(req, conn);
            let state = Arc::clone(&state);
            async move {
                let _guard = guard;
                Ok::<_, Infallible>(match answer.await {
                    Answer::Respond(res) => res,
                    Answer::Takeover(wire, _permit) => state.takeover(wire).await,
                    // HTTP/2's answers (this path serves HTTP/1.1 only): the nearest HTTP/1 acts.
                    Answer::RespondThen(res, _) => res,
                    Answer::ResetStream(_) => state.takeover(Some(Wire::Rst)).await,
                })
            }
        })
    };
    let mut conn = Box::pin(builder.serve_connection(io, svc));
    // The race closes nothing at the timeout: the next request meets the close instead.
    let timer_idle = idle.filter(|_| close != KeepAliveClose::Race);
    let timer = tokio::time::sleep(timer_idle.unwrap_or(Duration::from_secs(86_400)));
    tokio::pin!(timer);
    let mut closing = false;
    let wire = loop {
        tokio::select! {
            biased;
            _ = conn.as_mut() => return,
            () = state.wake.notified() => {
                if let Some(wire) = lock(&state.wire).take() {
                    break wire;
                }
            }
            () = timer.as_mut(), if timer_idle.is_some() && !closing => {
                let idle = timer_idle.unwrap_or_default();
                match state.activity.idle_check(idle) {
                    Ok(()) => {
                        counters.event(MockEvent::ClosedIdle, Instant::now());
                        if close == KeepAliveClose::Rst {
                            break Wire::Rst;
                        }
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                    Err(recheck) => timer.as_mut().reset(recheck.into()),
                }
            }
        }
    };
    state.reclaim.store(true, Release);
    drop(conn);
    let stream = lock(&state.slot).take();
    if let Some(stream) = stream {
        wire.execute(stream).await;
    }
}
