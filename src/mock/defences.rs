//! The mock's defences against slow and greedy clients (`MockLimits`), one unit each, used by
//! both paths: the head deadline and size ([`HeadWatch`]), the write-progress deadline
//! ([`SendWatch`]), what a read timeout does ([`read_timed_out`]), and nginx's `limit_conn`
//! count of requests in progress ([`LimitConn`]). The plain path (`http1.rs`) and the full
//! path (`server.rs`'s `ConnIo`, `behaviour::drain`) call these; neither decides on its own.
//!
//! They act on HTTP/1.1. An HTTP/2 connection is only capped (`max_connections`, `503`).

use super::plan::{AtMaxConnections, MockLimits, OnReadTimeout};
use super::stats::MockCounters;
use crate::server_thread::{AcceptLimits, AtCap};
use http::StatusCode;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::AsyncWrite;
use tokio::time::Sleep;

/// The error a read or write that ran out of time ends with.
pub(crate) fn timed_out() -> io::Error {
    io::Error::from(io::ErrorKind::TimedOut)
}

/// What the accept loop admits: `max_connections` connections, closing or leaving in the backlog
/// one more; with `"503"` the cap counts requests instead, and connections are only held to the
/// safety cap.
pub(crate) fn accept_limits(limits: &MockLimits) -> AcceptLimits {
    let max = limits.max_connections;
    match limits.at_max_connections {
        AtMaxConnections::Close => AcceptLimits { max_connections: max, at_cap: AtCap::Close },
        AtMaxConnections::Backlog => AcceptLimits { max_connections: max, at_cap: AtCap::Backlog },
        AtMaxConnections::Refuse503 => {
            AcceptLimits { max_connections: max.max(AcceptLimits::DEFAULT_MAX_CONNECTIONS), at_cap: AtCap::Close }
        }
    }
}

/// Which read ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Head,
    Body,
}

/// Counts a read timeout and says how to end its connection: `Some(408)` to answer first,
/// `None` to close without a byte.
pub(crate) fn read_timed_out(limits: &MockLimits, stage: Stage, counters: &MockCounters) -> Option<StatusCode> {
    let counter = match stage {
        Stage::Head => &counters.header_timeouts,
        Stage::Body => &counters.body_timeouts,
    };
    counter.fetch_add(1, Relaxed);
    match limits.on_read_timeout {
        OnReadTimeout::Close => None,
        OnReadTimeout::Answer408 => Some(StatusCode::REQUEST_TIMEOUT),
    }
}

/// The deadline and the size of the request head being read on one connection.
///
/// Go's `ReadHeaderTimeout` and nginx's `client_header_timeout`: for a connection's first
/// request the clock runs from accept; for the next ones from the first byte of their head (the
/// wait for that byte is `keep_alive_timeout`'s).
#[derive(Debug)]
pub(crate) struct HeadWatch {
    timeout: Option<Duration>,
    max_bytes: usize,
    started: Option<Instant>,
    bytes: usize,
}

impl HeadWatch {
    /// The watch for a connection's first head, accepted now.
    pub(crate) fn first(limits: &MockLimits) -> HeadWatch {
        let timeout = limits.header_read_timeout;
        HeadWatch { timeout, max_bytes: limits.max_header_bytes, started: timeout.map(|_| Instant::now()), bytes: 0 }
    }

    /// A response was sent: the next head's clock starts with its first byte.
    pub(crate) fn next(&mut self) {
        self.started = None;
        self.bytes = 0;
    }

    /// Bytes of the head are there: the first starts the clock.
    pub(crate) fn arrived(&mut self) {
        if self.started.is_none() && self.timeout.is_some() {
            self.started = Some(Instant::now());
        }
    }

    /// `n` more bytes of the head were read (for a reader that keeps no buffer of its own).
    pub(crate) fn read(&mut self, n: usize) {
        self.bytes += n;
        self.arrived();
    }

    /// The bytes counted by [`HeadWatch::read`].
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// When the head must be complete, if its clock runs.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        Some(crate::timer::after(self.started?, self.timeout?))
    }

    /// Whether `bytes` of a head not yet complete are more than `max_header_bytes`.
    pub(crate) fn too_large(&self, bytes: usize) -> bool {
        bytes > self.max_bytes
    }
}

/// nginx's `send_timeout`: a response write that makes no progress for this long fails with
/// [`timed_out`] (the caller then resets the connection: the bytes cannot be delivered anyway).
#[derive(Debug)]
pub(crate) struct SendWatch {
    timeout: Option<Duration>,
    /// Armed while a write is blocked; re-armed by progress.
    timer: Option<Pin<Box<Sleep>>>,
}

impl SendWatch {
    pub(crate) fn new(limits: &MockLimits) -> SendWatch {
        SendWatch { timeout: limits.send_timeout, timer: None }
    }

    /// Passes a write's outcome through: a write pending for longer than the timeout since the
    /// last progress becomes an error, counted in `send_timeouts`.
    pub(crate) fn check<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
        counters: &MockCounters,
    ) -> Poll<io::Result<T>> {
        let Some(timeout) = self.timeout else {
            return polled;
        };
        if polled.is_ready() {
            self.timer = None;
            return polled;
        }
        let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if timer.as_mut().poll(cx).is_ready() {
            self.timer = None;
            counters.send_timeouts.fetch_add(1, Relaxed);
            return Poll::Ready(Err(timed_out()));
        }
        Poll::Pending
    }
}

/// A writer whose writes are watched by a [`SendWatch`] (the plain path's socket).
pub(crate) struct Watched<'a, W> {
    pub(crate) inner: &'a mut W,
    pub(crate) watch: &'a mut SendWatch,
    pub(crate) counters: &'a MockCounters,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Watched<'_, W> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut *this.inner).poll_write(cx, buf);
        this.watch.check(cx, polled, this.counters)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut *this.inner).poll_write_vectored(cx, bufs);
        this.watch.check(cx, polled, this.counters)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().inner).poll_shutdown(cx)
    }
}

/// nginx's `limit_conn` (`at_max_connections = "503"`): requests in progress, each counted from
/// its head to its response; connections without a request (slowloris) never count.
#[derive(Debug)]
pub(crate) struct LimitConn {
    in_progress: AtomicUsize,
    max: usize,
}

/// One request counted by a [`LimitConn`]; uncounted when dropped.
#[derive(Debug)]
pub(crate) struct Slot(Arc<LimitConn>);

impl LimitConn {
    pub(crate) fn new(max: usize) -> Arc<LimitConn> {
        Arc::new(LimitConn { in_progress: AtomicUsize::new(0), max })
    }

    /// A slot for a request whose head was just read, or `None` at the cap (counted in
    /// `limit_conn_rejections`: the request is answered 503 and its connection closed).
    pub(crate) fn admit(self: &Arc<Self>, counters: &MockCounters) -> Option<Slot> {
        let taken = self.in_progress.fetch_update(Relaxed, Relaxed, |n| (n < self.max).then_some(n + 1));
        if taken.is_err() {
            counters.limit_conn_rejections.fetch_add(1, Relaxed);
            return None;
        }
        Some(Slot(Arc::clone(self)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.in_progress.fetch_sub(1, Relaxed);
    }
}
