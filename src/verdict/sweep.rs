//! A sweep's answer to "which value of this knob fixes it?": each value's error rate and p99
//! latency as the verdict reads them (the gates' metrics, with their 95% intervals), and
//! [`judge`] among the sweep's configurations alone. The terminal summary prints it as a line,
//! report.html draws it (`report::charts::sweep`).

use super::{and_list, and_list_str, describe, judge, Basis, Outcome, Verdict};
use crate::gate::metrics::Measured;
use crate::gate::quantity::Unit;
use crate::gate::sample::{Sample, Scope};
use crate::result::{ClientResult, RunResult, SweepResult};

/// One value of a sweep whose configuration ran.
pub struct Point<'r> {
    /// The value, as scenario vocabulary writes it.
    pub value: &'r str,
    pub client: &'r ClientResult,
    /// The configuration's place in `RunResult::clients` (its colour in the charts).
    pub index: usize,
    /// The error rate with its Wilson interval, and p99 latency with its order-statistic interval.
    pub errors: Measured,
    pub p99: Measured,
}

/// A sweep of a run: its values that ran, and the verdict among them.
pub struct SweepVerdict<'r> {
    pub sweep: &'r SweepResult,
    /// In the order the values were given.
    pub points: Vec<Point<'r>>,
    /// Values whose configuration did not run (an interrupted run, a failed configuration).
    pub missing: Vec<&'r str>,
    /// [`judge`] on the sweep's configurations alone; `None` with fewer than two of them.
    pub verdict: Option<Verdict>,
}

/// Each sweep of `result`, as [`SweepVerdict`]s.
pub fn sweeps(result: &RunResult) -> Vec<SweepVerdict<'_>> {
    result.sweeps.iter().map(|sweep| of(result, sweep)).collect()
}

fn of<'r>(result: &'r RunResult, sweep: &'r SweepResult) -> SweepVerdict<'r> {
    let mut points = Vec::new();
    let mut missing = Vec::new();
    for (value, member) in sweep.values.iter().zip(&sweep.members) {
        match result.clients.iter().position(|c| c.name == *member) {
            Some(index) => {
                let client = &result.clients[index];
                let sample =
                    Sample::of(client, &Scope::Total, &result.faults).expect("the whole run is always a sample");
                let (errors, p99) = (Basis::Errors.measure(&sample), Basis::P99.measure(&sample));
                points.push(Point { value, client, index, errors, p99 });
            }
            None => missing.push(value.as_str()),
        }
    }
    let verdict = (points.len() >= 2).then(|| {
        let mut among = result.clone();
        among.clients.retain(|c| points.iter().any(|p| p.client.name == c.name));
        judge(&among).expect("two configurations ran")
    });
    SweepVerdict { sweep, points, missing, verdict }
}

impl SweepVerdict<'_> {
    /// The value whose configuration won, beyond the noise.
    pub fn winner(&self) -> Option<&Point<'_>> {
        match &self.verdict.as_ref()?.outcome {
            Outcome::Won { winner, .. } => self.points.iter().find(|p| p.client.name == *winner),
            Outcome::NoSignificantDifference { .. } | Outcome::Alone { .. } => None,
        }
    }

    /// The outcome in the knob's values: `4s won on errors`, `no significant difference between
    /// 1s and 4s; both were ahead of 10s and 30s`.
    pub fn outcome(&self) -> String {
        let value = |name: &String| {
            self.points.iter().find(|p| p.client.name == *name).map_or(name.clone(), |p| p.value.to_string())
        };
        let values = |names: &[String]| and_list(&names.iter().map(value).collect::<Vec<_>>());
        match self.verdict.as_ref().map(|v| &v.outcome) {
            Some(Outcome::Won { winner, basis }) => format!("{} won on {}", value(winner), basis.words()),
            Some(Outcome::NoSignificantDifference { among, ahead_of }) => {
                let mut line = format!("no significant difference between {}", values(among));
                if !ahead_of.is_empty() {
                    let all = if among.len() > 2 { "all" } else { "both" };
                    line.push_str(&format!("; {all} were ahead of {}", values(ahead_of)));
                }
                line
            }
            Some(Outcome::Alone { .. }) | None => "only one value ran: nothing to compare".to_string(),
        }
    }

    /// `sweep pool_idle_timeout (idle): 1s 0.0% p99 45ms, 4s …; 1s won on errors`.
    pub fn terminal(&self) -> String {
        let points: Vec<String> = self
            .points
            .iter()
            .map(|p| format!("{} {} p99 {}", p.value, Unit::Ratio.format(p.errors.value), describe(Basis::P99, &p.p99)))
            .collect();
        let missing = if self.missing.is_empty() {
            String::new()
        } else {
            format!(" ({} did not run)", and_list_str(&self.missing))
        };
        format!(
            "sweep {} ({}): {}{missing}; {}\n",
            self.sweep.knob,
            self.sweep.client,
            points.join(", "),
            self.outcome()
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::fixtures::{client, run, Numbers};

    /// A run with a sweep of `pool_idle_timeout` (1s, 5s, 9s; 9s did not run) beside another
    /// configuration: `errors` are the resets of 1s and 5s.
    pub(crate) fn swept(errors: [u64; 2]) -> RunResult {
        let with =
            |n: u64| Numbers { errors: if n == 0 { Vec::new() } else { vec![("reset", n)] }, ..Numbers::default() };
        let mut r = run(
            "s",
            vec![client("other", &with(90)), client("idle-1s", &with(errors[0])), client("idle-5s", &with(errors[1]))],
        );
        r.sweeps = vec![SweepResult {
            client: "idle".into(),
            knob: "pool_idle_timeout".into(),
            values: vec!["1s".into(), "5s".into(), "9s".into()],
            members: vec!["idle-1s".into(), "idle-5s".into(), "idle-9s".into()],
        }];
        r
    }

    #[test]
    fn a_sweep_is_judged_among_its_own_configurations_value_by_value() {
        let r = swept([0, 30]);
        let [s] = &sweeps(&r)[..] else { panic!("one sweep") };
        let values: Vec<&str> = s.points.iter().map(|p| p.value).collect();
        assert_eq!(values, ["1s", "5s"]);
        assert_eq!(s.missing, ["9s"]);
        assert_eq!(s.points.iter().map(|p| p.index).collect::<Vec<_>>(), [1, 2], "their places among the clients");
        let e = &s.points[1].errors;
        assert!((e.value - 0.03).abs() < 1e-9 && e.interval.is_some_and(|i| i.lo > 0.0 && i.hi > 0.03), "{e:?}");
        assert!(s.points[0].p99.interval.is_some(), "1,000 latencies are enough for a p99 interval");
        assert_eq!(s.winner().map(|w| w.value), Some("1s"));
        // "other", with more errors than either, is not among them: the run's own verdict has it.
        let verdict = s.verdict.as_ref().unwrap();
        assert!(!verdict.headline.contains("other"), "{}", verdict.headline);
        assert_eq!(s.outcome(), "1s won on errors");
        let line = s.terminal();
        assert!(
            line.starts_with("sweep pool_idle_timeout (idle): 1s 0.0% p99 10.0ms, 5s 3.00% p99 10.0ms (9s did not run); 1s won on errors"),
            "{line}"
        );
    }

    #[test]
    fn within_the_noise_no_value_wins() {
        let r = swept([3, 4]);
        let s = &sweeps(&r)[0];
        assert!(s.winner().is_none());
        assert_eq!(s.outcome(), "no significant difference between 1s and 5s");
        // One value that ran is nothing to compare.
        let mut r = swept([0, 30]);
        r.clients.truncate(2);
        let s = &sweeps(&r)[0];
        assert!(s.verdict.is_none() && s.winner().is_none());
        assert_eq!(s.outcome(), "only one value ran: nothing to compare");
    }
}
