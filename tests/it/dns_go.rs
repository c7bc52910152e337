//! Go's own pure resolver (`tests/go/dnsprobe`, built here with `go build`) against `chaosload dns`:
//! the DNS faults as a real client nobody here wrote meets them (delay, drop, servfail, refused,
//! nxdomain, truncate, flap), with its own retries, timeouts and TCP fallback; dnsmasq is the
//! control. Skipped when `go` is missing, except under CI (`.ci/run` installs golang-go).
//!
//! Go never talks to a real nameserver: the probe's `Dial` override sends every query to the
//! address it is given, whatever server Go picked from /etc/resolv.conf (Go's error messages
//! still name that server: "lookup x on 10.0.0.1:53" is only its label), and it is built with
//! `CGO_ENABLED=0`, so libc's resolver is not linked in. This file reads only resolv.conf's
//! `options` line (Go's per-query timeout and attempts), never its servers.

use crate::support::{exclusive, first_line, go_build, output_within, scratch, timed, wait_within};
use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RecordType};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde::Deserialize;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

/// One lookup as Go's resolver ended it (a line of the probe's output).
#[derive(Debug, Deserialize)]
struct Lookup {
    name: String,
    /// The lookup's wall time in µs, measured by Go around `Resolver.LookupIP`.
    us: u64,
    /// "ok", "not_found" (`DNSError.IsNotFound`), "timeout" (`IsTimeout`) or "other".
    class: String,
    temporary: bool,
    addrs: Vec<String>,
    #[serde(default)]
    error: String,
}

impl Lookup {
    fn took(&self) -> Duration {
        Duration::from_micros(self.us)
    }
}

/// The probe binary, built once per test process; `None` (the test skips) when Go is missing
/// outside CI.
fn go_probe() -> Option<&'static Path> {
    static PROBE: OnceLock<Option<PathBuf>> = OnceLock::new();
    PROBE.get_or_init(|| go_build("tests/go/dnsprobe", "dnsprobe")).as_deref()
}

/// Go's per-query timeout and attempts, as Go reads them from resolv.conf's `options` line
/// (src/net/dnsconfig_unix.go: `timeout:n` and `attempts:n`, each at least 1; defaults 5 s and
/// 2). Only the `options` line is read.
fn go_resolver_timing() -> (Duration, u32) {
    let (mut timeout, mut attempts) = (5, 2);
    let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    for line in conf.lines() {
        let mut words = line.split_whitespace();
        if words.next() != Some("options") {
            continue;
        }
        for option in words {
            // Go's dtoi: the leading digits (none = 0), then the floor of 1.
            let number = |s: &str| s.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0);
            if let Some(n) = option.strip_prefix("timeout:") {
                timeout = number(n).max(1);
            } else if let Some(n) = option.strip_prefix("attempts:") {
                attempts = number(n).max(1);
            }
        }
    }
    (Duration::from_secs(timeout), attempts as u32)
}

/// A DNS server as a child (`chaosload dns`, or dnsmasq for the control), stopped with SIGTERM
/// when dropped and killed if it outlives 10 s after it.
struct Nameserver {
    child: Option<Child>,
    addr: String,
}

impl Nameserver {
    /// `chaosload dns --config <config> --listen 127.0.0.1:0`, at the address it printed first.
    fn stub(config: &str) -> Nameserver {
        let path = scratch("dns-go").join("dns.toml");
        std::fs::write(&path, config).unwrap();
        let mut child = crate::support::chaosload_with_signals(&[])
            .args(["dns", "--config"])
            .arg(&path)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let addr = first_line(&mut child, Duration::from_secs(10)).unwrap_or_default().trim().to_string();
        if !addr.starts_with("127.0.0.1:") {
            let _ = child.kill();
            let out = wait_within(child, Duration::from_secs(10));
            panic!(
                "chaosload dns printed {addr:?} as its first line, stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Nameserver { child: Some(child), addr }
    }

    /// Looks `names` up in turn with Go's resolver (`network`: "ip4" asks A only), each bounded by
    /// `each` (Go's own timeouts act within it); the probe process is bounded too.
    fn go_lookups(&self, probe: &Path, network: &str, each: Duration, names: &[&str]) -> Vec<Lookup> {
        let limit = each * names.len() as u32 + Duration::from_secs(30);
        let out = output_within(
            Command::new(probe)
                .args(["-server", &self.addr, "-network", network, "-timeout"])
                .arg(format!("{}ms", each.as_millis()))
                .args(names),
            limit,
        );
        assert!(out.status.success(), "dnsprobe: {}", String::from_utf8_lossy(&out.stderr));
        let lookups: Vec<Lookup> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect();
        assert_eq!(lookups.len(), names.len(), "one line per lookup: {lookups:?}");
        for lookup in &lookups {
            eprintln!(
                "go via {}: {} {} in {:?} {:?} {}",
                self.addr,
                lookup.name,
                lookup.class,
                lookup.took(),
                lookup.addrs,
                lookup.error
            );
        }
        lookups
    }
}

impl Drop for Nameserver {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
            let out = wait_within(child, Duration::from_secs(10));
            if !std::thread::panicking() {
                assert!(out.status.success(), "nameserver {} on SIGTERM: {:?}", self.addr, out.status);
            }
        }
    }
}

/// A stub config: `live.test` → 127.0.0.1 and `other.test` → 127.0.0.2, plus `faults`.
fn config(faults: &str) -> String {
    format!(
        "seed = 7\n[dns]\nrecords = [\n  {{ name = \"live.test\", a = \"127.0.0.1\", ttl = \"30s\" }},\n  \
         {{ name = \"other.test\", a = \"127.0.0.2\", ttl = \"30s\" }},\n]\n{faults}"
    )
}

/// Bounds each lookup of a test that expects no timeout step: an answer, whatever it says, comes
/// in milliseconds; only a lost query takes Go's timeout.
const ANSWERED_WITHIN: Duration = Duration::from_secs(3);

#[test]
fn go_resolves_records_and_meets_nxdomain_for_unknown_and_faulted_names() {
    let Some(probe) = go_probe() else { return };
    let stub = Nameserver::stub(&config("[[fault]]\nlayer = \"dns\"\nkind = \"nxdomain\"\nname = \"other.test\"\n"));
    let (timeout, _) = go_resolver_timing();
    let got = stub.go_lookups(probe, "ip4", timeout * 4, &["live.test.", "other.test.", "missing.test."]);
    assert_eq!((got[0].class.as_str(), got[0].addrs.as_slice()), ("ok", &["127.0.0.1".to_string()][..]), "{got:?}");
    for nx in &got[1..] {
        assert_eq!(nx.class, "not_found", "NXDOMAIN is Go's IsNotFound: {nx:?}");
        assert!(!nx.temporary, "{nx:?}");
        // Go returns NXDOMAIN at once, without trying the next server or attempt.
        assert!(nx.took() < ANSWERED_WITHIN, "{nx:?}");
    }
}

#[test]
fn go_meets_servfail_as_a_temporary_error_and_refused_as_another() {
    let Some(probe) = go_probe() else { return };
    let stub = Nameserver::stub(&config(
        "[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nname = \"live.test\"\n\
         [[fault]]\nlayer = \"dns\"\nkind = \"refused\"\nname = \"other.test\"\n",
    ));
    let (timeout, _) = go_resolver_timing();
    let got = stub.go_lookups(probe, "ip4", timeout * 4, &["live.test.", "other.test."]);
    for failed in &got {
        // Not IsNotFound (the name exists) and not a timeout (an answer came): "server misbehaving".
        assert_eq!(failed.class, "other", "{failed:?}");
        assert!(failed.addrs.is_empty() && failed.error.contains("misbehaving"), "{failed:?}");
        assert!(failed.took() < ANSWERED_WITHIN, "answered, not lost: {failed:?}");
    }
    // Go marks SERVFAIL (and only it) temporary: a retry may succeed, REFUSED will not.
    assert!(got[0].temporary, "SERVFAIL: {:?}", got[0]);
    assert!(!got[1].temporary, "REFUSED: {:?}", got[1]);
}

#[test]
fn go_retries_a_truncated_answer_over_tcp_and_gets_the_record() {
    let Some(probe) = go_probe() else { return };
    let stub = Nameserver::stub(&config("[[fault]]\nlayer = \"dns\"\nkind = \"truncate\"\nname = \"live.test\"\n"));
    // Every UDP answer for live.test carries TC (asked here with hickory-proto's wire format)…
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut query = Message::query();
    query.add_query(Query::query(Name::from_str("live.test.").unwrap(), RecordType::A));
    query.metadata.id = 4242;
    query.metadata.recursion_desired = true;
    for _ in 0..3 {
        socket.send_to(&query.to_vec().unwrap(), &stub.addr).unwrap();
        let mut buf = [0u8; 4096];
        let n = socket.recv(&mut buf).expect("the stub answers over UDP");
        let answer = Message::from_vec(&buf[..n]).unwrap();
        assert!(answer.metadata.truncation, "TC on the UDP answer: {answer:?}");
    }
    // …so Go's only way to the address is its TCP retry (RFC 5966).
    let (timeout, _) = go_resolver_timing();
    let got = stub.go_lookups(probe, "ip4", timeout * 4, &["live.test.", "live.test."]);
    for lookup in &got {
        assert_eq!(
            (lookup.class.as_str(), lookup.addrs.as_slice()),
            ("ok", &["127.0.0.1".to_string()][..]),
            "{lookup:?}"
        );
        assert!(lookup.took() < ANSWERED_WITHIN, "no timeout step on the way: {lookup:?}");
    }
}

#[test]
fn go_waits_out_a_delayed_answer() {
    let Some(probe) = go_probe() else { return };
    let _load = exclusive();
    let delay = Duration::from_millis(300);
    let stub = Nameserver::stub(&config(
        "[[fault]]\nlayer = \"dns\"\nkind = \"delay\"\nname = \"live.test\"\ndelay = \"300ms\"\n",
    ));
    let names = ["live.test.", "other.test.", "live.test.", "other.test.", "live.test."];
    let run = timed("go_waits_out_a_delayed_answer", || stub.go_lookups(probe, "ip4", Duration::from_secs(4), &names));
    let (delayed, undelayed): (Vec<&Lookup>, Vec<&Lookup>) = run.result.iter().partition(|l| l.name == "live.test.");
    for lookup in run.result.iter() {
        assert_eq!(lookup.class, "ok", "{lookup:?}");
    }
    for lookup in &delayed {
        // A lower bound always holds: no answer can come before the delay is over.
        assert!(lookup.took() >= delay, "{lookup:?}");
        assert!(lookup.took() < ANSWERED_WITHIN, "{lookup:?}");
    }
    run.timing("the lookup's time is the delay", |lookups| {
        for lookup in lookups {
            let expected = if lookup.name == "live.test." { delay } else { Duration::ZERO };
            let window = expected..expected + Duration::from_millis(100);
            assert!(window.contains(&lookup.took()), "{lookup:?} outside {window:?}");
        }
    });
    assert_eq!(undelayed.len(), 2);
}

#[test]
fn go_retries_a_dropped_query_after_its_timeout() {
    let Some(probe) = go_probe() else { return };
    let _load = exclusive();
    let (timeout, attempts) = go_resolver_timing();
    assert!(attempts >= 2, "resolv.conf sets attempts:{attempts}: Go would not retry a dropped query");
    // Every second A query is dropped: the first lookup's query is answered, the second lookup's
    // first query is lost, and Go sends it again once its per-query timeout (from resolv.conf)
    // has passed; that one is answered.
    let stub =
        Nameserver::stub(&config("[[fault]]\nlayer = \"dns\"\nkind = \"drop\"\nname = \"live.test\"\nevery_nth = 2\n"));
    let each = timeout * (attempts + 1);
    let run = timed("go_retries_a_dropped_query_after_its_timeout", || {
        stub.go_lookups(probe, "ip4", each, &["live.test.", "live.test."])
    });
    let [first, second] = &run.result[..] else { unreachable!() };
    for lookup in [first, second] {
        assert_eq!(
            (lookup.class.as_str(), lookup.addrs.as_slice()),
            ("ok", &["127.0.0.1".to_string()][..]),
            "{lookup:?}"
        );
    }
    assert!(first.took() < timeout, "the first query is answered: {first:?}");
    // The step is Go's timeout: never less (a lower bound holds on any machine), and one step only.
    assert!(second.took() >= timeout, "the second waited Go's {timeout:?}: {second:?}");
    assert!(second.took() < timeout * 2, "one lost query, one step: {second:?}");
    run.timing("the step is Go's per-query timeout", |_| {
        assert!(first.took() < Duration::from_millis(100), "{first:?}");
        let window = timeout..timeout + Duration::from_millis(300);
        assert!(window.contains(&second.took()), "{second:?} outside {window:?}");
    });
}

/// The control: the same probe against Debian's dnsmasq serving the same record, so what the
/// tests above read from Go (its classes, its addresses, that every query reaches the address
/// given) is Go's reading of a server nobody here wrote either, not an agreement between the
/// stub and the probe. Skipped without dnsmasq, except under CI.
#[test]
fn go_probe_reads_dnsmasq_as_go_does() {
    let Some(probe) = go_probe() else { return };
    if Command::new("dnsmasq").arg("--version").output().is_err() && !Path::new("/usr/sbin/dnsmasq").exists() {
        assert!(std::env::var_os("CI").is_none(), "dnsmasq is missing: .ci/run installs it");
        eprintln!("skipped: dnsmasq is not installed");
        return;
    }
    let dir = scratch("dns-go-dnsmasq");
    std::fs::write(dir.join("hosts"), "127.0.0.1 live.test\n").unwrap();
    // A port nobody holds now for UDP nor TCP (dnsmasq binds both, cannot bind port 0 and say
    // which port it got, and fails to start when the TCP port is taken, as ephemeral ports of
    // other tests' connections may be under a full suite).
    let port = crate::resolver::free_port();
    let dnsmasq = if Path::new("/usr/sbin/dnsmasq").exists() { "/usr/sbin/dnsmasq" } else { "dnsmasq" };
    // Serves the hosts file only: no upstream (--no-resolv, no --server), and --local makes every
    // other name under .test NXDOMAIN, as the stub answers unknown names.
    let child = Command::new(dnsmasq)
        .args(["--keep-in-foreground", "--conf-file=/dev/null", "--bind-interfaces", "--listen-address=127.0.0.1"])
        .arg(format!("--port={port}"))
        .args(["--no-resolv", "--no-hosts", "--local=/test/", "--local-ttl=30", "--user=nobody", "--group=nogroup"])
        .arg(format!("--addn-hosts={}", dir.join("hosts").display()))
        .arg(format!("--pid-file={}", dir.join("dnsmasq.pid").display()))
        .arg(format!("--log-facility={}", dir.join("dnsmasq.log").display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dnsmasq starts");
    let server = Nameserver { child: Some(child), addr: format!("127.0.0.1:{port}") };
    // dnsmasq says nothing when ready: ask until it answers (bounded, 100 ms a try).
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
    let mut query = Message::query();
    query.add_query(Query::query(Name::from_str("live.test.").unwrap(), RecordType::A));
    let ready = (0..100).any(|_| {
        socket.send_to(&query.to_vec().unwrap(), &server.addr).is_ok() && socket.recv(&mut [0u8; 512]).is_ok()
    });
    assert!(ready, "dnsmasq answered nothing on {} within 10 s", server.addr);
    let (timeout, _) = go_resolver_timing();
    let got = server.go_lookups(probe, "ip4", timeout * 4, &["live.test.", "missing.test."]);
    assert_eq!((got[0].class.as_str(), got[0].addrs.as_slice()), ("ok", &["127.0.0.1".to_string()][..]), "{got:?}");
    assert_eq!(got[1].class, "not_found", "{got:?}");
}

/// Go's pure resolver keeps no cache (the point about `net/http` resolving on every new
/// connection): each lookup asks again, so `flap`'s alternating answers reach Go one by one.
#[test]
fn go_follows_a_flapping_name_lookup_by_lookup() {
    let Some(probe) = go_probe() else { return };
    let stub = Nameserver::stub(&config(
        "[[fault]]\nlayer = \"dns\"\nkind = \"flap\"\nname = \"live.test\"\nanswers = [\"127.0.0.9\", \"127.0.0.1\"]\n",
    ));
    let (timeout, _) = go_resolver_timing();
    let got = stub.go_lookups(probe, "ip4", timeout * 4, &["live.test."; 4]);
    let seen: Vec<&str> = got.iter().map(|l| l.addrs.first().map_or("none", String::as_str)).collect();
    assert_eq!(seen, ["127.0.0.9", "127.0.0.1", "127.0.0.9", "127.0.0.1"], "{got:?}");
}
