//! The mock's scale-to-zero model (`[mock.serverless]`): a pool of instances with a concurrency
//! limit each, cold starts, freezing after idle time, and a bounded wait for capacity.
//!
//! A connection is bound to an instance by its first request: the most recently used warm
//! instance with spare capacity, else a new instance while fewer than `instances` are warm (the
//! request pays `init`, a cold start; requests bound to an instance still starting wait for the
//! rest of its start), else the request waits for capacity up to `queue_timeout` and is then
//! answered `queue_status`. Later requests on the connection go to the same instance (waiting for
//! its capacity the same way). An instance with no request in progress for `freeze_after` is
//! frozen, except the `prewarm` ones (started warm, never frozen); frozen instances leave the
//! pool. A request on a connection whose instance froze meets `on_freeze`: `Reset` (RST), `Drop`
//! (never answered), or `Keep` (the instance thaws, paying a cold start, when the pool has room;
//! otherwise the connection binds afresh).
//!
//! Waiting requests are served first come, first served, as by a platform's request queue. A
//! request that cannot be admitted joins a FIFO queue; whenever capacity appears (a request ends,
//! an instance freezes and leaves room for a new start) it is handed directly to the earliest
//! queued request that can use it, which alone is woken. A request bound to instance X can only
//! use X (or, thawing, a new start); an unbound one can use any warm instance with spare capacity
//! or a new start. So requests waiting for a busy instance do not hold up requests that can use
//! other capacity, and a new arrival never takes capacity an earlier waiter could use: after
//! every hand-off no queued request can use what is left, so what an arrival finds is free.
//!
//! State (the pool, the queue and every connection's binding) sits behind one mutex taken
//! briefly per request and per release; freezing is evaluated lazily (on each request and by a
//! periodic sweep that keeps the `freezes` counter current).

use super::plan::{OnFreeze, ServerlessPlan};
use super::stats::{MockCounters, MockEvent};
use crate::dist::Dist;
use crate::seeded::{Purpose, Seeded};
use http::StatusCode;
use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The instance a connection is bound to: a pool slot and the slot's generation (a slot is
/// reused by a later instance once its instance froze).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Binding {
    slot: usize,
    generation: u64,
}

/// A connection's binding, shared by its requests and, while one of them is queued, by the
/// queue: a hand-off binds the connection under the pool's lock, before its request wakes, so
/// the connection's other requests see the binding at once. Only locked with the pool's lock
/// held (lock order: pool, then binding).
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnBinding(Arc<Mutex<Option<Binding>>>);

impl ConnBinding {
    fn lock(&self) -> MutexGuard<'_, Option<Binding>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Keeps the cold starts' draws apart from the mock's other draws.
const COLD_STARTS: u64 = 0x5e7e_41e5_5000_0000;

#[derive(Debug)]
pub(crate) struct Serverless {
    instances: usize,
    concurrency: usize,
    freeze_after: Duration,
    init: Dist,
    cold_handshake: Option<Dist>,
    on_freeze: OnFreeze,
    queue_timeout: Duration,
    queue_status: StatusCode,
    seeded: Seeded,
    pool: Mutex<Pool>,
    counters: Arc<MockCounters>,
}

#[derive(Debug)]
struct Pool {
    slots: Vec<Instance>,
    /// Cold starts so far: the `k`-th start draws its `init` from an RNG seeded with `k`.
    starts: u64,
    /// Requests waiting for capacity, in arrival order (ascending `id`). A waiter handed capacity
    /// stays here, `outcome` set, until it wakes and takes it (or its drop guard gives it back).
    queue: VecDeque<Waiter>,
    next_waiter: u64,
}

#[derive(Debug)]
struct Instance {
    generation: u64,
    frozen: bool,
    prewarm: bool,
    in_flight: usize,
    /// When the instance is (or was) ready to serve: its start plus `init`.
    ready_at: Instant,
    /// Last time a request started or finished on it.
    last_used: Instant,
}

/// A queued request.
#[derive(Debug)]
struct Waiter {
    id: u64,
    conn: ConnBinding,
    /// Its connection's instance froze (`on_freeze = Keep`) and there was no room to thaw it: it
    /// still prefers a new start over a warm instance.
    thaw: bool,
    /// Set, with the capacity already taken on the waiter's behalf, when capacity is handed to it.
    outcome: Option<Outcome>,
    /// Woken (alone) by the hand-off; `notify_one` keeps the wake-up if the waiter is not yet polling.
    wake: Arc<Notify>,
}

/// What admitting a request decided, as plain data: a [`Permit`] is only made outside the lock,
/// since dropping one takes the lock.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// Capacity on this instance is taken for the request (`in_flight` counts it).
    Go(Binding, Instant),
    Frozen(OnFreeze),
}

/// The outcome of admitting one request.
#[derive(Debug)]
pub(crate) enum Admission {
    /// Served by an instance; wait until `ready_at` (a cold start in progress) before working.
    Go { permit: Permit, ready_at: Instant },
    /// No capacity within `queue_timeout`: answer this status.
    Busy(StatusCode),
    /// The connection's instance froze and `on_freeze` is `Reset` or `Drop`.
    Frozen(OnFreeze),
}

/// A request in progress on an instance; releases its capacity when dropped.
#[derive(Debug)]
pub(crate) struct Permit {
    serverless: Arc<Serverless>,
    binding: Binding,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let s = &self.serverless;
        s.release(&mut s.lock(), self.binding, Instant::now());
    }
}

/// A request's place in the queue while its `admit` future waits. Dropped without being settled
/// (the client went away mid-wait), it leaves the queue, and capacity handed to it in the
/// meantime goes back (to the next waiter, if one can use it), so no capacity leaks.
struct Queued<'a> {
    serverless: &'a Arc<Serverless>,
    id: u64,
    settled: bool,
}

impl Queued<'_> {
    /// Leaves the queue with the capacity handed over, or with `queue_status` if `expired` and
    /// nothing was handed over; `None`: still waiting. Under the lock, so a hand-off and the
    /// timeout cannot both happen: capacity handed over by the deadline is used.
    fn settle(&mut self, expired: bool) -> Option<Admission> {
        let s = self.serverless;
        let outcome = {
            let mut pool = s.lock();
            let i = pool.position(self.id);
            if !expired && i.is_some_and(|i| pool.queue[i].outcome.is_none()) {
                return None;
            }
            i.and_then(|i| pool.queue.remove(i)).and_then(|w| w.outcome)
        };
        self.settled = true;
        Some(match outcome {
            Some(outcome) => s.admission(outcome),
            None => {
                s.counters.queue_timeouts.fetch_add(1, Relaxed);
                Admission::Busy(s.queue_status)
            }
        })
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let s = self.serverless;
        let mut pool = s.lock();
        let waiter = pool.position(self.id).and_then(|i| pool.queue.remove(i));
        if let Some(Waiter { outcome: Some(Outcome::Go(binding, _)), .. }) = waiter {
            s.release(&mut pool, binding, Instant::now());
        }
    }
}

impl Pool {
    /// Where the waiter `id` is in the queue, if still there (ids ascend along the queue).
    fn position(&self, id: u64) -> Option<usize> {
        self.queue.binary_search_by_key(&id, |w| w.id).ok()
    }
}

impl Serverless {
    pub(crate) fn new(plan: &ServerlessPlan, seeded: Seeded, counters: Arc<MockCounters>) -> Self {
        let now = Instant::now();
        let instances = plan.instances.max(1);
        let slots = (0..plan.prewarm.min(instances))
            .map(|_| Instance {
                generation: 0,
                frozen: false,
                prewarm: true,
                in_flight: 0,
                ready_at: now,
                last_used: now,
            })
            .collect();
        Serverless {
            instances,
            concurrency: plan.concurrency.max(1),
            freeze_after: plan.freeze_after,
            init: plan.init.clone(),
            cold_handshake: plan.cold_handshake.clone(),
            on_freeze: plan.on_freeze,
            queue_timeout: plan.queue_timeout,
            queue_status: StatusCode::from_u16(plan.queue_status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            seeded,
            pool: Mutex::new(Pool { slots, starts: 0, queue: VecDeque::new(), next_waiter: 0 }),
            counters,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What connection `index`'s TLS handshake waits besides (`cold_handshake`): drawn when no
    /// instance is warm now, as the instance that will take it is still starting; else nothing.
    pub(crate) fn handshake_cost(&self, index: u64) -> Duration {
        let Some(cold) = &self.cold_handshake else { return Duration::ZERO };
        let mut pool = self.lock();
        self.sweep(&mut pool, Instant::now());
        if pool.slots.iter().any(|inst| !inst.frozen) {
            return Duration::ZERO;
        }
        cold.sample(&mut self.seeded.rng(index, 0, Purpose::ColdHandshake))
    }

    /// Freezes every instance idle for `freeze_after` (counted once each); true if any froze
    /// (the caller then hands the room this leaves to queued requests).
    fn sweep(&self, pool: &mut Pool, now: Instant) -> bool {
        let mut froze = false;
        for inst in pool.slots.iter_mut() {
            if !inst.frozen
                && !inst.prewarm
                && inst.in_flight == 0
                && now >= crate::timer::after(inst.last_used, self.freeze_after)
            {
                inst.frozen = true;
                froze = true;
                // It froze when its idle time ran out, however late this sweep noticed.
                self.counters.event(MockEvent::Freeze, crate::timer::after(inst.last_used, self.freeze_after));
            }
        }
        froze
    }

    /// Runs forever, freezing idle instances on time so the `freezes` counter stays current (and
    /// queued requests get the room for new starts).
    pub(crate) async fn sweeper(self: Arc<Self>) {
        let period = (self.freeze_after / 4).clamp(Duration::from_millis(5), Duration::from_secs(1));
        loop {
            tokio::time::sleep(period).await;
            let mut pool = self.lock();
            let now = Instant::now();
            if self.sweep(&mut pool, now) {
                self.dispatch(&mut pool, now);
            }
        }
    }

    /// Gives back a request's capacity on `binding` and hands it on to the queue, with any room
    /// left by instances due to freeze (as if the sweep ran now).
    fn release(&self, pool: &mut Pool, binding: Binding, now: Instant) {
        let inst = &mut pool.slots[binding.slot];
        // An instance with a request in progress never freezes; the check only guards the count.
        if inst.generation == binding.generation && !inst.frozen {
            inst.in_flight -= 1;
            inst.last_used = now;
        }
        self.sweep(pool, now);
        self.dispatch(pool, now);
    }

    /// Hands whatever capacity there is to queued requests, earliest first: each waiter in turn
    /// takes what it can use, and one that can use none of it (bound to a busy instance) is
    /// passed over, not waited for. Afterwards no queued request can use the capacity left.
    fn dispatch(&self, pool: &mut Pool, now: Instant) {
        let mut queue = std::mem::take(&mut pool.queue);
        for w in queue.iter_mut().filter(|w| w.outcome.is_none()) {
            if !self.has_capacity(pool) {
                break;
            }
            if let Some(outcome) = self.try_admit(pool, &w.conn, &mut w.thaw, now) {
                w.outcome = Some(outcome);
                w.wake.notify_one();
            }
        }
        pool.queue = queue;
    }

    /// Whether any request could be admitted: a warm instance with spare capacity or room for a
    /// new start.
    fn has_capacity(&self, pool: &Pool) -> bool {
        self.warm(pool) < self.instances || pool.slots.iter().any(|i| !i.frozen && i.in_flight < self.concurrency)
    }

    /// Admits one request of the connection `conn`, binding it if needed, or queues it for
    /// capacity (first come, first served) up to `queue_timeout`.
    pub(crate) async fn admit(self: &Arc<Self>, conn: &ConnBinding) -> Admission {
        let deadline = crate::timer::after(Instant::now(), self.queue_timeout);
        let (id, wake) = {
            let mut pool = self.lock();
            let now = Instant::now();
            // Freezing first: room it leaves goes to the queue before this request.
            if self.sweep(&mut pool, now) {
                self.dispatch(&mut pool, now);
            }
            // Nothing queued can use the capacity there is now (see `dispatch`): this request may.
            let mut thaw = false;
            if let Some(outcome) = self.try_admit(&mut pool, conn, &mut thaw, now) {
                return self.admission(outcome);
            }
            if now >= deadline {
                self.counters.queue_timeouts.fetch_add(1, Relaxed);
                return Admission::Busy(self.queue_status);
            }
            self.counters.queued.fetch_add(1, Relaxed);
            let id = pool.next_waiter;
            pool.next_waiter += 1;
            let wake = Arc::new(Notify::new());
            pool.queue.push_back(Waiter { id, conn: conn.clone(), thaw, outcome: None, wake: Arc::clone(&wake) });
            (id, wake)
        };
        let mut queued = Queued { serverless: self, id, settled: false };
        loop {
            tokio::select! {
                () = wake.notified() => {}
                () = crate::timer::sleep_until(deadline) => {}
            }
            if let Some(admission) = queued.settle(Instant::now() >= deadline) {
                return admission;
            }
        }
    }

    /// Tries to admit a request of `conn` now, taking the capacity and binding the connection if
    /// it does; `None` leaves everything as it was but for a frozen binding met under
    /// `on_freeze = Keep` (counted once: the connection is unbound and `thaw` set).
    fn try_admit(&self, pool: &mut Pool, conn: &ConnBinding, thaw: &mut bool, now: Instant) -> Option<Outcome> {
        let mut bound = conn.lock();
        if let Some(b) = *bound {
            let inst = &pool.slots[b.slot];
            if inst.generation != b.generation || inst.frozen {
                self.counters.event(MockEvent::FrozenConnectionHit, now);
                match self.on_freeze {
                    OnFreeze::Keep => {
                        *bound = None;
                        *thaw = true;
                        // Thaw this very instance if it is still frozen and the pool has room.
                        if inst.generation == b.generation && self.warm(pool) < self.instances {
                            let (binding, ready_at) = self.start(pool, Some(b.slot), now);
                            *bound = Some(binding);
                            return Some(Outcome::Go(binding, ready_at));
                        }
                    }
                    other => return Some(Outcome::Frozen(other)),
                }
            } else if inst.in_flight < self.concurrency {
                let ready_at = inst.ready_at;
                self.acquire(pool, b, now);
                return Some(Outcome::Go(b, ready_at));
            } else {
                return None;
            }
        }
        let (b, ready_at) = self.bind(pool, now, *thaw)?;
        *bound = Some(b);
        Some(Outcome::Go(b, ready_at))
    }

    fn admission(self: &Arc<Self>, outcome: Outcome) -> Admission {
        match outcome {
            Outcome::Go(binding, ready_at) => {
                Admission::Go { permit: Permit { serverless: Arc::clone(self), binding }, ready_at }
            }
            Outcome::Frozen(on_freeze) => Admission::Frozen(on_freeze),
        }
    }

    fn warm(&self, pool: &Pool) -> usize {
        pool.slots.iter().filter(|i| !i.frozen).count()
    }

    fn acquire(&self, pool: &mut Pool, b: Binding, now: Instant) {
        let inst = &mut pool.slots[b.slot];
        inst.in_flight += 1;
        inst.last_used = now;
    }

    /// Binds a connection afresh: the most recently used warm instance with spare capacity, else
    /// a new one (a cold start) while the pool has room. `thaw`: a thawing connection that found
    /// no room for its own instance, which still prefers a new start over a warm instance.
    fn bind(&self, pool: &mut Pool, now: Instant, thaw: bool) -> Option<(Binding, Instant)> {
        let room = self.warm(pool) < self.instances;
        if !(thaw && room) {
            let best = pool
                .slots
                .iter()
                .enumerate()
                .filter(|(_, i)| !i.frozen && i.in_flight < self.concurrency)
                .max_by_key(|(_, i)| i.last_used)
                .map(|(slot, i)| (Binding { slot, generation: i.generation }, i.ready_at));
            if let Some((b, ready_at)) = best {
                self.acquire(pool, b, now);
                return Some((b, ready_at));
            }
        }
        room.then(|| self.start(pool, None, now))
    }

    /// Starts an instance (a cold start) in `slot`, or in a frozen slot, or a new one, with the
    /// calling request in progress on it.
    fn start(&self, pool: &mut Pool, slot: Option<usize>, now: Instant) -> (Binding, Instant) {
        let k = pool.starts;
        pool.starts += 1;
        self.counters.event(MockEvent::ColdStart, now);
        // The `k`-th start of the run, whichever instance it is.
        let init = self.init.sample(&mut self.seeded.sequence_rng(COLD_STARTS, k));
        let slot = slot.or_else(|| pool.slots.iter().position(|i| i.frozen));
        let ready_at = now + init;
        let fresh =
            |generation| Instance { generation, frozen: false, prewarm: false, in_flight: 1, ready_at, last_used: now };
        let slot = match slot {
            Some(slot) => {
                let generation = pool.slots[slot].generation + 1;
                pool.slots[slot] = fresh(generation);
                slot
            }
            None => {
                pool.slots.push(fresh(0));
                pool.slots.len() - 1
            }
        };
        (Binding { slot, generation: pool.slots[slot].generation }, ready_at)
    }
}

/// The queue's order and bookkeeping, driven by hand: each request's `admit` future is polled
/// when the test says, standing in for a scheduler that may run woken waiters in any order and
/// a new arrival before any of them.
#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    type Request = Pin<Box<dyn Future<Output = Admission> + Send>>;

    fn model(instances: usize, concurrency: usize, prewarm: usize, queue_timeout: Duration) -> Arc<Serverless> {
        let plan = ServerlessPlan {
            instances,
            concurrency,
            freeze_after: Duration::from_secs(600),
            init: Dist::Fixed(Duration::ZERO),
            on_freeze: OnFreeze::Reset,
            queue_timeout,
            queue_status: 503,
            prewarm,
            cold_handshake: None,
        };
        Arc::new(Serverless::new(&plan, Seeded::new(7), Arc::default()))
    }

    /// A request of `conn` arriving now: its `admit` is polled once.
    fn arrive(s: &Arc<Serverless>, conn: &ConnBinding) -> Request {
        let (s, conn) = (Arc::clone(s), conn.clone());
        let mut req: Request = Box::pin(async move { s.admit(&conn).await });
        assert!(poll(&mut req).is_none(), "expected the request to wait");
        req
    }

    fn poll(req: &mut Request) -> Option<Admission> {
        match req.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(admission) => Some(admission),
            Poll::Pending => None,
        }
    }

    /// Admits a request that must get capacity at once.
    fn admit_now(s: &Arc<Serverless>, conn: &ConnBinding) -> Permit {
        let (s, conn) = (Arc::clone(s), conn.clone());
        let mut req: Request = Box::pin(async move { s.admit(&conn).await });
        served(poll(&mut req), "a request with capacity free")
    }

    fn served(admission: Option<Admission>, who: &str) -> Permit {
        match admission {
            Some(Admission::Go { permit, .. }) => permit,
            other => panic!("{who}: expected to be served, got {other:?}"),
        }
    }

    fn in_flight(s: &Serverless) -> Vec<usize> {
        s.lock().slots.iter().map(|i| i.in_flight).collect()
    }

    fn queue_len(s: &Serverless) -> usize {
        s.lock().queue.len()
    }

    #[test]
    fn waiters_are_served_in_arrival_order_and_not_overtaken() {
        let s = model(1, 1, 1, Duration::from_secs(30));
        let a = admit_now(&s, &ConnBinding::default());
        let mut b = arrive(&s, &ConnBinding::default());
        let mut c = arrive(&s, &ConnBinding::default());
        let mut d = arrive(&s, &ConnBinding::default());
        drop(a);
        // A request arriving as A's capacity comes free must not take it from B, C and D.
        let mut e = arrive(&s, &ConnBinding::default());
        // Whichever waiter runs first, the capacity went to the earliest: B.
        assert!(poll(&mut e).is_none() && poll(&mut d).is_none() && poll(&mut c).is_none());
        let b = served(poll(&mut b), "B");
        drop(b);
        assert!(poll(&mut e).is_none() && poll(&mut d).is_none());
        let c = served(poll(&mut c), "C");
        drop(c);
        assert!(poll(&mut e).is_none());
        let d = served(poll(&mut d), "D");
        drop(d);
        let e = served(poll(&mut e), "E");
        assert_eq!(in_flight(&s), [1]);
        drop(e);
        assert_eq!((in_flight(&s), queue_len(&s)), (vec![0], 0));
        let stats = s.counters.snapshot();
        assert_eq!((stats.queued, stats.queue_timeouts, stats.cold_starts), (4, 0, 0));
    }

    #[test]
    fn dropped_or_timed_out_waiters_leave_no_capacity_behind() {
        let s = model(1, 1, 1, Duration::from_millis(50));
        // B is handed A's capacity, then dropped (the client went away) before it ran: the
        // capacity goes on to C, the next waiter, and not to a later arrival.
        let a = admit_now(&s, &ConnBinding::default());
        let b = arrive(&s, &ConnBinding::default());
        let mut c = arrive(&s, &ConnBinding::default());
        drop(a);
        drop(b);
        let mut e = arrive(&s, &ConnBinding::default());
        let c = served(poll(&mut c), "C");
        assert_eq!((in_flight(&s), queue_len(&s)), (vec![1], 1));
        drop(c);
        drop(served(poll(&mut e), "E"));
        // A waiter dropped with nothing handed to it just leaves the queue.
        let a = admit_now(&s, &ConnBinding::default());
        drop(arrive(&s, &ConnBinding::default()));
        assert_eq!((in_flight(&s), queue_len(&s)), (vec![1], 0));
        drop(a);
        assert_eq!(in_flight(&s), [0]);
        drop(admit_now(&s, &ConnBinding::default()));

        // A waiter past queue_timeout gets queue_status and leaves the queue.
        let a = admit_now(&s, &ConnBinding::default());
        let mut t = arrive(&s, &ConnBinding::default());
        std::thread::sleep(Duration::from_millis(120));
        assert!(matches!(poll(&mut t), Some(Admission::Busy(StatusCode::SERVICE_UNAVAILABLE))));
        assert_eq!((in_flight(&s), queue_len(&s)), (vec![1], 0));
        // Capacity handed over as the waiter's timeout fires: whichever the waiter sees, nothing leaks.
        let mut t = arrive(&s, &ConnBinding::default());
        std::thread::sleep(Duration::from_millis(120));
        drop(a);
        match poll(&mut t) {
            Some(Admission::Go { permit, .. }) => drop(permit),
            Some(Admission::Busy(_)) => {}
            other => panic!("expected Go or Busy, got {other:?}"),
        }
        assert_eq!((in_flight(&s), queue_len(&s)), (vec![0], 0));
        drop(admit_now(&s, &ConnBinding::default()));
        assert_eq!(in_flight(&s), [0]);
        let stats = s.counters.snapshot();
        assert_eq!((stats.queued, stats.queue_timeouts), (6, 1));
    }

    #[test]
    fn a_waiter_for_a_busy_instance_does_not_hold_up_other_capacity() {
        let s = model(2, 1, 0, Duration::from_secs(30));
        let x = ConnBinding::default();
        let a = admit_now(&s, &x); // cold-starts instance 0, binding x to it
        let mut b = arrive(&s, &x); // waits for instance 0 only
                                    // Room for a second instance: a new connection starts it, not held up behind B.
        let u = admit_now(&s, &ConnBinding::default());
        assert_eq!(in_flight(&s), [1, 1]);
        let mut v = arrive(&s, &ConnBinding::default());
        let mut w = arrive(&s, &ConnBinding::default());
        // Instance 1 comes free: B, though first, cannot use it; V, the next, gets it, not W.
        drop(u);
        assert!(poll(&mut w).is_none() && poll(&mut b).is_none());
        let v = served(poll(&mut v), "V");
        // Instance 0 comes free: B gets it, before W.
        drop(a);
        assert!(poll(&mut w).is_none());
        let b = served(poll(&mut b), "B");
        assert_eq!(x.lock().map(|b| b.slot), Some(0));
        drop(v);
        let w = served(poll(&mut w), "W");
        drop((b, w));
        assert_eq!((in_flight(&s), queue_len(&s)), (vec![0, 0], 0));
        let stats = s.counters.snapshot();
        assert_eq!((stats.cold_starts, stats.queued), (2, 3));
    }

    /// Each event counts in the second it happened, on the run's time axis: a freeze when its
    /// instance's idle time ran out, however late a sweep noticed it; and the seconds add up to
    /// the totals.
    #[test]
    fn events_count_in_the_second_they_happened() {
        let epoch = Instant::now();
        let plan = ServerlessPlan {
            instances: 1,
            concurrency: 1,
            freeze_after: Duration::from_millis(1500),
            init: Dist::Fixed(Duration::ZERO),
            on_freeze: OnFreeze::Reset,
            queue_timeout: Duration::from_secs(1),
            queue_status: 503,
            prewarm: 0,
            cold_handshake: None,
        };
        let counters = Arc::new(MockCounters::with_timeline(epoch));
        let s = Arc::new(Serverless::new(&plan, Seeded::new(7), Arc::clone(&counters)));
        let conn = ConnBinding::default();
        drop(admit_now(&s, &conn));
        // Noticed 4.2 s in, but the instance froze 1.5 s after its request ended (in second 1).
        assert!(s.sweep(&mut s.lock(), epoch + Duration::from_millis(4200)));
        let mut next: Request = Box::pin({
            let (s, conn) = (Arc::clone(&s), conn.clone());
            async move { s.admit(&conn).await }
        });
        assert!(matches!(poll(&mut next), Some(Admission::Frozen(OnFreeze::Reset))));
        let seconds = counters.timeline();
        let at = |t: usize| seconds.get(t).copied().unwrap_or_default();
        assert_eq!(seconds.len(), 2, "{seconds:?}");
        assert_eq!((at(0).t_s, at(0).cold_starts, at(0).freezes, at(0).frozen_connection_hits), (0, 1, 0, 1));
        assert_eq!((at(1).t_s, at(1).cold_starts, at(1).freezes, at(1).frozen_connection_hits), (1, 0, 1, 0));
        let stats = counters.snapshot();
        assert_eq!((stats.cold_starts, stats.freezes, stats.frozen_connection_hits), (1, 1, 1));
        assert!(Arc::new(MockCounters::default()).timeline().is_empty(), "a standalone mock keeps totals only");
    }
}
