//! Hostile peers met by the standalone servers as separate processes: what their file
//! descriptors (`/proc/<pid>/fd`) and CPU time (`/proc/<pid>/stat`) do when clients leave an
//! upstream that never answers, and when the mock runs out of descriptors. Linux only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(10);

/// Starts `command`, returns it with the address it printed first.
fn start(mut command: Command) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim().to_string())
}

/// SIGTERM, not SIGINT: a suite started as a background job inherits SIGINT ignored, and the
/// `sh -c … exec` in between keeps it so (a stop that never came hung the test). Killed, and the
/// test failed, if the server outlives `LIMIT` after it.
fn stop(child: Child) {
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    crate::support::wait_within(child, LIMIT);
}

fn fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// Polls `value` every 20 ms until `done` holds or `within` passes; the last value and when.
fn wait_for(within: Duration, mut value: impl FnMut() -> usize, done: impl Fn(usize) -> bool) -> (usize, Duration) {
    let start = Instant::now();
    loop {
        let v = value();
        if done(v) || start.elapsed() >= within {
            return (v, start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An upstream that accepts and then neither reads, answers nor closes, until `stop` is set.
fn silent_upstream() -> (String, Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    let thread = std::thread::spawn(move || {
        let mut held = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !stopped.load(Relaxed) && Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    (addr, stop, thread)
}

#[test]
fn the_proxy_frees_both_sockets_when_clients_leave_a_silent_upstream() {
    let _load = crate::support::exclusive();
    let (upstream, stop_upstream, upstream_thread) = silent_upstream();
    // The command line's limit wins over the config's.
    let config = crate::support::scratch("peers-proxy").join("proxy.toml");
    std::fs::write(&config, "[proxy]\nhalf_close_timeout = \"30s\"\n").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosload"));
    command.args(["proxy", "--upstream", &upstream, "--half-close-timeout", "1s", "--config"]).arg(&config);
    let (proxy, addr) = start(command);
    let pid = proxy.id();
    let (baseline, _) = wait_for(Duration::from_millis(200), || fds(pid), |_| false);

    let clients: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
            stream
        })
        .collect();
    let (during, _) = wait_for(LIMIT, || fds(pid), |n| n >= baseline + 200);
    assert!(during >= baseline + 200, "each client holds two sockets in the proxy: {baseline} → {during}");
    drop(clients);
    let (after, took) = wait_for(LIMIT, || fds(pid), |n| n <= baseline);
    eprintln!("proxy fds: before {baseline}, with 100 clients {during}, after they left {after} ({took:?})");
    assert!(
        after <= baseline,
        "the proxy still holds {after} fds (baseline {baseline}) {took:?} after the clients left"
    );
    // The upstream had its second to answer; the pairs end after it, not at once.
    assert!(took >= Duration::from_millis(800), "freed after {took:?}, before the half-close timeout");
    stop(proxy);
    stop_upstream.store(true, Relaxed);
    upstream_thread.join().unwrap();
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn the_mock_out_of_descriptors_backs_off_and_serves_again_once_they_free() {
    let _load = crate::support::exclusive();
    // A lowered limit, soft and hard (so no raise at start can undo it), in the child only.
    let mut command = Command::new("sh");
    command.args(["-c", "ulimit -S -n 40 && ulimit -H -n 40 && exec \"$0\" mock", env!("CARGO_BIN_EXE_chaosload")]);
    let (mock, addr) = start(command);
    let pid = mock.id();

    let idle: Vec<TcpStream> = (0..60).map(|_| TcpStream::connect(&addr).unwrap()).collect();
    let (held, _) = wait_for(LIMIT, || fds(pid), |n| n >= 40);
    // (Descriptors it inherited above the limit count too.)
    assert!(held >= 40, "the mock ran out of descriptors: {held}");
    // Connections beyond the limit wait in the backlog; accept keeps failing with EMFILE.
    let cpu_before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(1));
    let spent = cpu_ticks(pid) - cpu_before;
    eprintln!("mock at EMFILE: {spent} CPU ticks in 1 s");
    assert!(spent < 15, "the accept loop spins on EMFILE: {spent} ticks of CPU in 1 s");

    let mut request = TcpStream::connect(&addr).unwrap();
    request.set_read_timeout(Some(LIMIT)).unwrap();
    request.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").unwrap();
    drop(idle);
    let asked = Instant::now();
    let mut response = String::new();
    let _ = request.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 200 OK"), "served once descriptors freed: {response:?}");
    eprintln!("served {:?} after the idle connections closed", asked.elapsed());
    stop(mock);
}
