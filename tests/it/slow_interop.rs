//! The mock's defences against an attacker nobody here wrote: slowhttptest's slowloris (`-H`)
//! against a standalone `chaosload mock` with a small connection budget. Undefended, the
//! service becomes unavailable during the attack; with `header_read_timeout` it stays available.
//! Without slowhttptest the test is skipped, except under CI (`CI` set), where `.ci/run`
//! installs it.

use std::process::Command;
use std::time::Duration;

fn have_slowhttptest() -> bool {
    if Command::new("slowhttptest").arg("-h").output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "slowhttptest is missing: .ci/run installs it");
    eprintln!("skipped: slowhttptest is not installed (Debian: slowhttptest)");
    false
}

/// Runs a 12 s slowloris of 200 connections against a mock configured by `mock_keys`; the
/// seconds slowhttptest's probe found the service available, and the seconds it reported.
fn attack(name: &str, mock_keys: &str) -> (usize, usize) {
    let dir = crate::support::scratch(name);
    let config = dir.join("mock.toml");
    std::fs::write(&config, format!("name = \"{name}\"\n[mock]\n{mock_keys}")).unwrap();
    let (mut mock, addr) = crate::standalone::start(&["mock", "--config", config.to_str().unwrap()]);
    let out = dir.join("slow");
    let output =
        crate::support::output_within(
            Command::new("slowhttptest")
                .args(["-H", "-c", "200", "-r", "100", "-i", "2", "-l", "12", "-p", "2"])
                .args(["-u", &format!("http://{addr}/"), "-g", "-o", out.to_str().unwrap()]),
            Duration::from_secs(60),
        );
    let _ = mock.kill();
    let _ = mock.wait();
    let csv = std::fs::read_to_string(out.with_extension("csv"))
        .unwrap_or_else(|e| panic!("no CSV ({e}): {}", String::from_utf8_lossy(&output.stdout)));
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let column = header.iter().position(|c| *c == "Service Available").expect("a Service Available column");
    let rows: Vec<u64> = lines.filter_map(|l| l.split(',').nth(column)?.trim().parse().ok()).collect();
    assert!(!rows.is_empty(), "no rows in {csv}");
    (rows.iter().filter(|&&v| v > 0).count(), rows.len())
}

#[test]
fn slowloris_takes_an_undefended_mock_down_and_not_one_with_a_header_read_timeout() {
    if !have_slowhttptest() {
        return;
    }
    let _serial = crate::support::exclusive();
    let budget = "max_connections = 100\nat_max_connections = \"backlog\"\n";
    let (up, seconds) = attack("slowloris-undefended", budget);
    assert!(up * 2 < seconds, "undefended, the service stayed available {up} of {seconds} seconds");
    let (up, seconds) = attack("slowloris-defended", &format!("{budget}header_read_timeout = \"1s\"\n"));
    assert!(up * 10 >= seconds * 8, "defended, the service was available only {up} of {seconds} seconds");
}
