//! `okhttp`: `OkHttpClient()` defaults (OkHttp 4.x-5.x), over HTTP/1.1.

use super::{Knob, Preset};
use crate::scenario::plan::{PoolOrder, SilentRetry};
use std::time::Duration;

pub(super) const PRESET: Preset = Preset {
    name: "okhttp",
    client: "OkHttpClient() defaults (OkHttp 4.12, 5.x)",
    knobs: &[
        Knob { key: "pool_max_idle_per_host", source: "okhttp3/ConnectionPool.kt: ConnectionPool(maxIdleConnections = 5, ...)" },
        Knob { key: "pool_idle_timeout", source: "okhttp3/ConnectionPool.kt: keepAliveDuration = 5, TimeUnit.MINUTES" },
        Knob { key: "pool_order", source: "okhttp3/internal/connection/RealConnectionPool.kt callAcquirePooledConnection: the connections in the order they were opened" },
        Knob { key: "connect_timeout", source: "okhttp3/OkHttpClient.kt Builder: connectTimeout = 10_000 ms" },
        Knob { key: "read_timeout", source: "okhttp3/OkHttpClient.kt Builder: readTimeout = 10_000 ms (each socket read)" },
        Knob { key: "request_timeout", source: "okhttp3/OkHttpClient.kt Builder: callTimeout = 0, none" },
        Knob { key: "silent_retry", source: "okhttp3/internal/http/RetryAndFollowUpInterceptor.kt recover: retryOnConnectionFailure = true, any method whose body is not one-shot" },
    ],
    notes: &[
        "writeTimeout (10s) is not modelled",
        "names: Dns.SYSTEM on the JVM, whose InetAddress cache keeps answers 30s (used where the run looks names up, with [dns])",
    ],
    apply: |plan| {
        plan.pool_max_idle_per_host = 5;
        plan.pool_idle_timeout = Some(Duration::from_secs(300));
        plan.pool_order = PoolOrder::Fifo;
        plan.connect_timeout = Some(Duration::from_secs(10));
        plan.read_timeout = Some(Duration::from_secs(10));
        plan.request_timeout = None;
        plan.silent_retry = SilentRetry::BeforeResponse;
    },
    resolver: Some(super::java_httpclient::jvm_address_cache),
};
