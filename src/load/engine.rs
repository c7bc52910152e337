//! The load engine: runs every phase of a plan for one client configuration and records it.
//!
//! Each worker thread runs a current-thread tokio runtime with a `LocalSet`, its own client
//! pool and its own `Recorder`, so nothing on the request path takes a lock. Open-model arrivals
//! are dealt round-robin to the workers from one seeded schedule; closed-model workers are split
//! between them. Latency counts from the *intended* send time.

use crate::client::{Client, Endpoint, Prepared};
use crate::load::Schedule;
use crate::record::{ConnStats, Recorder, Sample};
use crate::scenario::{ClientPlan, HttpVersion, Load, Plan};
use crate::timer;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

/// Live counters for a progress display, shared with the workers (one relaxed add per request),
/// and the token that stops a run early (a signal): no new arrivals, then a drain of at most
/// [`STOP_GRACE`].
#[derive(Debug, Default)]
pub struct Progress {
    pub completed: AtomicU64,
    pub errors: AtomicU64,
    stop: CancellationToken,
}

impl Progress {
    pub fn new(stop: CancellationToken) -> Progress {
        Progress { stop, ..Progress::default() }
    }

    pub fn stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Ready once a stop is requested: what every wait of the engine races, so a stop is obeyed
    /// at once, even in a long gap between arrivals.
    fn stop_requested(&self) -> WaitForCancellationFuture<'_> {
        self.stop.cancelled()
    }
}

/// After a stop, requests in flight get this long at most to finish, however long the
/// scenario's `drain`: whoever stopped the run is waiting (a second signal ends it at once).
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// What one client configuration's run produced, merged over workers.
pub struct ClientRecord {
    pub recorder: Recorder,
    pub connections: ConnStats,
    /// A stop (a signal) ended the schedule early.
    pub cut_short: bool,
}

/// Runs `plan`'s phases for `client` against `endpoint`, starting at `epoch` (which may lie a
/// little in the future so that every worker is ready when the first arrival is due).
pub fn run_client(
    plan: &Plan,
    client: &ClientPlan,
    endpoint: &Endpoint,
    epoch: Instant,
    progress: &Arc<Progress>,
) -> anyhow::Result<ClientRecord> {
    let workers = plan.threads.max(1);
    let in_flight_all = Arc::new(AtomicUsize::new(0));
    let outputs: Vec<anyhow::Result<ClientRecord>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|index| {
                let worker = Worker {
                    plan,
                    client: client.share(workers, index),
                    endpoint: endpoint.clone(),
                    epoch,
                    index,
                    workers,
                    progress: progress.clone(),
                    in_flight_all: in_flight_all.clone(),
                };
                std::thread::Builder::new()
                    .name(format!("load-{index}"))
                    .spawn_scoped(scope, move || worker.run())
                    .expect("spawning a load worker thread")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a load worker panicked"))))
            .collect()
    });
    let mut merged: Option<ClientRecord> = None;
    for output in outputs {
        let output = output?;
        match &mut merged {
            None => merged = Some(output),
            Some(m) => {
                m.recorder.merge(output.recorder);
                m.connections.merge(&output.connections);
                m.cut_short |= output.cut_short;
            }
        }
    }
    let mut merged = merged.expect("at least one worker");
    merged.recorder.finish();
    merged.recorder.timeline.set_connections_opened(&merged.connections.opened_by_second);
    Ok(merged)
}

struct Worker<'a> {
    plan: &'a Plan,
    client: ClientPlan,
    endpoint: Endpoint,
    epoch: Instant,
    index: usize,
    workers: usize,
    progress: Arc<Progress>,
    in_flight_all: Arc<AtomicUsize>,
}

/// Requests in flight on one worker, and a way to wait until there are none.
#[derive(Default)]
struct InFlight {
    count: Cell<usize>,
    none_left: Notify,
}

/// Shared by every request task of one worker.
struct Shared {
    client: Client,
    recorder: RefCell<Recorder>,
    in_flight: InFlight,
    /// Requests in flight on every worker of this run, for `max_in_flight` (one atomic add and
    /// sub per request; the cap is for the whole run, not per thread).
    in_flight_all: Arc<AtomicUsize>,
    progress: Arc<Progress>,
    /// Set when a stop (a signal) cut the schedule short.
    cut_short: Cell<bool>,
    /// Open-model request tasks running, and how many may: see `Backlogged`.
    tasks: Cell<usize>,
    task_cap: Option<usize>,
    backlog: RefCell<VecDeque<Backlogged>>,
}

/// An open-model arrival that found every connection the pool may open busy: it waits here, as a
/// record rather than a task, for the next request task to finish. A task of its own would wait
/// in the pool's queue just the same, but cost a spawn, a channel and a wake-up more, and a run
/// that fell behind (a stall of the host) would pay that for every late arrival, just when it
/// needs to catch up. Only where the pool has a connection cap and nothing times out while
/// waiting (no `request_timeout`): otherwise arrivals wait as tasks, each with its own timeout.
struct Backlogged {
    guard: InFlightGuard,
    prepared: Rc<Prepared>,
}

/// Late arrivals dispatched in a row before the dispatcher yields, so that the requests it
/// spawned get to run (and the in-flight cap sees them) even when it is behind schedule.
const DISPATCH_BATCH: u32 = 64;

/// Gaps between arrivals shorter than this are waited out by yielding to the runtime (which polls
/// its sockets meanwhile) instead of sleeping: an idle CPU that is put to sleep and woken again
/// costs more than such a gap on a virtual machine (the bench measured 8 µs of extra CPU per
/// request at 56 000 arrivals/s, enough to saturate the thread). Only rates above ~30 000/s have
/// gaps this short, and there the thread is busy most of the time anyway.
const SPIN_BELOW: Duration = Duration::from_micros(30);

impl Worker<'_> {
    fn run(self) -> anyhow::Result<ClientRecord> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let local = tokio::task::LocalSet::new();
        let shared = Rc::new(Shared {
            client: Client::new(self.endpoint.clone(), self.client.clone(), self.epoch, self.progress.stop.clone()),
            recorder: RefCell::new(Recorder::new(self.epoch, self.plan.phases.len())),
            in_flight: InFlight::default(),
            in_flight_all: self.in_flight_all.clone(),
            progress: self.progress.clone(),
            cut_short: Cell::new(false),
            tasks: Cell::new(0),
            task_cap: match (self.client.http, self.client.request_timeout) {
                (HttpVersion::Http1, None) => self.client.max_conns_per_host,
                // HTTP/2 multiplexes: its streams are not capped by connections. A request
                // timeout bounds the wait for a connection too, so each waits as a task.
                _ => None,
            },
            backlog: RefCell::new(VecDeque::new()),
        });
        let result = local.block_on(&runtime, self.drive(shared.clone()));
        // Dropping the LocalSet cancels what is still in flight, and emptying the backlog what
        // never got a connection; each records itself as unfinished (see `InFlightGuard`).
        drop(local);
        drop(runtime);
        let backlog = std::mem::take(&mut *shared.backlog.borrow_mut());
        drop(backlog);
        result?;
        let shared = Rc::try_unwrap(shared).map_err(|_| anyhow::anyhow!("request tasks outlived their worker"))?;
        Ok(ClientRecord {
            recorder: shared.recorder.into_inner(),
            connections: shared.client.conn_stats(),
            cut_short: shared.cut_short.get(),
        })
    }

    async fn drive(&self, shared: Rc<Shared>) -> anyhow::Result<()> {
        let progress = shared.progress.clone();
        // Registered once for the whole run and raced by every wait below, rather than a new
        // waiter per sleep.
        let mut stop_requested = std::pin::pin!(progress.stop_requested());
        let mut phase_start = self.epoch;
        for (phase_index, phase) in self.plan.phases.iter().enumerate() {
            if progress.stopped() {
                shared.cut_short.set(true);
                break;
            }
            let prepared = Rc::new(shared.client.prepare(&phase.request)?);
            let phase_end = timer::after(phase_start, phase.duration);
            let opened_before = shared.client.connections_opened();
            match &phase.load {
                Load::Open { shape, poisson, max_in_flight } => {
                    let seed = phase_seed(self.plan.seed, phase_index);
                    let schedule = Schedule::new(shape.clone(), phase.duration, *poisson, seed);
                    let mut late_in_a_row = 0;
                    for offset in schedule.skip(self.index).step_by(self.workers) {
                        if progress.stopped() {
                            break;
                        }
                        let intended = timer::after(phase_start, offset);
                        let now = Instant::now();
                        if now < intended {
                            late_in_a_row = 0;
                            if intended - now < SPIN_BELOW {
                                while Instant::now() < intended {
                                    tokio::task::yield_now().await;
                                }
                            } else {
                                // Not tokio's millisecond timer: see `timer`. (Spinning through
                                // the last millisecond was tried: on 2 cores it starves the target.)
                                // A stop wakes the dispatcher at once, even in a long gap.
                                tokio::select! {
                                    biased;
                                    () = &mut stop_requested => break,
                                    () = timer::sleep_until(intended) => {}
                                }
                            }
                        } else {
                            late_in_a_row += 1;
                            if late_in_a_row % DISPATCH_BATCH == 0 {
                                tokio::task::yield_now().await;
                            }
                        }
                        let now = Instant::now();
                        let mut recorder = shared.recorder.borrow_mut();
                        recorder.arrival(phase_index, Some(now.saturating_duration_since(intended)));
                        if shared.in_flight_all.load(Ordering::Relaxed) >= *max_in_flight {
                            recorder.overflow(phase_index, now);
                            progress.errors.fetch_add(1, Ordering::Relaxed);
                            continue;
                        }
                        recorder.sent(phase_index, now);
                        drop(recorder);
                        // Counted in flight from here, not when the task first runs.
                        let guard = InFlightGuard::new(shared.clone(), phase_index, intended);
                        if shared.task_cap.is_some_and(|cap| shared.tasks.get() >= cap) {
                            shared.backlog.borrow_mut().push_back(Backlogged { guard, prepared: prepared.clone() });
                        } else {
                            // Counted from here, not when it first runs: the dispatcher may
                            // send a burst of late arrivals before any of their tasks runs.
                            let task = TaskCount::new(shared.clone());
                            tokio::task::spawn_local(serve(task, guard, prepared.clone()));
                        }
                    }
                }
                Load::Closed { concurrency, think } => {
                    for user in 0..share(*concurrency, self.workers, self.index) {
                        let rng = SmallRng::seed_from_u64(
                            phase_seed(self.plan.seed, phase_index) ^ ((self.index as u64) << 32 | user as u64),
                        );
                        let (shared, prepared, think) = (shared.clone(), prepared.clone(), think.clone());
                        tokio::task::spawn_local(async move {
                            let mut rng = rng;
                            while Instant::now() < phase_end && !shared.progress.stopped() {
                                let now = Instant::now();
                                {
                                    let mut recorder = shared.recorder.borrow_mut();
                                    recorder.arrival(phase_index, None);
                                    recorder.sent(phase_index, now);
                                }
                                request(InFlightGuard::new(shared.clone(), phase_index, now), prepared.clone()).await;
                                // A stop during think time needs no wake-up: the user sends nothing
                                // more (the loop's check), and the drain does not wait for it.
                                if let Some(think) = &think {
                                    timer::sleep(think.sample(&mut rng)).await;
                                }
                                // A request that fails at once (a dial failure shared by the
                                // requests queued behind it) never waits: without this a user
                                // would loop to the phase end without letting others run.
                                tokio::task::consume_budget().await;
                            }
                        });
                    }
                }
            }
            // Closed-model users stop at the phase end by themselves; a stop ends the wait at once.
            if Instant::now() < phase_end {
                tokio::select! {
                    biased;
                    () = &mut stop_requested => {}
                    () = timer::sleep_until(phase_end) => {}
                }
            }
            // How long the phase really ran, so its rates divide by the time that elapsed.
            let ended = if progress.stopped() { Instant::now().min(phase_end) } else { phase_end };
            let opened = shared.client.connections_opened() - opened_before;
            {
                let mut recorder = shared.recorder.borrow_mut();
                recorder.phases[phase_index].connections_opened = opened;
                recorder.phases[phase_index].ran_for = Some(ended.saturating_duration_since(phase_start));
            }
            if progress.stopped() {
                shared.cut_short.set(true);
                break;
            }
            phase_start = phase_end;
        }
        // Drain: give requests in flight the scenario's `drain`, or after a stop (before or
        // during the drain) `STOP_GRACE` at most; what is left is cancelled by the caller.
        let none_left = async {
            while shared.in_flight.count.get() > 0 {
                shared.in_flight.none_left.notified().await;
            }
        };
        let grace_after_stop = async {
            (&mut stop_requested).await;
            tokio::time::sleep(STOP_GRACE).await;
        };
        tokio::select! {
            _ = tokio::time::timeout(self.plan.drain, none_left) => {}
            () = grace_after_stop => {}
        }
        // A stop during the drain cut it short too: requests it gave up are `unfinished`.
        if progress.stopped() {
            shared.cut_short.set(true);
        }
        shared.client.close_idle();
        // Let the closed connections' driver tasks see it and count them.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        Ok(())
    }
}

/// An open-model request task: sends its request, then the backlog's oldest while there are any
/// (after a stop, the client sends none of them: each ends `unfinished` at once).
async fn serve(task: TaskCount, guard: InFlightGuard, prepared: Rc<Prepared>) {
    request(guard, prepared).await;
    loop {
        let next = task.0.backlog.borrow_mut().pop_front();
        let Some(Backlogged { guard, prepared }) = next else { return };
        request(guard, prepared).await;
    }
}

/// Counts an open-model request task from its spawn until it ends (or is cancelled).
struct TaskCount(Rc<Shared>);

impl TaskCount {
    fn new(shared: Rc<Shared>) -> TaskCount {
        shared.tasks.set(shared.tasks.get() + 1);
        TaskCount(shared)
    }
}

impl Drop for TaskCount {
    fn drop(&mut self) {
        self.0.tasks.set(self.0.tasks.get() - 1);
    }
}

/// Sends one request and records it; if cancelled first, its guard records it as unfinished.
async fn request(guard: InFlightGuard, prepared: Rc<Prepared>) {
    let shared = guard.shared.clone();
    let ex = shared.client.send(&prepared).await;
    if matches!(ex.outcome, crate::record::Outcome::Error(crate::record::ErrorKind::Unfinished)) {
        // A stop kept it from being sent: recorded by its guard, as one the drain gave up on.
        return;
    }
    let (phase, intended) = (guard.phase, guard.intended);
    guard.complete();
    let done = Instant::now();
    if matches!(ex.outcome, crate::record::Outcome::Error(_)) {
        shared.progress.errors.fetch_add(1, Ordering::Relaxed);
    }
    shared.progress.completed.fetch_add(1, Ordering::Relaxed);
    shared.recorder.borrow_mut().record(&Sample {
        phase,
        outcome: ex.outcome,
        intended,
        sent: ex.sent,
        done,
        dns: ex.dns,
        connect: ex.connect,
        tls: ex.tls,
        ttfb: ex.ttfb,
        reused: ex.reused,
        attempts: ex.attempts,
        hidden_retries: ex.hidden_retries,
        hidden_kind: ex.hidden_kind,
    });
}

/// Counts a request in flight; a request dropped before `complete` is recorded as unfinished.
struct InFlightGuard {
    shared: Rc<Shared>,
    phase: usize,
    intended: Instant,
    completed: bool,
}

impl InFlightGuard {
    fn new(shared: Rc<Shared>, phase: usize, intended: Instant) -> Self {
        shared.in_flight.count.set(shared.in_flight.count.get() + 1);
        shared.in_flight_all.fetch_add(1, Ordering::Relaxed);
        InFlightGuard { shared, phase, intended, completed: false }
    }

    fn complete(mut self) {
        self.completed = true;
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        let in_flight = &self.shared.in_flight;
        in_flight.count.set(in_flight.count.get() - 1);
        self.shared.in_flight_all.fetch_sub(1, Ordering::Relaxed);
        if in_flight.count.get() == 0 {
            in_flight.none_left.notify_one();
        }
        if !self.completed {
            if let Ok(mut recorder) = self.shared.recorder.try_borrow_mut() {
                recorder.unfinished(self.phase, self.intended, Instant::now());
            }
            self.shared.progress.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// This worker's share of a per-run quantity (0 when there is less to share than workers).
fn share(total: usize, workers: usize, index: usize) -> usize {
    total / workers + usize::from(index < total % workers)
}

/// The seed of one phase's schedule: the same for every client configuration.
pub(crate) fn phase_seed(seed: u64, phase: usize) -> u64 {
    seed ^ (phase as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}
