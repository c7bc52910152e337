//! `chaosload mock` and `chaosload proxy` as a client in another language would use them: read
//! the bound address from the first line, send HTTP, stop with Ctrl-C (SIGINT), SIGTERM or SIGHUP.
//! And `chaosload slow` holding its cohorts against a `chaosload mock`, as a user tunes a defence.

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts a standalone part and returns it with the address it printed first.
pub(crate) fn start(args: &[&str]) -> (Child, String) {
    let mut child = crate::support::chaosload_with_signals(&[])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim().to_string())
}

fn get(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

/// Ctrl-C: the part stops cleanly with exit code 0.
fn interrupt(child: Child) {
    stop_with(child, Signal::SIGINT);
}

/// Sends `signal`; the part must stop cleanly, exit 0, within 10 s.
fn stop_with(mut child: Child, signal: Signal) {
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running 10 s after {signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "after {signal}: {status:?}");
}

/// What `docker stop`, systemd and a closed terminal send stops them as cleanly as Ctrl-C.
#[test]
fn mock_and_proxy_stop_cleanly_on_sigterm_and_sighup() {
    for signal in [Signal::SIGTERM, Signal::SIGHUP] {
        let (mock, mock_addr) = start(&["mock"]);
        let (proxy, proxy_addr) = start(&["proxy", "--upstream", &mock_addr]);
        assert!(get(&proxy_addr).starts_with("HTTP/1.1 200"), "both serve before the signal");
        stop_with(proxy, signal);
        stop_with(mock, signal);
    }
}

#[test]
fn mock_and_proxy_run_standalone_with_a_scenario_as_config() {
    let dir = crate::support::scratch("standalone");
    let config = dir.join("parts.toml");
    std::fs::write(
        &config,
        "name = \"ignored\"\n[mock]\nbody_bytes = 5\n[[fault]]\nkind = \"status\"\ncode = 418\n\
         [[fault]]\nkind = \"latency\"\nlayer = \"proxy\"\nlatency = \"200ms\"\n",
    )
    .unwrap();
    let (mock, mock_addr) = start(&["mock", "--config", config.to_str().unwrap()]);
    assert!(mock_addr.starts_with("127.0.0.1:"), "{mock_addr}");
    assert!(get(&mock_addr).starts_with("HTTP/1.1 418"), "the mock applies its [[fault]]");

    let (proxy, proxy_addr) = start(&["proxy", "--upstream", &mock_addr, "--config", config.to_str().unwrap()]);
    let started = std::time::Instant::now();
    let through = get(&proxy_addr);
    assert!(through.starts_with("HTTP/1.1 418"), "the proxy forwards the mock's answer: {through}");
    assert!(started.elapsed() >= Duration::from_millis(200), "the proxy applies its latency fault");
    interrupt(proxy);
    interrupt(mock);
}

#[test]
fn an_invalid_config_is_exit_2_with_its_place() {
    let dir = crate::support::scratch("standalone-invalid");
    let config = dir.join("bad.toml");
    std::fs::write(&config, "[[fault]]\nkind = \"bandwith\"\nlayer = \"proxy\"\n").unwrap();
    // A proxy that started instead of refusing would never exit: the limit makes that a red test.
    let out = crate::support::output_within(
        Command::new(env!("CARGO_BIN_EXE_chaosload")).args([
            "proxy",
            "--upstream",
            "127.0.0.1:9",
            "--config",
            config.to_str().unwrap(),
        ]),
        Duration::from_secs(30),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.toml:2:8: fault[0].kind") && stderr.contains("bandwidth"), "{stderr}");
}

/// curl, a client nobody here wrote, as it meets `hang` (the mock never answers: only curl's own
/// `--max-time` ends the request, exit 28) and the proxy's `timeout` (nothing comes back, then
/// the close: "empty reply from server", exit 52). Skipped without curl, except under CI.
#[test]
fn curl_meets_a_hung_mock_and_a_proxy_timeout_as_in_production() {
    if Command::new("curl").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "curl is missing: .ci/run installs it");
        eprintln!("skipped: curl is not installed");
        return;
    }
    let dir = crate::support::scratch("standalone-curl");
    let config = dir.join("faults.toml");
    std::fs::write(
        &config,
        "[[fault]]\nkind = \"hang\"\n[[fault]]\nkind = \"timeout\"\nlayer = \"proxy\"\nafter = \"300ms\"\n",
    )
    .unwrap();
    let (mock, mock_addr) = start(&["mock", "--config", config.to_str().unwrap()]);
    let (proxy, proxy_addr) = start(&["proxy", "--upstream", &mock_addr, "--config", config.to_str().unwrap()]);
    let curl = |addr: &str| {
        let started = std::time::Instant::now();
        let out = Command::new("curl")
            .args(["--silent", "--max-time", "1.5", &format!("http://{addr}/")])
            .output()
            .expect("curl runs");
        (out.status.code(), started.elapsed())
    };
    let (code, took) = curl(&mock_addr);
    assert_eq!(code, Some(28), "curl gives up on the hung request itself (took {took:?})");
    assert!(took >= Duration::from_millis(1400), "only curl's --max-time ended it: {took:?}");
    let (code, took) = curl(&proxy_addr);
    assert_eq!(code, Some(52), "the proxy closes without a reply (took {took:?})");
    assert!((Duration::from_millis(280)..Duration::from_millis(1400)).contains(&took), "closed after {took:?}");
    interrupt(proxy);
    interrupt(mock);
}

/// Writes a `chaosload slow` config into a fresh folder.
fn slow_config(name: &str, text: &str) -> std::path::PathBuf {
    let path = crate::support::scratch(name).join("slow.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `chaosload slow` against `chaosload mock`: a line per cohort and a probe verdict each second
/// (the mock, which has no defence here, holds every connection and still answers the probe),
/// then on Ctrl-C the summary and exit 0.
#[test]
fn slow_holds_its_cohorts_against_the_mock_prints_live_lines_and_stops_on_sigint() {
    let (mock, mock_addr) = start(&["mock"]);
    let config = slow_config(
        "slow-live",
        "seed = 3\n[[fault]]\nlayer = \"clients\"\nkind = \"slowloris\"\nconnections = 20\nper_second = 100\n\
         interval = \"1s\"\n[[fault]]\nlayer = \"clients\"\nkind = \"slow_post\"\nconnections = 4\n",
    );
    let target = format!("http://{mock_addr}/slow");
    let mut child = crate::support::chaosload_with_signals(&[])
        .args(["slow", "--target", &target, "--config", config.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let (lines, received) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.iter().filter(|l: &&String| l.contains(" service ")).count() < 3 {
        match received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("no three seconds of live lines within 20 s: {seen:?}");
            }
        }
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let out = crate::support::wait_within(child, Duration::from_secs(10));
    reader.join().unwrap();
    seen.extend(received.try_iter());
    assert!(out.status.success(), "Ctrl-C is a clean stop: {:?}", out.status);
    let text = seen.join("\n");
    // By the third second both cohorts hold all their connections: the mock never times a head out.
    assert!(text.contains("[  3.0s] slowloris #0: connecting 0, connected 20, closed by server 0, reset 0"), "{text}");
    assert!(text.contains("[  3.0s] slow_post #1: connecting 0, connected 4,"), "{text}");
    assert!(text.contains("[  1.0s] service available: 200 in "), "the probe is answered: {text}");
    assert!(!text.contains("UNAVAILABLE"), "{text}");
    assert!(text.contains("summary after "), "{text}");
    assert!(
        text.contains("slowloris #0 (20 connections, peak 20 open): 20 attempts, 20 opened, 20 held to the end"),
        "{text}"
    );
    assert!(
        text.contains("slow_post #1 (4 connections, peak 4 open): 4 attempts, 4 opened, 4 held to the end"),
        "{text}"
    );
    let available = text.lines().find(|l| l.contains("service available") && l.contains(" of ")).expect("the tally");
    let counts: Vec<u64> = available.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!(counts.len() == 2 && counts[0] == counts[1] && counts[1] >= 3, "every second available: {available}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SIGINT: stopping") && !stderr.contains("outside this machine"), "{stderr}");
    interrupt(mock);
}

/// `chaosload slow` ends by itself when its last window has; refuses (exit 2) a config without a
/// clients fault and a URL that is not http://.
#[test]
fn slow_ends_with_its_windows_and_refuses_what_it_cannot_run() {
    let (mock, mock_addr) = start(&["mock"]);
    let target = format!("http://{mock_addr}/");
    let windowed = slow_config(
        "slow-window",
        "[[fault]]\nlayer = \"clients\"\nkind = \"slow_read\"\nconnections = 3\nat = \"500ms\"\nfor = \"1s\"\n",
    );
    let run = |target: &str, config: &std::path::Path| {
        crate::support::output_within(
            crate::support::chaosload_with_signals(&[]).args([
                "slow",
                "--target",
                target,
                "--config",
                config.to_str().unwrap(),
            ]),
            Duration::from_secs(30),
        )
    };
    let out = run(&target, &windowed);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{:?}: {stdout}", out.status);
    assert!(
        stdout.contains("slow_read #0 (3 connections, peak 3 open): 3 attempts, 3 opened, 3 held to the end"),
        "{stdout}"
    );
    assert!(stdout.contains("[  1.0s] slow_read #0: connecting 0, connected 3"), "{stdout}");

    let no_cohorts = slow_config("slow-none", "[[fault]]\nkind = \"status\"\ncode = 503\n");
    let out = run(&target, &no_cohorts);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no [[fault]] with layer = \"clients\""), "{stderr}");

    for bad in ["https://127.0.0.1:1/", "127.0.0.1:1"] {
        let out = run(bad, &windowed);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("--target") && stderr.contains("http://"), "{stderr}");
    }
    interrupt(mock);
}
