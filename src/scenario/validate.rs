//! Raw scenario → `Plan`, reporting every problem at once as located [`Diagnostic`]s.
//!
//! The document is parsed into a spanned tree (`toml::de::DeTable`) first. Each top-level key and
//! each section (`[target]`, `[mock]`, `[mock.serverless]`, `[request]`, every `[[phase]]`,
//! `[[client]]`, `[[fault]]`) is then deserialized on its own into the `raw` types, so serde's
//! stop-at-first-error applies to one section only (a fault's unknown keys are all reported, then
//! dropped before it is deserialized). The semantic rules run on whatever deserialized and add their
//! own diagnostics. `validate_parts` runs the same rules on the sections the standalone servers use.
//!
//! Every diagnostic names the field it is about with a path (`phase[0].shape.rate`); the same path
//! finds its place in the spanned tree, so the rules never carry spans around themselves.

use super::plan::*;
use super::raw::*;
use super::Parts;
use crate::dist::Dist;
use crate::record::ErrorKind;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};
use serde::Deserialize;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

/// One problem in a scenario file, at `file:line:col` (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    /// The field concerned, as a path: `name`, `client[1].pool_idle_timeout`, `phase[0].shape.rate`.
    /// Empty for TOML syntax errors.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.col)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in one scenario file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

const DURATION_HINT: &str = "durations need a unit, e.g. \"250ms\" or \"2s\"";
/// Failures a client can meet and retry on (overflow and unfinished never reach a client).
const RETRYABLE_EXTRA: &[&str] = &["closed", "5xx"];

/// Validates `source`, the text of the scenario file `file` (used only in diagnostics).
pub fn validate(source: &str, file: &Path) -> Result<Plan, Diagnostics> {
    check(source, file, |cx| Plan { source: file.to_path_buf(), ..cx.scenario() })
}

/// Validates the parts of a configuration file that the standalone servers use (`seed`, `[mock]`,
/// `[mock.serverless]`, `[[fault]]`); the other scenario sections are ignored.
pub fn validate_parts(source: &str, file: &Path) -> Result<Parts, Diagnostics> {
    check(source, file, |cx| cx.parts())
}

/// Parses `source` and runs `build` on it; any diagnostic, syntax or semantic, fails the whole.
fn check<T>(source: &str, file: &Path, build: impl FnOnce(&mut Cx<'_>) -> T) -> Result<T, Diagnostics> {
    let (doc, syntax) = DeTable::parse_recoverable(source);
    let mut cx = Cx { src: source, file, doc: doc.get_ref(), diags: Vec::new() };
    if !syntax.is_empty() {
        for e in syntax {
            let span = e.span().unwrap_or(0..0);
            let message = format!("TOML syntax error: {}", e.message().replace('`', "'"));
            cx.push(span, String::new(), message, None);
        }
        return Err(cx.finish());
    }
    let out = build(&mut cx);
    if cx.diags.is_empty() {
        Ok(out)
    } else {
        Err(cx.finish())
    }
}

struct Cx<'a> {
    src: &'a str,
    file: &'a Path,
    doc: &'a DeTable<'a>,
    diags: Vec<Diagnostic>,
}

impl<'a> Cx<'a> {
    // ---- reporting -------------------------------------------------------------------------

    fn push(&mut self, span: Range<usize>, field: String, message: String, hint: Option<String>) {
        let before = self.src.get(..span.start).unwrap_or(self.src);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        self.diags.push(Diagnostic { file: self.file.to_path_buf(), line, col, field, message, hint });
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.report(field, message.into(), None);
    }

    fn error_hint(&mut self, field: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.report(field, message.into(), Some(hint.into()));
    }

    fn report(&mut self, field: &str, message: String, hint: Option<String>) {
        let span = self.locate(field);
        self.push(span, field.to_string(), message, hint);
    }

    fn finish(mut self) -> Diagnostics {
        self.diags.sort_by_key(|d| (d.line, d.col)); // stable: same place keeps rule order
        Diagnostics(self.diags)
    }

    /// The span of the deepest value along `field` (`phase[0].shape.rate`) present in the
    /// document: the value itself when present, else the table that lacks it (for `[[phase]]`, its
    /// header), else the start of the file.
    fn locate(&self, field: &str) -> Range<usize> {
        let mut span = 0..0;
        let mut node: Option<&DeValue> = None; // None: the document root
        'path: for segment in field.split('.') {
            let mut parts = segment.split('[');
            let key = parts.next().unwrap_or_default();
            let table = match node {
                None => self.doc,
                Some(DeValue::Table(t)) => t,
                Some(_) => break,
            };
            let Some((_, value)) = table.get_key_value(key) else {
                break;
            };
            span = value.span();
            node = Some(value.get_ref());
            for index in parts {
                let index: usize = index.trim_end_matches(']').parse().unwrap_or(usize::MAX);
                match node {
                    Some(DeValue::Array(a)) if index < a.len() => {
                        span = a[index].span();
                        node = Some(a[index].get_ref());
                    }
                    _ => break 'path,
                }
            }
        }
        span
    }

    /// Deserializes one section; a serde error becomes a diagnostic and `None`.
    fn section<T: for<'de> Deserialize<'de>>(&mut self, field: &str, value: &Spanned<DeValue<'a>>) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(t) => Some(t),
            Err(e) => {
                self.serde_error(field, value, &e);
                None
            }
        }
    }

    fn serde_error(&mut self, field: &str, value: &Spanned<DeValue<'a>>, e: &toml::de::Error) {
        let mut span = e.span().unwrap_or_else(|| value.span());
        let (suffix, node) = descend(value, &span);
        let path = format!("{field}{suffix}");
        let msg = e.message();
        if let Some((name, candidates)) = backticked(msg, "unknown field `") {
            if let DeValue::Table(t) = node.get_ref() {
                if let Some((key, _)) = t.get_key_value(name.as_str()) {
                    span = key.span();
                }
            }
            let hint = suggestion(&name, candidates.iter().map(String::as_str));
            self.push(span, path, format!("unknown field \"{name}\""), hint);
        } else if let Some((name, candidates)) = backticked(msg, "unknown variant `") {
            let tag = path.rsplit('.').next().unwrap_or("variant").to_string();
            let hint = suggestion(&name, candidates.iter().map(String::as_str));
            self.push(span, path, format!("unknown {tag} \"{name}\""), hint);
        } else {
            self.push(span, path, tidy(msg), None);
        }
    }

    // ---- the scenario ----------------------------------------------------------------------

    fn scenario(&mut self) -> Plan {
        let doc = self.doc;
        self.top_level_keys();

        let name = match doc.get("name") {
            None => {
                self.error_hint("name", "a scenario needs a name", "add name = \"my-scenario\" at the top");
                String::new()
            }
            Some(v) => match self.section::<String>("name", v) {
                Some(name) => {
                    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                        self.error_hint(
                            "name",
                            format!("\"{name}\" may contain only letters, digits, '-' and '_'"),
                            "the name becomes a directory under reports/",
                        );
                    }
                    name
                }
                None => String::new(),
            },
        };
        let seed = self.seed();
        let threads = match doc.get("threads").and_then(|v| self.section::<i64>("threads", v)) {
            Some(t) if !(1..=64).contains(&t) => {
                self.error("threads", format!("threads must be between 1 and 64, got {t}"));
                1
            }
            Some(t) => t as usize,
            None => 1,
        };
        let drain = match doc.get("drain").and_then(|v| self.section::<Scalar>("drain", v)) {
            Some(d) => self.duration("drain", &d).unwrap_or_default(),
            None => Duration::from_secs(5),
        };

        let target = match doc.get("target") {
            None => {
                self.error_hint(
                    "target",
                    "missing [target] section",
                    "add [target] with mock = true or url = \"http://host:port/path\"",
                );
                Target::Mock
            }
            Some(v) => self.section::<RawTarget>("target", v).map_or(Target::Mock, |t| self.target(&t)),
        };
        let mock = self.mock_section();
        if let (Target::Url(_), Some(DeValue::Table(table))) = (&target, doc.get("mock").map(|v| v.get_ref())) {
            let section =
                if table.iter().all(|(key, _)| key.get_ref() == "serverless") { "mock.serverless" } else { "mock" };
            self.error_hint(
                section,
                format!("[{section}] configures the built-in mock, but the target is a URL"),
                format!("set mock = true in [target], or remove [{section}]"),
            );
        }
        let base_request = match doc.get("request") {
            None => PartialRequest::default(),
            Some(v) => self
                .section::<RawRequest>("request", v)
                .map_or_else(PartialRequest::default, |r| self.request("request", &r)),
        };

        let mut phases = Vec::new();
        for (i, raw) in self.array::<RawPhase>("phase", "at least one [[phase]] is required") {
            phases.push(self.phase(i, raw.as_ref(), &base_request));
        }
        self.unique_names("phase", phases.iter().map(|p| p.name.as_str()));

        let mut clients = Vec::new();
        for (i, raw) in self.array::<RawClient>("client", "at least one [[client]] is required") {
            clients.push(self.client(i, raw.as_ref()));
        }
        for (i, client) in clients.iter().enumerate() {
            if let Some(cap) = client.max_conns_per_host.filter(|cap| *cap < threads) {
                self.error_hint(
                    &format!("client[{i}].max_conns_per_host"),
                    format!("max_conns_per_host ({cap}) is below threads ({threads})"),
                    "each load thread has its own pool and needs at least one connection: lower threads",
                );
            }
        }
        self.unique_names("client", clients.iter().map(|c| c.name.as_str()));

        let run = RunContext { target: &target, phases: phases.iter().map(|p| p.duration).sum(), drain };
        let faults = self.faults(Some(&run));

        Plan { name, seed, source: PathBuf::new(), target, mock, phases, clients, faults, drain, threads }
    }

    /// The parts of a standalone server's configuration: the scenario's other sections are ignored.
    fn parts(&mut self) -> Parts {
        self.top_level_keys();
        Parts { seed: self.seed(), mock: self.mock_section(), faults: self.faults(None) }
    }

    fn top_level_keys(&mut self) {
        for (key, _) in self.doc.iter() {
            let key_name: &str = key.get_ref();
            if !TOP_LEVEL_KEYS.contains(&key_name) {
                let hint = suggestion(key_name, TOP_LEVEL_KEYS.iter().copied());
                self.push(key.span(), key_name.to_string(), format!("unknown key \"{key_name}\""), hint);
            }
        }
    }

    fn seed(&mut self) -> u64 {
        match self.doc.get("seed").and_then(|v| self.section::<i64>("seed", v)) {
            Some(seed) if seed < 0 => {
                self.error("seed", format!("seed must be ≥ 0, got {seed}"));
                1
            }
            Some(seed) => seed as u64,
            None => 1,
        }
    }

    /// The entries of an array of tables (`[[phase]]`), each deserialized on its own; `None` for an
    /// entry that failed. `missing` is reported when the key is absent or empty (unless empty).
    fn array<T: for<'de> Deserialize<'de>>(&mut self, key: &str, missing: &str) -> Vec<(usize, Option<T>)> {
        let entries = self.array_values(key, missing);
        entries.into_iter().map(|(i, v)| (i, self.section::<T>(&format!("{key}[{i}]"), v))).collect()
    }

    /// The entries of an array of tables, not yet deserialized; see [`Cx::array`].
    fn array_values(&mut self, key: &str, missing: &str) -> Vec<(usize, &'a Spanned<DeValue<'a>>)> {
        let doc = self.doc;
        let entries = match doc.get(key).map(|v| v.get_ref()) {
            Some(DeValue::Array(a)) => a.iter().collect::<Vec<_>>(),
            Some(_) => {
                self.error_hint(
                    key,
                    format!("{key} must be an array of tables"),
                    format!("write [[{key}]], with double brackets"),
                );
                return Vec::new();
            }
            None => Vec::new(),
        };
        if entries.is_empty() && !missing.is_empty() {
            self.error_hint(key, missing, format!("add a [[{key}]] section"));
        }
        entries.into_iter().enumerate().collect()
    }

    fn unique_names<'n>(&mut self, key: &str, names: impl Iterator<Item = &'n str>) {
        let names: Vec<&str> = names.collect();
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            if let Some(first) = names[..i].iter().position(|n| n == name) {
                let field = if self.locate(&format!("{key}[{i}].name")) == self.locate(&format!("{key}[{i}]")) {
                    format!("{key}[{i}]")
                } else {
                    format!("{key}[{i}].name")
                };
                self.error_hint(
                    &field,
                    format!("duplicate {key} name \"{name}\""),
                    format!("{key}[{first}] is already named \"{name}\""),
                );
            }
        }
    }

    fn target(&mut self, raw: &RawTarget) -> Target {
        match (raw.mock, &raw.url) {
            (Some(true), Some(_)) => {
                self.error_hint("target.url", "mock = true and url are mutually exclusive", "keep one of them");
                Target::Mock
            }
            (Some(true), None) => Target::Mock,
            (_, Some(url)) => self.url(url).map_or(Target::Mock, Target::Url),
            (Some(false), None) => {
                self.error_hint(
                    "target.mock",
                    "mock = false and no url: nothing to send requests to",
                    "set mock = true for the built-in mock upstream, or url = \"http://host:port/path\"",
                );
                Target::Mock
            }
            (None, None) => {
                self.error_hint(
                    "target",
                    "[target] needs mock = true or url",
                    "e.g. url = \"http://127.0.0.1:8080/api\"",
                );
                Target::Mock
            }
        }
    }

    fn url(&mut self, url: &str) -> Option<http::Uri> {
        const FIELD: &str = "target.url";
        let uri: http::Uri = match url.parse() {
            Ok(uri) => uri,
            Err(e) => {
                self.error_hint(
                    FIELD,
                    format!("invalid URL \"{url}\": {e}"),
                    "e.g. url = \"http://127.0.0.1:8080/api\"",
                );
                return None;
            }
        };
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                self.error_hint(FIELD, "https targets are not supported", "not supported yet: use an http:// URL");
                return None;
            }
            _ => {
                self.error_hint(
                    FIELD,
                    format!("\"{url}\" is not an http:// URL"),
                    "e.g. url = \"http://127.0.0.1:8080/api\"",
                );
                return None;
            }
        }
        let host = uri.host().unwrap_or_default();
        if host.is_empty() {
            self.error_hint(FIELD, format!("\"{url}\" has no host"), "e.g. url = \"http://127.0.0.1:8080/api\"");
            return None;
        }
        let authority = format!("{host}:{}", uri.port_u16().unwrap_or(80));
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        http::Uri::builder().scheme("http").authority(authority).path_and_query(path).build().ok()
    }

    /// `[mock]` and `[mock.serverless]`, each deserialized on its own.
    fn mock_section(&mut self) -> MockPlan {
        let Some(value) = self.doc.get("mock") else {
            return MockPlan::default();
        };
        let mut plan = self.section::<RawMock>("mock", value).map_or_else(MockPlan::default, |m| self.mock(&m));
        if let DeValue::Table(table) = value.get_ref() {
            if let Some(serverless) = table.get("serverless") {
                plan.serverless =
                    self.section::<RawServerless>("mock.serverless", serverless).and_then(|s| self.serverless(&s));
            }
        }
        plan
    }

    fn mock(&mut self, raw: &RawMock) -> MockPlan {
        let mut plan = MockPlan::default();
        if let Some(latency) = &raw.latency {
            plan.latency = self.dist("mock.latency", latency).unwrap_or(Dist::ZERO);
        }
        if let Some(statuses) = &raw.status {
            if statuses.is_empty() {
                self.error_hint(
                    "mock.status",
                    "status needs at least one entry",
                    "e.g. status = [ { code = 200, weight = 1 } ]",
                );
            }
            plan.statuses = Vec::new();
            for (i, s) in statuses.iter().enumerate() {
                let field = format!("mock.status[{i}]");
                let code = match s.code {
                    None => {
                        self.error(&field, "missing field \"code\"");
                        None
                    }
                    Some(c) if !(100..=599).contains(&c) => {
                        self.error(&format!("{field}.code"), format!("status code {c} is outside 100..=599"));
                        None
                    }
                    Some(c) => Some(c as u16),
                };
                let weight = match s.weight {
                    Some(w) if !(1..=i64::from(u32::MAX)).contains(&w) => {
                        self.error_hint(
                            &format!("{field}.weight"),
                            format!("weight must be ≥ 1, got {w}"),
                            "remove the entry to never send this status",
                        );
                        None
                    }
                    w => Some(w.unwrap_or(1) as u32),
                };
                if let (Some(code), Some(weight)) = (code, weight) {
                    plan.statuses.push((code, weight));
                }
            }
        }
        if let Some(bytes) = raw.body_bytes {
            match usize::try_from(bytes) {
                Ok(b) => plan.body_bytes = b,
                Err(_) => self.error("mock.body_bytes", format!("body_bytes must be ≥ 0, got {bytes}")),
            }
        }
        if let Some(timeout) = &raw.keep_alive_timeout {
            plan.keep_alive_idle = self.timeout("mock.keep_alive_timeout", timeout);
        }
        // Written, even if invalid (that has its own diagnostic): the mock closes idle connections.
        let closes_idle = raw.keep_alive_timeout.as_ref().is_some_and(|t| *t != Scalar::Str("none".into()));
        for (key, set) in [
            ("keep_alive_close", raw.keep_alive_close.is_some()),
            ("keep_alive_jitter", raw.keep_alive_jitter.is_some()),
        ] {
            if set && !closes_idle {
                self.error_hint(
                    &format!("mock.{key}"),
                    format!("{key} needs keep_alive_timeout: without it the mock never closes idle connections"),
                    "set keep_alive_timeout, e.g. keep_alive_timeout = \"5s\"",
                );
            }
        }
        if let Some(close) = raw.keep_alive_close.as_deref().filter(|_| closes_idle) {
            let styles = [("fin", KeepAliveClose::Fin), ("rst", KeepAliveClose::Rst), ("race", KeepAliveClose::Race)];
            plan.keep_alive_close = self.choice("mock.keep_alive_close", close, &styles).unwrap_or_default();
        }
        if let Some(jitter) = raw.keep_alive_jitter.as_ref().filter(|_| closes_idle) {
            let jitter = self.duration("mock.keep_alive_jitter", jitter);
            if let (Some(jitter), Some(idle)) = (jitter, plan.keep_alive_idle) {
                if jitter >= idle {
                    self.error_hint(
                        "mock.keep_alive_jitter",
                        format!(
                            "keep_alive_jitter ({}) must be shorter than keep_alive_timeout ({})",
                            fmt_dur(jitter),
                            fmt_dur(idle)
                        ),
                        "each connection's idle timeout is drawn within keep_alive_timeout ± keep_alive_jitter",
                    );
                } else {
                    plan.keep_alive_jitter = jitter;
                }
            }
        }
        plan
    }

    fn serverless(&mut self, raw: &RawServerless) -> Option<ServerlessPlan> {
        const FIELD: &str = "mock.serverless";
        let f = |name: &str| format!("{FIELD}.{name}");
        let instances = match raw.instances {
            None => {
                self.error_hint(
                    FIELD,
                    "missing field \"instances\"",
                    "the most instances warm at once, e.g. instances = 4",
                );
                None
            }
            Some(n) => self.count(&f("instances"), n, 1),
        };
        let concurrency = raw.concurrency.map_or(Some(1), |n| self.count(&f("concurrency"), n, 1));
        let freeze_after = match &raw.freeze_after {
            None => {
                self.error_hint(
                    FIELD,
                    "missing field \"freeze_after\"",
                    "the idle time before an instance is frozen, e.g. freeze_after = \"3s\"",
                );
                None
            }
            Some(d) => self.positive_duration(&f("freeze_after"), d),
        };
        let init = match &raw.init {
            None => {
                self.error_hint(
                    FIELD,
                    "missing field \"init\"",
                    "the cold start cost: a duration or a distribution, e.g. init = \"500ms\"",
                );
                None
            }
            Some(init) => self.delay(&f("init"), init),
        };
        let on_freeze = match raw.on_freeze.as_deref() {
            None => Some(OnFreeze::Reset),
            Some(fate) => {
                let fates = [("reset", OnFreeze::Reset), ("drop", OnFreeze::Drop), ("keep", OnFreeze::Keep)];
                self.choice(&f("on_freeze"), fate, &fates)
            }
        };
        let queue_timeout = raw
            .queue_timeout
            .as_ref()
            .map_or(Some(Duration::from_secs(10)), |d| self.positive_duration(&f("queue_timeout"), d));
        let queue_status = match raw.queue_status {
            None => Some(503),
            Some(code @ (503 | 504)) => Some(code as u16),
            Some(code) => {
                self.error_hint(
                    &f("queue_status"),
                    format!("queue_status must be 503 or 504, got {code}"),
                    "what a platform answers when no instance takes the request in time",
                );
                None
            }
        };
        let prewarm = raw.prewarm.map_or(Some(0), |n| self.count(&f("prewarm"), n, 0));
        if let (Some(prewarm), Some(instances)) = (prewarm, instances) {
            if prewarm > instances {
                self.error_hint(
                    &f("prewarm"),
                    format!("prewarm ({prewarm}) is above instances ({instances})"),
                    "prewarm instances are kept warm out of the instances: raise instances or lower prewarm",
                );
                return None;
            }
        }
        Some(ServerlessPlan {
            instances: instances?,
            concurrency: concurrency?,
            freeze_after: freeze_after?,
            init: init?,
            on_freeze: on_freeze?,
            queue_timeout: queue_timeout?,
            queue_status: queue_status?,
            prewarm: prewarm?,
        })
    }

    fn request(&mut self, field: &str, raw: &RawRequest) -> PartialRequest {
        let mut out = PartialRequest::default();
        if let Some(m) = &raw.method {
            match Method::from_bytes(m.as_bytes()) {
                Ok(m) => out.method = Some(m),
                Err(_) => self.error_hint(
                    &format!("{field}.method"),
                    format!("invalid method \"{m}\""),
                    "e.g. \"GET\" or \"POST\"",
                ),
            }
        }
        if let Some(p) = &raw.path {
            if !p.starts_with('/') {
                self.error_hint(
                    &format!("{field}.path"),
                    format!("path \"{p}\" must start with '/'"),
                    format!("did you mean \"/{p}\"?"),
                );
            } else if p.parse::<http::uri::PathAndQuery>().is_err() {
                self.error(&format!("{field}.path"), format!("invalid path \"{p}\""));
            } else {
                out.path = Some(p.clone());
            }
        }
        if let Some(headers) = &raw.headers {
            let mut list = Vec::new();
            for (name, value) in headers {
                let hfield = format!("{field}.headers.{name}");
                match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                    (Err(_), _) => self.error(&hfield, format!("invalid header name \"{name}\"")),
                    (_, Err(_)) => self.error(&hfield, format!("invalid value for header \"{name}\"")),
                    (Ok(n), Ok(v)) => list.push((n, v)),
                }
            }
            out.headers = Some(list);
        }
        out.body = raw.body.as_ref().map(|b| Bytes::from(b.clone()));
        out
    }

    fn phase(&mut self, i: usize, raw: Option<&RawPhase>, base: &PartialRequest) -> PhasePlan {
        let f = |name: &str| format!("phase[{i}].{name}");
        let default_name = format!("phase-{}", i + 1);
        let default_load = Load::Closed { concurrency: 1, think: None };
        let Some(raw) = raw else {
            return PhasePlan {
                name: default_name,
                duration: Duration::ZERO,
                load: default_load,
                request: RequestPlan::default(),
            };
        };
        let name = match &raw.name {
            Some(n) if n.trim().is_empty() => {
                self.error(&f("name"), "a phase name cannot be empty");
                default_name
            }
            Some(n) => n.clone(),
            None => default_name,
        };
        let duration = match &raw.duration {
            None => {
                self.error_hint(&format!("phase[{i}]"), "missing field \"duration\"", "e.g. duration = \"10s\"");
                Duration::ZERO
            }
            Some(d) => self.positive_duration(&f("duration"), d).unwrap_or_default(),
        };
        let load = match (&raw.shape, raw.concurrency) {
            (Some(_), Some(_)) => {
                self.error_hint(
                    &f("concurrency"),
                    "shape and concurrency are mutually exclusive",
                    "use shape for the open model (arrivals/s) or concurrency for the closed model (workers), not both",
                );
                default_load
            }
            (None, None) => {
                self.error_hint(
                    &format!("phase[{i}]"),
                    "a phase needs shape (open model) or concurrency (closed model)",
                    "e.g. shape = { kind = \"constant\", rate = 100 } for 100 arrivals/s, or concurrency = 16 for 16 workers",
                );
                default_load
            }
            (Some(shape), None) => {
                if raw.think.is_some() {
                    self.error_hint(
                        &f("think"),
                        "think applies only to the closed model",
                        "remove think, or use concurrency instead of shape",
                    );
                }
                let shape = self.shape(&f("shape"), shape);
                let max_in_flight = match &raw.max_in_flight {
                    None => 10_000,
                    Some(m) => self.limit(&f("max_in_flight"), m, 1).map_or(10_000, |m| m.unwrap_or(usize::MAX)),
                };
                Load::Open { shape, poisson: raw.poisson.unwrap_or(false), max_in_flight }
            }
            (None, Some(concurrency)) => {
                for (set, key) in [(raw.poisson.is_some(), "poisson"), (raw.max_in_flight.is_some(), "max_in_flight")] {
                    if set {
                        self.error_hint(
                            &f(key),
                            format!("{key} applies only to the open model"),
                            format!("remove {key}, or use shape instead of concurrency"),
                        );
                    }
                }
                let concurrency = if concurrency < 1 {
                    self.error(&f("concurrency"), format!("concurrency must be ≥ 1, got {concurrency}"));
                    1
                } else {
                    concurrency as usize
                };
                let think = match &raw.think {
                    None => None,
                    Some(RawDelay::Duration(d)) => self.opt_duration(&f("think"), d).flatten().map(Dist::Fixed),
                    Some(RawDelay::Dist(d)) => self.dist(&f("think"), d),
                };
                Load::Closed { concurrency, think }
            }
        };
        let own = raw.request.as_ref().map(|r| self.request(&f("request"), r)).unwrap_or_default();
        PhasePlan { name, duration, load, request: base.merged(own) }
    }

    fn shape(&mut self, field: &str, raw: &RawShape) -> Shape {
        let zero = Shape::Constant { rate: 0.0 };
        match raw {
            RawShape::Constant { rate } => {
                let rate = self.rate(&format!("{field}.rate"), *rate, true);
                rate.map_or(zero, |rate| Shape::Constant { rate })
            }
            RawShape::Ramp { from, to } => {
                let from = self.rate(&format!("{field}.from"), *from, false);
                let to = self.rate(&format!("{field}.to"), *to, false);
                match (from, to) {
                    (Some(from), Some(to)) if from == 0.0 && to == 0.0 => {
                        self.error_hint(field, "a ramp from 0 to 0 sends nothing", "set from or to above 0");
                        zero
                    }
                    (Some(from), Some(to)) => Shape::Ramp { from, to },
                    _ => zero,
                }
            }
            RawShape::Steps { rates } => {
                if rates.is_empty() {
                    self.error_hint(
                        &format!("{field}.rates"),
                        "steps need at least one rate",
                        "e.g. rates = [100, 200, 400]",
                    );
                    return zero;
                }
                let checked: Vec<Option<f64>> = rates
                    .iter()
                    .enumerate()
                    .map(|(j, r)| self.rate(&format!("{field}.rates[{j}]"), *r, false))
                    .collect();
                if checked.iter().any(Option::is_none) {
                    return zero;
                }
                if rates.iter().all(|r| *r == 0.0) {
                    self.error_hint(
                        &format!("{field}.rates"),
                        "every step rate is 0: the phase sends nothing",
                        "set some rate above 0",
                    );
                    return zero;
                }
                Shape::Steps { rates: rates.clone() }
            }
            RawShape::Bursts { rate, on, off } => {
                let rate = self.rate(&format!("{field}.rate"), *rate, true);
                let on = self.positive_duration(&format!("{field}.on"), on);
                let off = self.duration(&format!("{field}.off"), off);
                match (rate, on, off) {
                    (Some(rate), Some(on), Some(off)) => Shape::Bursts { rate, on, off },
                    _ => zero,
                }
            }
        }
    }

    fn client(&mut self, i: usize, raw: Option<&RawClient>) -> ClientPlan {
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
        let mut plan = ClientPlan::defaults(name);
        match raw.http.as_deref() {
            None | Some("1") => {}
            Some("2") => plan.http = HttpVersion::Http2,
            Some(other) => self.error_hint(
                &f("http"),
                format!("unknown HTTP version \"{other}\""),
                "\"1\" (HTTP/1.1) or \"2\" (HTTP/2 with prior knowledge, h2c)",
            ),
        }
        plan.keep_alive = raw.keep_alive.unwrap_or(true);
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
        if let Some(t) = &raw.request_timeout {
            plan.request_timeout = self.timeout(&f("request_timeout"), t);
        }
        match raw.read_body.as_deref() {
            None | Some("full") => {}
            Some("none") => plan.read_body = ReadBody::None,
            Some(other) => {
                let hint = suggestion(other, ["full", "none"]);
                self.report(&f("read_body"), format!("read_body must be \"full\" or \"none\", got \"{other}\""), hint);
            }
        }
        if let Some(r) = &raw.retries {
            plan.retries = self.retries(&f("retries"), r);
        }
        plan
    }

    fn retries(&mut self, field: &str, raw: &RawRetries) -> RetryPlan {
        let mut plan = RetryPlan::default();
        if let Some(max) = raw.max {
            match u32::try_from(max) {
                Ok(m) => plan.max = m,
                Err(_) => self.error(&format!("{field}.max"), format!("max must be ≥ 0, got {max}")),
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

    /// Every `[[fault]]`. Unknown keys are reported (all of them) before the table is deserialized
    /// without them, so a misspelt key does not hide the fault's other problems.
    fn faults(&mut self, run: Option<&RunContext>) -> Vec<FaultPlan> {
        let mut faults = Vec::new();
        for (i, value) in self.array_values("fault", "") {
            let field = format!("fault[{i}]");
            let mut value = value.clone();
            if let DeValue::Table(table) = value.get_mut() {
                let kind = match table.get("kind").map(|k| k.get_ref()) {
                    Some(DeValue::String(kind)) => Some(kind.to_string()),
                    _ => None,
                };
                let unknown: Vec<(String, Range<usize>)> = table
                    .iter()
                    .map(|(key, _)| (key.get_ref().to_string(), key.span()))
                    .filter(|(key, _)| !RawFault::COMMON_KEYS.contains(&key.as_str()) && !is_fault_param(key))
                    .collect();
                for (key, span) in unknown {
                    table.remove(key.as_str());
                    let hint = fault_key_suggestion(&key, kind.as_deref());
                    self.push(span, field.clone(), format!("unknown field \"{key}\""), hint);
                }
            }
            if let Some(raw) = self.section::<RawFault>(&field, &value) {
                faults.extend(self.fault(i, &raw, run));
            }
        }
        faults
    }

    fn fault(&mut self, i: usize, raw: &RawFault, run: Option<&RunContext>) -> Option<FaultPlan> {
        let f = |name: &str| format!("fault[{i}].{name}");
        let table = format!("fault[{i}]");

        let at = raw.at.as_ref().map_or(Some(Duration::ZERO), |at| self.duration(&f("at"), at));
        let duration = match &raw.for_ {
            Some(d) => self.positive_duration(&f("for"), d),
            None => Some(run.map_or(FOREVER, |run| run.phases + run.drain)),
        };
        let every = match &raw.every {
            Some(Scalar::Str(once)) if once == "once" => None,
            Some(Scalar::Str(none)) if none == "none" => {
                self.error_hint(
                    &f("every"),
                    "\"none\" is not allowed here",
                    "every = \"once\" (the default) acts once",
                );
                None
            }
            Some(e) => self.positive_duration(&f("every"), e),
            None => None,
        };
        match (every, raw.for_.is_some(), duration) {
            (Some(_), false, _) => self.error_hint(
                &f("every"),
                "every needs for: how long each activation lasts",
                "e.g. for = \"5s\"; without for and every a fault lasts the whole run",
            ),
            (Some(every), true, Some(duration)) if every <= duration => self.error_hint(
                &f("every"),
                format!("every ({}) must be longer than for ({})", fmt_dur(every), fmt_dur(duration)),
                "the fault would never switch off",
            ),
            _ => {}
        }
        if let (Some(run), Some(at)) = (run, at) {
            if !run.phases.is_zero() && at >= run.phases {
                self.error_hint(
                    &f("at"),
                    format!("at ({}) is not before the end of the last phase ({})", fmt_dur(at), fmt_dur(run.phases)),
                    "the fault would never act: at counts from the start of the run",
                );
            }
        }
        let probability = match raw.probability {
            None => Some(1.0),
            Some(p) if (0.0..=1.0).contains(&p) => Some(p),
            Some(p) => {
                let hint = if p > 1.0 && p <= 100.0 {
                    format!("a chance, not a percentage: {p}% is probability = {}", p / 100.0)
                } else {
                    "the chance that an active fault hits a request (a connection for proxy faults), e.g. 0.2".into()
                };
                self.error_hint(&f("probability"), format!("probability must be between 0 and 1, got {p}"), hint);
                None
            }
        };

        let Some(kind) = raw.kind.as_deref() else {
            self.error_hint(&table, "missing field \"kind\"", "e.g. kind = \"stall\"");
            return None;
        };
        let layer = match raw.layer.as_deref() {
            None | Some("mock") => Some(Layer::Mock),
            Some("proxy") => Some(Layer::Proxy),
            Some(other) => {
                let hint = suggestion(other, ["mock", "proxy"]);
                self.report(&f("layer"), format!("unknown layer \"{other}\""), hint);
                None
            }
        };
        let specs: Vec<&FaultSpec> = FAULT_SPECS.iter().filter(|spec| spec.name == kind).collect();
        let Some(first) = specs.first() else {
            let mut names: Vec<&str> = FAULT_SPECS.iter().map(|spec| spec.name).collect();
            names.sort_unstable();
            names.dedup();
            let hint = suggestion(kind, names);
            self.report(&f("kind"), format!("unknown kind \"{kind}\""), hint);
            return None;
        };
        let on_its_layer = layer.and_then(|layer| specs.iter().find(|spec| spec.layer == layer));
        let spec = match on_its_layer {
            Some(spec) => spec,
            None => {
                if let Some(layer) = layer {
                    let there = layer_name(first.layer);
                    self.error_hint(
                        &f(if raw.layer.is_some() { "layer" } else { "kind" }),
                        format!("{kind} is not available on layer \"{}\"", layer_name(layer)),
                        format!("{kind} is a {there} fault: layer = \"{there}\""),
                    );
                }
                first
            }
        };
        if let Some(RunContext { target: Target::Url(_), .. }) = run {
            if spec.layer == Layer::Mock && on_its_layer.is_some() {
                let hint = if FAULT_SPECS.iter().any(|s| s.name == kind && s.layer == Layer::Proxy) {
                    "set mock = true in [target], or layer = \"proxy\" to inject it in front of the URL"
                } else {
                    "set mock = true in [target]"
                };
                self.error_hint(&f("kind"), format!("{kind} is a mock fault, but the target is a URL"), hint);
            }
        }
        let mut misplaced = false;
        for key in raw.params_given() {
            if !spec.keys.contains(&key) {
                self.misplaced_fault_key(&f(key), key, spec);
                misplaced = true;
            }
        }
        let kind = self.fault_kind(i, spec, raw);
        if misplaced {
            return None;
        }
        Some(FaultPlan { kind: kind?, at: at?, duration: duration?, every, probability: probability? })
    }

    /// `code` in a `latency` fault: which kinds take it instead.
    fn misplaced_fault_key(&mut self, field: &str, key: &str, spec: &FaultSpec) {
        let kind = spec.name;
        let here = layer_name(spec.layer);
        if let Some(other) =
            FAULT_SPECS.iter().find(|s| s.name == kind && s.layer != spec.layer && s.keys.contains(&key))
        {
            let there = layer_name(other.layer);
            self.error_hint(
                field,
                format!("{key} does not apply to kind \"{kind}\" on layer \"{here}\""),
                format!("{key} applies to {kind} on layer = \"{there}\""),
            );
            return;
        }
        let takes = match spec.keys {
            [] => format!("kind \"{kind}\" takes no keys of its own"),
            keys => format!("kind \"{kind}\" takes {}", keys.join(", ")),
        };
        let mut owners: Vec<&str> = FAULT_SPECS.iter().filter(|s| s.keys.contains(&key)).map(|s| s.name).collect();
        owners.dedup();
        let belongs = if key == "direction" {
            "direction is for proxy faults (layer = \"proxy\")".to_string()
        } else {
            format!("{key} is for {}", quoted_list(owners.into_iter()))
        };
        self.error_hint(field, format!("{key} does not apply to kind \"{kind}\""), format!("{takes}; {belongs}"));
    }

    /// The kind-specific part of a fault: its own keys, checked and defaulted.
    fn fault_kind(&mut self, i: usize, spec: &FaultSpec, raw: &RawFault) -> Option<FaultKind> {
        let f = |name: &str| format!("fault[{i}].{name}");
        let kind = spec.name;
        let proxy = |cx: &mut Self, toxic: Option<Toxic>| -> Option<FaultKind> {
            let direction = match raw.direction.as_deref() {
                None => Some(Direction::Downstream),
                Some(d) => {
                    let directions = [
                        ("downstream", Direction::Downstream),
                        ("upstream", Direction::Upstream),
                        ("both", Direction::Both),
                    ];
                    cx.choice(&f("direction"), d, &directions)
                }
            };
            Some(FaultKind::Proxy(ProxyFault { direction: direction?, toxic: toxic? }))
        };
        match (spec.layer, kind) {
            (Layer::Mock, "stall") => Some(FaultKind::Stall),
            (_, "latency") => {
                let example = "latency = { dist = \"uniform\", min = \"50ms\", max = \"200ms\" }";
                let latency = self.required(i, kind, "latency", raw.latency.as_ref(), example);
                let dist = latency.and_then(|latency| self.delay(&f("latency"), latency));
                match spec.layer {
                    Layer::Mock => dist.map(FaultKind::Latency),
                    Layer::Proxy => proxy(self, dist.map(Toxic::Latency)),
                }
            }
            (_, "status") => {
                let code = self.required(i, kind, "code", raw.code, "code = 503")?;
                if !(100..=599).contains(&code) {
                    self.error(&f("code"), format!("status code {code} is outside 100..=599"));
                    return None;
                }
                Some(FaultKind::Status(code as u16))
            }
            (_, "close") => {
                let after_requests = match raw.after_requests {
                    None => 1,
                    Some(n) => self.count(&f("after_requests"), n, 1)?,
                };
                let after_requests = u32::try_from(after_requests).unwrap_or(u32::MAX);
                Some(FaultKind::Close { after_requests })
            }
            (_, "reset") => {
                let stages = [("accept", "accept"), ("before_headers", "before_headers"), ("mid_body", "mid_body")];
                let stage = match raw.stage.as_deref() {
                    None => "before_headers",
                    Some(stage) => self.choice(&f("stage"), stage, &stages)?,
                };
                match stage {
                    "accept" | "before_headers" => {
                        if raw.after_bytes.is_some() {
                            self.error_hint(
                                &f("after_bytes"),
                                format!("after_bytes does not apply to stage \"{stage}\""),
                                "after_bytes counts body bytes sent before the reset: stage = \"mid_body\"",
                            );
                            return None;
                        }
                        Some(FaultKind::Reset(if stage == "accept" {
                            ResetStage::Accept
                        } else {
                            ResetStage::BeforeHeaders
                        }))
                    }
                    _ => {
                        let after_bytes = match raw.after_bytes {
                            None => 0,
                            Some(n) => self.count(&f("after_bytes"), n, 0)?,
                        };
                        Some(FaultKind::Reset(ResetStage::MidBody { after_bytes }))
                    }
                }
            }
            (_, "empty_response") => Some(FaultKind::EmptyResponse),
            (_, "malformed") => {
                let forms = [
                    ("garbage", Malformed::Garbage),
                    ("bad_chunk", Malformed::BadChunk),
                    ("short_body", Malformed::ShortBody),
                ];
                match raw.form.as_deref() {
                    None => Some(FaultKind::Malformed(Malformed::Garbage)),
                    Some(form) => self.choice(&f("form"), form, &forms).map(FaultKind::Malformed),
                }
            }
            (_, "trickle") => {
                let over = self.required(i, kind, "over", raw.over.as_ref(), "over = \"5s\"")?;
                Some(FaultKind::Trickle { over: self.positive_duration(&f("over"), over)? })
            }
            (_, "gateway_timeout") => {
                let status = match raw.status {
                    None => Some(504),
                    Some(code @ (502 | 504)) => Some(code as u16),
                    Some(code) => {
                        self.error_hint(
                            &f("status"),
                            format!("status must be 502 or 504, got {code}"),
                            "a gateway answers 502 (bad gateway) or 504 (gateway timeout); kind = \"status\" sends any code",
                        );
                        None
                    }
                };
                let after = self.required(i, kind, "after", raw.after.as_ref(), "after = \"6s\"");
                let after = after.and_then(|after| self.duration(&f("after"), after));
                Some(FaultKind::GatewayTimeout { status: status?, after: after? })
            }
            (_, "bandwidth") => {
                let rate = self.required(i, kind, "bytes_per_s", raw.bytes_per_s, "bytes_per_s = 10000");
                let rate = rate.and_then(|n| self.count(&f("bytes_per_s"), n, 1));
                proxy(self, rate.map(|bytes_per_s| Toxic::Bandwidth { bytes_per_s: bytes_per_s as u64 }))
            }
            (_, "slicer") => {
                let size = self.required(i, kind, "size", raw.size, "size = 64");
                let size = size.and_then(|n| self.count(&f("size"), n, 1));
                let delay = raw.delay.as_ref().map_or(Some(Duration::ZERO), |d| self.duration(&f("delay"), d));
                let toxic = size.zip(delay).map(|(size, delay)| Toxic::Slicer { size, delay });
                proxy(self, toxic)
            }
            (_, "reset_peer") => {
                let after = raw.after.as_ref().map_or(Some(Duration::ZERO), |d| self.duration(&f("after"), d));
                proxy(self, after.map(|after| Toxic::ResetPeer { after }))
            }
            (_, "blackhole") => proxy(self, Some(Toxic::Blackhole)),
            (_, "slow_close") => {
                let delay = self.required(i, kind, "delay", raw.delay.as_ref(), "delay = \"2s\"");
                let delay = delay.and_then(|d| self.duration(&f("delay"), d));
                proxy(self, delay.map(|delay| Toxic::SlowClose { delay }))
            }
            (_, "limit_data") => {
                let bytes = self.required(i, kind, "bytes", raw.bytes, "bytes = 1000");
                let bytes = bytes.and_then(|n| self.count(&f("bytes"), n, 0));
                proxy(self, bytes.map(|bytes| Toxic::LimitData { bytes: bytes as u64 }))
            }
            (_, "refuse") => proxy(self, Some(Toxic::Refuse)),
            _ => unreachable!("every kind in FAULT_SPECS is handled: {kind}"),
        }
    }

    /// `value`, or a "missing field" diagnostic on fault `i`, whose kind needs `key`.
    fn required<T>(&mut self, i: usize, kind: &str, key: &str, value: Option<T>, example: &str) -> Option<T> {
        if value.is_none() {
            self.error_hint(
                &format!("fault[{i}]"),
                format!("missing field \"{key}\""),
                format!("kind \"{kind}\" needs {key}, e.g. {example}"),
            );
        }
        value
    }

    // ---- values ----------------------------------------------------------------------------

    /// A duration with a unit; `"none"` is not allowed.
    fn duration(&mut self, field: &str, v: &Scalar) -> Option<Duration> {
        match self.opt_duration(field, v)? {
            Some(d) => Some(d),
            None => {
                self.error_hint(field, "\"none\" is not allowed here", DURATION_HINT);
                None
            }
        }
    }

    fn positive_duration(&mut self, field: &str, v: &Scalar) -> Option<Duration> {
        let d = self.duration(field, v)?;
        if d.is_zero() {
            self.error(field, "must be longer than 0s");
            return None;
        }
        Some(d)
    }

    /// A duration or `"none"` (`Some(None)`); `None` when invalid.
    fn opt_duration(&mut self, field: &str, v: &Scalar) -> Option<Option<Duration>> {
        match v {
            Scalar::Str(s) if s == "none" => Some(None),
            Scalar::Str(s) => match humantime::parse_duration(s) {
                Ok(d) => Some(Some(d)),
                Err(e) => {
                    self.error_hint(field, format!("invalid duration \"{s}\": {e}"), DURATION_HINT);
                    None
                }
            },
            Scalar::Int(n) => {
                self.error_hint(field, format!("bare number {n} is not a duration"), DURATION_HINT);
                None
            }
            Scalar::Float(x) => {
                self.error_hint(field, format!("bare number {x} is not a duration"), DURATION_HINT);
                None
            }
        }
    }

    /// A duration (`"10ms"`, not `"none"`) or a distribution.
    fn delay(&mut self, field: &str, raw: &RawDelay) -> Option<Dist> {
        match raw {
            RawDelay::Duration(d) => self.duration(field, d).map(Dist::Fixed),
            RawDelay::Dist(d) => self.dist(field, d),
        }
    }

    /// An integer ≥ `min`.
    fn count(&mut self, field: &str, n: i64, min: i64) -> Option<usize> {
        match usize::try_from(n) {
            Ok(count) if n >= min => Some(count),
            _ => {
                self.error(field, format!("must be ≥ {min}, got {n}"));
                None
            }
        }
    }

    /// One of a few words (`"fin"`, `"rst"`, `"race"`), with a "did you mean" for a near miss.
    fn choice<T: Copy>(&mut self, field: &str, word: &str, options: &[(&str, T)]) -> Option<T> {
        if let Some((_, value)) = options.iter().find(|(name, _)| *name == word) {
            return Some(*value);
        }
        let key = field.rsplit('.').next().unwrap_or(field);
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        let expected = match names.split_last() {
            Some((last, [])) => format!("\"{last}\""),
            Some((last, rest)) => format!("{} or \"{last}\"", quoted_list(rest.iter().copied())),
            None => String::new(),
        };
        let hint = did_you_mean(word, names.iter().copied());
        self.report(field, format!("{key} must be {expected}, got \"{word}\""), hint);
        None
    }

    /// A timeout: a positive duration or `"none"`.
    fn timeout(&mut self, field: &str, v: &Scalar) -> Option<Duration> {
        let d = self.opt_duration(field, v)??;
        if d.is_zero() {
            self.error_hint(field, "a timeout must be longer than 0s", "use \"none\" for no timeout");
            return None;
        }
        Some(d)
    }

    /// An integer ≥ `min` (`Some(Some(n))`) or `"unlimited"` (`Some(None)`); `None` when invalid.
    fn limit(&mut self, field: &str, v: &Scalar, min: i64) -> Option<Option<usize>> {
        match v {
            Scalar::Str(s) if s == "unlimited" => Some(None),
            Scalar::Int(n) if *n >= min => Some(Some(*n as usize)),
            Scalar::Int(n) => {
                self.error(field, format!("must be ≥ {min}, got {n}"));
                None
            }
            other => {
                let shown = match other {
                    Scalar::Str(s) => format!("\"{s}\""),
                    Scalar::Float(x) => x.to_string(),
                    Scalar::Int(n) => n.to_string(),
                };
                self.error_hint(
                    field,
                    format!("expected an integer or \"unlimited\", got {shown}"),
                    format!("e.g. {min} or \"unlimited\""),
                );
                None
            }
        }
    }

    /// A rate in requests per second: finite, ≥ 0, and > 0 when `positive`.
    fn rate(&mut self, field: &str, r: f64, positive: bool) -> Option<f64> {
        if !r.is_finite() || r < 0.0 {
            self.error(field, format!("rate must be a finite number ≥ 0 (requests per second), got {r}"));
            return None;
        }
        if positive && r == 0.0 {
            self.error_hint(field, "rate must be above 0", "rates are arrivals per second, e.g. rate = 100");
            return None;
        }
        Some(r)
    }

    fn dist(&mut self, field: &str, raw: &RawDist) -> Option<Dist> {
        let f = |name: &str| format!("{field}.{name}");
        match raw {
            RawDist::Fixed { value } => Some(Dist::Fixed(self.duration(&f("value"), value)?)),
            RawDist::Uniform { min, max } => {
                let (min, max) = (self.duration(&f("min"), min), self.duration(&f("max"), max));
                let (min, max) = (min?, max?);
                if min > max {
                    self.error(&f("min"), format!("min ({}) is above max ({})", fmt_dur(min), fmt_dur(max)));
                    return None;
                }
                Some(Dist::Uniform { min, max })
            }
            RawDist::Normal { mean, stddev } => {
                let (mean, stddev) = (self.duration(&f("mean"), mean), self.duration(&f("stddev"), stddev));
                Some(Dist::Normal { mean: mean?, stddev: stddev? })
            }
            RawDist::Lognormal { median, p99, sigma } => {
                let median = self.positive_duration(&f("median"), median);
                match (p99, sigma) {
                    (Some(_), Some(_)) => {
                        self.error_hint(
                            field,
                            "p99 and sigma are mutually exclusive",
                            "give the spread as p99 or as sigma, not both",
                        );
                        None
                    }
                    (None, None) => {
                        self.error_hint(
                            field,
                            "a lognormal needs p99 or sigma",
                            "e.g. { dist = \"lognormal\", median = \"4ms\", p99 = \"30ms\" }",
                        );
                        None
                    }
                    (None, Some(sigma)) => {
                        if !sigma.is_finite() || *sigma <= 0.0 {
                            self.error(&f("sigma"), format!("sigma must be a finite number above 0, got {sigma}"));
                            return None;
                        }
                        Some(Dist::LogNormal { median: median?, sigma: *sigma })
                    }
                    (Some(p99), None) => {
                        let p99 = self.duration(&f("p99"), p99)?;
                        let median = median?;
                        if p99 <= median {
                            self.error_hint(
                                &f("p99"),
                                format!("p99 ({}) must be above the median ({})", fmt_dur(p99), fmt_dur(median)),
                                "a lognormal's p99 lies above its median",
                            );
                            return None;
                        }
                        Some(Dist::LogNormal { median, sigma: Dist::lognormal_sigma(median, p99) })
                    }
                }
            }
        }
    }
}

/// A fault kind as scenarios name it: the layer it acts on and the keys it takes besides `kind`,
/// `layer` and its window. `latency` exists on both layers.
struct FaultSpec {
    name: &'static str,
    layer: Layer,
    keys: &'static [&'static str],
}

const FAULT_SPECS: &[FaultSpec] = &[
    FaultSpec { name: "stall", layer: Layer::Mock, keys: &[] },
    FaultSpec { name: "latency", layer: Layer::Mock, keys: &["latency"] },
    FaultSpec { name: "status", layer: Layer::Mock, keys: &["code"] },
    FaultSpec { name: "close", layer: Layer::Mock, keys: &["after_requests"] },
    FaultSpec { name: "reset", layer: Layer::Mock, keys: &["stage", "after_bytes"] },
    FaultSpec { name: "empty_response", layer: Layer::Mock, keys: &[] },
    FaultSpec { name: "malformed", layer: Layer::Mock, keys: &["form"] },
    FaultSpec { name: "trickle", layer: Layer::Mock, keys: &["over"] },
    FaultSpec { name: "gateway_timeout", layer: Layer::Mock, keys: &["status", "after"] },
    FaultSpec { name: "latency", layer: Layer::Proxy, keys: &["latency", "direction"] },
    FaultSpec { name: "bandwidth", layer: Layer::Proxy, keys: &["bytes_per_s", "direction"] },
    FaultSpec { name: "slicer", layer: Layer::Proxy, keys: &["size", "delay", "direction"] },
    FaultSpec { name: "reset_peer", layer: Layer::Proxy, keys: &["after", "direction"] },
    FaultSpec { name: "blackhole", layer: Layer::Proxy, keys: &["direction"] },
    FaultSpec { name: "slow_close", layer: Layer::Proxy, keys: &["delay", "direction"] },
    FaultSpec { name: "limit_data", layer: Layer::Proxy, keys: &["bytes", "direction"] },
    FaultSpec { name: "refuse", layer: Layer::Proxy, keys: &["direction"] },
];

/// How long a fault without `for` lasts when there are no phases (a standalone server): forever.
const FOREVER: Duration = Duration::from_secs(100 * 31_557_600);

/// What a scenario's faults are checked against; standalone configurations have none.
struct RunContext<'t> {
    target: &'t Target,
    /// The phases' total duration.
    phases: Duration,
    drain: Duration,
}

fn layer_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Mock => "mock",
        Layer::Proxy => "proxy",
    }
}

fn is_fault_param(key: &str) -> bool {
    FAULT_SPECS.iter().any(|spec| spec.keys.contains(&key))
}

/// For a misspelt fault key: the closest key of the fault's own kind, else of any kind.
fn fault_key_suggestion(key: &str, kind: Option<&str>) -> Option<String> {
    let own: Vec<&str> = FAULT_SPECS
        .iter()
        .filter(|spec| Some(spec.name) == kind)
        .flat_map(|spec| spec.keys.iter().copied())
        .chain(RawFault::COMMON_KEYS.iter().copied())
        .collect();
    let all: Vec<&str> = FAULT_SPECS.iter().flat_map(|spec| spec.keys.iter().copied()).collect();
    did_you_mean(key, own.iter().copied())
        .or_else(|| did_you_mean(key, all.iter().copied()))
        .or_else(|| suggestion(key, own.iter().copied()))
}

/// A request as written in `[request]` or a phase: unset fields fall back to the level above.
#[derive(Debug, Default)]
struct PartialRequest {
    method: Option<Method>,
    path: Option<String>,
    headers: Option<Vec<(HeaderName, HeaderValue)>>,
    body: Option<Bytes>,
}

impl PartialRequest {
    /// `self` (the `[request]` defaults) overridden by a phase's own fields; headers merge by name.
    fn merged(&self, own: PartialRequest) -> RequestPlan {
        let mut headers = self.headers.clone().unwrap_or_default();
        for (name, value) in own.headers.unwrap_or_default() {
            headers.retain(|(n, _)| *n != name);
            headers.push((name, value));
        }
        let defaults = RequestPlan::default();
        RequestPlan {
            method: own.method.or_else(|| self.method.clone()).unwrap_or(defaults.method),
            path: own.path.or_else(|| self.path.clone()).unwrap_or(defaults.path),
            headers,
            body: own.body.or_else(|| self.body.clone()).unwrap_or(defaults.body),
        }
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

fn fmt_dur(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// The path suffix (`.shape.kind`, `[2]`) and node of the deepest value under `node` whose span
/// contains `span`; `("", node)` when none does (the span is `node`'s own, or one of its keys').
fn descend<'n, 'i>(node: &'n Spanned<DeValue<'i>>, span: &Range<usize>) -> (String, &'n Spanned<DeValue<'i>>) {
    let contains = |v: &Spanned<DeValue>| v.span().start <= span.start && span.end <= v.span().end;
    let children: Vec<(String, &Spanned<DeValue>)> = match node.get_ref() {
        DeValue::Table(t) => t.iter().map(|(k, v)| (format!(".{}", k.get_ref()), v)).collect(),
        DeValue::Array(a) => a.iter().enumerate().map(|(i, v)| (format!("[{i}]"), v)).collect(),
        _ => Vec::new(),
    };
    for (segment, child) in children {
        let (rest, found) = descend(child, span);
        if !rest.is_empty() || contains(child) {
            return (segment + &rest, found);
        }
    }
    (String::new(), node)
}

/// For serde messages such as ``unknown field `x`, expected one of `a`, `b` ``: the name after
/// `prefix` and the backticked candidates that follow.
fn backticked(msg: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix(prefix)?;
    let (name, tail) = rest.split_once('`')?;
    let candidates = tail.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((name.to_string(), candidates))
}

/// Serde's wording in user terms: TOML type names; a backticked value (``integer `5` ``) loses its
/// backticks, a backticked key (``missing field `rate` ``) gets double quotes.
fn tidy(msg: &str) -> String {
    let value = msg.starts_with("invalid type") || msg.starts_with("invalid value");
    let mut out = msg.replace('`', if value { "" } else { "\"" });
    for (rust, toml) in [
        ("expected f64", "expected a number"),
        ("expected i64", "expected an integer"),
        ("expected u64", "expected an integer"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
        ("floating point", "float"),
    ] {
        out = out.replace(rust, toml);
    }
    out
}

fn quoted_list<'c>(candidates: impl Iterator<Item = &'c str>) -> String {
    candidates.map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

/// `did you mean "x"?` for the closest candidate, else the list of valid ones (`None` if empty).
fn suggestion<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<String> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    if candidates.is_empty() {
        return None;
    }
    did_you_mean(word, candidates.iter().copied())
        .or_else(|| Some(format!("expected one of {}", quoted_list(candidates.into_iter()))))
}

/// `did you mean "x"?` when some candidate is a few edits away: at most 2, or a third of the
/// word's length for long words, and fewer than the word has characters.
fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<String> {
    let (distance, closest) = candidates.into_iter().map(|c| (edit_distance(word, c), c)).min_by_key(|(d, _)| *d)?;
    let len = word.chars().count();
    (distance <= (len / 3).max(2) && distance < len).then(|| format!("did you mean \"{closest}\"?"))
}

/// Levenshtein distance: insertions, deletions and substitutions, one row at a time.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = Vec::with_capacity(b.len() + 1);
        row.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            row.push(substitute.min(prev[j + 1] + 1).min(row[j] + 1));
        }
        prev = row;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "name = \"t\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n";

    fn ok(src: &str) -> Plan {
        validate(src, Path::new("t.toml")).unwrap_or_else(|d| panic!("{d}"))
    }

    /// The diagnostics as `line:col field: message` strings (hints dropped).
    fn errs(src: &str) -> Vec<String> {
        let diags = validate(src, Path::new("t.toml")).expect_err("should be invalid");
        diags.0.iter().map(|d| format!("{}:{} {}: {}", d.line, d.col, d.field, d.message)).collect()
    }

    fn hints(src: &str) -> Vec<String> {
        let diags = validate(src, Path::new("t.toml")).expect_err("should be invalid");
        diags.0.iter().filter_map(|d| d.hint.clone()).collect()
    }

    /// `MINIMAL` with `extra` appended (a new section or `[[…]]` entry).
    fn with(extra: &str) -> String {
        format!("{MINIMAL}{extra}")
    }

    /// A scenario whose only phase has the given body.
    fn phase(body: &str) -> String {
        format!("name = \"t\"\n[target]\nmock = true\n[[client]]\nname = \"c\"\n[[phase]]\nduration = \"1s\"\n{body}\n")
    }

    /// A scenario whose only client has the given body.
    fn client(body: &str) -> String {
        format!("name = \"t\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n{body}\n")
    }

    #[test]
    fn defaults_fill_everything_left_out() {
        let plan = ok(MINIMAL);
        assert_eq!(plan.name, "t");
        assert_eq!(plan.source, PathBuf::from("t.toml"));
        assert_eq!(plan.seed, 1);
        assert_eq!(plan.threads, 1);
        assert_eq!(plan.drain, Duration::from_secs(5));
        assert_eq!(plan.target, Target::Mock);
        assert_eq!(plan.mock, MockPlan::default());
        assert_eq!(plan.phases.len(), 1);
        let p = &plan.phases[0];
        assert_eq!(p.name, "phase-1");
        assert_eq!(p.duration, Duration::from_secs(1));
        assert_eq!(p.load, Load::Closed { concurrency: 1, think: None });
        assert_eq!(p.request, RequestPlan::default());
        assert_eq!(plan.clients, vec![ClientPlan::defaults("c")]);
        assert_eq!(plan.clients[0].pool_idle_timeout, Some(Duration::from_secs(90)));
        assert_eq!(plan.clients[0].pool_max_idle_per_host, usize::MAX);
        assert!(plan.faults.is_empty());

        let open = ok(&phase("shape = { kind = \"constant\", rate = 50 }"));
        assert_eq!(
            open.phases[0].load,
            Load::Open { shape: Shape::Constant { rate: 50.0 }, poisson: false, max_in_flight: 10_000 }
        );
    }

    #[test]
    fn every_knob_reaches_the_plan() {
        let plan = ok(r#"
name = "full_1"
seed = 7
threads = 4
drain = "1s 500ms"

[target]
url = "http://127.0.0.1/api?x=1"

[request]
method = "POST"
path = "/base"
headers = { "x-id" = "abc", "x-env" = "test" }
body = "hello"

[[phase]]
name = "ramp"
duration = "2m"
shape = { kind = "ramp", from = 0, to = 1.5 }
poisson = true
max_in_flight = "unlimited"
request = { path = "/other", headers = { "x-id" = "override" } }

[[phase]]
duration = "10s"
concurrency = 3
think = { dist = "uniform", min = "1ms", max = "5ms" }

[[phase]]
duration = "10s"
shape = { kind = "bursts", rate = 300, on = "2s", off = "0s" }

[[phase]]
duration = "10s"
shape = { kind = "steps", rates = [0, 100, 200] }

[[client]]
name = "go.default"
http = "2"
keep_alive = true
pool_idle_timeout = "none"
pool_max_idle_per_host = 0
max_conns_per_host = 8
connect_timeout = "1s"
request_timeout = "250ms"
read_body = "none"
retries = { max = 3, on = ["reset", "closed", "5xx", "http_429"], backoff = "20ms" }
"#);
        assert_eq!((plan.name.as_str(), plan.seed, plan.threads), ("full_1", 7, 4));
        assert_eq!(plan.drain, Duration::from_millis(1500));
        assert_eq!(plan.target, Target::Url("http://127.0.0.1:80/api?x=1".parse().unwrap()));

        let [ramp, closed, bursts, steps] = &plan.phases[..] else { panic!("four phases") };
        assert_eq!(ramp.name, "ramp");
        assert_eq!(ramp.duration, Duration::from_secs(120));
        assert_eq!(
            ramp.load,
            Load::Open { shape: Shape::Ramp { from: 0.0, to: 1.5 }, poisson: true, max_in_flight: usize::MAX }
        );
        assert_eq!(ramp.request.method, Method::POST);
        assert_eq!(ramp.request.path, "/other");
        assert_eq!(ramp.request.body, Bytes::from("hello"));
        let headers: Vec<(&str, &str)> =
            ramp.request.headers.iter().map(|(n, v)| (n.as_str(), v.to_str().unwrap())).collect();
        assert_eq!(headers, [("x-env", "test"), ("x-id", "override")]);
        assert_eq!(closed.name, "phase-2");
        assert_eq!(closed.request.path, "/base");
        assert_eq!(closed.request.headers.len(), 2);
        assert_eq!(
            closed.load,
            Load::Closed {
                concurrency: 3,
                think: Some(Dist::Uniform { min: Duration::from_millis(1), max: Duration::from_millis(5) })
            }
        );
        let on = Duration::from_secs(2);
        assert!(
            matches!(bursts.load, Load::Open { shape: Shape::Bursts { rate, on: o, off }, .. } if rate == 300.0 && o == on && off.is_zero())
        );
        assert!(
            matches!(&steps.load, Load::Open { shape: Shape::Steps { rates }, .. } if *rates == [0.0, 100.0, 200.0])
        );

        let c = &plan.clients[0];
        assert_eq!(c.name, "go.default");
        assert_eq!((c.http, c.keep_alive, c.read_body), (HttpVersion::Http2, true, ReadBody::None));
        assert_eq!(c.pool_idle_timeout, None);
        assert_eq!(c.pool_max_idle_per_host, 0);
        assert_eq!(c.max_conns_per_host, Some(8));
        assert_eq!(c.connect_timeout, Some(Duration::from_secs(1)));
        assert_eq!(c.request_timeout, Some(Duration::from_millis(250)));
        assert_eq!(
            c.retries,
            RetryPlan {
                max: 3,
                on: vec![
                    RetryOn::Error(ErrorKind::Reset),
                    RetryOn::Error(ErrorKind::ClosedBeforeResponse),
                    RetryOn::Status5xx,
                    RetryOn::Status(429)
                ],
                backoff: Duration::from_millis(20),
            }
        );
    }

    /// The only fault of `MINIMAL` (one 1s phase, 5s drain) with the given `[[fault]]` body.
    fn fault(body: &str) -> FaultPlan {
        let mut plan = ok(&with(&format!("[[fault]]\n{body}\n")));
        assert_eq!(plan.faults.len(), 1);
        plan.faults.remove(0)
    }

    /// A fault of `kind` with the default window in `MINIMAL`: from 0s for the whole run (6s).
    fn whole_run(kind: FaultKind) -> FaultPlan {
        FaultPlan { kind, at: Duration::ZERO, duration: Duration::from_secs(6), every: None, probability: 1.0 }
    }

    fn proxy(direction: Direction, toxic: Toxic) -> FaultKind {
        FaultKind::Proxy(ProxyFault { direction, toxic })
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    const URL_TARGET: &str = "name = \"t\"\n[target]\nurl = \"http://h\"\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n";

    #[test]
    fn fault_windows() {
        let plan = ok(&format!(
            "{}[[fault]]\nkind = \"stall\"\nat = \"4s\"\nfor = \"1s\"\nevery = \"10s\"\nprobability = 0.25\n\
             [[fault]]\nkind = \"stall\"\nlayer = \"mock\"\nat = \"0s\"\nfor = \"1s\"\nevery = \"once\"\nprobability = 0\n",
            MINIMAL.replace("\"1s\"", "\"20s\"")
        ));
        assert_eq!(
            plan.faults,
            vec![
                FaultPlan {
                    kind: FaultKind::Stall,
                    at: Duration::from_secs(4),
                    duration: Duration::from_secs(1),
                    every: Some(Duration::from_secs(10)),
                    probability: 0.25,
                },
                FaultPlan {
                    kind: FaultKind::Stall,
                    at: Duration::ZERO,
                    duration: Duration::from_secs(1),
                    every: None,
                    probability: 0.0
                },
            ]
        );
        // Without at and for: the whole run, phases plus drain.
        assert_eq!(fault("kind = \"stall\""), whole_run(FaultKind::Stall));
        let plan = ok(&format!("drain = \"2s\"\n{}", phase("concurrency = 1\n[[phase]]\nduration = \"3s\"\nconcurrency = 1\n[[fault]]\nkind = \"stall\"\nat = \"500ms\"\nprobability = 1")));
        assert_eq!((plan.faults[0].at, plan.faults[0].duration), (ms(500), Duration::from_secs(6)));
        assert_eq!(plan.faults[0].probability, 1.0);

        let window = |body: &str| errs(&with(&format!("[[fault]]\nkind = \"stall\"\n{body}\n")));
        assert_eq!(window("for = \"0s\"\nevery = \"1s\""), ["11:7 fault[0].for: must be longer than 0s"]);
        assert_eq!(
            window("at = \"100ms\"\nfor = \"2s\"\nevery = \"2s\""),
            ["13:9 fault[0].every: every (2s) must be longer than for (2s)"]
        );
        assert_eq!(window("every = \"2s\""), ["11:9 fault[0].every: every needs for: how long each activation lasts"]);
        assert_eq!(window("every = 2"), ["11:9 fault[0].every: bare number 2 is not a duration"]);
        assert_eq!(window("for = \"1s\"\nevery = \"none\""), ["12:9 fault[0].every: \"none\" is not allowed here"]);
        assert_eq!(
            window("probability = 1.5\nat = \"1s\""),
            [
                "11:15 fault[0].probability: probability must be between 0 and 1, got 1.5",
                "12:6 fault[0].at: at (1s) is not before the end of the last phase (1s)"
            ]
        );
        assert_eq!(
            window("probability = -0.1"),
            ["11:15 fault[0].probability: probability must be between 0 and 1, got -0.1"]
        );
        assert_eq!(
            window("probability = nan"),
            ["11:15 fault[0].probability: probability must be between 0 and 1, got NaN"]
        );
        assert_eq!(
            window("probability = \"20%\""),
            ["11:15 fault[0].probability: invalid type: string \"20%\", expected a number"]
        );
        assert_eq!(errs(&with("[[fault]]\nat = \"0s\"\n")), ["9:1 fault[0]: missing field \"kind\""]);
    }

    #[test]
    fn mock_fault_kinds_defaults_and_values() {
        assert_eq!(fault("kind = \"stall\"").kind, FaultKind::Stall);
        assert_eq!(fault("kind = \"latency\"\nlatency = \"50ms\"").kind, FaultKind::Latency(Dist::Fixed(ms(50))));
        assert_eq!(
            fault("kind = \"latency\"\nlatency = { dist = \"uniform\", min = \"10ms\", max = \"20ms\" }"),
            whole_run(FaultKind::Latency(Dist::Uniform { min: ms(10), max: ms(20) }))
        );
        assert_eq!(fault("kind = \"status\"\ncode = 503"), whole_run(FaultKind::Status(503)));
        assert_eq!(fault("kind = \"close\""), whole_run(FaultKind::Close { after_requests: 1 }));
        assert_eq!(fault("kind = \"close\"\nafter_requests = 100").kind, FaultKind::Close { after_requests: 100 });
        assert_eq!(fault("kind = \"reset\""), whole_run(FaultKind::Reset(ResetStage::BeforeHeaders)));
        assert_eq!(fault("kind = \"reset\"\nstage = \"accept\"").kind, FaultKind::Reset(ResetStage::Accept));
        assert_eq!(
            fault("kind = \"reset\"\nstage = \"before_headers\"").kind,
            FaultKind::Reset(ResetStage::BeforeHeaders)
        );
        assert_eq!(
            fault("kind = \"reset\"\nstage = \"mid_body\"").kind,
            FaultKind::Reset(ResetStage::MidBody { after_bytes: 0 })
        );
        assert_eq!(
            fault("kind = \"reset\"\nstage = \"mid_body\"\nafter_bytes = 100").kind,
            FaultKind::Reset(ResetStage::MidBody { after_bytes: 100 })
        );
        assert_eq!(fault("kind = \"empty_response\""), whole_run(FaultKind::EmptyResponse));
        assert_eq!(fault("kind = \"malformed\""), whole_run(FaultKind::Malformed(Malformed::Garbage)));
        assert_eq!(fault("kind = \"malformed\"\nform = \"bad_chunk\"").kind, FaultKind::Malformed(Malformed::BadChunk));
        assert_eq!(
            fault("kind = \"malformed\"\nform = \"short_body\"").kind,
            FaultKind::Malformed(Malformed::ShortBody)
        );
        assert_eq!(
            fault("kind = \"trickle\"\nover = \"5s\""),
            whole_run(FaultKind::Trickle { over: Duration::from_secs(5) })
        );
        assert_eq!(
            fault("kind = \"gateway_timeout\"\nafter = \"6s\""),
            whole_run(FaultKind::GatewayTimeout { status: 504, after: Duration::from_secs(6) })
        );
        assert_eq!(
            fault("kind = \"gateway_timeout\"\nstatus = 502\nafter = \"0s\"\nlayer = \"mock\"").kind,
            FaultKind::GatewayTimeout { status: 502, after: Duration::ZERO }
        );
    }

    #[test]
    fn proxy_fault_kinds_defaults_and_values() {
        let down = Direction::Downstream;
        let p = |body: &str| fault(&format!("layer = \"proxy\"\n{body}"));
        assert_eq!(
            p("kind = \"latency\"\nlatency = { dist = \"fixed\", value = \"20ms\" }"),
            whole_run(proxy(down, Toxic::Latency(Dist::Fixed(ms(20)))))
        );
        assert_eq!(
            p("kind = \"latency\"\nlatency = \"20ms\"\ndirection = \"upstream\"").kind,
            proxy(Direction::Upstream, Toxic::Latency(Dist::Fixed(ms(20))))
        );
        assert_eq!(
            p("kind = \"bandwidth\"\nbytes_per_s = 10000\ndirection = \"both\""),
            whole_run(proxy(Direction::Both, Toxic::Bandwidth { bytes_per_s: 10_000 }))
        );
        assert_eq!(
            p("kind = \"slicer\"\nsize = 64").kind,
            proxy(down, Toxic::Slicer { size: 64, delay: Duration::ZERO })
        );
        assert_eq!(
            p("kind = \"slicer\"\nsize = 1\ndelay = \"10ms\"").kind,
            proxy(down, Toxic::Slicer { size: 1, delay: ms(10) })
        );
        assert_eq!(p("kind = \"reset_peer\""), whole_run(proxy(down, Toxic::ResetPeer { after: Duration::ZERO })));
        assert_eq!(
            p("kind = \"reset_peer\"\nafter = \"1s\"").kind,
            proxy(down, Toxic::ResetPeer { after: Duration::from_secs(1) })
        );
        assert_eq!(
            p("kind = \"blackhole\"\ndirection = \"upstream\"").kind,
            proxy(Direction::Upstream, Toxic::Blackhole)
        );
        assert_eq!(
            p("kind = \"slow_close\"\ndelay = \"2s\"").kind,
            proxy(down, Toxic::SlowClose { delay: Duration::from_secs(2) })
        );
        assert_eq!(p("kind = \"limit_data\"\nbytes = 0").kind, proxy(down, Toxic::LimitData { bytes: 0 }));
        assert_eq!(p("kind = \"limit_data\"\nbytes = 1000").kind, proxy(down, Toxic::LimitData { bytes: 1000 }));
        assert_eq!(p("kind = \"refuse\"").kind, proxy(down, Toxic::Refuse));
        assert_eq!(p("kind = \"refuse\"").layer(), Layer::Proxy);

        // Proxy faults also work in front of a URL target.
        let plan = ok(&format!(
            "{URL_TARGET}[[fault]]\nlayer = \"proxy\"\nkind = \"blackhole\"\nat = \"100ms\"\nfor = \"200ms\"\n"
        ));
        assert_eq!(
            plan.faults,
            [FaultPlan {
                kind: proxy(down, Toxic::Blackhole),
                at: ms(100),
                duration: ms(200),
                every: None,
                probability: 1.0
            }]
        );
    }

    #[test]
    fn fault_values_are_checked() {
        let e = |body: &str| errs(&with(&format!("[[fault]]\n{body}\n")));
        assert_eq!(e("kind = \"status\"\ncode = 700"), ["11:8 fault[0].code: status code 700 is outside 100..=599"]);
        assert_eq!(e("kind = \"close\"\nafter_requests = 0"), ["11:18 fault[0].after_requests: must be ≥ 1, got 0"]);
        assert_eq!(
            e("kind = \"reset\"\nstage = \"mid-body\""),
            ["11:9 fault[0].stage: stage must be \"accept\", \"before_headers\" or \"mid_body\", got \"mid-body\""]
        );
        assert_eq!(hints(&with("[[fault]]\nkind = \"reset\"\nstage = \"mid-body\"\n")), ["did you mean \"mid_body\"?"]);
        assert_eq!(
            e("kind = \"reset\"\nafter_bytes = 10"),
            ["11:15 fault[0].after_bytes: after_bytes does not apply to stage \"before_headers\""]
        );
        assert_eq!(
            e("kind = \"reset\"\nstage = \"mid_body\"\nafter_bytes = -1"),
            ["12:15 fault[0].after_bytes: must be ≥ 0, got -1"]
        );
        assert_eq!(
            e("kind = \"malformed\"\nform = \"junk\""),
            ["11:8 fault[0].form: form must be \"garbage\", \"bad_chunk\" or \"short_body\", got \"junk\""]
        );
        assert_eq!(e("kind = \"trickle\"\nover = \"0s\""), ["11:8 fault[0].over: must be longer than 0s"]);
        assert_eq!(
            e("kind = \"gateway_timeout\"\nstatus = 503\nafter = \"1\""),
            [
                "11:10 fault[0].status: status must be 502 or 504, got 503",
                "12:9 fault[0].after: invalid duration \"1\": time unit needed, for example 1sec or 1ms"
            ]
        );
        let p = |body: &str| e(&format!("layer = \"proxy\"\n{body}"));
        assert_eq!(p("kind = \"bandwidth\"\nbytes_per_s = 0"), ["12:15 fault[0].bytes_per_s: must be ≥ 1, got 0"]);
        assert_eq!(
            p("kind = \"slicer\"\nsize = 0\ndelay = \"none\"\ndirection = \"down\""),
            [
                "12:8 fault[0].size: must be ≥ 1, got 0",
                "13:9 fault[0].delay: \"none\" is not allowed here",
                "14:13 fault[0].direction: direction must be \"downstream\", \"upstream\" or \"both\", got \"down\""
            ]
        );
        assert_eq!(p("kind = \"limit_data\"\nbytes = -5"), ["12:9 fault[0].bytes: must be ≥ 0, got -5"]);
        assert_eq!(
            p("kind = \"latency\"\nlatency = { dist = \"uniform\", min = \"2ms\", max = \"1ms\" }"),
            ["12:37 fault[0].latency.min: min (2ms) is above max (1ms)"]
        );
    }

    #[test]
    fn fault_kinds_layers_and_keys() {
        let src = |body: &str| with(&format!("[[fault]]\n{body}\n"));
        // A kind on the wrong layer: located at layer when it was written, else at kind.
        assert_eq!(
            errs(&src("kind = \"bandwidth\"\nbytes_per_s = 100")),
            ["10:8 fault[0].kind: bandwidth is not available on layer \"mock\""]
        );
        assert_eq!(
            hints(&src("kind = \"bandwidth\"\nbytes_per_s = 100")),
            ["bandwidth is a proxy fault: layer = \"proxy\""]
        );
        assert_eq!(
            errs(&src("kind = \"stall\"\nlayer = \"proxy\"")),
            ["11:9 fault[0].layer: stall is not available on layer \"proxy\""]
        );
        assert_eq!(hints(&src("kind = \"stall\"\nlayer = \"proxy\"")), ["stall is a mock fault: layer = \"mock\""]);
        assert_eq!(errs(&src("kind = \"stal\"")), ["10:8 fault[0].kind: unknown kind \"stal\""]);
        assert_eq!(hints(&src("kind = \"stal\"")), ["did you mean \"stall\"?"]);
        assert_eq!(errs(&src("kind = \"stall\"\nlayer = \"dns\"")), ["11:9 fault[0].layer: unknown layer \"dns\""]);
        assert_eq!(hints(&src("kind = \"stall\"\nlayer = \"dns\"")), ["expected one of \"mock\", \"proxy\""]);

        // Keys of another kind.
        let s = src("kind = \"latency\"\nlatency = \"1ms\"\ncode = 503");
        assert_eq!(errs(&s), ["12:8 fault[0].code: code does not apply to kind \"latency\""]);
        assert_eq!(hints(&s), ["kind \"latency\" takes latency; code is for \"status\""]);
        let s = src("kind = \"stall\"\nafter = \"1s\"");
        assert_eq!(errs(&s), ["11:9 fault[0].after: after does not apply to kind \"stall\""]);
        assert_eq!(
            hints(&s),
            ["kind \"stall\" takes no keys of its own; after is for \"gateway_timeout\", \"reset_peer\""]
        );
        let s = src("kind = \"status\"\nstatus = 503");
        assert_eq!(
            errs(&s),
            ["9:1 fault[0]: missing field \"code\"", "11:10 fault[0].status: status does not apply to kind \"status\""]
        );
        assert_eq!(
            hints(&s),
            [
                "kind \"status\" needs code, e.g. code = 503",
                "kind \"status\" takes code; status is for \"gateway_timeout\""
            ]
        );
        let s = src("kind = \"latency\"\nlatency = \"1ms\"\ndirection = \"both\"");
        assert_eq!(
            errs(&s),
            ["12:13 fault[0].direction: direction does not apply to kind \"latency\" on layer \"mock\""]
        );
        assert_eq!(hints(&s), ["direction applies to latency on layer = \"proxy\""]);
        let s = src("kind = \"close\"\ndirection = \"both\"");
        assert_eq!(
            hints(&s),
            ["kind \"close\" takes after_requests; direction is for proxy faults (layer = \"proxy\")"]
        );

        // Misspelt keys: all of them, next to the fault's other problems, with the closest name.
        let s = src("kind = \"slicer\"\nlayer = \"proxy\"\nsise = 64\ndelai = \"1ms\"\nprobablity = 0.5\nat = 5");
        assert_eq!(
            errs(&s),
            [
                "9:1 fault[0]: missing field \"size\"",
                "12:1 fault[0]: unknown field \"sise\"",
                "13:1 fault[0]: unknown field \"delai\"",
                "14:1 fault[0]: unknown field \"probablity\"",
                "15:6 fault[0].at: bare number 5 is not a duration",
            ]
        );
        assert_eq!(
            hints(&s),
            [
                "kind \"slicer\" needs size, e.g. size = 64",
                "did you mean \"size\"?",
                "did you mean \"delay\"?",
                "did you mean \"probability\"?",
                DURATION_HINT
            ]
        );
        assert_eq!(hints(&src("kind = \"stall\"\nbyte = 1")), ["did you mean \"bytes\"?"]);

        // Missing required keys.
        for (kind, key) in
            [("latency", "latency"), ("status", "code"), ("trickle", "over"), ("gateway_timeout", "after")]
        {
            assert_eq!(errs(&src(&format!("kind = \"{kind}\""))), [format!("9:1 fault[0]: missing field \"{key}\"")]);
        }
        for (kind, key) in [
            ("latency", "latency"),
            ("bandwidth", "bytes_per_s"),
            ("slicer", "size"),
            ("slow_close", "delay"),
            ("limit_data", "bytes"),
        ] {
            assert_eq!(
                errs(&src(&format!("kind = \"{kind}\"\nlayer = \"proxy\""))),
                [format!("9:1 fault[0]: missing field \"{key}\"")]
            );
        }

        // Mock faults need the mock; proxy faults do not.
        let s = format!("{URL_TARGET}[[fault]]\nkind = \"stall\"\n");
        assert_eq!(errs(&s), ["10:8 fault[0].kind: stall is a mock fault, but the target is a URL"]);
        assert_eq!(hints(&s), ["set mock = true in [target]"]);
        let s = format!("{URL_TARGET}[[fault]]\nkind = \"latency\"\nlatency = \"1ms\"\n");
        assert_eq!(hints(&s), ["set mock = true in [target], or layer = \"proxy\" to inject it in front of the URL"]);
        let s = format!("{URL_TARGET}[[fault]]\nkind = \"status\"\nlayer = \"proxy\"\ncode = 503\n");
        assert_eq!(
            errs(&s),
            ["11:9 fault[0].layer: status is not available on layer \"proxy\""],
            "one mistake, one message"
        );
    }

    #[test]
    fn mock_knobs_reach_the_plan() {
        let plan = ok(&with(
            r#"[mock]
latency = { dist = "lognormal", median = "4ms", p99 = "30ms" }
status = [ { code = 200, weight = 95 }, { code = 503 } ]
body_bytes = 0
keep_alive_timeout = "5s"
keep_alive_close = "race"
keep_alive_jitter = "500ms"
[mock.serverless]
instances = 4
concurrency = 8
freeze_after = "3s"
init = { dist = "uniform", min = "250ms", max = "800ms" }
on_freeze = "drop"
queue_timeout = "2s"
queue_status = 504
prewarm = 4
"#,
        ));
        let sigma = Dist::lognormal_sigma(Duration::from_millis(4), Duration::from_millis(30));
        assert_eq!(plan.mock.latency, Dist::LogNormal { median: Duration::from_millis(4), sigma });
        assert_eq!(plan.mock.statuses, vec![(200, 95), (503, 1)]);
        assert_eq!(plan.mock.body_bytes, 0);
        assert_eq!(plan.mock.keep_alive_idle, Some(Duration::from_secs(5)));
        assert_eq!(plan.mock.keep_alive_close, KeepAliveClose::Race);
        assert_eq!(plan.mock.keep_alive_jitter, ms(500));
        assert_eq!(
            plan.mock.serverless,
            Some(ServerlessPlan {
                instances: 4,
                concurrency: 8,
                freeze_after: Duration::from_secs(3),
                init: Dist::Uniform { min: ms(250), max: ms(800) },
                on_freeze: OnFreeze::Drop,
                queue_timeout: Duration::from_secs(2),
                queue_status: 504,
                prewarm: 4,
            })
        );
        let plan = ok(&with("[mock.serverless]\ninstances = 1\nfreeze_after = \"1s\"\ninit = \"300ms\"\n"));
        assert_eq!(
            plan.mock,
            MockPlan {
                serverless: Some(ServerlessPlan {
                    instances: 1,
                    concurrency: 1,
                    freeze_after: Duration::from_secs(1),
                    init: Dist::Fixed(ms(300)),
                    on_freeze: OnFreeze::Reset,
                    queue_timeout: Duration::from_secs(10),
                    queue_status: 503,
                    prewarm: 0,
                }),
                ..MockPlan::default()
            }
        );
        let plan = ok(&with("[mock]\nkeep_alive_timeout = \"5s\"\nkeep_alive_close = \"rst\"\n"));
        assert_eq!((plan.mock.keep_alive_close, plan.mock.keep_alive_jitter), (KeepAliveClose::Rst, Duration::ZERO));
        let plan = ok(&with("[mock]\nkeep_alive_timeout = \"5s\"\nkeep_alive_close = \"fin\"\n"));
        assert_eq!(plan.mock.keep_alive_close, KeepAliveClose::Fin);
    }

    #[test]
    fn keep_alive_close_and_jitter_need_a_timeout() {
        let s = with("[mock]\nkeep_alive_close = \"rst\"\nkeep_alive_jitter = \"1s\"\n");
        assert_eq!(
            errs(&s),
            [
                "10:20 mock.keep_alive_close: keep_alive_close needs keep_alive_timeout: without it the mock never closes idle connections",
                "11:21 mock.keep_alive_jitter: keep_alive_jitter needs keep_alive_timeout: without it the mock never closes idle connections",
            ]
        );
        assert_eq!(hints(&s)[0], "set keep_alive_timeout, e.g. keep_alive_timeout = \"5s\"");
        assert_eq!(
            errs(&with("[mock]\nkeep_alive_timeout = \"none\"\nkeep_alive_close = \"fin\"\n")).len(),
            1,
            "\"none\" is no timeout"
        );
        assert_eq!(
            errs(&with(
                "[mock]\nkeep_alive_timeout = \"2s\"\nkeep_alive_close = \"reset\"\nkeep_alive_jitter = \"2s\"\n"
            )),
            [
                "11:20 mock.keep_alive_close: keep_alive_close must be \"fin\", \"rst\" or \"race\", got \"reset\"",
                "12:21 mock.keep_alive_jitter: keep_alive_jitter (2s) must be shorter than keep_alive_timeout (2s)",
            ]
        );
        // An invalid timeout is reported once, not again by the keys that depend on it.
        assert_eq!(
            errs(&with("[mock]\nkeep_alive_timeout = \"0s\"\nkeep_alive_close = \"rst\"\n")),
            ["10:22 mock.keep_alive_timeout: a timeout must be longer than 0s"]
        );
    }

    #[test]
    fn serverless_rules() {
        assert_eq!(
            errs(&with("[mock.serverless]\nconcurrency = 0\n")),
            [
                "9:1 mock.serverless: missing field \"instances\"",
                "9:1 mock.serverless: missing field \"freeze_after\"",
                "9:1 mock.serverless: missing field \"init\"",
                "10:15 mock.serverless.concurrency: must be ≥ 1, got 0",
            ]
        );
        let s = with(
            "[mock.serverless]\ninstances = 2\nfreeze_after = \"0s\"\ninit = \"none\"\non_freeze = \"rst\"\nqueue_timeout = \"none\"\nqueue_status = 500\nprewarm = 3\n",
        );
        assert_eq!(
            errs(&s),
            [
                "11:16 mock.serverless.freeze_after: must be longer than 0s",
                "12:8 mock.serverless.init: \"none\" is not allowed here",
                "13:13 mock.serverless.on_freeze: on_freeze must be \"reset\", \"drop\" or \"keep\", got \"rst\"",
                "14:17 mock.serverless.queue_timeout: \"none\" is not allowed here",
                "15:16 mock.serverless.queue_status: queue_status must be 503 or 504, got 500",
                "16:11 mock.serverless.prewarm: prewarm (3) is above instances (2)",
            ]
        );
        // A mistake in [mock.serverless] does not hide those of [mock], nor the other way round.
        assert_eq!(
            errs(&with("[mock]\nbody_bytes = -1\n[mock.serverless]\ninstancs = 1\n")),
            [
                "10:14 mock.body_bytes: body_bytes must be ≥ 0, got -1",
                "12:1 mock.serverless: unknown field \"instancs\""
            ]
        );
        assert_eq!(hints(&with("[mock.serverless]\ninstancs = 1\n")), ["did you mean \"instances\"?"]);
        // The mock's sections need the mock.
        let s = format!("{URL_TARGET}[mock.serverless]\ninstances = 1\nfreeze_after = \"1s\"\ninit = \"1s\"\n");
        assert_eq!(
            errs(&s),
            ["9:1 mock.serverless: [mock.serverless] configures the built-in mock, but the target is a URL"]
        );
        let s = format!("{URL_TARGET}[mock]\nbody_bytes = 1\n");
        assert_eq!(errs(&s), ["9:1 mock: [mock] configures the built-in mock, but the target is a URL"]);
        assert_eq!(hints(&s), ["set mock = true in [target], or remove [mock]"]);
    }

    #[test]
    fn parts_for_standalone_servers() {
        let parts = validate_parts("", Path::new("c.toml")).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(parts, Parts { mock: MockPlan::default(), faults: Vec::new(), seed: 1 });

        let src = "seed = 9\n[mock]\nbody_bytes = 10\n[[fault]]\nkind = \"reset_peer\"\nlayer = \"proxy\"\n[[fault]]\nkind = \"stall\"\nat = \"1h\"\nfor = \"1s\"\n";
        let parts = validate_parts(src, Path::new("c.toml")).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(parts.seed, 9);
        assert_eq!(parts.mock.body_bytes, 10);
        assert_eq!(
            parts.faults,
            [
                FaultPlan {
                    kind: proxy(Direction::Downstream, Toxic::ResetPeer { after: Duration::ZERO }),
                    at: Duration::ZERO,
                    duration: FOREVER,
                    every: None,
                    probability: 1.0
                },
                FaultPlan {
                    kind: FaultKind::Stall,
                    at: Duration::from_secs(3600),
                    duration: Duration::from_secs(1),
                    every: None,
                    probability: 1.0
                },
            ]
        );
        assert_eq!(fmt_dur(FOREVER), "100years");

        // A scenario file passes as it is; its other sections are not checked, even with a URL
        // target (the standalone mock is its own target).
        let src = format!("{URL_TARGET}threads = 0\n[[fault]]\nkind = \"status\"\ncode = 503\n");
        let parts = validate_parts(&src, Path::new("c.toml")).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(parts.faults[0].kind, FaultKind::Status(503));
        assert!(validate(&src, Path::new("c.toml")).is_err());

        // Its own sections are checked as in a scenario, and unknown keys are still reported.
        let diags = validate_parts(
            "sed = 1\n[mock]\nkeep_alive_close = \"rst\"\n[[fault]]\nkind = \"bandwidth\"\n",
            Path::new("c.toml"),
        )
        .expect_err("invalid");
        let got: Vec<String> = diags.0.iter().map(|d| format!("{}:{} {}", d.line, d.col, d.field)).collect();
        assert_eq!(got, ["1:1 sed", "3:20 mock.keep_alive_close", "4:1 fault[0]", "5:8 fault[0].kind"]);
    }

    #[test]
    fn unknown_keys_are_located_and_get_the_closest_name() {
        assert_eq!(errs(&format!("sead = 1\n{MINIMAL}")), ["1:1 sead: unknown key \"sead\""]);
        assert_eq!(hints(&format!("sead = 1\n{MINIMAL}")), ["did you mean \"seed\"?"]);
        assert_eq!(hints(&format!("zzzzzz = 1\n{MINIMAL}"))[0].split(',').next(), Some("expected one of \"name\""));
        // After [[client]], a misspelt key belongs to the client.
        assert_eq!(errs(&format!("{MINIMAL}sead = 1\n")), ["9:1 client[0]: unknown field \"sead\""]);
        let src = phase("shape = { kind = \"constant\", rat = 5 }");
        assert_eq!(errs(&src), ["8:30 phase[0].shape: unknown field \"rat\""]);
        assert_eq!(hints(&src), ["did you mean \"rate\"?"]);
        let src = client("retries = { max = 1, onn = [\"reset\"] }");
        assert_eq!(errs(&src), ["9:22 client[0].retries: unknown field \"onn\""]);
        assert_eq!(hints(&src), ["did you mean \"on\"?"]);
        let src = phase("shape = { kind = \"burst\", rate = 5 }");
        assert_eq!(errs(&src), ["8:18 phase[0].shape.kind: unknown kind \"burst\""]);
        assert_eq!(hints(&src), ["did you mean \"bursts\"?"]);
        assert_eq!(errs(&phase("shape = { kind = \"steps\" }")), ["8:9 phase[0].shape: missing field \"rates\""]);
        assert_eq!(
            errs(&phase("concurrency = 1.5")),
            ["8:15 phase[0].concurrency: invalid type: float 1.5, expected an integer"]
        );
    }

    #[test]
    fn syntax_errors_are_all_reported_with_their_place() {
        let diags = validate("name = \"t\"\nseed = \nthreads = = 2\n", Path::new("s.toml")).expect_err("syntax");
        assert!(diags.0.len() >= 2, "{diags}");
        assert_eq!((diags.0[0].line, diags.0[0].col, diags.0[0].field.as_str()), (2, 8, ""));
        assert!(diags.0[0].message.starts_with("TOML syntax error: "), "{}", diags.0[0].message);
        assert!(diags.0.iter().any(|d| d.line == 3), "{diags}");
    }

    #[test]
    fn durations_need_units() {
        assert_eq!(
            errs(&phase("concurrency = 1\nthink = 10")),
            ["9:9 phase[0].think: bare number 10 is not a duration"]
        );
        assert_eq!(hints(&phase("concurrency = 1\nthink = 10")), [DURATION_HINT]);
        assert_eq!(
            errs(&client("connect_timeout = \"3 parsecs\"\nrequest_timeout = \"0s\"\npool_idle_timeout = 90")),
            [
                "9:19 client[0].connect_timeout: invalid duration \"3 parsecs\": unknown time unit \"parsecs\", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)",
                "10:19 client[0].request_timeout: a timeout must be longer than 0s",
                "11:21 client[0].pool_idle_timeout: bare number 90 is not a duration",
            ]
        );
        assert_eq!(errs(&format!("drain = \"none\"\n{MINIMAL}")), ["1:9 drain: \"none\" is not allowed here"]);
        let plan = ok(&phase("concurrency = 1\nthink = \"none\""));
        assert_eq!(plan.phases[0].load, Load::Closed { concurrency: 1, think: None });
        let plan = ok(&phase("concurrency = 1\nthink = \"10ms\""));
        assert_eq!(
            plan.phases[0].load,
            Load::Closed { concurrency: 1, think: Some(Dist::Fixed(Duration::from_millis(10))) }
        );
    }

    #[test]
    fn a_phase_is_open_or_closed() {
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = 1 }\nconcurrency = 2")),
            ["9:15 phase[0].concurrency: shape and concurrency are mutually exclusive"]
        );
        assert_eq!(errs(&phase("")), ["6:1 phase[0]: a phase needs shape (open model) or concurrency (closed model)"]);
        assert_eq!(
            errs(&phase("concurrency = 0\npoisson = false")),
            [
                "8:15 phase[0].concurrency: concurrency must be ≥ 1, got 0",
                "9:11 phase[0].poisson: poisson applies only to the open model"
            ]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = 1 }\nthink = \"1s\"\nmax_in_flight = 0")),
            [
                "9:9 phase[0].think: think applies only to the closed model",
                "10:17 phase[0].max_in_flight: must be ≥ 1, got 0"
            ]
        );
        assert_eq!(
            errs("name = \"t\"\n[target]\nmock = true\n[[client]]\nname = \"c\"\n[[phase]]\nconcurrency = 1\n"),
            ["6:1 phase[0]: missing field \"duration\""]
        );
    }

    #[test]
    fn rates_are_finite_and_something_is_sent() {
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = 0 }")),
            ["8:37 phase[0].shape.rate: rate must be above 0"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = inf }")),
            ["8:37 phase[0].shape.rate: rate must be a finite number ≥ 0 (requests per second), got inf"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"ramp\", from = -1, to = 5 }")),
            ["8:33 phase[0].shape.from: rate must be a finite number ≥ 0 (requests per second), got -1"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"ramp\", from = 0, to = 0 }")),
            ["8:9 phase[0].shape: a ramp from 0 to 0 sends nothing"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"steps\", rates = [] }")),
            ["8:35 phase[0].shape.rates: steps need at least one rate"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"steps\", rates = [1, nan] }")),
            ["8:39 phase[0].shape.rates[1]: rate must be a finite number ≥ 0 (requests per second), got NaN"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"bursts\", rate = 5, on = \"0s\", off = \"-1s\" }")),
            [
                "8:43 phase[0].shape.on: must be longer than 0s",
                "8:55 phase[0].shape.off: invalid duration \"-1s\": expected number at 0",
            ]
        );
    }

    #[test]
    fn distributions_are_sane() {
        let latency = |d: &str| errs(&with(&format!("[mock]\nlatency = {d}\n")));
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"4ms\", p99 = \"4ms\" }"),
            ["10:55 mock.latency.p99: p99 (4ms) must be above the median (4ms)"]
        );
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"0s\", sigma = 1.0 }"),
            ["10:42 mock.latency.median: must be longer than 0s"]
        );
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"1ms\", sigma = 0.0 }"),
            ["10:57 mock.latency.sigma: sigma must be a finite number above 0, got 0"]
        );
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"1ms\", sigma = 1.0, p99 = \"9ms\" }"),
            ["10:11 mock.latency: p99 and sigma are mutually exclusive"]
        );
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"1ms\" }"),
            ["10:11 mock.latency: a lognormal needs p99 or sigma"]
        );
        assert_eq!(
            latency("{ dist = \"uniform\", min = \"2ms\", max = \"1ms\" }"),
            ["10:37 mock.latency.min: min (2ms) is above max (1ms)"]
        );
        let plan = ok(&with("[mock]\nlatency = { dist = \"normal\", mean = \"5ms\", stddev = \"0s\" }\n"));
        assert_eq!(plan.mock.latency, Dist::Normal { mean: Duration::from_millis(5), stddev: Duration::ZERO });
        let plan = ok(&with("[mock]\nlatency = { dist = \"lognormal\", median = \"2ms\", sigma = 0.5 }\n"));
        assert_eq!(plan.mock.latency, Dist::LogNormal { median: Duration::from_millis(2), sigma: 0.5 });
    }

    #[test]
    fn targets() {
        let target = |body: &str| {
            format!("name = \"t\"\n[target]\n{body}\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n")
        };
        assert_eq!(
            ok(&target("url = \"http://example.com:8080\"")).target,
            Target::Url("http://example.com:8080/".parse().unwrap())
        );
        assert_eq!(
            ok(&target("mock = false\nurl = \"http://h/x\"")).target,
            Target::Url("http://h:80/x".parse().unwrap())
        );
        assert_eq!(errs(&target("url = \"https://h/\"")), ["3:7 target.url: https targets are not supported"]);
        assert_eq!(hints(&target("url = \"https://h/\"")), ["not supported yet: use an http:// URL"]);
        assert_eq!(errs(&target("url = \"ftp://h/\"")), ["3:7 target.url: \"ftp://h/\" is not an http:// URL"]);
        assert_eq!(errs(&target("url = \"/just/a/path\"")), ["3:7 target.url: \"/just/a/path\" is not an http:// URL"]);
        assert_eq!(errs(&target("url = \"http://\"")), ["3:7 target.url: invalid URL \"http://\": empty string"]);
        assert_eq!(
            errs(&target("mock = true\nurl = \"http://h\"")),
            ["4:7 target.url: mock = true and url are mutually exclusive"]
        );
        assert_eq!(
            errs(&target("mock = false")),
            ["3:8 target.mock: mock = false and no url: nothing to send requests to"]
        );
        assert_eq!(errs(&target("")), ["2:1 target: [target] needs mock = true or url"]);
        assert_eq!(
            errs("name = \"t\"\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n"),
            ["1:1 target: missing [target] section"]
        );
    }

    #[test]
    fn names_and_counts() {
        assert_eq!(
            errs("[target]\nmock = true\n"),
            [
                "1:1 name: a scenario needs a name",
                "1:1 phase: at least one [[phase]] is required",
                "1:1 client: at least one [[client]] is required"
            ]
        );
        assert_eq!(
            errs(&MINIMAL.replace("\"t\"", "\"a/b\"")),
            ["1:8 name: \"a/b\" may contain only letters, digits, '-' and '_'"]
        );
        assert_eq!(errs(&MINIMAL.replace("\"t\"", "5")), ["1:8 name: invalid type: integer 5, expected a string"]);
        assert_eq!(
            errs(&format!("seed = -1\nthreads = 65\n{MINIMAL}")),
            ["1:8 seed: seed must be ≥ 0, got -1", "2:11 threads: threads must be between 1 and 64, got 65"]
        );
        assert_eq!(
            errs(&with(
                "[[client]]\nname = \"c\"\n[[phase]]\nname = \"phase-1\"\nduration = \"1s\"\nconcurrency = 1\n"
            )),
            [
                "10:8 client[1].name: duplicate client name \"c\"",
                "12:8 phase[1].name: duplicate phase name \"phase-1\""
            ]
        );
        assert_eq!(
            errs(&format!("{MINIMAL}[phase]\nduration = \"1s\"\n")).len(),
            1,
            "[phase] after [[phase]] is a TOML error"
        );
        assert_eq!(
            errs("name = \"t\"\n[target]\nmock = true\n[phase]\nduration = \"1s\"\n[[client]]\nname = \"c\"\n"),
            ["4:1 phase: phase must be an array of tables"]
        );
        assert_eq!(
            errs(&client("max_conns_per_host = 0\npool_max_idle_per_host = \"lots\"")),
            [
                "9:22 client[0].max_conns_per_host: must be ≥ 1, got 0",
                "10:26 client[0].pool_max_idle_per_host: expected an integer or \"unlimited\", got \"lots\"",
            ]
        );
        assert_eq!(ok(&client("max_conns_per_host = \"unlimited\"")).clients[0].max_conns_per_host, None);
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
                "9:19 client[0].retries.max: max must be ≥ 0, got -1",
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
            errs(&format!("threads = 4\n{}", client("max_conns_per_host = 2"))),
            ["10:22 client[0].max_conns_per_host: max_conns_per_host (2) is below threads (4)"]
        );
    }

    #[test]
    fn requests() {
        assert_eq!(
            errs(&with("[request]\nmethod = \"GE T\"\npath = \"x\"\nheaders = { \"bad header\" = \"v\", ok = \"line\\nbreak\" }\n")),
            [
                "10:10 request.method: invalid method \"GE T\"",
                "11:8 request.path: path \"x\" must start with '/'",
                "12:28 request.headers.bad header: invalid header name \"bad header\"",
                "12:38 request.headers.ok: invalid value for header \"ok\"",
            ]
        );
        assert_eq!(hints(&with("[request]\npath = \"x\"\n")), ["did you mean \"/x\"?"]);
        assert_eq!(
            errs(&phase("concurrency = 1\nrequest = { path = \"nope\" }")),
            ["9:20 phase[0].request.path: path \"nope\" must start with '/'"]
        );
    }

    #[test]
    fn mock_section() {
        assert_eq!(
            errs(&with("[mock]\nstatus = []\nkeep_alive_timeout = \"0s\"\n")),
            [
                "10:10 mock.status: status needs at least one entry",
                "11:22 mock.keep_alive_timeout: a timeout must be longer than 0s"
            ]
        );
        assert_eq!(
            errs(&with("[mock]\nstatus = [{ weight = 2 }]\n")),
            ["10:11 mock.status[0]: missing field \"code\""]
        );
        assert_eq!(ok(&with("[mock]\nkeep_alive_timeout = \"none\"\n")).mock.keep_alive_idle, None);
    }

    #[test]
    fn diagnostics_display_with_hints() {
        let diags = validate(&client("pool_idle_timout = \"1s\""), Path::new("dir/s.toml")).expect_err("invalid");
        assert_eq!(
            diags.to_string(),
            "dir/s.toml:9:1: client[0]: unknown field \"pool_idle_timout\"\n  hint: did you mean \"pool_idle_timeout\"?"
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("µs", "us"), 1);
        assert_eq!(did_you_mean("xyz", ["name", "seed"]), None);
    }

    #[test]
    fn normalized_reads_back_as_the_same_plan() {
        let src = r#"
name = "round-trip"
[target]
mock = true
[mock]
latency = { dist = "lognormal", median = "4ms", p99 = "30ms" }
status = [ { code = 200, weight = 9 }, { code = 503 } ]
[request]
headers = { "x-id" = "a" }
[[phase]]
duration = "1m 30s"
shape = { kind = "bursts", rate = 2.5, on = "2s", off = "500ms" }
[[phase]]
duration = "1s"
concurrency = 2
think = { dist = "normal", mean = "10ms", stddev = "1ms" }
[[client]]
name = "a"
retries = { max = 1, on = ["reset", "5xx", "http_503"] }
[[client]]
name = "b"
max_conns_per_host = 4
[[fault]]
kind = "stall"
at = "1s"
for = "250ms"
"#;
        let plan = ok(src);
        assert_round_trip(&plan);
        let json = plan.normalized();
        assert_eq!(json["drain"], "5s");
        assert_eq!(json["target"]["mock"], true);
        assert_eq!(json["mock"]["keep_alive_timeout"], "none");
        assert_eq!(json["mock"]["latency"]["median"], "4ms");
        assert_eq!(json["phase"][0]["duration"], "1m 30s");
        assert_eq!(
            json["phase"][0]["shape"],
            serde_json::json!({ "kind": "bursts", "rate": 2.5, "on": "2s", "off": "500ms" })
        );
        assert_eq!(json["phase"][0]["max_in_flight"], 10_000);
        assert_eq!(json["phase"][1]["think"], serde_json::json!({ "dist": "normal", "mean": "10ms", "stddev": "1ms" }));
        assert_eq!(json["phase"][1]["request"]["headers"]["x-id"], "a");
        assert_eq!(json["client"][0]["pool_max_idle_per_host"], "unlimited");
        assert_eq!(json["client"][0]["retries"]["on"], serde_json::json!(["reset", "5xx", "http_503"]));
        assert_eq!(json["client"][0]["retries"]["backoff"], "0s");
        assert_eq!(json["client"][1]["max_conns_per_host"], 4);
        assert_eq!(json["client"][1]["request_timeout"], "none");
        assert_eq!(json["fault"][0]["every"], "once");
        assert_eq!(json["fault"][0]["probability"], 1.0);
        assert!(json["mock"].get("keep_alive_close").is_none(), "only with a keep_alive_timeout");
        assert!(json["mock"].get("serverless").is_none());
    }

    /// `plan.normalized()` written as TOML validates to the same plan and the same JSON.
    fn assert_round_trip(plan: &Plan) {
        let json = plan.normalized();
        let toml_text = toml::to_string(&json).expect("normalized JSON is TOML-serializable");
        let again = validate(&toml_text, Path::new("t.toml")).unwrap_or_else(|d| panic!("{d}\n{toml_text}"));
        assert_eq!(again.normalized(), json);
        assert_eq!(
            (&again.target, &again.mock, &again.phases, &again.clients, &again.faults),
            (&plan.target, &plan.mock, &plan.phases, &plan.clients, &plan.faults)
        );
        assert_eq!((again.seed, again.drain, again.threads), (plan.seed, plan.drain, plan.threads));
    }

    #[test]
    fn every_fault_kind_and_the_mock_model_read_back_the_same() {
        let src = r#"
name = "chaos"
seed = 3
drain = "2s"
[target]
mock = true
[mock]
keep_alive_timeout = "5s"
keep_alive_close = "race"
keep_alive_jitter = "500ms"
[mock.serverless]
instances = 4
concurrency = 8
freeze_after = "3s"
init = { dist = "lognormal", median = "300ms", sigma = 0.5 }
on_freeze = "keep"
prewarm = 1
[[phase]]
duration = "30s"
shape = { kind = "constant", rate = 10 }
[[client]]
name = "c"
[[fault]]
kind = "stall"
at = "1s"
for = "2s"
every = "10s"
probability = 0.5
[[fault]]
kind = "latency"
latency = { dist = "uniform", min = "1ms", max = "2ms" }
[[fault]]
kind = "status"
code = 429
[[fault]]
kind = "close"
after_requests = 3
[[fault]]
kind = "reset"
stage = "accept"
[[fault]]
kind = "reset"
stage = "mid_body"
after_bytes = 10
[[fault]]
kind = "reset"
[[fault]]
kind = "empty_response"
probability = 0.125
[[fault]]
kind = "malformed"
form = "short_body"
[[fault]]
kind = "trickle"
over = "1s 500ms"
[[fault]]
kind = "gateway_timeout"
status = 502
after = "6s"
[[fault]]
kind = "latency"
layer = "proxy"
latency = "20ms"
direction = "both"
[[fault]]
kind = "bandwidth"
layer = "proxy"
bytes_per_s = 1000
[[fault]]
kind = "slicer"
layer = "proxy"
size = 16
delay = "1ms"
direction = "upstream"
[[fault]]
kind = "reset_peer"
layer = "proxy"
after = "250ms"
[[fault]]
kind = "blackhole"
layer = "proxy"
[[fault]]
kind = "slow_close"
layer = "proxy"
delay = "2s"
[[fault]]
kind = "limit_data"
layer = "proxy"
bytes = 0
[[fault]]
kind = "refuse"
layer = "proxy"
at = "29s"
"#;
        let plan = ok(src);
        assert_eq!(plan.faults.len(), 19);
        assert_round_trip(&plan);
        let json = plan.normalized();
        assert_eq!(json["mock"]["keep_alive_close"], "race");
        assert_eq!(json["mock"]["keep_alive_jitter"], "500ms");
        assert_eq!(
            json["mock"]["serverless"],
            serde_json::json!({
                "instances": 4, "concurrency": 8, "freeze_after": "3s",
                "init": { "dist": "lognormal", "median": "300ms", "sigma": 0.5 },
                "on_freeze": "keep", "queue_timeout": "10s", "queue_status": 503, "prewarm": 1,
            })
        );
        assert_eq!(
            json["fault"][0],
            serde_json::json!({
                "kind": "stall", "layer": "mock", "at": "1s", "for": "2s", "every": "10s", "probability": 0.5,
            })
        );
        // Defaults are written out: the whole run is the phases and the drain.
        assert_eq!(json["fault"][1]["for"], "32s");
        assert_eq!(json["fault"][6]["stage"], "before_headers");
        assert_eq!(json["fault"][12]["direction"], "downstream");
        assert_eq!(
            json["fault"][13],
            serde_json::json!({
                "kind": "slicer", "layer": "proxy", "at": "0s", "for": "32s", "every": "once", "probability": 1.0,
                "size": 16, "delay": "1ms", "direction": "upstream",
            })
        );

        // A URL target has no [mock] to write.
        let plan = ok("name = \"u\"\n[target]\nurl = \"http://h:81/x\"\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n[[fault]]\nkind = \"reset_peer\"\nlayer = \"proxy\"\n");
        assert!(plan.normalized().get("mock").is_none());
        assert_round_trip(&plan);
    }

    #[test]
    fn http2_clients_are_warned_of_the_http1_only_mock_faults_they_will_not_meet() {
        let faults = "[[fault]]\nkind = \"status\"\ncode = 503\n[[fault]]\nkind = \"reset\"\nstage = \"accept\"\n\
                      [[fault]]\nkind = \"reset\"\n[[fault]]\nkind = \"close\"\n[[fault]]\nkind = \"latency\"\n\
                      layer = \"proxy\"\nlatency = \"1ms\"\n";
        // HTTP/1 clients only: nothing to warn of.
        assert!(ok(&with(faults)).warnings().is_empty());
        let plan = ok(&with(&format!("[[client]]\nname = \"mux\"\nhttp = \"2\"\n{faults}")));
        let warnings = plan.warnings();
        // The reset after reading the request and the close; not the status, the reset at accept
        // (before any protocol) or the proxy's latency.
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with("fault[2] (reset, layer mock) acts on HTTP/1 connections only: \"mux\""));
        assert!(warnings[1].starts_with("fault[3] (close, layer mock)"));
        assert!(plan.warnings_for(|name| name == "c").is_empty(), "the HTTP/2 client is not selected");
    }
}
