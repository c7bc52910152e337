//! `connections_opened`: connections the client opened, with a Poisson 95% interval.

use super::{count_interval, thousands, GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConnectionsOpened;

impl GateMetric for ConnectionsOpened {
    const FORM: &'static str = "connections_opened";
    const UNIT: Unit = Unit::Count;
    const WORSE: Worse = Worse::Higher;

    fn parse(text: &str) -> Option<ConnectionsOpened> {
        (text == "connections_opened").then_some(ConnectionsOpened)
    }

    fn name(&self) -> String {
        "connections_opened".to_string()
    }

    fn measure(&self, sample: &Sample) -> Measured {
        let opened = sample.connections_opened;
        let interval = count_interval(opened);
        let method = format!(
            "{} connections opened; 95% Poisson interval {:.1}–{:.1}",
            thousands(opened),
            interval.lo,
            interval.hi
        );
        Measured {
            value: opened as f64,
            interval: Some(interval),
            samples: sample.requests,
            insufficient: None,
            method,
        }
    }
}
