//! Whether a figure moved by more than its noise: 95% confidence intervals of a percentile (from the
//! order statistics of an HDR histogram, distribution-free) and of a rate (Wilson score), and the
//! rule that a change is claimed only when the two sides' intervals do not overlap. Nothing here
//! knows of reports, so CI gates can judge runs by the same rule.

use crate::record::Hist;

/// The normal quantile for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A closed interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval<T> {
    pub lo: T,
    pub hi: T,
}

impl<T: PartialOrd + Copy> Interval<T> {
    pub fn contains(&self, x: T) -> bool {
        self.lo <= x && x <= self.hi
    }

    /// Whether the two share a point (touching counts: then no change can be claimed).
    pub fn overlaps(&self, other: &Interval<T>) -> bool {
        self.lo <= other.hi && other.lo <= self.hi
    }
}

/// Whether two estimates differ by more than their noise: their intervals are disjoint. This is the
/// one place the rule lives; it is conservative (two 95% intervals that merely touch are "no change").
pub fn differs<T: PartialOrd + Copy>(a: &Interval<T>, b: &Interval<T>) -> bool {
    !a.overlaps(b)
}

/// The 1-based ranks of the order statistics bounding the `q`-quantile of `n` samples:
/// `n·q ± z·√(n·q·(1−q))` (the normal approximation to the binomial count of samples below the
/// true quantile), rounded to the nearest rank and clamped to `[1, n]`. `None` without samples.
pub fn quantile_ranks(n: u64, q: f64, z: f64) -> Option<Interval<u64>> {
    if n == 0 {
        return None;
    }
    let q = q.clamp(0.0, 1.0);
    let centre = n as f64 * q;
    let half = z * (n as f64 * q * (1.0 - q)).sqrt();
    let rank = |x: f64| (x.round() as u64).clamp(1, n);
    Some(Interval { lo: rank(centre - half), hi: rank(centre + half) })
}

/// The distribution-free interval of `h`'s `q`-quantile in µs: the values at [`quantile_ranks`].
/// HDR keeps values in buckets 0.1% wide (3 significant digits), so the low end is its bucket's
/// lowest equivalent value and the high end its bucket's highest: the interval covers the true
/// order statistics, a bucket wider than exact ones would be. `None` for an empty histogram.
pub fn quantile_interval(h: &Hist, q: f64, z: f64) -> Option<Interval<u64>> {
    let ranks = quantile_ranks(h.len(), q, z)?;
    let inner = h.inner();
    let lo = value_at_rank(h, ranks.lo)?;
    let hi = value_at_rank(h, ranks.hi)?;
    Some(Interval { lo: inner.lowest_equivalent(lo), hi: inner.highest_equivalent(hi) })
}

/// The value (some value of its bucket) of the `rank`-th smallest sample, counting from 1. Walked
/// in integer counts rather than through `value_at_quantile(rank / n)`, whose float product can
/// land one rank off.
fn value_at_rank(h: &Hist, rank: u64) -> Option<u64> {
    let mut below = 0u64;
    h.inner().iter_recorded().find_map(|v| {
        below += v.count_at_value();
        (below >= rank).then(|| v.value_iterated_to())
    })
}

/// The Wilson score interval of a proportion, `hits` of `n`: unlike `p ± z·√(p(1−p)/n)` it stays
/// inside [0, 1] and is not zero-wide at 0 or `n` hits. `None` for `n == 0`.
pub fn wilson(hits: u64, n: u64, z: f64) -> Option<Interval<f64>> {
    if n == 0 {
        return None;
    }
    let (n, p) = (n as f64, hits.min(n) as f64 / n as f64);
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval { lo: (centre - half).max(0.0), hi: (centre + half).min(1.0) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn hist(values_us: impl IntoIterator<Item = u64>) -> Hist {
        let mut h = Hist::new();
        for us in values_us {
            h.record(Duration::from_micros(us));
        }
        h
    }

    #[test]
    fn p99_of_a_thousand_lies_between_the_984th_and_996th() {
        // 1000·0.99 = 990, 1.96·√9.9 = 6.17.
        assert_eq!(quantile_ranks(1000, 0.99, Z_95), Some(Interval { lo: 984, hi: 996 }));
        // The median of 100: 50 ± 9.8.
        assert_eq!(quantile_ranks(100, 0.5, Z_95), Some(Interval { lo: 40, hi: 60 }));
        // Few samples: clamped to the ones there are.
        assert_eq!(quantile_ranks(20, 0.99, Z_95), Some(Interval { lo: 19, hi: 20 }));
        assert_eq!(quantile_ranks(1, 0.99, Z_95), Some(Interval { lo: 1, hi: 1 }));
        assert_eq!(quantile_ranks(0, 0.99, Z_95), None);
    }

    #[test]
    fn the_interval_is_read_at_those_ranks_to_the_bucket() {
        // Values 1..=1000 ms: the k-th smallest is k ms, so ranks 984 and 996 read 984 ms and 996 ms,
        // widened to their buckets (1 ms = 1000 µs is exact below 2048 µs, ±0.05% above).
        let h = hist((1..=1000).map(|ms| ms * 1_000));
        let ci = quantile_interval(&h, 0.99, Z_95).unwrap();
        let inner = h.inner();
        assert_eq!(ci, Interval { lo: inner.lowest_equivalent(984_000), hi: inner.highest_equivalent(996_000) });
        assert!(ci.lo <= 984_000 && 984_000 - ci.lo < 984, "{ci:?}");
        assert!(ci.hi >= 996_000 && ci.hi - 996_000 < 996, "{ci:?}");
        assert!(ci.contains(h.quantile_us(0.99)), "the point estimate lies inside: {ci:?}");
        // One value only: the interval is its bucket.
        let same = hist([4_000; 300]);
        let ci = quantile_interval(&same, 0.99, Z_95).unwrap();
        assert!(ci.contains(4_000) && ci.hi - ci.lo <= 4, "{ci:?}");
        assert_eq!(quantile_interval(&Hist::new(), 0.99, Z_95), None);
    }

    #[test]
    fn a_p99_from_few_samples_is_wide() {
        // 99 fast requests and one slow: with n = 100 the p99's upper rank is the 100th sample (the
        // slow one) and the lower one the 97th (a fast one), so the interval spans both.
        let h = hist((0..99).map(|_| 2_000).chain([900_000]));
        let ci = quantile_interval(&h, 0.99, Z_95).unwrap();
        assert!(ci.contains(2_000) && ci.contains(900_000), "{ci:?}");
    }

    #[test]
    fn wilson_matches_known_values() {
        let close = |a: f64, b: f64| (a - b).abs() < 5e-5;
        // 0 of 100: [0, 3.70%] (the "rule of three" would say 3%).
        let ci = wilson(0, 100, Z_95).unwrap();
        assert!(close(ci.lo, 0.0) && close(ci.hi, 0.03699), "{ci:?}");
        // 50 of 100: [40.38%, 59.62%].
        let ci = wilson(50, 100, Z_95).unwrap();
        assert!(close(ci.lo, 0.40383) && close(ci.hi, 0.59617), "{ci:?}");
        // All of them: mirrored.
        let ci = wilson(100, 100, Z_95).unwrap();
        assert!(close(ci.lo, 1.0 - 0.03699) && close(ci.hi, 1.0), "{ci:?}");
        assert_eq!(wilson(0, 0, Z_95), None);
    }

    #[test]
    fn only_disjoint_intervals_differ() {
        let a = Interval { lo: 1.0, hi: 2.0 };
        assert!(!differs(&a, &Interval { lo: 1.5, hi: 3.0 }));
        assert!(!differs(&a, &Interval { lo: 2.0, hi: 3.0 }), "touching is no change");
        assert!(differs(&a, &Interval { lo: 2.01, hi: 3.0 }));
        assert!(differs(&Interval { lo: 5, hi: 9 }, &Interval { lo: 1, hi: 4 }));
        // 8 of 100 against 9 of 100 errors: noise. 0 of 1000 against 30 of 1000: a change.
        assert!(!differs(&wilson(8, 100, Z_95).unwrap(), &wilson(9, 100, Z_95).unwrap()));
        assert!(differs(&wilson(0, 1000, Z_95).unwrap(), &wilson(30, 1000, Z_95).unwrap()));
    }
}
