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
//! State sits behind one mutex taken briefly per request; freezing is evaluated lazily (on each
//! request and by a periodic sweep that keeps the `freezes` counter current).

use super::MockCounters;
use crate::dist::Dist;
use crate::scenario::plan::{OnFreeze, ServerlessPlan};
use http::StatusCode;
use rand::rngs::SmallRng;
use rand::SeedableRng;
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

#[derive(Debug)]
pub(crate) struct Serverless {
    instances: usize,
    concurrency: usize,
    freeze_after: Duration,
    init: Dist,
    on_freeze: OnFreeze,
    queue_timeout: Duration,
    queue_status: StatusCode,
    seed_key: u64,
    pool: Mutex<Pool>,
    /// Woken whenever capacity is released or an instance freezes.
    released: Notify,
    counters: Arc<MockCounters>,
}

#[derive(Debug)]
struct Pool {
    slots: Vec<Instance>,
    /// Cold starts so far: the `k`-th start draws its `init` from an RNG seeded with `k`.
    starts: u64,
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
        {
            let mut pool = s.lock();
            let inst = &mut pool.slots[self.binding.slot];
            if inst.generation == self.binding.generation && !inst.frozen {
                inst.in_flight -= 1;
                inst.last_used = Instant::now();
            }
        }
        s.released.notify_waiters();
    }
}

impl Serverless {
    pub(crate) fn new(plan: &ServerlessPlan, seed_key: u64, counters: Arc<MockCounters>) -> Self {
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
            on_freeze: plan.on_freeze,
            queue_timeout: plan.queue_timeout,
            queue_status: StatusCode::from_u16(plan.queue_status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            seed_key: seed_key ^ 0x5e7e_41e5_5000_0000,
            pool: Mutex::new(Pool { slots, starts: 0 }),
            released: Notify::new(),
            counters,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Freezes every instance idle for `freeze_after` (counted once each).
    fn sweep(&self, pool: &mut Pool, now: Instant) -> bool {
        let mut froze = false;
        for inst in pool.slots.iter_mut() {
            if !inst.frozen && !inst.prewarm && inst.in_flight == 0 && now >= inst.last_used + self.freeze_after {
                inst.frozen = true;
                froze = true;
                self.counters.freezes.fetch_add(1, Relaxed);
            }
        }
        froze
    }

    /// Runs forever, freezing idle instances on time so the `freezes` counter stays current.
    pub(crate) async fn sweeper(self: Arc<Self>) {
        let period = (self.freeze_after / 4).clamp(Duration::from_millis(5), Duration::from_secs(1));
        loop {
            tokio::time::sleep(period).await;
            let froze = {
                let mut pool = self.lock();
                self.sweep(&mut pool, Instant::now())
            };
            if froze {
                self.released.notify_waiters();
            }
        }
    }

    /// Admits one request of the connection whose binding is `binding`, binding it if needed.
    pub(crate) async fn admit(self: &Arc<Self>, binding: &Mutex<Option<Binding>>) -> Admission {
        let deadline = Instant::now() + self.queue_timeout;
        let mut queued = false;
        let mut thaw = false;
        loop {
            let notified = self.released.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut bound = binding.lock().unwrap_or_else(|e| e.into_inner());
                let mut pool = self.lock();
                let now = Instant::now();
                self.sweep(&mut pool, now);
                if let Some(b) = *bound {
                    let inst = &pool.slots[b.slot];
                    if inst.generation != b.generation || inst.frozen {
                        self.counters.frozen_connection_hits.fetch_add(1, Relaxed);
                        match self.on_freeze {
                            OnFreeze::Keep => {
                                *bound = None;
                                thaw = true;
                                // Thaw this very instance if it is still frozen and the pool has room.
                                if inst.generation == b.generation && self.warm(&pool) < self.instances {
                                    let (binding, ready_at) = self.start(&mut pool, Some(b.slot), now);
                                    *bound = Some(binding);
                                    return self.go(binding, ready_at);
                                }
                            }
                            other => return Admission::Frozen(other),
                        }
                    } else if inst.in_flight < self.concurrency {
                        let ready_at = inst.ready_at;
                        self.acquire(&mut pool, b, now);
                        return self.go(b, ready_at);
                    }
                }
                if bound.is_none() {
                    if let Some((b, ready_at)) = self.bind(&mut pool, now, thaw) {
                        *bound = Some(b);
                        return self.go(b, ready_at);
                    }
                }
            }
            if Instant::now() >= deadline {
                self.counters.queue_timeouts.fetch_add(1, Relaxed);
                return Admission::Busy(self.queue_status);
            }
            if !queued {
                queued = true;
                self.counters.queued.fetch_add(1, Relaxed);
            }
            tokio::select! {
                () = notified => {}
                () = crate::timer::sleep_until(deadline) => {}
            }
        }
    }

    fn go(self: &Arc<Self>, binding: Binding, ready_at: Instant) -> Admission {
        Admission::Go { permit: Permit { serverless: Arc::clone(self), binding }, ready_at }
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
        self.counters.cold_starts.fetch_add(1, Relaxed);
        let init = self.init.sample(&mut SmallRng::seed_from_u64(super::behaviour::splitmix64(self.seed_key ^ k)));
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
