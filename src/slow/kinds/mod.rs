//! The cohort kinds (layer `clients`), one file each, registered by one line in
//! [`cohort_kinds!`] below.
//!
//! Every kind also takes the layer's keys, read once here ([`parse_as`]): `connections` (how
//! many the cohort holds open at once) and `per_second` (how fast it opens them, at the start
//! of its window and again as the server closes them).
//!
//! What a kind's connections do is its [`Script`] (built in the kind's file, once per cohort):
//! the bytes written at once, then what each tick sends or reads. `slow::connection` carries a
//! script out on each connection.

use crate::fault::keys::{Keys, Need};
use crate::fault::spec::KindSpec;
use bytes::Bytes;
use serde_json::{json, Value};
use std::time::Duration;

/// Declares the cohort kinds: `Variant(module::Type)`, one line a kind. Generates
/// [`CohortKind`], its exhaustive dispatch to each kind's [`SlowKind`] impl, and [`KINDS`].
macro_rules! cohort_kinds {
    ($($variant:ident($module:ident::$kind:ident)),+ $(,)?) => {
        $(mod $module;)+
        $(pub use $module::$kind;)+

        /// What each connection of a cohort does.
        #[derive(Debug, Clone, PartialEq)]
        pub enum CohortKind {
            $($variant($kind)),+
        }

        impl CohortKind {
            /// The kind as scenarios name it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(CohortKind::$variant(_) => <$kind as SlowKind>::NAME),+
                }
            }

            /// The kind's own keys in scenario vocabulary.
            pub fn normalized(&self) -> Value {
                match self {
                    $(CohortKind::$variant(k) => k.normalized()),+
                }
            }

            /// What each of its connections does against `target`.
            pub fn script(&self, target: &Request<'_>) -> Script {
                match self {
                    $(CohortKind::$variant(k) => k.script(target)),+
                }
            }
        }

        $(impl From<$kind> for CohortKind {
            fn from(kind: $kind) -> Self {
                CohortKind::$variant(kind)
            }
        })+

        /// Every cohort kind, for validation.
        pub const KINDS: &[KindSpec<CohortFault>] = &[$(KindSpec {
            name: <$kind as SlowKind>::NAME,
            keys: <$kind as SlowKind>::KEYS,
            layer_keys: LAYER_KEYS,
            parse: parse_as::<$kind>,
        }),+];
    };
}

cohort_kinds! {
    Slowloris(slowloris::Slowloris),
    SlowPost(slow_post::SlowPost),
    SlowRead(slow_read::SlowRead),
}

/// The keys every cohort kind takes, after its own.
const LAYER_KEYS: &[&str] = &["connections", "per_second"];

/// slowhttptest's defaults (`-c 50`, `-r 50`).
const DEFAULT_CONNECTIONS: u64 = 50;
const DEFAULT_PER_SECOND: u64 = 50;

/// One cohort kind: its name, its keys, and (in its file) what its connections do.
pub(crate) trait SlowKind: Sized + Into<CohortKind> {
    /// The kind's name in scenarios (`kind = "slowloris"`, with `layer = "clients"`).
    const NAME: &'static str;
    /// The keys it takes besides `kind`, `layer`, the layer's keys and its window.
    const KEYS: &'static [&'static str];

    /// Reads the kind's keys, with their defaults and limits.
    fn parse(keys: &mut dyn Keys) -> Option<Self>;

    /// Its keys in scenario vocabulary, every default written out.
    fn normalized(&self) -> Value;

    /// What each of its connections does (built once per cohort, shared by its connections).
    fn script(&self, target: &Request<'_>) -> Script;
}

/// What a cohort's requests name: the `Host` header and the request target.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub host: &'a str,
    pub path: &'a str,
}

/// What one connection of a kind does, once connected: write `opening` at once, then every
/// `interval` carry out `tick`. Shared by every connection of a cohort (`Bytes` are cheap to
/// share), so a connection holds only its socket, a timer and a few counters.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// `SO_RCVBUF` set before connecting (slow_read), so the window is small from the handshake.
    pub receive_buffer: Option<u32>,
    /// Written at once after the connect.
    pub opening: Bytes,
    pub interval: Duration,
    pub tick: Tick,
}

/// What a connection does each tick.
#[derive(Debug, Clone, PartialEq)]
pub enum Tick {
    /// Writes the next `bytes` of `pattern`, repeated end to end, `total` bytes in all (`None`:
    /// for ever); between ticks (and once `total` is sent) it reads whatever the server answers.
    /// A tick whose bytes the socket cannot take (the server is not reading) sends what fits.
    Send { pattern: Bytes, bytes: u64, total: Option<u64> },
    /// Reads up to `bytes` of the response; nothing is read between ticks (so the receive
    /// buffer stays full and the server's writes stall).
    Read { bytes: u64 },
}

/// A kind's keys, then the layer's.
fn parse_as<K: SlowKind>(keys: &mut dyn Keys) -> Option<CohortFault> {
    let kind = K::parse(keys);
    let connections = keys.count("connections", 1, Need::Default(DEFAULT_CONNECTIONS));
    let per_second = keys.count("per_second", 1, Need::Default(DEFAULT_PER_SECOND));
    Some(CohortFault { kind: kind?.into(), connections: connections?, per_second: per_second? })
}

/// A cohort: its kind, how many connections it holds at once and how fast it opens them.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortFault {
    pub kind: CohortKind,
    /// Connections held open at once; one the server ends is replaced, at `per_second`.
    pub connections: u64,
    /// Connections opened per second, at most.
    pub per_second: u64,
}

impl CohortFault {
    pub fn new(kind: impl Into<CohortKind>) -> CohortFault {
        CohortFault { kind: kind.into(), connections: DEFAULT_CONNECTIONS, per_second: DEFAULT_PER_SECOND }
    }

    /// The kind's keys and the layer's, in scenario vocabulary.
    pub fn normalized(&self) -> Value {
        let mut params = self.kind.normalized();
        params["connections"] = json!(self.connections);
        params["per_second"] = json!(self.per_second);
        params
    }
}

/// `bytes` and `interval`, which every kind reads (what is sent, or read, per tick), with
/// slowhttptest's defaults for the kind.
pub(crate) fn tick_keys(
    keys: &mut dyn Keys,
    bytes: u64,
    interval: std::time::Duration,
) -> Option<(u64, std::time::Duration)> {
    let bytes = keys.count("bytes", 1, Need::Default(bytes));
    let interval = keys.duration("interval", true, Need::Default(interval));
    Some((bytes?, interval?))
}
