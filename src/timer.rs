//! Sleeps with sub-millisecond precision, for the two places where timing *is* the
//! measurement: the engine dispatching arrivals at their intended times, and the mock holding a
//! response for its drawn latency.
//!
//! tokio's timer ticks in whole milliseconds and rounds every deadline up, then parks with a
//! millisecond epoll timeout: sleeps overshoot by 1–2 ms, which would show up in every latency
//! the mock serves and every dispatch the engine makes. Here one process-wide thread keeps a
//! heap of deadlines and parks with the kernel's high-resolution timer, waking each sleeper's
//! task when its deadline passes. Sleeps are `Send` and work on any runtime.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Completes at `deadline` (or at once if it has passed).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline, registered: None }
}

pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(Instant::now() + duration)
}

pub struct Sleep {
    deadline: Instant,
    /// The waker last handed to the timer thread.
    registered: Option<Waker>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        if !self.registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            // A stale entry for a previous waker is harmless: waking it is a no-op or a spurious poll.
            timer().register(self.deadline, cx.waker().clone());
            self.registered = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

struct Entry {
    deadline: Instant,
    seq: u64,
    waker: Waker,
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
    fn register(&self, deadline: Instant, waker: Waker) {
        let mut heap = self.heap.lock().unwrap_or_else(|p| p.into_inner());
        let earliest = heap.entries.peek().map(|Reverse(e)| e.deadline);
        heap.seq += 1;
        let seq = heap.seq;
        heap.entries.push(Reverse(Entry { deadline, seq, waker }));
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
                due.push(entry.waker);
            }
            let next = heap.entries.peek().map(|Reverse(e)| e.deadline);
            drop(heap);
            for waker in due.drain(..) {
                waker.wake();
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
}
