//! The validated, defaulted plan of a run: what every runtime part (engine, clients, mock) reads.
//!
//! A [`Plan`] is only made by [`PlanParts::build`], which checks the rules that tie its parts
//! together ([`PlanParts::violations`]: at least one phase and one client, unique client names,
//! 1 to 64 threads, no client capped below one connection per thread); validation builds it
//! after checking each section's own values (durations positive where they must be, rates
//! finite), so code holding a `Plan` may rely on both. A `Plan` reads as its parts but cannot be
//! changed: a changed plan (a CLI override, a test's variation) is built again. It serializes to
//! the normalized scenario stored in `result.json`.

pub use super::faults::{ByLayer, FaultKind, Layer};
pub use super::resolver::{CachePlan, QueryPlan, ResolverPlan, Strategy};
pub use super::sweep::SweepPlan;
pub use crate::chaos::toxics::{Direction, ProxyFault, Toxic};
pub use crate::chaos::ProxyLimits;
pub use crate::dns::plan::{DnsPlan, DnsRecord};
pub use crate::fault::FaultPlan;
pub use crate::mock::faults::MockFault;
pub use crate::mock::plan::{KeepAliveClose, MockLimits, MockPlan, OnFreeze, ServerlessPlan};

use crate::dist::Dist;
use crate::mock::faults::Protocols;
use crate::vocabulary::{dist_json, duration_str, limit_json, opt_duration_str, words, Words};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};
use std::path::PathBuf;
use std::time::Duration;

/// A validated plan: its parts, read through `Deref`, checked by [`PlanParts::build`].
#[derive(Debug, Clone)]
pub struct Plan(PlanParts);

impl std::ops::Deref for Plan {
    type Target = PlanParts;

    fn deref(&self) -> &PlanParts {
        &self.0
    }
}

/// What a plan is made of, as validation (or a test) puts it together.
#[derive(Debug, Clone)]
pub struct PlanParts {
    pub name: String,
    pub seed: u64,
    /// The scenario file this plan came from.
    pub source: PathBuf,
    pub target: Target,
    pub mock: MockPlan,
    /// `[proxy]`: the chaos proxy's limits, when proxy faults put it in the path.
    pub proxy: ProxyLimits,
    /// `[dns]`: the DNS stub's records; `Some` when the scenario has `[dns]` or a dns fault.
    pub dns: Option<DnsPlan>,
    pub phases: Vec<PhasePlan>,
    /// Every configuration under test: a `[[client]]` each, a sweep's members at its place.
    pub clients: Vec<ClientPlan>,
    /// The `[[client]]`s with a `sweep`, in file order.
    pub sweeps: Vec<SweepPlan>,
    pub faults: Vec<FaultPlan<FaultKind>>,
    /// Each fault's `label`, if the scenario gave it one (index for index with `faults`).
    pub fault_labels: Vec<Option<String>>,
    /// `[gate]`: the conditions judged at the end of the run.
    pub gates: crate::gate::spec::GatePlan,
    /// Grace period for requests still in flight when the last phase ends (default 5s).
    pub drain: Duration,
    /// Load-generator worker threads (default 1: on a small machine shared with the target one
    /// current-thread runtime wins).
    pub threads: usize,
}

/// What the command line changes in a scenario (`run --threads`). Applied before the plan's
/// rules are checked, so an override that breaks one is reported like a mistake in the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Load-generator worker threads, instead of the scenario's `threads`.
    pub threads: Option<usize>,
}

/// What the standalone `chaosload mock`, `proxy` and `dns` servers take from a configuration
/// file: the scenario sections they use, validated as in a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Parts {
    pub mock: MockPlan,
    pub proxy: ProxyLimits,
    /// `[dns]`, or the defaults (no records: every name NXDOMAIN).
    pub dns: DnsPlan,
    /// Faults without `for` last forever (there are no phases to last for).
    pub faults: Vec<FaultPlan<FaultKind>>,
    pub seed: u64,
}

/// A rule a plan's parts break: the field it is about (a scenario path such as
/// `client[0].max_conns_per_host`, which validation locates in the file), what is wrong, and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// The rules of [`PlanParts::violations`], broken; shown one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct Violations(pub Vec<Violation>);

/// The load-generator threads a plan may have.
pub const THREADS: std::ops::RangeInclusive<usize> = 1..=64;

/// The violation of [`THREADS`] by `threads` (as written, which may be negative).
pub fn threads_out_of_range(threads: impl std::fmt::Display) -> Violation {
    Violation {
        field: "threads".into(),
        message: format!("threads must be between {} and {}, got {threads}", THREADS.start(), THREADS.end()),
        hint: None,
    }
}

impl PlanParts {
    /// How long the phases last in all (saturating: a sum never overflows).
    pub fn phases_length(&self) -> Duration {
        self.phases.iter().fold(Duration::ZERO, |sum, p| sum.saturating_add(p.duration))
    }

    /// The phases and the drain: how long one configuration's run can last.
    pub fn run_length(&self) -> Duration {
        self.phases_length().saturating_add(self.drain)
    }

    /// What one configuration sends, from the phases: the open model's peak rate and scheduled
    /// arrivals, the closed model's users and time. The one place this is computed.
    pub fn planned_load(&self) -> PlannedLoad {
        let mut load = PlannedLoad::default();
        for phase in &self.phases {
            match &phase.load {
                Load::Open { shape, .. } => {
                    load.peak_rate = load.peak_rate.max(shape.peak_rate());
                    load.open_requests += shape.arrivals(phase.duration);
                }
                Load::Closed { concurrency, .. } => {
                    load.closed_users = load.closed_users.max(*concurrency);
                    load.closed_duration = load.closed_duration.saturating_add(phase.duration);
                }
            }
        }
        load
    }

    /// The plan, if its parts keep every rule of [`PlanParts::violations`].
    pub fn build(mut self) -> Result<Plan, Violations> {
        let violations = self.violations("threads");
        if violations.is_empty() {
            // A fault without a label has none: the two lists go index for index.
            self.fault_labels.resize(self.faults.len(), None);
            Ok(Plan(self))
        } else {
            Err(Violations(violations))
        }
    }

    /// The rules that tie the parts together, as broken by these parts. `threads_from` names where
    /// `threads` was set (`"threads"` in the scenario, or a CLI flag such as `"--threads"`).
    pub fn violations(&self, threads_from: &str) -> Vec<Violation> {
        let violation = |field: String, message: String, hint: &str| Violation {
            field,
            message,
            hint: (!hint.is_empty()).then(|| hint.to_string()),
        };
        let mut out = Vec::new();
        for (key, empty) in [("phase", self.phases.is_empty()), ("client", self.clients.is_empty())] {
            if empty {
                let hint = format!("add a [[{key}]] section");
                out.push(violation(key.into(), format!("at least one [[{key}]] is required"), &hint));
            }
        }
        let threads = self.threads;
        if !THREADS.contains(&threads) {
            out.push(threads_out_of_range(threads));
        }
        for (i, client) in self.clients.iter().enumerate() {
            let capped = client.max_conns_per_host.filter(|cap| *cap < threads && THREADS.contains(&threads));
            if let Some(cap) = capped {
                out.push(violation(
                    format!("client[{i}].max_conns_per_host"),
                    format!("max_conns_per_host ({cap}) is below {threads_from} ({threads})"),
                    &format!(
                        "each load thread has its own pool and needs at least one connection: lower {threads_from}"
                    ),
                ));
            }
            if let Some(resolver) = &client.resolver {
                out.extend(self.resolver_violation(i, resolver));
            }
            let name = client.name.as_str();
            if let Some(first) = self.clients[..i].iter().position(|c| !name.is_empty() && c.name == name) {
                out.push(violation(
                    format!("client[{i}].name"),
                    format!("duplicate client name \"{name}\""),
                    &format!("client[{first}] is already named \"{name}\""),
                ));
            }
        }
        out.extend(self.tls_fault_violations());
        out
    }

    /// Faults that act on the mock's TLS need it to speak TLS; `bad_cert` needs the
    /// certificates it makes (it has no bad one of the user's to present).
    fn tls_fault_violations(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        for (i, fault) in self.faults.iter().enumerate() {
            let tls_target = self.mock.tls.is_some()
                || matches!(&self.target, Target::Url(uri) if uri.scheme_str() == Some("https"));
            if matches!(fault.kind, FaultKind::Clients(_)) && tls_target {
                out.push(Violation {
                    field: format!("fault[{i}].kind"),
                    message: "slow-client cohorts speak plain HTTP, and the target speaks TLS".into(),
                    hint: Some("run the cohorts against a plain target (remove tls = true, or use http://)".into()),
                });
            }
            let FaultKind::Mock(kind) = &fault.kind else { continue };
            if !kind.needs_tls() {
                continue;
            }
            let name = kind.name();
            let field = format!("fault[{i}].kind");
            match &self.mock.tls {
                _ if self.target != Target::Mock => out.push(Violation {
                    field,
                    message: format!("{name} acts on the built-in mock's TLS, and the target is a URL"),
                    hint: Some("use [target] mock = true with tls = true under [mock]".into()),
                }),
                None => out.push(Violation {
                    field,
                    message: format!("{name} acts on TLS, and the mock speaks plain HTTP"),
                    hint: Some("add tls = true under [mock]".into()),
                }),
                Some(tls) if matches!(kind, MockFault::BadCert(_)) && tls.cert_file.is_some() => out.push(Violation {
                    field,
                    message: "bad_cert presents certificates the mock makes, and [mock] has cert_file".into(),
                    hint: Some(
                        "remove cert_file and key_file: the mock then makes its CA and the bad certificates".into(),
                    ),
                }),
                Some(_) => {}
            }
        }
        out
    }
}

impl PlanParts {
    /// The name new connections look up: the mock's `[dns] mock_name`, or a URL's host when it
    /// is a name (not an address).
    pub fn target_name(&self) -> Option<&str> {
        match &self.target {
            Target::Mock => self.dns.as_ref()?.mock_name.as_deref(),
            Target::Url(uri) => {
                let host = uri.host()?;
                host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_err().then_some(host)
            }
        }
    }

    /// What ties `client[i].resolver` to the rest: a name to look up, and for a resolver that
    /// queries the stub, a `[dns]` with as many nameservers as it is given.
    fn resolver_violation(&self, i: usize, resolver: &ResolverPlan) -> Option<Violation> {
        let field = format!("client[{i}].resolver");
        let violation =
            |field: String, message: String, hint: String| Some(Violation { field, message, hint: Some(hint) });
        if self.target_name().is_none() {
            return violation(
                field,
                "the target is an address: this configuration has no name to look up".into(),
                "give the mock a name with [dns] mock_name = \"upstream.test\", or use a URL with a host name".into(),
            );
        }
        let query = match resolver {
            ResolverPlan::System => return None,
            ResolverPlan::Uncached(query) => query,
            ResolverPlan::Cached(cached) => &cached.query,
        };
        let Some(dns) = &self.dns else {
            return violation(
                field,
                format!(
                    "resolver kind \"{}\" queries chaosload's DNS stub, but the scenario has no [dns]",
                    resolver.kind_word()
                ),
                "add [dns] with a record for the target's name (or mock_name for the mock), or use kind = \"system\""
                    .into(),
            );
        };
        (query.servers > dns.nameservers).then(|| Violation {
            field: format!("{field}.servers"),
            message: format!("servers = {} but the DNS stub runs {} nameserver(s)", query.servers, dns.nameservers),
            hint: Some(format!("set nameservers = {} in [dns]", query.servers)),
        })
    }
}

impl Plan {
    /// The parts of this plan, to change and build again.
    pub fn to_parts(&self) -> PlanParts {
        self.0.clone()
    }

    /// What a user should know before trusting a comparison, though the scenario is valid:
    /// configurations that will not meet a mock fault of the other HTTP version only (HTTP/1's
    /// chunked framing, HTTP/2's frames), so their figures under it say nothing about how they
    /// would fare.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings_for(|_| true)
    }

    /// [`Plan::warnings`] for the client configurations whose names `selected` accepts (`run
    /// --client`).
    pub fn warnings_for(&self, selected: impl Fn(&str) -> bool) -> Vec<String> {
        let mut out = self.protocol_warnings(selected);
        if self.target_name().is_none() && self.faults.iter().any(|f| f.layer() == Layer::Dns) {
            out.push(
                "the dns faults act on chaosload's DNS stub, but the target is an address: no configuration looks a \
                 name up, so none meets them (give the mock a name with [dns] mock_name, or use a URL with a host name)"
                    .to_string(),
            );
        }
        out
    }

    /// A warning per mock fault of one HTTP version's connections only, when selected
    /// configurations speak the other.
    fn protocol_warnings(&self, selected: impl Fn(&str) -> bool) -> Vec<String> {
        let speaking = |version: HttpVersion| -> Vec<String> {
            self.clients
                .iter()
                .filter(|c| c.http == version && selected(&c.name))
                .map(|c| format!("\"{}\"", c.name))
                .collect()
        };
        let (h1, h2) = (speaking(HttpVersion::Http1), speaking(HttpVersion::Http2));
        self.faults
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let (only, others, their) = match f.protocols() {
                    Protocols::Both => return None,
                    Protocols::Http1 => ("HTTP/1", &h2, "http = \"2\""),
                    Protocols::Http2 => ("HTTP/2", &h1, "http = \"1\""),
                };
                if others.is_empty() {
                    return None;
                }
                let kind = f.kind.name();
                Some(format!(
                    "fault[{i}] ({kind}, layer mock) acts on {only} connections only: {} ({their}) will not meet \
                     it, so {} figures under it are not comparable with {only} configurations'",
                    others.join(", "),
                    if others.len() == 1 { "its" } else { "their" }
                ))
            })
            .collect()
    }

    /// The one notice printed before a run whose target is beyond this machine (see
    /// [`Target::remote`]): what `configurations` configurations will send it, from
    /// [`PlanParts::planned_load`]. None for a loopback target.
    pub fn remote_target_notice(&self, configurations: usize) -> Option<String> {
        // A name the DNS stub serves with a loopback address stays on this machine.
        let served = |name: &str| self.dns.as_ref()?.address_of(&name.to_ascii_lowercase());
        let on_loopback = self.target_name().and_then(served).is_some_and(|ip| ip.is_loopback());
        let uri = self.target.remote().filter(|_| !on_loopback)?;
        let load = self.planned_load();
        let mut sends = Vec::new();
        if load.peak_rate > 0.0 {
            let total = load.open_requests.round() * configurations as f64;
            sends.push(format!(
                "up to {} requests/s, {} requests in all",
                load.peak_rate,
                total as u64 // rates and durations have ceilings, so this is far below u64::MAX
            ));
        }
        if load.closed_users > 0 {
            sends.push(format!(
                "{} users sending back to back for {}",
                load.closed_users,
                humantime::format_duration(load.closed_duration.saturating_mul(configurations as u32))
            ));
        }
        Some(format!(
            "notice: {} is not on this machine; this run ({configurations} configuration{}) sends it {}",
            crate::escape::escape_controls(&uri.to_string()),
            if configurations == 1 { "" } else { "s" },
            sends.join(", and ")
        ))
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
        let clients = super::sweep::normalized_clients(&self.clients, &self.sweeps);
        let faults: Vec<_> = self.faults.iter().map(FaultPlan::normalized).collect();
        let mut out = json!({
            "name": self.name,
            "seed": self.seed,
            "threads": self.threads,
            "drain": duration_str(self.drain),
            "target": target,
            "proxy": {
                "max_connections": self.proxy.max_connections,
                "half_close_timeout": duration_str(self.proxy.half_close_timeout),
            },
            "phase": phases,
            "client": clients,
            "fault": faults,
        });
        for (fault, name) in out["fault"].as_array_mut().into_iter().flatten().zip(&self.fault_labels) {
            if let (Some(name), Some(table)) = (name, fault.as_object_mut()) {
                table.insert("label".into(), name.clone().into());
            }
        }
        if !self.gates.is_empty() {
            out["gate"] = self.gates.normalized();
        }
        // [mock] configures the built-in mock only: a scenario with a URL target may not have it.
        if self.target == Target::Mock {
            out["mock"] = mock;
        }
        if let Some(dns) = &self.dns {
            out["dns"] = dns.normalized();
        }
        out
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
    /// The configuration in scenario vocabulary, every knob written out.
    pub(crate) fn normalized(&self) -> serde_json::Value {
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
        let mut out = json!({
            "name": self.name,
            "http": self.http.word(),
            "keep_alive": self.keep_alive,
            "pool_idle_timeout": opt_duration_str(self.pool_idle_timeout),
            "idle_reaper": self.idle_reaper,
            "pool_max_idle_per_host": limit_json(Some(self.pool_max_idle_per_host)),
            "pool_order": self.pool_order.word(),
            "max_conns_per_host": limit_json(self.max_conns_per_host),
            "connect_timeout": opt_duration_str(self.connect_timeout),
            "tcp_keepalive": opt_duration_str(self.tcp_keepalive),
            "h2_connections": self.h2_connections,
            "h2_keepalive_interval": opt_duration_str(self.h2_keepalive_interval),
            "h2_keepalive_timeout": duration_str(self.h2_keepalive_timeout),
            "request_timeout": opt_duration_str(self.request_timeout),
            "response_header_timeout": opt_duration_str(self.response_header_timeout),
            "read_timeout": opt_duration_str(self.read_timeout),
            "expect_continue_timeout": opt_duration_str(self.expect_continue_timeout),
            "silent_retry": self.silent_retry.word(),
            "read_body": self.read_body.word(),
            "retries": { "max": self.retries.max, "on": on, "backoff": duration_str(self.retries.backoff) },
            "max_response_header_bytes": self.max_response_header_bytes,
            "max_response_body_bytes": self.max_response_body_bytes,
            "tls_handshake_timeout": opt_duration_str(self.tls.handshake_timeout),
            "tls_verify": self.tls.verify,
            "tls_session_resumption": self.tls.session_resumption,
            "tls_min_version": self.tls.min_version.word(),
        });
        // Left out when not set, so a scenario without it reads back without it.
        if let Some(preset) = self.preset {
            out["preset"] = json!(preset);
        }
        if let Some(ca_file) = &self.tls.ca_file {
            out["ca_file"] = json!(ca_file.display().to_string());
        }
        if let Some(resolver) = &self.resolver {
            out["resolver"] = resolver.normalized();
        }
        out
    }
}

impl ResolverPlan {
    /// The resolver in scenario vocabulary, every default of its kind written out.
    fn normalized(&self) -> serde_json::Value {
        use serde_json::json;
        let query = |q: &QueryPlan| {
            json!({
                "timeout": duration_str(q.timeout),
                "attempts": q.attempts,
                "servers": q.servers,
                "strategy": q.strategy.word(),
                "coalesce": q.coalesce,
            })
        };
        let mut out = match self {
            ResolverPlan::Uncached(q) => query(q),
            ResolverPlan::Cached(c) => {
                let mut out = query(&c.query);
                let cache = json!({
                    "min_ttl": duration_str(c.min_ttl),
                    "max_ttl": duration_str(c.max_ttl),
                    "negative": c.negative,
                    "serve_stale": opt_duration_str(c.serve_stale),
                });
                out.as_object_mut().expect("an object").extend(cache.as_object().cloned().unwrap_or_default());
                out
            }
            ResolverPlan::System => json!({}),
        };
        out["kind"] = json!(self.kind_word());
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The built-in mock upstream, started fresh for each client configuration.
    Mock,
    /// A real target: `http://host:port/base-path`. Phase paths are appended to the base path.
    Url(http::Uri),
}

impl Target {
    /// The target a run would send load to beyond this machine: a URL whose host is not
    /// `localhost`, 127.0.0.0/8 or `::1`. None for the mock (always on 127.0.0.1).
    pub fn remote(&self) -> Option<&http::Uri> {
        let Target::Url(uri) = self else { return None };
        let host = uri.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let loopback =
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        (!loopback).then_some(uri)
    }
}

/// What one configuration of a plan sends ([`PlanParts::planned_load`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlannedLoad {
    /// The highest arrival rate of any open-model phase, requests per second (0 without one).
    pub peak_rate: f64,
    /// The arrivals the open-model phases schedule: their rates integrated over their durations.
    pub open_requests: f64,
    /// The most closed-model users at once (0 without a closed-model phase)…
    pub closed_users: usize,
    /// …and how long the closed-model phases last in all.
    pub closed_duration: Duration,
}

impl Shape {
    /// The highest rate the shape reaches, requests per second.
    pub fn peak_rate(&self) -> f64 {
        match self {
            Shape::Constant { rate } | Shape::Bursts { rate, .. } => *rate,
            Shape::Ramp { from, to } => from.max(*to),
            Shape::Steps { rates } => rates.iter().copied().fold(0.0, f64::max),
        }
    }

    /// The arrivals due over `duration`: the cumulative count `N(duration)` that `load::schedule`
    /// inverts (a test there checks the two agree).
    pub fn arrivals(&self, duration: Duration) -> f64 {
        let secs = duration.as_secs_f64();
        match self {
            Shape::Constant { rate } => rate * secs,
            Shape::Ramp { from, to } => (from + to) / 2.0 * secs,
            Shape::Steps { rates } => rates.iter().sum::<f64>() / rates.len().max(1) as f64 * secs,
            Shape::Bursts { rate, on, off } => {
                let (on, cycle) = (on.as_secs_f64(), on.as_secs_f64() + off.as_secs_f64());
                let cycles = (secs / cycle).floor();
                rate * (cycles * on + (secs - cycles * cycle).min(on))
            }
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

words!(HttpVersion { Http1 => "1", Http2 => "2" });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadBody {
    /// Read every response body to the end (lets the connection be reused).
    Full,
    /// Drop the body unread after the headers (the connection cannot be reused).
    None,
}

words!(ReadBody { Full => "full", None => "none" });

/// Which idle connection a request takes (`pool_order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolOrder {
    /// The most recently released (Go, hyper-util, urllib3, Node's agent): the rest age out.
    Lifo,
    /// The least recently released (Java's HttpClient): every idle connection keeps being used.
    Fifo,
    /// The one opened first (undici's and OkHttp's pools, httpcore's list, scanned in the order
    /// connections were opened): the first few carry the load, the rest age out.
    Oldest,
}

words!(PoolOrder { Lifo => "lifo", Fifo => "fifo", Oldest => "oldest" });

/// A retry a client makes without being asked (`silent_retry`): never counted in `retries`,
/// counted as `hidden_retries`. The rules are applied in `client::silent_retry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilentRetry {
    /// Never (chaosload's own default, python-requests, undici, Node's agent).
    None,
    /// A reused connection that failed before any byte of the request was written, any method
    /// (hyper-util's `retry_canceled_requests`, reqwest, httpx).
    Unwritten,
    /// Go's `net/http` transport (`persistConn.shouldRetryRequest`): on a reused connection,
    /// nothing written (any method: the body can be rewound), or a replayable request (GET,
    /// HEAD, OPTIONS, TRACE, or one with `Idempotency-Key`/`X-Idempotency-Key`) that failed
    /// before the first response byte.
    Go,
    /// Java's HttpClient: a reused connection that failed before the response, GET and HEAD
    /// only, once per request.
    Idempotent,
    /// OkHttp's `retryOnConnectionFailure`: a reused connection that failed before the
    /// response, any method.
    BeforeResponse,
}

words!(SilentRetry {
    None => "none",
    Unwritten => "unwritten",
    Go => "go",
    Idempotent => "idempotent",
    BeforeResponse => "before-response",
});

/// The lowest TLS version a client accepts (`tls_min_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

words!(TlsVersion { Tls12 => "1.2", Tls13 => "1.3" });

/// How a configuration speaks TLS to an `https://` target (the mock's with `[mock] tls`).
#[derive(Debug, Clone, PartialEq)]
pub struct TlsPlan {
    /// Limit on the TLS handshake, from the TCP connect's end (Go's `TLSHandshakeTimeout`):
    /// `tls_handshake_timeout` when it fires. `None`: no limit of its own.
    pub handshake_timeout: Option<Duration>,
    /// Whether the server's certificate is checked (chain, name, dates).
    pub verify: bool,
    /// PEM certificates trusted besides the built-in roots (Mozilla's) and the mock's own CA,
    /// resolved against the scenario's folder.
    pub ca_file: Option<std::path::PathBuf>,
    /// Whether a new connection resumes an earlier TLS session (tickets or session ids).
    pub session_resumption: bool,
    pub min_version: TlsVersion,
}

impl Default for TlsPlan {
    /// rustls's defaults, and Go's: verify, resume, TLS 1.2 and up, no handshake limit of its
    /// own (Go's `http.DefaultTransport` sets 10 s; the go preset does).
    fn default() -> Self {
        TlsPlan {
            handshake_timeout: None,
            verify: true,
            ca_file: None,
            session_resumption: true,
            min_version: TlsVersion::Tls12,
        }
    }
}

/// One client configuration under test (`[[client]]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientPlan {
    pub name: String,
    /// The preset whose defaults filled the knobs the configuration does not set.
    pub preset: Option<&'static str>,
    pub http: HttpVersion,
    pub keep_alive: bool,
    /// Idle pooled connections older than this are closed (`None`: never). Default 90s.
    pub pool_idle_timeout: Option<Duration>,
    /// Whether a timer closes idle connections as they reach `pool_idle_timeout` (true), or
    /// only a request finding them does (hyper-util without a pool timer).
    pub idle_reaper: bool,
    /// Idle connections kept per host. Default unlimited.
    pub pool_max_idle_per_host: usize,
    pub pool_order: PoolOrder,
    /// Connections open at once per host, idle or busy (`None`: unlimited). Requests beyond it wait.
    pub max_conns_per_host: Option<usize>,
    pub connect_timeout: Option<Duration>,
    /// TCP keep-alive probes on every connection after this idle time (`None`: off).
    pub tcp_keepalive: Option<Duration>,
    /// HTTP/2: connections per host per worker, which requests take in turn. Default 1.
    pub h2_connections: usize,
    /// HTTP/2: a PING this often, in flight and idle (`None`: none, hyper's default).
    pub h2_keepalive_interval: Option<Duration>,
    /// HTTP/2: a PING unanswered this long ends the connection, failing its streams with
    /// `ping_timeout`. Default 20s (hyper's).
    pub h2_keepalive_timeout: Duration,
    /// Limit on one attempt: waiting for a connection, connecting, sending, reading the body.
    pub request_timeout: Option<Duration>,
    /// Limit from the request's last byte written to the response head's end (Go's
    /// `ResponseHeaderTimeout`, undici's `headersTimeout`): `read_timeout` when it fires.
    pub response_header_timeout: Option<Duration>,
    /// Longest silence while waiting for any byte of the response (httpx's and OkHttp's read
    /// timeouts, undici's `bodyTimeout`): `read_timeout` when it fires.
    pub read_timeout: Option<Duration>,
    /// With `Expect: 100-continue` on the request: how long to wait for the server's answer
    /// before sending the body anyway (`None`: the body goes at once, as Go does with 0).
    pub expect_continue_timeout: Option<Duration>,
    pub silent_retry: SilentRetry,
    pub read_body: ReadBody,
    pub retries: RetryPlan,
    /// A response head (status line and header fields; every informational head of an exchange
    /// counted) larger than this ends the request as `response_too_large`. Default 256 KiB.
    pub max_response_header_bytes: usize,
    /// A response body larger than this ends the request as `response_too_large`. Default 64 MiB.
    pub max_response_body_bytes: u64,
    /// TLS, for an `https://` target.
    pub tls: TlsPlan,
    /// How a named target is looked up (`None`: the default the run picks, Go's pure resolver).
    pub resolver: Option<ResolverPlan>,
}

/// `max_response_header_bytes`: the default (the HTTP/1.1 parser's own bound, as before the
/// knob) and the least a scenario may set; the most is its row in `scenario::ceilings`.
pub const RESPONSE_HEADER_BYTES: (usize, i64) = (256 * 1024, 1024);
/// `max_response_body_bytes`: the default and the least a scenario may set (bodies are
/// skipped, never held, so its ceiling bounds time, not memory).
pub const RESPONSE_BODY_BYTES: (u64, i64) = (64 * 1024 * 1024, 0);

impl ClientPlan {
    /// hyper-util's legacy client defaults, the documented defaults of the client under test.
    pub fn defaults(name: impl Into<String>) -> Self {
        ClientPlan {
            name: name.into(),
            preset: None,
            http: HttpVersion::Http1,
            keep_alive: true,
            pool_idle_timeout: Some(Duration::from_secs(90)),
            idle_reaper: true,
            pool_max_idle_per_host: usize::MAX,
            pool_order: PoolOrder::Lifo,
            max_conns_per_host: None,
            connect_timeout: None,
            tcp_keepalive: None,
            h2_connections: 1,
            h2_keepalive_interval: None,
            h2_keepalive_timeout: Duration::from_secs(20),
            request_timeout: None,
            response_header_timeout: None,
            read_timeout: None,
            expect_continue_timeout: None,
            silent_retry: SilentRetry::None,
            read_body: ReadBody::Full,
            retries: RetryPlan::default(),
            max_response_header_bytes: RESPONSE_HEADER_BYTES.0,
            max_response_body_bytes: RESPONSE_BODY_BYTES.0,
            tls: TlsPlan::default(),
            resolver: None,
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn plan(target: &str, phases: &str) -> super::Plan {
        let src =
            format!("name = \"t\"\n[target]\n{target}\n{phases}[[client]]\nname = \"a\"\n[[client]]\nname = \"b\"\n");
        crate::scenario::parse(&src, Path::new("t.toml")).unwrap_or_else(|d| panic!("{d}"))
    }

    const PHASES: &str = "[[phase]]\nduration = \"10s\"\nshape = { kind = \"ramp\", from = 0, to = 200 }\n[[phase]]\nduration = \"5s\"\nshape = { kind = \"constant\", rate = 50 }\n[[phase]]\nduration = \"30s\"\nconcurrency = 8\n";

    /// dns faults a run cannot meet (nothing looks a name up) are said before it starts.
    #[test]
    fn dns_faults_without_a_name_to_look_up_are_warned_of() {
        let fault = "[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\n";
        let unnamed = plan("mock = true", &format!("{PHASES}{fault}"));
        assert!(
            unnamed.warnings().iter().any(|w| w.contains("no configuration looks a name up")),
            "{:?}",
            unnamed.warnings()
        );
        let named = plan("mock = true\n[dns]\nmock_name = \"up.test\"", &format!("{PHASES}{fault}"));
        assert_eq!(named.warnings(), Vec::<String>::new());
    }

    #[test]
    fn a_remote_target_gets_one_notice_with_the_load_it_will_receive() {
        let remote = plan("url = \"http://example.com:8080/api\"", PHASES);
        let load = remote.planned_load();
        assert_eq!((load.peak_rate, load.open_requests), (200.0, 1_250.0));
        assert_eq!((load.closed_users, load.closed_duration.as_secs()), (8, 30));
        assert_eq!(
            remote.remote_target_notice(2).as_deref(),
            Some(
                "notice: http://example.com:8080/api is not on this machine; this run (2 configurations) sends it \
                 up to 200 requests/s, 2500 requests in all, and 8 users sending back to back for 1m"
            )
        );
        for local in [
            "mock = true",
            "url = \"http://127.0.0.1:1/\"",
            "url = \"http://127.8.0.3:1/\"",
            "url = \"http://localhost:1/\"",
            "url = \"http://[::1]:1/\"",
        ] {
            assert_eq!(plan(local, PHASES).remote_target_notice(2), None, "{local} is this machine");
        }
        let served =
            "url = \"http://upstream.test:1/\"\n[dns]\nrecords = [{ name = \"upstream.test\", a = \"127.0.0.1\" }]";
        assert_eq!(plan(served, PHASES).remote_target_notice(2), None, "[dns] serves it on this machine");
        let served_far =
            "url = \"http://upstream.test:1/\"\n[dns]\nrecords = [{ name = \"upstream.test\", a = \"10.1.1.1\" }]";
        for far in [
            "url = \"http://10.0.0.1/\"",
            "url = \"http://[::2]:1/\"",
            "url = \"http://localhost.example.com/\"",
            served_far,
        ] {
            assert!(plan(far, PHASES).remote_target_notice(1).is_some(), "{far} is not this machine");
        }
    }
}
