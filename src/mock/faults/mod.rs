//! The mock's fault kinds, one file each, registered by one line in [`mock_faults!`] below: what
//! each kind is called, the keys it takes, whether it acts on HTTP/1 bytes only, how it is
//! written back, and what it does to the request (or connection) it hits.
//!
//! How the mock applies them (`behaviour.rs`): a fault acts while its window is active, on a unit
//! it hits with its probability (drawn from the seed, the unit's index and the fault's
//! `[[fault]]` index). By [`Role`]: a `Hold` fault (stall) holds responses until its window
//! ends; an `Accept` fault acts on a connection at accept; a `Request` fault acts on one request,
//! in `[[fault]]` order, through [`MockFaultKind::act`]: latencies add up, `close` marks the
//! response, and the first fault that decides the response ([`RequestFaults::decide`]) wins.

use super::wire::Wire;
use crate::fault::keys::Keys;
use crate::fault::spec::KindSpec;
use crate::seeded::{Purpose, Seeded};
use bytes::Bytes;
use http::StatusCode;
use rand::rngs::SmallRng;
use serde_json::Value;
use std::time::Duration;

/// Declares the mock's fault kinds: `Variant(module::Type)`, one line a kind. Generates
/// [`MockFault`], its exhaustive dispatch to each kind's [`MockFaultKind`] impl, and [`KINDS`].
macro_rules! mock_faults {
    ($($variant:ident($module:ident::$kind:ident)),+ $(,)?) => {
        $(mod $module;)+
        $(pub use $module::$kind;)+

        /// A fault kind of layer `mock`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum MockFault {
            $($variant($kind)),+
        }

        impl MockFault {
            /// The kind as scenarios name it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(MockFault::$variant(_) => <$kind as MockFaultKind>::NAME),+
                }
            }

            pub fn http1_only(&self) -> bool {
                match self {
                    $(MockFault::$variant(k) => k.http1_only()),+
                }
            }

            /// The kind's own keys in scenario vocabulary.
            pub fn normalized(&self) -> Value {
                match self {
                    $(MockFault::$variant(k) => k.normalized()),+
                }
            }

            pub(crate) fn role(&self) -> Role {
                match self {
                    $(MockFault::$variant(k) => k.role()),+
                }
            }

            pub(crate) fn act(&self, request: &Request<'_>, out: &mut RequestFaults) {
                match self {
                    $(MockFault::$variant(k) => k.act(request, out)),+
                }
            }
        }

        $(impl From<$kind> for MockFault {
            fn from(kind: $kind) -> Self {
                MockFault::$variant(kind)
            }
        })+

        /// Every mock fault kind, for validation.
        pub const KINDS: &[KindSpec<MockFault>] = &[$(KindSpec {
            name: <$kind as MockFaultKind>::NAME,
            keys: <$kind as MockFaultKind>::KEYS,
            layer_keys: &[],
            parse: parse_as::<$kind>,
        }),+];
    };
}

mock_faults! {
    Stall(stall::Stall),
    Latency(latency::Latency),
    Status(status::Status),
    Close(close::Close),
    Reset(reset::Reset),
    EmptyResponse(empty_response::EmptyResponse),
    Malformed(malformed::Malformed),
    Trickle(trickle::Trickle),
    GatewayTimeout(gateway_timeout::GatewayTimeout),
    Hang(hang::Hang),
    HandshakeDelay(handshake_delay::HandshakeDelay),
    HandshakeStall(handshake_stall::HandshakeStall),
    BadCert(bad_cert::BadCert),
    AlpnMismatch(alpn_mismatch::AlpnMismatch),
    CloseNotifyMissing(close_notify_missing::CloseNotifyMissing),
}

pub use bad_cert::BadCertKind;

impl MockFault {
    /// Whether it acts on TLS only (the handshake, or TLS's close_notify): it needs `[mock] tls`.
    pub fn needs_tls(&self) -> bool {
        matches!(self.role(), Role::Handshake(_)) || matches!(self, MockFault::CloseNotifyMissing(_))
    }
}

/// One mock fault kind: its name and keys as scenarios write them, and its behaviour.
pub(crate) trait MockFaultKind: Sized + Into<MockFault> {
    /// The kind's name in scenarios (`kind = "reset"`).
    const NAME: &'static str;
    /// The keys it takes besides `kind`, `layer` and its window, in the order messages list them.
    const KEYS: &'static [&'static str];

    /// Reads the kind's keys, with their defaults and limits.
    fn parse(keys: &mut dyn Keys) -> Option<Self>;

    /// Its keys in scenario vocabulary, every default written out.
    fn normalized(&self) -> Value;

    /// Whether it acts on an HTTP/1 connection's bytes; the mock skips it on HTTP/2.
    fn http1_only(&self) -> bool;

    /// Which unit it is drawn for, and at what moment.
    fn role(&self) -> Role;

    /// What it does to a request it hits (for [`Role::Request`] kinds).
    fn act(&self, request: &Request<'_>, out: &mut RequestFaults);
}

fn parse_as<K: MockFaultKind>(keys: &mut dyn Keys) -> Option<MockFault> {
    K::parse(keys).map(Into::into)
}

/// What a handshake fault does to a TLS connection's handshake ([`Role::Handshake`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TlsAct {
    /// Waits this long (drawn per connection) before answering the ClientHello.
    Delay(crate::dist::Dist),
    /// Never answers it.
    Stall,
    BadCert(BadCertKind),
    AlpnMismatch,
}

/// Which unit a mock fault is drawn for, and when it acts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Role {
    /// Per request: holds the response until no window of the fault that hit it is active (a
    /// plain mock checks these too).
    Hold,
    /// Per connection, right after accept, before anything is read: ends it so.
    Accept(Wire),
    /// Per TLS connection, at its handshake (after the `Accept` faults).
    Handshake(TlsAct),
    /// Per request, after its head is read: see [`MockFaultKind::act`].
    Request,
}

/// One request as the faults that hit it see it.
pub(crate) struct Request<'a> {
    /// The request's index on the server (the unit its draws are keyed by).
    pub n: u64,
    /// The acting fault's `[[fault]]` index.
    pub fault: usize,
    /// Requests received on its connection, this one included.
    pub served: u32,
    pub seeded: &'a Seeded,
    /// The status the mix drew for it, and the body it would carry, for a broken response.
    pub status: StatusCode,
    pub body: &'a Bytes,
}

impl Request<'_> {
    /// The RNG of the acting fault's own draws for this request.
    pub fn rng(&self, purpose: Purpose) -> SmallRng {
        self.seeded.rng(self.n, self.fault, purpose)
    }
}

/// What the faults that hit one request do to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct RequestFaults {
    /// Added to the mock's latency.
    pub extra_latency: Duration,
    /// `Connection: close`, then the server closes (HTTP/1 only).
    pub close: bool,
    /// The first deciding fault's verdict.
    pub decision: Decision,
    /// Whether any fault took effect.
    pub hit: bool,
}

impl RequestFaults {
    /// Whether an earlier fault decided the response already (a later one then has no effect,
    /// so it need not build one).
    pub fn decided(&self) -> bool {
        self.decision != Decision::Normal
    }

    /// Decides the response, unless an earlier fault already did.
    pub fn decide(&mut self, decision: Decision) {
        if self.decision == Decision::Normal {
            self.decision = decision;
            self.hit = true;
        }
    }
}

/// How a request is answered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Decision {
    /// As the mock's latency and status mix say.
    #[default]
    Normal,
    Status(StatusCode),
    /// `status` after `after`, instead of the mock's latency.
    Gateway {
        status: StatusCode,
        after: Duration,
    },
    /// The body spread evenly over this long.
    Trickle(Duration),
    /// No HTTP response: the connection's task takes the socket and carries out the [`Wire`]
    /// (HTTP/1 only); `None` leaves the request unanswered and the connection open.
    Takeover(Option<Wire>),
}

/// `HTTP/1.1 <status> <reason>` with `headers` (each ending in CRLF), then the blank line.
fn response_head(status: StatusCode, headers: &str) -> Vec<u8> {
    let reason = status.canonical_reason().unwrap_or("");
    format!("HTTP/1.1 {} {reason}\r\n{headers}\r\n", status.as_u16()).into_bytes()
}
