//! `unfinished`: requests still in flight when the drain ended.

use super::errors::counted;
use super::{GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unfinished;

impl GateMetric for Unfinished {
    const FORM: &'static str = "unfinished (requests cut off by the drain)";

    fn parse(text: &str) -> Option<Unfinished> {
        (text == "unfinished").then_some(Unfinished)
    }

    fn name(&self) -> String {
        "unfinished".to_string()
    }

    fn unit(&self) -> Unit {
        Unit::Count
    }

    fn worse(&self) -> Worse {
        Worse::Higher
    }

    fn measure(&self, sample: &Sample) -> Measured {
        counted(sample.errors.get("unfinished").copied().unwrap_or(0), "unfinished requests", sample)
    }
}
