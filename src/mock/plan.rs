//! What the built-in mock is configured with: its static behaviour (`[mock]`,
//! `[mock.serverless]`), as validation checks it and as the mock serves it, and everything one
//! server needs ([`MockConfig`]: that, its faults, the seed and the epoch). The faults' kinds are
//! in `faults/`.

use super::faults::MockFault;
pub use super::tls::MockTlsPlan;
use crate::dist::Dist;
use crate::fault::Indexed;
use crate::server_thread::AcceptLimits;
use crate::vocabulary::{dist_json, duration_str, opt_duration_str, words, Words};
use std::time::{Duration, Instant};

/// Everything one mock server needs.
#[derive(Debug, Clone)]
pub struct MockConfig {
    pub plan: MockPlan,
    /// The run's mock faults, each with its `[[fault]]` index.
    pub faults: Vec<Indexed<MockFault>>,
    pub seed: u64,
    /// Start of the run: fault windows are offsets from it.
    pub epoch: Instant,
    /// The certificates, made once for the run (`None` with `plan.tls`: the server makes its own).
    pub tls: Option<std::sync::Arc<super::tls::MockTls>>,
}

impl MockConfig {
    /// A config without faults whose epoch is now.
    pub fn new(plan: MockPlan, seed: u64) -> Self {
        MockConfig { plan, faults: Vec::new(), seed, epoch: Instant::now(), tls: None }
    }
}

/// Static behaviour of the built-in mock upstream (`[mock]`).
#[derive(Debug, Clone, PartialEq)]
pub struct MockPlan {
    /// Time from reading a request's headers to sending its response.
    pub latency: Dist,
    /// Status codes with relative weights (default: 200 only).
    pub statuses: Vec<(u16, u32)>,
    /// Size of the response body in bytes.
    pub body_bytes: usize,
    /// The server closes a keep-alive connection idle for this long (`None`: never).
    pub keep_alive_idle: Option<Duration>,
    /// How it closes it.
    pub keep_alive_close: KeepAliveClose,
    /// Each connection's idle timeout is drawn uniformly within ± this of `keep_alive_idle`.
    pub keep_alive_jitter: Duration,
    /// The scale-to-zero model, when `[mock.serverless]` is given.
    pub serverless: Option<ServerlessPlan>,
    /// What the mock admits from its clients.
    pub limits: MockLimits,
    /// TLS on every connection (`[mock] tls = true`): `https://` to the mock.
    pub tls: Option<MockTlsPlan>,
}

/// What the mock admits from hostile or broken clients (`[mock]` keys): its limits and its
/// defences against slow clients, honoured alike by both paths (see `defences.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockLimits {
    /// Connections open at once (with [`AtMaxConnections::Refuse503`]: requests in progress).
    pub max_connections: usize,
    /// What a connection (or request) beyond `max_connections` meets.
    pub at_max_connections: AtMaxConnections,
    /// A request body longer than this is answered `413` and the connection closed.
    pub max_request_body_bytes: u64,
    /// A request head larger than this is answered `431` and the connection closed.
    pub max_header_bytes: usize,
    /// The whole request head must arrive within this: from accept for a connection's first
    /// request, from the first byte of the head for the next ones (`None`: no limit).
    pub header_read_timeout: Option<Duration>,
    /// The longest gap between two reads of a request body.
    pub body_read_timeout: Option<Duration>,
    /// What a header or body read timeout does.
    pub on_read_timeout: OnReadTimeout,
    /// The longest a response write may make no progress; then the connection is reset.
    pub send_timeout: Option<Duration>,
    /// The preset these values were filled from (explicit keys won over it), if any.
    pub server_defaults: Option<ServerDefaults>,
}

impl MockLimits {
    /// 1 GiB: the mock only skips bodies, so the cap bounds time, not memory.
    pub const MAX_REQUEST_BODY_BYTES: u64 = 1 << 30;
    /// The highest `max_header_bytes` (the head is held in memory while it arrives); the
    /// ceiling validation applies (`mock.max_header_bytes` in `scenario/ceilings.rs`).
    pub const MAX_HEADER_BYTES: usize = 16 << 20;
}

impl Default for MockLimits {
    fn default() -> Self {
        MockLimits {
            max_connections: AcceptLimits::DEFAULT_MAX_CONNECTIONS,
            at_max_connections: AtMaxConnections::Close,
            max_request_body_bytes: MockLimits::MAX_REQUEST_BODY_BYTES,
            max_header_bytes: crate::http1::MAX_HEAD,
            header_read_timeout: None,
            body_read_timeout: None,
            on_read_timeout: OnReadTimeout::Close,
            send_timeout: None,
            server_defaults: None,
        }
    }
}

/// What a header or body read timeout does to its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnReadTimeout {
    /// Close without a byte (what Go does, and nginx in practice).
    #[default]
    Close,
    /// Answer `408 Request Timeout`, then close.
    Answer408,
}

words!(OnReadTimeout { Close => "close", Answer408 => "408" });

/// What meets a connection beyond `max_connections`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AtMaxConnections {
    /// Accepted and closed at once (counted `over_cap`).
    #[default]
    Close,
    /// Not accepted while at the cap: it waits in the kernel's listen backlog until a slot frees
    /// (a thread-per-connection server, Go's `netutil.LimitListener`).
    Backlog,
    /// nginx's `limit_conn`: a connection counts while a request read on it is in progress; a
    /// request beyond the cap is answered `503` and its connection closed.
    Refuse503,
}

words!(AtMaxConnections { Close => "close", Backlog => "backlog", Refuse503 => "503" });

/// A real server whose documented defaults fill the defence keys not given (`server_defaults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerDefaults {
    Go,
    Nginx,
}

words!(ServerDefaults { Go => "go", Nginx => "nginx" });

/// The values a [`ServerDefaults`] fills in; `None` fields are left at the mock's own default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub header_read_timeout: Option<Duration>,
    pub body_read_timeout: Option<Duration>,
    pub send_timeout: Option<Duration>,
    pub keep_alive_timeout: Option<Duration>,
    pub max_header_bytes: usize,
    pub on_read_timeout: OnReadTimeout,
    pub at_max_connections: AtMaxConnections,
}

impl ServerDefaults {
    /// The one table of both servers' defaults.
    pub const fn preset(self) -> Preset {
        const MINUTE: Duration = Duration::from_secs(60);
        match self {
            // Go's net/http docs (`http.Server`): ReadHeaderTimeout, ReadTimeout, WriteTimeout and
            // IdleTimeout zero (none); `DefaultMaxHeaderBytes = 1 << 20`; a timeout closes silently.
            ServerDefaults::Go => Preset {
                header_read_timeout: None,
                body_read_timeout: None,
                send_timeout: None,
                keep_alive_timeout: None,
                max_header_bytes: 1 << 20,
                on_read_timeout: OnReadTimeout::Close,
                at_max_connections: AtMaxConnections::Close,
            },
            // nginx's ngx_http_core_module docs: client_header_timeout, client_body_timeout and
            // send_timeout 60s, keepalive_timeout 75s, large_client_header_buffers 4 8k (32 KiB of
            // head); a read timeout is logged as 408 but the connection just closed; limit_conn.
            ServerDefaults::Nginx => Preset {
                header_read_timeout: Some(MINUTE),
                body_read_timeout: Some(MINUTE),
                send_timeout: Some(MINUTE),
                keep_alive_timeout: Some(Duration::from_secs(75)),
                max_header_bytes: 4 * 8 * 1024,
                on_read_timeout: OnReadTimeout::Close,
                at_max_connections: AtMaxConnections::Refuse503,
            },
        }
    }
}

impl Default for MockPlan {
    fn default() -> Self {
        MockPlan {
            latency: Dist::ZERO,
            statuses: vec![(200, 1)],
            body_bytes: 64,
            keep_alive_idle: None,
            keep_alive_close: KeepAliveClose::Fin,
            keep_alive_jitter: Duration::ZERO,
            serverless: None,
            limits: MockLimits::default(),
            tls: None,
        }
    }
}

impl MockPlan {
    /// `[mock]` in scenario vocabulary; `keep_alive_close` and `keep_alive_jitter` only with a
    /// `keep_alive_timeout` (they mean nothing without one), `serverless` only when set.
    pub(crate) fn normalized(&self) -> serde_json::Value {
        use serde_json::json;
        let mut mock = json!({
            "latency": dist_json(&self.latency),
            "status": self.statuses.iter().map(|(code, weight)| json!({ "code": code, "weight": weight })).collect::<Vec<_>>(),
            "body_bytes": self.body_bytes,
            "keep_alive_timeout": opt_duration_str(self.keep_alive_idle),
            "max_connections": self.limits.max_connections,
            "max_request_body_bytes": self.limits.max_request_body_bytes,
            "at_max_connections": self.limits.at_max_connections.word(),
            "max_header_bytes": self.limits.max_header_bytes,
            "header_read_timeout": opt_duration_str(self.limits.header_read_timeout),
            "body_read_timeout": opt_duration_str(self.limits.body_read_timeout),
            "on_read_timeout": self.limits.on_read_timeout.word(),
            "send_timeout": opt_duration_str(self.limits.send_timeout),
        });
        // Kept, with every value it filled written out (explicit keys win over it, so this reads
        // back as the same plan): the result says which server the mock stood in for.
        if let Some(preset) = self.limits.server_defaults {
            mock["server_defaults"] = json!(preset.word());
        }
        if self.keep_alive_idle.is_some() {
            mock["keep_alive_close"] = json!(self.keep_alive_close.word());
            mock["keep_alive_jitter"] = json!(duration_str(self.keep_alive_jitter));
        }
        if let Some(tls) = &self.tls {
            mock["tls"] = json!(true);
            if let (Some(cert), Some(key)) = (&tls.cert_file, &tls.key_file) {
                mock["cert_file"] = json!(cert.display().to_string());
                mock["key_file"] = json!(key.display().to_string());
            }
        }
        if let Some(s) = &self.serverless {
            mock["serverless"] = json!({
                "instances": s.instances,
                "concurrency": s.concurrency,
                "freeze_after": duration_str(s.freeze_after),
                "init": dist_json(&s.init),
                "on_freeze": s.on_freeze.word(),
                "queue_timeout": duration_str(s.queue_timeout),
                "queue_status": s.queue_status,
                "prewarm": s.prewarm,
            });
            if let Some(cold) = &s.cold_handshake {
                mock["serverless"]["cold_handshake"] = dist_json(cold);
            }
        }
        mock
    }
}

/// How the mock closes a keep-alive connection that reached its idle timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeepAliveClose {
    /// A graceful close (FIN) at the timeout.
    #[default]
    Fin,
    /// A reset (RST, linger 0) at the timeout.
    Rst,
    /// The keep-alive race: nothing happens at the timeout, but the next request on a
    /// connection idle that long is met by a close without a response, as when the server's
    /// close and the client's request cross on the wire.
    Race,
}

words!(KeepAliveClose { Fin => "fin", Rst => "rst", Race => "race" });

/// A scale-to-zero platform in the mock (`[mock.serverless]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerlessPlan {
    /// Most instances warm at once.
    pub instances: usize,
    /// Requests one instance serves at once.
    pub concurrency: usize,
    /// An instance idle this long is frozen.
    pub freeze_after: Duration,
    /// Cold start: what the first request to a frozen or new instance waits.
    pub init: Dist,
    /// What happens to the connections of a frozen instance.
    pub on_freeze: OnFreeze,
    /// A request waiting this long for capacity gets `queue_status`.
    pub queue_timeout: Duration,
    /// 503 or 504.
    pub queue_status: u16,
    /// Instances kept warm (never frozen).
    pub prewarm: usize,
    /// With `[mock] tls`: what a TLS handshake waits besides when no instance is warm (the
    /// instance terminates TLS, and is still starting). `None`: handshakes cost nothing extra.
    pub cold_handshake: Option<Dist>,
}

/// The fate of a frozen instance's open connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFreeze {
    /// Reset (RST) on their next use.
    Reset,
    /// Silently swallowed: the next request hangs until the client gives up.
    Drop,
    /// Kept: the next request pays the cold start.
    Keep,
}

words!(OnFreeze { Reset => "reset", Drop => "drop", Keep => "keep" });
