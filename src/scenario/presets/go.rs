//! `go`: Go's `net/http` with `http.DefaultTransport` and a zero `http.Client{}`.

use super::{Knob, Preset};
use crate::scenario::plan::{PoolOrder, SilentRetry};
use std::time::Duration;

pub(super) const PRESET: Preset = Preset {
    name: "go",
    client: "Go net/http DefaultTransport, http.Client{} (go1.19-go1.24)",
    knobs: &[
        Knob { key: "connect_timeout", source: "net/http/transport.go DefaultTransport: net.Dialer{Timeout: 30 * time.Second}" },
        Knob { key: "tcp_keepalive", source: "net/http/transport.go DefaultTransport: net.Dialer{KeepAlive: 30 * time.Second}" },
        Knob { key: "pool_idle_timeout", source: "net/http/transport.go DefaultTransport: IdleConnTimeout: 90 * time.Second" },
        Knob { key: "idle_reaper", source: "net/http/transport.go putOrCloseIdleConn: pconn.idleTimer = time.AfterFunc(IdleConnTimeout, closeConnIfStillIdle)" },
        Knob { key: "pool_max_idle_per_host", source: "net/http/transport.go: DefaultMaxIdleConnsPerHost = 2 (MaxIdleConns: 100 across hosts)" },
        Knob { key: "pool_order", source: "net/http/transport.go queueForIdleConn: the most recently used idle connection, list[len(list)-1]" },
        Knob { key: "max_conns_per_host", source: "net/http/transport.go: MaxConnsPerHost zero means no limit" },
        Knob { key: "expect_continue_timeout", source: "net/http/transport.go DefaultTransport: ExpectContinueTimeout: 1 * time.Second" },
        Knob { key: "request_timeout", source: "net/http/client.go: Client.Timeout zero means no timeout" },
        Knob { key: "response_header_timeout", source: "net/http/transport.go: ResponseHeaderTimeout zero means no timeout" },
        Knob { key: "silent_retry", source: "net/http/transport.go persistConn.shouldRetryRequest, Request.isReplayable (net/http/request.go)" },
        Knob { key: "tls_handshake_timeout", source: "net/http/transport.go DefaultTransport: TLSHandshakeTimeout: 10 * time.Second" },
        Knob { key: "http", source: "net/http/transport.go: ForceAttemptHTTP2 applies to TLS (ALPN); plain http:// is HTTP/1.1" },
    ],
    notes: &[
        "Go's resolver is the default one: a lookup per new connection, timeout:5 attempts:2, no cache",
        "MaxResponseHeaderBytes (10 MiB) is not modelled",
        "over https Go offers h2 and http/1.1 in ALPN and takes what the server picks; chaosload offers one: set http = \"2\" for a server that speaks h2",
    ],
    apply: |plan| {
        plan.connect_timeout = Some(Duration::from_secs(30));
        plan.tcp_keepalive = Some(Duration::from_secs(30));
        plan.pool_idle_timeout = Some(Duration::from_secs(90));
        plan.idle_reaper = true;
        plan.pool_max_idle_per_host = 2;
        plan.pool_order = PoolOrder::Lifo;
        plan.max_conns_per_host = None;
        plan.expect_continue_timeout = Some(Duration::from_secs(1));
        plan.request_timeout = None;
        plan.response_header_timeout = None;
        plan.silent_retry = SilentRetry::Go;
        plan.tls.handshake_timeout = Some(Duration::from_secs(10));
    },
    resolver: None,
};
