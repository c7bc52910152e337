//! What a client configuration's resolver is (`[[client]] resolver = { … }`): its kind and knobs.

use crate::vocabulary::words;
use std::time::Duration;

/// The resolver a client configuration looks its target's name up with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolverPlan {
    /// A lookup per new connection, nothing kept (Go's pure resolver, musl, glibc without nscd).
    Uncached(QueryPlan),
    /// The same query path for misses, plus a TTL cache.
    Cached(CachePlan),
    /// getaddrinfo: the machine's own resolver, out of the stub's reach.
    System,
}

impl ResolverPlan {
    /// The scenario word of this kind (`resolver.kind`).
    pub fn kind_word(&self) -> &'static str {
        match self {
            ResolverPlan::Uncached(_) => "uncached",
            ResolverPlan::Cached(_) => "cached",
            ResolverPlan::System => "system",
        }
    }
}

/// How a lookup asks the nameservers: the part `uncached` and `cached` share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPlan {
    /// Sequential: the limit on one query to one server. Parallel: the limit on the whole lookup
    /// (musl's meaning), re-sent every `timeout / attempts`.
    pub timeout: Duration,
    /// Sequential: rounds over the servers. Parallel: sends to every server within `timeout`.
    pub attempts: u32,
    /// How many of the stub's nameservers the resolver is given (resolv.conf's `nameserver` lines).
    pub servers: usize,
    pub strategy: Strategy,
    /// Concurrent lookups of one name join one (Go's singleflight).
    pub coalesce: bool,
}

impl Default for QueryPlan {
    /// Go's pure resolver: `timeout:5 attempts:2`, one nameserver, one lookup per name at a time.
    fn default() -> Self {
        QueryPlan {
            timeout: Duration::from_secs(5),
            attempts: 2,
            servers: 1,
            strategy: Strategy::Sequential,
            coalesce: true,
        }
    }
}

/// The order in which a lookup's queries go to the nameservers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Go's pure resolver and glibc: each attempt tries each server in turn.
    Sequential,
    /// musl's `res_msend`: every server at once, the first usable answer wins.
    Parallel,
}

words!(Strategy { Sequential => "sequential", Parallel => "parallel" });

/// `cached`: the query path for misses and the cache's knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePlan {
    pub query: QueryPlan,
    /// Record TTLs are raised to at least this…
    pub min_ttl: Duration,
    /// …and lowered to at most this.
    pub max_ttl: Duration,
    /// NXDOMAIN and NODATA are cached for the SOA's negative TTL (RFC 2308).
    pub negative: bool,
    /// When a refresh fails, an entry expired at most this long ago is served (RFC 8767).
    pub serve_stale: Option<Duration>,
}

impl Default for CachePlan {
    fn default() -> Self {
        CachePlan {
            query: QueryPlan::default(),
            min_ttl: Duration::ZERO,
            max_ttl: Duration::from_secs(3600),
            negative: true,
            serve_stale: None,
        }
    }
}
