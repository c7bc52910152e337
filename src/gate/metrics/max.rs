//! `max`: the largest latency. One value has no interval: it is compared as measured.

use super::{thousands, GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Max;

impl GateMetric for Max {
    const FORM: &'static str = "max (latency)";
    const UNIT: Unit = Unit::Us;
    const WORSE: Worse = Worse::Higher;

    fn parse(text: &str) -> Option<Max> {
        (text == "max").then_some(Max)
    }

    fn name(&self) -> String {
        "max".to_string()
    }

    fn measure(&self, sample: &Sample) -> Measured {
        let n = sample.latency.len();
        if n == 0 {
            return Measured::insufficient(0, "no latencies were measured".to_string(), "max of no latencies".into());
        }
        let method =
            format!("the largest of {} latencies (one value: no interval, compared as measured)", thousands(n));
        Measured { value: sample.latency.inner().max() as f64, interval: None, samples: n, insufficient: None, method }
    }
}
