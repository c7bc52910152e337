//! Traffic shapes as data: turns a phase's `Shape` into the sequence of intended send times.
//!
//! One iterator serves every shape: each shape only answers "what is the rate at t" and "when
//! does the rate change next", so the engine never has a code path per shape.

use crate::scenario::Shape;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

/// Time slack in seconds where float arithmetic meets exact phase boundaries.
const EPSILON: f64 = 1e-9;

/// Intended send offsets (from the phase start) of one phase, seeded and deterministic.
///
/// Every shape is described by its cumulative arrival count `N(t)`; the k-th arrival is sent at
/// `N⁻¹(k)`. Evenly spaced arrivals take k = 0, 1, 2…; Poisson arrivals take the partial sums
/// of Exp(1) draws, which by time rescaling is an inhomogeneous Poisson process of rate `N'(t)`.
/// Times are computed from the count, never by summing gaps, so no rounding error accumulates.
pub struct Schedule {
    shape: Shape,
    duration: f64,
    poisson: Option<SmallRng>,
    /// Cumulative count of the next arrival.
    n: f64,
}

impl Schedule {
    pub fn new(shape: Shape, duration: Duration, poisson: bool, seed: u64) -> Schedule {
        Schedule {
            shape,
            duration: duration.as_secs_f64(),
            poisson: poisson.then(|| SmallRng::seed_from_u64(seed)),
            n: 0.0,
        }
    }

    /// Arrival rate (per second) at `t` seconds into the phase.
    pub fn rate_at(&self, t: f64) -> f64 {
        match &self.shape {
            Shape::Constant { rate } => *rate,
            Shape::Ramp { from, to } => from + (to - from) * (t / self.duration).clamp(0.0, 1.0),
            Shape::Steps { rates } => {
                let i = ((t + EPSILON) / self.duration * rates.len() as f64) as usize;
                rates[i.min(rates.len() - 1)]
            }
            Shape::Bursts { rate, on, off } => {
                let (on, off) = (on.as_secs_f64(), off.as_secs_f64());
                if ((t + EPSILON) % (on + off)) < on {
                    *rate
                } else {
                    0.0
                }
            }
        }
    }

    /// `N⁻¹(n)`: the time by which `n` arrivals are due (None if never within the phase).
    fn time_of(&self, n: f64) -> Option<f64> {
        let t = match &self.shape {
            Shape::Constant { rate } => n / rate,
            Shape::Ramp { from, to } => {
                let slope = (to - from) / self.duration;
                // from·t + slope·t²/2 = n, in the form that stays stable when from = 0 or slope < 0.
                let disc = from * from + 2.0 * slope * n;
                if disc < 0.0 {
                    return None;
                }
                let denom = from + disc.sqrt();
                if denom <= 0.0 {
                    return if n == 0.0 { Some(0.0) } else { None };
                }
                2.0 * n / denom
            }
            Shape::Steps { rates } => {
                let step = self.duration / rates.len() as f64;
                let mut before = 0.0;
                let mut found = None;
                for (i, rate) in rates.iter().enumerate() {
                    let in_step = rate * step;
                    if *rate > 0.0 && n < before + in_step - EPSILON {
                        found = Some(i as f64 * step + (n - before) / rate);
                        break;
                    }
                    before += in_step;
                }
                found?
            }
            Shape::Bursts { rate, on, off } => {
                let per_burst = rate * on.as_secs_f64();
                let bursts = (n / per_burst + EPSILON).floor();
                bursts * (on.as_secs_f64() + off.as_secs_f64()) + (n - bursts * per_burst).max(0.0) / rate
            }
        };
        t.is_finite().then_some(t)
    }
}

impl Iterator for Schedule {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if let Some(rng) = &mut self.poisson {
            self.n += -(1.0 - rng.random::<f64>()).ln();
        }
        let t = self.time_of(self.n)?;
        if t >= self.duration - EPSILON {
            return None;
        }
        if self.poisson.is_none() {
            self.n += 1.0;
        }
        Some(Duration::from_secs_f64(t.max(0.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(shape: Shape, secs: u64, poisson: bool) -> usize {
        Schedule::new(shape, Duration::from_secs(secs), poisson, 7).count()
    }

    #[test]
    fn constant_is_evenly_spaced_and_exact() {
        let times: Vec<_> = Schedule::new(Shape::Constant { rate: 100.0 }, Duration::from_secs(10), false, 1).collect();
        assert_eq!(times.len(), 1000);
        assert_eq!(times[1] - times[0], Duration::from_millis(10));
        assert!(times.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_shape_produces_its_integral() {
        assert_eq!(count(Shape::Steps { rates: vec![10.0, 0.0, 30.0] }, 9, false), 30 + 90);
        let ramp = count(Shape::Ramp { from: 0.0, to: 200.0 }, 10, false);
        assert!((990..=1010).contains(&ramp), "ramp {ramp}");
        let bursts =
            count(Shape::Bursts { rate: 100.0, on: Duration::from_secs(2), off: Duration::from_secs(3) }, 10, false);
        assert_eq!(bursts, 400);
    }

    #[test]
    fn bursts_send_nothing_in_the_off_period() {
        let s = Schedule::new(
            Shape::Bursts { rate: 50.0, on: Duration::from_secs(1), off: Duration::from_secs(1) },
            Duration::from_secs(4),
            false,
            1,
        );
        assert!(s.map(|t| t.as_secs_f64()).all(|t| (t % 2.0) < 1.0));
    }

    #[test]
    fn poisson_keeps_the_mean_rate_and_is_seeded() {
        let n = count(Shape::Constant { rate: 1000.0 }, 20, true);
        assert!((19_400..=20_600).contains(&n), "poisson {n}");
        assert_eq!(n, count(Shape::Constant { rate: 1000.0 }, 20, true));
    }

    #[test]
    fn the_plans_arrival_count_is_what_the_schedule_sends() {
        let ms = Duration::from_millis;
        for (shape, duration) in [
            (Shape::Constant { rate: 250.0 }, ms(4_000)),
            (Shape::Ramp { from: 0.0, to: 300.0 }, ms(5_000)),
            (Shape::Ramp { from: 400.0, to: 100.0 }, ms(3_000)),
            (Shape::Steps { rates: vec![0.0, 100.0, 50.0] }, ms(6_000)),
            (Shape::Bursts { rate: 500.0, on: ms(300), off: ms(700) }, ms(4_500)),
        ] {
            let sent = Schedule::new(shape.clone(), duration, false, 1).count() as f64;
            let planned = shape.arrivals(duration);
            assert!((sent - planned).abs() <= 1.0, "{shape:?}: schedule sends {sent}, plan says {planned}");
            let peak = (0..=1000)
                .map(|i| {
                    Schedule::new(shape.clone(), duration, false, 1).rate_at(i as f64 * duration.as_secs_f64() / 1000.0)
                })
                .fold(0.0, f64::max);
            assert_eq!(peak, shape.peak_rate(), "{shape:?}");
        }
    }
}
