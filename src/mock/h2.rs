//! The mock's HTTP/2 server, on the h2 crate: every request answered by [`Behaviour::answer`]
//! (so every per-request fault acts as on HTTP/1), and the faults of HTTP/2's own frames —
//! GOAWAY, RST_STREAM, SETTINGS (a stream limit, a late handshake), unanswered PINGs, a flow-
//! control window left unreplenished — which hyper's server cannot be made to send.
//!
//! One task per connection ([`serve`]) drives the h2 connection and its streams (a task each,
//! in a `JoinSet` that ends with it). A connection-level fault (a reset, a close without GOAWAY,
//! garbage instead of frames) asks the connection task to end it ([`Shared::end`]): it drops
//! the h2 connection, whose IO ([`Reclaim`]) leaves the socket behind, and carries the
//! [`Wire`] out on it. The server is generic over the socket ([`MockSocket`]), so any layer over
//! TCP serves HTTP/2 the same way.

use super::activity::Activity;
use super::behaviour::{Answer, Behaviour, BodyEnd, Conn, H2Handshake, MockBody, RequestBody};
use super::faults::Goaway;
use super::plan::KeepAliveClose;
use super::serverless::ConnBinding;
use super::stats::{MockCounters, MockEvent};
use super::wire::{MockSocket, Wire};
use bytes::Bytes;
use h2::server::SendResponse;
use h2::{Reason, RecvStream, SendStream};
use http::header::CONTENT_LENGTH;
use http::Response;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Sleep;
use tokio_util::sync::CancellationToken;

/// HTTP/2's connection preface starts so; no HTTP/1.1 request line does.
const PREFACE_START: &[u8] = b"PRI ";

/// How long a connection ending after a response waits for that response to be flushed at most.
const FLUSH_WAIT: Duration = Duration::from_millis(200);

/// Whether a connection speaks HTTP/2 with prior knowledge: its first bytes, peeked (left for
/// whichever server reads them), are the preface's. Waits at most `limit` for them.
pub(crate) async fn sniff(stream: &TcpStream, limit: Duration) -> bool {
    let deadline = crate::timer::after(Instant::now(), limit);
    let mut buf = [0u8; PREFACE_START.len()];
    loop {
        let n = match tokio::time::timeout_at(deadline.into(), stream.peek(&mut buf)).await {
            Ok(Ok(n)) => n,
            Ok(Err(_)) | Err(_) => return false,
        };
        if n == 0 || !PREFACE_START.starts_with(&buf[..n]) {
            return false;
        }
        if n == PREFACE_START.len() {
            return true;
        }
        // A preface split across segments: peek returns at once while any byte waits, so sleep.
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// How a request asked for its connection to end.
struct Ending {
    wire: Wire,
    /// The connection's flush count when asked: its response is out once a later flush is done.
    after_flush: Option<u64>,
}

/// One HTTP/2 connection's state, shared by its task and its streams' tasks.
struct Shared {
    activity: Arc<Activity>,
    idle_timeout: Option<Duration>,
    served: AtomicU32,
    binding: ConnBinding,
    end: Mutex<Option<Ending>>,
    wake: Notify,
    /// Cancelled by a graceful GOAWAY with `in_flight = "refuse"`: unanswered streams refuse.
    refuse: CancellationToken,
    /// Cancelled when the connection task ends: streams left unanswered then finish.
    done: CancellationToken,
    /// The highest stream id answered in full (an abrupt GOAWAY's last-stream id).
    answered: AtomicU32,
    /// Completed flushes of the socket (by h2, after it wrote frames).
    flushes: Arc<AtomicU64>,
}

impl Shared {
    /// Asks the connection task to end the connection so (the first ask wins), after the
    /// response just queued is flushed if `after_response`.
    fn end(&self, wire: Wire, after_response: bool) {
        let mut end = lock(&self.end);
        if end.is_none() {
            let after_flush = after_response.then(|| self.flushes.load(Relaxed));
            *end = Some(Ending { wire, after_flush });
            self.wake.notify_one();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Serves one HTTP/2 connection (its preface unread, or replayed) until it ends; `index` is its
/// accept count (which keys its fault draws), `idle` its keep-alive idle timeout.
pub(crate) async fn serve<S: MockSocket>(
    io: S,
    behaviour: Arc<Behaviour>,
    index: u64,
    idle: Option<Duration>,
    counters: Arc<MockCounters>,
) {
    let accepted = behaviour.epoch().elapsed();
    let handshake = behaviour.h2_handshake(index, accepted);
    if handshake != H2Handshake::default() {
        counters.fault_hits.fetch_add(1, Relaxed);
    }
    if let Some(delay) = handshake.settings_delay {
        // Nothing is read meanwhile: the client's preface and requests wait in the socket.
        tokio::time::sleep(delay).await;
    }
    let shared = Arc::new(Shared {
        activity: Arc::new(Activity::new()),
        idle_timeout: idle,
        served: AtomicU32::new(0),
        answered: AtomicU32::new(0),
        binding: ConnBinding::default(),
        end: Mutex::new(None),
        wake: Notify::new(),
        refuse: CancellationToken::new(),
        done: CancellationToken::new(),
        flushes: Arc::new(AtomicU64::new(0)),
    });
    let _done = shared.done.clone().drop_guard();
    let slot = Arc::new(Mutex::new(None));
    let io = Reclaim { io: Some(io), slot: Arc::clone(&slot), flushes: Arc::clone(&shared.flushes) };
    let mut builder = h2::server::Builder::new();
    let limits = behaviour.limits();
    builder.max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
    if let Some(max) = handshake.max_concurrent_streams {
        builder.max_concurrent_streams(max);
    }
    let Ok(mut conn) = builder.handshake::<_, Bytes>(io).await else { return };

    let epoch = behaviour.epoch();
    let at = |offset: Duration| tokio::time::Instant::from(crate::timer::after(epoch, offset));
    let far = Duration::from_secs(86_400 * 365);
    let close = behaviour.keep_alive_close();
    // The race closes nothing at the timeout: the next request meets the reset instead.
    let timer_idle = idle.filter(|_| close != KeepAliveClose::Race);
    let idle_timer = tokio::time::sleep(timer_idle.unwrap_or(far));
    let mut goaway = behaviour.next_goaway(index, accepted);
    let goaway_timer = tokio::time::sleep_until(at(goaway.map_or(far, |(t, _)| t)));
    let mut silence = behaviour.next_silence(index, accepted);
    let silence_timer = tokio::time::sleep_until(at(silence.map_or(far, |(start, _)| start)));
    tokio::pin!(idle_timer, goaway_timer, silence_timer);
    let mut streams = JoinSet::new();
    let (mut closing, mut ending) = (false, None::<(Wire, Option<u64>, Instant)>);
    let wire = loop {
        if let Some((wire, mark, by)) = &ending {
            if mark.is_none_or(|m| shared.flushes.load(Relaxed) > m) || Instant::now() >= *by {
                break Some(wire.clone());
            }
        }
        tokio::select! {
            biased;
            incoming = conn.accept() => match incoming {
                Some(Ok((req, respond))) => {
                    streams.spawn(answer_stream(Arc::clone(&behaviour), Arc::clone(&shared), req, respond));
                }
                Some(Err(_)) | None => break None,
            },
            Some(_) = streams.join_next() => {}
            () = shared.wake.notified(), if ending.is_none() => {
                if let Some(end) = lock(&shared.end).take() {
                    let by = crate::timer::after(Instant::now(), FLUSH_WAIT);
                    ending = Some((end.wire, end.after_flush, by));
                }
            }
            // Waiting for a response to be flushed before the connection ends.
            () = tokio::time::sleep(Duration::from_millis(1)), if ending.is_some() => {}
            () = idle_timer.as_mut(), if timer_idle.is_some() && !closing => {
                match shared.activity.idle_check(timer_idle.unwrap_or_default()) {
                    Ok(()) => {
                        counters.event(MockEvent::ClosedIdle, Instant::now());
                        if close == KeepAliveClose::Rst {
                            break Some(Wire::Rst);
                        }
                        conn.graceful_shutdown();
                        closing = true;
                    }
                    Err(recheck) => idle_timer.as_mut().reset(recheck.into()),
                }
            }
            () = goaway_timer.as_mut(), if goaway.is_some() => {
                counters.fault_hits.fetch_add(1, Relaxed);
                match goaway.take().map(|(_, mode)| mode) {
                    Some(Goaway::Graceful { refuse_in_flight }) => {
                        if refuse_in_flight {
                            shared.refuse.cancel();
                        }
                        conn.graceful_shutdown();
                        closing = true;
                    }
                    // Written by hand: h2's own (`abrupt_shutdown`) names the last stream received,
                    // so the streams in flight would fail on the close, not on the GOAWAY.
                    Some(Goaway::Abrupt { error_code }) => {
                        let last = shared.answered.load(Relaxed);
                        break Some(Wire::Raw { bytes: goaway_frame(last, error_code.code()), rst: false });
                    }
                    None => {}
                }
            }
            () = silence_timer.as_mut(), if silence.is_some() => {
                let (_, end) = silence.unwrap_or_default();
                counters.fault_hits.fetch_add(1, Relaxed);
                // Silent: the connection is not polled, so nothing is read, written or answered.
                tokio::time::sleep_until(at(end)).await;
                silence = behaviour.next_silence(index, end);
                silence_timer.as_mut().reset(at(silence.map_or(far, |(start, _)| start)));
            }
        }
    };
    drop(conn);
    let stream = lock(&slot).take();
    if let (Some(stream), Some(wire)) = (stream, wire) {
        wire.execute(stream).await;
    }
}

/// A GOAWAY frame (RFC 9113 section 6.8): `last_stream` the highest stream the server processed,
/// every later one failed with `code`.
fn goaway_frame(last_stream: u32, code: u32) -> Bytes {
    let mut frame = vec![0, 0, 8, 0x7, 0, 0, 0, 0, 0];
    frame.extend_from_slice(&(last_stream & 0x7fff_ffff).to_be_bytes());
    frame.extend_from_slice(&code.to_be_bytes());
    frame.into()
}

/// One stream: the behaviour's answer, carried out with h2.
async fn answer_stream(
    behaviour: Arc<Behaviour>,
    shared: Arc<Shared>,
    req: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
) {
    let idle_since = shared.activity.idle_since();
    let _in_flight = shared.activity.enter();
    let served = shared.served.fetch_add(1, Relaxed) + 1;
    let conn = Conn { idle_since, idle_timeout: shared.idle_timeout, served, binding: shared.binding.clone() };
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
    let req = req.map(|recv| H2Body { recv, declared, withhold: None, unreleased: 0 });
    let answer = behaviour.answer(req, conn);
    let answer = tokio::select! {
        answer = answer => answer,
        () = shared.refuse.cancelled() => return respond.send_reset(Reason::REFUSED_STREAM),
        // The client reset the stream: nobody is waiting for the answer.
        _ = poll_fn(|cx| respond.poll_reset(cx)) => return,
    };
    match answer {
        Answer::Respond(res) => {
            if send(&mut respond, res).await.is_ok() {
                shared.answered.fetch_max(u32::from(respond.stream_id()), Relaxed);
            }
        }
        Answer::RespondThen(res, wire) => {
            let sent = send(&mut respond, res).await;
            shared.end(wire, sent.is_ok());
        }
        Answer::ResetStream(code) => respond.send_reset(Reason::from(code)),
        Answer::Takeover(wire, _permit) => {
            if let Some(wire) = wire {
                shared.end(wire, false);
            }
            // Unanswered (a hang, a frozen instance) until the connection ends.
            shared.done.cancelled().await;
        }
    }
}

/// Sends a response: its head, then its body as the peer's flow control lets it.
async fn send(respond: &mut SendResponse<Bytes>, res: Response<MockBody>) -> Result<(), h2::Error> {
    let (head, mut body) = res.into_parts();
    let mut ended = body.is_end_stream();
    let mut stream = respond.send_response(Response::from_parts(head, ()), ended)?;
    while !ended {
        let data = match body.frame().await {
            Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
            Some(Err(never)) => match never {},
            None => Bytes::new(),
        };
        ended = body.is_end_stream() || data.is_empty();
        send_data(&mut stream, data, ended).await?;
    }
    Ok(())
}

/// Sends `data` in as many DATA frames as the stream's capacity allows, the last one ending the
/// stream if `end`.
async fn send_data(stream: &mut SendStream<Bytes>, mut data: Bytes, end: bool) -> Result<(), h2::Error> {
    if data.is_empty() {
        return stream.send_data(data, end);
    }
    while !data.is_empty() {
        stream.reserve_capacity(data.len());
        let granted = match poll_fn(|cx| stream.poll_capacity(cx)).await {
            Some(granted) => granted?,
            // The stream was reset by the peer: h2 says why on the next send.
            None => return stream.send_data(Bytes::new(), true),
        };
        if granted == 0 {
            continue;
        }
        let chunk = data.split_to(granted.min(data.len()));
        stream.send_data(chunk, end && data.is_empty())?;
    }
    Ok(())
}

/// A request body on h2: what is read is given back to the peer's flow-control window at once,
/// or once a `flow_control_stall` is over.
struct H2Body {
    recv: RecvStream,
    /// Its `content-length`, for the size limit before anything is read.
    declared: Option<u64>,
    /// Until when nothing read is given back, and the timer that ends the wait.
    withhold: Option<(Instant, Pin<Box<Sleep>>)>,
    unreleased: usize,
}

impl H2Body {
    fn release(&mut self, n: usize) {
        if n > 0 {
            let _ = self.recv.flow_control().release_capacity(n);
        }
    }
}

impl Body for H2Body {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        let this = self.get_mut();
        if let Some((_, timer)) = &mut this.withhold {
            if timer.as_mut().poll(cx).is_ready() {
                this.withhold = None;
                let n = std::mem::take(&mut this.unreleased);
                this.release(n);
            }
        }
        match ready!(this.recv.poll_data(cx)) {
            Some(Ok(data)) => {
                if this.withhold.is_some() {
                    this.unreleased += data.len();
                } else {
                    this.release(data.len());
                }
                Poll::Ready(Some(Ok(Frame::data(data))))
            }
            Some(Err(e)) => Poll::Ready(Some(Err(e))),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.recv.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.declared.map_or_else(SizeHint::default, SizeHint::with_exact)
    }
}

impl RequestBody for H2Body {
    /// h2 checks the framing (and `content-length`) itself; any failure is the stream or the
    /// connection ending under the body.
    fn failure(_: &h2::Error) -> BodyEnd {
        BodyEnd::CutShort
    }

    fn withhold_window(&mut self, d: Duration) {
        if !d.is_zero() {
            let until = crate::timer::after(Instant::now(), d);
            self.withhold = Some((until, Box::pin(tokio::time::sleep_until(until.into()))));
        }
    }
}

/// The socket as h2 sees it: counts flushes, and leaves the socket in `slot` when h2's
/// connection is dropped, for a connection-level fault to act on.
struct Reclaim<S> {
    io: Option<S>,
    slot: Arc<Mutex<Option<S>>>,
    flushes: Arc<AtomicU64>,
}

impl<S: MockSocket> Reclaim<S> {
    fn io(&mut self) -> Pin<&mut S> {
        Pin::new(self.io.as_mut().expect("Reclaim used after drop"))
    }
}

impl<S> Drop for Reclaim<S> {
    fn drop(&mut self) {
        *lock(&self.slot) = self.io.take();
    }
}

impl<S: MockSocket> AsyncRead for Reclaim<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_read(cx, buf)
    }
}

impl<S: MockSocket> AsyncWrite for Reclaim<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().io().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().io().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.as_ref().is_some_and(|io| io.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let flushed = this.io().poll_flush(cx);
        if matches!(flushed, Poll::Ready(Ok(()))) {
            this.flushes.fetch_add(1, Relaxed);
        }
        flushed
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().io().poll_shutdown(cx)
    }
}
