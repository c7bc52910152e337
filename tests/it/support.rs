//! Helpers for integration tests: plans built in code, a lock so load tests judging time never
//! overlap with other load on this small machine, and scratch folders.

use chaosload::dist::Dist;
use chaosload::result::RunResult;
use chaosload::run::{self, RunOptions};
use chaosload::scenario::{ClientPlan, Load, MockPlan, PhasePlan, PlanParts, RequestPlan, Shape, Target};
use chaosload::signals::StopSignal;
use nix::sys::signal::{SigHandler, Signal};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Once, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// Taken by every test that generates load: [`exclusive`] (alone) or [`shared`] (beside other
/// shared tests only). A waiting exclusive test holds back new shared ones (std's `RwLock`
/// prefers writers), so the timed tests are never starved.
static LOAD: RwLock<()> = RwLock::new(());

/// Held by a test that generates load and judges timing, or whose load is heavy (hundreds of
/// requests a second and up): no other load test runs beside it, so its timings are not skewed
/// by another test's load.
pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
    LOAD.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Held by a test whose load is light (at most a few hundred requests a second, mostly waiting
/// out phases and gaps) and whose assertions are counts and bounds that a busy machine cannot
/// break (nothing judged through [`timed`]): it may run beside another such test, never beside
/// an [`exclusive`] one. On two cores this halves the wall time of the long scenario runs.
pub fn shared() -> RwLockReadGuard<'static, ()> {
    LOAD.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A fresh, empty folder under the system temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "chaosload-it-{}-{name}-{:?}",
        std::process::id(),
        std::time::Instant::now()
    ));
    let dir = PathBuf::from(dir.to_string_lossy().replace([' ', ':', '{', '}', ','], "_"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub fn constant(rate: f64, duration: Duration) -> PhasePlan {
    PhasePlan {
        name: "steady".into(),
        duration,
        load: Load::Open { shape: Shape::Constant { rate }, poisson: false, max_in_flight: 10_000 },
        request: RequestPlan::default(),
    }
}

/// A plan against the built-in mock with a fixed latency.
pub fn mock_plan(latency: Duration, phases: Vec<PhasePlan>, clients: Vec<ClientPlan>) -> PlanParts {
    PlanParts {
        name: "it".into(),
        seed: 7,
        source: "tests/it".into(),
        target: Target::Mock,
        mock: MockPlan { latency: Dist::Fixed(latency), ..MockPlan::default() },
        proxy: Default::default(),
        dns: None,
        phases,
        clients,
        sweeps: Vec::new(),
        faults: Vec::new(),
        fault_labels: Vec::new(),
        gates: Default::default(),
        drain: Duration::from_secs(3),
        threads: 1,
    }
}

/// Builds a plan quietly and runs it into a scratch folder; returns its result.
pub fn run(parts: &PlanParts) -> RunResult {
    run_with(parts, RunOptions::new(scratch(&parts.name)))
}

fn run_with(parts: &PlanParts, mut options: RunOptions) -> RunResult {
    let plan = parts.clone().build().unwrap_or_else(|v| panic!("the test's plan is valid: {v}"));
    options.progress = run::ProgressMode::Off;
    run::run(&plan, &options).expect("run succeeds").result
}

/// Like [`run`], with a stop requested (as by SIGINT) `after` the run began.
pub fn run_stopped_after(parts: &PlanParts, after: Duration) -> RunResult {
    let options = RunOptions::new(scratch(&parts.name));
    let stop = options.stop.clone();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(after);
        stop.request(StopSignal::Interrupt);
    });
    let result = run_with(parts, options);
    stopper.join().unwrap();
    result
}

/// A bare timer probe's oversleep (p99) above which the machine is judged too busy to judge
/// timing: the host took the CPU away from a thread that only sleeps 1 ms at a time, so it would
/// have taken it from chaosload too. The probe is not chaosload's code, so a bug in chaosload
/// (a lag it adds to itself) can never switch off the checks that would catch it.
pub const NOISY_PROBE_P99_US: u64 = 5_000;

/// A thread beside a run that sleeps 1 ms in a loop and measures how late each sleep wakes.
struct Probe {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<u64>>,
}

impl Probe {
    fn start() -> Probe {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("timing-probe".into())
            .spawn(move || {
                let mut oversleep_us = Vec::with_capacity(64 * 1024);
                while !flag.load(Ordering::Relaxed) {
                    let asleep = Instant::now();
                    std::thread::sleep(PROBE_SLEEP);
                    oversleep_us.push(asleep.elapsed().saturating_sub(PROBE_SLEEP).as_micros() as u64);
                }
                oversleep_us
            })
            .expect("spawning the timing probe");
        Probe { stop, thread }
    }

    /// The probe's oversleep p99 over the time it ran, in µs.
    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let samples = self.thread.join().expect("the timing probe does not panic");
        p99(samples)
    }
}

const PROBE_SLEEP: Duration = Duration::from_millis(1);

fn p99(mut samples: Vec<u64>) -> u64 {
    if samples.is_empty() {
        return u64::MAX; // it never woke: as busy as a machine gets
    }
    samples.sort_unstable();
    samples[(samples.len() - 1) * 99 / 100]
}

/// A run for a test about timing (or any other timed work, `R`), and whether the machine let a
/// bare timer keep its schedule.
pub struct Timed<R = RunResult> {
    pub result: R,
    /// How long the kept run took by the test's clock (servers, phases, drain).
    pub wall: Duration,
    /// The probe's oversleep p99 during the run was at most [`NOISY_PROBE_P99_US`].
    pub quiet: bool,
    /// The probe's oversleep p99 during the run kept, in µs.
    pub probe_p99_us: u64,
}

/// Runs a plan whose assertions are about timing, with a [`Probe`] beside it. When the probe
/// says the machine could not keep a bare 1 ms sleep (the host took the CPU away), the run is
/// repeated after a pause, up to six times in all; the first quiet run, else the quietest, is
/// returned. What chaosload measured of itself plays no part in the verdict.
pub fn run_timed(plan: &PlanParts) -> Timed {
    run_timed_by(plan, run)
}

/// [`run_timed`] with another way to run the plan (e.g. [`run_stopped_after`]).
pub fn run_timed_by(plan: &PlanParts, run: impl Fn(&PlanParts) -> RunResult) -> Timed {
    timed(&plan.name, || run(plan))
}

/// [`run_timed`] for any timed work (a child process's own measurement, e.g. dig's query time):
/// `work` runs beside a [`Probe`], again after a pause while the machine is too busy.
pub fn timed<R>(what: &str, work: impl Fn() -> R) -> Timed<R> {
    let probed = || {
        let probe = Probe::start();
        let started = Instant::now();
        let result = work();
        ((result, started.elapsed()), probe.stop())
    };
    let (mut quietest, mut quietest_p99) = probed();
    for attempt in 2..=6 {
        if quietest_p99 <= NOISY_PROBE_P99_US {
            break;
        }
        eprintln!(
            "{what}: timer probe overslept p99 {quietest_p99}µs, machine too busy to judge timing; attempt {attempt}"
        );
        std::thread::sleep(Duration::from_secs(10));
        let (again, p99) = probed();
        if p99 < quietest_p99 {
            (quietest, quietest_p99) = (again, p99);
        }
    }
    let ((result, wall), quiet) = (quietest, quietest_p99 <= NOISY_PROBE_P99_US);
    Timed { result, wall, quiet, probe_p99_us: quietest_p99 }
}

/// Timing checks judged and skipped in this test process, reported (and under `CI` enforced)
/// when it exits: see [`report_timing_checks`].
static JUDGED: AtomicUsize = AtomicUsize::new(0);
static INCONCLUSIVE: AtomicUsize = AtomicUsize::new(0);
static REPORT_AT_EXIT: Once = Once::new();

impl<R> Timed<R> {
    /// Applies the assertions that need a machine keeping its schedule. On a machine that stayed
    /// too busy through every attempt, they cannot be judged: that is said loudly instead (the
    /// test's other assertions still apply) and counted; a suite that skipped most of its timing
    /// checks fails under `CI` (see [`report_timing_checks`]).
    pub fn timing(&self, what: &str, check: impl FnOnce(&R)) {
        REPORT_AT_EXIT.call_once(|| {
            // SAFETY: registers a plain `extern "C" fn` that takes no arguments.
            unsafe { libc::atexit(report_timing_checks) };
        });
        if self.quiet {
            JUDGED.fetch_add(1, Ordering::Relaxed);
            check(&self.result);
        } else {
            INCONCLUSIVE.fetch_add(1, Ordering::Relaxed);
            eprintln!(
                "INCONCLUSIVE: {what} not judged: the machine stayed too busy in every attempt (timer probe oversleep p99 {}µs, above {NOISY_PROBE_P99_US}µs)",
                self.probe_p99_us
            );
        }
    }
}

/// The chaosload binary as a command whose child starts with SIGINT, SIGTERM and SIGHUP at their
/// defaults, except `ignored` — whatever this test process inherited (a script's background job
/// starts with SIGINT ignored, and chaosload keeps a signal ignored from the start ignored).
pub fn chaosload_with_signals(ignored: &[Signal]) -> Command {
    let ignored = ignored.to_vec();
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosload"));
    // SAFETY: between fork and exec this only calls sigaction (async-signal-safe) and allocates
    // nothing.
    unsafe {
        command.pre_exec(move || {
            for which in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
                let handler = if ignored.contains(&which) { SigHandler::SigIgn } else { SigHandler::SigDfl };
                nix::sys::signal::signal(which, handler)?;
            }
            Ok(())
        });
    }
    command
}

/// Runs when the test process exits (after the harness printed its results): says how many
/// timing checks were judged and skipped, and under `CI` ends the process with exit 1 when more
/// than half were skipped, so a machine too busy to judge never passes for a green suite.
extern "C" fn report_timing_checks() {
    let (judged, skipped) = (JUDGED.load(Ordering::Relaxed), INCONCLUSIVE.load(Ordering::Relaxed));
    if skipped == 0 {
        return;
    }
    eprintln!("timing checks: {judged} judged, {skipped} INCONCLUSIVE");
    if std::env::var_os("CI").is_some() && skipped * 2 > judged + skipped {
        eprintln!("error: most timing checks were not judged (machine too busy); failing under CI");
        use std::io::Write;
        let _ = std::io::stdout().flush();
        // SAFETY: ends the process at once; nothing is left to run at exit that matters.
        unsafe { libc::_exit(1) };
    }
}

/// Runs a command with its output captured, killing it if it outlives `limit` (a hung child must
/// be a red test, not a stuck job).
pub fn output_within(command: &mut Command, limit: Duration) -> std::process::Output {
    let child =
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the command starts");
    wait_within(child, limit)
}

/// Waits for a child started with piped stdout and stderr, killing it if it outlives `limit`.
pub fn wait_within(mut child: Child, limit: Duration) -> std::process::Output {
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("child {} still running after {limit:?}: killed", child.id());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::process::Output { status, stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
}

/// Builds the Go program in `package` (a folder of the repository, stdlib only) into a scratch
/// folder and returns the binary; `None` (its tests skip) when Go is missing outside CI, where a
/// missing Go fails (`.ci/run` installs golang-go). Everything Go writes stays in the target
/// dir, and `GOPROXY=off`: a build never reaches the network.
pub fn go_build(package: &str, name: &str) -> Option<PathBuf> {
    if Command::new("go").arg("version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "go is missing: .ci/run installs golang-go");
        eprintln!("skipped: go is not installed (apt-get install golang-go)");
        return None;
    }
    let work = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("go");
    let binary = scratch(name).join(name);
    let out = output_within(
        Command::new("go")
            .args(["build", "-buildvcs=false", "-trimpath", "-o"])
            .arg(&binary)
            .arg(".")
            .current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(package))
            .env("CGO_ENABLED", "0")
            .env("GOPROXY", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOTELEMETRY", "off")
            .env("GOFLAGS", "-mod=mod")
            .env("GOCACHE", work.join("cache"))
            .env("GOPATH", work.join("path")),
        Duration::from_secs(300),
    );
    assert!(out.status.success(), "go build of {package} failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(binary)
}

/// The first line a child prints, within `limit` (`None`: nothing came). The rest of its stdout
/// is drained, so a child that goes on writing never blocks or meets a closed pipe.
pub fn first_line(child: &mut Child, limit: Duration) -> Option<String> {
    use std::io::BufRead as _;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (line_tx, line_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = line_tx.send(line);
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    line_rx.recv_timeout(limit).ok()
}
