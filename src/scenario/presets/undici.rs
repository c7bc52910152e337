//! `undici`: undici's `Agent`/`Pool`/`Client` defaults, which Node's global `fetch` uses.

use super::{Knob, Preset};
use crate::scenario::plan::{PoolOrder, SilentRetry};
use std::time::Duration;

pub(super) const PRESET: Preset = Preset {
    name: "undici",
    client: "undici Client/Pool defaults, Node's global fetch (undici 5-8, Node 18-24)",
    knobs: &[
        Knob { key: "pool_idle_timeout", source: "lib/dispatcher/client.js: keepAliveTimeout 4e3 (4s) without a Keep-Alive hint from the server" },
        Knob { key: "response_header_timeout", source: "lib/dispatcher/client.js: headersTimeout 300e3 (300s)" },
        Knob { key: "read_timeout", source: "lib/dispatcher/client.js: bodyTimeout 300e3 (300s) between body chunks" },
        Knob { key: "connect_timeout", source: "lib/core/connect.js buildConnector: timeout 10e3 (10s)" },
        Knob { key: "tcp_keepalive", source: "lib/core/connect.js buildConnector: socket.setKeepAlive(true, keepAliveInitialDelay 60e3)" },
        Knob { key: "max_conns_per_host", source: "lib/dispatcher/pool.js: connections null, unlimited" },
        Knob { key: "pool_order", source: "lib/dispatcher/pool.js [kGetDispatcher]: the first client not busy, oldest first" },
        Knob { key: "silent_retry", source: "lib/dispatcher/client-h1.js: a request already written fails with the socket (no retry without a RetryAgent)" },
    ],
    notes: &[
        "undici follows a server's Keep-Alive: timeout=N hint (minus keepAliveTimeoutThreshold, up to keepAliveMaxTimeout 600s); chaosload keeps 4s",
        "pipelining 1: one request at a time per connection, as chaosload's HTTP/1.1 client",
    ],
    apply: |plan| {
        plan.pool_idle_timeout = Some(Duration::from_secs(4));
        plan.response_header_timeout = Some(Duration::from_secs(300));
        plan.read_timeout = Some(Duration::from_secs(300));
        plan.connect_timeout = Some(Duration::from_secs(10));
        plan.tcp_keepalive = Some(Duration::from_secs(60));
        plan.max_conns_per_host = None;
        plan.pool_order = PoolOrder::Fifo;
        plan.silent_retry = SilentRetry::None;
    },
    resolver: None,
};
