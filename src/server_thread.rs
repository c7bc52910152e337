//! A server future on its own OS thread with a current-thread tokio runtime: how the mock and
//! the chaos proxy (and any server of a later layer, on TCP or UDP) run beside the load engine
//! without sharing its threads; and the accept loop the TCP servers share.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// What a TCP server admits: connections open at once, and what meets one more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptLimits {
    pub max_connections: usize,
    pub at_cap: AtCap,
}

/// What an accept loop does at `max_connections` open connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AtCap {
    /// Accepts one more and closes it at once: its client sees its connection closed without a
    /// byte, not a hang.
    #[default]
    Close,
    /// Stops accepting until a connection ends: new ones wait in the kernel's listen backlog
    /// (their clients connect, and get no answer until a slot frees).
    Backlog,
}

impl AcceptLimits {
    /// Generous: far above what a test needs, low enough that a flood of idle connections is
    /// refused before it takes every file descriptor of a raised limit.
    pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
}

impl Default for AcceptLimits {
    fn default() -> Self {
        AcceptLimits { max_connections: AcceptLimits::DEFAULT_MAX_CONNECTIONS, at_cap: AtCap::Close }
    }
}

/// What an accept loop counts, live.
#[derive(Debug, Default)]
pub struct AcceptCounters {
    /// Connections open now (their tasks still running).
    pub open: AtomicU64,
    /// Connections accepted at `max_connections` and closed at once.
    pub over_cap: AtomicU64,
    /// Times `accept` failed for want of resources (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`) and
    /// the loop backed off.
    pub backoffs: AtomicU64,
    /// Times the loop stopped accepting at the cap ([`AtCap::Backlog`]).
    pub pauses: AtomicU64,
}

/// The first back-off after an accept failed for want of resources, and the longest; each
/// failure in a row doubles it.
const BACKOFF_FIRST: Duration = Duration::from_millis(10);
const BACKOFF_MAX: Duration = Duration::from_millis(100);

/// Accepts connections until `shutdown` is cancelled, handing each to `on_accept` (which spawns
/// its task into `conns`, or not); then drops the listener and every connection task in `conns`
/// (their sockets close, work in flight is abandoned). Tasks already in `conns` when it is
/// called are background work, not connections. `name` prefixes accept warnings.
///
/// At `limits.max_connections` open connections a new one is accepted and closed at once, or
/// (`AtCap::Backlog`) not accepted until a connection ends, finished ones still reaped. When
/// `accept` fails for want of file descriptors (or memory), the loop stops accepting for a
/// back-off (10 ms, doubling to 100 ms while it keeps failing) instead of retrying at once —
/// the listener stays readable, so retrying would spin — and goes on reaping finished
/// connections, which is what frees descriptors; then it serves again.
pub(crate) async fn accept_until<F>(
    name: &str,
    listener: TcpListener,
    shutdown: CancellationToken,
    mut conns: JoinSet<()>,
    limits: AcceptLimits,
    counters: &AcceptCounters,
    mut on_accept: F,
) where
    F: FnMut(TcpStream, &mut JoinSet<()>),
{
    let background = conns.len();
    let cancelled = shutdown.cancelled();
    tokio::pin!(cancelled);
    let backoff = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(backoff);
    let mut backing_off = false;
    let mut next_backoff = BACKOFF_FIRST;
    let mut paused = false;
    loop {
        let open = conns.len().saturating_sub(background);
        counters.open.store(open as u64, Relaxed);
        let full = limits.at_cap == AtCap::Backlog && open >= limits.max_connections;
        if full && !paused {
            counters.pauses.fetch_add(1, Relaxed);
        }
        paused = full;
        tokio::select! {
            biased;
            () = &mut cancelled => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            () = backoff.as_mut(), if backing_off => backing_off = false,
            accepted = listener.accept(), if !backing_off && !paused => match accepted {
                Ok((stream, _peer)) => {
                    next_backoff = BACKOFF_FIRST;
                    if conns.len() - background >= limits.max_connections {
                        counters.over_cap.fetch_add(1, Relaxed);
                        drop(stream);
                    } else {
                        on_accept(stream, &mut conns);
                    }
                }
                Err(e) if is_per_connection(&e) => {}
                Err(e) => {
                    let first = next_backoff == BACKOFF_FIRST;
                    if first {
                        tracing::warn!("{name}: accept failed: {e}; backing off until it succeeds again");
                    }
                    counters.backoffs.fetch_add(1, Relaxed);
                    backoff.as_mut().reset(tokio::time::Instant::now() + next_backoff);
                    backing_off = true;
                    next_backoff = (next_backoff * 2).min(BACKOFF_MAX);
                }
            },
        }
    }
    drop(listener);
    conns.shutdown().await;
    counters.open.store(0, Relaxed);
}

/// Errors from `accept` that concern one connection (aborted before we took it): the next
/// accept may succeed at once. Anything else (`EMFILE`…) is backed off from.
fn is_per_connection(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted | WouldBlock)
}

/// An already-bound socket a server thread can serve: it is handed over as the std type and
/// becomes its tokio type inside the server's own runtime.
pub trait Listener: Send + 'static {
    /// The socket as the server's runtime drives it.
    type Async: Send + 'static;

    fn local_addr(&self) -> io::Result<SocketAddr>;

    /// Makes it non-blocking and registers it with the runtime entered by the caller.
    fn into_async(self) -> io::Result<Self::Async>;
}

impl Listener for std::net::TcpListener {
    type Async = TcpListener;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        std::net::TcpListener::local_addr(self)
    }

    fn into_async(self) -> io::Result<TcpListener> {
        self.set_nonblocking(true)?;
        TcpListener::from_std(self)
    }
}

impl Listener for std::net::UdpSocket {
    type Async = tokio::net::UdpSocket;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        std::net::UdpSocket::local_addr(self)
    }

    fn into_async(self) -> io::Result<tokio::net::UdpSocket> {
        self.set_nonblocking(true)?;
        tokio::net::UdpSocket::from_std(self)
    }
}

/// A running server thread. Stopped by [`ServerThread::stop`] or on drop.
#[derive(Debug)]
pub struct ServerThread {
    name: &'static str,
    addr: SocketAddr,
    shutdown: CancellationToken,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Runs `serve(listener, shutdown)` on a new thread named `name`, on an already-bound
    /// listener. Fails when the runtime or the thread cannot be created.
    pub fn spawn<L, F, Fut>(name: &'static str, listener: L, serve: F) -> io::Result<ServerThread>
    where
        L: Listener,
        F: FnOnce(L::Async, CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let listener = {
            let _entered = runtime.enter();
            listener.into_async()?
        };
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let thread =
            std::thread::Builder::new().name(name.into()).spawn(move || runtime.block_on(serve(listener, token)))?;
        Ok(ServerThread { name, addr, shutdown, thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection (work in flight is abandoned), joins the thread.
    pub fn stop(&mut self) {
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("{}: server thread panicked", self.name);
            }
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UDP server runs on its own thread like the TCP ones: a datagram echoed on loopback.
    #[test]
    fn a_udp_server_thread_answers_and_stops() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut server = ServerThread::spawn("test-udp", socket, |socket, shutdown| async move {
            let mut buf = [0u8; 64];
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    received = socket.recv_from(&mut buf) => if let Ok((n, peer)) = received {
                        let _ = socket.send_to(&buf[..n], peer).await;
                    },
                }
            }
        })
        .unwrap();
        let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        client.send_to(b"ping", server.addr()).unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], server.addr()));
        server.stop();
    }
}
