//! What every layer's faults are made of: a kind switched on and off over the run's timeline,
//! hitting each unit (a request, a connection) with a seeded probability while active
//! ([`FaultPlan`]), and what a kind needs to be parsed ([`keys`], [`spec`]).
//!
//! Each kind is one unit in its layer's folder — mock kinds in `mock/faults/<kind>.rs`, proxy
//! toxics in `chaos/toxics/<kind>.rs` — declaring its name, its keys (read through [`Keys`]),
//! its normalized form and its behaviour, registered by one line in its layer's list. The
//! plan's view across layers (`FaultKind`, `ByLayer`, the registry of every kind) is
//! `scenario/faults.rs`, above the layers; this module knows no layer.

pub mod keys;
pub mod spec;

pub use keys::{Keys, Need};
pub use spec::KindSpec;

use std::time::Duration;

/// A fault switched on and off over the run's timeline (`[[fault]]`). `K` is the plan's
/// `scenario::FaultKind` (any layer), or one layer's kind where that layer's server holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan<K> {
    pub kind: K,
    /// Offset from the start of the run (of each client configuration). Default 0.
    pub at: Duration,
    /// How long each activation lasts. Without `for` in the scenario: the whole run (validation
    /// fills in the run's length plus its drain).
    pub duration: Duration,
    /// Repeat period (`None`: once).
    pub every: Option<Duration>,
    /// Chance that the fault hits one unit while active, in 0..=1 (default 1): per request for
    /// mock faults (per connection for `reset` at stage `accept`), per connection for proxy
    /// faults. Draws are seeded, so every configuration meets the same hits.
    pub probability: f64,
}

impl<K> FaultPlan<K> {
    /// Whether the fault is active `elapsed` after the run started.
    pub fn active_at(&self, elapsed: Duration) -> bool {
        if elapsed < self.at {
            return false;
        }
        let since = elapsed - self.at;
        match self.every {
            Some(every) if !every.is_zero() => {
                Duration::from_nanos((since.as_nanos() % every.as_nanos()) as u64) < self.duration
            }
            _ => since < self.duration,
        }
    }

    /// End of the activation window containing `elapsed`, if the fault is active then.
    pub fn window_end(&self, elapsed: Duration) -> Option<Duration> {
        if !self.active_at(elapsed) {
            return None;
        }
        let start = match self.every {
            // The activation began `since % every` ago (less than `every`, so it fits in u64 nanos).
            Some(every) if !every.is_zero() => {
                let into = (elapsed - self.at).as_nanos() % every.as_nanos();
                elapsed - Duration::from_nanos(u64::try_from(into).unwrap_or(u64::MAX))
            }
            _ => self.at,
        };
        Some(start.saturating_add(self.duration))
    }

    /// The activation windows `(start, end)` that begin before `until`, ends clipped to it.
    pub fn windows(&self, until: Duration) -> Vec<(Duration, Duration)> {
        let mut out = Vec::new();
        let mut start = self.at;
        while start < until {
            out.push((start, start.saturating_add(self.duration).min(until)));
            match self.every {
                Some(every) if !every.is_zero() => start = start.saturating_add(every),
                _ => break,
            }
        }
        out
    }

    /// The same window and probability with another kind.
    pub fn with_kind<J>(&self, kind: J) -> FaultPlan<J> {
        FaultPlan { kind, at: self.at, duration: self.duration, every: self.every, probability: self.probability }
    }
}

/// A fault as one layer's server holds it: its `[[fault]]` index (which keys its seeded draws)
/// and its plan with that layer's kind.
pub type Indexed<K> = (usize, FaultPlan<K>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeating_fault_windows() {
        let f = FaultPlan {
            kind: (),
            at: Duration::from_secs(2),
            duration: Duration::from_secs(1),
            every: Some(Duration::from_secs(5)),
            probability: 1.0,
        };
        assert!(!f.active_at(Duration::from_millis(1999)));
        assert!(f.active_at(Duration::from_millis(2500)));
        assert!(!f.active_at(Duration::from_millis(3000)));
        assert_eq!(f.window_end(Duration::from_millis(7200)), Some(Duration::from_secs(8)));
        assert_eq!(f.window_end(Duration::from_millis(8200)), None);
    }

    fn plan(at_ms: u64, for_ms: u64, every_ms: Option<u64>) -> FaultPlan<()> {
        FaultPlan {
            kind: (),
            at: Duration::from_millis(at_ms),
            duration: Duration::from_millis(for_ms),
            every: every_ms.map(Duration::from_millis),
            probability: 1.0,
        }
    }

    /// A window is `[start, start + duration)`: active from its first instant, over at its end.
    #[test]
    fn windows_start_inclusive_and_end_exclusive() {
        let ms = Duration::from_millis;
        for f in [plan(2000, 1000, None), plan(2000, 1000, Some(5000))] {
            assert!(f.active_at(ms(2000)), "{f:?} is active from its first instant");
            assert_eq!(f.window_end(ms(2000)), Some(ms(3000)));
            assert!(f.active_at(ms(2999)) && !f.active_at(ms(3000)), "{f:?} ends at 3 s");
            assert_eq!(f.window_end(ms(3000)), None);
        }
        let repeating = plan(2000, 1000, Some(5000));
        assert!(repeating.active_at(ms(7000)) && !repeating.active_at(ms(6999)) && !repeating.active_at(ms(8000)));
        assert_eq!(repeating.window_end(ms(12_500)), Some(ms(13_000)));
        // Repetitions count from `at`, not from 0: windows [4 s, 4.5 s), [9 s, 9.5 s)…
        let late_start = plan(4000, 500, Some(5000));
        assert_eq!(late_start.window_end(ms(9200)), Some(ms(9500)));
        assert!(late_start.active_at(ms(9200)) && !late_start.active_at(ms(5200)));
    }

    /// `every = 0` cannot repeat: the fault acts once, and nothing divides by zero.
    #[test]
    fn a_zero_period_is_one_window() {
        let ms = Duration::from_millis;
        let f = plan(1000, 500, Some(0));
        assert!(f.active_at(ms(1200)) && !f.active_at(ms(1500)) && !f.active_at(ms(9000)));
        assert_eq!(f.window_end(ms(1200)), Some(ms(1500)));
        assert_eq!(f.windows(ms(10_000)), vec![(ms(1000), ms(1500))]);
    }

    /// The windows a report draws: each repetition, the last clipped to the end of the run.
    #[test]
    fn windows_list_every_repetition_clipped_to_the_run() {
        let ms = Duration::from_millis;
        assert_eq!(
            plan(1000, 500, Some(2000)).windows(ms(5200)),
            vec![(ms(1000), ms(1500)), (ms(3000), ms(3500)), (ms(5000), ms(5200))]
        );
        assert_eq!(plan(1000, 9000, None).windows(ms(4000)), vec![(ms(1000), ms(4000))]);
        assert_eq!(plan(5000, 100, None).windows(ms(5000)), vec![], "a window starting at the end is not drawn");
        let moved = plan(1000, 500, Some(2000)).with_kind("other");
        assert_eq!((moved.kind, moved.at, moved.duration, moved.every), ("other", ms(1000), ms(500), Some(ms(2000))));
    }
}
