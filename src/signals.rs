//! Stopping from outside: SIGINT, SIGTERM and SIGHUP stop a run's traffic and keep what was
//! measured; a second signal exits at once, but never in the middle of writing a result file.

use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;

/// The signals chaosload stops on: Ctrl-C, what CI timeouts, `docker stop` and systemd send, and
/// a closed terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    Interrupt,
    Terminate,
    Hangup,
}

impl StopSignal {
    pub const ALL: [StopSignal; 3] = [StopSignal::Interrupt, StopSignal::Terminate, StopSignal::Hangup];

    /// 128 + the signal's number, the code a shell reports for a process ended by it.
    pub fn exit_code(self) -> u8 {
        match self {
            StopSignal::Interrupt => 130,
            StopSignal::Terminate => 143,
            StopSignal::Hangup => 129,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "SIGINT",
            StopSignal::Terminate => "SIGTERM",
            StopSignal::Hangup => "SIGHUP",
        }
    }

    fn number(self) -> Signal {
        match self {
            StopSignal::Interrupt => Signal::SIGINT,
            StopSignal::Terminate => Signal::SIGTERM,
            StopSignal::Hangup => Signal::SIGHUP,
        }
    }

    fn kind(self) -> SignalKind {
        SignalKind::from_raw(self.number() as i32)
    }

    /// Whether the signal is ignored as this process found it: `nohup` ignores SIGHUP, a
    /// script's background job SIGINT. Such a signal stays ignored, as whoever started
    /// chaosload asked. (Call before catching it: a caught signal is not ignored.)
    fn ignored_from_the_start(self) -> std::io::Result<bool> {
        // A disposition is read by setting one: ignore it for a moment, then put the old one back.
        let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
        // SAFETY: both actions install no handler of ours (SIG_IGN, then what was there before).
        let previous = unsafe { sigaction(self.number(), &ignore) }?;
        // SAFETY: as above.
        unsafe { sigaction(self.number(), &previous) }?;
        Ok(previous.handler() == SigHandler::SigIgn)
    }
}

/// A request to stop a run early, shared by whoever asks (a signal, a test) and the parts that
/// obey: the engine stops new arrivals and cuts the drain short, the run writes what was
/// measured. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<StopState>);

#[derive(Debug, Default)]
struct StopState {
    token: CancellationToken,
    by: OnceLock<StopSignal>,
    /// Held while a result file is written; an exit at once waits for it (see `Stop::writing`).
    writing: Mutex<()>,
}

impl Stop {
    pub fn new() -> Stop {
        Stop::default()
    }

    /// Asks the run to stop; the first request's signal is the one kept.
    pub fn request(&self, by: StopSignal) {
        let _ = self.0.by.set(by);
        self.0.token.cancel();
    }

    pub fn is_requested(&self) -> bool {
        self.0.token.is_cancelled()
    }

    /// The signal of the first request, if one came.
    pub fn requested_by(&self) -> Option<StopSignal> {
        self.0.by.get().copied()
    }

    /// Cancelled when a stop is requested: what the engine waits on, across threads.
    pub fn token(&self) -> CancellationToken {
        self.0.token.clone()
    }

    /// Held while one result file is written (its folder made, its temporary written and
    /// renamed). A second signal waits for it — a few milliseconds — before it exits, so an exit
    /// at once leaves neither a half-written file nor an empty run folder behind.
    pub fn writing(&self) -> MutexGuard<'_, ()> {
        self.0.writing.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Exits the process now, once no result file is being written.
    fn exit_now(&self, by: StopSignal) -> ! {
        let _no_file_half_written = self.writing();
        std::process::exit(by.exit_code().into())
    }
}

/// Listens for SIGINT, SIGTERM and SIGHUP on a thread of its own, from before this returns: the
/// first requests `stop`, any later one exits at once with its own exit code (see
/// [`Stop::writing`]).
pub fn stop_on_signals(stop: Stop) -> std::io::Result<()> {
    let mut listener = StopListener::new()?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        let first = listener.wait();
        eprintln!(
            "\n{}: stopping: no new requests, up to {:?} for those in flight, then the partial results are \
             written (signal again to quit at once)",
            first.name(),
            crate::load::engine::STOP_GRACE
        );
        stop.request(first);
        let second = listener.wait();
        stop.exit_now(second)
    })?;
    Ok(())
}

/// SIGINT, SIGTERM and SIGHUP caught from its creation on (instead of ending the process, their
/// default), except one ignored from the start (see `StopSignal::ignored_from_the_start`).
pub struct StopListener {
    runtime: tokio::runtime::Runtime,
    signals: Vec<(StopSignal, tokio::signal::unix::Signal)>,
}

impl StopListener {
    pub fn new() -> std::io::Result<StopListener> {
        // Time too: `run_until`'s work may wait (`chaosload slow` prints once a second).
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let signals = {
            let _entered = runtime.enter();
            let mut signals = Vec::new();
            for which in StopSignal::ALL {
                if !which.ignored_from_the_start()? {
                    signals.push((which, signal(which.kind())?));
                }
            }
            signals
        };
        Ok(StopListener { runtime, signals })
    }

    /// Blocks until the next stop signal (one that came since the listener was made counts) and
    /// says which.
    pub fn wait(&mut self) -> StopSignal {
        let signals = &mut self.signals;
        self.runtime.block_on(next_signal(signals))
    }

    /// Runs `work` on the listener's runtime until it ends (`Ok`), or until a stop signal comes
    /// first (`Err`, and `work` is dropped).
    pub fn run_until<T>(&mut self, work: impl std::future::Future<Output = T>) -> Result<T, StopSignal> {
        let signals = &mut self.signals;
        self.runtime.block_on(async {
            tokio::select! {
                biased;
                which = next_signal(signals) => Err(which),
                done = work => Ok(done),
            }
        })
    }
}

/// The next of `signals` to come.
async fn next_signal(signals: &mut [(StopSignal, tokio::signal::unix::Signal)]) -> StopSignal {
    std::future::poll_fn(|cx| {
        for (which, listener) in signals.iter_mut() {
            if listener.poll_recv(cx).is_ready() {
                return std::task::Poll::Ready(*which);
            }
        }
        std::task::Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal_number() {
        for (signal, number) in StopSignal::ALL.into_iter().zip([2, 15, 1]) {
            assert_eq!(i32::from(signal.exit_code()), 128 + number, "{}", signal.name());
            assert_eq!(signal.number() as i32, number);
            assert_eq!(signal.name(), signal.number().as_str());
        }
    }

    #[test]
    fn the_first_request_is_kept() {
        let stop = Stop::new();
        assert!(!stop.is_requested() && stop.requested_by().is_none());
        stop.request(StopSignal::Terminate);
        stop.request(StopSignal::Interrupt);
        assert!(stop.is_requested() && stop.token().is_cancelled());
        assert_eq!(stop.requested_by(), Some(StopSignal::Terminate));
    }
}
