//! The `cached` resolver's TTL cache, per name and record type: record TTLs clamped to
//! `min_ttl`..=`max_ttl`, negative answers kept for the SOA's TTL (RFC 2308) when `negative` is
//! on, and an expired entry served when its refresh fails, within `serve_stale` (RFC 8767).
//! It sits on our own query path (hickory-resolver has no serve-stale and a query loop of its
//! own), so a `cached` configuration differs from an `uncached` one by the cache alone.
//! A hit is on every new connection's path, so it is one lock and one hash of the name as the
//! lookup spells it, and answers both types at once ([`Cache::fresh_address`]).

use super::query::Reply;
use crate::record::ErrorKind;
use crate::scenario::CachePlan;
use hickory_proto::rr::RecordType;
use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Names kept at most (each with an A and an AAAA entry): a load test asks for a handful of
/// names, so this only bounds memory against a scenario that would ask for many.
const MAX_NAMES: usize = 2048;

pub(super) struct Cache {
    min_ttl: Duration,
    max_ttl: Duration,
    negative: bool,
    serve_stale: Option<Duration>,
    /// By [`key`]: the name lower-cased, without its final dot.
    names: Mutex<HashMap<String, Types>>,
}

/// A name's entries, one per type a lookup asks.
#[derive(Default)]
struct Types {
    a: Option<Entry>,
    aaaa: Option<Entry>,
}

impl Types {
    /// The entry slot of `rtype`; None for a type lookups never ask (so never cached).
    fn slot(&mut self, rtype: RecordType) -> Option<&mut Option<Entry>> {
        match rtype {
            RecordType::A => Some(&mut self.a),
            RecordType::AAAA => Some(&mut self.aaaa),
            _ => None,
        }
    }

    fn get(&self, rtype: RecordType) -> Option<&Entry> {
        match rtype {
            RecordType::A => self.a.as_ref(),
            RecordType::AAAA => self.aaaa.as_ref(),
            _ => None,
        }
    }
}

struct Entry {
    reply: Reply,
    expires: Instant,
}

/// The cache's key for `host`: DNS names compare case-insensitively, and `name` and `name.`
/// are one name to a stub resolver without search domains. Borrowed (no allocation) for a name
/// already so spelt, as a target's name is on every lookup.
fn key(host: &str) -> Cow<'_, str> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    }
}

impl Cache {
    pub(super) fn new(plan: &CachePlan) -> Cache {
        Cache {
            min_ttl: plan.min_ttl,
            max_ttl: plan.max_ttl,
            negative: plan.negative,
            serve_stale: plan.serve_stale,
            names: Mutex::new(HashMap::new()),
        }
    }

    /// The lookup's result when both its A and AAAA entries are fresh (see `super::choose`),
    /// read without copying them; None when either must be asked.
    pub(super) fn fresh_address(&self, host: &str) -> Option<Result<IpAddr, ErrorKind>> {
        let names = self.names.lock().expect("cache lock");
        let types = names.get(key(host).as_ref())?;
        let (a, aaaa) = (types.a.as_ref()?, types.aaaa.as_ref()?);
        let now = Instant::now();
        (now < a.expires && now < aaaa.expires).then(|| super::choose(Ok(&a.reply), Ok(&aaaa.reply)))
    }

    /// The entry for this question, if it has not expired.
    pub(super) fn fresh(&self, host: &str, rtype: RecordType) -> Option<Reply> {
        let names = self.names.lock().expect("cache lock");
        let entry = names.get(key(host).as_ref())?.get(rtype)?;
        (Instant::now() < entry.expires).then(|| entry.reply.clone())
    }

    /// The entry for this question if it expired at most `serve_stale` ago: served when a
    /// refresh failed (RFC 8767 §4).
    pub(super) fn stale(&self, host: &str, rtype: RecordType) -> Option<Reply> {
        let window = self.serve_stale?;
        let names = self.names.lock().expect("cache lock");
        let entry = names.get(key(host).as_ref())?.get(rtype)?;
        (Instant::now().saturating_duration_since(entry.expires) <= window).then(|| entry.reply.clone())
    }

    /// Keeps an answer for its clamped TTL. A negative answer is kept only with `negative` on
    /// and an SOA to say for how long (RFC 2308 §5: without one it is not cached).
    pub(super) fn put(&self, host: &str, rtype: RecordType, reply: &Reply) {
        let ttl = match reply {
            Reply::Addresses { ttl, .. } => *ttl,
            Reply::NoAddress { negative_ttl: Some(ttl) } if self.negative => *ttl,
            Reply::NoAddress { .. } => return,
        };
        let ttl = ttl.clamp(self.min_ttl, self.max_ttl.max(self.min_ttl));
        let now = Instant::now();
        let key = key(host);
        let mut names = self.names.lock().expect("cache lock");
        if names.len() >= MAX_NAMES && !names.contains_key(key.as_ref()) {
            let keep = self.serve_stale.unwrap_or_default();
            let kept = |entry: &Option<Entry>| {
                entry.as_ref().is_some_and(|e| now.saturating_duration_since(e.expires) <= keep)
            };
            names.retain(|_, types| kept(&types.a) || kept(&types.aaaa));
            if names.len() >= MAX_NAMES {
                return;
            }
        }
        let Some(slot) = names.entry(key.into_owned()).or_default().slot(rtype) else {
            return;
        };
        *slot = Some(Entry { reply: reply.clone(), expires: crate::timer::after(now, ttl) });
    }
}
