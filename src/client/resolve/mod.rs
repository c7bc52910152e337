//! The client's resolver: each new connection to a named target looks the name up first, as a
//! real client does. `uncached` and `cached` query nameservers (the DNS stub) themselves over UDP
//! and TCP on hickory-proto's wire format, with Go's (sequential) or musl's (parallel) query
//! loop; `system` asks getaddrinfo. One `Resolver` serves every worker of a configuration.

mod cache;
mod coalesce;
mod parallel;
mod query;
#[cfg(test)]
mod scripted;
mod sequential;
mod system;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_dial;

pub use crate::scenario::{CachePlan, QueryPlan, ResolverPlan, Strategy};

use crate::record::ErrorKind;
use cache::Cache;
use coalesce::Flights;
use hickory_proto::rr::RecordType;
use query::{Question, Reply};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A configuration's resolver, shared by its workers (each a current-thread runtime): its state
/// is behind std locks and atomics, and every socket is made on the calling runtime.
#[derive(Clone)]
pub struct Resolver {
    inner: Arc<Inner>,
}

struct Inner {
    plan: ResolverPlan,
    /// The nameservers queried, in order (the first `servers` of those given).
    nameservers: Vec<SocketAddr>,
    counters: Counters,
    flights: Flights,
    cache: Option<Cache>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("plan", &self.inner.plan)
            .field("nameservers", &self.inner.nameservers)
            .finish()
    }
}

/// What a resolver did, for result.json. Query counts are per query: a lookup asks A and AAAA.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolverStats {
    /// Names looked up (one per new connection, joined ones included).
    pub lookups: u64,
    pub queries_udp: u64,
    pub queries_tcp: u64,
    /// UDP queries that got no reply in their time.
    pub udp_timeouts: u64,
    /// Queries asked again over TCP after a truncated UDP reply.
    pub tcp_retries: u64,
    /// Datagrams dropped: unparseable, another id or question, or from a server not asked.
    pub replies_ignored: u64,
    /// Per query type (`cached` only): answered from the cache, or asked.
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Expired entries served because their refresh failed (`serve_stale`).
    pub stale_served: u64,
    /// Lookups that joined one already under way for the name (`coalesce`).
    pub coalesced: u64,
}

#[derive(Default)]
pub(super) struct Counters {
    lookups: AtomicU64,
    queries_udp: AtomicU64,
    queries_tcp: AtomicU64,
    udp_timeouts: AtomicU64,
    tcp_retries: AtomicU64,
    replies_ignored: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    stale_served: AtomicU64,
    coalesced: AtomicU64,
}

impl Counters {
    fn add(&self, counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl Resolver {
    /// A resolver of `plan` over the stub's `nameservers` (it keeps the first `servers`;
    /// `system` uses none).
    pub fn new(plan: &ResolverPlan, nameservers: Vec<SocketAddr>) -> Resolver {
        let (given, cache) = match plan {
            ResolverPlan::Uncached(query) => (query.servers, None),
            ResolverPlan::Cached(cached) => (cached.query.servers, Some(Cache::new(cached))),
            ResolverPlan::System => (0, None),
        };
        let mut nameservers = nameservers;
        nameservers.truncate(given);
        Resolver {
            inner: Arc::new(Inner {
                plan: plan.clone(),
                nameservers,
                counters: Counters::default(),
                flights: Flights::default(),
                cache,
            }),
        }
    }

    /// The address a new connection to `host` dials: an IPv4 address if the name has one (an A
    /// answer is preferred, as loopback targets are IPv4), else an IPv6 one.
    pub async fn lookup(&self, host: &str) -> Result<IpAddr, ErrorKind> {
        let inner = &*self.inner;
        inner.counters.add(&inner.counters.lookups);
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(ip); // a literal is not looked up (Go, glibc and musl alike)
        }
        let query = match &inner.plan {
            ResolverPlan::System => return system::lookup(host).await,
            ResolverPlan::Uncached(query) => query,
            ResolverPlan::Cached(cached) => &cached.query,
        };
        // Both types fresh in the cache: answered at once, without questions, flight or copies
        // (a hit is on every new connection's path). Nothing is under way to join then.
        if let Some(address) = inner.cache.as_ref().and_then(|cache| cache.fresh_address(host)) {
            inner.counters.cache_hits.fetch_add(2, Ordering::Relaxed);
            return address;
        }
        if query.coalesce {
            let joined = || inner.counters.add(&inner.counters.coalesced);
            inner.flights.join(host, self.ask_both(host, query), joined).await
        } else {
            self.ask_both(host, query).await
        }
    }

    pub fn stats(&self) -> ResolverStats {
        let c = &self.inner.counters;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ResolverStats {
            lookups: read(&c.lookups),
            queries_udp: read(&c.queries_udp),
            queries_tcp: read(&c.queries_tcp),
            udp_timeouts: read(&c.udp_timeouts),
            tcp_retries: read(&c.tcp_retries),
            replies_ignored: read(&c.replies_ignored),
            cache_hits: read(&c.cache_hits),
            cache_misses: read(&c.cache_misses),
            stale_served: read(&c.stale_served),
            coalesced: read(&c.coalesced),
        }
    }

    /// A and AAAA asked at once, as Go and glibc do; the lookup waits for both.
    async fn ask_both(&self, host: &str, query: &QueryPlan) -> Result<IpAddr, ErrorKind> {
        let a = Question::new(host, RecordType::A)?;
        let aaaa = Question::new(host, RecordType::AAAA)?;
        let (a, aaaa) = tokio::join!(self.ask(host, &a, query), self.ask(host, &aaaa, query));
        choose(a.as_ref().map_err(|kind| *kind), aaaa.as_ref().map_err(|kind| *kind))
    }

    /// One question about `host`, from the cache if it holds a fresh answer.
    async fn ask(&self, host: &str, question: &Question, query: &QueryPlan) -> Result<Reply, ErrorKind> {
        let inner = &*self.inner;
        let counters = &inner.counters;
        let Some(cache) = &inner.cache else { return self.ask_servers(question, query).await };
        if let Some(reply) = cache.fresh(host, question.rtype) {
            counters.add(&counters.cache_hits);
            return Ok(reply);
        }
        counters.add(&counters.cache_misses);
        match self.ask_servers(question, query).await {
            Ok(reply) => {
                cache.put(host, question.rtype, &reply);
                Ok(reply)
            }
            // NXDOMAIN is an answer, not a failed refresh: only failures are covered.
            Err(kind) => match cache.stale(host, question.rtype) {
                Some(reply) => {
                    counters.add(&counters.stale_served);
                    Ok(reply)
                }
                None => Err(kind),
            },
        }
    }

    async fn ask_servers(&self, question: &Question, query: &QueryPlan) -> Result<Reply, ErrorKind> {
        let inner = &*self.inner;
        if inner.nameservers.is_empty() {
            return Err(ErrorKind::DnsError); // nothing to ask
        }
        match query.strategy {
            Strategy::Sequential => sequential::ask(query, &inner.nameservers, question, &inner.counters).await,
            Strategy::Parallel => parallel::ask(query, &inner.nameservers, question, &inner.counters).await,
        }
    }
}

/// The lookup's result from its A and AAAA answers: an IPv4 address first, else an IPv6 one;
/// with neither, A's failure (AAAA's if A's answer was only "no address"), else `dns_nxdomain`.
fn choose(a: Result<&Reply, ErrorKind>, aaaa: Result<&Reply, ErrorKind>) -> Result<IpAddr, ErrorKind> {
    let first = |r: &Result<&Reply, ErrorKind>| match r {
        Ok(Reply::Addresses { ips, .. }) => ips.first().copied(),
        _ => None,
    };
    if let Some(ip) = first(&a).or_else(|| first(&aaaa)) {
        return Ok(ip);
    }
    match (a, aaaa) {
        (Err(kind), _) | (Ok(_), Err(kind)) => Err(kind),
        (Ok(_), Ok(_)) => Err(ErrorKind::DnsNxdomain),
    }
}
