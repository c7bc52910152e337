//! `rate`: requests per second over the time that really elapsed (a phase's or the run's
//! achieved rate; in a fault's window, requests ended per second), with a Poisson 95% interval.

use super::{count_interval, thousands, GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;
use crate::stats::Interval;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate;

impl GateMetric for Rate {
    const FORM: &'static str = "rate (requests per second achieved)";
    const UNIT: Unit = Unit::PerS;
    const WORSE: Worse = Worse::Lower;

    fn parse(text: &str) -> Option<Rate> {
        (text == "rate").then_some(Rate)
    }

    fn name(&self) -> String {
        "rate".to_string()
    }

    fn measure(&self, sample: &Sample) -> Measured {
        if sample.elapsed_s <= 0.0 || sample.rate_count == 0 {
            let why = "no requests went out here, so there is no rate".to_string();
            return Measured::insufficient(0, why, "no requests".to_string());
        }
        let counts = count_interval(sample.rate_count);
        // The count's interval, scaled as the rate was: the rate may divide by more than elapsed_s.
        let per = sample.rate / sample.rate_count as f64;
        let interval = Interval { lo: counts.lo * per, hi: counts.hi * per };
        let what = if sample.seconds.is_some() { "requests ended" } else { "requests sent" };
        let method = format!(
            "{} {what} over {:.1} s; 95% Poisson interval {}–{}",
            thousands(sample.rate_count),
            sample.elapsed_s,
            Unit::PerS.format(interval.lo),
            Unit::PerS.format(interval.hi)
        );
        Measured { value: sample.rate, interval: Some(interval), samples: sample.rate_count, insufficient: None, method }
    }
}
