//! A `regress < 10%` gate on p99 as a release gate meets it: a rerun of the same seeded scenario
//! passes it, and a run whose mock answers 30% slower fails it (scenarios/release-gate.toml, at
//! twice its rate for half its length: the same 8,000 requests and seeded latencies in 8 s).

use crate::support::{exclusive, run_timed};
use chaosload::dist::Dist;
use chaosload::gate::{self, Baseline, Gate, GatePlan, Names, Status};
use chaosload::result::RunResult;
use chaosload::scenario::{self, Load, Shape};

/// The shipped scenario, its steady phase at twice the rate for half as long. The mock draws each
/// latency from (seed, request index), so the same 8,000 requests meet the same latencies as in
/// the scenario's 16 s: the p99 and its interval are as tight, in half the time.
fn release_gate() -> chaosload::scenario::PlanParts {
    let mut parts = scenario::load(std::path::Path::new("scenarios/release-gate.toml"))
        .expect("the shipped scenario is valid")
        .to_parts();
    let phase = &mut parts.phases[0];
    match &mut phase.load {
        Load::Open { shape: Shape::Constant { rate }, .. } => *rate *= 2.0,
        other => panic!("release-gate's phase is a constant open-model rate, not {other:?}"),
    }
    phase.duration /= 2;
    parts
}

/// The scenario's own p99 gates judged on `candidate` against `baseline`.
fn p99_regress(candidate: &RunResult, baseline: &RunResult) -> gate::Verdict {
    let plan = GatePlan {
        gates: vec![Gate::parse("api.p99", "regress < 10%", &Names::default()).expect("a valid gate")],
        ..GatePlan::default()
    };
    let report = gate::evaluate(&plan, candidate, Some(&Baseline { result: baseline, file: "baseline".into() }));
    report.verdicts.into_iter().next().expect("one verdict")
}

#[test]
fn a_rerun_passes_a_p99_regress_gate_and_a_thirty_percent_slower_mock_fails_it() {
    let _serial = exclusive();
    let parts = release_gate();
    assert!(
        parts.gates.gates.iter().any(|g| g.key == "api.p99" && g.condition_text == "regress < 10%"),
        "the shipped scenario has the gate this test judges"
    );
    let mut slower = parts.clone();
    slower.mock.latency = match slower.mock.latency {
        Dist::LogNormal { median, sigma } => Dist::LogNormal { median: median.mul_f64(1.3), sigma },
        other => panic!("release-gate's latency is log-normal, not {other:?}"),
    };
    let baseline = run_timed(&parts);
    let rerun = run_timed(&parts);
    let slow = run_timed(&slower);
    let same = p99_regress(&rerun.result, &baseline.result);
    let worse = p99_regress(&slow.result, &baseline.result);
    eprintln!("rerun:  {}\nslower: {}", same.summary, worse.summary);
    // Whatever the machine did, both verdicts were reached from enough samples.
    for v in [&same, &worse] {
        assert!(matches!(v.status, Status::Pass | Status::Fail), "{v:?}");
        assert!(v.samples >= 7_900 && v.interval.is_some() && v.against.is_some(), "{v:?}");
        assert!(v.method.contains("order statistics") && v.method.contains("baseline"), "{}", v.method);
    }
    let quiet = [&baseline, &rerun, &slow].iter().all(|t| t.quiet);
    let judged = if quiet { &baseline } else { [&baseline, &rerun, &slow].into_iter().find(|t| !t.quiet).unwrap() };
    judged.timing("p99 regress gate: rerun passes, 30% slower fails", |_| {
        assert_eq!(same.status, Status::Pass, "a rerun of the same seed regressed: {}", same.summary);
        assert_eq!(worse.status, Status::Fail, "30% more mock latency passed: {}", worse.summary);
    });
}
