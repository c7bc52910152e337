//! The client's resolver against a DNS server nobody here wrote: dnsmasq (Debian's), on a
//! loopback port, answering only from its command line and a hosts file (`--no-resolv`, no
//! `--server`: it never forwards, so no real nameserver is asked). Our queries and our reading
//! of the answers must hold against its wire, not only against hickory-proto on both ends.
//!
//! Needs `dnsmasq` on PATH; without it the test is skipped, except under CI, where `.ci/run`
//! installs it and its absence fails.

use chaosload::client::resolve::{CachePlan, QueryPlan, Resolver, ResolverPlan, Strategy};
use chaosload::record::ErrorKind;
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// dnsmasq as a child, killed when dropped.
struct Dnsmasq {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dnsmasq() -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join("dnsmasq"))
        .find(|path| path.is_file());
    if found.is_none() {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        assert!(!ci, "no dnsmasq under CI: .ci/run should have installed it");
        eprintln!("resolver interop: skipped, no dnsmasq (apt-get install dnsmasq)");
    }
    found
}

/// A loopback port free for both UDP and TCP (dnsmasq serves both on it).
pub(crate) fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no loopback port free for UDP and TCP");
}

fn start(exe: &std::path::Path) -> Dnsmasq {
    let dir = crate::support::scratch("dnsmasq");
    // 40 addresses for one name: over 512 bytes, so dnsmasq truncates the UDP answer (no EDNS is
    // offered) and the resolver must ask again over TCP.
    let hosts: String = (1..=40).map(|n| format!("127.0.1.{n} big.test\n")).collect();
    std::fs::write(dir.join("hosts"), hosts).unwrap();
    let port = free_port();
    let child = Command::new(exe)
        .args([
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--no-poll",
            "--bind-interfaces",
            "--listen-address=127.0.0.1",
            "--local-ttl=300",
            "--address=/upstream.test/127.0.0.9",
            "--address=/gone.test/",
        ])
        .arg(format!("--port={port}"))
        .arg(format!("--addn-hosts={}", dir.join("hosts").display()))
        .arg(format!("--pid-file={}", dir.join("pid").display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dnsmasq starts");
    Dnsmasq { child, addr: SocketAddr::from(([127, 0, 0, 1], port)) }
}

fn resolver(plan: ResolverPlan, server: &Dnsmasq) -> Resolver {
    Resolver::new(&plan, vec![server.addr])
}

fn quick(strategy: Strategy) -> QueryPlan {
    QueryPlan { timeout: Duration::from_secs(2), attempts: 2, servers: 1, strategy, coalesce: true }
}

#[test]
fn the_resolver_reads_dnsmasqs_answers_over_udp_and_tcp() {
    let Some(exe) = dnsmasq() else { return };
    let server = start(&exe);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), async {
            // dnsmasq is up once it answers (it binds before it serves).
            let probe = resolver(ResolverPlan::Uncached(quick(Strategy::Sequential)), &server);
            let mut up = false;
            for _ in 0..50 {
                if probe.lookup("upstream.test").await.is_ok() {
                    up = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(up, "dnsmasq answered within 5 s");
            let nine: IpAddr = "127.0.0.9".parse().unwrap();
            for strategy in [Strategy::Sequential, Strategy::Parallel] {
                let r = resolver(ResolverPlan::Uncached(quick(strategy)), &server);
                assert_eq!(r.lookup("upstream.test").await, Ok(nine), "{strategy:?}");
                assert_eq!(r.lookup("gone.test").await, Err(ErrorKind::DnsNxdomain), "{strategy:?}");
                let big = r.lookup("big.test").await.expect("big.test over TCP");
                assert!(matches!(big, IpAddr::V4(v4) if v4.octets()[..3] == [127, 0, 1]), "{big}");
                let stats = r.stats();
                assert!(stats.tcp_retries >= 1 && stats.queries_tcp >= 1, "{strategy:?}: {stats:?}");
                assert_eq!(stats.replies_ignored, 0, "{strategy:?}: every dnsmasq reply matched its query");
            }
            // dnsmasq's answers carry --local-ttl (300 s): a cached resolver asks for A once.
            // (AAAA for a name with only an IPv4 --address gets no SOA to cache it by: without
            // upstream servers this dnsmasq refuses it, and it is asked on every lookup.)
            let plan = CachePlan { query: quick(Strategy::Sequential), ..CachePlan::default() };
            let cached = resolver(ResolverPlan::Cached(plan), &server);
            for _ in 0..3 {
                assert_eq!(cached.lookup("upstream.test").await, Ok(nine));
            }
            let stats = cached.stats();
            assert!(stats.cache_hits >= 2, "A answered from the cache after the first lookup: {stats:?}");
            assert_eq!(stats.cache_hits + stats.cache_misses, 6, "3 lookups × 2 types: {stats:?}");
        })
        .await
        .expect("within the test's time limit");
    });
}
