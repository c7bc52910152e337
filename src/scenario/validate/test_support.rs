//! Helpers shared by the validation tests: scenario templates, and shortcuts to check what they
//! validate to.

use super::validate;
use crate::mock::faults::MockFault;
use crate::scenario::plan::{Direction, FaultKind, FaultPlan, Plan, ProxyFault, Toxic};
use crate::scenario::Overrides;
use std::path::Path;
use std::time::Duration;

pub(super) const MINIMAL: &str =
    "name = \"t\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n";

pub(super) fn ok(src: &str) -> Plan {
    validate(src, Path::new("t.toml"), &Overrides::default()).unwrap_or_else(|d| panic!("{d}"))
}

/// The diagnostics as `line:col field: message` strings (hints dropped).
pub(super) fn errs(src: &str) -> Vec<String> {
    let diags = validate(src, Path::new("t.toml"), &Overrides::default()).expect_err("should be invalid");
    diags.0.iter().map(|d| format!("{}:{} {}: {}", d.line, d.col, d.field, d.message)).collect()
}

pub(super) fn hints(src: &str) -> Vec<String> {
    let diags = validate(src, Path::new("t.toml"), &Overrides::default()).expect_err("should be invalid");
    diags.0.iter().filter_map(|d| d.hint.clone()).collect()
}

/// `MINIMAL` with `extra` appended (a new section or `[[…]]` entry).
pub(super) fn with(extra: &str) -> String {
    format!("{MINIMAL}{extra}")
}

/// A scenario whose only phase has the given body.
pub(super) fn phase(body: &str) -> String {
    format!("name = \"t\"\n[target]\nmock = true\n[[client]]\nname = \"c\"\n[[phase]]\nduration = \"1s\"\n{body}\n")
}

/// A scenario whose only client has the given body. The mock has a name its resolver can look
/// up, on a DNS stub with as many nameservers as a resolver may be given.
pub(super) fn client(body: &str) -> String {
    format!("name = \"t\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n{body}\n[dns]\nmock_name = \"up.test\"\nnameservers = 3\n")
}

/// The only fault of `MINIMAL` (one 1s phase, 5s drain) with the given `[[fault]]` body.
pub(super) fn fault(body: &str) -> FaultPlan<FaultKind> {
    let plan = ok(&with(&format!("[[fault]]\n{body}\n")));
    assert_eq!(plan.faults.len(), 1);
    plan.faults[0].clone()
}

/// A fault of `kind` with the default window in `MINIMAL`: from 0s for the whole run (6s).
pub(super) fn whole_run(kind: FaultKind) -> FaultPlan<FaultKind> {
    FaultPlan { kind, at: Duration::ZERO, duration: Duration::from_secs(6), every: None, probability: 1.0 }
}

/// A mock fault kind as a plan holds it.
pub(super) fn mock(kind: impl Into<MockFault>) -> FaultKind {
    FaultKind::Mock(kind.into())
}

pub(super) fn proxy(direction: Direction, toxic: impl Into<Toxic>) -> FaultKind {
    FaultKind::Proxy(ProxyFault { direction, toxic: toxic.into() })
}

pub(super) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(super) const URL_TARGET: &str = "name = \"t\"\n[target]\nurl = \"http://h\"\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n";

/// `plan.normalized()` written as TOML validates to the same plan and the same JSON.
pub(super) fn assert_round_trip(plan: &Plan) {
    let json = plan.normalized();
    let toml_text = toml::to_string(&json).expect("normalized JSON is TOML-serializable");
    let again =
        validate(&toml_text, Path::new("t.toml"), &Overrides::default()).unwrap_or_else(|d| panic!("{d}\n{toml_text}"));
    assert_eq!(again.normalized(), json);
    assert_eq!(
        (&again.target, &again.mock, &again.dns, &again.phases, &again.clients, &again.faults),
        (&plan.target, &plan.mock, &plan.dns, &plan.phases, &plan.clients, &plan.faults)
    );
    assert_eq!((again.seed, again.drain, again.threads), (plan.seed, plan.drain, plan.threads));
}
