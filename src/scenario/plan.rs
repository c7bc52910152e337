//! The validated, defaulted plan of a run: what every runtime part (engine, clients, mock) reads.
//!
//! A `Plan` is only built by `scenario::validate`, so code holding one may rely on its invariants
//! (durations positive where they must be, rates finite, at least one phase and one client, unique
//! client names). It serializes to the normalized scenario stored in `result.json`.

use crate::dist::Dist;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Plan {
    pub name: String,
    pub seed: u64,
    /// The scenario file this plan came from.
    pub source: PathBuf,
    pub target: Target,
    pub mock: MockPlan,
    pub phases: Vec<PhasePlan>,
    pub clients: Vec<ClientPlan>,
    pub faults: Vec<FaultPlan>,
    /// Grace period for requests still in flight when the last phase ends (default 5s).
    pub drain: Duration,
    /// Load-generator worker threads (default 1: on a small machine shared with the target one
    /// current-thread runtime wins).
    pub threads: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The built-in mock upstream, started fresh for each client configuration.
    Mock,
    /// A real target: `http://host:port/base-path`. Phase paths are appended to the base path.
    Url(http::Uri),
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
}

impl Default for MockPlan {
    fn default() -> Self {
        MockPlan { latency: Dist::ZERO, statuses: vec![(200, 1)], body_bytes: 64, keep_alive_idle: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhasePlan {
    pub name: String,
    pub duration: Duration,
    pub load: Load,
    pub request: RequestPlan,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    /// Open model: requests arrive on a schedule that never waits for responses.
    Open {
        shape: Shape,
        /// Exponential inter-arrival times instead of evenly spaced ones.
        poisson: bool,
        /// Arrivals while this many requests are in flight are not sent; they count as `overflow`.
        max_in_flight: usize,
    },
    /// Closed model: `concurrency` workers each send, wait for the response, think, repeat.
    Closed { concurrency: usize, think: Option<Dist> },
}

/// Arrival rate over a phase, in requests per second.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Constant {
        rate: f64,
    },
    /// Linear from `from` to `to` over the phase.
    Ramp {
        from: f64,
        to: f64,
    },
    /// Each rate in turn, for an equal share of the phase.
    Steps {
        rates: Vec<f64>,
    },
    /// `rate` for `on`, then nothing for `off`, repeated.
    Bursts {
        rate: f64,
        on: Duration,
        off: Duration,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestPlan {
    pub method: Method,
    /// Path and query, starting with `/`.
    pub path: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

impl Default for RequestPlan {
    fn default() -> Self {
        RequestPlan { method: Method::GET, path: "/".into(), headers: Vec::new(), body: Bytes::new() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpVersion {
    Http1,
    /// HTTP/2 with prior knowledge (h2c), no upgrade.
    Http2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBody {
    /// Read every response body to the end (lets the connection be reused).
    Full,
    /// Drop the body unread after the headers (the connection cannot be reused).
    None,
}

/// One client configuration under test (`[[client]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientPlan {
    pub name: String,
    pub http: HttpVersion,
    pub keep_alive: bool,
    /// Idle pooled connections older than this are closed (`None`: never). Default 90s.
    pub pool_idle_timeout: Option<Duration>,
    /// Idle connections kept per host. Default unlimited.
    pub pool_max_idle_per_host: usize,
    /// Connections open at once per host, idle or busy (`None`: unlimited). Requests beyond it wait.
    pub max_conns_per_host: Option<usize>,
    pub connect_timeout: Option<Duration>,
    /// Limit on one attempt: waiting for a connection, connecting, sending, reading the body.
    pub request_timeout: Option<Duration>,
    pub read_body: ReadBody,
    pub retries: RetryPlan,
}

impl ClientPlan {
    /// hyper-util's legacy client defaults, the documented defaults of the client under test.
    pub fn defaults(name: impl Into<String>) -> Self {
        ClientPlan {
            name: name.into(),
            http: HttpVersion::Http1,
            keep_alive: true,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            pool_max_idle_per_host: usize::MAX,
            max_conns_per_host: None,
            connect_timeout: None,
            request_timeout: None,
            read_body: ReadBody::Full,
            retries: RetryPlan::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RetryPlan {
    /// Retries after the first attempt (0: none).
    pub max: u32,
    /// Which failures are retried.
    pub on: Vec<RetryOn>,
    /// Wait before the first retry; doubles for each further one.
    pub backoff: Duration,
}

/// A class of failure a client may retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOn {
    Error(crate::record::ErrorKind),
    /// Any 5xx response.
    Status5xx,
    Status(u16),
}

/// A fault switched on and off over the run's timeline (`[[fault]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan {
    pub kind: FaultKind,
    /// Offset from the start of the run (of each client configuration).
    pub at: Duration,
    /// How long each activation lasts.
    pub duration: Duration,
    /// Repeat period (`None`: once).
    pub every: Option<Duration>,
}

impl FaultPlan {
    /// Whether the fault is active `elapsed` after the run started.
    pub fn active_at(&self, elapsed: Duration) -> bool {
        if elapsed < self.at {
            return false;
        }
        let since = elapsed - self.at;
        match self.every {
            Some(every) if !every.is_zero() => {
                Duration::from_nanos((since.as_nanos() % every.as_nanos()) as u64) < self.duration
            }
            _ => since < self.duration,
        }
    }

    /// End of the activation window containing `elapsed`, if the fault is active then.
    pub fn window_end(&self, elapsed: Duration) -> Option<Duration> {
        if !self.active_at(elapsed) {
            return None;
        }
        let since = elapsed - self.at;
        let start = match self.every {
            Some(every) if !every.is_zero() => self.at + every * (since.as_nanos() / every.as_nanos()) as u32,
            _ => self.at,
        };
        Some(start + self.duration)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Mock layer: the mock stops answering; responses due inside the window go out when it ends
    /// (a stop-the-world pause, as in wrk2's coordinated-omission demonstration).
    Stall,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeating_fault_windows() {
        let f = FaultPlan {
            kind: FaultKind::Stall,
            at: Duration::from_secs(2),
            duration: Duration::from_secs(1),
            every: Some(Duration::from_secs(5)),
        };
        assert!(!f.active_at(Duration::from_millis(1999)));
        assert!(f.active_at(Duration::from_millis(2500)));
        assert!(!f.active_at(Duration::from_millis(3000)));
        assert_eq!(f.window_end(Duration::from_millis(7200)), Some(Duration::from_secs(8)));
        assert_eq!(f.window_end(Duration::from_millis(8200)), None);
    }
}
