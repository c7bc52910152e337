//! `error_rate` and `error_rate.<kind>`: the share of requests that failed (overflow counted, as
//! result.json's `error_rate`), with its 95% Wilson interval.

use super::errors::Which;
use super::{thousands, GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;
use crate::stats::{wilson, Z_95};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorRate(pub Which);

impl GateMetric for ErrorRate {
    const FORM: &'static str = "error_rate or error_rate.<kind> (error_rate.reset, error_rate.http_5xx)";
    const UNIT: Unit = Unit::Ratio;
    const WORSE: Worse = Worse::Higher;

    fn parse(text: &str) -> Option<ErrorRate> {
        Which::parse(text.strip_prefix("error_rate")?).map(ErrorRate)
    }

    fn name(&self) -> String {
        format!("error_rate{}", self.0.suffix())
    }

    fn measure(&self, sample: &Sample) -> Measured {
        let (hits, n) = (self.0.count(sample), sample.requests);
        let Some(interval) = wilson(hits, n, Z_95) else {
            return Measured::insufficient(0, "no requests ended here".to_string(), "no requests".to_string());
        };
        let method = format!(
            "{} {} of {} requests; 95% Wilson interval {}–{}",
            thousands(hits),
            self.0.words(),
            thousands(n),
            Unit::Ratio.format(interval.lo),
            Unit::Ratio.format(interval.hi)
        );
        Measured { value: hits as f64 / n as f64, interval: Some(interval), samples: n, insufficient: None, method }
    }
}
