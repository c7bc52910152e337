//! `java-httpclient`: `java.net.http.HttpClient.newHttpClient()` on current JDKs.

use super::{Knob, Preset};
use crate::scenario::plan::{CachePlan, PoolOrder, QueryPlan, ResolverPlan, SilentRetry};
use std::time::Duration;

pub(super) const PRESET: Preset = Preset {
    name: "java-httpclient",
    client: "java.net.http.HttpClient.newHttpClient() (JDK 21+), HTTP/1.1",
    knobs: &[
        Knob { key: "pool_idle_timeout", source: "jdk.internal.net.http.ConnectionPool: jdk.httpclient.keepalive.timeout 30 (seconds, since JDK 20; 1200 before)" },
        Knob { key: "max_conns_per_host", source: "jdk.internal.net.http.ConnectionPool: jdk.httpclient.connectionPoolSize 0, unbounded" },
        Knob { key: "pool_max_idle_per_host", source: "jdk.internal.net.http.ConnectionPool: jdk.httpclient.connectionPoolSize 0, unbounded" },
        Knob { key: "pool_order", source: "jdk.internal.net.http.ConnectionPool.getConnection: the first of the pooled list, the least recently returned" },
        Knob { key: "connect_timeout", source: "java.net.http.HttpClient.Builder.connectTimeout: none unless set" },
        Knob { key: "request_timeout", source: "java.net.http.HttpRequest.Builder.timeout: none unless set" },
        Knob { key: "silent_retry", source: "jdk.internal.net.http.MultiExchange: ConnectionExpiredException retried once, GET and HEAD only unless jdk.httpclient.enableAllMethodRetry" },
    ],
    notes: &[
        "names: the JVM's InetAddress cache, networkaddress.cache.ttl 30s whatever the record's TTL (used where the run looks names up, with [dns])",
        "MultiExchange also retries a refused connect (ConnectException) once; not modelled",
    ],
    apply: |plan| {
        plan.pool_idle_timeout = Some(Duration::from_secs(30));
        plan.max_conns_per_host = None;
        plan.pool_max_idle_per_host = usize::MAX;
        plan.pool_order = PoolOrder::Fifo;
        plan.connect_timeout = None;
        plan.request_timeout = None;
        plan.silent_retry = SilentRetry::Idempotent;
    },
    resolver: Some(jvm_address_cache),
};

/// The JVM's positive cache: every answer kept 30 seconds, whatever its TTL.
pub(super) fn jvm_address_cache() -> ResolverPlan {
    let ttl = Duration::from_secs(30);
    ResolverPlan::Cached(CachePlan {
        query: QueryPlan::default(),
        min_ttl: ttl,
        max_ttl: ttl,
        negative: true,
        serve_stale: None,
    })
}
