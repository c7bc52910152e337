//! `httpx`: `httpx.Client()` / `AsyncClient()` defaults (httpcore underneath).

use super::{Knob, Preset};
use crate::scenario::plan::{PoolOrder, SilentRetry};
use std::time::Duration;

pub(super) const PRESET: Preset = Preset {
    name: "httpx",
    client: "httpx Client() defaults (httpx 0.27-0.28, httpcore 1.x)",
    knobs: &[
        Knob { key: "connect_timeout", source: "httpx/_config.py: DEFAULT_TIMEOUT_CONFIG = Timeout(timeout=5.0), connect 5s" },
        Knob { key: "read_timeout", source: "httpx/_config.py: DEFAULT_TIMEOUT_CONFIG = Timeout(timeout=5.0), read 5s per read" },
        Knob { key: "max_conns_per_host", source: "httpx/_config.py: DEFAULT_LIMITS = Limits(max_connections=100)" },
        Knob { key: "pool_max_idle_per_host", source: "httpx/_config.py: DEFAULT_LIMITS = Limits(max_keepalive_connections=20)" },
        Knob { key: "pool_idle_timeout", source: "httpx/_config.py: Limits(keepalive_expiry=5.0)" },
        Knob { key: "idle_reaper", source: "httpcore/_sync/connection_pool.py: expired connections are closed when the pool next assigns requests, no timer" },
        Knob { key: "pool_order", source: "httpcore/_sync/connection_pool.py _assign_requests_to_connections: the first available connection, oldest first" },
        Knob { key: "silent_retry", source: "httpcore/_sync/connection_pool.py handle_request: ConnectionNotAvailable (nothing sent) is retried on another connection" },
    ],
    notes: &["write (5s) and pool (5s) timeouts are not modelled; transport retries (connect failures) are 0 by default"],
    apply: |plan| {
        plan.connect_timeout = Some(Duration::from_secs(5));
        plan.read_timeout = Some(Duration::from_secs(5));
        plan.max_conns_per_host = Some(100);
        plan.pool_max_idle_per_host = 20;
        plan.pool_idle_timeout = Some(Duration::from_secs(5));
        plan.idle_reaper = false;
        plan.pool_order = PoolOrder::Fifo;
        plan.silent_retry = SilentRetry::Unwritten;
    },
    resolver: None,
};
