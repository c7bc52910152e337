//! Stopping a run from outside: a real `chaosload run` child signalled with SIGINT, SIGTERM and
//! SIGHUP (exit code, files written, `interrupted`, true rates, no empty folder), and the stop
//! path in process with the timing gate.

use crate::support::{
    chaosload_with_signals, constant, exclusive, mock_plan, ms, run_stopped_after, run_timed_by, scratch,
};
use chaosload::mock::faults::{MockFault, Status};
use chaosload::scenario::{ClientPlan, FaultKind, FaultPlan, Load, RetryOn, RetryPlan};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A `chaosload run` child with its output captured, and when it started.
struct Running {
    child: Child,
    started: Instant,
}

fn start_run(scenario: &Path, out: &Path) -> Running {
    start_run_ignoring(scenario, out, &[])
}

/// [`start_run`] with the `ignored` signals ignored from the start (as `nohup` does for SIGHUP).
fn start_run_ignoring(scenario: &Path, out: &Path, ignored: &[Signal]) -> Running {
    let child = chaosload_with_signals(ignored)
        .args(["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"])
        .env("CHAOSLOAD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    Running { child, started: Instant::now() }
}

impl Running {
    /// Sends `signal` once `at` has passed since the start.
    fn signal_at(&self, at: Duration, signal: Signal) {
        std::thread::sleep(at.saturating_sub(self.started.elapsed()));
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("the child is there to signal");
    }

    /// Waits for the exit, at most `limit` from the start (then kills it and fails); returns the
    /// status, when it exited (from the start) and its stderr.
    fn wait(mut self, limit: Duration) -> (ExitStatus, Duration, String) {
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if self.started.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("chaosload run did not exit within {limit:?} of its start");
            }
            std::thread::sleep(ms(20));
        };
        let exited = self.started.elapsed();
        let mut stderr = String::new();
        std::io::Read::read_to_string(self.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        (status, exited, stderr)
    }
}

/// Every file and folder under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap().flatten() {
            found.push(entry.path().strip_prefix(dir).unwrap().to_path_buf());
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            }
        }
    }
    found.sort();
    found
}

fn only_run_folder(out: &Path, scenario: &str) -> PathBuf {
    let runs: Vec<_> = std::fs::read_dir(out.join(scenario)).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(runs.len(), 1, "one run folder: {runs:?}");
    runs[0].clone()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The case: SIGTERM 2.1 s into smoke.toml (a 4 s, 200/s phase) used to kill it with
/// nothing written and an empty run folder. Now: exit 143, all three outputs, `interrupted`, and
/// the phase's rates over the 2 s it ran (~200/s, not the 98/s of 409 arrivals over 4 s).
#[test]
fn sigterm_mid_run_writes_what_was_measured_with_true_rates() {
    let _serial = exclusive();
    let out = scratch("sig-term");
    let run = start_run(Path::new("scenarios/smoke.toml"), &out);
    run.signal_at(ms(2100), Signal::SIGTERM);
    let (status, _, stderr) = run.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("SIGTERM: stopping"), "{stderr}");

    let dir = only_run_folder(&out, "smoke");
    let names: Vec<_> = tree(&dir).into_iter().map(|p| p.display().to_string()).collect();
    assert_eq!(names, ["hdr", "hdr/keep-alive.hlog", "report.html", "result.json"], "no temporary left");
    let result = read_json(&dir.join("result.json"));
    crate::cli::check_schema(&result);
    assert_eq!(result["interrupted"], true);
    let clients = result["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1, "the second configuration never started");
    let phase = &clients[0]["phases"][0];
    assert_eq!(phase["planned_duration_ms"], 4000, "{phase}");
    let ran_ms = phase["duration_ms"].as_u64().unwrap();
    // Stopped at 2.1 s after the process started, less its start-up and the 50 ms start delay.
    assert!((1_500..2_100).contains(&ran_ms), "the phase ran {ran_ms} ms");
    let arrivals = phase["arrivals"].as_f64().unwrap();
    let expected = arrivals / (ran_ms as f64 / 1000.0);
    for rate in ["requested_rate", "achieved_rate"] {
        let value = phase[rate].as_f64().unwrap();
        assert!((value - expected).abs() <= expected * 0.01, "{rate} {value}: arrivals / duration is {expected}");
        // Generous, but a rate over the planned 4 s would be ~100/s.
        assert!((180.0..=202.0).contains(&value), "{rate} {value}/s for a 200/s phase cut short");
    }
    assert_eq!(clients[0]["total"]["duration_ms"], ran_ms, "the total ran as long as its one phase");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.to_lowercase().contains("interrupted"));
}

/// Ctrl-C 3 s into coldstart.toml falls in a 5 s gap between bursts: the dispatcher used to
/// sleep until the next burst (7 s) and send one more request. Now it wakes on the stop: the run
/// ends well before the next burst, with the first burst's 200 arrivals and not one more.
#[test]
fn sigint_in_a_gap_between_bursts_stops_at_once() {
    let _serial = exclusive();
    let out = scratch("sig-gap");
    let run = start_run(Path::new("scenarios/coldstart.toml"), &out);
    run.signal_at(ms(3000), Signal::SIGINT);
    let (status, exited, stderr) = run.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(130), "{stderr}");
    // Nothing is in flight in the gap, so no grace is spent; the next burst starts at 7 s.
    assert!(exited < Duration::from_secs(5), "exited {exited:?} after the start, Ctrl-C at 3 s");
    let result = read_json(&only_run_folder(&out, "coldstart").join("result.json"));
    assert_eq!(result["interrupted"], true);
    let phase = &result["clients"][0]["phases"][0];
    assert_eq!(phase["arrivals"], 200, "one 2 s burst at 100/s, nothing of the next: {phase}");
    assert_eq!(phase["planned_duration_ms"], 35_000);
    assert!(phase["duration_ms"].as_u64().unwrap() < 3_000, "{phase}");
}

/// A scenario whose requests outlive any stop: the mock answers after 30 s, the drain is 10 min.
fn hanging_scenario(dir: &Path) -> PathBuf {
    let file = dir.join("hanging.toml");
    std::fs::write(
        &file,
        "name = \"hanging\"\ndrain = \"10m\"\n[target]\nmock = true\n[mock]\nlatency = { dist = \"fixed\", value = \"30s\" }\n\
         [[phase]]\nduration = \"5s\"\nshape = { kind = \"constant\", rate = 20 }\n[[client]]\nname = \"c\"\n",
    )
    .unwrap();
    file
}

/// SIGHUP (a closed terminal) during a phase whose requests never finish and a drain of 10 min:
/// the drain is cut to the stop's grace, the requests left are `unfinished`, results written,
/// exit 129.
#[test]
fn after_a_signal_a_long_drain_is_cut_to_the_grace() {
    let _serial = exclusive();
    let dir = scratch("sig-grace");
    let out = dir.join("out");
    let run = start_run(&hanging_scenario(&dir), &out);
    run.signal_at(ms(1000), Signal::SIGHUP);
    let (status, exited, stderr) = run.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(129), "{stderr}");
    let grace = chaosload::load::engine::STOP_GRACE;
    assert!(exited >= ms(1000) + grace, "exited {exited:?}: the requests in flight got the grace");
    assert!(exited < ms(1000) + grace + Duration::from_secs(3), "exited {exited:?}, signal at 1 s, grace {grace:?}");
    let result = read_json(&only_run_folder(&out, "hanging").join("result.json"));
    assert_eq!(result["interrupted"], true);
    let total = &result["clients"][0]["total"];
    let sent = total["sent"].as_u64().unwrap();
    assert!(sent > 0 && total["errors"]["unfinished"] == sent, "every request was left unfinished: {total}");
}

/// A second signal exits at once, during the grace, before anything is written: no result, no
/// empty run folder, no temporary file — nothing at all under --out.
#[test]
fn a_second_signal_exits_at_once_leaving_nothing() {
    let _serial = exclusive();
    let dir = scratch("sig-twice");
    let out = dir.join("out");
    let run = start_run(&hanging_scenario(&dir), &out);
    run.signal_at(ms(1000), Signal::SIGINT);
    run.signal_at(ms(1500), Signal::SIGTERM);
    let (status, exited, stderr) = run.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(143), "the second signal's code: {stderr}");
    let grace = chaosload::load::engine::STOP_GRACE;
    assert!(exited < ms(1000) + grace, "exited {exited:?}: it did not wait for the grace");
    let left = if out.exists() { tree(&out) } else { Vec::new() };
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// The stop path in process, judged by the timing gate: a 4 s, 200/s phase stopped at 2.1 s
/// reports the 2 s it ran and 200/s, and its planned 4 s beside them.
#[test]
fn a_phase_cut_short_reports_its_real_duration_and_rates() {
    let _serial = exclusive();
    let plan = mock_plan(ms(2), vec![constant(200.0, Duration::from_secs(4))], vec![ClientPlan::defaults("c")]);
    let timed = run_timed_by(&plan, |plan| run_stopped_after(plan, ms(2100)));
    let result = &timed.result;
    assert!(result.interrupted);
    let phase = &result.clients[0].phases[0];
    assert_eq!(phase.planned_duration_ms, Some(4000));
    // However busy the machine: the stop came before the phase's end, and no more than the
    // schedule's arrivals up to the stop went out.
    assert!(phase.duration_ms < 4000, "{}", phase.duration_ms);
    assert!(phase.arrivals <= 2100 * 200 / 1000 + 1, "{} arrivals before a stop at 2.1 s", phase.arrivals);
    assert_eq!(phase.completed, phase.sent, "2 ms requests all finish within the grace");
    timed.timing("duration ≈ 2.05 s, rates within 2 % of 200/s", |result| {
        let phase = &result.clients[0].phases[0];
        // 2.1 s less the 50 ms start delay and the mock's start.
        assert!((2_000..=2_100).contains(&phase.duration_ms), "the phase ran {} ms", phase.duration_ms);
        for (what, rate) in [("requested", phase.requested_rate.unwrap()), ("achieved", phase.achieved_rate)] {
            assert!((196.0..=204.0).contains(&rate), "{what} rate {rate}/s");
        }
    });
}

/// A closed-model phase (users loop until its end) stopped at 1 s of 10 s: the engine's wait for
/// the phase end wakes on the stop, the run ends long before 10 s, and the phase says it ran ~1 s.
#[test]
fn a_closed_model_phase_stops_at_once() {
    let _serial = exclusive();
    let mut phase = constant(1.0, Duration::from_secs(10));
    phase.load = Load::Closed { concurrency: 2, think: None };
    let plan = mock_plan(ms(2), vec![phase], vec![ClientPlan::defaults("c")]);
    let result = run_stopped_after(&plan, ms(1000));
    assert!(result.interrupted);
    let client = &result.clients[0];
    let phase = &client.phases[0];
    assert_eq!(phase.planned_duration_ms, Some(10_000));
    assert!(phase.duration_ms < 10_000 && phase.sent > 0, "{} ms, {} sent", phase.duration_ms, phase.sent);
    assert!(client.duration_ms < 5_000, "the configuration ran {} ms for a stop at 1 s", client.duration_ms);
    let expected = phase.sent as f64 / (phase.duration_ms as f64 / 1000.0);
    assert!((phase.achieved_rate - expected).abs() <= expected * 0.01, "{} vs {expected}", phase.achieved_rate);
}

/// Arrivals waiting for a connection (HTTP/1, one connection, 100 ms answers, 100 arrivals/s)
/// are not sent after a stop, whether they wait in the engine's backlog (no request timeout) or
/// as tasks in the pool's queue (with one): the stop ends the traffic, and they are counted
/// `unfinished` at once. Before the stop about 10 went out; over the 2 s grace the one
/// connection would have carried ~20 more.
#[test]
fn a_stop_sends_nothing_more_of_the_arrivals_waiting_for_a_connection() {
    let _serial = exclusive();
    for request_timeout in [None, Some(Duration::from_secs(30))] {
        let mut client = ClientPlan::defaults("one-conn");
        client.max_conns_per_host = Some(1);
        client.request_timeout = request_timeout;
        let plan = mock_plan(ms(100), vec![constant(100.0, Duration::from_secs(5))], vec![client]);
        let result = run_stopped_after(&plan, ms(1000));
        let client = &result.clients[0];
        let received = client.mock.as_ref().unwrap().requests;
        let total = &client.total;
        let unfinished = total.errors.get("unfinished").copied().unwrap_or(0);
        let waiting = if request_timeout.is_some() { "in the pool's queue" } else { "in the backlog" };
        assert!(received <= 14, "the mock received {received} requests: those {waiting} went on after the stop");
        assert_eq!(total.ok, received, "what was sent was answered within the grace: {total:?}");
        assert_eq!(unfinished, total.sent - total.ok, "{waiting}: {:?}", total.errors);
        // The drain waited for the one request on the wire, not for the others until the grace ended.
        let grace = chaosload::load::engine::STOP_GRACE;
        assert!(
            ms(client.duration_ms) < ms(1000) + grace,
            "{waiting}: ran {} ms for a stop at 1 s",
            client.duration_ms
        );
    }
}

/// Retries are traffic too: every answer is 503, retried up to 5 times with a 300 ms backoff
/// doubling, at 10 arrivals/s. A stop at 1 s sends no further attempt, also from a request
/// waiting out its backoff; those requests end at once with the 503 they met. About 18 attempts
/// fit before the stop; the 2 s grace would have let ~30 more through.
#[test]
fn a_stop_sends_no_more_retries() {
    let _serial = exclusive();
    let mut client = ClientPlan::defaults("retrying");
    client.retries = RetryPlan { max: 5, on: vec![RetryOn::Status5xx], backoff: ms(300) };
    let mut plan = mock_plan(ms(1), vec![constant(10.0, Duration::from_secs(3))], vec![client]);
    plan.faults.push(FaultPlan {
        kind: FaultKind::Mock(MockFault::Status(Status(http::StatusCode::SERVICE_UNAVAILABLE))),
        at: Duration::ZERO,
        duration: Duration::from_secs(3600),
        every: None,
        probability: 1.0,
    });
    let result = run_stopped_after(&plan, ms(1000));
    let client = &result.clients[0];
    let received = client.mock.as_ref().unwrap().requests;
    let total = &client.total;
    assert_eq!(received, total.sent + total.retries, "every attempt is counted: {total:?}");
    assert!(received <= 24, "the mock received {received} attempts: retries went on after the stop");
    assert_eq!(total.errors.get("http_503").copied(), Some(total.sent), "each ended with its 503: {:?}", total.errors);
    let grace = chaosload::load::engine::STOP_GRACE;
    assert!(ms(client.duration_ms) < ms(1000) + grace, "ran {} ms: backoffs were waited out", client.duration_ms);
}

/// Under `nohup` (SIGHUP ignored from the start) a closed terminal does not stop the run: the
/// SIGHUP at 1 s is ignored as asked, and the SIGINT at 1.5 s is the one that stops it.
#[test]
fn a_signal_ignored_from_the_start_stays_ignored() {
    let _serial = exclusive();
    let out = scratch("sig-nohup");
    let run = start_run_ignoring(Path::new("scenarios/smoke.toml"), &out, &[Signal::SIGHUP]);
    run.signal_at(ms(1000), Signal::SIGHUP);
    run.signal_at(ms(1500), Signal::SIGINT);
    let (status, _, stderr) = run.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(!stderr.contains("SIGHUP") && stderr.contains("SIGINT: stopping"), "{stderr}");
    let result = read_json(&only_run_folder(&out, "smoke").join("result.json"));
    assert_eq!(result["interrupted"], true);
}
