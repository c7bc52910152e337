//! HTTPS end to end, on 127.0.0.1 with the CA the mock makes: chaosload's own client meets each
//! TLS fault as the error kind it stands for, resumes sessions (or not) as told, and writes the
//! CA beside the result; curl and `openssl s_client`, clients nobody here wrote, meet the same
//! faults as they meet them in production (exit codes and alerts). Skipped without curl or
//! openssl, except under CI.

use crate::standalone::start;
use crate::support::{scratch, shared};
use chaosload::result::{ClientResult, RunResult};
use chaosload::run::{self, RunOptions};
use chaosload::scenario::{self, Overrides};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// Runs a scenario text (the mock with `tls = true`, `faults` and `clients` added) for 1 s.
fn run_tls(name: &str, faults: &str, clients: &str) -> (RunResult, PathBuf) {
    let text = format!(
        "name = \"{name}\"\ndrain = \"2s\"\n[target]\nmock = true\n[mock]\ntls = true\n\
         [[phase]]\nduration = \"1s\"\nshape = {{ kind = \"constant\", rate = 40 }}\n{faults}\n{clients}"
    );
    let dir = scratch(name);
    let path = dir.join("scenario.toml");
    std::fs::write(&path, &text).unwrap();
    let plan = scenario::parse_bytes(text.into_bytes(), &path, &Overrides::default())
        .unwrap_or_else(|d| panic!("the test's scenario is valid: {d}"));
    let mut options = RunOptions::new(dir.join("out"));
    options.progress = run::ProgressMode::Off;
    let out = run::run(&plan, &options).expect("the run succeeds");
    (out.result, out.dir)
}

fn client<'r>(result: &'r RunResult, name: &str) -> &'r ClientResult {
    result.clients.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} ran"))
}

fn errors(c: &ClientResult, kind: &str) -> u64 {
    c.total.errors.get(kind).copied().unwrap_or(0)
}

#[test]
fn https_to_the_mock_over_http1_and_h2_with_its_ca_written_beside_the_result() {
    let _guard = shared();
    let (result, dir) = run_tls(
        "tls-plain",
        "",
        "[[client]]\nname = \"h1\"\n[[client]]\nname = \"h2\"\nhttp = \"2\"\n\
         [[client]]\nname = \"fresh\"\nkeep_alive = false\n\
         [[client]]\nname = \"fresh-full\"\nkeep_alive = false\ntls_session_resumption = false\n",
    );
    for name in ["h1", "h2", "fresh", "fresh-full"] {
        let c = client(&result, name);
        assert_eq!(c.total.ok, 40, "{name}: every request answered over TLS: {:?}", c.total.errors);
        assert_eq!(c.total.tls_handshake_time.count, c.connections.opened, "{name}: one handshake per connection");
    }
    assert_eq!(client(&result, "h1").connections.opened, 1);
    // A new connection per request: all but the first resume the session, unless told not to.
    let fresh = client(&result, "fresh");
    assert!(fresh.connections.tls_resumed >= 35, "resumed {} of 40", fresh.connections.tls_resumed);
    assert_eq!(client(&result, "fresh-full").connections.tls_resumed, 0);
    let ca = std::fs::read_to_string(dir.join("ca.pem")).expect("ca.pem beside result.json");
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.contains("chart-tls"), "report.html charts the TLS handshake time");
}

#[test]
fn each_tls_fault_is_met_as_its_error_kind() {
    let _guard = shared();
    let (result, _) = run_tls(
        "tls-faults",
        "[[fault]]\nkind = \"bad_cert\"\ncert = \"expired\"\nprobability = 0.5\n",
        "[[client]]\nname = \"verify\"\nkeep_alive = false\n\
         [[client]]\nname = \"no-verify\"\nkeep_alive = false\ntls_verify = false\n",
    );
    let verify = client(&result, "verify");
    let refused = errors(verify, "tls_cert");
    assert!((8..=32).contains(&refused), "about half the certificates refused: {:?}", verify.total.errors);
    assert_eq!(verify.total.ok + refused, 40, "{:?}", verify.total.errors);
    assert_eq!(client(&result, "no-verify").total.ok, 40, "tls_verify = false takes the expired certificate");

    for cert in ["wrong_name", "untrusted"] {
        let (result, _) = run_tls(
            &format!("tls-{cert}"),
            &format!("[[fault]]\nkind = \"bad_cert\"\ncert = \"{cert}\"\n"),
            "[[client]]\nname = \"c\"\n",
        );
        let c = client(&result, "c");
        assert_eq!(errors(c, "tls_cert"), c.total.completed, "{cert}: {:?}", c.total.errors);
    }

    let (result, _) = run_tls(
        "tls-stall",
        "[[fault]]\nkind = \"handshake_stall\"\n",
        "[[client]]\nname = \"c\"\ntls_handshake_timeout = \"200ms\"\nmax_conns_per_host = 2\n",
    );
    let c = client(&result, "c");
    assert!(errors(c, "tls_handshake_timeout") >= 2, "{:?}", c.total.errors);
    assert_eq!(c.total.ok, 0, "no handshake finished: {:?}", c.total.errors);

    let (result, _) = run_tls(
        "tls-delay",
        "[[fault]]\nkind = \"handshake_delay\"\ndelay = \"150ms\"\n",
        "[[client]]\nname = \"c\"\nkeep_alive = false\n",
    );
    let c = client(&result, "c");
    assert_eq!(c.total.ok, 40, "{:?}", c.total.errors);
    assert!(c.total.tls_handshake_time.p50_us >= 140_000, "handshakes took {}µs", c.total.tls_handshake_time.p50_us);
    assert!(c.total.connect_time.p50_us < 100_000, "the delay is the handshake's, not the connect's");

    let (result, _) = run_tls(
        "tls-alpn",
        "[[fault]]\nkind = \"alpn_mismatch\"\n",
        "[[client]]\nname = \"h2\"\nhttp = \"2\"\n[[client]]\nname = \"h1\"\n",
    );
    for name in ["h1", "h2"] {
        let c = client(&result, name);
        assert_eq!(errors(c, "tls_error"), c.total.completed, "{name}: no protocol agreed: {:?}", c.total.errors);
    }

    let (result, _) = run_tls(
        "tls-close-notify",
        "[[fault]]\nkind = \"close_notify_missing\"\nprobability = 0.5\n",
        "[[client]]\nname = \"c\"\n",
    );
    let c = client(&result, "c");
    let cut = errors(c, "tls_error");
    assert!((8..=32).contains(&cut), "a close-framed body without close_notify is a TLS error: {:?}", c.total.errors);
    assert_eq!(c.total.ok + cut, 40, "{:?}", c.total.errors);
}

/// `true` when `tool` runs; else skipped, except under CI (where .ci/run installs it).
fn have(tool: &str, version_arg: &str) -> bool {
    if Command::new(tool).arg(version_arg).output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "{tool} is missing: .ci/run installs it");
    eprintln!("skipped: {tool} is not installed");
    false
}

/// A standalone TLS mock with `faults`, its address and its CA file.
fn tls_mock(name: &str, faults: &str) -> (Child, String, PathBuf) {
    let dir = scratch(name);
    let config = dir.join("mock.toml");
    std::fs::write(&config, format!("[mock]\ntls = true\n{faults}")).unwrap();
    let ca = dir.join("ca.pem");
    let _ = std::fs::remove_file(&ca);
    let (child, addr) = start(&["mock", "--config", config.to_str().unwrap(), "--ca-out", ca.to_str().unwrap()]);
    (child, addr, ca)
}

fn stop(mut child: Child) {
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let _ = child.wait();
}

fn curl(ca: &Path, url: &str, extra: &[&str]) -> Output {
    Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "5", "--cacert", ca.to_str().unwrap(), "-o", "/dev/null"])
        .args(["--write-out", "%{http_code} %{http_version}"])
        .args(extra)
        .arg(url)
        .output()
        .expect("curl runs")
}

#[test]
fn curl_trusts_the_mocks_ca_and_meets_its_tls_faults_as_in_production() {
    let _guard = shared();
    if !have("curl", "--version") {
        return;
    }
    let (mock, addr, ca) = tls_mock("tls-curl", "");
    let port = addr.rsplit(':').next().unwrap().to_string();
    let out = curl(&ca, &format!("https://{addr}/"), &["--http1.1"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200 1.1", "{}", String::from_utf8_lossy(&out.stderr));
    let out = curl(&ca, &format!("https://localhost:{port}/"), &[]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200 2", "ALPN picks h2 for curl");
    stop(mock);

    // A certificate for another name: curl refuses it (exit 60, "SSL: no alternative
    // certificate subject name matches"), unless told not to verify (-k).
    let (mock, addr, ca) = tls_mock("tls-curl-name", "[[fault]]\nkind = \"bad_cert\"\ncert = \"wrong_name\"\n");
    let out = curl(&ca, &format!("https://{addr}/"), &[]);
    assert_eq!(out.status.code(), Some(60), "{}", String::from_utf8_lossy(&out.stderr));
    let out = curl(&ca, &format!("https://{addr}/"), &["-k"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200 2");
    stop(mock);

    // No close_notify after a close-framed body: curl tolerates the bare close (it ignores
    // OpenSSL 3's unexpected-EOF error) and takes the 64 bytes as the whole body; it cannot tell.
    let (mock, addr, ca) = tls_mock("tls-curl-notify", "[[fault]]\nkind = \"close_notify_missing\"\n");
    let out = Command::new("curl")
        .args(["--silent", "--http1.1", "--max-time", "5", "--cacert", ca.to_str().unwrap(), "-o", "/dev/null"])
        .args(["--write-out", "%{http_code} %{size_download}", &format!("https://{addr}/")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200 64", "{}", String::from_utf8_lossy(&out.stderr));
    stop(mock);

    // A slow handshake: curl's own TLS timing (time_appconnect) holds the delay.
    let (mock, addr, ca) = tls_mock("tls-curl-delay", "[[fault]]\nkind = \"handshake_delay\"\ndelay = \"300ms\"\n");
    let out = Command::new("curl")
        .args(["--silent", "--max-time", "5", "--cacert", ca.to_str().unwrap(), "-o", "/dev/null"])
        .args(["--write-out", "%{time_connect} %{time_appconnect}", &format!("https://{addr}/")])
        .output()
        .unwrap();
    let times: Vec<f64> = String::from_utf8_lossy(&out.stdout).split(' ').map(|t| t.parse().unwrap()).collect();
    assert!(times[1] - times[0] >= 0.28, "the handshake took {:.3}s", times[1] - times[0]);
    stop(mock);

    // A handshake that never finishes: only curl's own timeout ends it (exit 28).
    let (mock, addr, ca) = tls_mock("tls-curl-stall", "[[fault]]\nkind = \"handshake_stall\"\n");
    let out = curl(&ca, &format!("https://{addr}/"), &["--max-time", "1"]);
    assert_eq!(out.status.code(), Some(28), "{}", String::from_utf8_lossy(&out.stderr));
    stop(mock);
}

/// `openssl s_client`: the certificate chain verifies against the CA, ALPN agrees on what is
/// offered, and `alpn_mismatch` ends the handshake with the no_application_protocol alert.
#[test]
fn openssl_s_client_verifies_the_chain_and_meets_the_alpn_mismatch() {
    let _guard = shared();
    if !have("openssl", "version") {
        return;
    }
    let s_client = |addr: &str, ca: &Path, alpn: &str| {
        let mut child = Command::new("openssl")
            .args(["s_client", "-connect", addr, "-CAfile", ca.to_str().unwrap(), "-alpn", alpn])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl runs");
        let _ = child.stdin.take();
        let out = crate::support::wait_within(child, Duration::from_secs(10));
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    let (mock, addr, ca) = tls_mock("tls-openssl", "");
    let said = s_client(&addr, &ca, "h2");
    assert!(said.contains("Verify return code: 0 (ok)"), "{said}");
    assert!(said.contains("ALPN protocol: h2"), "{said}");
    let said = s_client(&addr, &ca, "http/1.1");
    assert!(said.contains("ALPN protocol: http/1.1"), "{said}");
    stop(mock);

    let (mock, addr, ca) = tls_mock("tls-openssl-alpn", "[[fault]]\nkind = \"alpn_mismatch\"\n");
    let said = s_client(&addr, &ca, "h2");
    assert!(said.contains("no application protocol"), "{said}");
    stop(mock);

    // A close-framed body ended by a bare FIN: OpenSSL itself reports the missing close_notify.
    let (mock, addr, ca) = tls_mock("tls-openssl-notify", "[[fault]]\nkind = \"close_notify_missing\"\n");
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &addr, "-CAfile", ca.to_str().unwrap(), "-alpn", "http/1.1", "-quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl runs");
    use std::io::Write as _;
    child.stdin.as_mut().unwrap().write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let out = crate::support::wait_within(child, Duration::from_secs(10));
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("connection: close") && said.contains("unexpected eof while reading"), "{said}");
    stop(mock);
}

/// HTTP/2 over TLS (ALPN `h2`) meets the mock's HTTP/2 faults as h2c does, alongside a TLS one.
#[test]
fn h2_over_tls_meets_the_http2_faults() {
    let _guard = shared();
    let (result, _) = run_tls(
        "tls-h2-faults",
        "[[fault]]\nkind = \"rst_stream\"\nprobability = 0.5\n",
        "[[client]]\nname = \"h2\"\nhttp = \"2\"\n",
    );
    let c = client(&result, "h2");
    let refused = errors(c, "refused_stream");
    assert!((8..=32).contains(&refused), "about half the streams refused: {:?}", c.total.errors);
    assert_eq!(c.total.ok + refused, 40, "{:?}", c.total.errors);
    assert_eq!(c.total.tls_handshake_time.count, c.connections.opened, "over TLS");
}

/// `[mock.serverless] cold_handshake`: a handshake that finds no instance warm waits for the one
/// starting (here the first, and one after each freeze); the rest, to a warm instance, do not.
#[test]
fn a_cold_start_includes_its_handshake_cost() {
    let _guard = shared();
    let (result, _) = run_tls(
        "tls-cold-handshake",
        "[mock.serverless]\ninstances = 1\nconcurrency = 64\nfreeze_after = \"5s\"\ninit = \"10ms\"\n\
         cold_handshake = \"300ms\"\n",
        "[[client]]\nname = \"fresh\"\nkeep_alive = false\n",
    );
    let c = client(&result, "fresh");
    assert_eq!(c.total.ok, 40, "{:?}", c.total.errors);
    let tls = &c.total.tls_handshake_time;
    assert!(tls.max_us >= 290_000, "the first handshake waited for the cold start: max {}µs", tls.max_us);
    assert!(tls.p50_us < 100_000, "handshakes to the warm instance did not: p50 {}µs", tls.p50_us);
}
