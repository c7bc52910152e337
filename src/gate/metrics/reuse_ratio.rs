//! `reuse_ratio`: the share of requests sent on a reused connection, with its 95% Wilson
//! interval. Not recorded per second, so not in a fault's window.

use super::{thousands, GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;
use crate::stats::{wilson, Z_95};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReuseRatio;

impl GateMetric for ReuseRatio {
    const FORM: &'static str = "reuse_ratio (share of requests on a reused connection)";
    const UNIT: Unit = Unit::Ratio;
    const WORSE: Worse = Worse::Lower;
    const PER_SECOND: bool = false;

    fn parse(text: &str) -> Option<ReuseRatio> {
        (text == "reuse_ratio").then_some(ReuseRatio)
    }

    fn name(&self) -> String {
        "reuse_ratio".to_string()
    }

    fn measure(&self, sample: &Sample) -> Measured {
        let (reused, sent) = sample.reused.unwrap_or((0, 0));
        let Some(interval) = wilson(reused, sent, Z_95) else {
            return Measured::insufficient(0, "no requests were sent here".to_string(), "no requests".to_string());
        };
        let method = format!(
            "{} of {} requests on a reused connection; 95% Wilson interval {}–{}",
            thousands(reused),
            thousands(sent),
            Unit::Ratio.format(interval.lo),
            Unit::Ratio.format(interval.hi)
        );
        Measured { value: reused as f64 / sent as f64, interval: Some(interval), samples: sent, insufficient: None, method }
    }
}
