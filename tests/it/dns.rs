//! `chaosload dns` as clients nobody here wrote meet it: dig (Debian's dnsutils) over UDP and
//! TCP, the fault codes, a delayed answer whose query time dig measures, and TC with `truncate`.
//! Without dig the tests are skipped, except under CI (`CI` set), where `.ci/run` installs it.

use crate::support::{chaosload_with_signals, output_within, scratch, timed, wait_within};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The longest a dig (or a stub's start) may take before the test fails.
const LIMIT: Duration = Duration::from_secs(20);

const CONFIG: &str = r#"
name = "ignored"
seed = 5
[dns]
records = [
  { name = "upstream.test", a = "127.0.0.1", ttl = "30s" },
  { name = "alias.test", cname = "upstream.test" },
  { name = "v6.test", aaaa = ["::1"] },
]
nameservers = 2
[[fault]]
layer = "dns"
kind = "servfail"
name = "bad.test"
[[fault]]
layer = "dns"
kind = "delay"
delay = "400ms"
name = "slow.test"
[[fault]]
layer = "dns"
kind = "truncate"
name = "upstream.test"
server = 2
[[fault]]
kind = "status"
code = 503
"#;

fn have_dig() -> bool {
    if Command::new("dig").arg("-v").output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "dig is missing: .ci/run installs dnsutils");
    eprintln!("skipped: dig is not installed (Debian: dnsutils)");
    false
}

/// A running `chaosload dns` and the addresses it printed, one line per nameserver.
struct Stub {
    child: Child,
    ports: Vec<String>,
}

impl Stub {
    /// Starts `chaosload dns --config` on `config` (two nameservers: two address lines).
    fn start(config: &str) -> Stub {
        let dir = scratch("dns-dig");
        let path = dir.join("dns.toml");
        std::fs::write(&path, config).unwrap();
        let mut child = chaosload_with_signals(&[])
            .args(["dns", "--config", path.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ports = (0..2)
            .map(|_| {
                let line = lines.next().expect("an address line").unwrap();
                let (ip, port) = line.rsplit_once(':').expect("ADDR:PORT");
                assert_eq!(ip, "127.0.0.1", "loopback by default");
                port.to_string()
            })
            .collect();
        Stub { child, ports }
    }

    /// dig at nameserver `server` (1-based); its whole output.
    fn dig(&self, server: usize, args: &[&str]) -> String {
        let port = &self.ports[server - 1];
        let out = output_within(
            Command::new("dig").args(["@127.0.0.1", "-p", port, "+time=3", "+tries=1"]).args(args),
            LIMIT,
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// SIGINT (Ctrl-C): the stub stops cleanly (exit 0) and says what it counted.
    fn stop(self) -> String {
        self.stop_with(Signal::SIGINT)
    }

    fn stop_with(self, signal: Signal) -> String {
        kill(Pid::from_raw(self.child.id() as i32), signal).unwrap();
        let out = wait_within(self.child, LIMIT);
        assert!(out.status.success(), "{:?}", out.status);
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

fn status(dig: &str) -> &str {
    dig.split("status: ").nth(1).and_then(|s| s.split(',').next()).unwrap_or("none")
}

#[test]
fn dig_gets_answers_over_udp_and_tcp_and_the_faults_codes() {
    if !have_dig() {
        return;
    }
    let stub = Stub::start(CONFIG);
    let answer = stub.dig(1, &["upstream.test", "A"]);
    assert_eq!(status(&answer), "NOERROR", "{answer}");
    assert!(answer.contains("flags: qr aa rd;"), "authoritative, RD copied, RA clear:\n{answer}");
    assert!(answer.contains("upstream.test.\t\t30\tIN\tA\t127.0.0.1"), "{answer}");
    assert!(answer.contains("(UDP)"), "{answer}");
    let answer = stub.dig(1, &["+tcp", "alias.test", "A"]);
    assert!(answer.contains("(TCP)"), "{answer}");
    assert!(answer.contains("alias.test.\t\t30\tIN\tCNAME\tupstream.test."), "{answer}");
    assert!(answer.contains("upstream.test.\t\t30\tIN\tA\t127.0.0.1"), "{answer}");
    let answer = stub.dig(1, &["+short", "v6.test", "AAAA"]);
    assert_eq!(answer.trim(), "::1");
    let answer = stub.dig(1, &["nope.test", "A"]);
    assert_eq!(status(&answer), "NXDOMAIN", "{answer}");
    assert!(answer.contains("IN\tSOA"), "the SOA for negative caching:\n{answer}");
    assert_eq!(status(&stub.dig(1, &["bad.test", "A"])), "SERVFAIL");
    assert_eq!(status(&stub.dig(1, &["+tcp", "bad.test", "A"])), "SERVFAIL");
    let stats = stub.stop();
    assert!(stats.contains(" 6 queries,"), "{stats}");
}

#[test]
fn dig_sees_tc_with_truncate_and_retries_over_tcp() {
    if !have_dig() {
        return;
    }
    let stub = Stub::start(CONFIG);
    assert_ne!(stub.ports[0], stub.ports[1]);
    // Nameserver 2 truncates: +ignore shows the TC bit and the empty answer.
    let truncated = stub.dig(2, &["+ignore", "upstream.test", "A"]);
    assert!(truncated.contains("flags: qr aa tc rd;"), "{truncated}");
    assert!(truncated.contains("ANSWER: 0"), "{truncated}");
    // Without +ignore, dig retries over TCP and gets the answer.
    let retried = stub.dig(2, &["upstream.test", "A"]);
    assert!(retried.contains("Truncated, retrying in TCP mode"), "{retried}");
    assert!(retried.contains("(TCP)") && retried.contains("IN\tA\t127.0.0.1"), "{retried}");
    // Nameserver 1 is not selected by the fault.
    let plain = stub.dig(1, &["upstream.test", "A"]);
    assert!(plain.contains("flags: qr aa rd;") && plain.contains("(UDP)"), "{plain}");
    // What `docker stop` and systemd send stops it as cleanly as Ctrl-C.
    let stats = stub.stop_with(Signal::SIGTERM);
    assert!(stats.contains(" 2 truncated"), "the +ignore answer and dig's first try: {stats}");
}

/// dig's own `;; Query time: N msec`, in ms.
fn query_time_ms(dig: &str) -> u64 {
    let line = dig.lines().find(|l| l.starts_with(";; Query time:")).unwrap_or_else(|| panic!("{dig}"));
    line.split_whitespace().nth(3).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{line}"))
}

#[test]
fn dig_measures_the_delay_of_a_delayed_answer() {
    if !have_dig() {
        return;
    }
    let stub = Stub::start(CONFIG);
    let measured = timed("dig query time", || {
        let slow = stub.dig(1, &["slow.test", "A"]);
        let fast = stub.dig(1, &["upstream.test", "A"]);
        assert_eq!(status(&slow), "NXDOMAIN", "a delayed answer is still the answer:\n{slow}");
        (query_time_ms(&slow), query_time_ms(&fast))
    });
    let (slow, fast) = measured.result;
    // A lower bound and a generous upper one always hold (398: dig truncates to whole ms and
    // reads clocks of its own, 399 was seen); the tolerance needs a quiet machine.
    assert!((398..2000).contains(&slow), "{slow} ms for a 400 ms delay");
    measured.timing("dig's query time matches the delay", |&(slow, fast)| {
        assert!((398..=440).contains(&slow), "{slow} ms for a 400 ms delay");
        assert!(fast <= 20, "{fast} ms for an undelayed answer");
    });
    assert!(fast < 2000, "{fast} ms for an undelayed answer");
    stub.stop();
}

#[test]
fn a_bad_dns_config_is_exit_2_with_located_errors() {
    let dir = scratch("dns-bad-config");
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[dns]\nrecords = [ { name = \"a..test\", a = \"1.2.3\" } ]\nnameservers = 0\n\
         [[fault]]\nlayer = \"dns\"\nkind = \"flap\"\nanswers = [\"127.0.0.1\"]\n",
    )
    .unwrap();
    let out = output_within(chaosload_with_signals(&[]).args(["dns", "--config", path.to_str().unwrap()]), LIMIT);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for located in [
        "bad.toml:2:22: dns.records[0].name",
        "bad.toml:2:37: dns.records[0].a",
        "bad.toml:3:15: dns.nameservers",
        "fault[0].answers",
        "hint: ",
    ] {
        assert!(stderr.contains(located), "{located} in\n{stderr}");
    }
}
