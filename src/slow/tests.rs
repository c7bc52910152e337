//! The cohort runner against small raw TCP servers on 127.0.0.1: what each kind puts on the
//! wire, the pace of its openings, and every fate (held, closed, reset, refused). Timing checks
//! carry wide tolerances: the machine is shared.

use super::*;
use super::{connection, deadlines, stats};
use crate::fault::FaultPlan;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What the test server does with each connection it accepts.
#[derive(Debug, Clone, Copy)]
enum Policy {
    /// Never reads, never writes: the connection is held until the client goes.
    Silent,
    /// Reads (and keeps) everything the client sends.
    Record,
    /// Closes the connection this long after accepting it.
    CloseAfter(Duration),
    /// Resets it (`SO_LINGER` 0) this long after accepting it.
    ResetAfter(Duration),
    /// Writes `n` bytes as fast as the client takes them (small send buffer), then closes once
    /// it has read the request.
    Write(usize),
}

/// What the server saw, per connection, in accept order.
#[derive(Debug, Default)]
struct Seen {
    received: Vec<Vec<u8>>,
    written: Vec<usize>,
    /// A write found the connection unable to take more (the client's window was full).
    stalled: Vec<bool>,
}

struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Seen>>,
}

impl Server {
    fn start(policy: Policy) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || serve(listener, policy, &flag));
        Server { addr, stop, thread: Some(thread) }
    }

    fn stop(mut self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One thread, non-blocking sockets, a 2 ms poll: simple, and bounded by `stop`.
fn serve(listener: TcpListener, policy: Policy, stop: &AtomicBool) -> Seen {
    let mut conns: Vec<Option<(TcpStream, Instant)>> = Vec::new();
    let mut seen = Seen::default();
    let response = vec![b'r'; if let Policy::Write(n) = policy { n } else { 0 }];
    while !stop.load(Ordering::Relaxed) {
        while let Ok((stream, _)) = listener.accept() {
            stream.set_nonblocking(true).unwrap();
            if let Policy::Write(_) = policy {
                socket2::SockRef::from(&stream).set_send_buffer_size(4096).unwrap();
            }
            conns.push(Some((stream, Instant::now())));
            seen.received.push(Vec::new());
            seen.written.push(0);
            seen.stalled.push(false);
        }
        for (i, slot) in conns.iter_mut().enumerate() {
            let Some((stream, since)) = slot else { continue };
            let mut buf = [0u8; 4096];
            if !matches!(policy, Policy::Silent) {
                loop {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => seen.received[i].extend_from_slice(&buf[..n]),
                    }
                }
            }
            match policy {
                Policy::Silent | Policy::Record => {}
                Policy::CloseAfter(d) if since.elapsed() >= d => *slot = None,
                Policy::ResetAfter(d) if since.elapsed() >= d => {
                    socket2::SockRef::from(&*stream).set_linger(Some(Duration::ZERO)).unwrap();
                    *slot = None;
                }
                Policy::CloseAfter(_) | Policy::ResetAfter(_) => {}
                Policy::Write(n) => {
                    while seen.written[i] < n {
                        match stream.write(&response[seen.written[i]..]) {
                            Ok(k) => seen.written[i] += k,
                            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                                seen.stalled[i] = true;
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    // Closed only once the request is read: unread bytes would make the close a reset.
                    if seen.written[i] >= n && seen.received[i].ends_with(b"\r\n\r\n") {
                        *slot = None;
                    }
                }
            }
        }
        std::thread::sleep(ms(2));
    }
    seen
}

fn cohort(kind: impl Into<CohortKind>, connections: u64, per_second: u64, window: Duration) -> FaultPlan<CohortFault> {
    FaultPlan {
        kind: CohortFault { kind: kind.into(), connections, per_second },
        at: Duration::ZERO,
        duration: window,
        every: None,
        probability: 1.0,
    }
}

fn loris(bytes: u64, interval: Duration) -> kinds::Slowloris {
    kinds::Slowloris { bytes, interval }
}

/// Runs one cohort against `addr` until its window has ended (bounded), and returns its record.
fn run(addr: SocketAddr, plan: FaultPlan<CohortFault>) -> CohortRecord {
    let target = CohortTarget { addr, host: "test.local".into(), path: "/slow".into() };
    let limit = plan.duration + Duration::from_secs(15);
    let cohorts = Cohorts::start(CohortConfig { target, cohorts: vec![(3, plan)], epoch: Instant::now() }).unwrap();
    let started = Instant::now();
    while !cohorts.is_done() {
        assert!(started.elapsed() < limit, "the cohort did not end with its window");
        std::thread::sleep(ms(10));
    }
    let mut records = cohorts.finish();
    assert_eq!(records.len(), 1);
    let record = records.remove(0);
    check_invariants(&record);
    record
}

/// Every attempt has exactly one fate; the timeline's openings are the connections opened.
fn check_invariants(r: &CohortRecord) {
    let f = r.fates;
    assert_eq!(f.refused + f.connect_failed + f.closed_by_server + f.reset + f.held_to_end, f.attempts, "{f:?}");
    assert_eq!(f.opened, f.attempts - f.refused - f.connect_failed, "{f:?}");
    assert!(f.answered <= f.closed_by_server + f.reset, "{f:?}");
    assert_eq!(r.held_for.len(), f.closed_by_server + f.reset);
    let opened: u64 = r.timeline.iter().map(|s| s.opened).sum();
    assert!(opened <= f.opened, "timeline {opened} vs {f:?}");
    for (i, second) in r.timeline.iter().enumerate() {
        assert_eq!(second.t_s, i as u64);
    }
}

fn p50_ms(r: &CohortRecord) -> u64 {
    r.held_for.quantile_us(0.5) / 1000
}

/// A server that never reads holds every connection until the window ends; the cohort opens
/// them at its pace, no faster, and closes them all at the end.
#[test]
fn connections_are_held_to_the_end_of_the_window_opened_at_the_pace() {
    let server = Server::start(Policy::Silent);
    let r = run(server.addr, cohort(loris(8, ms(200)), 20, 100, ms(1500)));
    assert_eq!((r.fault, r.kind, r.connections), (3, "slowloris", 20));
    assert_eq!((r.fates.attempts, r.fates.opened, r.fates.held_to_end), (20, 20, 20), "{:?}", r.fates);
    assert_eq!(r.peak_connected, 20);
    assert_eq!(r.timeline.len(), 2, "seconds 0 and 1 of a 1.5 s window: {:?}", r.timeline);
    assert_eq!((r.timeline[0].connected, r.timeline[0].opened), (20, 20));
    let accepted = server.stop().received.len();
    assert_eq!(accepted, 20);

    // 100 wanted at 20 a second in a 2.5 s window: about 50 opened, spread over the seconds.
    let server = Server::start(Policy::Silent);
    let r = run(server.addr, cohort(loris(8, ms(200)), 100, 20, ms(2500)));
    assert!((40..=51).contains(&r.fates.attempts), "{:?}", r.fates);
    assert_eq!(r.fates.held_to_end, r.fates.attempts);
    for second in &r.timeline[..2] {
        assert!((15..=21).contains(&second.opened), "20 a second, never in a burst: {:?}", r.timeline);
    }
}

/// A server closing every connection after 300 ms: each fate is `closed_by_server`, held about
/// 300 ms, and the cohort opens replacements to keep its count.
#[test]
fn connections_the_server_closes_are_counted_timed_and_replaced() {
    let server = Server::start(Policy::CloseAfter(ms(300)));
    let r = run(server.addr, cohort(loris(8, ms(100)), 5, 50, ms(2000)));
    assert!(r.fates.attempts > 10, "replacements opened: {:?}", r.fates);
    assert!(r.fates.closed_by_server >= 10, "{:?}", r.fates);
    // A tick written just as the server closes can draw a reset; the close is the rule.
    assert!(r.fates.reset * 4 <= r.fates.closed_by_server, "{:?}", r.fates);
    assert!((250..=900).contains(&p50_ms(&r)), "held about 300 ms: p50 {} ms", p50_ms(&r));
    assert!(r.peak_connected <= 5);
    assert!(r.timeline.iter().any(|s| s.closed_by_server > 0));
}

/// A server resetting (linger 0) each connection: `reset`, never `closed_by_server`.
#[test]
fn connections_the_server_resets_are_counted_as_reset() {
    let server = Server::start(Policy::ResetAfter(ms(200)));
    let r = run(server.addr, cohort(loris(8, ms(100)), 3, 50, ms(1200)));
    assert!(r.fates.reset >= 3, "{:?}", r.fates);
    assert_eq!(r.fates.closed_by_server, 0, "{:?}", r.fates);
    assert!((150..=800).contains(&p50_ms(&r)), "held about 200 ms: p50 {} ms", p50_ms(&r));

    // slow_read, which reads only at its ticks (1 s apart), sees the reset when it comes.
    let server = Server::start(Policy::ResetAfter(ms(200)));
    let read = kinds::SlowRead { bytes: 5, interval: Duration::from_secs(1), receive_buffer: 512, pipeline: 1 };
    let r = run(server.addr, cohort(read, 2, 50, ms(1500)));
    assert!(r.fates.reset >= 2 && r.fates.closed_by_server == 0, "{:?}", r.fates);
    assert!((150..=800).contains(&p50_ms(&r)), "seen at once, not at the next read: p50 {} ms", p50_ms(&r));
}

/// Nothing listening: every connect is refused, at the pace, for the whole window.
#[test]
fn a_port_with_nothing_listening_refuses_every_connect() {
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let r = run(addr, cohort(loris(8, ms(100)), 5, 20, ms(1000)));
    assert_eq!(r.fates.refused, r.fates.attempts, "{:?}", r.fates);
    assert!((15..=21).contains(&r.fates.attempts), "refused ones are replaced at 20 a second: {:?}", r.fates);
    assert_eq!((r.fates.opened, r.peak_connected), (0, 0));
    assert_eq!(r.timeline[0].refused, r.fates.attempts);
}

/// slowloris: the request line and fields, then `bytes` a tick of header lines, never the blank
/// line that would end the head.
#[test]
fn slowloris_dribbles_a_head_that_never_ends() {
    let server = Server::start(Policy::Record);
    let r = run(server.addr, cohort(loris(10, ms(100)), 1, 10, ms(1050)));
    assert_eq!(r.fates.held_to_end, 1, "{:?}", r.fates);
    let seen = server.stop();
    let head = String::from_utf8(seen.received[0].clone()).unwrap();
    let opening = "GET /slow HTTP/1.1\r\nHost: test.local\r\nUser-Agent: chaosload-slowloris\r\n";
    assert!(head.starts_with(opening), "{head:?}");
    assert!(!head.contains("\r\n\r\n"), "the head never ends: {head:?}");
    let dribbled = head.len() - opening.len();
    assert!((50..=110).contains(&dribbled), "10 bytes every 100 ms for 1 s: {dribbled} bytes");
    assert!(head[opening.len()..].starts_with("X-chaosload-0: aaa"), "{head:?}");
}

/// slow_post: a complete head announcing the body, then the body `bytes` a tick until it is all
/// sent, then nothing more.
#[test]
fn slow_post_dribbles_exactly_the_announced_body() {
    let server = Server::start(Policy::Record);
    let post = kinds::SlowPost { bytes: 10, interval: ms(50), content_length: 42 };
    let r = run(server.addr, cohort(post, 1, 10, ms(800)));
    assert_eq!(r.fates.held_to_end, 1, "held once the body is sent: {:?}", r.fates);
    let seen = server.stop();
    let text = String::from_utf8(seen.received[0].clone()).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete head");
    assert!(head.starts_with("POST /slow HTTP/1.1\r\nHost: test.local\r\n"), "{head:?}");
    assert!(head.contains("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 42"), "{head:?}");
    assert_eq!(body, "a=b&a=b&a=b&a=b&a=b&a=b&a=b&a=b&a=b&a=b&a=", "exactly 42 bytes of form data");
}

/// slow_read: a small receive buffer and `bytes` read a tick stall the server's writes; a short
/// response is read to its end at that pace, then the server's close is seen.
#[test]
fn slow_read_reads_at_its_pace_and_stalls_the_server() {
    let read = |bytes, interval| kinds::SlowRead { bytes, interval, receive_buffer: 512, pipeline: 2 };
    // 4 MiB to write; 2 s of reading 5 bytes every 100 ms takes 100 bytes.
    let server = Server::start(Policy::Write(4 << 20));
    let r = run(server.addr, cohort(read(5, ms(100)), 2, 10, ms(2000)));
    assert_eq!(r.fates.held_to_end, 2, "{:?}", r.fates);
    let seen = server.stop();
    let requests = String::from_utf8(seen.received[0].clone()).unwrap();
    assert_eq!(requests.matches("GET /slow HTTP/1.1\r\nHost: test.local\r\n").count(), 2, "pipelined: {requests:?}");
    for (written, stalled) in seen.written.iter().zip(&seen.stalled) {
        // What the server got rid of: read by the client (≤ 100 B), its receive buffer and the
        // server's send buffer, in flight on loopback: far below the 4 MiB.
        assert!(*stalled && *written < 256 << 10, "the server's writes stall: {written} bytes written");
    }

    // 100 bytes then the close, read 5 bytes every 50 ms: the end is seen after ~1 s.
    let server = Server::start(Policy::Write(100));
    let r = run(server.addr, cohort(read(5, ms(50)), 1, 1, ms(3000)));
    assert!(r.fates.closed_by_server >= 1 && r.fates.answered == r.fates.closed_by_server, "{:?}", r.fates);
    let first = r.held_for.inner().min() / 1000;
    assert!((800..=2500).contains(&first), "20 ticks of 50 ms to read 100 bytes: held {first} ms");
}

/// The live view counts what the thread does, and a stop ends a window early: what is held is
/// `held_to_end`, the timeline stops at the stop.
#[test]
fn live_counts_and_a_stop_before_the_window_ends() {
    let server = Server::start(Policy::Silent);
    let target = CohortTarget { addr: server.addr, host: "h".into(), path: "/".into() };
    let plans = vec![
        (0, cohort(loris(8, ms(100)), 4, 100, Duration::from_secs(600))),
        (7, {
            let mut later = cohort(loris(8, ms(100)), 4, 100, ms(500));
            later.at = Duration::from_secs(300);
            later
        }),
    ];
    let cohorts = Cohorts::start(CohortConfig { target, cohorts: plans, epoch: Instant::now() }).unwrap();
    let started = Instant::now();
    while cohorts.live()[0].connected < 4 {
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", cohorts.live());
        std::thread::sleep(ms(10));
    }
    let live = cohorts.live();
    assert_eq!((live[0].fault, live[0].kind, live[0].connecting, live[0].fates.attempts), (0, "slowloris", 0, 4));
    assert_eq!((live[1].fault, live[1].connected, live[1].fates.attempts), (7, 0, 0));
    assert!(!cohorts.is_done());
    std::thread::sleep(ms(1100));
    let records = cohorts.finish();
    assert_eq!(records.iter().map(|r| r.fault).collect::<Vec<_>>(), [0, 7]);
    assert_eq!(records[0].fates.held_to_end, 4);
    assert!((1..=3).contains(&records[0].timeline.len()), "to the stop: {:?}", records[0].timeline);
    assert_eq!(records[1].fates, Fates::default());
    for r in &records {
        check_invariants(r);
    }
}

/// Runs `plan`, repeating `every`, against `addr` for `run_for`, then stops it.
fn run_repeating(
    addr: SocketAddr,
    mut plan: FaultPlan<CohortFault>,
    every: Duration,
    run_for: Duration,
) -> CohortRecord {
    plan.every = Some(every);
    let target = CohortTarget { addr, host: "h".into(), path: "/".into() };
    let cohorts = Cohorts::start(CohortConfig { target, cohorts: vec![(0, plan)], epoch: Instant::now() }).unwrap();
    std::thread::sleep(run_for);
    let r = cohorts.finish().remove(0);
    check_invariants(&r);
    r
}

/// A repeating window opens again at each activation, and closes at each end.
#[test]
fn a_repeating_window_holds_its_connections_in_each_activation() {
    let server = Server::start(Policy::Silent);
    let r = run_repeating(server.addr, cohort(loris(8, ms(100)), 3, 100, ms(300)), ms(600), ms(1500));
    // Windows at 0, 0.6 and 1.2 s: three times three connections.
    assert_eq!((r.fates.attempts, r.fates.held_to_end), (9, 9), "{:?}", r.fates);
}

/// A listener that never accepts, its backlog full: further SYNs are dropped and connects hang.
/// They count as connecting (so no more are opened) and, abandoned at the window's end, as
/// `connect_failed`; the few the backlog took were held.
#[test]
fn connects_hanging_on_a_full_backlog_are_abandoned_at_the_window_end() {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into()).unwrap();
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let r = run(addr, cohort(loris(8, ms(100)), 6, 50, ms(1500)));
    assert_eq!(r.fates.attempts, 6, "hanging connects hold their places: {:?}", r.fates);
    assert!(r.fates.connect_failed >= 3 && r.fates.held_to_end <= 3, "{:?}", r.fates);
    assert!(r.timeline[0].connecting >= 3, "{:?}", r.timeline);
    drop(socket);
}

/// Connects the slot `id` waits in (polling its events) and writes its opening.
fn connect_slot(
    poll: &mut mio::Poll,
    slab: &mut connection::Slab,
    id: (u32, u32),
    script: &Script,
    c: &stats::Counters,
) {
    let mut events = mio::Events::with_capacity(8);
    let started = Instant::now();
    loop {
        assert!(started.elapsed() < Duration::from_secs(5), "the connect did not complete");
        poll.poll(&mut events, Some(ms(100))).unwrap();
        for event in &events {
            assert_eq!(event.token().0, id.0 as usize);
            match slab.on_event(poll.registry(), id.0 as usize, event, script, c, 0) {
                connection::Step::Ticking => return,
                connection::Step::Nothing => {}
                step => panic!("{step:?}"),
            }
        }
    }
}

/// Everything the peer has sent within `wait`.
fn received(stream: &mut TcpStream, wait: Duration) -> Vec<u8> {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while let Ok(n) = stream.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

/// A slot freed and taken by a new connection: the deadlines its earlier occupant left in the
/// queues (a tick, a connect timeout) do nothing to the new one; its own tick is carried out.
#[test]
fn stale_deadlines_of_a_reused_slot_are_ignored() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let request = kinds::Request { host: "h", path: "/" };
    let script = CohortKind::from(loris(8, ms(100))).script(&request);
    let counters = stats::Counters::default();
    let mut poll = mio::Poll::new().unwrap();
    let mut slab = connection::Slab::with_capacity(1);

    let first = slab.open(poll.registry(), addr, 0, &script, &counters, 0).unwrap();
    connect_slot(&mut poll, &mut slab, first, &script, &counters);
    slab.close_cohort(poll.registry(), 0, &counters, 0);
    let second = slab.open(poll.registry(), addr, 0, &script, &counters, 0).unwrap();
    assert_eq!(second.0, first.0, "the freed slot is taken again");
    assert_ne!(second.1, first.1, "by another generation");
    connect_slot(&mut poll, &mut slab, second, &script, &counters);
    let (_first_peer, _) = listener.accept().unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let opening = received(&mut peer, ms(200));
    assert_eq!(opening, script.opening, "the opening alone so far");

    // The earlier occupant's tick and connect timeout: ignored.
    assert_eq!(slab.tick(poll.registry(), first, &script, &counters, 0), connection::Step::Nothing);
    assert_eq!(slab.expire(poll.registry(), first, &counters, 0), None);
    assert!(received(&mut peer, ms(200)).is_empty(), "nothing sent for a stale tick");
    assert_eq!(counters.fates().held_to_end, 1);
    assert_eq!((counters.connected.load(Ordering::Relaxed), counters.connect_failed.load(Ordering::Relaxed)), (1, 0));

    // Its own tick: 8 bytes of the pattern; its own connect timeout, once connected: nothing.
    assert_eq!(slab.tick(poll.registry(), second, &script, &counters, 0), connection::Step::TickAgain);
    assert_eq!(received(&mut peer, ms(200)), b"X-chaosl");
    assert_eq!(slab.expire(poll.registry(), second, &counters, 0), None);
    slab.close_cohort(poll.registry(), 0, &counters, 0);
    assert_eq!(counters.fates().held_to_end, 2);
}

/// The deadline queue hands deadlines out in order and only once due, even when a late tick is
/// re-armed behind one armed from a later clock reading, and across a window's end (cleared) and
/// the next window.
#[test]
fn the_deadline_queue_stays_ordered() {
    let mut q = deadlines::Deadlines::default();
    q.push(1_000, 0, 0);
    q.push(1_500, 1, 0);
    // Slot 0's tick fell due at 1 000 and was carried out late: re-armed at 1 000 + interval
    // (1 000), behind slot 1's 1 500 + 1 000 armed later.
    q.push(2_500, 1, 0);
    assert_eq!(q.pop_due(999), None);
    assert_eq!(q.pop_due(1_600).map(|d| (d.at, d.slot)), Some((1_000, 0)));
    assert_eq!(q.pop_due(1_600).map(|d| (d.at, d.slot)), Some((1_500, 1)));
    q.push(2_000, 0, 0);
    assert_eq!(q.next(), Some(2_500), "never before the last one queued");
    assert_eq!(q.pop_due(2_400), None);
    assert_eq!(q.pop_due(2_500).map(|d| d.at), Some(2_500));
    assert_eq!(q.pop_due(2_500).map(|d| (d.at, d.slot)), Some((2_500, 0)));
    q.push(3_000, 4, 1);
    q.clear();
    q.push(2_800, 4, 2);
    assert_eq!(q.pop_due(10_000).map(|d| (d.at, d.generation)), Some((2_800, 2)));
    assert_eq!(q.pop_due(10_000), None);
}

/// Repeating windows: every connection of every activation gets its ticks (each window's end
/// clears the cohort's tick queue and the next fills it again; a queue out of order would
/// stall ticks behind a later entry).
#[test]
fn ticks_go_on_in_every_activation_of_a_repeating_window() {
    let server = Server::start(Policy::Record);
    let r = run_repeating(server.addr, cohort(loris(4, ms(50)), 2, 100, ms(400)), ms(700), ms(1800));
    assert_eq!(r.fates.attempts, 6, "windows at 0, 0.7 and 1.4 s: {:?}", r.fates);
    let seen = server.stop();
    assert_eq!(seen.received.len(), 6);
    let opening = "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: chaosload-slowloris\r\n".len();
    for (i, got) in seen.received.iter().enumerate() {
        // 4 bytes every 50 ms for about 400 ms (the last window cut short by the stop at 1.8 s).
        let dribbled = got.len().saturating_sub(opening);
        assert!(dribbled >= 8, "connection {i} ticked: {dribbled} bytes after the opening");
    }
}
