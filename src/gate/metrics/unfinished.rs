//! `unfinished`: requests still in flight when the drain ended.

use super::errors::counted;
use super::{GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unfinished;

impl GateMetric for Unfinished {
    const FORM: &'static str = "unfinished (requests cut off by the drain)";
    const UNIT: Unit = Unit::Count;
    const WORSE: Worse = Worse::Higher;

    fn parse(text: &str) -> Option<Unfinished> {
        (text == "unfinished").then_some(Unfinished)
    }

    fn name(&self) -> String {
        "unfinished".to_string()
    }

    fn measure(&self, sample: &Sample) -> Measured {
        counted(sample.errors.get("unfinished").copied().unwrap_or(0), "unfinished requests", sample)
    }
}
