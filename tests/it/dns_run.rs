//! The client's resolvers meet the DNS stub's faults in a run, as a real client would: every
//! fault kind, through `[dns] mock_name`, ends each request the way a lookup that met it must
//! (an error kind, a TCP retry, a dead address, a cache that hides it).

use crate::support::{run, shared};
use chaosload::result::ClientResult;
use chaosload::scenario;
use std::path::Path;

/// A 2 s run at 10 requests/s, a connection (and so a lookup) per request, against the mock
/// reached as `up.test`, with one dns fault and each configuration's own resolver.
fn run_with_fault(fault: &str, clients: &str) -> Vec<ClientResult> {
    let src = format!(
        "name = \"dns-run\"\ndrain = \"2s\"\n[target]\nmock = true\n[dns]\nmock_name = \"up.test\"\n\
         [[phase]]\nduration = \"2s\"\nshape = {{ kind = \"constant\", rate = 10 }}\n\
         [[fault]]\nlayer = \"dns\"\n{fault}\n{clients}"
    );
    let plan = scenario::parse(&src, Path::new("dns-run.toml")).unwrap_or_else(|d| panic!("{d}\n{src}"));
    run(&plan.to_parts()).clients
}

/// One configuration without keep-alive, with `resolver` (a table's inside).
fn client(name: &str, resolver: &str) -> String {
    format!("[[client]]\nname = \"{name}\"\nkeep_alive = false\nresolver = {{ {resolver} }}\n")
}

fn errors(c: &ClientResult, kind: &str) -> u64 {
    c.total.errors.get(kind).copied().unwrap_or(0)
}

#[test]
fn answer_changing_faults_end_requests_with_their_dns_error_kind() {
    let _load = shared();
    let go = client("go", "kind = \"uncached\", timeout = \"150ms\", attempts = 1");
    for (fault, kind) in [
        ("kind = \"servfail\"", "dns_error"),
        ("kind = \"refused\"", "dns_error"),
        ("kind = \"nxdomain\"", "dns_nxdomain"),
        ("kind = \"drop\"", "dns_timeout"),
    ] {
        let clients = run_with_fault(fault, &go);
        let c = &clients[0];
        assert_eq!(errors(c, kind), c.total.sent, "{fault}: every request ends as {kind}: {:?}", c.total.errors);
        assert!(c.total.sent >= 15 && c.connections.opened == 0, "{fault}: {:?}", c.connections);
        assert_eq!(c.total.dns_time.count, c.total.sent, "{fault}: a failed lookup has its time");
        let stub = c.dns.as_ref().expect("the stub's counters");
        // Lookups under way are joined (Go's singleflight), so a hit can end several requests.
        assert!(stub.faults[0].hits >= 2, "{fault}: {stub:?}");
    }
}

#[test]
fn a_truncated_answer_is_asked_again_over_tcp_and_the_request_succeeds() {
    let _load = shared();
    let clients = run_with_fault("kind = \"truncate\"", &client("go", "kind = \"uncached\""));
    let c = &clients[0];
    assert_eq!(c.total.ok, c.total.sent, "{:?}", c.total.errors);
    let resolver = c.resolver.as_ref().expect("the resolver's counters");
    assert_eq!(resolver.tcp_retries, resolver.queries_udp, "every UDP answer was truncated: {resolver:?}");
    assert!(resolver.queries_tcp >= c.total.sent, "{resolver:?}");
    let stub = c.dns.as_ref().expect("the stub's counters");
    assert!(stub.by_transport.tcp >= c.total.sent && stub.truncated == stub.by_transport.udp, "{stub:?}");
}

#[test]
fn a_flapping_name_sends_every_other_connection_to_a_dead_address_unless_cached() {
    let _load = shared();
    // Nothing listens on 127.0.0.9 at the mock's port: those connects are refused.
    let fault = "kind = \"flap\"\nanswers = [\"127.0.0.9\", \"127.0.0.1\"]";
    let clients = format!(
        "{}{}",
        client("uncached", "kind = \"uncached\", coalesce = false"),
        client("cached", "kind = \"cached\", min_ttl = \"1m\"")
    );
    let results = run_with_fault(fault, &clients);
    let (uncached, cached) = (&results[0], &results[1]);
    let refused = errors(uncached, "connect_refused");
    assert!(refused >= 5 && uncached.total.ok >= 5, "about half refused: {:?}", uncached.total.errors);
    // The cache keeps its first answer (the fresh stub's first flap: the dead address) for the
    // whole run.
    assert_eq!(
        errors(cached, "connect_refused"),
        cached.total.sent,
        "a cached answer does not flap: {:?}",
        cached.total.errors
    );
}

#[test]
fn ttl_zero_defeats_the_cache_and_delay_is_dns_time() {
    let _load = shared();
    let fault = "kind = \"delay\"\ndelay = \"120ms\"";
    // Not coalesced: every lookup waits out the whole delay (a joined one waits only its rest).
    let uncached = client("uncached", "kind = \"uncached\", coalesce = false");
    let results = run_with_fault(fault, &format!("{uncached}{}", client("cached", "kind = \"cached\"")));
    let (uncached, cached) = (&results[0], &results[1]);
    // Lower bounds only: the delay makes them, noise cannot.
    assert!(uncached.total.dns_time.min_us >= 115_000, "{:?}", uncached.total.dns_time);
    assert!(uncached.total.latency.min_us >= 115_000, "{:?}", uncached.total.latency);
    let cache = cached.resolver.as_ref().expect("the resolver's counters");
    assert!(cache.cache_hits >= 20 && cache.cache_misses <= 2, "the record's TTL keeps it: {cache:?}");

    let fault = "kind = \"ttl\"\nttl = \"0s\"";
    let results = run_with_fault(fault, &client("cached", "kind = \"cached\""));
    let cache = results[0].resolver.as_ref().expect("the resolver's counters");
    assert!(cache.cache_misses >= results[0].total.sent, "a TTL of 0 is never served again: {cache:?}");
}
