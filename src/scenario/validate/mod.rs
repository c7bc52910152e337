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
//!
//! This file is the orchestrator: [`validate`] and [`validate_parts`] parse the document and walk
//! its top level. The rules live beside it, one file per concern: `diagnostic` (reporting and
//! locating), `values` (durations, counts, distributions…), `suggest` ("did you mean"), and one
//! file per section (`target`, `mock`, `proxy`, `dns`, `request`, `phase`, `client`, `faults`). Each adds its own
//! `impl Cx` block.

mod client;
mod diagnostic;
mod dns;
mod faults;
mod gate;
mod mock;
mod phase;
#[cfg(test)]
mod properties;
mod proxy;
mod request;
mod suggest;
mod sweep;
mod target;
#[cfg(test)]
mod test_support;
mod values;

pub use diagnostic::{Diagnostic, Diagnostics};

use diagnostic::Cx;
use faults::RunContext;

use super::ceilings;
use super::plan::*;
use super::plan::{Overrides, Parts};
use super::raw::*;
use request::PartialRequest;
use std::path::Path;
use std::time::Duration;
use suggest::suggestion;
use toml::de::{DeTable, DeValue};

/// Validates `source`, the text of the scenario file `file` (named in diagnostics and kept as
/// the plan's source), with `overrides` from the command line applied before the plan's rules.
pub fn validate(source: &str, file: &Path, overrides: &Overrides) -> Result<Plan, Diagnostics> {
    check(source, file, |cx| cx.scenario(overrides))
}

/// Validates the `[gate]` table of `source` (a gates file or a scenario: its other sections are
/// ignored), its names checked against `names` (a result's).
pub fn validate_gates(
    source: &str,
    file: &Path,
    names: &crate::gate::spec::Names,
) -> Result<crate::gate::spec::GatePlan, Diagnostics> {
    check(source, file, |cx| {
        if cx.doc.get("gate").is_none() {
            // A misspelt table (`[gates]`), not a scenario's own keys (`name` is close to `gate`).
            let near = cx
                .doc
                .iter()
                .filter(|(k, _)| !TOP_LEVEL_KEYS.contains(&k.get_ref().as_ref()))
                .find_map(|(k, _)| suggest::did_you_mean(k.get_ref(), ["gate"]));
            cx.push(0..0, String::new(), "no [gate] table here: nothing to judge".to_string(), Some(near.unwrap_or_else(
                || "write [gate], then one \"client.metric\" = \"condition\" a line, e.g. \"*.error_rate\" = \"< 0.1%\"".to_string(),
            )));
            return None;
        }
        Some(cx.gates(names))
    })
}

/// Validates the parts of a configuration file that the standalone servers use (`seed`, `[mock]`,
/// `[mock.serverless]`, `[[fault]]`); the other scenario sections are ignored.
pub fn validate_parts(source: &str, file: &Path) -> Result<Parts, Diagnostics> {
    check(source, file, |cx| Some(cx.parts()))
}

/// Parses `source` and runs `build` on it; any diagnostic, syntax or semantic, fails the whole
/// (`build` returns `None` only with a diagnostic).
fn check<T>(source: &str, file: &Path, build: impl FnOnce(&mut Cx<'_>) -> Option<T>) -> Result<T, Diagnostics> {
    let (doc, syntax) = DeTable::parse_recoverable(source);
    let mut cx = Cx { src: source, file, doc: doc.get_ref(), diags: Vec::new(), replaced: Vec::new(), reroute: None };
    if !syntax.is_empty() {
        for e in syntax {
            let span = e.span().unwrap_or(0..0);
            let message = format!("TOML syntax error: {}", e.message().replace('`', "'"));
            cx.push(span, String::new(), message, None);
        }
        return Err(cx.finish());
    }
    match build(&mut cx) {
        Some(out) if cx.diags.is_empty() => Ok(out),
        _ => Err(cx.finish()),
    }
}

impl<'a> Cx<'a> {
    fn scenario(&mut self, overrides: &Overrides) -> Option<Plan> {
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
        // Out of range is the plan's rule; a negative count cannot even be held.
        let threads = match doc.get("threads").and_then(|v| self.section::<i64>("threads", v)) {
            Some(t) => usize::try_from(t).unwrap_or_else(|_| {
                let v = threads_out_of_range(t);
                self.report(&v.field, v.message, v.hint);
                self.replaced.push(v.field);
                1
            }),
            None => 1,
        };
        let (threads, threads_from) = match overrides.threads {
            Some(threads) => (threads, "--threads"),
            None => (threads, "threads"),
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

        // That a scenario needs a [[phase]] and a [[client]] is the plan's rule (`PlanParts::violations`).
        let mut phases = Vec::new();
        for (i, raw) in self.array::<RawPhase>("phase") {
            phases.push(self.phase(i, raw.as_ref(), &base_request));
        }
        self.unique_names("phase", phases.iter().map(|p| p.name.as_str()));

        // Each sweep expanded at its place: `places` says where each configuration was written.
        let sweep::Clients { plans: clients, sweeps, places } = self.clients();
        let (served, mock_name) = self.dns_names_in_document();
        let target_host = match &target {
            Target::Url(uri) => uri.host().map(str::to_string),
            Target::Mock => mock_name,
        };
        let before = self.diags.len();
        self.system_cannot_reach(&clients, target_host.as_deref(), &served);
        self.relocate_since(before, &places);

        let phases_length = self.phases_length(&phases);
        let run = RunContext { target: &target, phases: phases_length, drain };
        let faults = self.faults(Some(&run));

        let source = self.file.to_path_buf();
        let proxy = self.proxy_section();
        let dns = self.dns_plan(&faults);
        let fault_labels = self.fault_labels(&faults);
        let names = crate::gate::spec::Names {
            clients: clients.iter().map(|c| c.name.clone()).collect(),
            phases: phases.iter().map(|p| p.name.clone()).collect(),
            faults: faults
                .iter()
                .zip(&fault_labels)
                .map(|((_, f), n)| (n.clone(), f.kind.name().to_string()))
                .collect(),
        };
        let gates = self.gates(&names);
        let faults = faults.into_iter().map(|(_, fault)| fault).collect();
        let parts = PlanParts {
            name,
            seed,
            source,
            target,
            mock,
            proxy,
            dns,
            phases,
            clients,
            sweeps,
            faults,
            fault_labels,
            gates,
            drain,
            threads,
        };
        // The plan's own rules, located by their field as the file has it, except on a value
        // validation replaced or a rule reported already.
        for v in parts.violations(threads_from) {
            let field = places.field(&v.field);
            if !self.replaced.contains(&field) && !places.reported(&v.field) {
                self.report(&field, places.text(&v.message), v.hint.map(|h| places.text(&h)));
            }
        }
        parts.build().ok()
    }

    /// The parts of a standalone server's configuration: the scenario's other sections are ignored.
    fn parts(&mut self) -> Parts {
        self.top_level_keys();
        let (seed, mock, proxy, faults) = (self.seed(), self.mock_section(), self.proxy_section(), self.faults(None));
        let dns = self.dns_plan(&faults).unwrap_or_default();
        let faults = faults.into_iter().map(|(_, fault)| fault).collect();
        Parts { seed, mock, proxy, dns, faults }
    }

    /// `[dns]`, or the stub's defaults when only dns faults ask for it; `None` without either.
    fn dns_plan(&mut self, faults: &[(usize, FaultPlan<FaultKind>)]) -> Option<DnsPlan> {
        let dns = self.dns_section();
        let dns_faults = faults.iter().any(|(_, f)| f.layer() == Layer::Dns);
        let dns = dns.or_else(|| dns_faults.then(DnsPlan::default))?;
        self.dns_fault_servers(faults, dns.nameservers);
        Some(dns)
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

    /// All phases' durations added up, reported at the phase that takes the sum past its ceiling
    /// (a fault without `for` lasts the whole run, so its normalized `for` is this sum and the drain).
    fn phases_length(&mut self, phases: &[PhasePlan]) -> Duration {
        let max = ceilings::ceiling("phases", ceilings::Of::Duration).max;
        let mut sum = Duration::ZERO;
        for (i, phase) in phases.iter().enumerate() {
            let before = sum;
            sum = sum.saturating_add(phase.duration);
            if sum.as_secs_f64() > max.magnitude() && before.as_secs_f64() <= max.magnitude() {
                self.error_hint(
                    &format!("phase[{i}].duration"),
                    format!(
                        "the phases up to this one last {} in all, above the ceiling of {max}",
                        values::fmt_dur(sum)
                    ),
                    format!("all phases together last at most {max}: split the test into several runs"),
                );
            }
        }
        sum
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
}

#[cfg(test)]
mod tests {
    use super::faults::FOREVER;
    use super::test_support::*;
    use super::values::fmt_dur;
    use super::*;
    use crate::chaos::toxics::ResetPeer;
    use crate::dist::Dist;
    use crate::mock::faults::{Stall, Status};
    use crate::record::ErrorKind;
    use bytes::Bytes;
    use http::Method;
    use std::path::PathBuf;

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

    #[test]
    fn parts_for_standalone_servers() {
        let parts = validate_parts("", Path::new("c.toml")).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(
            parts,
            Parts {
                mock: MockPlan::default(),
                proxy: ProxyLimits::default(),
                dns: DnsPlan::default(),
                faults: Vec::new(),
                seed: 1
            }
        );
        // [dns] for `chaosload dns`; its faults keep their [[fault]] index among all layers'.
        let src = "[dns]\nrecords = [ { name = \"x.test\", a = \"10.0.0.1\" } ]\n[[fault]]\nkind = \"stall\"\n\
                   [[fault]]\nlayer = \"dns\"\nkind = \"drop\"\n";
        let parts = validate_parts(src, Path::new("c.toml")).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(parts.dns.records, [DnsRecord::addresses("x.test", &["10.0.0.1".parse().unwrap()], &[])]);
        let dns = ByLayer::split(&parts.faults).dns;
        assert_eq!((dns.len(), dns[0].0, dns[0].1.duration), (1, 1, FOREVER));

        let src = "seed = 9\n[mock]\nbody_bytes = 10\n[[fault]]\nkind = \"reset_peer\"\nlayer = \"proxy\"\n[[fault]]\nkind = \"stall\"\nat = \"1h\"\nfor = \"1s\"\n";
        let parts = validate_parts(src, Path::new("c.toml")).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(parts.seed, 9);
        assert_eq!(parts.mock.body_bytes, 10);
        assert_eq!(
            parts.faults,
            [
                FaultPlan {
                    kind: proxy(Direction::Downstream, ResetPeer { after: Duration::ZERO }),
                    at: Duration::ZERO,
                    duration: FOREVER,
                    every: None,
                    probability: 1.0
                },
                FaultPlan {
                    kind: mock(Stall),
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
        assert_eq!(parts.faults[0].kind, mock(Status(http::StatusCode::SERVICE_UNAVAILABLE)));
        assert!(validate(&src, Path::new("c.toml"), &Overrides::default()).is_err());

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
    fn a_duplicate_of_a_misspelt_name_is_still_reported() {
        let src = with("[[client]]\nname = \"a b\"\n[[client]]\nname = \"a b\"\n").replacen(
            "[[client]]\nname = \"c\"\n",
            "",
            1,
        );
        assert_eq!(
            errs(&src),
            [
                "8:8 client[0].name: \"a b\" may contain only letters, digits, '-', '_' and '.'",
                "10:8 client[1].name: \"a b\" may contain only letters, digits, '-', '_' and '.'",
                "10:8 client[1].name: duplicate client name \"a b\"",
            ]
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
}
