//! What the built-in mock is configured with: its static behaviour (`[mock]`,
//! `[mock.serverless]`), as validation checks it and as the mock serves it, and everything one
//! server needs ([`MockConfig`]: that, its faults, the seed and the epoch). The faults' kinds are
//! in `faults/`.

use super::faults::MockFault;
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
}

impl MockConfig {
    /// A config without faults whose epoch is now.
    pub fn new(plan: MockPlan, seed: u64) -> Self {
        MockConfig { plan, faults: Vec::new(), seed, epoch: Instant::now() }
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
}

/// What the mock admits from hostile or broken clients (`[mock]` keys). One struct, so that
/// defences added later (header read timeouts…) sit beside these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MockLimits {
    /// Connections open at once; one more is accepted and closed at once.
    pub max_connections: usize,
    /// A request body longer than this is answered `413` and the connection closed.
    pub max_request_body_bytes: u64,
}

impl MockLimits {
    /// 1 GiB: the mock only skips bodies, so the cap bounds time, not memory.
    pub const MAX_REQUEST_BODY_BYTES: u64 = 1 << 30;
}

impl Default for MockLimits {
    fn default() -> Self {
        MockLimits {
            max_connections: AcceptLimits::DEFAULT_MAX_CONNECTIONS,
            max_request_body_bytes: MockLimits::MAX_REQUEST_BODY_BYTES,
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
        });
        if self.keep_alive_idle.is_some() {
            mock["keep_alive_close"] = json!(self.keep_alive_close.word());
            mock["keep_alive_jitter"] = json!(duration_str(self.keep_alive_jitter));
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
