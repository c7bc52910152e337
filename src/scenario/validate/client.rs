//! `[[client]]`: the HTTP version, the connection pool, timeouts, retries and the resolver.

use super::diagnostic::Cx;
use super::suggest::{did_you_mean, quoted_list, suggestion};
use crate::record::ErrorKind;
use crate::scenario::plan::{
    CachePlan, ClientPlan, HttpVersion, PoolOrder, QueryPlan, ReadBody, ResolverPlan, RetryOn, RetryPlan, SilentRetry,
    Strategy, TlsPlan, TlsVersion, RESPONSE_BODY_BYTES, RESPONSE_HEADER_BYTES,
};
use crate::scenario::presets::{self, PRESETS};
use crate::scenario::raw::{RawClient, RawResolver, RawRetries};
use crate::vocabulary::{duration_str, Words};

/// The presets' names as a hint lists them.
fn preset_names() -> String {
    quoted_list(PRESETS.iter().map(|p| p.name))
}

/// Failures a client can meet and retry on (overflow and unfinished never reach a client).
const RETRYABLE_EXTRA: &[&str] = &["closed", "5xx"];

impl Cx<'_> {
    pub(super) fn client(&mut self, i: usize, raw: Option<&RawClient>) -> ClientPlan {
        let f = |name: &str| format!("client[{i}].{name}");
        let Some(raw) = raw else {
            return ClientPlan::defaults("");
        };
        let name = match &raw.name {
            None => {
                self.error_hint(&format!("client[{i}]"), "missing field \"name\"", "e.g. name = \"default\"");
                String::new()
            }
            Some(n) => {
                if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                    self.error_hint(
                        &f("name"),
                        format!("\"{n}\" may contain only letters, digits, '-', '_' and '.'"),
                        "client names label results and report columns",
                    );
                }
                n.clone()
            }
        };
        let mut plan = match raw.preset.as_deref() {
            None => ClientPlan::defaults(name),
            Some(word) => match presets::find(word) {
                Some(preset) => preset.plan(name),
                None => {
                    let hint = did_you_mean(word, PRESETS.iter().map(|p| p.name)).unwrap_or_else(|| {
                        format!("one of {} (`chaosload presets` lists their values)", preset_names())
                    });
                    self.report(&f("preset"), format!("unknown preset \"{word}\""), Some(hint));
                    ClientPlan::defaults(name)
                }
            },
        };
        if let Some(word) = raw.http.as_deref() {
            match HttpVersion::from_word(word) {
                Some(http) => plan.http = http,
                None => self.error_hint(
                    &f("http"),
                    format!("unknown HTTP version \"{word}\""),
                    "\"1\" (HTTP/1.1) or \"2\" (HTTP/2 with prior knowledge, h2c)",
                ),
            }
        }
        plan.keep_alive = raw.keep_alive.unwrap_or(plan.keep_alive);
        if plan.http == HttpVersion::Http2 && !plan.keep_alive {
            self.error_hint(
                &f("keep_alive"),
                "keep_alive = false is not available with http = \"2\"",
                "HTTP/2 multiplexes every request on one connection; compare keep-alive on and off with http = \"1\"",
            );
        }
        if let Some(t) = &raw.pool_idle_timeout {
            plan.pool_idle_timeout = self.timeout(&f("pool_idle_timeout"), t);
        }
        plan.idle_reaper = raw.idle_reaper.unwrap_or(plan.idle_reaper);
        if let Some(word) = raw.pool_order.as_deref() {
            plan.pool_order = self.choice(&f("pool_order"), word, PoolOrder::WORDS).unwrap_or(plan.pool_order);
        }
        if let Some(word) = raw.silent_retry.as_deref() {
            plan.silent_retry = self.choice(&f("silent_retry"), word, SilentRetry::WORDS).unwrap_or(plan.silent_retry);
        }
        if let Some(n) = &raw.pool_max_idle_per_host {
            plan.pool_max_idle_per_host =
                self.limit(&f("pool_max_idle_per_host"), n, 0).flatten().unwrap_or(usize::MAX);
        }
        if let Some(n) = &raw.max_conns_per_host {
            plan.max_conns_per_host = self.limit(&f("max_conns_per_host"), n, 1).flatten();
        }
        if let Some(t) = &raw.connect_timeout {
            plan.connect_timeout = self.timeout(&f("connect_timeout"), t);
        }
        if let Some(t) = &raw.tcp_keepalive {
            plan.tcp_keepalive = self.timeout(&f("tcp_keepalive"), t);
        }
        if let Some(n) = raw.h2_connections {
            plan.h2_connections = self.count(&f("h2_connections"), n, 1).unwrap_or(plan.h2_connections);
        }
        if let Some(t) = &raw.h2_keepalive_interval {
            plan.h2_keepalive_interval = self.timeout(&f("h2_keepalive_interval"), t);
        }
        if let Some(t) = &raw.h2_keepalive_timeout {
            plan.h2_keepalive_timeout =
                self.positive_duration(&f("h2_keepalive_timeout"), t).unwrap_or(plan.h2_keepalive_timeout);
        }
        // On HTTP/1 they are refused unless left at their defaults (as a normalized scenario
        // writes every knob out).
        let defaults = ClientPlan::defaults("");
        let h2_keys = [
            ("h2_connections", plan.h2_connections != defaults.h2_connections),
            ("h2_keepalive_interval", plan.h2_keepalive_interval != defaults.h2_keepalive_interval),
            ("h2_keepalive_timeout", plan.h2_keepalive_timeout != defaults.h2_keepalive_timeout),
        ];
        if plan.http != HttpVersion::Http2 {
            for (key, _) in h2_keys.iter().filter(|(_, set)| *set) {
                self.error_hint(&f(key), format!("{key} applies to HTTP/2 connections only"), "set http = \"2\"");
            }
        }
        if let Some(t) = &raw.request_timeout {
            plan.request_timeout = self.timeout(&f("request_timeout"), t);
        }
        if let Some(t) = &raw.response_header_timeout {
            plan.response_header_timeout = self.timeout(&f("response_header_timeout"), t);
        }
        if let Some(t) = &raw.read_timeout {
            plan.read_timeout = self.timeout(&f("read_timeout"), t);
        }
        if let Some(t) = &raw.expect_continue_timeout {
            plan.expect_continue_timeout = self.timeout(&f("expect_continue_timeout"), t);
        }
        if let Some(word) = raw.read_body.as_deref() {
            match ReadBody::from_word(word) {
                Some(read_body) => plan.read_body = read_body,
                None => {
                    let hint = suggestion(word, ReadBody::WORDS.iter().map(|(w, _)| *w));
                    let message = format!("read_body must be \"full\" or \"none\", got \"{word}\"");
                    self.report(&f("read_body"), message, hint);
                }
            }
        }
        if let Some(r) = &raw.retries {
            plan.retries = self.retries(&f("retries"), r);
        }
        let (_, least) = RESPONSE_HEADER_BYTES;
        if let Some(n) = raw.max_response_header_bytes {
            if let Some(n) = self.count(&f("max_response_header_bytes"), n, least) {
                plan.max_response_header_bytes = n;
            }
        }
        let (_, least) = RESPONSE_BODY_BYTES;
        if let Some(n) = raw.max_response_body_bytes {
            if let Some(n) = self.count(&f("max_response_body_bytes"), n, least) {
                plan.max_response_body_bytes = n as u64;
            }
        }
        self.tls(i, raw, &mut plan.tls);
        if let Some(r) = &raw.resolver {
            plan.resolver = self.resolver(&f("resolver"), r);
        }
        plan
    }

    /// The TLS knobs. `ca_file` is read now, so that a missing or unreadable file, or one
    /// holding no certificate, is reported at its key rather than when the run connects.
    fn tls(&mut self, i: usize, raw: &RawClient, tls: &mut TlsPlan) {
        let f = |name: &str| format!("client[{i}].{name}");
        if let Some(t) = &raw.tls_handshake_timeout {
            tls.handshake_timeout = self.timeout(&f("tls_handshake_timeout"), t);
        }
        tls.verify = raw.tls_verify.unwrap_or(tls.verify);
        tls.session_resumption = raw.tls_session_resumption.unwrap_or(tls.session_resumption);
        if let Some(word) = raw.tls_min_version.as_deref() {
            tls.min_version = self.choice(&f("tls_min_version"), word, TlsVersion::WORDS).unwrap_or(tls.min_version);
        }
        if let Some(file) = raw.ca_file.as_deref() {
            let path = self.file.parent().unwrap_or(std::path::Path::new("")).join(file);
            match crate::client::tls::read_certificates(&path) {
                Ok(_) => tls.ca_file = Some(path),
                Err(e) => self.error_hint(
                    &f("ca_file"),
                    format!("{}: {e}", path.display()),
                    "a PEM file of the certificates to trust (BEGIN CERTIFICATE blocks), relative to the scenario's folder",
                ),
            }
        }
    }

    /// `resolver = { kind = "uncached" | "cached" | "system", … }`: the kind's keys, each
    /// defaulted; a key of another kind is reported at that key.
    fn resolver(&mut self, field: &str, raw: &RawResolver) -> Option<ResolverPlan> {
        let f = |key: &str| format!("{field}.{key}");
        const KINDS: &[(&str, Kind)] =
            &[("uncached", Kind::Uncached), ("cached", Kind::Cached), ("system", Kind::System)];
        let kind = match raw.kind.as_deref() {
            None => {
                self.error_hint(field, "missing field \"kind\"", "kind = \"uncached\", \"cached\" or \"system\"");
                return None;
            }
            Some(word) => self.choice(&f("kind"), word, KINDS)?,
        };
        let query_keys = [
            ("timeout", raw.timeout.is_some()),
            ("attempts", raw.attempts.is_some()),
            ("servers", raw.servers.is_some()),
            ("strategy", raw.strategy.is_some()),
            ("coalesce", raw.coalesce.is_some()),
        ];
        let cache_keys = [
            ("min_ttl", raw.min_ttl.is_some()),
            ("max_ttl", raw.max_ttl.is_some()),
            ("negative", raw.negative.is_some()),
            ("serve_stale", raw.serve_stale.is_some()),
        ];
        let refused: Vec<&str> = match kind {
            Kind::System => query_keys.iter().chain(&cache_keys).filter(|(_, set)| *set).map(|(k, _)| *k).collect(),
            Kind::Uncached => cache_keys.iter().filter(|(_, set)| *set).map(|(k, _)| *k).collect(),
            Kind::Cached => Vec::new(),
        };
        for key in &refused {
            let hint = match kind {
                Kind::System => {
                    "\"system\" asks getaddrinfo, which reads the machine's own resolv.conf: it takes no other key"
                }
                _ => "the cache's keys need kind = \"cached\"",
            };
            self.error_hint(&f(key), format!("{key} does not apply to kind \"{}\"", kind.word()), hint);
        }
        let query = self.query_plan(field, raw);
        let plan = match kind {
            Kind::System => ResolverPlan::System,
            Kind::Uncached => ResolverPlan::Uncached(query),
            Kind::Cached => ResolverPlan::Cached(self.cache_plan(field, raw, query)),
        };
        refused.is_empty().then_some(plan)
    }

    fn query_plan(&mut self, field: &str, raw: &RawResolver) -> QueryPlan {
        let f = |key: &str| format!("{field}.{key}");
        let mut plan = QueryPlan::default();
        if let Some(t) = &raw.timeout {
            plan.timeout = self.positive_duration(&f("timeout"), t).unwrap_or(plan.timeout);
        }
        if let Some(n) = raw.attempts {
            plan.attempts = self.count(&f("attempts"), n, 1).map_or(plan.attempts, |n| n as u32);
        }
        if let Some(n) = raw.servers {
            plan.servers = self.count(&f("servers"), n, 1).unwrap_or(plan.servers);
        }
        if let Some(word) = raw.strategy.as_deref() {
            plan.strategy = self.choice(&f("strategy"), word, Strategy::WORDS).unwrap_or(plan.strategy);
        }
        plan.coalesce = raw.coalesce.unwrap_or(plan.coalesce);
        plan
    }

    fn cache_plan(&mut self, field: &str, raw: &RawResolver, query: QueryPlan) -> CachePlan {
        let f = |key: &str| format!("{field}.{key}");
        let mut plan = CachePlan { query, ..CachePlan::default() };
        if let Some(t) = &raw.min_ttl {
            plan.min_ttl = self.duration(&f("min_ttl"), t).unwrap_or(plan.min_ttl);
        }
        if let Some(t) = &raw.max_ttl {
            plan.max_ttl = self.duration(&f("max_ttl"), t).unwrap_or(plan.max_ttl);
        }
        if plan.max_ttl < plan.min_ttl {
            let (min, max) = (duration_str(plan.min_ttl), duration_str(plan.max_ttl));
            let at = if raw.max_ttl.is_some() { f("max_ttl") } else { f("min_ttl") };
            self.error_hint(
                &at,
                format!("max_ttl ({max}) is below min_ttl ({min})"),
                "record TTLs are clamped to min_ttl..=max_ttl",
            );
        }
        plan.negative = raw.negative.unwrap_or(plan.negative);
        if let Some(t) = &raw.serve_stale {
            plan.serve_stale = match self.opt_duration(&f("serve_stale"), t) {
                Some(Some(d)) if d.is_zero() => {
                    self.error_hint(&f("serve_stale"), "must be longer than 0s", "use \"none\" to serve nothing stale");
                    None
                }
                Some(d) => d,
                None => None,
            };
        }
        plan
    }

    /// Refuses `resolver.kind = "system"` for a client whose target is a name `[dns]` serves:
    /// getaddrinfo asks the machine's resolver, which never asks the stub, so its figures would
    /// not be about the stub's names or faults. `target_host` is the name the target is reached
    /// by (a URL's host, or the mock's name); `served` the names the stub answers for.
    pub(super) fn system_cannot_reach(&mut self, clients: &[ClientPlan], target_host: Option<&str>, served: &[String]) {
        let Some(host) = target_host.map(|h| h.trim_end_matches('.').to_ascii_lowercase()) else { return };
        if !served.iter().any(|name| name.trim_end_matches('.').eq_ignore_ascii_case(&host)) {
            return;
        }
        for (i, client) in clients.iter().enumerate() {
            if client.resolver == Some(ResolverPlan::System) {
                self.error_hint(
                    &format!("client[{i}].resolver.kind"),
                    format!("the system resolver cannot reach \"{host}\", which [dns] serves"),
                    "getaddrinfo asks the machine's own resolver, never the stub: use kind = \"uncached\" or \"cached\"",
                );
            }
        }
    }
}

impl Cx<'_> {
    /// The names `[dns]` serves, as the document writes them (`records[].name` and `mock_name`),
    /// and `mock_name`: read from the spanned tree, so this works whatever `[dns]`'s own
    /// validation makes of the rest. Empty without `[dns]`.
    pub(super) fn dns_names_in_document(&self) -> (Vec<String>, Option<String>) {
        use toml::de::DeValue;
        let Some(DeValue::Table(dns)) = self.doc.get("dns").map(|v| v.get_ref()) else { return (Vec::new(), None) };
        let text = |v: Option<&toml::Spanned<DeValue>>| match v.map(|v| v.get_ref()) {
            Some(DeValue::String(s)) => Some(s.to_string()),
            _ => None,
        };
        let mut names = Vec::new();
        if let Some(DeValue::Array(records)) = dns.get("records").map(|v| v.get_ref()) {
            for record in records {
                if let DeValue::Table(record) = record.get_ref() {
                    names.extend(text(record.get("name")));
                }
            }
        }
        let mock_name = text(dns.get("mock_name"));
        names.extend(mock_name.clone());
        (names, mock_name)
    }
}

/// The resolver kinds, as `resolver.kind` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Uncached,
    Cached,
    System,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Uncached => "uncached",
            Kind::Cached => "cached",
            Kind::System => "system",
        }
    }
}

impl Cx<'_> {
    fn retries(&mut self, field: &str, raw: &RawRetries) -> RetryPlan {
        let mut plan = RetryPlan::default();
        if let Some(max) = raw.max {
            if let Some(m) = self.count(&format!("{field}.max"), max, 0) {
                plan.max = m as u32; // at most its ceiling, 100
            }
        }
        for (j, name) in raw.on.iter().flatten().enumerate() {
            let kind = if name == "5xx" { Some(RetryOn::Status5xx) } else { ErrorKind::parse(name).map(retry_on) };
            match kind {
                Some(RetryOn::Status(code)) if code < 400 => {
                    self.error(&format!("{field}.on[{j}]"), format!("status {code} is not a failure"));
                }
                Some(RetryOn::Error(k @ (ErrorKind::Overflow | ErrorKind::Unfinished))) => {
                    self.error(&format!("{field}.on[{j}]"), format!("\"{k}\" is not a failure a client can retry"));
                }
                Some(k) => plan.on.push(k),
                None => {
                    let names: Vec<String> = retryable_names();
                    let hint = did_you_mean(name, names.iter().map(String::as_str)).unwrap_or_else(|| {
                        format!(
                            "expected one of {}, or http_NNN for one status",
                            quoted_list(names.iter().map(String::as_str))
                        )
                    });
                    self.error_hint(&format!("{field}.on[{j}]"), format!("unknown failure kind \"{name}\""), hint);
                }
            }
        }
        if let Some(b) = &raw.backoff {
            plan.backoff = self.duration(&format!("{field}.backoff"), b).unwrap_or_default();
        }
        plan
    }
}

fn retry_on(kind: ErrorKind) -> RetryOn {
    match kind {
        ErrorKind::HttpStatus(code) => RetryOn::Status(code),
        other => RetryOn::Error(other),
    }
}

fn retryable_names() -> Vec<String> {
    let transport = ErrorKind::TRANSPORT.iter().filter(|k| !matches!(k, ErrorKind::Overflow | ErrorKind::Unfinished));
    transport.map(|k| k.name()).chain(RETRYABLE_EXTRA.iter().map(|s| s.to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::scenario::validate::validate;
    use crate::scenario::Overrides;
    use std::path::Path;

    #[test]
    fn h2_knobs_reach_the_plan_and_apply_to_http2_only() {
        let plan = ok(&client(
            "http = \"2\"\nh2_connections = 4\nh2_keepalive_interval = \"10s\"\nh2_keepalive_timeout = \"2s\"\n\
             retries = { on = [\"refused_stream\", \"goaway\", \"stream_reset\", \"ping_timeout\"] }",
        ));
        let c = plan.clients.last().unwrap();
        let secs = std::time::Duration::from_secs;
        assert_eq!((c.h2_connections, c.h2_keepalive_interval, c.h2_keepalive_timeout), (4, Some(secs(10)), secs(2)));
        assert_eq!(c.retries.on.len(), 4);
        assert_eq!(
            errs(&client("h2_connections = 2\nh2_keepalive_timeout = \"0s\"")),
            [
                "9:18 client[0].h2_connections: h2_connections applies to HTTP/2 connections only",
                "10:24 client[0].h2_keepalive_timeout: must be longer than 0s",
            ]
        );
        assert_eq!(
            errs(&client("http = \"2\"\nh2_connections = 0")),
            ["10:18 client[0].h2_connections: must be ≥ 1, got 0"]
        );
    }

    #[test]
    fn client_values_and_retries() {
        assert_eq!(
            errs(&client("http = \"3\"\nread_body = \"nope\"")),
            [
                "9:8 client[0].http: unknown HTTP version \"3\"",
                "10:13 client[0].read_body: read_body must be \"full\" or \"none\", got \"nope\""
            ]
        );
        let src = client(
            "retries = { max = -1, on = [\"rst\", \"http_200\", \"unfinished\", \"http_503\"], backoff = \"0s\" }",
        );
        assert_eq!(
            errs(&src),
            [
                "9:19 client[0].retries.max: must be ≥ 0, got -1",
                "9:29 client[0].retries.on[0]: unknown failure kind \"rst\"",
                "9:36 client[0].retries.on[1]: status 200 is not a failure",
                "9:48 client[0].retries.on[2]: \"unfinished\" is not a failure a client can retry",
            ]
        );
        assert_eq!(hints(&src), ["did you mean \"reset\"?"]);
        let hint = hints(&client("retries = { on = [\"timeout\"] }")).remove(0);
        assert!(hint.contains("\"request_timeout\"") && hint.ends_with("or http_NNN for one status"), "{hint}");
        assert_eq!(
            errs(&client("http = \"2\"\nkeep_alive = false")),
            ["10:14 client[0].keep_alive: keep_alive = false is not available with http = \"2\""]
        );
        assert_eq!(
            errs(&client("max_response_header_bytes = 100\nmax_response_body_bytes = -1")),
            [
                "9:29 client[0].max_response_header_bytes: must be ≥ 1024, got 100",
                "10:27 client[0].max_response_body_bytes: must be ≥ 0, got -1",
            ]
        );
        assert_eq!(
            errs(&client("max_response_header_bytes = 16777217\nmax_response_body_bytes = 1099511627777")),
            [
                "9:29 client[0].max_response_header_bytes: 16777217 is above the ceiling of 16 MiB",
                "10:27 client[0].max_response_body_bytes: 1099511627777 is above the ceiling of 1024 GiB",
            ]
        );
        let caps = ok(&client("max_response_header_bytes = 2048\nmax_response_body_bytes = 0"));
        assert_eq!((caps.clients[0].max_response_header_bytes, caps.clients[0].max_response_body_bytes), (2048, 0));
        assert_eq!(
            errs(&format!("threads = 4\n{}", client("max_conns_per_host = 2"))),
            ["10:22 client[0].max_conns_per_host: max_conns_per_host (2) is below threads (4)"]
        );
    }

    #[test]
    fn resolver_kinds_defaults_and_round_trip() {
        use crate::scenario::plan::{CachePlan, QueryPlan, ResolverPlan, Strategy};
        use std::time::Duration;
        assert_eq!(ok(&client("")).clients[0].resolver, None, "left out: the run's default");
        let plan = ok(&client("resolver = { kind = \"uncached\" }"));
        assert_eq!(plan.clients[0].resolver, Some(ResolverPlan::Uncached(QueryPlan::default())));
        assert_round_trip(&plan);
        let json = plan.normalized();
        assert_eq!(
            json["client"][0]["resolver"],
            serde_json::json!({ "kind": "uncached", "timeout": "5s", "attempts": 2, "servers": 1,
                                "strategy": "sequential", "coalesce": true })
        );
        let plan = ok(&client(
            "resolver = { kind = \"cached\", timeout = \"100ms\", attempts = 3, servers = 2, strategy = \"parallel\", \
             coalesce = false, min_ttl = \"1s\", max_ttl = \"10m\", negative = false, serve_stale = \"1h\" }",
        ));
        let query = QueryPlan {
            timeout: Duration::from_millis(100),
            attempts: 3,
            servers: 2,
            strategy: Strategy::Parallel,
            coalesce: false,
        };
        let cached = CachePlan {
            query,
            min_ttl: Duration::from_secs(1),
            max_ttl: Duration::from_secs(600),
            negative: false,
            serve_stale: Some(Duration::from_secs(3600)),
        };
        assert_eq!(plan.clients[0].resolver, Some(ResolverPlan::Cached(cached)));
        assert_round_trip(&plan);
        let defaults = ok(&client("resolver = { kind = \"cached\" }"));
        assert_eq!(defaults.normalized()["client"][0]["resolver"]["serve_stale"], "none");
        assert_eq!(defaults.normalized()["client"][0]["resolver"]["max_ttl"], "1h");
        assert_round_trip(&defaults);
        // getaddrinfo: for a name the stub does not serve (it asks the machine's own resolver).
        let system = ok("name = \"t\"\n[target]\nurl = \"http://localhost:1/\"\n[[phase]]\nduration = \"1s\"\n\
                         concurrency = 1\n[[client]]\nname = \"c\"\nresolver = { kind = \"system\" }\n");
        assert_eq!(system.clients[0].resolver, Some(ResolverPlan::System));
        assert_eq!(system.normalized()["client"][0]["resolver"], serde_json::json!({ "kind": "system" }));
        assert_round_trip(&system);
    }

    #[test]
    fn resolver_mistakes_are_reported_at_their_key() {
        assert_eq!(
            errs(&client("resolver = { kind = \"uncahced\" }")),
            ["9:21 client[0].resolver.kind: kind must be \"uncached\", \"cached\" or \"system\", got \"uncahced\""]
        );
        assert_eq!(hints(&client("resolver = { kind = \"uncahced\" }")), ["did you mean \"uncached\"?"]);
        assert_eq!(
            errs(&client("resolver = { timeout = \"1s\" }")),
            ["9:12 client[0].resolver: missing field \"kind\""]
        );
        assert_eq!(
            errs(&client("resolver = { kind = \"uncached\", timeuot = \"1s\" }")),
            ["9:33 client[0].resolver: unknown field \"timeuot\""]
        );
        assert_eq!(
            errs(&client(
                "resolver = { kind = \"uncached\", timeout = 5, attempts = 0, servers = 4, strategy = \"paralel\", \
                 min_ttl = \"1s\" }"
            )),
            [
                "9:43 client[0].resolver.timeout: bare number 5 is not a duration",
                "9:57 client[0].resolver.attempts: must be ≥ 1, got 0",
                "9:70 client[0].resolver.servers: 4 is above the ceiling of 3",
                "9:84 client[0].resolver.strategy: strategy must be \"sequential\" or \"parallel\", got \"paralel\"",
                "9:105 client[0].resolver.min_ttl: min_ttl does not apply to kind \"uncached\"",
            ]
        );
        assert_eq!(
            errs(&client("resolver = { kind = \"system\", timeout = \"1s\" }")),
            ["9:41 client[0].resolver.timeout: timeout does not apply to kind \"system\""]
        );
        assert_eq!(
            errs(&client(
                "resolver = { kind = \"cached\", min_ttl = \"1m\", max_ttl = \"10s\", serve_stale = \"0s\" }"
            )),
            [
                "9:57 client[0].resolver.max_ttl: max_ttl (10s) is below min_ttl (1m)",
                "9:78 client[0].resolver.serve_stale: must be longer than 0s",
            ]
        );
        assert_eq!(
            errs(&client("resolver = { kind = \"cached\", timeout = \"2m\", max_ttl = \"2days\" }")),
            [
                "9:41 client[0].resolver.timeout: \"2m\" is above the ceiling of 1m",
                "9:57 client[0].resolver.max_ttl: \"2days\" is above the ceiling of 24h",
            ]
        );
    }

    #[test]
    fn system_is_refused_for_a_name_the_stub_serves() {
        let dns = "[dns]\nrecords = [{ name = \"Upstream.test\", a = \"127.0.0.1\" }]\n";
        let scenario = |target: &str, resolver: &str| {
            format!(
                "name = \"t\"\n[target]\n{target}\n{dns}[[phase]]\nduration = \"1s\"\nconcurrency = 1\n\
                 [[client]]\nname = \"a\"\nresolver = {{ kind = \"uncached\" }}\n[[client]]\nname = \"b\"\n{resolver}\n"
            )
        };
        let refused = |src: &str| -> Vec<String> {
            let found: Vec<String> = match validate(src, Path::new("t.toml"), &Overrides::default()) {
                Ok(_) => Vec::new(),
                Err(d) => d.0.iter().map(|d| format!("{}: {}", d.field, d.message)).collect(),
            };
            found.into_iter().filter(|m| m.contains("resolver")).collect()
        };
        assert_eq!(
            refused(&scenario("url = \"http://upstream.test:8080/\"", "resolver = { kind = \"system\" }")),
            ["client[1].resolver.kind: the system resolver cannot reach \"upstream.test\", which [dns] serves"]
        );
        assert!(refused(&scenario("url = \"http://other.test:8080/\"", "resolver = { kind = \"system\" }")).is_empty());
        assert!(
            refused(&scenario("url = \"http://upstream.test:8080/\"", "resolver = { kind = \"cached\" }")).is_empty()
        );
        let mock = "mock = true\n";
        let dns_mock =
            scenario(mock, "resolver = { kind = \"system\" }").replace("[dns]\n", "[dns]\nmock_name = \"svc.test\"\n");
        assert_eq!(
            refused(&dns_mock),
            ["client[1].resolver.kind: the system resolver cannot reach \"svc.test\", which [dns] serves"]
        );
    }
}
