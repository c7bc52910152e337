//! Random distributions of durations (latency, cold-start cost, think time), sampled with a seeded RNG.

use rand::Rng;
use rand_distr::{Distribution, LogNormal, Normal};
use std::time::Duration;

/// A distribution of durations, as written in a scenario (`{ dist = "lognormal", median = "4ms", p99 = "30ms" }`).
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Fixed(Duration),
    Uniform {
        min: Duration,
        max: Duration,
    },
    Normal {
        mean: Duration,
        stddev: Duration,
    },
    /// Log-normal given by its median and shape `sigma` (a `p99` in the scenario is turned into sigma).
    LogNormal {
        median: Duration,
        sigma: f64,
    },
}

/// z-score of the 99th percentile of the standard normal distribution.
pub const Z_P99: f64 = 2.326_347_874_040_841;

impl Dist {
    pub const ZERO: Dist = Dist::Fixed(Duration::ZERO);

    /// Sigma of a log-normal whose median is `median` and 99th percentile `p99`.
    pub fn lognormal_sigma(median: Duration, p99: Duration) -> f64 {
        (p99.as_secs_f64() / median.as_secs_f64()).ln() / Z_P99
    }

    /// Draws one duration; never negative.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        let secs = match *self {
            Dist::Fixed(d) => return d,
            Dist::Uniform { min, max } => {
                if max <= min {
                    return min;
                }
                rng.random_range(min.as_secs_f64()..max.as_secs_f64())
            }
            Dist::Normal { mean, stddev } => match Normal::new(mean.as_secs_f64(), stddev.as_secs_f64()) {
                Ok(n) => n.sample(rng),
                Err(_) => mean.as_secs_f64(),
            },
            Dist::LogNormal { median, sigma } => match LogNormal::new(median.as_secs_f64().ln(), sigma) {
                Ok(n) => n.sample(rng),
                Err(_) => median.as_secs_f64(),
            },
        };
        Duration::from_secs_f64(secs.clamp(0.0, 86_400.0))
    }

    /// True when every draw is zero (lets the hot path skip timers).
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Fixed(d) if d.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn lognormal_median_and_p99_are_honoured() {
        let median = Duration::from_millis(4);
        let p99 = Duration::from_millis(30);
        let d = Dist::LogNormal { median, sigma: Dist::lognormal_sigma(median, p99) };
        let mut rng = StdRng::seed_from_u64(7);
        let mut xs: Vec<Duration> = (0..100_000).map(|_| d.sample(&mut rng)).collect();
        xs.sort();
        let p50 = xs[50_000].as_secs_f64() * 1e3;
        let q99 = xs[99_000].as_secs_f64() * 1e3;
        assert!((3.8..4.2).contains(&p50), "p50 {p50}ms");
        assert!((27.0..33.0).contains(&q99), "p99 {q99}ms");
    }

    #[test]
    fn uniform_stays_in_bounds_and_normal_never_negative() {
        let mut rng = StdRng::seed_from_u64(1);
        let u = Dist::Uniform { min: Duration::from_millis(5), max: Duration::from_millis(6) };
        let n = Dist::Normal { mean: Duration::from_millis(1), stddev: Duration::from_millis(5) };
        let mut zeros = 0;
        let mut above_mean = 0;
        for _ in 0..10_000 {
            let x = u.sample(&mut rng);
            assert!(x >= Duration::from_millis(5) && x < Duration::from_millis(6));
            // Draws below zero (P(X < 0) = Φ(−0.2) ≈ 42 %) are clamped to zero, not folded
            // over (abs) nor dropped: the rest keep the normal's shape.
            let y = n.sample(&mut rng);
            zeros += u32::from(y.is_zero());
            above_mean += u32::from(y > Duration::from_millis(1));
        }
        assert!((3_800..=4_600).contains(&zeros), "{zeros} of 10000 draws clamped to zero");
        assert!((4_700..=5_300).contains(&above_mean), "{above_mean} of 10000 draws above the mean");
    }
}
