//! `errors` and `errors.<kind>`: how many requests failed, in all or of one kind (`reset`,
//! `http_503`, or a class `http_4xx` / `http_5xx`), with a Poisson 95% interval.

use super::{count_interval, thousands, GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;
use crate::record::ErrorKind;

/// Which errors a metric counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    All,
    Kind(ErrorKind),
    /// Every HTTP status of a class: 4 for `http_4xx`, 5 for `http_5xx`.
    StatusClass(u16),
}

impl Which {
    /// `""` (all), `.reset`, `.http_5xx`…: what follows the metric's word.
    pub fn parse(rest: &str) -> Option<Which> {
        if rest.is_empty() {
            return Some(Which::All);
        }
        let kind = rest.strip_prefix('.')?;
        match kind {
            "http_4xx" => Some(Which::StatusClass(4)),
            "http_5xx" => Some(Which::StatusClass(5)),
            _ => ErrorKind::parse(kind).map(Which::Kind),
        }
    }

    /// `""` or `.reset`, as [`Which::parse`] reads it.
    pub fn suffix(&self) -> String {
        match self {
            Which::All => String::new(),
            Which::Kind(kind) => format!(".{}", kind.name()),
            Which::StatusClass(class) => format!(".http_{class}xx"),
        }
    }

    /// The errors of `sample` it counts.
    pub fn count(&self, sample: &Sample) -> u64 {
        match self {
            Which::All => sample.total_errors(),
            Which::Kind(kind) => sample.errors.get(&kind.name()).copied().unwrap_or(0),
            Which::StatusClass(class) => sample
                .errors
                .iter()
                .filter(|(name, _)| {
                    ErrorKind::parse(name).is_some_and(|k| matches!(k, ErrorKind::HttpStatus(c) if c / 100 == *class))
                })
                .map(|(_, n)| n)
                .sum(),
        }
    }

    /// `errors`, `reset errors`, `http_5xx errors`: what is counted, for methods.
    pub fn words(&self) -> String {
        match self {
            Which::All => "errors".to_string(),
            other => format!("{} errors", &other.suffix()[1..]),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Errors(pub Which);

impl GateMetric for Errors {
    const FORM: &'static str = "errors or errors.<kind> (a count: errors.reset, errors.http_5xx)";
    const UNIT: Unit = Unit::Count;
    const WORSE: Worse = Worse::Higher;

    fn parse(text: &str) -> Option<Errors> {
        Which::parse(text.strip_prefix("errors")?).map(Errors)
    }

    fn name(&self) -> String {
        format!("errors{}", self.0.suffix())
    }

    fn measure(&self, sample: &Sample) -> Measured {
        counted(self.0.count(sample), &self.0.words(), sample)
    }
}

/// A count of failed requests of `sample` (`what` they are), as every error count measures it.
pub(crate) fn counted(count: u64, what: &str, sample: &Sample) -> Measured {
    let n = sample.requests;
    if n == 0 {
        return Measured::insufficient(0, "no requests ended here".to_string(), format!("{what} of no requests"));
    }
    let interval = count_interval(count);
    let method = format!(
        "{} {what} of {} requests; 95% Poisson interval {:.1}–{:.1}",
        thousands(count),
        thousands(n),
        interval.lo,
        interval.hi
    );
    Measured { value: count as f64, interval: Some(interval), samples: n, insufficient: None, method }
}
