//! The mock's counters: live atomics every part of the mock counts into, the snapshot that
//! result.json carries, and the per-second counts of its rare events (cold starts, freezes,
//! hits on frozen connections, idle closes) on the run's time axis.

use crate::server_thread::AcceptCounters;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Instant;

/// A snapshot of a mock's counters.
/// Part of the result.json contract (`clients[].mock` / `clients[].proxy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MockStats {
    /// Requests received (headers read), answered or not.
    pub requests: u64,
    pub connections_accepted: u64,
    /// Connections the mock closed because they were idle for `keep_alive_idle` (FIN or RST at
    /// the timeout, or, for the keep-alive race, reset when the next request arrived).
    pub connections_closed_idle: u64,
    /// Serverless instances started (new, or thawed after a freeze); prewarmed ones are not counted.
    pub cold_starts: u64,
    /// Serverless instances frozen after `freeze_after` idle.
    pub freezes: u64,
    /// Requests that waited for a serverless instance's capacity.
    pub queued: u64,
    /// Requests answered `queue_status` after waiting `queue_timeout` for capacity.
    pub queue_timeouts: u64,
    /// Requests that arrived on a connection whose serverless instance had frozen.
    pub frozen_connection_hits: u64,
    /// Requests (connections, for `reset` at accept) that at least one `[[fault]]` hit.
    pub fault_hits: u64,
    /// Connections accepted at `max_connections` and closed at once (not in `connections_accepted`).
    #[serde(default)]
    pub over_cap: u64,
    /// Times accepting failed for want of file descriptors or memory and the mock backed off.
    #[serde(default)]
    pub accept_backoffs: u64,
    /// Connections whose request head did not arrive within `header_read_timeout`.
    #[serde(default)]
    pub header_timeouts: u64,
    /// Requests whose body paused longer than `body_read_timeout` between two reads.
    #[serde(default)]
    pub body_timeouts: u64,
    /// Connections reset because a response write made no progress for `send_timeout`.
    #[serde(default)]
    pub send_timeouts: u64,
    /// Request heads larger than `max_header_bytes`, answered `431`.
    #[serde(default)]
    pub heads_too_large: u64,
    /// Requests answered `503` because `max_connections` requests were in progress
    /// (`at_max_connections = "503"`).
    #[serde(default)]
    pub limit_conn_rejections: u64,
    /// Times the mock stopped accepting at `max_connections` (`at_max_connections = "backlog"`).
    #[serde(default)]
    pub backlog_pauses: u64,
}

/// An event the mock counts in total and, in a run, per second (see [`MockSecond`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MockEvent {
    ColdStart,
    Freeze,
    FrozenConnectionHit,
    ClosedIdle,
}

/// One second of a configuration's run: the mock's events in it, by when they happened (`t_s`
/// counts from the run's epoch, as `timeline[].t_s` does). result.json `clients[].mock_timeline[]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MockSecond {
    pub t_s: u64,
    /// Serverless instances started (or thawed) in this second.
    #[serde(default)]
    pub cold_starts: u64,
    /// Instances that froze in this second: when their `freeze_after` of idleness ran out, not
    /// when the mock noticed.
    #[serde(default)]
    pub freezes: u64,
    /// Requests that met a frozen instance's connection in this second.
    #[serde(default)]
    pub frozen_connection_hits: u64,
    /// Connections closed (or, for the keep-alive race, reset on arrival) for idleness.
    #[serde(default)]
    pub connections_closed_idle: u64,
}

impl MockSecond {
    fn count(&mut self, event: MockEvent) {
        let field = match event {
            MockEvent::ColdStart => &mut self.cold_starts,
            MockEvent::Freeze => &mut self.freezes,
            MockEvent::FrozenConnectionHit => &mut self.frozen_connection_hits,
            MockEvent::ClosedIdle => &mut self.connections_closed_idle,
        };
        *field += 1;
    }
}

/// The mock's events per second since an epoch: a second's counts are kept from its first event
/// on, so memory grows with the run's length, never with its requests. Events are rare (one per
/// instance start or freeze, per idle connection), so a lock per event costs nothing measurable.
#[derive(Debug)]
struct EventSeconds {
    epoch: Instant,
    seconds: Mutex<Vec<MockSecond>>,
}

impl EventSeconds {
    fn count(&self, event: MockEvent, at: Instant) {
        let t = at.saturating_duration_since(self.epoch).as_secs() as usize;
        let mut seconds = self.seconds.lock().unwrap_or_else(|e| e.into_inner());
        if seconds.len() <= t {
            let from = seconds.len();
            seconds.extend((from..=t).map(|t_s| MockSecond { t_s: t_s as u64, ..MockSecond::default() }));
        }
        seconds[t].count(event);
    }
}

/// The live counters of a mock, shared with whoever wants snapshots of them.
#[derive(Debug, Default)]
pub struct MockCounters {
    pub(super) requests: AtomicU64,
    pub(super) connections_accepted: AtomicU64,
    connections_closed_idle: AtomicU64,
    cold_starts: AtomicU64,
    freezes: AtomicU64,
    pub(super) queued: AtomicU64,
    pub(super) queue_timeouts: AtomicU64,
    frozen_connection_hits: AtomicU64,
    pub(super) fault_hits: AtomicU64,
    pub(super) header_timeouts: AtomicU64,
    pub(super) body_timeouts: AtomicU64,
    pub(super) send_timeouts: AtomicU64,
    pub(super) heads_too_large: AtomicU64,
    pub(super) limit_conn_rejections: AtomicU64,
    pub(super) accept: AcceptCounters,
    /// Per-second event counts, for a mock in a run (`with_timeline`); a standalone mock, which
    /// may run for weeks, keeps totals only.
    timeline: Option<EventSeconds>,
}

impl MockCounters {
    /// Counters that also count events per second since `epoch` (the run's: second 0 of the
    /// client's timeline).
    pub fn with_timeline(epoch: Instant) -> MockCounters {
        MockCounters {
            timeline: Some(EventSeconds { epoch, seconds: Mutex::new(Vec::new()) }),
            ..MockCounters::default()
        }
    }

    /// Counts `event`, which happened `at`, in its total and in its second.
    pub(super) fn event(&self, event: MockEvent, at: Instant) {
        let total = match event {
            MockEvent::ColdStart => &self.cold_starts,
            MockEvent::Freeze => &self.freezes,
            MockEvent::FrozenConnectionHit => &self.frozen_connection_hits,
            MockEvent::ClosedIdle => &self.connections_closed_idle,
        };
        total.fetch_add(1, Relaxed);
        if let Some(timeline) = &self.timeline {
            timeline.count(event, at);
        }
    }

    /// The events per second so far, from second 0 to the last with an event (empty without a
    /// timeline or without events).
    pub fn timeline(&self) -> Vec<MockSecond> {
        match &self.timeline {
            Some(t) => t.seconds.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            None => Vec::new(),
        }
    }

    pub fn snapshot(&self) -> MockStats {
        MockStats {
            requests: self.requests.load(Relaxed),
            connections_accepted: self.connections_accepted.load(Relaxed),
            connections_closed_idle: self.connections_closed_idle.load(Relaxed),
            cold_starts: self.cold_starts.load(Relaxed),
            freezes: self.freezes.load(Relaxed),
            queued: self.queued.load(Relaxed),
            queue_timeouts: self.queue_timeouts.load(Relaxed),
            frozen_connection_hits: self.frozen_connection_hits.load(Relaxed),
            fault_hits: self.fault_hits.load(Relaxed),
            over_cap: self.accept.over_cap.load(Relaxed),
            accept_backoffs: self.accept.backoffs.load(Relaxed),
            header_timeouts: self.header_timeouts.load(Relaxed),
            body_timeouts: self.body_timeouts.load(Relaxed),
            send_timeouts: self.send_timeouts.load(Relaxed),
            heads_too_large: self.heads_too_large.load(Relaxed),
            limit_conn_rejections: self.limit_conn_rejections.load(Relaxed),
            backlog_pauses: self.accept.pauses.load(Relaxed),
        }
    }
}
