//! The toxic contract: a small unit over one direction's stream of timestamped chunks (after
//! toxiproxy's `toxics/toxic.go` and `stream/io_chan.go`), plus the per-connection [`Link`]
//! through which a toxic ends a connection and the [`Teardown`] hook that tweaks the sockets.
//!
//! Each toxic is one file: its plan (name, keys, normalized form, see [`ToxicKind`]) and the
//! [`Pipe`] it runs, registered by one line in [`toxics!`]. A proxy fault is a toxic with the
//! direction it acts on ([`ProxyFault`]).
//!
//! A direction of a proxied connection is a chain: reader → toxic → toxic → … → writer, joined by
//! bounded channels of [`Chunk`]s. Each toxic runs as its own task: it receives chunks, acts on
//! them, sends them on, and returns when its input ends. Returning drops its output, which is how
//! the end of a direction (the source's EOF) travels down the chain; the writer then shuts down the
//! destination's write side (half-close). A toxic never drops a byte unless dropping is its job.
//!
//! Every chunk carries the instant it was read (or, after a delaying toxic, the instant it was due
//! to be released). Delays are computed from that instant, not from when the chunk reached the
//! toxic, so chunks queued behind a delayed one are not delayed again, and two chained latencies
//! add up to L1 + L2 per chunk, never more.

use crate::fault::keys::{word, Keys, Need};
use crate::fault::spec::KindSpec;
use crate::vocabulary::{words, Words};
use bytes::Bytes;
use serde_json::Value;
use socket2::SockRef;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Bytes read from one side in one go, with the instant they are due downstream.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub data: Bytes,
    /// When the chunk was read from its source, or when a delaying toxic released it.
    pub at: Instant,
}

/// One direction of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Client → target.
    Up,
    /// Target → client.
    Down,
}

/// How a connection is ended early: `tweak` runs on both sockets right before they are closed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Teardown {
    /// The toxic's socket hook (linger 0 turns the close into a reset).
    pub tweak: fn(&SockRef<'_>) -> io::Result<()>,
    /// Whether the peers see a reset rather than a close (for the counters).
    pub reset: bool,
}

impl Teardown {
    /// RST both sides: linger 0, then close.
    pub const RESET: Teardown = Teardown { tweak: linger_zero, reset: true };
    /// An orderly close (FIN) of both sides.
    pub const CLOSE: Teardown = Teardown { tweak: no_tweak, reset: false };
}

fn linger_zero(socket: &SockRef<'_>) -> io::Result<()> {
    socket.set_linger(Some(Duration::ZERO))
}

fn no_tweak(_: &SockRef<'_>) -> io::Result<()> {
    Ok(())
}

/// What the toxics of one connection share: when it opened, and the way to end it.
#[derive(Debug)]
pub(crate) struct Link {
    opened: Instant,
    ended: CancellationToken,
    teardown: Mutex<Option<Teardown>>,
    /// Per flow: close the whole connection once the writer has delivered that flow's last byte.
    close_at_eof: [AtomicBool; 2],
}

impl Link {
    pub fn new(opened: Instant) -> Self {
        Link {
            opened,
            ended: CancellationToken::new(),
            teardown: Mutex::new(None),
            close_at_eof: [AtomicBool::new(false), AtomicBool::new(false)],
        }
    }

    /// When the proxy accepted the client connection.
    pub fn opened(&self) -> Instant {
        self.opened
    }

    /// Ends the connection now (data in flight is dropped). The first teardown wins.
    pub fn end(&self, teardown: Teardown) {
        let mut slot = self.teardown.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(teardown);
        self.ended.cancel();
    }

    /// Completes when some part of the connection called [`Link::end`], with that teardown.
    pub async fn ended(&self) -> Teardown {
        self.ended.cancelled().await;
        let slot = self.teardown.lock().unwrap_or_else(|e| e.into_inner());
        slot.unwrap_or(Teardown::CLOSE)
    }

    /// Asks the writer of `flow` to close the whole connection once it has delivered every chunk
    /// sent before the end of that flow (ordered with the data, unlike [`Link::end`]).
    pub fn close_at_eof(&self, flow: Flow) {
        self.close_at_eof[flow as usize].store(true, Relaxed);
    }

    pub fn closes_at_eof(&self, flow: Flow) -> bool {
        self.close_at_eof[flow as usize].load(Relaxed)
    }
}

/// A toxic's view of its place in a chain.
pub(crate) struct Stub {
    pub input: mpsc::Receiver<Chunk>,
    pub output: mpsc::Sender<Chunk>,
    pub link: std::sync::Arc<Link>,
    pub flow: Flow,
}

impl Stub {
    pub async fn recv(&mut self) -> Option<Chunk> {
        self.input.recv().await
    }

    /// Sends a chunk on; `false` when the rest of the chain is gone (the connection is ending).
    pub async fn send(&self, chunk: Chunk) -> bool {
        self.output.send(chunk).await.is_ok()
    }

    /// Forwards chunks unchanged until the input ends (or the output is gone).
    pub async fn forward(&mut self) {
        while let Some(chunk) = self.recv().await {
            if !self.send(chunk).await {
                return;
            }
        }
    }
}

pub(crate) type PipeFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A toxic running on one direction of one connection.
pub(crate) trait Pipe: Send {
    /// Hook at accept, before the proxy connects upstream: a teardown ends the connection at once
    /// (applied to the client socket only).
    fn on_accept(&self) -> Option<Teardown> {
        None
    }

    /// Runs over the chunks of one direction until the input ends. Returning drops the output,
    /// which ends the direction downstream.
    fn pipe(self: Box<Self>, stub: Stub) -> PipeFuture;
}

/// Declares the proxy's toxics: `Variant(module::Type)`, one line a toxic. Generates [`Toxic`],
/// its exhaustive dispatch to each toxic's [`ToxicKind`] impl, and [`KINDS`].
macro_rules! toxics {
    ($($variant:ident($module:ident::$kind:ident)),+ $(,)?) => {
        $(mod $module;)+
        $(pub use $module::$kind;)+

        /// A small, composable fault on a proxied byte stream (after toxiproxy's toxics).
        #[derive(Debug, Clone, PartialEq)]
        pub enum Toxic {
            $($variant($kind)),+
        }

        impl Toxic {
            /// The toxic as scenarios name it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Toxic::$variant(_) => <$kind as ToxicKind>::NAME),+
                }
            }

            /// Its own keys in scenario vocabulary.
            pub fn normalized(&self) -> Value {
                match self {
                    $(Toxic::$variant(t) => t.normalized()),+
                }
            }

            /// The pipe for one direction of one connection; `seed` seeds its own draws.
            pub(crate) fn start(&self, seed: u64) -> Box<dyn Pipe> {
                match self {
                    $(Toxic::$variant(t) => t.start(seed)),+
                }
            }
        }

        $(impl From<$kind> for Toxic {
            fn from(toxic: $kind) -> Self {
                Toxic::$variant(toxic)
            }
        })+

        /// Every toxic, for validation.
        pub const KINDS: &[KindSpec<ProxyFault>] = &[$(KindSpec {
            name: <$kind as ToxicKind>::NAME,
            keys: <$kind as ToxicKind>::KEYS,
            layer_keys: &["direction"],
            parse: parse_as::<$kind>,
        }),+];
    };
}

toxics! {
    Latency(latency::Latency),
    Bandwidth(bandwidth::Bandwidth),
    Slicer(slicer::Slicer),
    ResetPeer(reset_peer::ResetPeer),
    Blackhole(blackhole::Blackhole),
    SlowClose(slow_close::SlowClose),
    LimitData(limit_data::LimitData),
    Refuse(refuse::Refuse),
    Timeout(timeout::Timeout),
}

/// One toxic as scenarios name it: its keys, and the pipe it runs.
pub(crate) trait ToxicKind: Sized + Into<Toxic> {
    /// The toxic's name in scenarios (`kind = "slicer"`, with `layer = "proxy"`).
    const NAME: &'static str;
    /// The keys it takes besides `kind`, `layer`, `direction` and its window.
    const KEYS: &'static [&'static str];

    /// Reads the toxic's keys, with their defaults and limits.
    fn parse(keys: &mut dyn Keys) -> Option<Self>;

    /// Its keys in scenario vocabulary, every default written out.
    fn normalized(&self) -> Value;

    /// Its pipe on one direction of one connection; `seed` seeds its own draws.
    fn start(&self, seed: u64) -> Box<dyn Pipe>;
}

/// A toxic's keys, then the `direction` every toxic takes.
fn parse_as<T: ToxicKind>(keys: &mut dyn Keys) -> Option<ProxyFault> {
    let toxic = T::parse(keys);
    let direction = word(keys, "direction", Need::Default(Direction::Downstream));
    Some(ProxyFault { direction: direction?, toxic: toxic?.into() })
}

/// A proxy toxic and the direction it acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyFault {
    pub direction: Direction,
    pub toxic: Toxic,
}

impl ProxyFault {
    /// The toxic's keys and the direction, in scenario vocabulary.
    pub fn normalized(&self) -> Value {
        let mut params = self.toxic.normalized();
        params["direction"] = Value::from(self.direction.word());
        params
    }

    /// Whether the toxic acts on `flow`.
    pub(crate) fn acts_on(&self, flow: Flow) -> bool {
        matches!(
            (self.direction, flow),
            (Direction::Both, _) | (Direction::Upstream, Flow::Up) | (Direction::Downstream, Flow::Down)
        )
    }
}

/// Which bytes a proxy toxic acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client → target (requests).
    Upstream,
    /// Target → client (responses). The default.
    Downstream,
    Both,
}

words!(Direction { Downstream => "downstream", Upstream => "upstream", Both => "both" });
