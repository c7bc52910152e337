//! The gate metrics, one file each, registered by one line in [`gate_metrics!`] below. A metric
//! reads its word in a gate key, says its unit and which way is worse, and measures a
//! [`Sample`] with its 95% interval and whether there is enough data to judge it.

pub use super::quantity::thousands;
use super::quantity::Unit;
use super::sample::Sample;
use crate::stats::Interval;

/// Declares the gate metrics: `Variant(module::Type)`, one line a metric. Generates [`Metric`],
/// its exhaustive dispatch to each metric's [`GateMetric`] impl, and [`FORMS`].
macro_rules! gate_metrics {
    ($($variant:ident($module:ident::$metric:ident)),+ $(,)?) => {
        $(pub mod $module;)+
        $(pub use $module::$metric;)+

        /// What a gate measures.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Metric {
            $($variant($metric)),+
        }

        impl Metric {
            /// The metric written as in a gate key (`p99`, `error_rate.reset`), or `None`.
            pub fn parse(text: &str) -> Option<Metric> {
                None$(.or_else(|| <$metric as GateMetric>::parse(text).map(Metric::$variant)))+
            }

            /// The metric as a gate key writes it.
            pub fn name(&self) -> String {
                match self {
                    $(Metric::$variant(m) => m.name()),+
                }
            }

            pub fn unit(&self) -> Unit {
                match self {
                    $(Metric::$variant(_) => <$metric as GateMetric>::UNIT),+
                }
            }

            pub fn worse(&self) -> Worse {
                match self {
                    $(Metric::$variant(_) => <$metric as GateMetric>::WORSE),+
                }
            }

            /// Whether the timeline records it per second, so it can be gated in a fault's window.
            pub fn per_second(&self) -> bool {
                match self {
                    $(Metric::$variant(_) => <$metric as GateMetric>::PER_SECOND),+
                }
            }

            pub fn measure(&self, sample: &Sample) -> Measured {
                match self {
                    $(Metric::$variant(m) => m.measure(sample)),+
                }
            }
        }

        /// How each metric is written, for messages and hints.
        pub const FORMS: &[&str] = &[$(<$metric as GateMetric>::FORM),+];
    };
}

gate_metrics! {
    Percentile(percentile::Percentile),
    Mean(mean::Mean),
    Max(max::Max),
    ErrorRate(error_rate::ErrorRate),
    Errors(errors::Errors),
    Rate(rate::Rate),
    Overflow(overflow::Overflow),
    Unfinished(unfinished::Unfinished),
    ConnectionsOpened(connections_opened::ConnectionsOpened),
    ReuseRatio(reuse_ratio::ReuseRatio),
}

/// Which way a metric gets worse: a latency or an error rate up, a rate or a reuse ratio down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worse {
    Higher,
    Lower,
}

/// One metric read off one sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// The value in the metric's [`Unit`].
    pub value: f64,
    /// Its 95% interval; `None` when it has none (a maximum, an empty sample).
    pub interval: Option<Interval<f64>>,
    /// How many values it was read from (latencies, requests, seconds).
    pub samples: u64,
    /// Why the value means nothing yet (too few samples), when it does not.
    pub insufficient: Option<String>,
    /// How it was read and its interval made, for the verdict.
    pub method: String,
}

impl Measured {
    /// Its interval when it has one and the data suffice: what a change is judged by.
    pub fn usable_interval(&self) -> Option<Interval<f64>> {
        self.interval.filter(|_| self.insufficient.is_none())
    }

    fn insufficient(samples: u64, why: String, method: String) -> Measured {
        Measured { value: 0.0, interval: None, samples, insufficient: Some(why), method }
    }
}

/// One gate metric: its word, its unit, which way is worse, and how it is measured.
pub(crate) trait GateMetric: Sized {
    /// How it is written in a gate key, for messages (`p50 … p99.99`).
    const FORM: &'static str;

    /// The metric named by `text` (everything after the key's scope), or `None`.
    fn parse(text: &str) -> Option<Self>;

    /// The unit its values and thresholds are in.
    const UNIT: Unit;

    /// Which way it gets worse.
    const WORSE: Worse;

    /// Whether it can be read from the seconds of a fault's window (the timeline records it).
    const PER_SECOND: bool = true;

    fn name(&self) -> String;

    fn measure(&self, sample: &Sample) -> Measured;
}

/// A count's 95% interval, as a Poisson rate's score interval `(c + z²/2) ± z·√(c + z²/4)`: like
/// Wilson's for a proportion it is never zero-wide, not even at 0.
pub(crate) fn count_interval(count: u64) -> Interval<f64> {
    use crate::stats::Z_95;
    let (c, z2) = (count as f64, Z_95 * Z_95);
    let centre = c + z2 / 2.0;
    let half = Z_95 * (c + z2 / 4.0).sqrt();
    Interval { lo: (centre - half).max(0.0), hi: centre + half }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_to_its_own_metric() {
        let cases = [
            ("p50", "p50"),
            ("p99.9", "p99.9"),
            ("p99.99", "p99.99"),
            ("mean", "mean"),
            ("max", "max"),
            ("error_rate", "error_rate"),
            ("error_rate.reset", "error_rate.reset"),
            ("error_rate.closed", "error_rate.closed_before_response"),
            ("errors", "errors"),
            ("errors.http_503", "errors.http_503"),
            ("rate", "rate"),
            ("overflow", "overflow"),
            ("unfinished", "unfinished"),
            ("connections_opened", "connections_opened"),
            ("reuse_ratio", "reuse_ratio"),
        ];
        for (text, name) in cases {
            let metric = Metric::parse(text).unwrap_or_else(|| panic!("{text} parses"));
            assert_eq!(metric.name(), name);
        }
        for bad in ["p100", "p0", "p", "pfoo", "p99.", "latency", "errors.nope", "error_rate.", "Mean", ""] {
            assert_eq!(Metric::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_count_interval_is_never_zero_wide() {
        let zero = count_interval(0);
        assert!(zero.lo == 0.0 && (3.6..3.9).contains(&zero.hi), "{zero:?}");
        let hundred = count_interval(100);
        assert!(hundred.contains(100.0) && hundred.lo > 80.0 && hundred.hi < 124.0, "{hundred:?}");
        assert_eq!(thousands(4000), "4,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
