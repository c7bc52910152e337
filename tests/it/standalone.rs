//! `chaosload mock` and `chaosload proxy` as a client in another language would use them: read
//! the bound address from the first line, send HTTP, stop with Ctrl-C (SIGINT), SIGTERM or SIGHUP.

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
