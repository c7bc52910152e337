//! The `cached` resolver's TTL cache, per name and record type: record TTLs clamped to
//! `min_ttl`..=`max_ttl`, negative answers kept for the SOA's TTL (RFC 2308) when `negative` is
//! on, and an expired entry served when its refresh fails, within `serve_stale` (RFC 8767).
//! It sits on our own query path (hickory-resolver has no serve-stale and a query loop of its
//! own), so a `cached` configuration differs from an `uncached` one by the cache alone.

use super::query::Reply;
use crate::scenario::CachePlan;
use hickory_proto::rr::{Name, RecordType};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept at most: a load test asks for a handful of names, so this only bounds memory
/// against a scenario that would ask for many.
const MAX_ENTRIES: usize = 4096;

pub(super) struct Cache {
    min_ttl: Duration,
    max_ttl: Duration,
    negative: bool,
    serve_stale: Option<Duration>,
    entries: Mutex<HashMap<(Name, RecordType), Entry>>,
}

struct Entry {
    reply: Reply,
    expires: Instant,
}

impl Cache {
    pub(super) fn new(plan: &CachePlan) -> Cache {
        Cache {
            min_ttl: plan.min_ttl,
            max_ttl: plan.max_ttl,
            negative: plan.negative,
            serve_stale: plan.serve_stale,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The entry for this question, if it has not expired.
    pub(super) fn fresh(&self, name: &Name, rtype: RecordType) -> Option<Reply> {
        let entries = self.entries.lock().expect("cache lock");
        let entry = entries.get(&(name.clone(), rtype))?;
        (Instant::now() < entry.expires).then(|| entry.reply.clone())
    }

    /// The entry for this question if it expired at most `serve_stale` ago: served when a
    /// refresh failed (RFC 8767 §4).
    pub(super) fn stale(&self, name: &Name, rtype: RecordType) -> Option<Reply> {
        let window = self.serve_stale?;
        let entries = self.entries.lock().expect("cache lock");
        let entry = entries.get(&(name.clone(), rtype))?;
        (Instant::now().saturating_duration_since(entry.expires) <= window).then(|| entry.reply.clone())
    }

    /// Keeps an answer for its clamped TTL. A negative answer is kept only with `negative` on
    /// and an SOA to say for how long (RFC 2308 §5: without one it is not cached).
    pub(super) fn put(&self, name: &Name, rtype: RecordType, reply: &Reply) {
        let ttl = match reply {
            Reply::Addresses { ttl, .. } => *ttl,
            Reply::NoAddress { negative_ttl: Some(ttl) } if self.negative => *ttl,
            Reply::NoAddress { .. } => return,
        };
        let ttl = ttl.clamp(self.min_ttl, self.max_ttl.max(self.min_ttl));
        let now = Instant::now();
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&(name.clone(), rtype)) {
            let keep = self.serve_stale.unwrap_or_default();
            entries.retain(|_, e| now.saturating_duration_since(e.expires) <= keep);
            if entries.len() >= MAX_ENTRIES {
                return;
            }
        }
        let expires = crate::timer::after(now, ttl);
        entries.insert((name.clone(), rtype), Entry { reply: reply.clone(), expires });
    }
}
