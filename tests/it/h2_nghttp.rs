//! The mock's HTTP/2 faults as nghttp (nghttp2's client, prior-knowledge h2c), a client nobody
//! here wrote, sees them on the wire: the GOAWAY's last-stream id and code, RST_STREAM's code,
//! SETTINGS_MAX_CONCURRENT_STREAMS in the server's SETTINGS, a late SETTINGS, and connection
//! faults that end the connection without a GOAWAY. Each runs a standalone `chaosload mock` and
//! reads `nghttp -v`'s frame log. Skipped without nghttp, except under CI (`.ci/run` installs
//! nghttp2-client).

use crate::standalone::start;
use crate::support::{output_within, scratch};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::process::{Child, Command};
use std::time::Duration;

fn nghttp_present() -> bool {
    if Command::new("nghttp").arg("--version").output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "nghttp is missing: .ci/run installs nghttp2-client");
    eprintln!("skipped: nghttp is not installed (apt-get install nghttp2-client)");
    false
}

/// A standalone mock with `config` (a `[mock]` and `[[fault]]`s), and its address.
fn mock(name: &str, config: &str) -> (Child, String) {
    let file = scratch(&format!("nghttp-{name}")).join("mock.toml");
    std::fs::write(&file, config).unwrap();
    start(&["mock", "--config", file.to_str().unwrap()])
}

fn stop(mut child: Child) {
    kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
    let _ = child.wait();
}

/// `nghttp -v` against the mock: its frame log (stdout and stderr) and exit code.
fn nghttp(addr: &str, extra: &[&str]) -> (String, Option<i32>) {
    let url = format!("http://{addr}/");
    let out = output_within(
        Command::new("nghttp").args(["-v", "--timeout=5"]).args(extra).arg(&url),
        Duration::from_secs(20),
    );
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (text, out.status.code())
}

/// The lines of the frames of `kind` nghttp received, each with its detail line.
fn received(log: &str, kind: &str) -> Vec<String> {
    let lines: Vec<&str> = log.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains(&format!("recv {kind} frame")))
        .map(|(i, l)| format!("{l} {}", lines.get(i + 1).map_or("", |d| d.trim())))
        .collect()
}

/// A fixed latency of `ms` milliseconds.
fn latency(ms: u64) -> String {
    format!("[mock]\nlatency = {{ dist = \"uniform\", min = \"{ms}ms\", max = \"{ms}ms\" }}\n")
}

#[test]
fn nghttp_sees_the_goaways_last_stream_id_and_code() {
    if !nghttp_present() {
        return;
    }
    // A GOAWAY at a moment of every 300 ms window, while the one request (1 s) is in flight.
    let windows = "at = \"0s\"\nfor = \"10ms\"\nevery = \"300ms\"\n";
    let (m, addr) = mock(
        "abrupt",
        &format!(
            "{}[[fault]]\nkind = \"goaway\"\nmode = \"abrupt\"\nerror_code = \"enhance_your_calm\"\n{windows}",
            latency(1000)
        ),
    );
    let (log, _) = nghttp(&addr, &[]);
    stop(m);
    let goaways = received(&log, "GOAWAY");
    assert_eq!(goaways.len(), 1, "{log}");
    // Nothing was answered: the last stream processed is 0, the code the fault's.
    assert!(goaways[0].contains("last_stream_id=0, error_code=ENHANCE_YOUR_CALM(0x0b)"), "{log}");
    assert!(!log.contains(":status: 200"), "{log}");

    // Graceful: 2^31-1 first (RFC 9113's shutdown), then the stream received; it is answered.
    let (m, addr) = mock("graceful", &format!("{}[[fault]]\nkind = \"goaway\"\n{windows}", latency(1000)));
    let (log, code) = nghttp(&addr, &[]);
    stop(m);
    let goaways = received(&log, "GOAWAY");
    assert!(goaways.len() == 2, "{log}");
    assert!(goaways[0].contains("last_stream_id=2147483647, error_code=NO_ERROR(0x00)"), "{log}");
    assert!(goaways[1].contains("error_code=NO_ERROR(0x00)") && !goaways[1].contains("last_stream_id=0,"), "{log}");
    assert!(log.contains(":status: 200") && code == Some(0), "{log}");

    // Graceful, refusing what is in flight: RST_STREAM REFUSED_STREAM, no response.
    let (m, addr) =
        mock("refuse", &format!("{}[[fault]]\nkind = \"goaway\"\nin_flight = \"refuse\"\n{windows}", latency(1000)));
    let (log, _) = nghttp(&addr, &[]);
    stop(m);
    assert!(received(&log, "RST_STREAM").iter().any(|r| r.contains("error_code=REFUSED_STREAM(0x07)")), "{log}");
    assert!(!received(&log, "GOAWAY").is_empty() && !log.contains(":status: 200"), "{log}");
}

#[test]
fn nghttp_sees_rst_stream_codes_and_the_stream_limit() {
    if !nghttp_present() {
        return;
    }
    let (m, addr) = mock("rst", "[[fault]]\nkind = \"rst_stream\"\nerror_code = \"enhance_your_calm\"\n");
    let (log, _) = nghttp(&addr, &[]);
    stop(m);
    let resets = received(&log, "RST_STREAM");
    assert_eq!(resets.len(), 1, "{log}");
    assert!(resets[0].contains("error_code=ENHANCE_YOUR_CALM(0x0b)"), "{log}");
    assert!(received(&log, "GOAWAY").is_empty(), "the connection goes on: {log}");

    let (m, addr) =
        mock("streams", &format!("{}[[fault]]\nkind = \"max_concurrent_streams\"\nmax = 2\n", latency(200)));
    let (log, _) = nghttp(&addr, &["-m", "6"]);
    stop(m);
    assert!(log.contains("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):2]"), "the mock advertises 2: {log}");
    // nghttp opens all six before it reads the SETTINGS: those past the limit are refused.
    let refused = received(&log, "RST_STREAM").iter().filter(|r| r.contains("REFUSED_STREAM")).count();
    let answered = log.matches(":status: 200").count();
    assert_eq!((refused, answered), (4, 2), "{log}");
}

#[test]
fn nghttp_meets_a_late_settings_and_connection_faults_without_goaway() {
    if !nghttp_present() {
        return;
    }
    let (m, addr) = mock("settings", "[[fault]]\nkind = \"settings_delay\"\ndelay = \"600ms\"\n");
    let (log, code) = nghttp(&addr, &[]);
    stop(m);
    // nghttp stamps each frame with the seconds since it connected.
    let settings = log.lines().find(|l| l.contains("recv SETTINGS frame")).expect("a SETTINGS frame");
    let at: f64 = settings.trim_start_matches('[').split(']').next().unwrap().trim().parse().unwrap();
    assert!(at >= 0.59, "SETTINGS came {at} s in: {log}");
    assert!(code == Some(0) && log.contains(":status: 200"), "{log}");

    // A response, then FIN without GOAWAY; a reset; garbage instead of frames: none is a GOAWAY
    // from the server, and only the close's response is a response.
    for (name, fault, answered) in [
        ("close", "kind = \"close\"", true),
        ("reset", "kind = \"reset\"", false),
        ("empty", "kind = \"empty_response\"", false),
        ("garbage", "kind = \"malformed\"\nform = \"garbage\"", false),
    ] {
        let (m, addr) = mock(name, &format!("[[fault]]\n{fault}\n"));
        let (log, _) = nghttp(&addr, &[]);
        stop(m);
        assert!(received(&log, "GOAWAY").is_empty(), "{name}: {log}");
        assert_eq!(log.contains(":status: 200"), answered, "{name}: {log}");
    }
}
