//! Judging gates on a run: each gate's sample measured, held against its threshold, another
//! configuration's figure, or the baseline's, with the noise taken into account.
//!
//! A fixed or relative threshold is held against the measured value, as k6 and Gatling do, and
//! a threshold inside the value's 95% interval is noted. A `regress` gate fails only when the
//! candidate's 95% interval lies wholly beyond the baseline's, widened by the tolerance: two runs
//! that differ by their noise never fail it.

use super::metrics::{Measured, Worse};
use super::quantity::Unit;
use super::sample::Sample;
use super::spec::{Clients, Condition, Gate, GatePlan, OnInsufficient, Op, Tolerance};
use super::verdict::{Against, BaselineRun, GateReport, Status, Verdict};
use crate::result::{ClientResult, RunResult};
use crate::stats::Interval;
use crate::vocabulary::Words;

/// A baseline run and the file it came from.
pub struct Baseline<'b> {
    pub result: &'b RunResult,
    pub file: String,
}

/// Judges every gate of `plan` on `result`; `regress` gates against `baseline`.
pub fn evaluate(plan: &GatePlan, result: &RunResult, baseline: Option<&Baseline>) -> GateReport {
    let mut verdicts = Vec::new();
    for gate in &plan.gates {
        match &gate.subject.client {
            Clients::All => {
                for client in &result.clients {
                    verdicts.push(judge(gate, client, result, baseline, plan.insufficient_data));
                }
            }
            Clients::Named(name) => match result.clients.iter().find(|c| &c.name == name) {
                Some(client) => verdicts.push(judge(gate, client, result, baseline, plan.insufficient_data)),
                None => verdicts.push(skipped(gate, name, format!("\"{name}\" did not run in this result"))),
            },
        }
    }
    GateReport {
        passed: !verdicts.iter().any(|v| v.fails_run),
        insufficient_data: plan.insufficient_data.word().to_string(),
        baseline: baseline.map(|b| BaselineRun {
            file: b.file.clone(),
            scenario_name: b.result.scenario_name.clone(),
            started_at: b.result.started_at.clone(),
        }),
        verdicts,
    }
}

fn blank(gate: &Gate, client: &str) -> Verdict {
    Verdict {
        gate: gate.key.clone(),
        client: client.to_string(),
        key: gate.subject.key_for(client),
        condition: gate.condition_text.clone(),
        status: Status::Skipped,
        fails_run: false,
        unit: gate.subject.metric.unit(),
        measured: None,
        interval: None,
        samples: 0,
        threshold: None,
        margin: None,
        against: None,
        scope: String::new(),
        method: String::new(),
        summary: String::new(),
        note: None,
    }
}

fn skipped(gate: &Gate, client: &str, why: String) -> Verdict {
    Verdict { summary: format!("not judged: {why}"), ..blank(gate, client) }
}

fn pair(i: Option<Interval<f64>>) -> Option<[f64; 2]> {
    i.map(|i| [i.lo, i.hi])
}

fn judge(
    gate: &Gate,
    client: &ClientResult,
    result: &RunResult,
    baseline: Option<&Baseline>,
    on_insufficient: OnInsufficient,
) -> Verdict {
    let subject = &gate.subject;
    let unit = subject.metric.unit();
    let mut v = blank(gate, &client.name);
    // Without a baseline a regress gate is not judged at all, however few its samples.
    if matches!(gate.condition, Condition::Regress { .. }) && baseline.is_none() {
        return skipped(gate, &client.name, "no --baseline run was given".to_string());
    }
    let sample = match Sample::of(client, &subject.scope, &result.faults) {
        Ok(sample) => sample,
        Err(why) => {
            // Only a gates file naming what the result lacks gets here (a scenario's gates were
            // checked against its names): failing is safer than passing on nothing.
            return Verdict {
                status: Status::Fail,
                fails_run: true,
                summary: format!("cannot be judged: {why}"),
                method: "nothing was measured: the scope is not in this result".to_string(),
                ..v
            };
        }
    };
    let measured = subject.metric.measure(&sample);
    v.scope = sample.what.clone();
    v.samples = measured.samples;
    v.method = measured.method.clone();
    let insufficient = |v: Verdict, why: &str| Verdict {
        status: Status::InsufficientData,
        fails_run: on_insufficient == OnInsufficient::Fail,
        summary: format!(
            "insufficient data: {why}{}",
            if on_insufficient == OnInsufficient::Fail { " (fails the run: insufficient_data = \"fail\")" } else { "" }
        ),
        ..v
    };
    if let Some(why) = &measured.insufficient {
        return insufficient(v, why);
    }
    v.measured = Some(measured.value);
    v.interval = pair(measured.interval);
    match &gate.condition {
        Condition::Fixed { op, threshold } => held(v, &measured, *op, *threshold, unit, None),
        Condition::Relative { op, of, factor } => {
            let Clients::Named(other) = &of.client else { unreachable!("parsing refuses * in a condition") };
            let Some(other_client) = result.clients.iter().find(|c| &c.name == other) else {
                return Verdict { summary: format!("not judged: \"{other}\" did not run in this result"), ..v };
            };
            let reference = match Sample::of(other_client, &of.scope, &result.faults) {
                Ok(s) => of.metric.measure(&s),
                Err(why) => return Verdict { summary: format!("not judged: {why}"), ..v },
            };
            if let Some(why) = &reference.insufficient {
                return insufficient(v, &format!("{} — {why}", of.key_for(other)));
            }
            let threshold = reference.value * factor;
            let scaled = reference.interval.map(|i| Interval { lo: i.lo * factor, hi: i.hi * factor });
            let against = Against {
                what: of.key_for(other),
                value: reference.value,
                interval: pair(reference.interval),
                samples: reference.samples,
                method: reference.method.clone(),
            };
            let mut verdict = held(v, &measured, *op, threshold, unit, Some(&against));
            if let (Some(a), Some(b)) = (measured.interval, scaled) {
                if a.overlaps(&b) && *op != Op::Eq {
                    verdict.note = Some(format!(
                        "the two 95% intervals overlap ({}–{} against {}–{} for {}{}): the difference is within the noise",
                        unit.format(a.lo),
                        unit.format(a.hi),
                        unit.format(b.lo),
                        unit.format(b.hi),
                        against.what,
                        if *factor == 1.0 { String::new() } else { format!(" × {factor}") }
                    ));
                }
            }
            verdict.against = Some(against);
            verdict
        }
        Condition::Regress { tolerance } => {
            let Some(baseline) = baseline else {
                unreachable!("a regress gate without a baseline was skipped above")
            };
            let Some(base_client) = baseline.result.clients.iter().find(|c| c.name == client.name) else {
                return Verdict { summary: format!("not judged: the baseline has no \"{}\"", client.name), ..v };
            };
            let base = match Sample::of(base_client, &subject.scope, &baseline.result.faults) {
                Ok(s) => subject.metric.measure(&s),
                Err(why) => return Verdict { summary: format!("not judged: in the baseline, {why}"), ..v },
            };
            if let Some(why) = &base.insufficient {
                return insufficient(v, &format!("in the baseline, {why}"));
            }
            regress(v, &measured, &base, *tolerance, subject.metric.worse(), unit)
        }
    }
}

/// A value held against a fixed `threshold` (or another configuration's figure, `against`).
fn held(mut v: Verdict, m: &Measured, op: Op, threshold: f64, unit: Unit, against: Option<&Against>) -> Verdict {
    let passes = op.holds(m.value, threshold);
    let margin = match op {
        Op::Lt | Op::Le => threshold - m.value,
        Op::Gt | Op::Ge => m.value - threshold,
        Op::Eq => -(m.value - threshold).abs(),
    };
    let threshold_words = match against {
        Some(a) => format!("{} {} ({} of {})", op.symbol(), unit.format(threshold), unit.format(a.value), a.what),
        None => format!("{} {}", op.symbol(), unit.format(threshold)),
    };
    let how_far = if passes {
        match op {
            Op::Eq => String::new(),
            _ => format!(", {} to spare", unit.format(margin.abs())),
        }
    } else {
        match op {
            Op::Eq => format!(", {} off", unit.format(margin.abs())),
            _ => format!(", {} past the threshold", unit.format(margin.abs())),
        }
    };
    let interval =
        m.interval.map(|i| format!(" (95% {}–{})", unit.format(i.lo), unit.format(i.hi))).unwrap_or_default();
    v.summary = format!("{}{interval} against {threshold_words}{how_far}", unit.format(m.value));
    if let Some(i) = m.interval {
        if i.lo < threshold && threshold < i.hi && op != Op::Eq {
            v.note = Some(
                "the threshold lies inside the value's 95% interval: a rerun may judge it the other way".to_string(),
            );
        }
    }
    v.status = if passes { Status::Pass } else { Status::Fail };
    v.fails_run = !passes;
    v.threshold = Some(threshold);
    v.margin = Some(margin);
    v
}

/// A candidate held against its baseline: it regressed only when its interval lies wholly beyond
/// the baseline's interval moved by the tolerance, the way it gets worse.
fn regress(
    mut v: Verdict,
    cand: &Measured,
    base: &Measured,
    tolerance: Tolerance,
    worse: Worse,
    unit: Unit,
) -> Verdict {
    let point = |m: &Measured| m.interval.unwrap_or(Interval { lo: m.value, hi: m.value });
    let (c, b) = (point(cand), point(base));
    let (limit, margin, regressed) = match worse {
        Worse::Higher => {
            let limit = match tolerance {
                Tolerance::Relative(share) => b.hi * (1.0 + share),
                Tolerance::Absolute(amount) => b.hi + amount,
            };
            (limit, limit - c.lo, c.lo > limit)
        }
        Worse::Lower => {
            let limit = match tolerance {
                Tolerance::Relative(share) => b.lo * (1.0 - share),
                Tolerance::Absolute(amount) => b.lo - amount,
            };
            (limit, c.hi - limit, c.hi < limit)
        }
    };
    let change = if base.value != 0.0 {
        format!("{:+.1}%", (cand.value / base.value - 1.0) * 100.0)
    } else {
        format!("{:+}", unit.format(cand.value - base.value))
    };
    let interval = |m: &Measured| {
        m.interval.map(|i| format!(" (95% {}–{})", unit.format(i.lo), unit.format(i.hi))).unwrap_or_default()
    };
    let (bound, side) = match worse {
        Worse::Higher => ("lower", "upper"),
        Worse::Lower => ("upper", "lower"),
    };
    v.summary = format!(
        "{}{} against baseline {}{}: {change}; {} when the {bound} bound passes {} (the baseline's {side} bound {} {})",
        unit.format(cand.value),
        interval(cand),
        unit.format(base.value),
        interval(base),
        if regressed { "regressed: fails" } else { "fails only" },
        unit.format(limit),
        if worse == Worse::Higher { "+" } else { "−" },
        match tolerance {
            Tolerance::Relative(share) => format!("{}%", share * 100.0),
            Tolerance::Absolute(amount) => unit.format(amount),
        }
    );
    v.method = format!(
        "{}; baseline: {}; regressed only if the candidate's 95% interval lies wholly beyond the baseline's widened by the tolerance",
        cand.method, base.method
    );
    v.against = Some(Against {
        what: "baseline".to_string(),
        value: base.value,
        interval: base.interval.map(|i| [i.lo, i.hi]),
        samples: base.samples,
        method: base.method.clone(),
    });
    v.status = if regressed { Status::Fail } else { Status::Pass };
    v.fails_run = regressed;
    v.threshold = Some(limit);
    v.margin = Some(margin);
    if !regressed && cand.value > 0.0 && base.value > 0.0 && c.lo > b.hi {
        v.note = Some(format!("worse than the baseline beyond the noise ({change}), but within the tolerance"));
    }
    v
}
