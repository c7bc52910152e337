//! Sleeps with sub-millisecond precision, for the two places where timing *is* the
//! measurement: the engine dispatching arrivals at their intended times, and the mock holding a
//! response for its drawn latency.
//!
//! tokio's timer ticks in whole milliseconds and rounds every deadline up, then parks with a
//! millisecond epoll timeout: sleeps overshoot by 1–2 ms, which would show up in every latency
//! the mock serves and every dispatch the engine makes. Here one process-wide thread keeps a
//! heap of deadlines and parks with the kernel's high-resolution timer, waking each sleeper's
//! task when its deadline passes. Sleeps are `Send` and work on any runtime. A sleep dropped before
//! its deadline gives its waker back at once (its heap entry, a few dozen bytes, stays until then), so
//! cancelled sleeps never keep their tasks' memory alive.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Completes at `deadline` (or at once if it has passed).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline, registered: None }
}

pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(after(Instant::now(), duration))
}

/// How far ahead a deadline saturates: never reached by a run, yet far below `Instant`'s range.
pub const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 86_400);

/// `base + d`, saturating at [`FAR_FUTURE`] ahead: every deadline the run computes goes through
/// here, so no value can make `Instant + Duration` overflow (and panic) at run time.
pub fn after(base: Instant, d: Duration) -> Instant {
    base.checked_add(d.min(FAR_FUTURE)).unwrap_or(base)
}

pub struct Sleep {
    deadline: Instant,
    /// Where the timer thread finds the waker to wake, once this sleep is registered.
    registered: Option<Arc<Slot>>,
}

/// The waker of one registered sleep, shared with its heap entry. A sleep dropped before its
/// deadline (a cancelled `select!` arm, a request that timed out) takes its waker back, so the
/// entry left in the heap until the deadline holds no task alive, only itself.
#[derive(Default)]
struct Slot {
    waker: Mutex<Option<Waker>>,
}

impl Slot {
    fn waker(&self) -> std::sync::MutexGuard<'_, Option<Waker>> {
        self.waker.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        match &self.registered {
            Some(slot) => {
                let mut waker = slot.waker();
                match &*waker {
                    // The timer thread took it: the deadline passed since the check above (the
                    // waker it woke may be an earlier one, so do not wait for another wake-up).
                    None => return Poll::Ready(()),
                    Some(w) if w.will_wake(cx.waker()) => {}
                    // Polled under a new waker: swap it in place.
                    Some(_) => *waker = Some(cx.waker().clone()),
                }
            }
            None => {
                let slot = Arc::new(Slot { waker: Mutex::new(Some(cx.waker().clone())) });
                timer().register(self.deadline, slot.clone());
                self.registered = Some(slot);
            }
        }
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(slot) = &self.registered {
            slot.waker().take();
        }
    }
}

struct Entry {
    deadline: Instant,
    seq: u64,
    slot: Arc<Slot>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

#[derive(Default)]
struct Heap {
    entries: BinaryHeap<Reverse<Entry>>,
    seq: u64,
}

struct Timer {
    heap: Mutex<Heap>,
    thread: Thread,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<&'static Timer>();
        let handle = std::thread::Builder::new()
            .name("chaosload-timer".into())
            .spawn(move || {
                let timer = rx.recv().expect("the timer is handed over at start");
                timer.run()
            })
            .expect("spawning the timer thread");
        let timer: &'static Timer =
            Box::leak(Box::new(Timer { heap: Mutex::default(), thread: handle.thread().clone() }));
        tx.send(timer).expect("the timer thread is waiting");
        timer
    })
}

impl Timer {
    fn register(&self, deadline: Instant, slot: Arc<Slot>) {
        let mut heap = self.heap.lock().unwrap_or_else(|p| p.into_inner());
        let earliest = heap.entries.peek().map(|Reverse(e)| e.deadline);
        heap.seq += 1;
        let seq = heap.seq;
        heap.entries.push(Reverse(Entry { deadline, seq, slot }));
        drop(heap);
        if earliest.is_none_or(|e| deadline < e) {
            self.thread.unpark();
        }
    }

    fn run(&self) -> ! {
        let mut due = Vec::new();
        loop {
            let mut heap = self.heap.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            while heap.entries.peek().is_some_and(|Reverse(e)| e.deadline <= now) {
                let Reverse(entry) = heap.entries.pop().expect("peeked");
                due.push(entry.slot);
            }
            let next = heap.entries.peek().map(|Reverse(e)| e.deadline);
            drop(heap);
            for slot in due.drain(..) {
                // Taken out under the slot's lock, woken outside it: `None` if the sleep was dropped.
                let waker = slot.waker().take();
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            match next {
                Some(deadline) => std::thread::park_timeout(deadline.saturating_duration_since(Instant::now())),
                None => std::thread::park(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn deadlines_saturate_instead_of_overflowing() {
        let now = Instant::now();
        assert_eq!(after(now, Duration::from_millis(5)), now + Duration::from_millis(5));
        assert_eq!(after(now, Duration::MAX), now + FAR_FUTURE);
        assert_eq!(after(now, Duration::from_secs(u64::MAX / 2)), now + FAR_FUTURE);
    }

    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn sleeps_end_after_their_deadline_in_order() {
        let start = Instant::now();
        let mut order = Vec::new();
        let (a, b) = tokio::join!(
            async {
                sleep(Duration::from_millis(30)).await;
                Instant::now()
            },
            async {
                sleep(Duration::from_millis(10)).await;
                Instant::now()
            }
        );
        order.push(a);
        order.push(b);
        assert!(b < a, "the shorter sleep ends first");
        assert!(b - start >= Duration::from_millis(10));
        assert!(a - start >= Duration::from_millis(30));
        assert!(a - start < Duration::from_millis(500), "ends in reasonable time");
        sleep_until(start).await; // a past deadline completes at once
    }

    /// Counts the tasks a waker stands for, the way a task's memory is held by its wakers.
    struct Task;
    impl std::task::Wake for Task {
        fn wake(self: Arc<Self>) {}
    }

    #[test]
    fn a_dropped_sleep_lets_go_of_its_waker_long_before_its_deadline() {
        let task = Arc::new(Task);
        let waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&waker);
        let mut far = Box::pin(sleep(Duration::from_secs(3600)));
        assert!(far.as_mut().poll(&mut cx).is_pending());
        let other = Waker::from(Arc::new(Task));
        assert!(far.as_mut().poll(&mut Context::from_waker(&other)).is_pending(), "a new waker replaces the old");
        assert!(far.as_mut().poll(&mut cx).is_pending());
        assert_eq!(Arc::strong_count(&task), 3, "ours, the local waker and the registered one");
        drop(far);
        assert_eq!(Arc::strong_count(&task), 2, "the timer no longer holds the task after the sleep is dropped");
    }

    #[test]
    fn a_sleep_whose_waker_the_timer_took_is_over() {
        let waker = Waker::from(Arc::new(Task));
        let mut cx = Context::from_waker(&waker);
        let mut far = Box::pin(sleep(Duration::from_secs(3600)));
        assert!(far.as_mut().poll(&mut cx).is_pending());
        // As the timer thread does when the deadline passes between a poll's clock check and its
        // look at the slot: the sleep must not wait for a wake-up that already went out.
        far.registered.as_ref().expect("registered").waker().take();
        assert!(far.as_mut().poll(&mut Context::from_waker(&Waker::from(Arc::new(Task)))).is_ready());
    }
}
