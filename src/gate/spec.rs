//! A gate as written: its key (`tuned.phase.bursts.p99`: a configuration or `*`, a scope, a
//! metric) and its condition (`< 300ms`, `< default.p99 * 0.5`, `regress < 10%`), parsed into a
//! [`Gate`]. Every mistake is a [`GateError`] naming the part it is in, with a hint.

use super::metrics::{Metric, FORMS};
use super::quantity::Unit;
use super::sample::Scope;
use crate::vocabulary::{words, Words};

/// Which configurations a gate judges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clients {
    /// `*`: each configuration in turn.
    All,
    Named(String),
}

/// What a gate measures: whose, where, which metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub client: Clients,
    pub scope: Scope,
    pub metric: Metric,
}

impl Subject {
    /// The key for one configuration: `tuned.phase.bursts.p99`.
    pub fn key_for(&self, client: &str) -> String {
        format!("{client}.{}{}", self.scope.key_part(), self.metric.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
        }
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
            Op::Eq => value == threshold,
        }
    }

    /// The operator at the start of `text`, and the rest.
    fn split(text: &str) -> Option<(Op, &str)> {
        [("<=", Op::Le), (">=", Op::Ge), ("==", Op::Eq), ("<", Op::Lt), (">", Op::Gt)]
            .into_iter()
            .find_map(|(symbol, op)| text.strip_prefix(symbol).map(|rest| (op, rest.trim())))
    }
}

/// What a gate's value is held against.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `< 300ms`: a fixed threshold, in the metric's unit.
    Fixed { op: Op, threshold: f64 },
    /// `< default.p99 * 0.5`: another configuration's figure of the same run, times `factor`.
    Relative { op: Op, of: Subject, factor: f64 },
    /// `regress < 10%`: no worse than the `--baseline` run's same figure by more than the tolerance.
    Regress { tolerance: Tolerance },
}

/// How much worse than the baseline a figure may get.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// `10%`: a share of the baseline's figure.
    Relative(f64),
    /// `20ms`, `50/s`, `5`, `0.5pp` (percentage points): in the metric's unit.
    Absolute(f64),
}

/// What `insufficient data` does to a run: `[gate] insufficient_data = "fail" | "warn"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnInsufficient {
    /// A gate that cannot be judged fails: a CI gate never passes on nothing.
    #[default]
    Fail,
    /// It is reported, and does not fail the run.
    Warn,
}

words!(OnInsufficient { Fail => "fail", Warn => "warn" });

/// One gate: its key and condition as written, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub key: String,
    pub condition_text: String,
    pub subject: Subject,
    pub condition: Condition,
}

/// Every gate of a scenario or a `--gates` file, and what insufficient data does.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GatePlan {
    pub gates: Vec<Gate>,
    pub insufficient_data: OnInsufficient,
}

/// The `[gate]` keys that are settings, not gates (a gate's key always has a dot).
pub const OPTION_KEYS: &[&str] = &["insufficient_data"];

impl GatePlan {
    pub fn is_empty(&self) -> bool {
        self.gates.is_empty()
    }

    /// The `[gate]` table in scenario vocabulary (for result.json's scenario). JSON objects here keep
    /// their keys sorted, so a table read back judges its gates in key order, not the file's.
    pub fn normalized(&self) -> serde_json::Value {
        let mut table = serde_json::Map::new();
        table.insert("insufficient_data".into(), self.insufficient_data.word().into());
        for gate in &self.gates {
            let condition = serde_json::Value::from(gate.condition_text.clone());
            match table.get_mut(&gate.key) {
                // A second condition on the same figure: the key's value becomes a list.
                Some(serde_json::Value::Array(list)) => list.push(condition),
                Some(first) => *first = serde_json::Value::Array(vec![first.take(), condition]),
                None => {
                    table.insert(gate.key.clone(), condition);
                }
            }
        }
        serde_json::Value::Object(table)
    }

    /// A `[gate]` table read back from result.json's scenario, checked against `names`.
    pub fn from_json(table: &serde_json::Value, names: &Names) -> Result<GatePlan, String> {
        let Some(table) = table.as_object() else {
            return Err("scenario.gate is not a table".to_string());
        };
        let mut plan = GatePlan::default();
        for (key, value) in table {
            if let Some(list) = value.as_array() {
                for item in list {
                    let text = item
                        .as_str()
                        .ok_or_else(|| format!("gate \"{key}\" holds a condition that is not a string"))?;
                    plan.gates.push(Gate::parse(key, text, names).map_err(|e| format!("gate \"{key}\": {e}"))?);
                }
                continue;
            }
            let text = value.as_str().ok_or_else(|| format!("gate \"{key}\" is not a string"))?;
            if key == "insufficient_data" {
                plan.insufficient_data = OnInsufficient::from_word(text)
                    .ok_or_else(|| format!("insufficient_data = \"{text}\" is neither \"fail\" nor \"warn\""))?;
                continue;
            }
            plan.gates.push(Gate::parse(key, text, names).map_err(|e| format!("gate \"{key}\": {e}"))?);
        }
        Ok(plan)
    }
}

/// The names a gate may use, when known: a scenario's or a result's. Empty lists are unknown
/// (nothing is checked, and a key's first segment is its configuration).
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub clients: Vec<String>,
    pub phases: Vec<String>,
    /// Each fault's label (if it has one) and kind.
    pub faults: Vec<(Option<String>, String)>,
}

/// The part of a gate a mistake is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Key,
    Condition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GateError {
    pub part: Part,
    pub message: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for GateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

fn condition_error(message: impl Into<String>, hint: impl Into<String>) -> GateError {
    GateError { part: Part::Condition, message: message.into(), hint: Some(hint.into()) }
}

const KEY_HINT: &str =
    "a gate's key is \"<client>.<metric>\", \"*.<metric>\", or scoped: \"<client>.phase.<name>.<metric>\", \
                        \"<client>.during.<fault>.<metric>\" (also before., after.)";

impl Gate {
    /// Parses the gate `key = "condition"`, checking its names against `names` where known.
    pub fn parse(key: &str, condition: &str, names: &Names) -> Result<Gate, GateError> {
        let subject = parse_subject(key, names, Part::Key)?;
        let condition_text = condition.trim().to_string();
        let condition = parse_condition(&condition_text, &subject, names)?;
        Ok(Gate { key: key.to_string(), condition_text, subject, condition })
    }
}

/// `tuned.phase.bursts.p99` → its configuration, scope and metric. `part` is where an error goes
/// (a reference inside a condition is in the condition).
fn parse_subject(text: &str, names: &Names, part: Part) -> Result<Subject, GateError> {
    let err = |message: String, hint: String| GateError { part, message, hint: Some(hint) };
    let (client, rest) = split_client(text, names).map_err(|(m, h)| err(m, h))?;
    let (scope, metric_text) = split_scope(rest, names).map_err(|(m, h)| err(m, h))?;
    let metric = Metric::parse(metric_text).ok_or_else(|| {
        err(format!("\"{metric_text}\" is not a gate metric"), format!("the metrics: {}", FORMS.join("; ")))
    })?;
    if scope.fault().is_some() && !metric.per_second() {
        return Err(err(
            format!("{} is not recorded per second, so it cannot be read in a fault's window", metric.name()),
            "gate it for the whole run or a phase".to_string(),
        ));
    }
    Ok(Subject { client, scope, metric })
}

type Problem = (String, String);

/// The configuration a key names (`*`, or the longest known name followed by a dot), and the rest.
fn split_client<'t>(text: &'t str, names: &Names) -> Result<(Clients, &'t str), Problem> {
    if let Some(rest) = text.strip_prefix("*.") {
        return Ok((Clients::All, rest));
    }
    if !text.contains('.') {
        return Err((format!("\"{text}\" names no metric"), KEY_HINT.to_string()));
    }
    if names.clients.is_empty() {
        return match text.split_once('.') {
            Some((client, rest)) if !client.is_empty() => Ok((Clients::Named(client.to_string()), rest)),
            _ => Err((format!("\"{text}\" names no configuration and metric"), KEY_HINT.to_string())),
        };
    }
    let known = names
        .clients
        .iter()
        .filter(|c| text.len() > c.len() + 1 && text.starts_with(c.as_str()) && text.as_bytes()[c.len()] == b'.')
        .max_by_key(|c| c.len());
    match known {
        Some(client) => Ok((Clients::Named(client.clone()), &text[client.len() + 1..])),
        None => {
            let first = text.split('.').next().unwrap_or_default();
            let list = names.clients.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
            Err((
                format!("no client configuration is named \"{first}\""),
                format!("the configurations: {list}, or * for each of them"),
            ))
        }
    }
}

/// The scope at the start of a key's rest (`phase.bursts.`, `during.stall.`), and the metric after it.
fn split_scope<'t>(rest: &'t str, names: &Names) -> Result<(Scope, &'t str), Problem> {
    if let Some(phase_and_metric) = rest.strip_prefix("phase.") {
        let known = names
            .phases
            .iter()
            .filter(|p| {
                phase_and_metric.len() > p.len() + 1
                    && phase_and_metric.starts_with(p.as_str())
                    && phase_and_metric.as_bytes()[p.len()] == b'.'
            })
            .max_by_key(|p| p.len());
        let (phase, metric) = match known {
            Some(p) => (p.as_str(), &phase_and_metric[p.len() + 1..]),
            None if names.phases.is_empty() => phase_and_metric
                .match_indices('.')
                .map(|(i, _)| (&phase_and_metric[..i], &phase_and_metric[i + 1..]))
                .find(|(_, metric)| Metric::parse(metric).is_some())
                .ok_or_else(|| {
                    (format!("\"phase.{phase_and_metric}\" has no metric after the phase's name"), KEY_HINT.to_string())
                })?,
            None => {
                let first = phase_and_metric.split('.').next().unwrap_or_default();
                let list = names.phases.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ");
                return Err((format!("no phase is named \"{first}\""), format!("the phases: {list}")));
            }
        };
        return Ok((Scope::Phase(phase.to_string()), metric));
    }
    for (word, scope) in
        [("during.", Scope::During as fn(String) -> Scope), ("before.", Scope::Before), ("after.", Scope::After)]
    {
        if let Some(fault_and_metric) = rest.strip_prefix(word) {
            let Some((fault, metric)) = fault_and_metric.split_once('.') else {
                return Err((format!("\"{rest}\" has no metric after the fault's name"), KEY_HINT.to_string()));
            };
            check_fault(fault, names)?;
            return Ok((scope(fault.to_string()), metric));
        }
    }
    Ok((Scope::Total, rest))
}

/// A fault named `fault` (by its `label`, or by its kind if no other fault has it) is in `names`.
fn check_fault(fault: &str, names: &Names) -> Result<(), Problem> {
    if names.faults.iter().any(|(name, _)| name.as_deref() == Some(fault)) {
        return Ok(());
    }
    match names.faults.iter().filter(|(_, kind)| kind == fault).count() {
        1 => Ok(()),
        0 => {
            let list: Vec<String> =
                names.faults.iter().map(|(name, kind)| format!("\"{}\"", name.as_deref().unwrap_or(kind))).collect();
            Err((
                format!("no fault is named \"{fault}\""),
                if list.is_empty() {
                    "no [[fault]] of the scenario is valid: a window scope needs one".to_string()
                } else {
                    format!("give the [[fault]] a label = \"{fault}\", or use one of {}", list.join(", "))
                },
            ))
        }
        n => Err((
            format!("{n} faults are of kind \"{fault}\""),
            "give the one meant a label = \"…\" in its [[fault]] and use that".to_string(),
        )),
    }
}

/// `< 300ms`, `<= default.p99 * 0.5`, `regress < 10%`.
fn parse_condition(text: &str, subject: &Subject, names: &Names) -> Result<Condition, GateError> {
    let unit = subject.metric.unit();
    const HINT: &str =
        "a condition is \"< 300ms\", \">= 950/s\", \"== 0\", \"< default.p99 * 0.5\" or \"regress < 10%\"";
    if let Some(rest) = text.strip_prefix("regress") {
        let tolerance = rest.trim().strip_prefix('<').map(|t| t.trim_start_matches('=').trim()).ok_or_else(|| {
            condition_error(format!("\"{text}\" gives no tolerance"), "write \"regress < 10%\" or \"regress < 20ms\"")
        })?;
        return parse_tolerance(tolerance, unit).map(|tolerance| Condition::Regress { tolerance });
    }
    let (op, rhs) =
        Op::split(text).ok_or_else(|| condition_error(format!("\"{text}\" starts with no comparison"), HINT))?;
    if rhs.is_empty() {
        return Err(condition_error(format!("\"{text}\" compares with nothing"), HINT));
    }
    let (left, factor) = match rhs.rsplit_once('*').filter(|(left, _)| !left.trim().is_empty()) {
        Some((left, factor)) => {
            let factor = factor.trim();
            let value = factor.parse::<f64>().ok().filter(|f| f.is_finite() && *f > 0.0).ok_or_else(|| {
                condition_error(format!("\"{factor}\" is not a factor"), "a factor is a number above 0, e.g. * 0.5")
            })?;
            (left.trim(), Some(value))
        }
        None => (rhs, None),
    };
    let starts_like_a_key = left.starts_with(|c: char| c.is_ascii_alphabetic() || c == '*') && left.contains('.');
    if !starts_like_a_key {
        let threshold = unit
            .parse(left)
            .map_err(|e| condition_error(e, format!("{} takes {}", subject.metric.name(), unit.example())))?;
        if factor.is_some() {
            return Err(condition_error(
                "a factor applies to another configuration's figure",
                "write the threshold itself",
            ));
        }
        return Ok(Condition::Fixed { op, threshold });
    }
    let of = parse_subject(left, names, Part::Condition)?;
    if of.client == Clients::All {
        return Err(condition_error(
            "a condition compares with one configuration, not *",
            "name it, e.g. < default.p99 * 0.5",
        ));
    }
    if of.metric.unit() != unit {
        return Err(condition_error(
            format!("{} and {} are not measured in the same unit", subject.metric.name(), of.metric.name()),
            "compare a figure with the same figure of another configuration",
        ));
    }
    Ok(Condition::Relative { op, of, factor: factor.unwrap_or(1.0) })
}

/// `10%` (of the baseline), or an amount in the metric's unit (`20ms`; `0.5pp` for a share).
fn parse_tolerance(text: &str, unit: Unit) -> Result<Tolerance, GateError> {
    let hint = "write \"regress < 10%\" (of the baseline's figure) or an amount, e.g. \"regress < 20ms\" (\"0.5pp\" for a share)";
    if let Some(percent) = text.strip_suffix('%') {
        return percent
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| p.is_finite() && *p >= 0.0)
            .map(|p| Tolerance::Relative(p / 100.0))
            .ok_or_else(|| condition_error(format!("\"{text}\" is not a percentage"), hint));
    }
    let absolute = match (unit, text.strip_suffix("pp")) {
        (Unit::Ratio, Some(points)) => Unit::Ratio.parse(&format!("{}%", points.trim())),
        (Unit::Ratio, None) => Err(format!("\"{text}\" is ambiguous for a share")),
        _ => unit.parse(text),
    };
    absolute.map(Tolerance::Absolute).map_err(|e| condition_error(e, hint))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::metrics::errors::Which;
    use crate::gate::metrics::{ErrorRate, Percentile};

    fn names() -> Names {
        Names {
            clients: vec!["default".into(), "tuned".into(), "go.v2".into()],
            phases: vec!["warm".into(), "bursts".into()],
            faults: vec![(Some("dns-stall".into()), "delay".into()), (None, "reset".into())],
        }
    }

    fn gate(key: &str, condition: &str) -> Result<Gate, GateError> {
        Gate::parse(key, condition, &names())
    }

    fn p(percent: f64) -> Metric {
        Metric::Percentile(Percentile { percent })
    }

    #[test]
    fn keys_name_a_configuration_a_scope_and_a_metric() {
        let g = gate("tuned.p99", "< 300ms").unwrap();
        assert_eq!(g.subject, Subject { client: Clients::Named("tuned".into()), scope: Scope::Total, metric: p(99.0) });
        assert_eq!(g.condition, Condition::Fixed { op: Op::Lt, threshold: 300_000.0 });
        let g = gate("*.error_rate", "< 0.1%").unwrap();
        assert_eq!(g.subject.client, Clients::All);
        assert_eq!(g.subject.metric, Metric::ErrorRate(ErrorRate(Which::All)));
        assert_eq!(gate("tuned.phase.bursts.p99.9", "< 1s").unwrap().subject.scope, Scope::Phase("bursts".into()));
        assert_eq!(gate("tuned.phase.bursts.p99.9", "< 1s").unwrap().subject.metric, p(99.9));
        assert_eq!(
            gate("tuned.during.dns-stall.p99", "< 2s").unwrap().subject.scope,
            Scope::During("dns-stall".into())
        );
        assert_eq!(gate("tuned.after.reset.error_rate", "< 1%").unwrap().subject.scope, Scope::After("reset".into()));
        assert_eq!(gate("tuned.before.reset.p50", "< 1s").unwrap().subject.scope, Scope::Before("reset".into()));
        // A configuration's name may hold a dot: the longest known name wins.
        assert_eq!(gate("go.v2.p99", "< 1s").unwrap().subject.client, Clients::Named("go.v2".into()));
        assert_eq!(
            gate("tuned.errors.reset", "== 0").unwrap().condition,
            Condition::Fixed { op: Op::Eq, threshold: 0.0 }
        );
        assert_eq!(gate("tuned.rate", "> 950/s").unwrap().condition, Condition::Fixed { op: Op::Gt, threshold: 950.0 });
    }

    #[test]
    fn conditions_are_fixed_relative_or_against_the_baseline() {
        let g = gate("tuned.p99", "< default.p99 * 0.5").unwrap();
        match g.condition {
            Condition::Relative { op: Op::Lt, of, factor } => {
                assert_eq!(of.client, Clients::Named("default".into()));
                assert_eq!(factor, 0.5);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            gate("tuned.p99", "regress < 10%").unwrap().condition,
            Condition::Regress { tolerance: Tolerance::Relative(0.1) }
        );
        assert_eq!(
            gate("tuned.p99", "regress < 20ms").unwrap().condition,
            Condition::Regress { tolerance: Tolerance::Absolute(20_000.0) }
        );
        let g = gate("tuned.error_rate", "regress < 0.5pp").unwrap();
        assert_eq!(g.condition, Condition::Regress { tolerance: Tolerance::Absolute(0.005) });
    }

    #[test]
    fn mistakes_say_where_and_what_to_write() {
        let e = gate("tunde.p99", "< 1s").unwrap_err();
        assert_eq!(e.part, Part::Key);
        assert!(e.message.contains("\"tunde\"") && e.hint.unwrap().contains("\"tuned\""));
        let e = gate("tuned.p99", "< 300").unwrap_err();
        assert_eq!(e.part, Part::Condition);
        assert!(e.message.contains("no unit"), "{e}");
        assert!(gate("tuned.latency", "< 1s").unwrap_err().hint.unwrap().contains("p50"));
        assert!(gate("tuned.phase.nope.p99", "< 1s").unwrap_err().message.contains("no phase"));
        assert!(gate("tuned.during.nope.p99", "< 1s").unwrap_err().hint.unwrap().contains("label = \"nope\""));
        assert!(gate("tuned.during.reset.reuse_ratio", "> 50%").unwrap_err().message.contains("per second"));
        assert!(gate("tuned.p99", "< default.error_rate").unwrap_err().message.contains("same unit"));
        assert!(gate("tuned.p99", "< *.p99").unwrap_err().message.contains("not *"));
        assert!(gate("tuned.p99", "about 3s").unwrap_err().message.contains("no comparison"));
        assert!(gate("tuned.p99", "regress 10%").unwrap_err().message.contains("no tolerance"));
        assert!(gate("tuned.error_rate", "regress < 0.5").unwrap_err().message.contains("ambiguous"));
        assert!(gate("tuned.p99", "< 300ms * 2").unwrap_err().message.contains("factor"));
        assert!(gate("tuned", "< 1s").unwrap_err().message.contains("names no metric"));
        assert!(gate("tuned.p99x", "< 1s").unwrap_err().message.contains("not a gate metric"));
    }
}
