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
            let Some(baseline) = baseline else { unreachable!("a regress gate without a baseline was skipped above") };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::spec::Names;
    use crate::record::Hist;
    use crate::report::fixtures::{self, Numbers};
    use crate::result::{FaultWindows, Summary, Window};
    use rand::SeedableRng;
    use rand_distr::{Distribution, LogNormal};
    use std::time::Duration;

    /// `n` latencies drawn from a log-normal with median `median_ms` (σ = 0.5), seeded.
    fn lognormal(n: usize, median_ms: f64, seed: u64) -> Hist {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
        let dist = LogNormal::new(median_ms.ln(), 0.5).unwrap();
        let mut h = Hist::new();
        for _ in 0..n {
            h.record(Duration::from_secs_f64(dist.sample(&mut rng) / 1e3));
        }
        h
    }

    /// A configuration whose whole run and only phase have these latencies and errors, at 200/s.
    fn client(name: &str, latency: &Hist, errors: &[(&'static str, u64)]) -> ClientResult {
        let sent = latency.len();
        let mut c = fixtures::client(name, &Numbers { sent, errors: errors.to_vec(), ..Numbers::default() });
        for p in std::iter::once(&mut c.total).chain(&mut c.phases) {
            p.latency = Summary::of(latency);
        }
        c
    }

    /// The gates `(key, condition)` parsed against the names of `result`, as a plan.
    fn plan(result: &RunResult, gates: &[(&str, &str)], on: OnInsufficient) -> GatePlan {
        let names = Names::of_result(result);
        let gates = gates
            .iter()
            .map(|(key, condition)| Gate::parse(key, condition, &names).unwrap_or_else(|e| panic!("{key}: {e}")))
            .collect();
        GatePlan { gates, insufficient_data: on }
    }

    fn judge_all(result: &RunResult, gates: &[(&str, &str)]) -> GateReport {
        evaluate(&plan(result, gates, OnInsufficient::Fail), result, None)
    }

    #[test]
    fn a_fixed_gate_holds_with_room_to_spare_or_fails_by_how_far_it_is_past() {
        let h = lognormal(1000, 20.0, 1);
        let p50 = h.quantile_us(0.5) as f64;
        let result = fixtures::run("fixed", vec![client("default", &h, &[])]);
        let report =
            judge_all(&result, &[("default.p50", "< 1s"), ("default.p50", "< 5ms"), ("default.rate", "> 500/s")]);
        let [holds, too_slow, too_few] = &report.verdicts[..] else { panic!("{:?}", report.verdicts) };

        assert_eq!((holds.status, holds.fails_run), (Status::Pass, false));
        assert_eq!(holds.measured, Some(p50));
        assert_eq!(holds.threshold, Some(1_000_000.0));
        assert_eq!(holds.margin, Some(1_000_000.0 - p50), "room left: threshold − value");
        let [lo, hi] = holds.interval.unwrap();
        assert!(lo <= p50 && p50 <= hi && lo < hi, "{lo}–{hi} around {p50}");
        assert!(holds.summary.contains("to spare"), "{}", holds.summary);

        assert_eq!((too_slow.status, too_slow.fails_run), (Status::Fail, true));
        assert_eq!(too_slow.margin, Some(5_000.0 - p50), "negative: how far past the threshold");
        assert!(too_slow.margin.unwrap() < 0.0);
        assert!(too_slow.summary.contains("past the threshold"), "{}", too_slow.summary);

        // `>`: the margin is value − threshold, negative when the rate falls short.
        assert_eq!(too_few.status, Status::Fail);
        assert_eq!(too_few.measured, Some(200.0));
        assert_eq!(too_few.margin, Some(200.0 - 500.0));
        assert!(!report.passed);
        assert_eq!(report.failures().count(), 2);
    }

    #[test]
    fn a_relative_gate_holds_a_figure_against_another_configurations() {
        let (slow, fast) = (lognormal(1000, 20.0, 2), lognormal(1000, 5.0, 3));
        let result = fixtures::run("relative", vec![client("default", &slow, &[]), client("tuned", &fast, &[])]);
        let report = judge_all(&result, &[("tuned.p50", "< default.p50 * 0.5"), ("default.p50", "<= tuned.p50 * 2")]);
        let [halved, doubled] = &report.verdicts[..] else { panic!("{:?}", report.verdicts) };
        let default_p50 = slow.quantile_us(0.5) as f64;
        assert_eq!(halved.status, Status::Pass, "{}", halved.summary);
        assert_eq!(halved.threshold, Some(default_p50 * 0.5));
        let against = halved.against.as_ref().unwrap();
        assert_eq!((against.what.as_str(), against.value), ("default.p50", default_p50));
        assert_eq!(against.samples, 1000);
        // default is four times tuned: more than twice it fails.
        assert_eq!(doubled.status, Status::Fail, "{}", doubled.summary);
        assert_eq!(doubled.threshold, Some(fast.quantile_us(0.5) as f64 * 2.0));
        assert!(doubled.margin.unwrap() < 0.0);
    }

    #[test]
    fn regress_passes_two_samples_of_one_distribution_and_fails_one_30_percent_slower() {
        let regress = |base: &Hist, cand: &Hist| {
            let baseline = fixtures::run("regress", vec![client("default", base, &[])]);
            let result = fixtures::run("regress", vec![client("default", cand, &[])]);
            let plan = plan(&result, &[("default.p50", "regress < 10%")], OnInsufficient::Fail);
            let base = Baseline { result: &baseline, file: "base.json".into() };
            evaluate(&plan, &result, Some(&base)).verdicts.remove(0)
        };
        // Two draws of the same distribution differ by their noise only.
        let same = regress(&lognormal(2000, 20.0, 4), &lognormal(2000, 20.0, 5));
        assert_eq!((same.status, same.fails_run), (Status::Pass, false), "{}", same.summary);
        assert!(same.margin.unwrap() > 0.0);
        assert_eq!(same.against.as_ref().unwrap().what, "baseline");

        let base = lognormal(2000, 20.0, 4);
        let shifted = lognormal(2000, 26.0, 5);
        let slower = regress(&base, &shifted);
        assert_eq!((slower.status, slower.fails_run), (Status::Fail, true), "{}", slower.summary);
        // The limit is the baseline's upper bound + 10%; the candidate's lower bound is past it.
        let base_hi = slower.against.as_ref().unwrap().interval.unwrap()[1];
        assert_eq!(slower.threshold, Some(base_hi * 1.1));
        assert_eq!(slower.margin, Some(base_hi * 1.1 - slower.interval.unwrap()[0]));
        assert!(slower.margin.unwrap() < 0.0);
        assert!(slower.summary.contains("regressed"), "{}", slower.summary);

        // The same shift in 40 latencies is within their noise: not a regression.
        let few = regress(&lognormal(40, 20.0, 4), &lognormal(40, 26.0, 5));
        assert_eq!(few.status, Status::Pass, "{}", few.summary);

        // Without a baseline a regress gate is not judged, and does not fail the run.
        let result = fixtures::run("regress", vec![client("default", &base, &[])]);
        let report = evaluate(&plan(&result, &[("default.p50", "regress < 10%")], OnInsufficient::Fail), &result, None);
        assert_eq!((report.verdicts[0].status, report.verdicts[0].fails_run), (Status::Skipped, false));
        assert!(report.passed);
    }

    #[test]
    fn a_phase_gate_reads_only_that_phase() {
        let (slow, fast) = (lognormal(500, 100.0, 6), lognormal(500, 2.0, 7));
        let mut c = client("default", &fast, &[]);
        let mut warm = c.phases[0].clone();
        warm.name = "warm".into();
        warm.latency = Summary::of(&slow);
        c.phases.insert(0, warm);
        let result = fixtures::run("phases", vec![c]);
        let report =
            judge_all(&result, &[("default.phase.warm.p50", "< 50ms"), ("default.phase.steady.p50", "< 50ms")]);
        let [warm, steady] = &report.verdicts[..] else { panic!("{:?}", report.verdicts) };
        assert_eq!(warm.status, Status::Fail);
        assert_eq!(warm.measured, Some(slow.quantile_us(0.5) as f64));
        assert_eq!(warm.scope, "phase \"warm\"");
        assert_eq!(steady.status, Status::Pass);
        assert_eq!(steady.measured, Some(fast.quantile_us(0.5) as f64));
        assert_eq!(steady.key, "default.phase.steady.p50");
    }

    #[test]
    fn a_window_gate_reads_the_seconds_inside_the_faults_window_and_after_it_those_outside() {
        // Seconds 0–5 of 100 requests; seconds 2 and 3 slow (400 ms) with 30 errors each.
        let mut c = client("default", &lognormal(600, 2.0, 8), &[]);
        c.timeline = fixtures::timeline(&[
            (100, 2_000, 0),
            (100, 2_000, 0),
            (100, 400_000, 30),
            (100, 400_000, 30),
            (100, 2_000, 0),
            (100, 2_000, 0),
        ]);
        let mut result = fixtures::run("windows", vec![c]);
        // The window starts halfway into second 1: that second is on neither side.
        result.faults = vec![FaultWindows {
            label: Some("stall-1".into()),
            kind: "stall".into(),
            layer: "mock".into(),
            probability: 1.0,
            windows: vec![Window { start_ms: 1_500, end_ms: 4_000 }],
        }];
        let report = judge_all(
            &result,
            &[
                ("default.during.stall-1.error_rate", "< 5%"),
                ("default.during.stall-1.p50", "< 100ms"),
                ("default.after.stall-1.error_rate", "< 5%"),
                ("default.before.stall-1.p50", "< 100ms"),
                // Unique of its kind, the fault is named by it too.
                ("default.during.stall.errors", "== 60"),
            ],
        );
        let [during_errors, during_p50, after, before, by_kind] = &report.verdicts[..] else {
            panic!("{:?}", report.verdicts)
        };
        assert_eq!(during_errors.status, Status::Fail);
        assert_eq!((during_errors.measured, during_errors.samples), (Some(0.3), 200));
        assert!(during_errors.scope.starts_with("seconds 2–3 (during stall-1"), "{}", during_errors.scope);
        assert_eq!(during_p50.status, Status::Fail);
        let p50 = during_p50.measured.unwrap();
        assert!((399_000.0..=401_000.0).contains(&p50), "{p50}");
        assert_eq!(after.status, Status::Pass);
        assert_eq!((after.measured, after.samples), (Some(0.0), 200), "seconds 4 and 5");
        assert!(after.scope.starts_with("seconds 4–5 (after stall-1"), "{}", after.scope);
        assert_eq!(before.status, Status::Pass);
        assert_eq!(before.samples, 100, "second 0 only: second 1 straddles the window's start");
        assert_eq!((by_kind.status, by_kind.measured), (Status::Pass, Some(60.0)));
    }

    #[test]
    fn insufficient_data_fails_the_run_or_only_warns() {
        let result = fixtures::run("few", vec![client("default", &lognormal(100, 5.0, 9), &[])]);
        for (on, fails) in [(OnInsufficient::Fail, true), (OnInsufficient::Warn, false)] {
            let report = evaluate(&plan(&result, &[("default.p99.9", "< 1s")], on), &result, None);
            let v = &report.verdicts[0];
            assert_eq!(v.status, Status::InsufficientData, "{on:?}");
            assert_eq!((v.fails_run, report.passed), (fails, !fails), "{on:?}");
            assert_eq!((v.measured, v.samples), (None, 100));
            assert!(v.summary.contains("100 latencies are too few for p99.9"), "{}", v.summary);
            assert_eq!(v.summary.contains("fails the run"), fails, "{}", v.summary);
            assert_eq!(report.insufficient_data, on.word());
        }
    }

    #[test]
    fn a_star_gate_judges_each_configuration_in_turn() {
        let h = lognormal(1000, 5.0, 10);
        let result = fixtures::run(
            "star",
            vec![client("a", &h, &[]), client("b", &h, &[("reset", 100)]), client("c", &h, &[("http_503", 1)])],
        );
        let report = judge_all(&result, &[("*.error_rate", "< 5%")]);
        let judged: Vec<_> = report.verdicts.iter().map(|v| (v.key.as_str(), v.client.as_str(), v.status)).collect();
        assert_eq!(
            judged,
            [
                ("a.error_rate", "a", Status::Pass),
                ("b.error_rate", "b", Status::Fail),
                ("c.error_rate", "c", Status::Pass)
            ]
        );
        assert!(report.verdicts.iter().all(|v| v.gate == "*.error_rate"));
        assert_eq!(report.verdicts[1].measured, Some(0.1));
        assert_eq!(report.verdicts[2].measured, Some(0.001));
    }

    #[test]
    fn a_configuration_that_did_not_run_is_skipped_and_does_not_fail_the_run() {
        let h = lognormal(1000, 5.0, 11);
        // The scenario has "a" and "b"; only "a" ran (`--client a`).
        let mut result = fixtures::run("partial", vec![client("a", &h, &[])]);
        result.scenario["client"] = serde_json::json!([{ "name": "a" }, { "name": "b" }]);
        let report = judge_all(&result, &[("b.p50", "< 1us"), ("a.p50", "< 1s")]);
        let [b, a] = &report.verdicts[..] else { panic!("{:?}", report.verdicts) };
        assert_eq!((b.status, b.fails_run, b.client.as_str()), (Status::Skipped, false, "b"));
        assert!(b.summary.contains("\"b\" did not run"), "{}", b.summary);
        assert_eq!(b.measured, None);
        assert_eq!(a.status, Status::Pass);
        assert!(report.passed);
    }
}
