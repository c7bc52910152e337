//! `python-requests`: a `requests.Session()` with its default `HTTPAdapter` (urllib3 underneath).

use super::{Knob, Preset};
use crate::scenario::plan::{PoolOrder, SilentRetry};

pub(super) const PRESET: Preset = Preset {
    name: "python-requests",
    client: "requests Session() with HTTPAdapter defaults (requests 2.32, urllib3 2.x)",
    knobs: &[
        Knob { key: "pool_max_idle_per_host", source: "requests/adapters.py: DEFAULT_POOLSIZE 10 (pool_maxsize; pool_block False)" },
        Knob { key: "max_conns_per_host", source: "requests/adapters.py: DEFAULT_POOLBLOCK False, so connections past the pool are opened and discarded" },
        Knob { key: "pool_idle_timeout", source: "urllib3/connectionpool.py: no idle expiry; a dropped connection is found at checkout (is_connection_dropped)" },
        Knob { key: "pool_order", source: "urllib3/connectionpool.py: QueueCls = queue.LifoQueue" },
        Knob { key: "request_timeout", source: "requests/sessions.py: timeout None unless passed per request" },
        Knob { key: "connect_timeout", source: "requests/sessions.py: timeout None unless passed per request" },
        Knob { key: "silent_retry", source: "requests/adapters.py: DEFAULT_RETRIES 0, max_retries = Retry(0, read=False)" },
    ],
    notes: &["requests.get() without a Session makes a Session per call, so nothing is pooled: keep_alive = false is that client"],
    apply: |plan| {
        plan.pool_max_idle_per_host = 10;
        plan.max_conns_per_host = None;
        plan.pool_idle_timeout = None;
        plan.pool_order = PoolOrder::Lifo;
        plan.request_timeout = None;
        plan.connect_timeout = None;
        plan.silent_retry = SilentRetry::None;
    },
    resolver: None,
};
