//! A FIFO of timer deadlines, one per cohort and purpose (ticks, connect timeouts): every
//! connection of a cohort waits the same `interval` (or `CONNECT_TIMEOUT`) from a clock that only
//! goes forward, so deadlines arrive in order and a queue replaces a timer wheel or a heap.

use std::collections::VecDeque;

/// Nanoseconds since the cohorts' epoch: the cohort thread's clock.
pub(super) type Nanos = u64;

/// A deadline of one slot of the slab; `generation` tells it from the slot's later occupants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Deadline {
    pub at: Nanos,
    pub slot: u32,
    pub generation: u32,
}

/// Deadlines in the order they fall due. Entries of connections that ended stay until they fall
/// due and are skipped then (their generation no longer matches), so ending costs nothing here.
#[derive(Debug, Default)]
pub(super) struct Deadlines(VecDeque<Deadline>);

impl Deadlines {
    pub fn with_capacity(capacity: usize) -> Deadlines {
        Deadlines(VecDeque::with_capacity(capacity))
    }

    /// Queues a deadline, never before the last one queued: that keeps the queue ordered even
    /// when a late wake-up re-arms a tick behind one armed from a later clock reading (it then
    /// falls due as much later as the loop was late, no more).
    pub fn push(&mut self, at: Nanos, slot: u32, generation: u32) {
        let at = self.0.back().map_or(at, |last| last.at.max(at));
        self.0.push_back(Deadline { at, slot, generation });
    }

    /// The earliest deadline, if any.
    pub fn next(&self) -> Option<Nanos> {
        self.0.front().map(|d| d.at)
    }

    /// The earliest deadline if it has fallen due by `now`.
    pub fn pop_due(&mut self, now: Nanos) -> Option<Deadline> {
        if self.0.front()?.at <= now {
            self.0.pop_front()
        } else {
            None
        }
    }

    /// Forgets every deadline (the cohort's connections all ended at once).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}
