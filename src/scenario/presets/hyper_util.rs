//! `hyper-util`: hyper-util's legacy `Client` as `Client::builder(TokioExecutor::new())` builds
//! it, with no pool timer.

use super::{Knob, Preset};
use crate::scenario::plan::{PoolOrder, SilentRetry};
use std::time::Duration;

pub(super) const PRESET: Preset = Preset {
    name: "hyper-util",
    client: "hyper-util legacy Client, Client::builder() defaults (0.1.x)",
    knobs: &[
        Knob { key: "pool_idle_timeout", source: "src/client/legacy/pool.rs Config: idle_timeout Some(90s) (client.rs Builder::new)" },
        Knob { key: "idle_reaper", source: "src/client/legacy/pool.rs: the idle interval runs only with Builder::pool_timer; without it an expired connection is dropped when a checkout finds it" },
        Knob { key: "pool_max_idle_per_host", source: "src/client/legacy/client.rs Builder::new: pool_max_idle_per_host usize::MAX" },
        Knob { key: "pool_order", source: "src/client/legacy/pool.rs IdlePopper::pop: list.pop(), the most recently returned" },
        Knob { key: "connect_timeout", source: "src/client/legacy/connect/http.rs HttpConnector::new: connect_timeout None" },
        Knob { key: "tcp_keepalive", source: "src/client/legacy/connect/http.rs HttpConnector::new: keep_alive_timeout None" },
        Knob { key: "silent_retry", source: "src/client/legacy/client.rs: retry_canceled_requests true; retried when a reused connection gave the request back unsent" },
    ],
    notes: &["HttpConnector leaves TCP_NODELAY off by default; chaosload always sets it"],
    apply: |plan| {
        plan.pool_idle_timeout = Some(Duration::from_secs(90));
        plan.idle_reaper = false;
        plan.pool_max_idle_per_host = usize::MAX;
        plan.pool_order = PoolOrder::Lifo;
        plan.connect_timeout = None;
        plan.tcp_keepalive = None;
        plan.silent_retry = SilentRetry::Unwritten;
    },
    resolver: None,
};
