//! `mean`: the mean latency, with a normal-approximation 95% interval `mean ± z·sd/√n`.

use super::{thousands, GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;
use crate::stats::{Interval, Z_95};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mean;

/// Fewer latencies than this leave the central limit theorem's interval meaningless.
const MIN_SAMPLES: u64 = 30;

impl GateMetric for Mean {
    const FORM: &'static str = "mean (latency)";
    const UNIT: Unit = Unit::Us;
    const WORSE: Worse = Worse::Higher;

    fn parse(text: &str) -> Option<Mean> {
        (text == "mean").then_some(Mean)
    }

    fn name(&self) -> String {
        "mean".to_string()
    }

    fn measure(&self, sample: &Sample) -> Measured {
        let n = sample.latency.len();
        if n < MIN_SAMPLES {
            let why = format!("{n} latencies are too few for a mean's interval: it needs at least {MIN_SAMPLES}");
            return Measured::insufficient(n, why, format!("mean of {n} latencies"));
        }
        let inner = sample.latency.inner();
        let (mean, half) = (inner.mean(), Z_95 * inner.stdev() / (n as f64).sqrt());
        let interval = Interval { lo: (mean - half).max(0.0), hi: mean + half };
        let method = format!(
            "mean of {} latencies from intended send time; 95% interval mean ± 1.96·sd/√n: {}–{}",
            thousands(n),
            Unit::Us.format(interval.lo),
            Unit::Us.format(interval.hi)
        );
        Measured { value: mean, interval: Some(interval), samples: n, insufficient: None, method }
    }
}
