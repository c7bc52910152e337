//! One cohort on the cohort thread: its windows, the pace of its openings, its deadlines and
//! its timeline. The thread's loop (`runner.rs`) calls it with the time; it opens and ends its
//! connections in the thread's [`Slab`].
//!
//! Connections are spaced `1 / per_second` apart, never in bursts; while the cohort is full the
//! pace counts from when a place frees, so replacements come at that pace too. At a window's end
//! every connection of the window ends at once: `held_to_end`, or `connect_failed` for connects
//! in progress (see [`Fates`]).

use super::connection::{End, Slab, Step, CONNECT_TIMEOUT};
use super::deadlines::{Deadlines, Nanos};
use super::kinds::Script;
use super::stats::Counters;
use super::{CohortFault, CohortRecord, CohortSecond, Fates};
use crate::fault::FaultPlan;
use crate::record::Hist;
use mio::Registry;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// The most a tick waits for others falling due after it, to share their wake-up.
const TICK_SLACK: Duration = Duration::from_millis(100);

/// After a connect failed for want of file descriptors, the cohort opens nothing for this long
/// (retrying at once would fail again at once).
const OUT_OF_DESCRIPTORS_BACKOFF: Duration = Duration::from_millis(250);

pub(super) struct Cohort {
    pub fault: usize,
    pub kind: &'static str,
    /// Its index in the thread's list (what its slots name).
    index: u16,
    connections: u64,
    /// Time between two openings: `1 / per_second`.
    gap: Nanos,
    script: Script,
    plan: FaultPlan<CohortFault>,
    pub counters: Arc<Counters>,
    /// Each held connection's next tick, in order.
    ticks: Deadlines,
    /// Each connect in progress's timeout, in order.
    connect_timeouts: Deadlines,
    /// Connections connecting or open.
    occupied: u64,
    /// The end of the window the cohort is in.
    window_end: Option<Nanos>,
    next_open: Nanos,
    /// The timeline ends with the cohort's last window (or the stop, if sooner).
    last_end: Option<Nanos>,
    held_for: Hist,
    timeline: Vec<CohortSecond>,
    second_start: Fates,
    done: bool,
}

impl Cohort {
    pub fn new(index: u16, fault: usize, plan: FaultPlan<CohortFault>, script: Script) -> Cohort {
        let gap = Duration::from_secs(1) / u32::try_from(plan.kind.per_second).unwrap_or(u32::MAX);
        // Every place may hold a deadline; more come only from connections that ended early.
        let room = usize::try_from(plan.kind.connections).unwrap_or(usize::MAX).min(1 << 20);
        Cohort {
            fault,
            kind: plan.kind.kind.name(),
            index,
            connections: plan.kind.connections,
            gap: nanos(gap),
            script,
            last_end: plan.every.is_none().then(|| nanos(plan.at.saturating_add(plan.duration))),
            plan,
            counters: Arc::default(),
            ticks: Deadlines::with_capacity(room),
            connect_timeouts: Deadlines::default(),
            occupied: 0,
            window_end: None,
            next_open: 0,
            held_for: Hist::new(),
            timeline: Vec::new(),
            second_start: Fates::default(),
            done: false,
        }
    }

    /// Records each second that ended by `now`: its states, read before anything that woke the
    /// thread changes them.
    pub fn seconds(&mut self, now: Nanos) {
        while now >= secs(self.timeline.len() as u64 + 1)
            && self.last_end.is_none_or(|end| secs(self.timeline.len() as u64) < end)
        {
            let (second, counts) = self.counters.second(self.timeline.len() as u64, &self.second_start);
            self.timeline.push(second);
            self.second_start = counts;
        }
    }

    /// A socket event for one of its connections.
    pub fn on_event(
        &mut self,
        slab: &mut Slab,
        registry: &Registry,
        slot: usize,
        event: &mio::event::Event,
        now: Nanos,
    ) {
        let step = slab.on_event(registry, slot, event, &self.script, &self.counters, now);
        self.after(step, slot as u32, slab, now, now);
    }

    /// Carries out the ticks and connect timeouts that fell due by `now`.
    pub fn expire(&mut self, slab: &mut Slab, registry: &Registry, now: Nanos) {
        while let Some(due) = self.connect_timeouts.pop_due(now) {
            if let Some(end) = slab.expire(registry, (due.slot, due.generation), &self.counters, now) {
                self.ended(end, now);
            }
        }
        while let Some(due) = self.ticks.pop_due(now) {
            let step = slab.tick(registry, (due.slot, due.generation), &self.script, &self.counters, now);
            self.after(step, due.slot, slab, due.at, now);
        }
    }

    /// Acts on what a connection did; `from` is when its last tick fell due (or now).
    fn after(&mut self, step: Step, slot: u32, slab: &Slab, from: Nanos, now: Nanos) {
        let interval = nanos(self.script.interval);
        match step {
            Step::Nothing => {}
            Step::Ticking | Step::TickAgain => {
                // Drift-free from the last tick, but after this turn: a loop woken late carries
                // out one tick per connection, not a burst of the ticks it missed.
                let at = from.saturating_add(interval).max(now + 1);
                self.ticks.push(at, slot, slab.generation(slot));
            }
            Step::Ended(end) => self.ended(end, now),
        }
    }

    fn ended(&mut self, end: End, now: Nanos) {
        self.occupied -= 1;
        if let Some(held) = end.held_for {
            self.held_for.record(held);
        }
        if end.out_of_descriptors {
            self.next_open = self.next_open.max(now + nanos(OUT_OF_DESCRIPTORS_BACKOFF));
        }
    }

    /// Starts and ends windows and opens connections at the pace; when the cohort next needs the
    /// thread, or `None` once it has finished (its last window, or the stop, ended it).
    pub fn drive(
        &mut self,
        slab: &mut Slab,
        registry: &Registry,
        addr: SocketAddr,
        now: Nanos,
        stopped: bool,
    ) -> Option<Nanos> {
        if self.done {
            return None;
        }
        let elapsed = Duration::from_nanos(now);
        if (self.window_end.is_some_and(|end| now >= end) || stopped) && self.window_end.take().is_some() {
            slab.close_cohort(registry, self.index, &self.counters, now);
            self.occupied = 0;
            self.ticks.clear();
            self.connect_timeouts.clear();
        }
        if self.window_end.is_none() && !stopped {
            if let Some(end) = self.plan.window_end(elapsed) {
                self.window_end = Some(nanos(end));
                self.next_open = self.next_open.max(now);
            }
        }
        let next_start = if self.window_end.is_none() && !stopped { next_start(&self.plan, elapsed) } else { None };
        if self.window_end.is_none() && next_start.is_none() && self.occupied == 0 {
            // The last partial second, if it began before the cohort's end.
            let end = self.last_end.map_or(now, |end| end.min(now));
            if secs(self.timeline.len() as u64) < end {
                self.timeline.push(self.counters.second(self.timeline.len() as u64, &self.second_start).0);
            }
            self.done = true;
            return None;
        }
        let mut wake = secs(self.timeline.len() as u64 + 1);
        if let Some(end) = self.window_end {
            wake = wake.min(end);
            if self.occupied < self.connections {
                while self.next_open <= now && self.occupied < self.connections {
                    self.open(slab, registry, addr, now);
                    self.next_open += self.gap;
                }
                if self.occupied < self.connections {
                    wake = wake.min(self.next_open);
                }
            } else {
                // Full: the pace counts from when a place frees, not from the last opening.
                self.next_open = self.next_open.max(now);
            }
        } else if let Some(start) = next_start {
            wake = wake.min(nanos(start));
        }
        // Ticks wait for up to `TICK_SLACK` (a tenth of the interval at most) so that those
        // falling due close together go out in one wake-up, as slowhttptest's loop sends them:
        // a wake-up per tick cost more CPU than the sends (bench section 11).
        let slack = nanos(TICK_SLACK.min(self.script.interval / 10));
        let tick = self.ticks.next().map(|at| at.saturating_add(slack));
        Some([tick, self.connect_timeouts.next()].into_iter().flatten().fold(wake, Nanos::min))
    }

    /// Begins one connection.
    fn open(&mut self, slab: &mut Slab, registry: &Registry, addr: SocketAddr, now: Nanos) {
        self.occupied += 1;
        match slab.open(registry, addr, self.index, &self.script, &self.counters, now) {
            Ok((slot, generation)) => self.connect_timeouts.push(now + nanos(CONNECT_TIMEOUT), slot, generation),
            Err(end) => self.ended(end, now),
        }
    }

    /// What it measured.
    pub fn record(self) -> CohortRecord {
        CohortRecord {
            fault: self.fault,
            kind: self.kind,
            connections: self.connections,
            fates: self.counters.fates(),
            peak_connected: self.counters.peak_connected.load(std::sync::atomic::Ordering::Relaxed),
            held_for: self.held_for,
            timeline: self.timeline,
        }
    }
}

fn nanos(d: Duration) -> Nanos {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn secs(s: u64) -> Nanos {
    s.saturating_mul(1_000_000_000)
}

/// When the plan's next window starts after `elapsed` (which lies outside any window), if ever.
fn next_start<K>(plan: &FaultPlan<K>, elapsed: Duration) -> Option<Duration> {
    if elapsed < plan.at {
        return Some(plan.at);
    }
    match plan.every {
        Some(every) if !every.is_zero() => {
            let done = (elapsed - plan.at).as_nanos() / every.as_nanos() + 1;
            let offset = every.as_nanos().saturating_mul(done);
            Some(plan.at.saturating_add(Duration::from_nanos(u64::try_from(offset).unwrap_or(u64::MAX))))
        }
        _ => None,
    }
}
