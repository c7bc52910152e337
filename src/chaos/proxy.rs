//! The proxy's accept loop, the per-connection fault decision, and the byte pumps around each
//! direction's chain of toxics (or a plain two-way copy for a connection no fault hit).

use super::config::ProxyConfig;
use super::ends::{Ends, Read};
use super::stats::ProxyCounters;
use super::toxics::{Chunk, Flow, Link, Pipe, Stub, Teardown};
use crate::seeded::{Purpose, Seeded};
use crate::server_thread::{accept_until, AcceptLimits};
use bytes::BytesMut;
use rand::Rng;
use socket2::SockRef;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Chunks queued between two stages of a chain (at most 16 KiB each).
const CHANNEL: usize = 32;
/// Bytes read from a socket at most in one go.
const READ: usize = 16 * 1024;

/// Accepts connections until `shutdown` is cancelled, then drops the listener and every open
/// connection.
pub(crate) async fn run(
    listener: TcpListener,
    config: ProxyConfig,
    shutdown: CancellationToken,
    counters: Arc<ProxyCounters>,
) {
    let config = Arc::new(config);
    let seeded = Seeded::new(config.seed);
    let mut index = 0u64;
    let limits = AcceptLimits { max_connections: config.limits.max_connections, ..AcceptLimits::default() };
    accept_until("proxy", listener, shutdown, JoinSet::new(), limits, &counters.accept, |client, conns| {
        let opened = Instant::now();
        counters.connections.fetch_add(1, Relaxed);
        let toxics = ConnToxics::decide(&config, &seeded, index, opened.saturating_duration_since(config.epoch));
        index += 1;
        if toxics.hit {
            counters.faults_hit.fetch_add(1, Relaxed);
        }
        if let Some(teardown) = toxics.on_accept() {
            counters.refused.fetch_add(1, Relaxed);
            close(&[&client], teardown);
            return;
        }
        let _ = client.set_nodelay(true);
        conns.spawn(connection(client, opened, toxics, Arc::clone(&config), Arc::clone(&counters)));
    })
    .await;
}

/// The toxics one connection got at accept, per direction, in the order of the faults.
pub(crate) struct ConnToxics {
    up: Vec<Box<dyn Pipe>>,
    down: Vec<Box<dyn Pipe>>,
    /// Whether any fault hit the connection.
    hit: bool,
}

impl ConnToxics {
    pub(crate) fn decide(config: &ProxyConfig, seeded: &Seeded, index: u64, elapsed: Duration) -> ConnToxics {
        let mut out = ConnToxics { up: Vec::new(), down: Vec::new(), hit: false };
        for (i, fault) in &config.faults {
            if !fault.active_at(elapsed) || !seeded.hits(index, *i, Purpose::ProxyHit, fault.probability) {
                continue;
            }
            out.hit = true;
            let mut seeds = seeded.rng(index, *i, Purpose::Toxic);
            for (flow, chain) in [(Flow::Up, &mut out.up), (Flow::Down, &mut out.down)] {
                if fault.kind.acts_on(flow) {
                    chain.push(fault.kind.toxic.start(seeds.random()));
                }
            }
        }
        out
    }

    /// The first teardown a toxic asks for at accept.
    fn on_accept(&self) -> Option<Teardown> {
        self.up.iter().chain(&self.down).find_map(|t| t.on_accept())
    }
}

/// Applies a teardown's socket hook to each socket (they are closed when dropped by the caller).
fn close(sockets: &[&TcpStream], teardown: Teardown) {
    for socket in sockets {
        if let Err(e) = (teardown.tweak)(&SockRef::from(*socket)) {
            tracing::debug!("proxy: socket tweak failed: {e}");
        }
    }
}

async fn connection(
    mut client: TcpStream,
    opened: Instant,
    toxics: ConnToxics,
    config: Arc<ProxyConfig>,
    counters: Arc<ProxyCounters>,
) {
    let connected = tokio::time::timeout(config.connect_timeout, TcpStream::connect(config.upstream)).await;
    let mut upstream = match connected.unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())) {
        Ok(upstream) => upstream,
        Err(e) => {
            tracing::debug!("proxy: connecting to {} failed: {e}", config.upstream);
            counters.connect_failed.fetch_add(1, Relaxed);
            counters.resets.fetch_add(1, Relaxed);
            close(&[&client], Teardown::RESET);
            return;
        }
    };
    let _ = upstream.set_nodelay(true);
    let ends = Ends::new(config.limits.half_close_timeout);
    if toxics.up.is_empty() && toxics.down.is_empty() {
        return relay_plain(client, upstream, &ends, &counters).await;
    }
    let link = Arc::new(Link::new(opened));
    // Dropped (aborting every toxic) when the connection ends.
    let mut stages = JoinSet::new();
    let (up_head, up_tail) = chain(toxics.up, Flow::Up, &link, &mut stages);
    let (down_head, down_tail) = chain(toxics.down, Flow::Down, &link, &mut stages);

    let ended = {
        let (client_read, client_write) = client.split();
        let (upstream_read, upstream_write) = upstream.split();
        let pumps = async {
            tokio::join!(
                read_side(client_read, up_head, Flow::Up, &link, &ends, &counters),
                write_side(up_tail, upstream_write, Flow::Up, &link, &counters.bytes_up),
                read_side(upstream_read, down_head, Flow::Down, &link, &ends, &counters),
                write_side(down_tail, client_write, Flow::Down, &link, &counters.bytes_down),
            )
        };
        tokio::select! {
            biased;
            teardown = link.ended() => Some(teardown),
            _ = pumps => None,
        }
    };
    if let Some(teardown) = ended {
        if teardown.reset {
            counters.resets.fetch_add(1, Relaxed);
        }
        close(&[&client, &upstream], teardown);
    }
    drop(stages);
}

/// A connection without toxics: a plain copy each way, straight from one socket to the other.
/// The chunk pipeline's channel hop and per-read buffer would otherwise be the proxy's whole cost
/// with no faults, which is what every user pays for putting it in the path. Same ends as the
/// pipeline: EOF is passed on as a half-close, the pair ends as [`Ends`] says, and an error on
/// either side resets both.
async fn relay_plain(mut client: TcpStream, mut upstream: TcpStream, ends: &Ends, counters: &ProxyCounters) {
    let relayed = {
        let (mut client_read, mut client_write) = client.split();
        let (mut upstream_read, mut upstream_write) = upstream.split();
        tokio::try_join!(
            pump(Flow::Up, &mut client_read, &mut upstream_write, ends, counters),
            pump(Flow::Down, &mut upstream_read, &mut client_write, ends, counters),
        )
    };
    if let Err(e) = relayed {
        tracing::debug!("proxy: relay failed: {e}");
        counters.resets.fetch_add(1, Relaxed);
        close(&[&client, &upstream], Teardown::RESET);
    }
}

/// Copies one direction until its source ends, then half-closes the destination.
async fn pump(
    flow: Flow,
    source: &mut ReadHalf<'_>,
    dest: &mut WriteHalf<'_>,
    ends: &Ends,
    counters: &ProxyCounters,
) -> io::Result<()> {
    let mut buf = BytesMut::with_capacity(READ);
    loop {
        buf.clear();
        match ends.read(flow, source, &mut buf).await? {
            Read::Data => {
                dest.write_all(&buf).await?;
                counters.delivered(flow).fetch_add(buf.len() as u64, Relaxed);
            }
            Read::End { quiet } => {
                if quiet {
                    counters.ended_quiet.fetch_add(1, Relaxed);
                }
                // The peer may be gone already; its end is not an error of the relay.
                let _ = dest.shutdown().await;
                return Ok(());
            }
        }
    }
}

/// Wires `toxics` into a chain: returns the sender the reader feeds and the receiver the writer
/// drains (the same channel when there are no toxics).
fn chain(
    toxics: Vec<Box<dyn Pipe>>,
    flow: Flow,
    link: &Arc<Link>,
    stages: &mut JoinSet<()>,
) -> (mpsc::Sender<Chunk>, mpsc::Receiver<Chunk>) {
    let (head, mut rx) = mpsc::channel(CHANNEL);
    for toxic in toxics {
        let (tx, next) = mpsc::channel(CHANNEL);
        stages.spawn(toxic.pipe(Stub { input: rx, output: tx, link: Arc::clone(link), flow }));
        rx = next;
    }
    (head, rx)
}

/// Reads the source into timestamped chunks until it ends (see [`Ends`]); dropping `tx` then
/// ends the direction. A read error (the peer reset) resets the connection.
async fn read_side(
    mut source: ReadHalf<'_>,
    tx: mpsc::Sender<Chunk>,
    flow: Flow,
    link: &Link,
    ends: &Ends,
    counters: &ProxyCounters,
) {
    let mut buf = BytesMut::new();
    loop {
        buf.reserve(READ);
        match ends.read(flow, &mut source, &mut buf).await {
            Ok(Read::End { quiet }) => {
                if quiet {
                    counters.ended_quiet.fetch_add(1, Relaxed);
                }
                return;
            }
            Ok(Read::Data) => {
                let chunk = Chunk { data: buf.split().freeze(), at: Instant::now() };
                if tx.send(chunk).await.is_err() {
                    return; // the chain stopped taking data (e.g. `limit_data` reached its limit)
                }
            }
            Err(e) => {
                tracing::debug!("proxy: read failed: {e}");
                link.end(Teardown::RESET);
                return;
            }
        }
    }
}

/// Writes the chain's chunks to the destination; at the end of the direction shuts down the
/// destination's write side (half-close), then closes the connection if a toxic asked for it. A
/// write error resets the connection.
async fn write_side(
    mut rx: mpsc::Receiver<Chunk>,
    mut dest: WriteHalf<'_>,
    flow: Flow,
    link: &Link,
    bytes: &AtomicU64,
) {
    while let Some(chunk) = rx.recv().await {
        if let Err(e) = dest.write_all(&chunk.data).await {
            tracing::debug!("proxy: write failed: {e}");
            link.end(Teardown::RESET);
            return;
        }
        bytes.fetch_add(chunk.data.len() as u64, Relaxed);
    }
    let _ = dest.shutdown().await;
    if link.closes_at_eof(flow) {
        link.end(Teardown::CLOSE);
    }
}
