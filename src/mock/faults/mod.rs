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

            /// Which HTTP versions' connections it acts on.
            pub fn protocols(&self) -> Protocols {
                match self {
                    $(MockFault::$variant(k) => k.protocols()),+
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
    Goaway(goaway::Goaway),
    RstStream(rst_stream::RstStream),
    MaxConcurrentStreams(max_concurrent_streams::MaxConcurrentStreams),
    FlowControlStall(flow_control_stall::FlowControlStall),
    SettingsDelay(settings_delay::SettingsDelay),
    PingTimeout(ping_timeout::PingTimeout),
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

    /// Which HTTP versions' connections it acts on; the mock skips it on the others.
    fn protocols(&self) -> Protocols;

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

/// Which HTTP versions' connections a fault acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocols {
    Both,
    /// It acts on HTTP/1 bytes (chunked framing, `Connection: close`).
    Http1,
    /// It acts on HTTP/2 frames (GOAWAY, RST_STREAM, SETTINGS, PING, flow control).
    Http2,
}

impl Protocols {
    /// Whether a connection of this version (`h2`: HTTP/2) meets it.
    pub fn includes(self, h2: bool) -> bool {
        match self {
            Protocols::Both => true,
            Protocols::Http1 => !h2,
            Protocols::Http2 => h2,
        }
    }
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
    /// Per HTTP/2 connection, on its frames (`h2.rs`): drawn per connection, acting while a
    /// window is active.
    H2(H2Fault),
}

/// What a [`Role::H2`] fault does to an HTTP/2 connection it hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum H2Fault {
    /// A GOAWAY at a moment drawn uniformly within the window (a rolling deploy replaces its
    /// instances one by one); a connection accepted after its moment is spared (it reached a new
    /// instance).
    Goaway(goaway::Goaway),
    /// SETTINGS_MAX_CONCURRENT_STREAMS advertised at the handshake of a connection accepted
    /// while the window is active.
    MaxConcurrentStreams(u32),
    /// The server's SETTINGS (its whole side of the handshake) sent this late, for a connection
    /// accepted while the window is active.
    SettingsDelay(std::time::Duration),
    /// Nothing read or written (PINGs unanswered) while the window is active.
    Silence,
}

/// One request as the faults that hit it see it.
pub(crate) struct Request<'a> {
    /// The request's index on the server (the unit its draws are keyed by).
    pub n: u64,
    /// The acting fault's `[[fault]]` index.
    pub fault: usize,
    /// Requests received on its connection, this one included.
    pub served: u32,
    /// Whether it came on an HTTP/2 connection (a connection-level fault then ends every stream).
    pub h2: bool,
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
    /// HTTP/1: `Connection: close`, then the server closes; HTTP/2: the connection is closed
    /// (FIN, no GOAWAY) once the response is sent.
    pub close: bool,
    /// HTTP/2: the request body's flow-control window is not replenished for this long.
    pub withhold_window: Duration,
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
    /// (on HTTP/2 it ends every stream of the connection); `None` leaves the request unanswered
    /// and the connection open.
    Takeover(Option<Wire>),
    /// HTTP/2: the response's head and its first `after_bytes` body bytes (its `content-length`
    /// unchanged), then the connection ends so.
    Cut {
        after_bytes: usize,
        then: Wire,
    },
    /// HTTP/2: RST_STREAM with this error code instead of a response.
    ResetStream(u32),
}

/// `HTTP/1.1 <status> <reason>` with `headers` (each ending in CRLF), then the blank line.
fn response_head(status: StatusCode, headers: &str) -> Vec<u8> {
    let reason = status.canonical_reason().unwrap_or("");
    format!("HTTP/1.1 {} {reason}\r\n{headers}\r\n", status.as_u16()).into_bytes()
}

/// An HTTP/2 error code (RFC 9113 section 7), as scenarios name it: the RFC's name, lower-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum H2Code {
    NoError,
    ProtocolError,
    InternalError,
    FlowControlError,
    SettingsTimeout,
    StreamClosed,
    FrameSizeError,
    RefusedStream,
    Cancel,
    CompressionError,
    ConnectError,
    EnhanceYourCalm,
    InadequateSecurity,
    Http11Required,
}

crate::vocabulary::words!(H2Code {
    NoError => "no_error",
    ProtocolError => "protocol_error",
    InternalError => "internal_error",
    FlowControlError => "flow_control_error",
    SettingsTimeout => "settings_timeout",
    StreamClosed => "stream_closed",
    FrameSizeError => "frame_size_error",
    RefusedStream => "refused_stream",
    Cancel => "cancel",
    CompressionError => "compression_error",
    ConnectError => "connect_error",
    EnhanceYourCalm => "enhance_your_calm",
    InadequateSecurity => "inadequate_security",
    Http11Required => "http_1_1_required",
});

impl H2Code {
    /// The code on the wire: the variants are in the RFC's order, from 0.
    pub fn code(self) -> u32 {
        self as u32
    }
}
