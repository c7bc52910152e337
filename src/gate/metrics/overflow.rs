//! `overflow`: arrivals never sent because `max_in_flight` requests were already out.

use super::errors::counted;
use super::{GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overflow;

impl GateMetric for Overflow {
    const FORM: &'static str = "overflow (arrivals past max_in_flight)";
    const UNIT: Unit = Unit::Count;
    const WORSE: Worse = Worse::Higher;

    fn parse(text: &str) -> Option<Overflow> {
        (text == "overflow").then_some(Overflow)
    }

    fn name(&self) -> String {
        "overflow".to_string()
    }

    fn measure(&self, sample: &Sample) -> Measured {
        counted(sample.errors.get("overflow").copied().unwrap_or(0), "overflowed arrivals", sample)
    }
}
