//! A connection pool of our own over our HTTP/1 connection (`http1`) and hyper's HTTP/2 one,
//! so that every knob under test
//! (idle timeout, idle and total connections per host) is explicit and every connection's life is
//! counted: opened, reused, closed by whom.
//!
//! A pool belongs to one load worker (a current-thread runtime with a `LocalSet`): it uses `Rc`
//! and `RefCell`, never a lock.

use super::classify::{classify_connect, classify_hyper};
use super::dial::Dial;
use super::http1::{Http1Conn, ResponseCaps, Waits};
use super::tls::TlsConnect;
use crate::record::{ConnStats, ErrorKind};
use crate::scenario::{ClientPlan, HttpVersion, PoolOrder};
use crate::stream::Stream;
use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

pub(super) type Body = Full<Bytes>;

/// The sending half of one connection.
pub(super) enum Sender {
    H1(Http1Conn),
    H2(http2::SendRequest<Body>),
}

impl Sender {
    /// May not carry another request.
    fn is_closed(&self) -> bool {
        match self {
            Sender::H1(c) => c.is_closed(),
            Sender::H2(s) => s.is_closed(),
        }
    }

    /// Ended by the peer: its end is counted as the peer's doing, not the client's.
    fn closed_by_peer(&self) -> bool {
        match self {
            Sender::H1(c) => c.closed_by_peer(),
            Sender::H2(s) => s.is_closed(),
        }
    }
}

/// One shared HTTP/2 connection of the pool, and its dial.
#[derive(Default)]
struct H2Slot {
    conn: RefCell<Option<(http2::SendRequest<Body>, Rc<ConnMeta>)>>,
    connecting: tokio::sync::Mutex<()>,
    /// The last failed dial, so requests queued behind it fail with it instead of redialling one
    /// after another.
    failure: Cell<Option<(Instant, ErrorKind)>>,
}

impl H2Slot {
    /// A handle on its connection, if it has a live one (a closed one is cleared).
    fn live(&self) -> Option<Conn> {
        let mut shared = self.conn.borrow_mut();
        let (sender, meta) = shared.as_ref()?;
        if sender.is_closed() {
            *shared = None;
            return None;
        }
        Some(Conn { sender: Sender::H2(sender.clone()), meta: meta.clone(), _permit: None, _count_close: None })
    }
}

/// What the pool and whoever counts the connection's end both know of it.
pub(super) struct ConnMeta {
    /// When it was opened, in the pool's count of connections: `pool_order = "oldest"` reads it.
    opened: u64,
    requests: Cell<u32>,
    /// Set when the client decided to close it; otherwise its end is the peer's doing.
    closed_by_client: Cell<bool>,
}

/// Counts a connection's end when dropped: by the HTTP/1 connection itself (dropping it closes
/// the socket), or by the task driving an HTTP/2 connection when that ends.
struct CountClose {
    meta: Rc<ConnMeta>,
    stats: Rc<RefCell<ConnStats>>,
}

impl Drop for CountClose {
    fn drop(&mut self) {
        let mut stats = self.stats.borrow_mut();
        if !self.meta.closed_by_client.get() {
            stats.closed_by_peer += 1;
        }
        stats.served(self.meta.requests.get());
    }
}

/// A connection checked out of the pool for one request.
pub(super) struct Conn {
    pub(super) sender: Sender,
    meta: Rc<ConnMeta>,
    _permit: Option<OwnedSemaphorePermit>,
    /// HTTP/1 only: the connection ends when this `Conn` is dropped. (An HTTP/2 `Conn` is one
    /// handle on the shared connection; its driver task counts the end.)
    _count_close: Option<CountClose>,
}

impl Conn {
    /// Counts a request sent on this connection; true if it had served one before.
    pub(super) fn start_request(&self) -> bool {
        let n = self.meta.requests.get();
        self.meta.requests.set(n + 1);
        n > 0
    }

    /// Marks the connection as one the client will close after this request (keep-alive off),
    /// so the server's answering close is not mistaken for the peer's doing.
    pub(super) fn close_after_this(&self, stats: &RefCell<ConnStats>) {
        if matches!(self.sender, Sender::H1(_)) && !self.meta.closed_by_client.replace(true) {
            stats.borrow_mut().closed_by_client += 1;
        }
    }

    /// A guard that, if an HTTP/1 exchange is abandoned (request timeout), counts the
    /// connection as closed by the client: hyper closes a connection whose response was dropped.
    pub(super) fn abandon_guard(&self, stats: &Rc<RefCell<ConnStats>>) -> Option<AbandonGuard> {
        matches!(self.sender, Sender::H1(_)).then(|| AbandonGuard {
            meta: self.meta.clone(),
            stats: stats.clone(),
            armed: true,
        })
    }
}

pub(super) struct AbandonGuard {
    meta: Rc<ConnMeta>,
    stats: Rc<RefCell<ConnStats>>,
    armed: bool,
}

impl AbandonGuard {
    pub(super) fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for AbandonGuard {
    fn drop(&mut self) {
        if self.armed && !self.meta.closed_by_client.replace(true) {
            self.stats.borrow_mut().closed_by_client += 1;
        }
    }
}

struct Idle {
    conn: Conn,
    since: Instant,
}

/// A fresh or pooled connection, and what it cost to get it.
pub(super) struct Checkout {
    pub(super) conn: Conn,
    /// Set when a new connection was opened for this request.
    pub(super) connect_time: Option<Duration>,
    /// The lookup of the target's name before that connect (`Dial::Name` only).
    pub(super) dns_time: Option<Duration>,
    /// The TLS handshake after that connect (`https://` targets only).
    pub(super) tls_time: Option<Duration>,
}

/// A checkout that failed, and the lookup it made, if it dialled a name (a lookup that failed,
/// or one that succeeded before the connect failed), so that `Exchange.dns` counts it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Failed {
    pub(super) kind: ErrorKind,
    pub(super) dns: Option<Duration>,
}

impl From<ErrorKind> for Failed {
    fn from(kind: ErrorKind) -> Failed {
        Failed { kind, dns: None }
    }
}

/// A new connection, with the time its lookup and its connect took.
struct Dialled {
    conn: Conn,
    dns: Option<Duration>,
    connect: Duration,
    tls: Option<Duration>,
}

/// Runs hyper's HTTP/2 background futures on the worker's `LocalSet`.
#[derive(Clone, Copy)]
struct LocalExec;

impl<F: std::future::Future + 'static> hyper::rt::Executor<F> for LocalExec {
    fn execute(&self, fut: F) {
        tokio::task::spawn_local(fut);
    }
}

pub(super) struct Pool {
    dial: Dial,
    /// TLS on every new connection (`https://` targets).
    tls: Option<TlsConnect>,
    http: HttpVersion,
    idle_timeout: Option<Duration>,
    /// Whether a timer closes idle connections at `idle_timeout` (else only checkouts do).
    idle_reaper: bool,
    order: PoolOrder,
    max_idle: usize,
    connect_timeout: Option<Duration>,
    tcp_keepalive: Option<Duration>,
    caps: ResponseCaps,
    waits: Waits,
    /// Idle connections by the time they went idle, oldest first.
    idle: RefCell<VecDeque<Idle>>,
    /// One permit per open connection when `max_conns_per_host` is set.
    slots: Option<Arc<Semaphore>>,
    /// Requests waiting for a released connection, oldest first.
    waiters: RefCell<VecDeque<oneshot::Sender<Conn>>>,
    /// Queue length at which closed senders are swept out of `waiters`.
    prune_at: Cell<usize>,
    /// The HTTP/2 connections requests share, `h2_connections` of them (each multiplexes), taken
    /// in turn; a slot is dialled when a request finds it empty or closed.
    shared_h2: Vec<H2Slot>,
    /// The slot the next HTTP/2 request takes.
    next_h2: Cell<usize>,
    h2_keepalive: Option<(Duration, Duration)>,
    /// Wakes the idle reaper when a connection goes idle.
    went_idle: Rc<tokio::sync::Notify>,
    reaper_started: Cell<bool>,
    /// Start of the run: connection opens are counted per second from it.
    epoch: Instant,
    /// Connections opened so far (each one's `ConnMeta::opened`).
    opened: Cell<u64>,
    pub(super) stats: Rc<RefCell<ConnStats>>,
}

impl Pool {
    /// `plan` holds this worker's share of the per-host limits.
    pub(super) fn new(dial: Dial, tls: Option<TlsConnect>, plan: &ClientPlan, epoch: Instant) -> Pool {
        Pool {
            dial,
            tls,
            http: plan.http,
            idle_timeout: plan.pool_idle_timeout,
            idle_reaper: plan.idle_reaper,
            order: plan.pool_order,
            max_idle: if plan.keep_alive { plan.pool_max_idle_per_host } else { 0 },
            connect_timeout: plan.connect_timeout,
            tcp_keepalive: plan.tcp_keepalive,
            caps: ResponseCaps { head: plan.max_response_header_bytes, body: plan.max_response_body_bytes },
            waits: Waits {
                header: plan.response_header_timeout,
                read: plan.read_timeout,
                expect_continue: plan.expect_continue_timeout,
            },
            idle: RefCell::new(VecDeque::new()),
            slots: plan.max_conns_per_host.map(|n| Arc::new(Semaphore::new(n))),
            waiters: RefCell::new(VecDeque::new()),
            prune_at: Cell::new(64),
            shared_h2: (0..plan.h2_connections.max(1)).map(|_| H2Slot::default()).collect(),
            next_h2: Cell::new(0),
            h2_keepalive: plan.h2_keepalive_interval.map(|every| (every, plan.h2_keepalive_timeout)),
            went_idle: Rc::new(tokio::sync::Notify::new()),
            reaper_started: Cell::new(false),
            epoch,
            opened: Cell::new(0),
            stats: Rc::new(RefCell::new(ConnStats::default())),
        }
    }

    /// A connection for one request: a live idle one (the most recently released, or with
    /// `pool_order = "fifo"` the least recently released); else the first of a
    /// connection released by another request (oldest waiter first) and a new connection, if
    /// the per-host cap allows one. Racing the dial against released connections is what
    /// hyper-util's and Go's clients do; without it an open-model burst opens a connection per
    /// arrival. A dial that loses is not wasted: its connection goes to the pool.
    pub(super) async fn checkout(self: &Rc<Self>) -> Result<Checkout, Failed> {
        if self.http == HttpVersion::Http2 {
            return self.checkout_h2().await;
        }
        loop {
            if let Some(conn) = self.pop_idle() {
                return Ok(Checkout { conn, connect_time: None, dns_time: None, tls_time: None });
            }
            // `Some(permit)`: a dial may start now; `None`: at the cap, only waiting is possible.
            let slot = match &self.slots {
                None => Some(None),
                Some(slots) => slots.clone().try_acquire_owned().ok().map(Some),
            };
            if self.max_idle == 0 && slot.is_some() {
                // Nothing is ever released for reuse (keep-alive off): just dial. (Boxed, as
                // every dial here: a dial's future is large, and inline it would size every
                // request's future, spawned once per open-model arrival, by this rare path.)
                return Box::pin(self.clone().dial(slot.flatten())).await;
            }
            let receive = self.wait_for_release();
            let handed = match slot {
                Some(permit) => {
                    let mut dial = Box::pin(self.clone().dial(permit));
                    tokio::select! {
                        biased;
                        handed = receive => handed,
                        dialled = &mut dial => return dialled,
                    }
                    .inspect(|_| {
                        let pool = self.clone();
                        tokio::task::spawn_local(async move {
                            if let Ok(dialled) = dial.await {
                                pool.release(dialled.conn, true);
                            }
                        });
                    })
                }
                None => {
                    let slots = self.slots.clone().expect("at the cap only when there is one");
                    tokio::select! {
                        biased;
                        handed = receive => handed,
                        permit = slots.acquire_owned() => {
                            return Box::pin(self.clone().dial(Some(permit.expect("the semaphore is never closed")))).await;
                        }
                    }
                }
            };
            match handed {
                Ok(conn) if !conn.sender.is_closed() => {
                    return Ok(Checkout { conn, connect_time: None, dns_time: None, tls_time: None })
                }
                _ => continue,
            }
        }
    }

    /// Queues this request for the next connection released.
    fn wait_for_release(&self) -> oneshot::Receiver<Conn> {
        let (handoff, receive) = oneshot::channel();
        let mut waiters = self.waiters.borrow_mut();
        // Requests that got a connection another way leave closed senders behind: sweep them
        // out whenever the queue has doubled, so it never grows with the number of requests.
        if waiters.len() >= self.prune_at.get() {
            waiters.retain(|w| !w.is_closed());
            self.prune_at.set((waiters.len() * 2).max(64));
        }
        waiters.push_back(handoff);
        receive
    }

    /// Opens a new connection holding `permit` (its slot under the per-host cap, if any).
    async fn dial(self: Rc<Self>, permit: Option<OwnedSemaphorePermit>) -> Result<Checkout, Failed> {
        let Dialled { conn, dns, connect, tls } = self.connect().await?;
        let conn = Conn { _permit: permit, ..conn };
        Ok(Checkout { conn, connect_time: Some(connect), dns_time: dns, tls_time: tls })
    }

    fn pop_idle(&self) -> Option<Conn> {
        let mut idle = self.idle.borrow_mut();
        loop {
            let entry = match self.order {
                PoolOrder::Lifo => idle.pop_back()?,
                PoolOrder::Fifo => idle.pop_front()?,
                PoolOrder::Oldest => {
                    let (at, _) = idle.iter().enumerate().min_by_key(|(_, e)| e.conn.meta.opened)?;
                    idle.remove(at).expect("an index of the queue")
                }
            };
            if entry.conn.sender.is_closed() {
                continue; // its end is counted as the peer's doing
            }
            if self.idle_timeout.is_some_and(|t| entry.since.elapsed() >= t) {
                self.close(entry.conn, CloseReason::Idle);
                if self.order == PoolOrder::Lifo {
                    // Everything below is older still: the queue is sorted by age.
                    for older in idle.drain(..) {
                        if !older.conn.sender.is_closed() {
                            self.close(older.conn, CloseReason::Idle);
                        }
                    }
                    return None;
                }
                continue; // the next in this order may still be fresh
            }
            return Some(entry.conn);
        }
    }

    /// Returns a connection after a complete exchange, or closes it if it may not be reused.
    pub(super) fn release(self: &Rc<Self>, conn: Conn, reusable: bool) {
        if let Sender::H2(_) = conn.sender {
            // The shared connection stays in its slot: an unread body only resets its stream.
            return;
        }
        if !reusable || conn.sender.is_closed() {
            return self.close(conn, CloseReason::Client);
        }
        let mut conn = conn;
        while let Some(waiter) = self.waiters.borrow_mut().pop_front() {
            match waiter.send(conn) {
                Ok(()) => return,
                Err(back) => conn = back, // that request gave up waiting (timeout) or got a slot
            }
        }
        let mut idle = self.idle.borrow_mut();
        if idle.len() >= self.max_idle {
            drop(idle);
            return self.close(conn, CloseReason::Client);
        }
        idle.push_back(Idle { conn, since: Instant::now() });
        drop(idle);
        self.went_idle.notify_one();
        if let Some(timeout) = self.idle_timeout.filter(|_| self.idle_reaper) {
            if !self.reaper_started.replace(true) {
                tokio::task::spawn_local(reap_idle(Rc::downgrade(self), self.went_idle.clone(), timeout));
            }
        }
    }

    /// Closes idle connections that reached `pool_idle_timeout`; the deadline of the oldest.
    fn expire_idle(&self, timeout: Duration) -> Option<Instant> {
        let mut idle = self.idle.borrow_mut();
        // The stack is sorted by age, oldest first.
        let expired = idle.iter().take_while(|e| e.since.elapsed() >= timeout).count();
        for entry in idle.drain(..expired) {
            self.close(entry.conn, CloseReason::Idle);
        }
        idle.front().map(|e| crate::timer::after(e.since, timeout))
    }

    /// Drops a connection that failed mid-exchange or that the server closes: its end is
    /// counted as the peer's doing (unless the client had already decided to close it).
    pub(super) fn discard(&self, conn: Conn) {
        drop(conn);
    }

    fn close(&self, conn: Conn, reason: CloseReason) {
        if conn.sender.closed_by_peer() || conn.meta.closed_by_client.replace(true) {
            return;
        }
        let mut stats = self.stats.borrow_mut();
        match reason {
            CloseReason::Idle => stats.closed_idle += 1,
            CloseReason::Client => stats.closed_by_client += 1,
        }
    }

    /// The next slot's connection, dialled if it has none: requests take the slots in turn.
    async fn checkout_h2(&self) -> Result<Checkout, Failed> {
        let at = self.next_h2.get();
        self.next_h2.set((at + 1) % self.shared_h2.len());
        let slot = &self.shared_h2[at];
        loop {
            if let Some(conn) = slot.live() {
                return Ok(Checkout { conn, connect_time: None, dns_time: None, tls_time: None });
            }
            let queued = Instant::now();
            let _connecting = slot.connecting.lock().await;
            if slot.conn.borrow().as_ref().is_some_and(|(s, _)| !s.is_closed()) {
                continue;
            }
            if let Some((at, kind)) = slot.failure.get() {
                if at >= queued {
                    return Err(kind.into()); // the dial this request queued behind failed
                }
            }
            let Dialled { conn, dns, connect, tls } = Box::pin(self.connect())
                .await
                .inspect_err(|failed| slot.failure.set(Some((Instant::now(), failed.kind))))?;
            let Sender::H2(h2) = &conn.sender else { unreachable!("http2 pool opens http2 connections") };
            *slot.conn.borrow_mut() = Some((h2.clone(), conn.meta.clone()));
            return Ok(Checkout { conn, connect_time: Some(connect), dns_time: dns, tls_time: tls });
        }
    }

    /// Opens a connection (its `_permit` is the caller's to set), looking the target's name up
    /// first when it has one. `connect_timeout` covers the lookup and the connect, as Go's
    /// `Dialer.Timeout` does: expiring in the lookup is `dns_timeout`, in the connect
    /// `connect_timeout`.
    async fn connect(&self) -> Result<Dialled, Failed> {
        let deadline = self
            .connect_timeout
            .map(|limit| tokio::time::Instant::from_std(crate::timer::after(Instant::now(), limit)));
        let within = |deadline: Option<tokio::time::Instant>| async move {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        let looked_up = Instant::now();
        let resolved = tokio::select! {
            biased;
            resolved = self.dial.resolve() => resolved,
            () = within(deadline) => Err(ErrorKind::DnsTimeout),
        };
        let dns = self.dial.looks_up().then(|| looked_up.elapsed());
        let addr = resolved.map_err(|kind| Failed { kind, dns })?;
        let failed = |kind| Failed { kind, dns };
        let started = Instant::now();
        let stream = tokio::select! {
            biased;
            connected = TcpStream::connect(addr) => connected,
            () = within(deadline) => return Err(failed(ErrorKind::ConnectTimeout)),
        }
        .map_err(|e| failed(self.connect_failed(classify_connect(&e))))?;
        let connect = started.elapsed();
        let _ = stream.set_nodelay(true);
        if let Some(idle) = self.tcp_keepalive {
            // Probes after `idle` of silence, every `idle` (Go's Dialer.KeepAlive sets both).
            let keepalive = socket2::TcpKeepalive::new().with_time(idle).with_interval(idle);
            let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive);
        }
        let (stream, tls) = match &self.tls {
            None => (Stream::Plain(stream), None),
            Some(tls) => {
                let done = tls.handshake(stream).await.map_err(|kind| self.handshake_failed(kind, dns))?;
                if done.resumed {
                    self.stats.borrow_mut().tls_resumed += 1;
                }
                (done.stream, Some(done.took))
            }
        };
        let opened = self.opened.replace(self.opened.get() + 1);
        let meta = Rc::new(ConnMeta { opened, requests: Cell::new(0), closed_by_client: Cell::new(false) });
        let count_close = || CountClose { meta: meta.clone(), stats: self.stats.clone() };
        let conn = match self.http {
            HttpVersion::Http1 => Conn {
                sender: Sender::H1(Http1Conn::new(stream, self.caps, self.waits)),
                _count_close: Some(count_close()),
                meta,
                _permit: None,
            },
            HttpVersion::Http2 => {
                // hyper refuses a header block past this (a stream error, met as `protocol`:
                // hyper does not say which rule a stream broke).
                let header_list = u32::try_from(self.caps.head).unwrap_or(u32::MAX);
                let mut builder = http2::Builder::new(LocalExec);
                builder.max_header_list_size(header_list);
                if let Some((every, timeout)) = self.h2_keepalive {
                    // PINGs while requests are in flight and while idle: an unanswered one ends
                    // the connection and fails its streams (`ping_timeout`).
                    builder
                        .timer(TokioTimer::new())
                        .keep_alive_interval(every)
                        .keep_alive_timeout(timeout)
                        .keep_alive_while_idle(true);
                }
                let (sender, driver) =
                    builder.handshake(TokioIo::new(stream)).await.map_err(|e| failed(classify_hyper(&e)))?;
                let count_close = count_close();
                tokio::task::spawn_local(async move {
                    let _ = driver.await;
                    drop(count_close);
                });
                Conn { sender: Sender::H2(sender), meta, _permit: None, _count_close: None }
            }
        };
        // Counted once usable: a dial cancelled before its handshake opened nothing.
        let second = self.epoch.elapsed().as_secs() as usize;
        self.stats.borrow_mut().opened_at(second);
        Ok(Dialled { conn, dns, connect, tls })
    }

    /// Counts a failed connect that did open a connection: a reset (not a refusal) means the
    /// peer completed the handshake and then reset it before the connect was seen through, as a
    /// proxy resetting at accept does. It was opened and closed by the peer, having served
    /// nothing; uncounted, `opened` would fall short of the connections the peer accepted.
    fn connect_failed(&self, kind: ErrorKind) -> ErrorKind {
        if kind == ErrorKind::Reset {
            let mut stats = self.stats.borrow_mut();
            stats.opened_at(self.epoch.elapsed().as_secs() as usize);
            stats.closed_by_peer += 1;
            stats.served(0);
        }
        kind
    }

    /// A handshake that failed: the TCP connection was opened and is now closed, having served
    /// nothing (by the peer, unless the client's own handshake timeout gave up on it).
    fn handshake_failed(&self, kind: ErrorKind, dns: Option<Duration>) -> Failed {
        let mut stats = self.stats.borrow_mut();
        stats.opened_at(self.epoch.elapsed().as_secs() as usize);
        if kind == ErrorKind::TlsHandshakeTimeout {
            stats.closed_by_client += 1;
        } else {
            stats.closed_by_peer += 1;
        }
        stats.served(0);
        Failed { kind, dns }
    }

    /// Drops every pooled connection (end of run); HTTP/2 driver tasks then finish.
    pub(super) fn close_all(&self) {
        for entry in self.idle.borrow_mut().drain(..) {
            self.close(entry.conn, CloseReason::Client);
        }
        for slot in &self.shared_h2 {
            if let Some((sender, meta)) = slot.conn.borrow_mut().take() {
                self.close(
                    Conn { sender: Sender::H2(sender), meta, _permit: None, _count_close: None },
                    CloseReason::Client,
                );
            }
        }
    }
}

enum CloseReason {
    Idle,
    Client,
}

/// Closes pooled connections when they reach the idle timeout, as Go's and hyper-util's
/// clients do, rather than only when the next request finds them: a client whose timeout is
/// below the server's must close first, or the experiment tests nothing.
async fn reap_idle(pool: std::rc::Weak<Pool>, went_idle: Rc<tokio::sync::Notify>, timeout: Duration) {
    loop {
        let next = match pool.upgrade() {
            Some(pool) => pool.expire_idle(timeout),
            None => return,
        };
        match next {
            Some(deadline) => crate::timer::sleep_until(deadline).await,
            None => went_idle.notified().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ClientPlan;

    fn port(conn: &Conn) -> u16 {
        let Sender::H1(h1) = &conn.sender else { unreachable!("HTTP/1 pools") };
        h1.local_port()
    }

    /// A listener that accepts and holds every connection; the pool under `plan` dialling it.
    async fn pool(plan: &ClientPlan) -> (Rc<Pool>, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                open.push(stream);
            }
        });
        (Rc::new(Pool::new(Dial::Addr(addr), None, plan, Instant::now())), held)
    }

    /// Three connections, opened in turn, released in another order: LIFO hands back the last
    /// released, FIFO the first released, oldest the first opened.
    #[test]
    fn pool_order_picks_the_newest_or_the_oldest_idle_connection() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        tokio::task::LocalSet::new().block_on(&runtime, async {
            for (order, pick, release) in
                [(PoolOrder::Lifo, 2, [0, 1, 2]), (PoolOrder::Fifo, 1, [1, 0, 2]), (PoolOrder::Oldest, 0, [1, 2, 0])]
            {
                let plan = ClientPlan { pool_order: order, ..ClientPlan::defaults("c") };
                let (pool, held) = pool(&plan).await;
                let mut conns = Vec::new();
                for _ in 0..3 {
                    conns.push(pool.clone().dial(None).await.ok().unwrap().conn);
                }
                let ports: Vec<u16> = conns.iter().map(port).collect();
                let mut conns: Vec<Option<Conn>> = conns.into_iter().map(Some).collect();
                for i in release {
                    pool.release(conns[i].take().unwrap(), true);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                let next = pool.checkout().await.ok().unwrap();
                assert_eq!(port(&next.conn), ports[pick], "{order:?}");
                assert!(next.connect_time.is_none(), "taken from the pool, not dialled");
                held.abort();
            }
        });
    }

    /// Without the reaper an expired connection stays open until a checkout finds it.
    #[test]
    fn without_the_reaper_expiry_waits_for_a_checkout() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        tokio::task::LocalSet::new().block_on(&runtime, async {
            for reaper in [true, false] {
                let idle = Duration::from_millis(100);
                let plan =
                    ClientPlan { pool_idle_timeout: Some(idle), idle_reaper: reaper, ..ClientPlan::defaults("c") };
                let (pool, held) = pool(&plan).await;
                let conn = pool.clone().dial(None).await.ok().unwrap().conn;
                pool.release(conn, true);
                tokio::time::sleep(idle * 3).await;
                let closed_by_now = pool.stats.borrow().closed_idle;
                assert_eq!(closed_by_now, u64::from(reaper), "reaper {reaper}");
                let next = pool.checkout().await.ok().unwrap();
                assert!(next.connect_time.is_some(), "the expired connection is not reused");
                assert_eq!(pool.stats.borrow().closed_idle, 1, "closed either way, by the reaper or the checkout");
                held.abort();
            }
        });
    }

    #[test]
    fn tcp_keepalive_is_set_on_every_connection() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        tokio::task::LocalSet::new().block_on(&runtime, async {
            for keepalive in [None, Some(Duration::from_secs(7))] {
                let plan = ClientPlan { tcp_keepalive: keepalive, ..ClientPlan::defaults("c") };
                let (pool, held) = pool(&plan).await;
                let conn = pool.clone().dial(None).await.ok().unwrap().conn;
                let Sender::H1(h1) = &conn.sender else { unreachable!() };
                let socket = socket2::SockRef::from(h1.stream());
                assert_eq!(socket.keepalive().unwrap(), keepalive.is_some());
                if let Some(idle) = keepalive {
                    assert_eq!(
                        (socket.tcp_keepalive_time().unwrap(), socket.tcp_keepalive_interval().unwrap()),
                        (idle, idle)
                    );
                }
                held.abort();
            }
        });
    }
}
