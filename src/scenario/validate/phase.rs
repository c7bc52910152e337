//! `[[phase]]`: its duration, the open or closed load model, and the arrival shape.

use super::diagnostic::Cx;
use super::request::PartialRequest;
use crate::dist::Dist;
use crate::scenario::plan::{Load, PhasePlan, RequestPlan, Shape};
use crate::scenario::raw::{RawDelay, RawPhase, RawShape};
use std::time::Duration;

impl Cx<'_> {
    pub(super) fn phase(&mut self, i: usize, raw: Option<&RawPhase>, base: &PartialRequest) -> PhasePlan {
        let f = |name: &str| format!("phase[{i}].{name}");
        let default_name = format!("phase-{}", i + 1);
        let default_load = Load::Closed { concurrency: 1, think: None };
        let Some(raw) = raw else {
            return PhasePlan {
                name: default_name,
                duration: Duration::ZERO,
                load: default_load,
                request: RequestPlan::default(),
            };
        };
        let name = match &raw.name {
            Some(n) if n.trim().is_empty() => {
                self.error(&f("name"), "a phase name cannot be empty");
                default_name
            }
            Some(n) if crate::escape::has_controls(n) => {
                self.error_hint(
                    &f("name"),
                    format!("phase name \"{n}\" holds a control character"),
                    "names label the terminal summary and the report: no line breaks, tabs, NUL or escapes",
                );
                default_name
            }
            Some(n) => n.clone(),
            None => default_name,
        };
        let duration = match &raw.duration {
            None => {
                self.error_hint(&format!("phase[{i}]"), "missing field \"duration\"", "e.g. duration = \"10s\"");
                Duration::ZERO
            }
            Some(d) => self.positive_duration(&f("duration"), d).unwrap_or_default(),
        };
        let load = match (&raw.shape, raw.concurrency) {
            (Some(_), Some(_)) => {
                self.error_hint(
                    &f("concurrency"),
                    "shape and concurrency are mutually exclusive",
                    "use shape for the open model (arrivals/s) or concurrency for the closed model (workers), not both",
                );
                default_load
            }
            (None, None) => {
                self.error_hint(
                    &format!("phase[{i}]"),
                    "a phase needs shape (open model) or concurrency (closed model)",
                    "e.g. shape = { kind = \"constant\", rate = 100 } for 100 arrivals/s, or concurrency = 16 for 16 workers",
                );
                default_load
            }
            (Some(shape), None) => {
                if raw.think.is_some() {
                    self.error_hint(
                        &f("think"),
                        "think applies only to the closed model",
                        "remove think, or use concurrency instead of shape",
                    );
                }
                let shape = self.shape(&f("shape"), shape);
                let max_in_flight = match &raw.max_in_flight {
                    None => 10_000,
                    Some(m) => self.limit(&f("max_in_flight"), m, 1).map_or(10_000, |m| m.unwrap_or(usize::MAX)),
                };
                Load::Open { shape, poisson: raw.poisson.unwrap_or(false), max_in_flight }
            }
            (None, Some(concurrency)) => {
                for (set, key) in [(raw.poisson.is_some(), "poisson"), (raw.max_in_flight.is_some(), "max_in_flight")] {
                    if set {
                        self.error_hint(
                            &f(key),
                            format!("{key} applies only to the open model"),
                            format!("remove {key}, or use shape instead of concurrency"),
                        );
                    }
                }
                let concurrency = self.count(&f("concurrency"), concurrency, 1).unwrap_or(1);
                let think = match &raw.think {
                    None => None,
                    Some(RawDelay::Duration(d)) => self.opt_duration(&f("think"), d).flatten().map(Dist::Fixed),
                    Some(RawDelay::Dist(d)) => self.dist(&f("think"), d),
                };
                Load::Closed { concurrency, think }
            }
        };
        let own = raw.request.as_ref().map(|r| self.request(&f("request"), r)).unwrap_or_default();
        PhasePlan { name, duration, load, request: base.merged(own) }
    }

    fn shape(&mut self, field: &str, raw: &RawShape) -> Shape {
        let zero = Shape::Constant { rate: 0.0 };
        match raw {
            RawShape::Constant { rate } => {
                let rate = self.rate(&format!("{field}.rate"), *rate, true);
                rate.map_or(zero, |rate| Shape::Constant { rate })
            }
            RawShape::Ramp { from, to } => {
                let from = self.rate(&format!("{field}.from"), *from, false);
                let to = self.rate(&format!("{field}.to"), *to, false);
                match (from, to) {
                    (Some(from), Some(to)) if from == 0.0 && to == 0.0 => {
                        self.error_hint(field, "a ramp from 0 to 0 sends nothing", "set from or to above 0");
                        zero
                    }
                    (Some(from), Some(to)) => Shape::Ramp { from, to },
                    _ => zero,
                }
            }
            RawShape::Steps { rates } => {
                if rates.is_empty() {
                    self.error_hint(
                        &format!("{field}.rates"),
                        "steps need at least one rate",
                        "e.g. rates = [100, 200, 400]",
                    );
                    return zero;
                }
                let checked: Vec<Option<f64>> = rates
                    .iter()
                    .enumerate()
                    .map(|(j, r)| self.rate(&format!("{field}.rates[{j}]"), *r, false))
                    .collect();
                if checked.iter().any(Option::is_none) {
                    return zero;
                }
                if rates.iter().all(|r| *r == 0.0) {
                    self.error_hint(
                        &format!("{field}.rates"),
                        "every step rate is 0: the phase sends nothing",
                        "set some rate above 0",
                    );
                    return zero;
                }
                Shape::Steps { rates: rates.clone() }
            }
            RawShape::Bursts { rate, on, off } => {
                let rate = self.rate(&format!("{field}.rate"), *rate, true);
                let on = self.positive_duration(&format!("{field}.on"), on);
                let off = self.duration(&format!("{field}.off"), off);
                match (rate, on, off) {
                    (Some(rate), Some(on), Some(off)) => Shape::Bursts { rate, on, off },
                    _ => zero,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn a_phase_is_open_or_closed() {
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = 1 }\nconcurrency = 2")),
            ["9:15 phase[0].concurrency: shape and concurrency are mutually exclusive"]
        );
        assert_eq!(errs(&phase("")), ["6:1 phase[0]: a phase needs shape (open model) or concurrency (closed model)"]);
        assert_eq!(
            errs(&phase("concurrency = 0\npoisson = false")),
            [
                "8:15 phase[0].concurrency: must be ≥ 1, got 0",
                "9:11 phase[0].poisson: poisson applies only to the open model"
            ]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = 1 }\nthink = \"1s\"\nmax_in_flight = 0")),
            [
                "9:9 phase[0].think: think applies only to the closed model",
                "10:17 phase[0].max_in_flight: must be ≥ 1, got 0"
            ]
        );
        assert_eq!(
            errs("name = \"t\"\n[target]\nmock = true\n[[client]]\nname = \"c\"\n[[phase]]\nconcurrency = 1\n"),
            ["6:1 phase[0]: missing field \"duration\""]
        );
    }

    #[test]
    fn rates_are_finite_and_something_is_sent() {
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = 0 }")),
            ["8:37 phase[0].shape.rate: rate must be above 0"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = inf }")),
            ["8:37 phase[0].shape.rate: rate must be a finite number ≥ 0 (requests per second), got inf"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"ramp\", from = -1, to = 5 }")),
            ["8:33 phase[0].shape.from: rate must be a finite number ≥ 0 (requests per second), got -1"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"ramp\", from = 0, to = 0 }")),
            ["8:9 phase[0].shape: a ramp from 0 to 0 sends nothing"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"steps\", rates = [] }")),
            ["8:35 phase[0].shape.rates: steps need at least one rate"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"steps\", rates = [1, nan] }")),
            ["8:39 phase[0].shape.rates[1]: rate must be a finite number ≥ 0 (requests per second), got NaN"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"bursts\", rate = 5, on = \"0s\", off = \"-1s\" }")),
            [
                "8:43 phase[0].shape.on: must be longer than 0s",
                "8:55 phase[0].shape.off: invalid duration \"-1s\": expected number at 0",
            ]
        );
    }
}
