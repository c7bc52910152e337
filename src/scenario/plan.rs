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

impl Plan {
    /// What a user should know before trusting a comparison, though the scenario is valid: HTTP/2
    /// configurations that will not meet HTTP/1-only mock faults, so their figures under those
    /// faults say nothing about how they would fare.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings_for(|_| true)
    }

    /// [`Plan::warnings`] for the client configurations whose names `selected` accepts (`run
    /// --client`).
    pub fn warnings_for(&self, selected: impl Fn(&str) -> bool) -> Vec<String> {
        let h2: Vec<&str> = self
            .clients
            .iter()
            .filter(|c| c.http == HttpVersion::Http2 && selected(&c.name))
            .map(|c| c.name.as_str())
            .collect();
        if h2.is_empty() {
            return Vec::new();
        }
        let names = h2.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
        self.faults
            .iter()
            .enumerate()
            .filter(|(_, f)| f.http1_only())
            .map(|(i, f)| {
                let kind = f.normalized()["kind"].as_str().unwrap_or("?").to_string();
                format!(
                    "fault[{i}] ({kind}, layer mock) acts on HTTP/1 connections only: {names} (http = \"2\") will \
                     not meet it, so {} figures under it are not comparable with HTTP/1 configurations'",
                    if h2.len() == 1 { "its" } else { "their" }
                )
            })
            .collect()
    }

    /// The fully defaulted scenario in scenario vocabulary, for `result.json`: durations as
    /// strings (`"250ms"`, `"none"`), limits as numbers or `"unlimited"`, distributions as
    /// `{ "dist": … }`, rates as numbers of requests per second. Keys follow the scenario file
    /// (`phase`, `client`, `fault`); each phase carries its complete request.
    pub fn normalized(&self) -> serde_json::Value {
        use serde_json::json;
        let target = match &self.target {
            Target::Mock => json!({ "mock": true }),
            Target::Url(uri) => json!({ "url": uri.to_string() }),
        };
        let mock = self.mock.normalized();
        let phases: Vec<_> = self.phases.iter().map(PhasePlan::normalized).collect();
        let clients: Vec<_> = self.clients.iter().map(ClientPlan::normalized).collect();
        let faults: Vec<_> = self.faults.iter().map(FaultPlan::normalized).collect();
        let mut out = json!({
            "name": self.name,
            "seed": self.seed,
            "threads": self.threads,
            "drain": duration_str(self.drain),
            "target": target,
            "phase": phases,
            "client": clients,
            "fault": faults,
        });
        // [mock] configures the built-in mock only: a scenario with a URL target may not have it.
        if self.target == Target::Mock {
            out["mock"] = mock;
        }
        out
    }
}

impl MockPlan {
    /// `[mock]` in scenario vocabulary; `keep_alive_close` and `keep_alive_jitter` only with a
    /// `keep_alive_timeout` (they mean nothing without one), `serverless` only when set.
    fn normalized(&self) -> serde_json::Value {
        use serde_json::json;
        let mut mock = json!({
            "latency": dist_json(&self.latency),
            "status": self.statuses.iter().map(|(code, weight)| json!({ "code": code, "weight": weight })).collect::<Vec<_>>(),
            "body_bytes": self.body_bytes,
            "keep_alive_timeout": opt_duration_str(self.keep_alive_idle),
        });
        if self.keep_alive_idle.is_some() {
            mock["keep_alive_close"] = json!(match self.keep_alive_close {
                KeepAliveClose::Fin => "fin",
                KeepAliveClose::Rst => "rst",
                KeepAliveClose::Race => "race",
            });
            mock["keep_alive_jitter"] = json!(duration_str(self.keep_alive_jitter));
        }
        if let Some(s) = &self.serverless {
            mock["serverless"] = json!({
                "instances": s.instances,
                "concurrency": s.concurrency,
                "freeze_after": duration_str(s.freeze_after),
                "init": dist_json(&s.init),
                "on_freeze": match s.on_freeze { OnFreeze::Reset => "reset", OnFreeze::Drop => "drop", OnFreeze::Keep => "keep" },
                "queue_timeout": duration_str(s.queue_timeout),
                "queue_status": s.queue_status,
                "prewarm": s.prewarm,
            });
        }
        mock
    }
}

impl PhasePlan {
    fn normalized(&self) -> serde_json::Value {
        use serde_json::json;
        let mut phase = json!({ "name": self.name, "duration": duration_str(self.duration) });
        let load = match &self.load {
            Load::Open { shape, poisson, max_in_flight } => {
                let shape = match shape {
                    Shape::Constant { rate } => json!({ "kind": "constant", "rate": rate }),
                    Shape::Ramp { from, to } => json!({ "kind": "ramp", "from": from, "to": to }),
                    Shape::Steps { rates } => json!({ "kind": "steps", "rates": rates }),
                    Shape::Bursts { rate, on, off } => {
                        json!({ "kind": "bursts", "rate": rate, "on": duration_str(*on), "off": duration_str(*off) })
                    }
                };
                json!({ "shape": shape, "poisson": poisson, "max_in_flight": limit_json(Some(*max_in_flight)) })
            }
            Load::Closed { concurrency, think } => {
                let think = think.as_ref().map_or_else(|| json!("none"), dist_json);
                json!({ "concurrency": concurrency, "think": think })
            }
        };
        let headers: serde_json::Map<String, serde_json::Value> = self
            .request
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), json!(String::from_utf8_lossy(value.as_bytes()))))
            .collect();
        let request = json!({
            "method": self.request.method.as_str(),
            "path": self.request.path,
            "headers": headers,
            "body": String::from_utf8_lossy(&self.request.body),
        });
        let object = phase.as_object_mut().expect("built as an object");
        object.extend(load.as_object().cloned().unwrap_or_default());
        object.insert("request".into(), request);
        phase
    }
}

impl ClientPlan {
    fn normalized(&self) -> serde_json::Value {
        use serde_json::json;
        let on: Vec<String> = self
            .retries
            .on
            .iter()
            .map(|on| match on {
                RetryOn::Error(kind) => kind.name(),
                RetryOn::Status5xx => "5xx".to_string(),
                RetryOn::Status(code) => format!("http_{code}"),
            })
            .collect();
        json!({
            "name": self.name,
            "http": match self.http { HttpVersion::Http1 => "1", HttpVersion::Http2 => "2" },
            "keep_alive": self.keep_alive,
            "pool_idle_timeout": opt_duration_str(self.pool_idle_timeout),
            "pool_max_idle_per_host": limit_json(Some(self.pool_max_idle_per_host)),
            "max_conns_per_host": limit_json(self.max_conns_per_host),
            "connect_timeout": opt_duration_str(self.connect_timeout),
            "request_timeout": opt_duration_str(self.request_timeout),
            "read_body": match self.read_body { ReadBody::Full => "full", ReadBody::None => "none" },
            "retries": { "max": self.retries.max, "on": on, "backoff": duration_str(self.retries.backoff) },
        })
    }
}

impl FaultPlan {
    /// The fault in scenario vocabulary: `kind`, `layer`, its window and its own parameters.
    fn normalized(&self) -> serde_json::Value {
        use serde_json::json;
        let (kind, params) = match &self.kind {
            FaultKind::Stall => ("stall", json!({})),
            FaultKind::Latency(dist) => ("latency", json!({ "latency": dist_json(dist) })),
            FaultKind::Status(code) => ("status", json!({ "code": code })),
            FaultKind::Close { after_requests } => ("close", json!({ "after_requests": after_requests })),
            FaultKind::Reset(stage) => (
                "reset",
                match stage {
                    ResetStage::Accept => json!({ "stage": "accept" }),
                    ResetStage::BeforeHeaders => json!({ "stage": "before_headers" }),
                    ResetStage::MidBody { after_bytes } => json!({ "stage": "mid_body", "after_bytes": after_bytes }),
                },
            ),
            FaultKind::EmptyResponse => ("empty_response", json!({})),
            FaultKind::Malformed(form) => (
                "malformed",
                json!({ "form": match form {
                    Malformed::Garbage => "garbage",
                    Malformed::BadChunk => "bad_chunk",
                    Malformed::ShortBody => "short_body",
                } }),
            ),
            FaultKind::Trickle { over } => ("trickle", json!({ "over": duration_str(*over) })),
            FaultKind::GatewayTimeout { status, after } => {
                ("gateway_timeout", json!({ "status": status, "after": duration_str(*after) }))
            }
            FaultKind::Proxy(ProxyFault { direction, toxic }) => {
                let direction = match direction {
                    Direction::Upstream => "upstream",
                    Direction::Downstream => "downstream",
                    Direction::Both => "both",
                };
                let (kind, mut params) = match toxic {
                    Toxic::Latency(dist) => ("latency", json!({ "latency": dist_json(dist) })),
                    Toxic::Bandwidth { bytes_per_s } => ("bandwidth", json!({ "bytes_per_s": bytes_per_s })),
                    Toxic::Slicer { size, delay } => ("slicer", json!({ "size": size, "delay": duration_str(*delay) })),
                    Toxic::ResetPeer { after } => ("reset_peer", json!({ "after": duration_str(*after) })),
                    Toxic::Blackhole => ("blackhole", json!({})),
                    Toxic::SlowClose { delay } => ("slow_close", json!({ "delay": duration_str(*delay) })),
                    Toxic::LimitData { bytes } => ("limit_data", json!({ "bytes": bytes })),
                    Toxic::Refuse => ("refuse", json!({})),
                };
                params["direction"] = json!(direction);
                (kind, params)
            }
        };
        let mut out = json!({
            "kind": kind,
            "layer": match self.layer() { Layer::Mock => "mock", Layer::Proxy => "proxy" },
            "at": duration_str(self.at),
            "for": duration_str(self.duration),
            "every": self.every.map_or_else(|| "once".to_string(), duration_str),
            "probability": self.probability,
        });
        if let (Some(out), serde_json::Value::Object(params)) = (out.as_object_mut(), params) {
            out.extend(params);
        }
        out
    }
}

/// `"250ms"`, `"2s"`, `"1m 30s"` (humantime's format, which the scenario parser reads back).
fn duration_str(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

fn opt_duration_str(d: Option<Duration>) -> String {
    d.map_or_else(|| "none".to_string(), duration_str)
}

/// A count, or `"unlimited"` for `None` and `usize::MAX`.
fn limit_json(n: Option<usize>) -> serde_json::Value {
    match n {
        Some(n) if n != usize::MAX => serde_json::json!(n),
        _ => serde_json::json!("unlimited"),
    }
}

fn dist_json(d: &Dist) -> serde_json::Value {
    use serde_json::json;
    match d {
        Dist::Fixed(value) => json!({ "dist": "fixed", "value": duration_str(*value) }),
        Dist::Uniform { min, max } => {
            json!({ "dist": "uniform", "min": duration_str(*min), "max": duration_str(*max) })
        }
        Dist::Normal { mean, stddev } => {
            json!({ "dist": "normal", "mean": duration_str(*mean), "stddev": duration_str(*stddev) })
        }
        Dist::LogNormal { median, sigma } => {
            json!({ "dist": "lognormal", "median": duration_str(*median), "sigma": sigma })
        }
    }
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
    /// How it closes it.
    pub keep_alive_close: KeepAliveClose,
    /// Each connection's idle timeout is drawn uniformly within ± this of `keep_alive_idle`.
    pub keep_alive_jitter: Duration,
    /// The scale-to-zero model, when `[mock.serverless]` is given.
    pub serverless: Option<ServerlessPlan>,
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
        }
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
    /// Offset from the start of the run (of each client configuration). Default 0.
    pub at: Duration,
    /// How long each activation lasts. Without `for` in the scenario: the whole run (validation
    /// fills in the run's length plus its drain).
    pub duration: Duration,
    /// Repeat period (`None`: once).
    pub every: Option<Duration>,
    /// Chance that the fault hits one unit while active, in 0..=1 (default 1): per request for
    /// mock faults (per connection for `reset` at stage `accept`), per connection for proxy
    /// faults. Draws are seeded, so every configuration meets the same hits.
    pub probability: f64,
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

    /// The activation windows `(start, end)` that begin before `until`, ends clipped to it.
    pub fn windows(&self, until: Duration) -> Vec<(Duration, Duration)> {
        let mut out = Vec::new();
        let mut start = self.at;
        while start < until {
            out.push((start, (start + self.duration).min(until)));
            match self.every {
                Some(every) if !every.is_zero() => start += every,
                _ => break,
            }
        }
        out
    }

    pub fn layer(&self) -> Layer {
        match self.kind {
            FaultKind::Proxy(_) => Layer::Proxy,
            _ => Layer::Mock,
        }
    }

    /// A mock fault that acts on an HTTP/1 connection's bytes (close, reset after accept, empty
    /// or malformed responses). On HTTP/2 the mock skips it: it would take every stream of the
    /// shared connection down, not the one request it hit.
    pub fn http1_only(&self) -> bool {
        matches!(
            self.kind,
            FaultKind::Close { .. }
                | FaultKind::Reset(ResetStage::BeforeHeaders | ResetStage::MidBody { .. })
                | FaultKind::EmptyResponse
                | FaultKind::Malformed(_)
        )
    }
}

/// Where a fault acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Inside the built-in mock upstream (needs `[target] mock = true`).
    Mock,
    /// In the chaos proxy between the clients and the target (mock or URL).
    Proxy,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Mock: the mock stops answering; responses due inside the window go out when it ends
    /// (a stop-the-world pause, as in wrk2's coordinated-omission demonstration).
    Stall,
    /// Mock: extra latency drawn per request, added to `[mock].latency`.
    Latency(Dist),
    /// Mock: answer with this status instead of the mix.
    Status(u16),
    /// Mock: send `Connection: close` and close after the response, once a connection has
    /// served `after_requests` requests (1: every response).
    Close { after_requests: u32 },
    /// Mock: reset the connection (RST, linger 0) at a stage of the exchange.
    Reset(ResetStage),
    /// Mock: close the connection (FIN) without sending any response byte.
    EmptyResponse,
    /// Mock: a broken response, then close.
    Malformed(Malformed),
    /// Mock: dribble the body out evenly over `over`.
    Trickle { over: Duration },
    /// Mock: answer `status` (502 or 504) after `after`, as a gateway whose upstream timed out.
    GatewayTimeout { status: u16, after: Duration },
    /// Proxy: a toxic on one direction of each hit connection.
    Proxy(ProxyFault),
}

/// When a `reset` fault resets a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetStage {
    /// Right after accepting it, before reading anything (per connection).
    Accept,
    /// After reading the request, before any response byte.
    BeforeHeaders,
    /// After sending the headers and this many body bytes.
    MidBody { after_bytes: usize },
}

/// How a `malformed` response is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// Bytes that are not HTTP at all.
    Garbage,
    /// `Transfer-Encoding: chunked` with an invalid chunk size line.
    BadChunk,
    /// A `Content-Length` larger than the body sent before the close.
    ShortBody,
}

/// A proxy toxic and the direction it acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyFault {
    pub direction: Direction,
    pub toxic: Toxic,
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

/// A small, composable fault on a proxied byte stream (after toxiproxy's toxics).
#[derive(Debug, Clone, PartialEq)]
pub enum Toxic {
    /// Delay each chunk by a drawn latency (chunks keep their order; delays do not add up).
    Latency(Dist),
    /// Limit throughput.
    Bandwidth { bytes_per_s: u64 },
    /// Cut data into pieces of `size` bytes with `delay` between them.
    Slicer { size: usize, delay: Duration },
    /// Reset both sides (RST, linger 0) `after` the connection opened.
    ResetPeer { after: Duration },
    /// Forward nothing, keep the connection open.
    Blackhole,
    /// Delay the close of the connection by `delay`.
    SlowClose { delay: Duration },
    /// Close the connection after `bytes` bytes have passed.
    LimitData { bytes: u64 },
    /// Refuse new connections (the proxy is down): accept and reset at once.
    Refuse,
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
            probability: 1.0,
        };
        assert!(!f.active_at(Duration::from_millis(1999)));
        assert!(f.active_at(Duration::from_millis(2500)));
        assert!(!f.active_at(Duration::from_millis(3000)));
        assert_eq!(f.window_end(Duration::from_millis(7200)), Some(Duration::from_secs(8)));
        assert_eq!(f.window_end(Duration::from_millis(8200)), None);
    }
}
