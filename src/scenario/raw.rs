//! Serde mirror of the scenario file: these types only deserialize; `validate` turns them into a `Plan`.
//!
//! They are deliberately lenient about values (durations and limits arrive as a [`Scalar`], most
//! fields are optional) and strict about structure (`deny_unknown_fields`, internally tagged
//! enums), so serde rejects only misspelt keys and wrong types while every value rule lives in
//! `validate`, which can then report all of them at once.
//!
//! The document's top level is not a serde type: `validate` walks it key by key and deserializes
//! each section (`[target]`, `[mock]`, `[mock.serverless]`, `[proxy]`, `[dns]`, `[request]`, each `[[phase]]`,
//! `[[client]]`, `[[fault]]`) on its own, so one broken section does not hide the problems of the
//! others. A `[[fault]]` is the exception to tagged enums: one flat table whose common keys are
//! [`RawFault`] and whose other keys the fault's kind reads itself.

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// Keys accepted at the top level of a scenario, in the order the reference documents them.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "name", "seed", "threads", "drain", "target", "mock", "proxy", "dns", "request", "phase", "client", "fault", "gate",
];

/// A string or a number, as written. Durations must be strings with a unit (`"250ms"`, `"none"`);
/// counts are integers or `"unlimited"`; `validate` decides, so a bare `5000` gets a helpful
/// message instead of a type error.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Str(String),
    Int(i64),
    Float(f64),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;

        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string such as \"250ms\" or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Str(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Int(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
        }

        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// `[target]`: exactly one of `mock = true` or `url`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub mock: Option<bool>,
    pub url: Option<String>,
}

/// `[mock]`: static behaviour of the built-in mock upstream.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMock {
    pub latency: Option<RawDist>,
    pub status: Option<Vec<RawStatus>>,
    pub body_bytes: Option<i64>,
    pub keep_alive_timeout: Option<Scalar>,
    pub keep_alive_close: Option<String>,
    pub keep_alive_jitter: Option<Scalar>,
    pub max_connections: Option<i64>,
    pub max_request_body_bytes: Option<i64>,
    pub at_max_connections: Option<Scalar>,
    pub max_header_bytes: Option<i64>,
    pub header_read_timeout: Option<Scalar>,
    pub body_read_timeout: Option<Scalar>,
    pub on_read_timeout: Option<Scalar>,
    pub send_timeout: Option<Scalar>,
    pub server_defaults: Option<String>,
    pub tls: Option<bool>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    /// `[mock.serverless]`: deserialized on its own as a [`RawServerless`], so that a mistake in
    /// one of the two tables does not hide the problems of the other.
    #[allow(dead_code)] // only accepted here
    pub serverless: Option<de::IgnoredAny>,
}

/// `[proxy]`: the chaos proxy's limits.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProxy {
    pub max_connections: Option<i64>,
    pub half_close_timeout: Option<Scalar>,
}

/// `[dns]`: the DNS stub's records and nameservers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDns {
    pub records: Option<Vec<RawDnsRecord>>,
    pub mock_name: Option<String>,
    pub nameservers: Option<i64>,
    pub negative_ttl: Option<Scalar>,
}

/// One entry of `[dns] records`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDnsRecord {
    pub name: Option<String>,
    pub a: Option<OneOrMany>,
    pub aaaa: Option<OneOrMany>,
    pub cname: Option<String>,
    pub ttl: Option<Scalar>,
}

/// A string or a list of strings, as written (`a = "127.0.0.1"` or `a = ["10.0.0.1", "10.0.0.2"]`).
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany {
    pub items: Vec<String>,
    /// Written as a list (so an item's place is `a[1]`), not as one string.
    pub list: bool,
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor;

        impl<'de> Visitor<'de> for OneOrManyVisitor {
            type Value = OneOrMany;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an address such as \"127.0.0.1\" or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany { items: vec![v.to_owned()], list: false })
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    out.push(item);
                }
                Ok(OneOrMany { items: out, list: true })
            }
        }

        deserializer.deserialize_any(OneOrManyVisitor)
    }
}

/// `[mock.serverless]`: the scale-to-zero model.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServerless {
    pub instances: Option<i64>,
    pub concurrency: Option<i64>,
    pub freeze_after: Option<Scalar>,
    pub init: Option<RawDelay>,
    pub on_freeze: Option<String>,
    pub queue_timeout: Option<Scalar>,
    pub queue_status: Option<i64>,
    pub prewarm: Option<i64>,
    pub cold_handshake: Option<RawDelay>,
}

/// One entry of `[mock] status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStatus {
    pub code: Option<i64>,
    pub weight: Option<i64>,
}

/// `[request]` and a phase's `request`: every field optional, a phase's fields override the
/// top-level ones.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequest {
    pub method: Option<String>,
    pub path: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub body: Option<String>,
}

/// `[[phase]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub name: Option<String>,
    pub duration: Option<Scalar>,
    pub shape: Option<RawShape>,
    pub poisson: Option<bool>,
    pub max_in_flight: Option<Scalar>,
    pub concurrency: Option<i64>,
    pub think: Option<RawDelay>,
    pub request: Option<RawRequest>,
}

/// Open-model arrival rates in requests per second: `shape = { kind = "constant", rate = 100 }`.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawShape {
    Constant { rate: f64 },
    Ramp { from: f64, to: f64 },
    Steps { rates: Vec<f64> },
    Bursts { rate: f64, on: Scalar, off: Scalar },
}

/// A distribution of durations: `{ dist = "lognormal", median = "4ms", p99 = "30ms" }`.
#[derive(Debug, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawDist {
    Fixed { value: Scalar },
    Uniform { min: Scalar, max: Scalar },
    Normal { mean: Scalar, stddev: Scalar },
    Lognormal { median: Scalar, p99: Option<Scalar>, sigma: Option<f64> },
}

/// A duration (`"10ms"`, `"none"`) or a distribution table: a phase's `think`, the serverless
/// `init`, a latency fault's `latency`.
#[derive(Debug)]
pub enum RawDelay {
    Duration(Scalar),
    Dist(RawDist),
}

impl<'de> Deserialize<'de> for RawDelay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DelayVisitor;

        impl<'de> Visitor<'de> for DelayVisitor {
            type Value = RawDelay;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"10ms\" or a distribution table")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawDelay, E> {
                Ok(RawDelay::Duration(Scalar::Str(v.to_owned())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawDelay, E> {
                Ok(RawDelay::Duration(Scalar::Int(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawDelay, E> {
                Ok(RawDelay::Duration(Scalar::Int(i64::try_from(v).unwrap_or(i64::MAX))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawDelay, E> {
                Ok(RawDelay::Duration(Scalar::Float(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDelay, A::Error> {
                RawDist::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawDelay::Dist)
            }
        }

        deserializer.deserialize_any(DelayVisitor)
    }
}

/// `[[client]]`: one client configuration under test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClient {
    pub name: Option<String>,
    pub preset: Option<String>,
    pub http: Option<String>,
    pub keep_alive: Option<bool>,
    pub pool_idle_timeout: Option<Scalar>,
    pub idle_reaper: Option<bool>,
    pub pool_max_idle_per_host: Option<Scalar>,
    pub pool_order: Option<String>,
    pub max_conns_per_host: Option<Scalar>,
    pub connect_timeout: Option<Scalar>,
    pub tcp_keepalive: Option<Scalar>,
    pub h2_connections: Option<i64>,
    pub h2_keepalive_interval: Option<Scalar>,
    pub h2_keepalive_timeout: Option<Scalar>,
    pub request_timeout: Option<Scalar>,
    pub response_header_timeout: Option<Scalar>,
    pub read_timeout: Option<Scalar>,
    pub expect_continue_timeout: Option<Scalar>,
    pub silent_retry: Option<String>,
    pub read_body: Option<String>,
    pub retries: Option<RawRetries>,
    pub max_response_header_bytes: Option<i64>,
    pub max_response_body_bytes: Option<i64>,
    pub tls_handshake_timeout: Option<Scalar>,
    pub tls_verify: Option<bool>,
    pub ca_file: Option<String>,
    pub tls_session_resumption: Option<bool>,
    pub tls_min_version: Option<String>,
    pub resolver: Option<RawResolver>,
    /// `sweep = { knob = [values] }`: read from the document by `validate`, which expands the
    /// client into one configuration per value.
    #[allow(dead_code)] // only accepted here
    pub sweep: Option<de::IgnoredAny>,
}

/// A client's `resolver = { kind = "uncached", timeout = "5s", … }`: every key of every kind;
/// validation reports a key its kind does not take.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResolver {
    pub kind: Option<String>,
    pub timeout: Option<Scalar>,
    pub attempts: Option<i64>,
    pub servers: Option<i64>,
    pub strategy: Option<String>,
    pub coalesce: Option<bool>,
    pub min_ttl: Option<Scalar>,
    pub max_ttl: Option<Scalar>,
    pub negative: Option<bool>,
    pub serve_stale: Option<Scalar>,
}

/// A client's `retries = { max = 2, on = ["reset", "5xx"], backoff = "20ms" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetries {
    pub max: Option<i64>,
    pub on: Option<Vec<String>>,
    pub backoff: Option<Scalar>,
}

/// `[[fault]]`'s keys that every kind takes: its kind, layer and window. A kind's own keys are
/// not here: `validate` takes them out of the table first and the kind reads them itself (each
/// kind declares its keys in its own file, see `crate::fault`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// What gates and reports call the fault (`"tuned.during.<label>.p99"`); checked here as a
    /// string, read from the document by `validate` once the faults are known. (`name` is a
    /// dns fault's own key: the name it matches.)
    #[allow(dead_code)]
    pub label: Option<String>,
    pub kind: Option<String>,
    pub layer: Option<String>,
    pub at: Option<Scalar>,
    #[serde(rename = "for")]
    pub for_: Option<Scalar>,
    pub every: Option<Scalar>,
    pub probability: Option<f64>,
}

impl RawFault {
    /// Keys every fault takes: its label, kind, layer and window.
    pub const COMMON_KEYS: &'static [&'static str] = &["label", "kind", "layer", "at", "for", "every", "probability"];
}
