//! `reqwest`: `reqwest::Client::new()` (hyper-util underneath, with a pool timer).

use super::{Knob, Preset};
use crate::scenario::plan::{PoolOrder, SilentRetry};
use std::time::Duration;

pub(super) const PRESET: Preset = Preset {
    name: "reqwest",
    client: "reqwest Client::new() / ClientBuilder defaults (0.12-0.13)",
    knobs: &[
        Knob { key: "request_timeout", source: "src/async_impl/client.rs ClientBuilder::new: timeout None" },
        Knob { key: "connect_timeout", source: "src/async_impl/client.rs ClientBuilder::new: connect_timeout None" },
        Knob { key: "pool_idle_timeout", source: "src/async_impl/client.rs ClientBuilder::new: pool_idle_timeout Some(90s)" },
        Knob { key: "idle_reaper", source: "src/async_impl/client.rs build: pool_timer(TokioTimer::new())" },
        Knob { key: "pool_max_idle_per_host", source: "src/async_impl/client.rs ClientBuilder::new: pool_max_idle_per_host usize::MAX" },
        Knob { key: "pool_order", source: "hyper-util src/client/legacy/pool.rs IdlePopper::pop: the most recently returned" },
        Knob { key: "tcp_keepalive", source: "src/async_impl/client.rs ClientBuilder::new: tcp_keepalive Some(15s)" },
        Knob { key: "silent_retry", source: "hyper-util src/client/legacy/client.rs: retry_canceled_requests true (reqwest keeps it)" },
    ],
    notes: &["reqwest's own retry of HTTP/2 GOAWAY and REFUSED_STREAM (twice, when the body can be cloned) is not modelled"],
    apply: |plan| {
        plan.request_timeout = None;
        plan.connect_timeout = None;
        plan.pool_idle_timeout = Some(Duration::from_secs(90));
        plan.idle_reaper = true;
        plan.pool_max_idle_per_host = usize::MAX;
        plan.pool_order = PoolOrder::Lifo;
        plan.tcp_keepalive = Some(Duration::from_secs(15));
        plan.silent_retry = SilentRetry::Unwritten;
    },
    resolver: None,
};
