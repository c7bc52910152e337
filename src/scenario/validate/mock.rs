//! `[mock]` and `[mock.serverless]`: the built-in mock upstream and its serverless model.

use super::diagnostic::Cx;
use super::values::fmt_dur;
use crate::dist::Dist;
use crate::mock::plan::{AtMaxConnections, MockTlsPlan, OnReadTimeout, ServerDefaults};
use crate::mock::MockTls;
use crate::scenario::plan::{KeepAliveClose, MockPlan, OnFreeze, ServerlessPlan};
use crate::scenario::raw::{RawMock, RawServerless, Scalar};
use crate::vocabulary::Words;
use std::time::Duration;
use toml::de::DeValue;

impl Cx<'_> {
    /// `[mock]` and `[mock.serverless]`, each deserialized on its own.
    pub(super) fn mock_section(&mut self) -> MockPlan {
        let Some(value) = self.doc.get("mock") else {
            return MockPlan::default();
        };
        let mut plan = self.section::<RawMock>("mock", value).map_or_else(MockPlan::default, |m| self.mock(&m));
        if let DeValue::Table(table) = value.get_ref() {
            if let Some(serverless) = table.get("serverless") {
                plan.serverless =
                    self.section::<RawServerless>("mock.serverless", serverless).and_then(|s| self.serverless(&s));
            }
            if plan.tls.is_none() && plan.serverless.as_ref().is_some_and(|s| s.cold_handshake.is_some()) {
                self.error_hint(
                    "mock.serverless.cold_handshake",
                    "cold_handshake is a TLS handshake's cost, and the mock speaks plain HTTP",
                    "add tls = true under [mock]",
                );
            }
        }
        plan
    }

    /// `tls = true`, with the certificate made at start or `cert_file` and `key_file` (both, PEM,
    /// relative to the scenario's folder, read now so that a bad file is reported at its key).
    fn mock_tls(&mut self, raw: &RawMock) -> Option<MockTlsPlan> {
        let folder = self.file.parent().unwrap_or(std::path::Path::new("")).to_path_buf();
        let files = [("cert_file", &raw.cert_file), ("key_file", &raw.key_file)];
        if raw.tls != Some(true) {
            for (key, given) in files {
                if given.is_some() {
                    self.error_hint(
                        &format!("mock.{key}"),
                        format!("{key} needs tls = true"),
                        "add tls = true under [mock]",
                    );
                }
            }
            return None;
        }
        let mut plan = MockTlsPlan::default();
        match (&raw.cert_file, &raw.key_file) {
            (None, None) => {}
            (Some(cert), Some(key)) => {
                let (cert, key) = (folder.join(cert), folder.join(key));
                plan.cert_file = Some(cert.clone());
                plan.key_file = Some(key.clone());
                if let Err(e) = MockTls::new(&plan, &[]) {
                    self.error_hint("mock.cert_file", e.to_string(), "a PEM certificate chain and its PEM private key");
                    return None;
                }
            }
            (Some(_), None) | (None, Some(_)) => {
                let (missing, given) =
                    if raw.cert_file.is_some() { ("key_file", "cert_file") } else { ("cert_file", "key_file") };
                self.error_hint(
                    &format!("mock.{given}"),
                    format!("{given} needs {missing} too"),
                    "give both (PEM files), or neither for a certificate made at start",
                );
                return None;
            }
        }
        Some(plan)
    }

    fn mock(&mut self, raw: &RawMock) -> MockPlan {
        let mut plan = MockPlan::default();
        let preset =
            raw.server_defaults.as_deref().and_then(|w| self.choice("mock.server_defaults", w, ServerDefaults::WORDS));
        self.defences(raw, preset, &mut plan);
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
        plan.tls = self.mock_tls(raw);
        if let Some(bytes) = raw.body_bytes {
            if let Some(b) = self.count("mock.body_bytes", bytes, 0) {
                plan.body_bytes = b;
            }
        }
        if let Some(n) = raw.max_connections {
            if let Some(n) = self.count("mock.max_connections", n, 1) {
                plan.limits.max_connections = n;
            }
        }
        if let Some(n) = raw.max_request_body_bytes {
            if let Some(n) = self.count("mock.max_request_body_bytes", n, 0) {
                plan.limits.max_request_body_bytes = n as u64;
            }
        }
        if let Some(timeout) = &raw.keep_alive_timeout {
            plan.keep_alive_idle = self.timeout("mock.keep_alive_timeout", timeout);
        }
        // Written, even if invalid (that has its own diagnostic), or filled by a preset: the mock
        // closes idle connections.
        let closes_idle = match &raw.keep_alive_timeout {
            Some(t) => *t != Scalar::Str("none".into()),
            None => plan.keep_alive_idle.is_some(),
        };
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
            plan.keep_alive_close =
                self.choice("mock.keep_alive_close", close, KeepAliveClose::WORDS).unwrap_or_default();
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

    /// The defence keys: `server_defaults`' values first, then the keys given, which win.
    fn defences(&mut self, raw: &RawMock, preset: Option<ServerDefaults>, plan: &mut MockPlan) {
        let limits = &mut plan.limits;
        if let Some(preset) = preset {
            let p = preset.preset();
            limits.server_defaults = Some(preset);
            limits.header_read_timeout = p.header_read_timeout;
            limits.body_read_timeout = p.body_read_timeout;
            limits.send_timeout = p.send_timeout;
            limits.max_header_bytes = p.max_header_bytes;
            limits.on_read_timeout = p.on_read_timeout;
            limits.at_max_connections = p.at_max_connections;
            plan.keep_alive_idle = p.keep_alive_timeout;
        }
        let limits = &mut plan.limits;
        for (key, raw, slot) in [
            ("header_read_timeout", &raw.header_read_timeout, &mut limits.header_read_timeout),
            ("body_read_timeout", &raw.body_read_timeout, &mut limits.body_read_timeout),
            ("send_timeout", &raw.send_timeout, &mut limits.send_timeout),
        ] {
            if let Some(v) = raw {
                *slot = self.timeout(&format!("mock.{key}"), v);
            }
        }
        if let Some(n) = raw.max_header_bytes {
            if let Some(n) = self.count("mock.max_header_bytes", n, 1) {
                limits.max_header_bytes = n;
            }
        }
        if let Some(word) = &raw.on_read_timeout {
            if let Some(v) = self.word_or_code("mock.on_read_timeout", word, OnReadTimeout::WORDS) {
                limits.on_read_timeout = v;
            }
        }
        if let Some(word) = &raw.at_max_connections {
            if let Some(v) = self.word_or_code("mock.at_max_connections", word, AtMaxConnections::WORDS) {
                limits.at_max_connections = v;
            }
        }
    }

    /// A word of `options`, where a status code among them may also be written as a number
    /// (`on_read_timeout = 408` as `"408"`).
    fn word_or_code<T: Copy>(&mut self, field: &str, v: &Scalar, options: &[(&str, T)]) -> Option<T> {
        let word = match v {
            Scalar::Str(s) => s.clone(),
            Scalar::Int(n) => n.to_string(),
            Scalar::Float(x) => x.to_string(),
        };
        self.choice(field, &word, options)
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
            Some(fate) => self.choice(&f("on_freeze"), fate, OnFreeze::WORDS),
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
        let cold_handshake = raw.cold_handshake.as_ref().and_then(|d| self.delay(&f("cold_handshake"), d));
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
            cold_handshake,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

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
                cold_handshake: None,
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
                    cold_handshake: None,
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
    fn mock_limits_reach_the_plan_and_are_bounded() {
        let plan = ok(&with("[mock]\nmax_connections = 50\nmax_request_body_bytes = 0\n"));
        assert_eq!(
            plan.mock.limits,
            crate::mock::plan::MockLimits { max_connections: 50, max_request_body_bytes: 0, ..Default::default() }
        );
        assert_round_trip(&plan);
        assert_eq!(ok(&with("[mock]\n")).mock.limits, crate::mock::plan::MockLimits::default());
        assert_eq!(
            errs(&with("[mock]\nmax_connections = 0\nmax_request_body_bytes = -1\n")),
            [
                "10:19 mock.max_connections: must be ≥ 1, got 0",
                "11:26 mock.max_request_body_bytes: must be ≥ 0, got -1",
            ]
        );
        let s = with("[mock]\nmax_connections = 2000000\n");
        assert_eq!(errs(&s), ["10:19 mock.max_connections: 2000000 is above the ceiling of 1000000"]);
        assert!(hints(&s)[0].contains("file descriptor"), "{:?}", hints(&s));
    }

    #[test]
    fn server_defaults_fill_the_defences_and_explicit_keys_win() {
        use crate::mock::plan::{AtMaxConnections, MockLimits, OnReadTimeout, ServerDefaults};
        let secs = |n| Some(Duration::from_secs(n));
        let plan = ok(&with("[mock]\nserver_defaults = \"nginx\"\n"));
        let nginx = MockLimits {
            header_read_timeout: secs(60),
            body_read_timeout: secs(60),
            send_timeout: secs(60),
            max_header_bytes: 32 * 1024,
            on_read_timeout: OnReadTimeout::Close,
            at_max_connections: AtMaxConnections::Refuse503,
            server_defaults: Some(ServerDefaults::Nginx),
            ..MockLimits::default()
        };
        assert_eq!((plan.mock.limits, plan.mock.keep_alive_idle), (nginx, secs(75)));
        assert_round_trip(&plan);
        let plan = ok(&with(
            "[mock]\nserver_defaults = \"nginx\"\nheader_read_timeout = \"1s\"\nsend_timeout = \"none\"\nkeep_alive_timeout = \"none\"\non_read_timeout = 408\nat_max_connections = \"backlog\"\nmax_header_bytes = 9000\nmax_connections = 100\n",
        ));
        let limits = plan.mock.limits;
        assert_eq!(
            (limits.header_read_timeout, limits.body_read_timeout, limits.send_timeout),
            (secs(1), secs(60), None)
        );
        assert_eq!(
            (limits.on_read_timeout, limits.at_max_connections),
            (OnReadTimeout::Answer408, AtMaxConnections::Backlog)
        );
        assert_eq!((limits.max_header_bytes, limits.max_connections, plan.mock.keep_alive_idle), (9000, 100, None));
        assert_round_trip(&plan);
        let plan =
            ok(&with("[mock]\nserver_defaults = \"go\"\nkeep_alive_close = \"rst\"\nkeep_alive_timeout = \"5s\"\n"));
        assert_eq!(plan.mock.limits.max_header_bytes, 1 << 20);
        assert_eq!(plan.mock.limits.header_read_timeout, None);
        assert_round_trip(&plan);
        // nginx's keep-alive timeout is one a keep_alive_close can go with.
        let plan = ok(&with("[mock]\nserver_defaults = \"nginx\"\nkeep_alive_close = \"rst\"\n"));
        assert_eq!(plan.mock.keep_alive_close, KeepAliveClose::Rst);
        let s = with("[mock]\nserver_defaults = \"ngnix\"\non_read_timeout = \"409\"\nheader_read_timeout = 5\nmax_header_bytes = 20000000\n");
        assert_eq!(
            errs(&s),
            [
                "10:19 mock.server_defaults: server_defaults must be \"go\" or \"nginx\", got \"ngnix\"",
                "11:19 mock.on_read_timeout: on_read_timeout must be \"close\" or \"408\", got \"409\"",
                "12:23 mock.header_read_timeout: bare number 5 is not a duration",
                "13:20 mock.max_header_bytes: 20000000 is above the ceiling of 16 MiB",
            ]
        );
        assert_eq!(hints(&s)[0], "did you mean \"nginx\"?");
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
            ["10:14 mock.body_bytes: must be ≥ 0, got -1", "12:1 mock.serverless: unknown field \"instancs\""]
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
}
