//! The cohort runner: every cohort of a client configuration on one OS thread of its own (never
//! the load engine's threads) running one `mio::Poll` loop over all their connections — no
//! runtime, no task or timer per connection.
//!
//! Each turn of the loop: the seconds that ended go into the timelines, then the socket events
//! are handled, then the ticks and connect timeouts that fell due, then each cohort starts or
//! ends its window and opens connections at its pace (`Cohort::drive`); the poll then sleeps
//! until the earliest thing any cohort waits for, or the stop's `mio::Waker`.

use super::cohort::Cohort;
use super::connection::Slab;
use super::deadlines::Nanos;
use super::kinds::Request;
use super::stats::Counters;
use super::{CohortFault, CohortRecord, Fates};
use crate::fault::Indexed;
use mio::{Events, Poll, Token, Waker};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where the cohorts connect and what their requests name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortTarget {
    pub addr: SocketAddr,
    /// The `Host` header.
    pub host: String,
    /// The request target (`/`, `/api?x=1`).
    pub path: String,
}

/// What [`Cohorts::start`] runs.
#[derive(Debug, Clone)]
pub struct CohortConfig {
    pub target: CohortTarget,
    /// The layer `clients` faults, with their `[[fault]]` index.
    pub cohorts: Vec<Indexed<CohortFault>>,
    /// The instant fault windows count from (shared with the mock and the engine).
    pub epoch: Instant,
}

/// One cohort now, for live printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortLive {
    pub fault: usize,
    pub kind: &'static str,
    /// Its fates so far (connections still open are in none of them yet).
    pub fates: Fates,
    pub connecting: u64,
    pub connected: u64,
}

/// The poll token of the stop's waker (slots are numbered from 0).
const STOP: Token = Token(usize::MAX);

/// How the cohort thread is told to stop: the flag, then a wake-up of its poll.
#[derive(Debug)]
struct Stop {
    flag: AtomicBool,
    waker: Waker,
}

impl Stop {
    fn stop(&self) {
        self.flag.store(true, Relaxed);
        if let Err(e) = self.waker.wake() {
            tracing::error!("could not wake the slow-client cohort thread: {e}");
        }
    }
}

/// The cohorts, running on their own thread.
#[derive(Debug)]
pub struct Cohorts {
    live: Vec<(usize, &'static str, Arc<Counters>)>,
    stop: Arc<Stop>,
    thread: Option<JoinHandle<Vec<CohortRecord>>>,
}

impl Cohorts {
    /// Starts the thread; fails when the poll or the thread cannot be made.
    pub fn start(config: CohortConfig) -> io::Result<Cohorts> {
        let poll = Poll::new()?;
        let stop = Arc::new(Stop { flag: AtomicBool::new(false), waker: Waker::new(poll.registry(), STOP)? });
        let request = Request { host: &config.target.host, path: &config.target.path };
        let cohorts = config
            .cohorts
            .iter()
            .enumerate()
            .map(|(i, (fault, plan))| {
                let index = u16::try_from(i)
                    .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "more than 65,535 slow-client cohorts"))?;
                Ok(Cohort::new(index, *fault, plan.clone(), plan.kind.kind.script(&request)))
            })
            .collect::<io::Result<Vec<Cohort>>>()?;
        let live = cohorts.iter().map(|c| (c.fault, c.kind, c.counters.clone())).collect();
        // Every connection a slot; the slab never holds more than all the cohorts' places.
        let places = config.cohorts.iter().map(|(_, plan)| plan.kind.connections).fold(0u64, u64::saturating_add);
        let slab = Slab::with_capacity(usize::try_from(places).unwrap_or(usize::MAX).min(1 << 20));
        let (addr, epoch, flag) = (config.target.addr, config.epoch, stop.clone());
        let thread = std::thread::Builder::new()
            .name("chaosload-cohorts".into())
            .spawn(move || run(poll, slab, cohorts, addr, epoch, &flag.flag))?;
        Ok(Cohorts { live, stop, thread: Some(thread) })
    }

    /// Each cohort now, in the order of `CohortConfig::cohorts`.
    pub fn live(&self) -> Vec<CohortLive> {
        self.live
            .iter()
            .map(|(fault, kind, c)| CohortLive {
                fault: *fault,
                kind,
                fates: c.fates(),
                connecting: c.connecting.load(Relaxed),
                connected: c.connected.load(Relaxed),
            })
            .collect()
    }

    /// Whether every cohort has finished by itself (its last window ended).
    pub fn is_done(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Stops: every connection still held is closed (`held_to_end`), connects in progress are
    /// abandoned; joins the thread and returns each cohort's record, in config order.
    pub fn finish(mut self) -> Vec<CohortRecord> {
        self.stop.stop();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(records)) => records,
            _ => {
                tracing::error!("the slow-client cohort thread panicked");
                Vec::new()
            }
        }
    }
}

impl Drop for Cohorts {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The cohort thread: the loop, until every cohort has finished (or the stop ended them).
fn run(
    mut poll: Poll,
    mut slab: Slab,
    mut cohorts: Vec<Cohort>,
    addr: SocketAddr,
    epoch: Instant,
    stop: &AtomicBool,
) -> Vec<CohortRecord> {
    let mut events = Events::with_capacity(1024);
    // Fault windows count from the epoch, which a run sets a little ahead.
    while !stop.load(Relaxed) {
        let Some(ahead) = epoch.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()) else { break };
        wait(&mut poll, &mut events, ahead);
    }
    events.clear();
    let mut now: Nanos = 0;
    loop {
        // One reading of the clock per turn, never going back: deadlines armed from it stay in order.
        now = now.max(u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX));
        let stopped = stop.load(Relaxed);
        for cohort in &mut cohorts {
            cohort.seconds(now);
        }
        for event in &events {
            let Some(cohort) = slab.cohort_of(event.token().0) else { continue };
            cohorts[cohort].on_event(&mut slab, poll.registry(), event.token().0, event, now);
        }
        let mut wake: Option<Nanos> = None;
        for cohort in &mut cohorts {
            cohort.expire(&mut slab, poll.registry(), now);
            if let Some(at) = cohort.drive(&mut slab, poll.registry(), addr, now, stopped) {
                wake = Some(wake.map_or(at, |w| w.min(at)));
            }
        }
        let Some(wake) = wake else { break };
        wait(&mut poll, &mut events, Duration::from_nanos(wake.saturating_sub(now)));
    }
    cohorts.into_iter().map(Cohort::record).collect()
}

/// Polls for at most `timeout` (the poll rounds up to whole milliseconds, so a deadline is
/// never polled for in a busy loop); an interruption is an early wake-up.
fn wait(poll: &mut Poll, events: &mut Events, timeout: Duration) {
    if let Err(e) = poll.poll(events, Some(timeout)) {
        if e.kind() != io::ErrorKind::Interrupted {
            tracing::error!("the slow-client cohort thread's poll failed: {e}");
            std::thread::sleep(Duration::from_millis(10));
        }
        events.clear();
    }
}
