//! `Dial::Name` through the pool: each new connection looks the name up first, its time goes
//! into `Exchange.dns` apart from `connect`, a failed lookup ends the attempt with its kind (and
//! can be retried), and `connect_timeout` covers lookup and connect.

use super::scripted::{answer, nxdomain, Act, Scripted, Transport};
use super::*;
use crate::client::{Client, Dial, Endpoint};
use crate::record::Outcome;
use crate::scenario::{ClientPlan, HttpVersion, RequestPlan, RetryOn};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const HOST: &str = "upstream.test";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// An HTTP/1.1 server answering every request on a connection with an empty 200.
async fn http_ok() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                let mut seen = Vec::new();
                while let Ok(n) = stream.read(&mut buffer).await {
                    if n == 0 {
                        return;
                    }
                    seen.extend_from_slice(&buffer[..n]);
                    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                        seen.drain(..end + 4);
                        if stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (port, task)
}

fn named_client(resolver: Resolver, port: u16, plan: ClientPlan) -> Client {
    let endpoint = Endpoint {
        dial: Dial::Name { host: HOST.into(), port, resolver },
        authority: format!("{HOST}:{port}"),
        base_path: String::new(),
        tls: None,
    };
    Client::new(endpoint, plan, std::time::Instant::now(), CancellationToken::new())
}

/// Runs a client test on a `LocalSet` (the pool spawns local tasks), within a time limit.
async fn local<F: std::future::Future>(test: F) -> F::Output {
    let set = tokio::task::LocalSet::new();
    tokio::time::timeout(Duration::from_secs(30), set.run_until(test)).await.expect("within the test's time limit")
}

fn resolver(nameserver: &Scripted, query: QueryPlan) -> Resolver {
    Resolver::new(&ResolverPlan::Uncached(query), vec![nameserver.addr])
}

#[tokio::test]
async fn a_named_dial_times_its_lookup_apart_from_the_connect() {
    local(async {
        let (port, _server) = http_ok().await;
        let nameserver =
            Scripted::start(|q, _| Act::Later(ms(150), answer(q, &["127.0.0.1".parse().unwrap()], 300))).await;
        let client = named_client(resolver(&nameserver, QueryPlan::default()), port, ClientPlan::defaults("c"));
        let prepared = client.prepare(&RequestPlan::default()).unwrap();
        let first = client.send(&prepared).await;
        assert_eq!(first.outcome, Outcome::Ok(200));
        let (dns, connect) = (first.dns.expect("a lookup was made"), first.connect.expect("a connection was opened"));
        assert!(dns >= ms(150), "the lookup waited for the nameserver: {dns:?}");
        assert!(connect < ms(150), "the connect does not include the lookup: {connect:?}");
        // The next request reuses the connection: no lookup, no connect.
        let second = client.send(&prepared).await;
        assert_eq!((second.outcome, second.dns, second.connect, second.reused), (Outcome::Ok(200), None, None, true));
        assert_eq!(nameserver.count(Transport::Udp, RecordType::A), 1);
    })
    .await;
}

#[tokio::test]
async fn a_failed_lookup_ends_the_attempt_with_its_kind_and_can_be_retried() {
    local(async {
        let (port, _server) = http_ok().await;
        let nameserver = Scripted::start(|q, _| Act::Reply(nxdomain(q, 60, 60))).await;
        let client = named_client(resolver(&nameserver, QueryPlan::default()), port, ClientPlan::defaults("c"));
        let ex = client.send(&client.prepare(&RequestPlan::default()).unwrap()).await;
        assert_eq!(ex.outcome, Outcome::Error(ErrorKind::DnsNxdomain));
        assert!(ex.dns.is_some() && ex.connect.is_none(), "{ex:?}");
        assert!(ex.sent.is_none(), "nothing was written");

        let silent = Scripted::start(|_, _| Act::Silent).await;
        let query = QueryPlan { timeout: ms(100), attempts: 1, ..QueryPlan::default() };
        let mut plan = ClientPlan::defaults("c");
        plan.retries.max = 1;
        plan.retries.on = vec![RetryOn::Error(ErrorKind::DnsTimeout)];
        let client = named_client(resolver(&silent, query), port, plan);
        let ex = client.send(&client.prepare(&RequestPlan::default()).unwrap()).await;
        assert_eq!((ex.outcome, ex.attempts), (Outcome::Error(ErrorKind::DnsTimeout), 2));
        assert!(ex.dns.unwrap() >= ms(100), "{ex:?}");
        assert_eq!(silent.count(Transport::Udp, RecordType::A), 2, "the retry looked the name up again");

        // HTTP/2 dials through the same lookup.
        let mut plan = ClientPlan::defaults("h2");
        plan.http = HttpVersion::Http2;
        let client = named_client(resolver(&nameserver, QueryPlan::default()), port, plan);
        let ex = client.send(&client.prepare(&RequestPlan::default()).unwrap()).await;
        assert_eq!(ex.outcome, Outcome::Error(ErrorKind::DnsNxdomain));
    })
    .await;
}

#[tokio::test]
async fn connect_timeout_expiring_in_the_lookup_is_a_dns_timeout() {
    local(async {
        let (port, _server) = http_ok().await;
        let silent = Scripted::start(|_, _| Act::Silent).await;
        let mut plan = ClientPlan::defaults("c");
        plan.connect_timeout = Some(ms(200));
        let client = named_client(resolver(&silent, QueryPlan::default()), port, plan);
        let started = std::time::Instant::now();
        let ex = client.send(&client.prepare(&RequestPlan::default()).unwrap()).await;
        let took = started.elapsed();
        assert_eq!(ex.outcome, Outcome::Error(ErrorKind::DnsTimeout));
        assert!(took >= ms(200) && took < ms(3000), "connect_timeout, not the resolver's 5 s: {took:?}");
        assert!(ex.dns.unwrap() >= ms(200));
    })
    .await;
}
