//! The resolver against scripted nameservers on real loopback sockets: the sequential and the
//! parallel query loops, TCP after truncation, reply matching, the cache, coalescing, `system`.

use super::scripted::{aliased, answer, nxdomain, qname, qtype, response, truncated, Act, Scripted, Transport};
use super::*;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::Name;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const HOST: &str = "upstream.test";
const A: RecordType = RecordType::A;
const AAAA: RecordType = RecordType::AAAA;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Every test ends within this, whatever the resolver does.
async fn within<F: Future>(test: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), test).await.expect("the test finished within its time limit")
}

fn query(strategy: Strategy, timeout: Duration, attempts: u32, servers: usize) -> QueryPlan {
    QueryPlan { timeout, attempts, servers, strategy, coalesce: false }
}

fn uncached(query: QueryPlan, servers: &[&Scripted]) -> Resolver {
    Resolver::new(&ResolverPlan::Uncached(query), servers.iter().map(|s| s.addr).collect())
}

/// Answers every query with `addr` (A) and NODATA (AAAA).
async fn answering(addr: &'static str) -> Scripted {
    Scripted::start(move |q, _| Act::Reply(answer(q, &[ip(addr)], 300))).await
}

async fn silent() -> Scripted {
    Scripted::start(|_, _| Act::Silent).await
}

async fn coded(code: ResponseCode) -> Scripted {
    Scripted::start(move |q, _| Act::Reply(response(q, code))).await
}

async fn timed<T>(f: impl Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = f.await;
    (out, started.elapsed())
}

#[tokio::test]
async fn sequential_moves_past_a_silent_server_after_one_timeout() {
    within(async {
        let (dead, live) = (silent().await, answering("127.0.0.7").await);
        let resolver = uncached(query(Strategy::Sequential, ms(150), 2, 2), &[&dead, &live]);
        let (got, took) = timed(resolver.lookup(HOST)).await;
        assert_eq!(got, Ok(ip("127.0.0.7")));
        assert!(took >= ms(150), "the live server is asked only after the dead one's timeout: {took:?}");
        assert!(took < ms(1500), "one timeout, not more: {took:?}");
        assert_eq!((dead.count(Transport::Udp, A), dead.count(Transport::Udp, AAAA)), (1, 1));
        assert_eq!((live.count(Transport::Udp, A), live.count(Transport::Udp, AAAA)), (1, 1));
        let stats = resolver.stats();
        assert_eq!((stats.lookups, stats.queries_udp, stats.udp_timeouts), (1, 4, 2));
    })
    .await;
}

#[tokio::test]
async fn sequential_worst_case_is_timeout_times_attempts_times_servers() {
    within(async {
        let (one, two) = (silent().await, silent().await);
        let resolver = uncached(query(Strategy::Sequential, ms(100), 2, 2), &[&one, &two]);
        let (got, took) = timed(resolver.lookup(HOST)).await;
        assert_eq!(got, Err(ErrorKind::DnsTimeout));
        assert!(took >= ms(400), "2 attempts × 2 servers × 100 ms: {took:?}");
        assert!(took < ms(3000), "{took:?}");
        // Each attempt asks each server, in turn: one, two, one, two.
        for server in [&one, &two] {
            assert_eq!(server.count(Transport::Udp, A), 2);
        }
        let order: Vec<Instant> =
            one.seen().iter().chain(two.seen().iter()).filter(|s| s.rtype == A).map(|s| s.at).collect();
        let (one_first, two_first, one_second) = (order[0], order[2], order[1]);
        assert!(one_first < two_first && two_first < one_second, "server 1, then 2, then 1 again");
        assert_eq!(resolver.stats().udp_timeouts, 8);
    })
    .await;
}

#[tokio::test]
async fn servfail_and_refused_move_on_and_nxdomain_does_not() {
    within(async {
        for code in [ResponseCode::ServFail, ResponseCode::Refused] {
            let (failing, live) = (coded(code).await, answering("127.0.0.8").await);
            let resolver = uncached(query(Strategy::Sequential, ms(2000), 2, 2), &[&failing, &live]);
            let (got, took) = timed(resolver.lookup(HOST)).await;
            assert_eq!(got, Ok(ip("127.0.0.8")), "{code:?}");
            assert!(took < ms(1500), "{code:?} moves on at once, with no timeout: {took:?}");
        }
        let (missing, live) = (coded(ResponseCode::NXDomain).await, answering("127.0.0.8").await);
        let resolver = uncached(query(Strategy::Sequential, ms(2000), 2, 2), &[&missing, &live]);
        assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsNxdomain));
        assert_eq!(live.count(Transport::Udp, A), 0, "NXDOMAIN returns at once: no other server is asked");
        assert_eq!(missing.count(Transport::Udp, A), 1);

        let (one, two) = (coded(ResponseCode::ServFail).await, coded(ResponseCode::Refused).await);
        let resolver = uncached(query(Strategy::Sequential, ms(2000), 2, 2), &[&one, &two]);
        assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsError), "failures everywhere: dns_error");
        assert_eq!((one.count(Transport::Udp, A), two.count(Transport::Udp, A)), (2, 2), "every attempt, every server");
    })
    .await;
}

#[tokio::test]
async fn no_address_is_nxdomain_and_an_alias_is_followed() {
    within(async {
        // NODATA for both types: the name exists without an address.
        let empty = Scripted::start(|q, _| Act::Reply(answer(q, &[], 300))).await;
        let resolver = uncached(QueryPlan::default(), &[&empty]);
        assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsNxdomain));

        let alias = Scripted::start(|q, _| Act::Reply(aliased(q, "real.test.", ip("127.0.0.9"), 30, 300))).await;
        let resolver = uncached(QueryPlan::default(), &[&alias]);
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.9")));

        // Only AAAA has an address: the lookup takes it.
        let six = Scripted::start(|q, _| Act::Reply(answer(q, &[ip("::1")], 300))).await;
        let resolver = uncached(QueryPlan::default(), &[&six]);
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("::1")));
        // Both: A is preferred.
        let both = Scripted::start(|q, _| Act::Reply(answer(q, &[ip("::1"), ip("127.0.0.3")], 300))).await;
        let resolver = uncached(QueryPlan::default(), &[&both]);
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.3")));
        assert_eq!(resolver.lookup("127.0.0.42").await, Ok(ip("127.0.0.42")), "a literal is not looked up");
        assert_eq!(both.count(Transport::Udp, A), 1);
    })
    .await;
}

#[tokio::test]
async fn replies_with_another_id_or_question_are_ignored() {
    within(async {
        let server = Scripted::start(|q, _| {
            let mut wrong_id = answer(q, &[ip("127.0.0.66")], 300);
            wrong_id.metadata.id = q.metadata.id.wrapping_add(1);
            let mut wrong_question = answer(q, &[ip("127.0.0.67")], 300);
            wrong_question.queries[0].name = Name::from_ascii("other.test.").unwrap();
            let mut wrong_name = wrong_question.clone();
            wrong_name.answers.iter_mut().for_each(|r| r.name = wrong_question.queries[0].name.clone());
            let mut wrong_type = answer(q, &[ip("127.0.0.68")], 300);
            wrong_type.queries[0].query_type = if qtype(q) == A { RecordType::MX } else { RecordType::TXT };
            let right = answer(q, &[ip("127.0.0.5")], 300);
            Act::Several(vec![wrong_id, wrong_name, wrong_type, right])
        })
        .await;
        let resolver = uncached(QueryPlan::default(), &[&server]);
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.5")));
        assert_eq!(resolver.stats().replies_ignored, 6, "three wrong replies per query type");
    })
    .await;
}

#[tokio::test]
async fn a_truncated_reply_is_asked_again_over_tcp() {
    within(async {
        for strategy in [Strategy::Sequential, Strategy::Parallel] {
            let server = Scripted::start(|q, transport| match transport {
                Transport::Udp => Act::Reply(truncated(q)),
                Transport::Tcp => Act::Reply(answer(q, &[ip("127.0.0.11")], 300)),
            })
            .await;
            let resolver = uncached(query(strategy, ms(2000), 2, 1), &[&server]);
            assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.11")), "{strategy:?}");
            assert_eq!((server.count(Transport::Udp, A), server.count(Transport::Tcp, A)), (1, 1), "{strategy:?}");
            let stats = resolver.stats();
            assert_eq!((stats.tcp_retries, stats.queries_tcp), (2, 2), "{strategy:?}");
        }
        // TC again over TCP is the server misbehaving: the lookup fails.
        let server = Scripted::start(|q, _| Act::Reply(truncated(q))).await;
        let resolver = uncached(query(Strategy::Sequential, ms(2000), 1, 1), &[&server]);
        assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsError));
    })
    .await;
}

#[tokio::test]
async fn parallel_asks_every_server_at_once_and_the_first_answer_wins() {
    within(async {
        let slow = Scripted::start(|q, _| Act::Later(ms(600), answer(q, &[ip("127.0.0.21")], 300))).await;
        let fast = Scripted::start(|q, _| Act::Later(ms(50), answer(q, &[ip("127.0.0.22")], 300))).await;
        let resolver = uncached(query(Strategy::Parallel, ms(5000), 2, 2), &[&slow, &fast]);
        let started = Instant::now();
        let (got, took) = timed(resolver.lookup(HOST)).await;
        assert_eq!(got, Ok(ip("127.0.0.22")));
        assert!(took >= ms(50) && took < ms(550), "the fast server's answer, before the slow one's: {took:?}");
        let asked = slow.seen()[0].at.saturating_duration_since(started);
        assert!(asked < ms(40), "the slow server was asked at once, not after the fast one: {asked:?}");
        // The same servers, sequentially: the slow one's answer is taken.
        let resolver = uncached(query(Strategy::Sequential, ms(5000), 2, 2), &[&slow, &fast]);
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.21")));
    })
    .await;
}

#[tokio::test]
async fn parallel_timeout_bounds_the_whole_lookup_and_resends_every_interval() {
    within(async {
        let (one, two) = (silent().await, silent().await);
        let resolver = uncached(query(Strategy::Parallel, ms(400), 2, 2), &[&one, &two]);
        let (got, took) = timed(resolver.lookup(HOST)).await;
        assert_eq!(got, Err(ErrorKind::DnsTimeout));
        assert!(took >= ms(400), "{took:?}");
        assert!(took < ms(1500), "the timeout is the lookup's, not timeout × attempts × servers (1.6 s): {took:?}");
        for server in [&one, &two] {
            let sent: Vec<Instant> = server.seen().iter().filter(|s| s.rtype == A).map(|s| s.at).collect();
            assert_eq!(sent.len(), 2, "sent again after timeout / attempts");
            assert!(sent[1] - sent[0] >= ms(190), "re-sent after 200 ms: {:?}", sent[1] - sent[0]);
        }
        assert_eq!(resolver.stats().udp_timeouts, 8, "2 rounds × 2 servers × 2 types");
    })
    .await;
}

#[tokio::test]
async fn parallel_resends_at_once_after_servfail_and_ignores_refused() {
    within(async {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = asked.clone();
        // SERVFAIL to the first A query, an answer to the next.
        let flaky = Scripted::start(move |q, _| {
            if qtype(q) == A && counter.fetch_add(1, Ordering::SeqCst) == 0 {
                Act::Reply(response(q, ResponseCode::ServFail))
            } else {
                Act::Reply(answer(q, &[ip("127.0.0.31")], 300))
            }
        })
        .await;
        let resolver = uncached(query(Strategy::Parallel, ms(4000), 2, 1), &[&flaky]);
        let (got, took) = timed(resolver.lookup(HOST)).await;
        assert_eq!(got, Ok(ip("127.0.0.31")));
        assert!(took < ms(1500), "re-sent at once, not after the 2 s interval: {took:?}");
        assert_eq!(flaky.count(Transport::Udp, A), 2);

        // REFUSED is ignored: the lookup waits for another answer until its timeout.
        let refusing = coded(ResponseCode::Refused).await;
        let resolver = uncached(query(Strategy::Parallel, ms(300), 1, 1), &[&refusing]);
        let (got, took) = timed(resolver.lookup(HOST)).await;
        assert_eq!(got, Err(ErrorKind::DnsError), "a server answered, but nothing usable");
        assert!(took >= ms(300), "REFUSED does not end a parallel lookup: {took:?}");
        // NXDOMAIN is accepted at once.
        let missing = coded(ResponseCode::NXDomain).await;
        let resolver = uncached(query(Strategy::Parallel, ms(3000), 1, 1), &[&missing]);
        let (got, took) = timed(resolver.lookup(HOST)).await;
        assert_eq!(got, Err(ErrorKind::DnsNxdomain));
        assert!(took < ms(1500), "{took:?}");
    })
    .await;
}

fn cached(plan: CachePlan, server: &Scripted) -> Resolver {
    Resolver::new(&ResolverPlan::Cached(plan), vec![server.addr])
}

fn cache_plan() -> CachePlan {
    CachePlan { query: query(Strategy::Sequential, ms(200), 1, 1), ..CachePlan::default() }
}

#[tokio::test]
async fn the_cache_answers_within_the_ttl_and_asks_after_it() {
    within(async {
        let server = answering("127.0.0.41").await;
        let resolver = cached(CachePlan { max_ttl: ms(300), ..cache_plan() }, &server);
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.41")));
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.41")));
        assert_eq!(server.count(Transport::Udp, A), 1, "the second lookup is a hit");
        assert_eq!(server.count(Transport::Udp, AAAA), 1, "NODATA with an SOA is cached too");
        tokio::time::sleep(ms(400)).await; // past max_ttl (the record says 300 s)
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.41")));
        assert_eq!(server.count(Transport::Udp, A), 2, "max_ttl lowered the record's TTL");
        let stats = resolver.stats();
        assert_eq!((stats.cache_hits, stats.cache_misses), (2, 4));

        // The same server, uncached: every lookup asks.
        let resolver = uncached(cache_plan().query, &[&server]);
        resolver.lookup(HOST).await.unwrap();
        resolver.lookup(HOST).await.unwrap();
        assert_eq!(server.count(Transport::Udp, A), 4);
    })
    .await;
}

/// A hit is looked up by the name as spelt, so the spellings of one name must meet one entry.
#[tokio::test]
async fn the_cache_keeps_one_entry_per_name_however_it_is_spelt() {
    within(async {
        let server = answering("127.0.0.43").await;
        let resolver = cached(cache_plan(), &server);
        let upper = HOST.to_ascii_uppercase();
        let absolute = format!("{HOST}.");
        for host in [HOST, upper.as_str(), absolute.as_str()] {
            assert_eq!(resolver.lookup(host).await, Ok(ip("127.0.0.43")), "{host}");
        }
        assert_eq!(server.count(Transport::Udp, A), 1, "one name, asked once");
        let stats = resolver.stats();
        assert_eq!((stats.cache_hits, stats.cache_misses), (4, 2));
    })
    .await;
}

#[tokio::test]
async fn min_ttl_keeps_a_zero_ttl_answer() {
    within(async {
        let server = Scripted::start(|q, _| Act::Reply(answer(q, &[ip("127.0.0.42")], 0))).await;
        let resolver = cached(CachePlan { min_ttl: ms(2000), ..cache_plan() }, &server);
        for _ in 0..3 {
            assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.42")));
        }
        assert_eq!(server.count(Transport::Udp, A), 1);
        let resolver = cached(cache_plan(), &server);
        for _ in 0..3 {
            resolver.lookup(HOST).await.unwrap();
        }
        assert_eq!(server.count(Transport::Udp, A), 4, "TTL 0 without min_ttl: not kept");
    })
    .await;
}

#[tokio::test]
async fn negative_answers_are_cached_for_the_soa_ttl_when_asked_to() {
    within(async {
        let server = Scripted::start(|q, _| Act::Reply(nxdomain(q, 60, 120))).await;
        let resolver = cached(cache_plan(), &server);
        for _ in 0..3 {
            assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsNxdomain));
        }
        assert_eq!(server.count(Transport::Udp, A), 1, "NXDOMAIN kept for min(60 s, 120 s)");
        let resolver = cached(CachePlan { negative: false, ..cache_plan() }, &server);
        for _ in 0..3 {
            assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsNxdomain));
        }
        assert_eq!(server.count(Transport::Udp, A), 4, "negative = false: asked every time");
        // RFC 2308: the lesser of the SOA's TTL and its minimum; a minimum of 0 keeps nothing.
        let brief = Scripted::start(|q, _| Act::Reply(nxdomain(q, 3600, 0))).await;
        let resolver = cached(cache_plan(), &brief);
        for _ in 0..2 {
            assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsNxdomain));
        }
        assert_eq!(brief.count(Transport::Udp, A), 2);
    })
    .await;
}

/// Answers the first query of each type, then stays silent.
async fn answers_once() -> Scripted {
    let answered = Arc::new(Mutex::new(Vec::new()));
    Scripted::start(move |q, _| {
        let mut answered = answered.lock().unwrap();
        if answered.contains(&qtype(q)) {
            return Act::Silent;
        }
        answered.push(qtype(q));
        Act::Reply(answer(q, &[ip("127.0.0.51")], 300))
    })
    .await
}

#[tokio::test]
async fn serve_stale_answers_from_an_expired_entry_when_the_refresh_fails() {
    within(async {
        let server = answers_once().await;
        let resolver = cached(CachePlan { max_ttl: ms(100), serve_stale: Some(ms(10_000)), ..cache_plan() }, &server);
        assert_eq!(resolver.lookup(HOST).await, Ok(ip("127.0.0.51")));
        tokio::time::sleep(ms(150)).await;
        let (got, took) = timed(resolver.lookup(HOST)).await;
        assert_eq!(got, Ok(ip("127.0.0.51")), "the refresh timed out: the stale entry is served");
        assert!(took >= ms(200), "served only once the refresh failed: {took:?}");
        assert_eq!(resolver.stats().stale_served, 2);

        let server = answers_once().await;
        let resolver = cached(CachePlan { max_ttl: ms(100), ..cache_plan() }, &server);
        resolver.lookup(HOST).await.unwrap();
        tokio::time::sleep(ms(150)).await;
        assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsTimeout), "serve_stale = none");

        let server = answers_once().await;
        let resolver = cached(CachePlan { max_ttl: ms(100), serve_stale: Some(ms(50)), ..cache_plan() }, &server);
        resolver.lookup(HOST).await.unwrap();
        tokio::time::sleep(ms(300)).await;
        assert_eq!(resolver.lookup(HOST).await, Err(ErrorKind::DnsTimeout), "expired longer ago than serve_stale");
        assert_eq!(resolver.stats().stale_served, 0);
    })
    .await;
}

#[tokio::test]
async fn concurrent_lookups_of_one_name_coalesce_when_asked_to() {
    within(async {
        let server = Scripted::start(|q, _| Act::Later(ms(100), answer(q, &[ip("127.0.0.61")], 300))).await;
        for coalesce in [true, false] {
            let before = server.count(Transport::Udp, A);
            let resolver = uncached(QueryPlan { coalesce, ..QueryPlan::default() }, &[&server]);
            let mut lookups = tokio::task::JoinSet::new();
            for _ in 0..8 {
                let resolver = resolver.clone();
                lookups.spawn(async move { resolver.lookup(HOST).await });
            }
            while let Some(got) = lookups.join_next().await {
                assert_eq!(got.unwrap(), Ok(ip("127.0.0.61")));
            }
            let asked = server.count(Transport::Udp, A) - before;
            let stats = resolver.stats();
            if coalesce {
                assert_eq!((asked, stats.coalesced, stats.lookups), (1, 7, 8));
            } else {
                assert_eq!((asked, stats.coalesced), (8, 0));
            }
        }
    })
    .await;
}

#[test]
fn one_resolver_serves_workers_on_their_own_runtimes() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<Resolver>();
    // The nameserver on a runtime of its own, until both workers are done (10 s at most); it
    // reports what it was asked.
    let (send, receive) = std::sync::mpsc::channel();
    let (workers_done, done) = tokio::sync::oneshot::channel::<()>();
    let serving = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let server = Scripted::start(|q, _| Act::Later(ms(300), answer(q, &[ip("127.0.0.71")], 300))).await;
            send.send(server.addr).unwrap();
            let _ = tokio::time::timeout(Duration::from_secs(10), done).await;
            server.count(Transport::Udp, A)
        })
    });
    let addr = receive.recv_timeout(Duration::from_secs(10)).unwrap();
    let resolver = Resolver::new(&ResolverPlan::Uncached(QueryPlan::default()), vec![addr]);
    let workers: Vec<_> = [0u64, 100]
        .into_iter()
        .map(|delay| {
            let resolver = resolver.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async move {
                    tokio::time::sleep(ms(delay)).await;
                    tokio::time::timeout(Duration::from_secs(10), resolver.lookup(HOST)).await.unwrap()
                })
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap(), Ok(ip("127.0.0.71")));
    }
    let _ = workers_done.send(());
    let stats = resolver.stats();
    assert_eq!(
        (stats.lookups, stats.coalesced, stats.queries_udp),
        (2, 1, 2),
        "the later worker joined the first's lookup"
    );
    assert_eq!(serving.join().unwrap(), 1, "one A query for both workers");
}

#[tokio::test]
async fn system_looks_up_localhost_only_through_getaddrinfo() {
    within(async {
        let resolver = Resolver::new(&ResolverPlan::System, vec![]);
        let got = resolver.lookup("localhost").await.expect("localhost resolves");
        assert!(got.is_loopback(), "{got}");
        assert_eq!(resolver.stats().queries_udp, 0);
    })
    .await;
}

#[test]
fn a_question_matches_only_its_own_reply() {
    let question = Question::new(HOST, A).unwrap();
    let id = 4242;
    let sent = hickory_proto::op::Message::from_vec(&question.message(id)).unwrap();
    assert!(sent.metadata.recursion_desired);
    assert_eq!(qname(&sent).to_string(), "upstream.test.");
    let reply = answer(&sent, &[ip("127.0.0.1")], 30);
    assert!(question.answered_by(id, &reply));
    assert!(!question.answered_by(id + 1, &reply));
    assert!(!question.answered_by(id, &sent), "a query is not a reply");
    assert_eq!(
        question.verdict(&reply),
        query::Verdict::Answer(Reply::Addresses { ips: vec![ip("127.0.0.1")], ttl: Duration::from_secs(30) })
    );
    let alias = aliased(&sent, "real.test.", ip("127.0.0.2"), 10, 30);
    assert_eq!(
        question.verdict(&alias),
        query::Verdict::Answer(Reply::Addresses { ips: vec![ip("127.0.0.2")], ttl: Duration::from_secs(10) }),
        "the least TTL along the chain"
    );
}
