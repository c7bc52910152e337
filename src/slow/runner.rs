//! The cohort runner: every cohort of a client configuration on one OS thread of its own with a
//! current-thread runtime (never the load engine's threads), one driver task per cohort opening
//! its connections during its windows, one small task per connection.
//!
//! A cohort's driver wakes for the next opening (connections are spaced `1 / per_second` apart,
//! never in bursts), a connection's end (it opens a replacement, still at that pace), its
//! window's start and end, and each second's end (the timeline). At a window's end it cancels
//! the window's token: every connection closes itself (`held_to_end`) and connects in progress
//! are abandoned (`connect_failed`, see [`Fates`](super::Fates)).

use super::connection::{self, End};
use super::kinds::{Request, Script};
use super::stats::Counters;
use super::{CohortFault, CohortRecord, Fates};
use crate::fault::{FaultPlan, Indexed};
use crate::record::Hist;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

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

/// After a connect failed for want of file descriptors, the cohort opens nothing for this long
/// (retrying at once would fail again at once).
const OUT_OF_DESCRIPTORS_BACKOFF: Duration = Duration::from_millis(250);

/// The cohorts, running on their own thread.
#[derive(Debug)]
pub struct Cohorts {
    live: Vec<(usize, &'static str, Arc<Counters>)>,
    shutdown: CancellationToken,
    thread: Option<JoinHandle<Vec<CohortRecord>>>,
}

impl Cohorts {
    /// Starts the thread; fails when the runtime or the thread cannot be made.
    pub fn start(config: CohortConfig) -> io::Result<Cohorts> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let request = Request { host: &config.target.host, path: &config.target.path };
        let cohorts: Vec<Cohort> = config
            .cohorts
            .iter()
            .map(|(fault, plan)| Cohort {
                fault: *fault,
                kind: plan.kind.kind.name(),
                connections: plan.kind.connections,
                gap: Duration::from_secs(1) / u32::try_from(plan.kind.per_second).unwrap_or(u32::MAX),
                script: Arc::new(plan.kind.kind.script(&request)),
                plan: plan.clone(),
                counters: Arc::default(),
            })
            .collect();
        let live = cohorts.iter().map(|c| (c.fault, c.kind, c.counters.clone())).collect();
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let (addr, epoch) = (config.target.addr, config.epoch);
        let thread = std::thread::Builder::new().name("chaosload-cohorts".into()).spawn(move || {
            runtime.block_on(async move {
                let mut drivers = JoinSet::new();
                for (i, cohort) in cohorts.into_iter().enumerate() {
                    let token = token.clone();
                    drivers.spawn(async move { (i, cohort.drive(addr, epoch, token).await) });
                }
                let mut records: Vec<(usize, CohortRecord)> = drivers.join_all().await;
                records.sort_by_key(|(i, _)| *i);
                records.into_iter().map(|(_, record)| record).collect()
            })
        })?;
        Ok(Cohorts { live, shutdown, thread: Some(thread) })
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
        self.shutdown.cancel();
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
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One cohort on the cohort thread.
struct Cohort {
    fault: usize,
    kind: &'static str,
    connections: u64,
    /// Time between two openings: `1 / per_second`.
    gap: Duration,
    script: Arc<Script>,
    plan: FaultPlan<CohortFault>,
    counters: Arc<Counters>,
}

/// The window a cohort is in: its token (cancelled at its end) and its end.
struct Window {
    token: CancellationToken,
    end: Duration,
}

impl Cohort {
    /// Runs the cohort until its last window has ended and its connections with it, or until
    /// `shutdown`.
    async fn drive(self, addr: SocketAddr, epoch: Instant, shutdown: CancellationToken) -> CohortRecord {
        let epoch = tokio::time::Instant::from_std(epoch);
        let mut conns: JoinSet<End> = JoinSet::new();
        let mut held_for = Hist::new();
        let mut timeline = Vec::new();
        let mut second_start = Fates::default();
        let mut window: Option<Window> = None;
        let mut next_open = epoch;
        // The timeline ends with the cohort's last window (or the stop, if sooner).
        let last_end = self.plan.every.is_none().then(|| self.plan.at.saturating_add(self.plan.duration));
        // Fault windows count from the epoch, which a run sets a little ahead.
        let mut stopped = tokio::select! {
            () = shutdown.cancelled() => true,
            () = tokio::time::sleep_until(epoch) => false,
        };
        loop {
            let now = tokio::time::Instant::now();
            let elapsed = now.saturating_duration_since(epoch);
            // Each second that ended: its states, read before this wake-up changes anything.
            while elapsed >= secs(timeline.len() as u64 + 1)
                && last_end.is_none_or(|end| secs(timeline.len() as u64) < end)
            {
                let (second, now) = self.counters.second(timeline.len() as u64, &second_start);
                timeline.push(second);
                second_start = now;
            }
            if window.as_ref().is_some_and(|w| elapsed >= w.end) || stopped {
                if let Some(w) = window.take() {
                    w.token.cancel();
                }
            }
            if window.is_none() && !stopped {
                if let Some(end) = self.plan.window_end(elapsed) {
                    window = Some(Window { token: shutdown.child_token(), end });
                    next_open = next_open.max(now);
                }
            }
            let next_start = if window.is_none() && !stopped { next_start(&self.plan, elapsed) } else { None };
            if window.is_none() && next_start.is_none() && conns.is_empty() {
                // The last partial second, if it began before the cohort's end.
                let end = last_end.map_or(elapsed, |end| end.min(elapsed));
                if secs(timeline.len() as u64) < end {
                    timeline.push(self.counters.second(timeline.len() as u64, &second_start).0);
                }
                break;
            }
            let mut wake = epoch + secs(timeline.len() as u64 + 1);
            if let Some(w) = &window {
                wake = wake.min(epoch + w.end);
                if (conns.len() as u64) < self.connections {
                    while next_open <= now && (conns.len() as u64) < self.connections {
                        self.open(&mut conns, addr, &w.token);
                        next_open += self.gap;
                    }
                    if (conns.len() as u64) < self.connections {
                        wake = wake.min(next_open);
                    }
                } else {
                    // Full: the pace counts from when a place frees, not from the last opening.
                    next_open = next_open.max(now);
                }
            } else if let Some(start) = next_start {
                wake = wake.min(epoch + start);
            }
            tokio::select! {
                biased;
                () = shutdown.cancelled(), if !stopped => stopped = true,
                Some(ended) = conns.join_next(), if !conns.is_empty() => {
                    let end = ended.unwrap_or_default();
                    if let Some(held) = end.held_for {
                        held_for.record(held);
                    }
                    if end.out_of_descriptors {
                        next_open = next_open.max(tokio::time::Instant::now() + OUT_OF_DESCRIPTORS_BACKOFF);
                    }
                }
                () = tokio::time::sleep_until(wake) => {}
            }
        }
        CohortRecord {
            fault: self.fault,
            kind: self.kind,
            connections: self.connections,
            fates: self.counters.fates(),
            peak_connected: self.counters.peak_connected.load(Relaxed),
            held_for,
            timeline,
        }
    }

    /// Starts one connection of the window `token`.
    fn open(&self, conns: &mut JoinSet<End>, addr: SocketAddr, token: &CancellationToken) {
        self.counters.attempts.fetch_add(1, Relaxed);
        self.counters.connecting.fetch_add(1, Relaxed);
        let (script, counters, token) = (self.script.clone(), self.counters.clone(), token.clone());
        conns.spawn(async move { connection::run(addr, &script, &counters, token).await });
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
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
