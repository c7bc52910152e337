//! Whether a connection has a request in progress, and since when it has not: what the idle
//! closes of both HTTP paths (`server.rs`, `h2.rs`) read.

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whether a connection has a request in progress, and since when it has not.
#[derive(Debug)]
pub(crate) struct Activity {
    base: Instant,
    in_flight: AtomicU32,
    /// When the last request finished, in nanoseconds since `base` (the accept time if none did).
    last_done_ns: AtomicU64,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Activity { base: Instant::now(), in_flight: AtomicU32::new(0), last_done_ns: AtomicU64::new(0) }
    }

    pub(crate) fn enter(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Relaxed);
        InFlight(Arc::clone(self))
    }

    /// `Ok` when idle for `idle` now, else when to look again. (A timer deadline is only a lower
    /// bound: requests may have come and gone since it was set.)
    pub(crate) fn idle_check(&self, idle: Duration) -> Result<(), Instant> {
        let now = Instant::now();
        match self.idle_since() {
            Some(since) if now >= crate::timer::after(since, idle) => Ok(()),
            Some(since) => Err(crate::timer::after(since, idle)),
            // Busy: it cannot have been idle for `idle` before `now + idle`.
            None => Err(now + idle),
        }
    }

    /// `None` while a request is in progress.
    pub(crate) fn idle_since(&self) -> Option<Instant> {
        if self.in_flight.load(Acquire) > 0 {
            return None;
        }
        Some(self.base + Duration::from_nanos(self.last_done_ns.load(Relaxed)))
    }
}

/// One request in progress on a connection; dropped when its response is handed to hyper.
pub(crate) struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let a = &self.0;
        a.last_done_ns.fetch_max(a.base.elapsed().as_nanos() as u64, Relaxed);
        a.in_flight.fetch_sub(1, Release);
    }
}
