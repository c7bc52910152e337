//! `p50` … `p99.99`: a latency percentile, with its distribution-free 95% interval from the order
//! statistics; "insufficient data" when that interval would reach the sample's extreme value.

use super::{thousands, GateMetric, Measured, Worse};
use crate::gate::quantity::Unit;
use crate::gate::sample::Sample;
use crate::stats::{quantile_interval, quantile_ranks, Interval, Z_95};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentile {
    /// In (0, 100): 99.9 for `p99.9`.
    pub percent: f64,
}

impl Percentile {
    fn q(&self) -> f64 {
        self.percent / 100.0
    }

    /// Whether `n` samples pin the percentile down: its 95% rank interval stays clear of the
    /// smallest and the largest sample (else the interval is that extreme, whatever it is).
    fn enough(&self, n: u64) -> bool {
        quantile_ranks(n, self.q(), Z_95).is_some_and(|r| r.lo > 1 && r.hi < n)
    }

    /// The fewest samples that are [`Self::enough`] (the rank interval narrows as n grows).
    pub fn samples_needed(&self) -> u64 {
        let mut hi = 2u64;
        while !self.enough(hi) && hi < 1 << 40 {
            hi *= 2;
        }
        let mut lo = hi / 2;
        while lo + 1 < hi {
            let mid = lo + (hi - lo) / 2;
            if self.enough(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }
}

impl GateMetric for Percentile {
    const FORM: &'static str = "p50 … p99.99 (a latency percentile)";
    const UNIT: Unit = Unit::Us;
    const WORSE: Worse = Worse::Higher;

    fn parse(text: &str) -> Option<Percentile> {
        let digits = text.strip_prefix('p')?;
        if digits.is_empty() || digits.ends_with('.') || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        let percent: f64 = digits.parse().ok()?;
        (percent > 0.0 && percent < 100.0).then_some(Percentile { percent })
    }

    fn name(&self) -> String {
        format!("p{}", self.percent)
    }

    fn measure(&self, sample: &Sample) -> Measured {
        let h = &sample.latency;
        let n = h.len();
        let name = self.name();
        let Some(ranks) = quantile_ranks(n, self.q(), Z_95).filter(|_| self.enough(n)) else {
            let why = format!(
                "{} latencies are too few for {name}: its 95% interval would reach the {} value; it needs at least {}",
                thousands(n),
                if self.percent > 50.0 { "largest" } else { "smallest" },
                thousands(self.samples_needed())
            );
            return Measured::insufficient(n, why, format!("{name} of {} latencies", thousands(n)));
        };
        let ci = quantile_interval(h, self.q(), Z_95).expect("a histogram with samples");
        let interval = Interval { lo: ci.lo as f64, hi: ci.hi as f64 };
        let method = format!(
            "{name} of {} latencies from intended send time; 95% interval from the order statistics (ranks {}–{}): {}–{}",
            thousands(n),
            thousands(ranks.lo),
            thousands(ranks.hi),
            Unit::Us.format(interval.lo),
            Unit::Us.format(interval.hi)
        );
        Measured { value: h.quantile_us(self.q()) as f64, interval: Some(interval), samples: n, insufficient: None, method }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Hist;
    use std::time::Duration;

    #[test]
    fn a_p99_needs_a_few_hundred_latencies_and_a_p999_ten_times_more() {
        let p99 = Percentile { percent: 99.0 };
        let needed = p99.samples_needed();
        assert!((400..=600).contains(&needed), "{needed}");
        assert!(!p99.enough(needed - 1) && p99.enough(needed));
        let p999 = Percentile { percent: 99.9 }.samples_needed();
        assert!((9 * needed..=11 * needed).contains(&p999), "{p999} against {needed}");
        assert!(Percentile { percent: 50.0 }.samples_needed() < 20);
    }

    #[test]
    fn too_few_latencies_are_insufficient_and_enough_have_an_interval() {
        let p99 = Percentile { percent: 99.0 };
        let mut sample = Sample::default();
        for ms in 1..=300 {
            sample.latency.record(Duration::from_millis(ms));
        }
        let m = p99.measure(&sample);
        let why = m.insufficient.expect("300 latencies are too few for a p99");
        assert!(why.contains("300 latencies") && why.contains("at least"), "{why}");
        sample.latency = Hist::new();
        for ms in 1..=2000 {
            sample.latency.record(Duration::from_millis(ms));
        }
        let m = p99.measure(&sample);
        assert_eq!(m.insufficient, None);
        let ci = m.interval.unwrap();
        assert!(ci.contains(m.value) && ci.lo < 1_980_000.0 && ci.hi > 1_980_000.0, "{ci:?}");
        assert!(m.method.contains("ranks 1,971–1,989"), "{}", m.method);
    }
}
