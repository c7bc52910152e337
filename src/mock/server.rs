//! The mock's accept loop and connections: HTTP/1.1 and h2c on one port, idle keep-alive closing.

use super::behaviour::Behaviour;
use super::MockCounters;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::io;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

type Builder = auto::Builder<TokioExecutor>;

/// Accepts connections until `shutdown` is cancelled, then drops the listener and every open
/// connection (sockets are closed; responses still pending are abandoned).
pub(crate) async fn run(
    listener: TcpListener,
    behaviour: Arc<Behaviour>,
    keep_alive_idle: Option<Duration>,
    shutdown: CancellationToken,
    counters: Arc<MockCounters>,
) {
    let builder = Arc::new(builder());
    let mut conns = JoinSet::new();
    let cancelled = shutdown.cancelled();
    tokio::pin!(cancelled);
    loop {
        tokio::select! {
            biased;
            () = &mut cancelled => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    counters.connections_accepted.fetch_add(1, Relaxed);
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_conn(
                        Arc::clone(&builder),
                        stream,
                        Arc::clone(&behaviour),
                        keep_alive_idle,
                        Arc::clone(&counters),
                    ));
                }
                Err(e) => accept_error(e).await,
            },
        }
    }
    drop(listener);
    conns.shutdown().await;
}

fn builder() -> Builder {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // No hyper timer: the idle close below replaces the header read timeout, which would
    // otherwise also cut idle keep-alive connections after its default 30s.
    builder.http1().keep_alive(true).header_read_timeout(None);
    builder
}

/// Errors from `accept` concern one connection (aborted before we took it) or are resource
/// exhaustion (`EMFILE`…); neither should stop the server. Back off briefly on the latter.
async fn accept_error(e: io::Error) {
    use io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted | WouldBlock) {
        return;
    }
    tracing::warn!("mock: accept failed: {e}");
    tokio::time::sleep(Duration::from_millis(20)).await;
}

async fn serve_conn(
    builder: Arc<Builder>,
    stream: TcpStream,
    behaviour: Arc<Behaviour>,
    keep_alive_idle: Option<Duration>,
    counters: Arc<MockCounters>,
) {
    let io = TokioIo::new(stream);
    let Some(idle) = keep_alive_idle else {
        let svc = service_fn(move |req| behaviour.respond(req, ()));
        let _ = builder.serve_connection(io, svc).await;
        return;
    };

    let activity = Arc::new(Activity::new());
    let svc = {
        let activity = Arc::clone(&activity);
        service_fn(move |req| behaviour.respond(req, activity.enter()))
    };
    let conn = builder.serve_connection(io, svc);
    tokio::pin!(conn);
    let timer = tokio::time::sleep(idle);
    tokio::pin!(timer);
    let mut closing = false;
    loop {
        tokio::select! {
            biased;
            _ = conn.as_mut() => return,
            () = timer.as_mut(), if !closing => {
                // The deadline is only a lower bound: requests may have come and gone since.
                let now = Instant::now();
                match activity.idle_since() {
                    Some(since) if now >= since + idle => {
                        counters.connections_closed_idle.fetch_add(1, Relaxed);
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                    Some(since) => timer.as_mut().reset((since + idle).into()),
                    // Busy: it cannot have been idle for `idle` before `now + idle`.
                    None => timer.as_mut().reset((now + idle).into()),
                }
            }
        }
    }
}

/// Whether a connection has a request in progress, and since when it has not.
#[derive(Debug)]
struct Activity {
    base: Instant,
    in_flight: AtomicU32,
    /// When the last request finished, in nanoseconds since `base` (the accept time if none did).
    last_done_ns: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity { base: Instant::now(), in_flight: AtomicU32::new(0), last_done_ns: AtomicU64::new(0) }
    }

    fn enter(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(Arc::clone(self))
    }

    /// `None` while a request is in progress.
    fn idle_since(&self) -> Option<Instant> {
        if self.in_flight.load(Acquire) > 0 {
            return None;
        }
        Some(self.base + Duration::from_nanos(self.last_done_ns.load(Relaxed)))
    }
}

/// One request in progress on a connection; dropped when its response is handed to hyper.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let a = &self.0;
        a.last_done_ns.fetch_max(a.base.elapsed().as_nanos() as u64, Relaxed);
        a.in_flight.fetch_sub(1, Release);
    }
}
