//! Tests of the chaos proxy over real sockets on 127.0.0.1: what a client sees through the proxy
//! to a small target started in the test. Tolerances, never exact timings (the CI machine is noisy).

use super::*;
use crate::chaos::config::ProxyLimits;
use crate::chaos::toxics::Timeout;
use crate::chaos::toxics::{
    Bandwidth, Blackhole, Direction, LimitData, ProxyFault, Refuse, ResetPeer, Slicer, SlowClose, Toxic,
};
use crate::dist::Dist;
use crate::fault::FaultPlan;
use crate::seeded::{Purpose, Seeded};
use rand::{Rng, SeedableRng};
use std::future::Future;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;

const LIMIT: Duration = Duration::from_secs(5);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A proxy fault active for the whole test, hitting every connection.
fn fault(direction: Direction, toxic: impl Into<Toxic>) -> FaultPlan<ProxyFault> {
    FaultPlan {
        kind: ProxyFault { direction, toxic: toxic.into() },
        at: Duration::ZERO,
        duration: Duration::from_secs(3600),
        every: None,
        probability: 1.0,
    }
}

fn start(config: ProxyConfig) -> ProxyServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ProxyServer::start(listener, config).unwrap()
}

fn proxy(upstream: SocketAddr, faults: Vec<FaultPlan<ProxyFault>>) -> ProxyServer {
    start(ProxyConfig { faults: faults.into_iter().enumerate().collect(), ..ProxyConfig::new(upstream, 42) })
}

/// A target running `handler` on each connection; returns its address and its accept count.
async fn target<F, Fut>(handler: F) -> (SocketAddr, Arc<AtomicU64>)
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Relaxed);
            tokio::spawn(handler(stream));
        }
    });
    (addr, accepted)
}

/// Echoes everything, then half-closes when the client does.
async fn echo(mut stream: TcpStream) {
    let (mut r, mut w) = stream.split();
    let _ = tokio::io::copy(&mut r, &mut w).await;
    let _ = w.shutdown().await;
}

async fn echo_target() -> (SocketAddr, Arc<AtomicU64>) {
    target(echo).await
}

/// Sends `bytes` at once on accept, then reads until the client closes.
async fn sender_target(bytes: Vec<u8>) -> SocketAddr {
    let bytes = Arc::new(bytes);
    let (addr, _) = target(move |mut stream: TcpStream| {
        let bytes = Arc::clone(&bytes);
        async move {
            let _ = stream.write_all(&bytes).await;
            let mut sink = Vec::new();
            let _ = stream.read_to_end(&mut sink).await;
        }
    })
    .await;
    addr
}

/// Sends "bye" and half-closes at once, then reads until the client closes.
async fn bye_target() -> SocketAddr {
    target(|mut stream: TcpStream| async move {
        let _ = stream.write_all(b"bye").await;
        let _ = stream.shutdown().await;
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink).await;
    })
    .await
    .0
}

async fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.set_nodelay(true); // fails when the proxy already reset it
    stream
}

/// Connects and reads until the connection fails; the error (the reset may beat `connect`).
async fn reset_error(addr: SocketAddr) -> io::Error {
    let attempt = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.read(&mut [0u8; 8]).await
    };
    timeout(LIMIT, attempt).await.expect("no reset").expect_err("the connection should fail")
}

/// Writes `msg` and reads the echo back; returns how long it took.
async fn round_trip(stream: &mut TcpStream, msg: &[u8]) -> Duration {
    let start = Instant::now();
    stream.write_all(msg).await.unwrap();
    let mut back = vec![0; msg.len()];
    timeout(LIMIT, stream.read_exact(&mut back)).await.expect("no echo").unwrap();
    assert_eq!(back, msg);
    start.elapsed()
}

fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random()).collect()
}

#[tokio::test]
async fn without_faults_bytes_pass_unchanged_both_ways_and_half_close_propagates() {
    let (echo, _) = echo_target().await;
    let proxy = proxy(echo, Vec::new());
    let data = random_bytes(1 << 20, 1);
    let mut stream = connect(proxy.addr()).await;
    let (mut r, mut w) = stream.split();
    let mut back = Vec::new();
    let (_, read) = timeout(LIMIT, async {
        tokio::join!(
            async {
                w.write_all(&data).await.unwrap();
                w.shutdown().await.unwrap(); // the echo only ends when it sees our EOF
            },
            r.read_to_end(&mut back),
        )
    })
    .await
    .expect("echo did not finish");
    read.unwrap();
    assert!(back == data, "bytes changed: {} of {} back", back.len(), data.len());
    let stats = proxy.shutdown();
    assert_eq!((stats.connections, stats.faults_hit, stats.resets), (1, 0, 0));
    assert_eq!((stats.bytes_up, stats.bytes_down), (1 << 20, 1 << 20));
}

#[tokio::test]
async fn target_half_close_reaches_the_client_and_the_client_can_still_send() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (addr, _) = target(move |mut stream: TcpStream| {
        let tx = tx.clone();
        async move {
            stream.write_all(b"bye").await.unwrap();
            stream.shutdown().await.unwrap();
            let mut got = Vec::new();
            let _ = stream.read_to_end(&mut got).await;
            let _ = tx.send(got);
        }
    })
    .await;
    let proxy = proxy(addr, Vec::new());
    let mut stream = connect(proxy.addr()).await;
    let mut got = Vec::new();
    timeout(LIMIT, stream.read_to_end(&mut got)).await.expect("no EOF").unwrap();
    assert_eq!(got, b"bye");
    stream.write_all(b"more").await.unwrap();
    stream.shutdown().await.unwrap();
    let received = timeout(LIMIT, rx.recv()).await.expect("target never saw EOF").unwrap();
    assert_eq!(received, b"more");
}

#[tokio::test]
async fn latency_adds_its_delay_per_direction() {
    let (echo, _) = echo_target().await;
    let latency = crate::chaos::toxics::Latency(Dist::Fixed(ms(100)));
    let down = proxy(echo, vec![fault(Direction::Downstream, latency.clone())]);
    let both = proxy(echo, vec![fault(Direction::Both, latency)]);
    let plain = proxy(echo, Vec::new());

    let rtt = round_trip(&mut connect(plain.addr()).await, b"ping").await;
    assert!(rtt < ms(80), "no latency: {rtt:?}");
    let rtt = round_trip(&mut connect(down.addr()).await, b"ping").await;
    assert!((ms(98)..ms(350)).contains(&rtt), "downstream 100ms: {rtt:?}");
    let rtt = round_trip(&mut connect(both.addr()).await, b"ping").await;
    assert!((ms(198)..ms(500)).contains(&rtt), "both directions 100ms: {rtt:?}");
    assert_eq!(down.shutdown().faults_hit, 1);
}

#[tokio::test]
async fn chained_latencies_add_per_chunk_but_not_across_queued_chunks() {
    let (echo, _) = echo_target().await;
    let proxy = proxy(
        echo,
        vec![
            fault(Direction::Downstream, crate::chaos::toxics::Latency(Dist::Fixed(ms(60)))),
            fault(Direction::Downstream, crate::chaos::toxics::Latency(Dist::Fixed(ms(40)))),
        ],
    );
    let mut stream = connect(proxy.addr()).await;
    let rtt = round_trip(&mut stream, b"one").await;
    assert!((ms(98)..ms(350)).contains(&rtt), "one chunk through 60ms + 40ms: {rtt:?}");

    // Ten writes 20ms apart: each is due 100ms after it was sent, so the last arrives about
    // 180ms + 100ms after the first was sent — not 10 × 100ms, as if delays queued up.
    let start = Instant::now();
    let (mut r, mut w) = stream.split();
    let writer = async {
        for i in 0..10u8 {
            w.write_all(&[i]).await.unwrap();
            tokio::time::sleep(ms(20)).await;
        }
    };
    let reader = async {
        let mut back = [0u8; 10];
        timeout(LIMIT, r.read_exact(&mut back)).await.expect("no echo").unwrap();
        assert_eq!(back, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        start.elapsed()
    };
    let ((), last) = tokio::join!(writer, reader);
    assert!((ms(270)..ms(700)).contains(&last), "last of ten chunks after {last:?}");
}

#[tokio::test]
async fn bandwidth_paces_the_bytes() {
    let (echo, _) = echo_target().await;
    let proxy = proxy(echo, vec![fault(Direction::Downstream, Bandwidth { bytes_per_s: 200_000 })]);
    let data = random_bytes(100_000, 2);
    let mut stream = connect(proxy.addr()).await;
    let start = Instant::now();
    let (mut r, mut w) = stream.split();
    let mut back = Vec::new();
    let (_, read) = timeout(LIMIT, async {
        tokio::join!(
            async {
                w.write_all(&data).await.unwrap();
                w.shutdown().await.unwrap();
            },
            r.read_to_end(&mut back),
        )
    })
    .await
    .expect("echo did not finish");
    read.unwrap();
    let took = start.elapsed();
    assert!(back == data, "bytes changed");
    assert!((ms(450)..ms(2000)).contains(&took), "100kB at 200kB/s took {took:?}");
}

#[tokio::test]
async fn slicer_cuts_data_into_delayed_pieces() {
    let addr = sender_target(random_bytes(100, 3)).await;
    let proxy = proxy(addr, vec![fault(Direction::Downstream, Slicer { size: 10, delay: ms(30) })]);
    let mut stream = connect(proxy.addr()).await;
    let start = Instant::now();
    let mut reads = Vec::new();
    let mut total = 0;
    while total < 100 {
        let mut buf = [0u8; 1024];
        let n = timeout(LIMIT, stream.read(&mut buf)).await.expect("stalled").unwrap();
        assert!(n > 0, "EOF after {total} bytes");
        reads.push(n);
        total += n;
    }
    let took = start.elapsed();
    assert_eq!(total, 100);
    assert!(reads.iter().all(|n| n % 10 == 0), "pieces of 10 bytes: {reads:?}");
    assert!(reads.len() >= 5, "pieces arrive apart: {reads:?}");
    assert!(took >= ms(240), "9 gaps of 30ms, took {took:?}");
}

#[tokio::test]
async fn reset_peer_resets_the_client_after_the_delay() {
    let (echo, _) = echo_target().await;
    let proxy = proxy(echo, vec![fault(Direction::Downstream, ResetPeer { after: ms(300) })]);
    let start = Instant::now();
    let mut stream = connect(proxy.addr()).await;
    round_trip(&mut stream, b"hi").await;
    let mut buf = [0u8; 16];
    let err = timeout(LIMIT, stream.read(&mut buf)).await.expect("no reset").expect_err("read should fail");
    let at = start.elapsed();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
    assert!((ms(280)..ms(1500)).contains(&at), "reset after {at:?}");
    let stats = proxy.shutdown();
    assert_eq!((stats.resets, stats.faults_hit), (1, 1));
}

#[tokio::test]
async fn blackhole_swallows_a_direction_and_keeps_the_connection_open() {
    let (echo, _) = echo_target().await;
    let proxy = proxy(echo, vec![fault(Direction::Downstream, Blackhole)]);
    let mut stream = connect(proxy.addr()).await;
    stream.write_all(b"hi").await.unwrap();
    let mut buf = [0u8; 16];
    assert!(timeout(ms(300), stream.read(&mut buf)).await.is_err(), "read should time out");
    stream.write_all(b"again").await.unwrap();
    assert!(timeout(ms(200), stream.read(&mut buf)).await.is_err(), "still nothing, still open");
    tokio::time::sleep(ms(50)).await;
    let stats = proxy.shutdown();
    assert_eq!((stats.bytes_up, stats.bytes_down), (7, 0));
}

#[tokio::test]
async fn timeout_swallows_a_direction_then_closes_the_connection() {
    let (echo, _) = echo_target().await;
    let proxy = proxy(echo, vec![fault(Direction::Downstream, Timeout { after: ms(400) })]);
    let start = Instant::now();
    let mut stream = connect(proxy.addr()).await;
    stream.write_all(b"hi").await.unwrap();
    let n = timeout(LIMIT, stream.read(&mut [0u8; 8])).await.expect("no EOF").expect("a close, not a reset");
    let at = start.elapsed();
    assert_eq!(n, 0, "nothing comes back before the close");
    assert!((ms(380)..ms(1500)).contains(&at), "EOF after {at:?}");
    tokio::time::sleep(ms(50)).await;
    let stats = proxy.shutdown();
    assert_eq!((stats.bytes_up, stats.bytes_down, stats.resets), (2, 0, 0));
}

#[tokio::test]
async fn slow_close_delays_the_eof() {
    let addr = bye_target().await;
    let proxy = proxy(addr, vec![fault(Direction::Downstream, SlowClose { delay: ms(400) })]);
    let start = Instant::now();
    let mut stream = connect(proxy.addr()).await;
    let mut buf = [0u8; 3];
    timeout(LIMIT, stream.read_exact(&mut buf)).await.expect("no data").unwrap();
    assert_eq!(&buf, b"bye");
    assert!(start.elapsed() < ms(300), "data is not delayed: {:?}", start.elapsed());
    let n = timeout(LIMIT, stream.read(&mut [0u8; 8])).await.expect("no EOF").unwrap();
    let at = start.elapsed();
    assert_eq!(n, 0);
    assert!((ms(380)..ms(1500)).contains(&at), "EOF after {at:?}");
}

#[tokio::test]
async fn limit_data_closes_after_the_limit() {
    let data = random_bytes(1000, 4);
    let addr = sender_target(data.clone()).await;
    let proxy = proxy(addr, vec![fault(Direction::Downstream, LimitData { bytes: 100 })]);
    let mut stream = connect(proxy.addr()).await;
    let mut got = Vec::new();
    timeout(LIMIT, stream.read_to_end(&mut got)).await.expect("no close").unwrap();
    assert_eq!(got, data[..100]);
    let stats = proxy.shutdown();
    assert_eq!((stats.bytes_down, stats.resets), (100, 0));
}

#[tokio::test]
async fn refuse_resets_at_accept_without_going_upstream() {
    let (echo, accepted) = echo_target().await;
    let proxy = proxy(echo, vec![fault(Direction::Both, Refuse)]);
    let err = reset_error(proxy.addr()).await;
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
    let stats = proxy.shutdown();
    assert_eq!((stats.connections, stats.refused, stats.faults_hit), (1, 1, 1));
    assert_eq!(accepted.load(Relaxed), 0, "nothing went upstream");
}

#[tokio::test]
async fn an_unreachable_upstream_resets_the_client() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let proxy = proxy(closed, Vec::new());
    let err = reset_error(proxy.addr()).await;
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
    assert_eq!(proxy.shutdown().connect_failed, 1);
}

#[tokio::test]
async fn an_upstream_that_never_accepts_is_given_up_after_the_connect_timeout() {
    // A listener that never accepts, its accept queue filled: Linux then drops further SYNs, so
    // a connect hangs (retrying the SYN) as it would to a host that has gone away.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let silent = socket.listen(0).unwrap();
    let addr = silent.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match timeout(ms(200), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break, // the queue is full: this connect hung
        }
    }
    assert!(timeout(ms(200), TcpStream::connect(addr)).await.is_err(), "the upstream's accept queue is full");

    let proxy = start(ProxyConfig { connect_timeout: ms(300), ..ProxyConfig::new(addr, 42) });
    let start = std::time::Instant::now();
    let err = reset_error(proxy.addr()).await;
    let after = start.elapsed();
    assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err}");
    assert!((ms(290)..ms(3000)).contains(&after), "reset after {after:?}, expected after the 300ms timeout");
    assert_eq!(proxy.shutdown().connect_failed, 1);
    drop((fillers, silent));
}

/// For `n` connections made one after the other: whether each was refused.
async fn refused_pattern(upstream: SocketAddr, seed: u64, probability: f64, n: usize) -> Vec<bool> {
    let faults = vec![(0, FaultPlan { probability, ..fault(Direction::Downstream, Refuse) })];
    let proxy = start(ProxyConfig { faults, ..ProxyConfig::new(upstream, seed) });
    let mut out = Vec::new();
    for _ in 0..n {
        let refused = async {
            // The reset may even beat the end of `connect`.
            let mut stream = TcpStream::connect(proxy.addr()).await?;
            stream.write_all(b"x").await?;
            let mut back = [0u8; 1];
            stream.read_exact(&mut back).await.map(|_| ())
        };
        out.push(timeout(LIMIT, refused).await.expect("stalled").is_err());
    }
    let stats = proxy.shutdown();
    assert_eq!(stats.refused as usize, out.iter().filter(|&&r| r).count());
    out
}

#[tokio::test]
async fn probability_decides_per_connection_with_a_stable_seeded_subset() {
    let (echo, _) = echo_target().await;
    assert_eq!(refused_pattern(echo, 7, 0.0, 10).await, vec![false; 10]);
    assert_eq!(refused_pattern(echo, 7, 1.0, 10).await, vec![true; 10]);
    let first = refused_pattern(echo, 7, 0.5, 20).await;
    let again = refused_pattern(echo, 7, 0.5, 20).await;
    assert_eq!(first, again, "same seed, same hits");
    let hit = first.iter().filter(|&&r| r).count();
    assert!((3..=17).contains(&hit), "about half hit: {first:?}");
    let other = refused_pattern(echo, 8, 0.5, 20).await;
    assert_ne!(first, other, "another seed, other hits");
}

#[test]
fn hit_draws_depend_on_seed_connection_and_fault() {
    let draw = |seed, conn, fault| Seeded::new(seed).hits(conn, fault, Purpose::ProxyHit, 0.5);
    let pattern = |seed, fault| (0..64).map(|conn| draw(seed, conn, fault)).collect::<Vec<_>>();
    assert_eq!(pattern(1, 0), pattern(1, 0));
    assert_ne!(pattern(1, 0), pattern(2, 0));
    assert_ne!(pattern(1, 0), pattern(1, 1));
    let hit = pattern(1, 0).iter().filter(|&&h| h).count();
    assert!((16..=48).contains(&hit), "{hit} of 64");
    let seeded = Seeded::new(1);
    assert!((0..64)
        .all(|conn| !seeded.hits(conn, 0, Purpose::ProxyHit, 0.0) && seeded.hits(conn, 0, Purpose::ProxyHit, 1.0)));
}

#[tokio::test]
async fn a_fault_window_affects_only_connections_accepted_inside_it_for_their_whole_life() {
    let (echo, _) = echo_target().await;
    let epoch = Instant::now();
    let blackhole = FaultPlan { at: ms(600), duration: ms(600), ..fault(Direction::Downstream, Blackhole) };
    let proxy = start(ProxyConfig { faults: vec![(0, blackhole)], epoch, ..ProxyConfig::new(echo, 42) });
    let mut before = connect(proxy.addr()).await;
    round_trip(&mut before, b"a").await;

    tokio::time::sleep_until((epoch + ms(900)).into()).await;
    round_trip(&mut before, b"b").await; // accepted before the window: untouched
    let mut inside = connect(proxy.addr()).await;
    inside.write_all(b"c").await.unwrap();
    assert!(timeout(ms(200), inside.read(&mut [0u8; 1])).await.is_err(), "accepted in the window: blackholed");

    tokio::time::sleep_until((epoch + ms(1500)).into()).await;
    round_trip(&mut connect(proxy.addr()).await, b"d").await; // accepted after the window
    inside.write_all(b"e").await.unwrap();
    assert!(timeout(ms(200), inside.read(&mut [0u8; 1])).await.is_err(), "keeps its toxics after the window");
    assert_eq!(proxy.shutdown().faults_hit, 1);
}

#[tokio::test]
async fn shutdown_is_prompt_with_connections_open() {
    let (echo, _) = echo_target().await;
    let proxy = proxy(
        echo,
        vec![fault(Direction::Downstream, crate::chaos::toxics::Latency(Dist::Fixed(Duration::from_secs(30))))],
    );
    let mut streams = Vec::new();
    for _ in 0..5 {
        let mut stream = connect(proxy.addr()).await;
        stream.write_all(b"stuck").await.unwrap();
        streams.push(stream);
    }
    tokio::time::sleep(ms(100)).await;
    let start = Instant::now();
    let stats = proxy.shutdown();
    assert!(start.elapsed() < ms(1000), "shutdown took {:?}", start.elapsed());
    assert_eq!(stats.connections, 5);
    for mut stream in streams {
        // Closed (EOF or reset), not hanging.
        let _ = timeout(LIMIT, stream.read(&mut [0u8; 8])).await.expect("connection left open");
    }
}

#[tokio::test]
async fn serve_runs_on_the_callers_runtime_until_cancelled() {
    let (echo, _) = echo_target().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (token, stats) = (CancellationToken::new(), Arc::new(ProxyCounters::default()));
    let server = tokio::spawn(serve(listener, ProxyConfig::new(echo, 1), token.clone(), Arc::clone(&stats)));
    round_trip(&mut connect(addr).await, b"hello").await;
    token.cancel();
    timeout(LIMIT, server).await.expect("serve did not stop").unwrap().unwrap();
    assert_eq!(stats.snapshot().connections, 1);
}

#[tokio::test]
async fn drawn_latencies_on_both_directions_keep_every_byte_in_order() {
    let (echo, _) = echo_target().await;
    let jitter = crate::chaos::toxics::Latency(Dist::Uniform { min: Duration::ZERO, max: ms(20) });
    let proxy = proxy(echo, vec![fault(Direction::Both, jitter)]);
    let data = random_bytes(300_000, 5);
    let mut stream = connect(proxy.addr()).await;
    let (mut r, mut w) = stream.split();
    let mut back = Vec::new();
    let writer = async {
        for piece in data.chunks(1000) {
            w.write_all(piece).await.unwrap();
            tokio::task::yield_now().await;
        }
        w.shutdown().await.unwrap();
    };
    let (_, read) = timeout(LIMIT, async { tokio::join!(writer, r.read_to_end(&mut back)) }).await.expect("stalled");
    read.unwrap();
    assert!(back == data, "bytes lost or reordered: {} of {} back", back.len(), data.len());
}

#[tokio::test]
async fn limit_data_upstream_cuts_what_the_target_receives() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (addr, _) = target(move |mut stream: TcpStream| {
        let tx = tx.clone();
        async move {
            let mut got = Vec::new();
            let _ = stream.read_to_end(&mut got).await;
            let _ = tx.send(got);
        }
    })
    .await;
    let proxy = proxy(addr, vec![fault(Direction::Upstream, LimitData { bytes: 100 })]);
    let data = random_bytes(1000, 6);
    let mut stream = connect(proxy.addr()).await;
    stream.write_all(&data).await.unwrap();
    let received = timeout(LIMIT, rx.recv()).await.expect("target never saw EOF").unwrap();
    assert_eq!(received, data[..100]);
    // The whole connection is closed: the client sees the end too (EOF, or a reset when bytes it
    // sent past the limit were still unread in the proxy).
    let _ = timeout(LIMIT, stream.read(&mut [0u8; 8])).await.expect("client side left open");
}

/// A target that accepts and then neither reads nor answers nor closes (its sockets are kept
/// until the test ends).
async fn silent_target() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

/// Polls the proxy's live count of open connections until it is `want` or `within` passes;
/// returns how long that took (`None`: it never got there).
async fn open_reaches(proxy: &ProxyServer, want: u64, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if proxy.stats().open == want {
            return Some(start.elapsed());
        }
        tokio::time::sleep(ms(10)).await;
    }
    None
}

#[tokio::test]
async fn clients_that_leave_a_silent_upstream_free_their_connections() {
    let silent = silent_target().await;
    let limits = ProxyLimits { half_close_timeout: ms(300), ..ProxyLimits::default() };
    for toxic in [None, Some(crate::chaos::toxics::Latency(Dist::Fixed(ms(1))))] {
        let faults = toxic.into_iter().map(|t| fault(Direction::Both, t)).enumerate().collect();
        let proxy = start(ProxyConfig { faults, limits, ..ProxyConfig::new(silent, 42) });
        // The upstream gets `half_close_timeout` to answer, then both sides are closed.
        let mut clients = Vec::new();
        for _ in 0..20 {
            let mut stream = connect(proxy.addr()).await;
            stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
            clients.push(stream);
        }
        assert_eq!(open_reaches(&proxy, 20, LIMIT).await.map(|_| ()), Some(()), "all 20 open through the proxy");
        let closed = Instant::now();
        drop(clients);
        let freed = open_reaches(&proxy, 0, LIMIT).await.expect("connections still open 5 s after the clients left");
        let freed = closed.elapsed().max(freed);
        assert!(freed >= ms(250), "the upstream was given its time to answer: freed after {freed:?}");
        let stats = proxy.shutdown();
        assert_eq!((stats.connections, stats.ended_quiet, stats.open), (20, 20, 0), "{stats:?}");
    }
}

#[tokio::test]
async fn connections_over_max_connections_are_closed_at_once() {
    let (echo, _) = echo_target().await;
    let limits = ProxyLimits { max_connections: 3, ..ProxyLimits::default() };
    let proxy = start(ProxyConfig { limits, ..ProxyConfig::new(echo, 42) });
    let mut kept = Vec::new();
    for _ in 0..3 {
        let mut stream = connect(proxy.addr()).await;
        round_trip(&mut stream, b"in").await;
        kept.push(stream);
    }
    let mut over = connect(proxy.addr()).await;
    let _ = over.write_all(b"over").await;
    let mut buf = [0u8; 8];
    let read = timeout(LIMIT, over.read(&mut buf)).await.expect("the connection over the cap was left open");
    assert!(matches!(read, Ok(0) | Err(_)), "closed without an echo: {read:?}");
    drop(kept);
    assert!(open_reaches(&proxy, 0, LIMIT).await.is_some());
    let mut again = connect(proxy.addr()).await;
    round_trip(&mut again, b"room again").await;
    let stats = proxy.shutdown();
    assert_eq!((stats.connections, stats.over_cap), (4, 1), "{stats:?}");
}

/// How a target's connection ended, as its handler saw it.
async fn read_end(mut stream: TcpStream) -> io::ErrorKind {
    let mut sink = Vec::new();
    match stream.read_to_end(&mut sink).await {
        Ok(_) => io::ErrorKind::UnexpectedEof,
        Err(e) => e.kind(),
    }
}

#[tokio::test]
async fn a_reset_on_either_side_resets_the_other_and_frees_the_pair() {
    // A target that reports how each connection ended; it answers nothing, so only the error
    // path can free a pair (the half-close wait is far longer than the test's limit).
    let (tx, mut ends) = mpsc::unbounded_channel();
    let (addr, _) = target(move |stream: TcpStream| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(read_end(stream).await);
        }
    })
    .await;
    let limits = ProxyLimits { half_close_timeout: Duration::from_secs(3600), ..ProxyLimits::default() };
    for toxic in [None, Some(crate::chaos::toxics::Latency(Dist::Fixed(ms(1))))] {
        let faults = toxic.into_iter().map(|t| fault(Direction::Both, t)).enumerate().collect();
        let proxy = start(ProxyConfig { faults, limits, ..ProxyConfig::new(addr, 42) });
        let mut client = connect(proxy.addr()).await;
        client.write_all(b"hello").await.unwrap();
        assert!(open_reaches(&proxy, 1, LIMIT).await.is_some());
        // A reset from the client: linger 0, then close.
        socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO)).unwrap();
        drop(client);
        let end = timeout(LIMIT, ends.recv()).await.expect("the target's side was left open").unwrap();
        assert_eq!(end, io::ErrorKind::ConnectionReset, "the client's reset reaches the target");
        assert!(open_reaches(&proxy, 0, LIMIT).await.is_some(), "the pair is freed at once");
        assert_eq!(proxy.shutdown().resets, 1);
    }

    // And the other way: a target that resets once it has read a little.
    let (resetting, _) = target(|mut stream: TcpStream| async move {
        let _ = stream.read_exact(&mut [0u8; 5]).await;
        socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO)).unwrap();
    })
    .await;
    for toxic in [None, Some(crate::chaos::toxics::Latency(Dist::Fixed(ms(1))))] {
        let faults = toxic.into_iter().map(|t| fault(Direction::Both, t)).enumerate().collect();
        let proxy = start(ProxyConfig { faults, limits, ..ProxyConfig::new(resetting, 42) });
        let mut client = connect(proxy.addr()).await;
        client.write_all(b"hello").await.unwrap();
        let read = timeout(LIMIT, client.read(&mut [0u8; 8])).await.expect("the client's side was left open");
        assert_eq!(
            read.map_err(|e| e.kind()).err(),
            Some(io::ErrorKind::ConnectionReset),
            "the target's reset reaches the client"
        );
        assert!(open_reaches(&proxy, 0, LIMIT).await.is_some(), "the pair is freed at once");
        assert_eq!(proxy.shutdown().resets, 1);
    }
}
