//! `node-agent`: Node's `http.globalAgent` from Node 19 on (keep-alive by default).

use super::{Knob, Preset};
use crate::scenario::plan::{PoolOrder, SilentRetry};
use std::time::Duration;

pub(super) const PRESET: Preset = Preset {
    name: "node-agent",
    client: "Node.js http.globalAgent (Node 19+): new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 })",
    knobs: &[
        Knob { key: "keep_alive", source: "lib/_http_agent.js: globalAgent = new Agent({ keepAlive: true, ... })" },
        Knob { key: "pool_idle_timeout", source: "lib/_http_agent.js: globalAgent timeout 5000; a free socket's timeout destroys it" },
        Knob { key: "pool_order", source: "lib/_http_agent.js: globalAgent scheduling 'lifo'" },
        Knob { key: "pool_max_idle_per_host", source: "lib/_http_agent.js: maxFreeSockets 256" },
        Knob { key: "max_conns_per_host", source: "lib/_http_agent.js: maxSockets Infinity" },
        Knob { key: "tcp_keepalive", source: "lib/_http_agent.js: keepAliveMsecs 1000, socket.setKeepAlive(true, keepAliveMsecs)" },
        Knob { key: "silent_retry", source: "lib/_http_client.js: a request on a reused socket that fails emits 'error' (req.reusedSocket tells it); no retry" },
    ],
    notes: &["the agent's 5s socket timeout only emits 'timeout' on a request in flight; it does not abort it"],
    apply: |plan| {
        plan.keep_alive = true;
        plan.pool_idle_timeout = Some(Duration::from_secs(5));
        plan.pool_order = PoolOrder::Lifo;
        plan.pool_max_idle_per_host = 256;
        plan.max_conns_per_host = None;
        plan.tcp_keepalive = Some(Duration::from_secs(1));
        plan.silent_retry = SilentRetry::None;
    },
    resolver: None,
};
