//! The stub's fault kinds (layer `dns`), one file each, registered by one line in
//! [`dns_faults!`] below, and how a query meets them ([`FaultTable::apply`]).
//!
//! Every kind also takes the layer's keys, read once here ([`parse_as`]): `name` (one name, or
//! `*.domain` for every name under it; absent: every name), `server` (the 1-based nameserver;
//! absent: every one) and `every_nth` (hits each n-th query matching the fault's name, server
//! and window, counted per fault, then `probability` applies, seeded by the query's index).
//!
//! Several faults hitting one query: delays add up, `ttl` overrides the answer's TTLs, and of
//! the kinds that change the answer (drop, servfail, nxdomain, refused, truncate, flap) the
//! first in `[[fault]]` order wins.

use super::names::NamePattern;
use crate::fault::keys::{Keys, Need};
use crate::fault::spec::KindSpec;
use crate::fault::Indexed;
use crate::seeded::{Purpose, Seeded};
use hickory_proto::rr::{Name, RecordType};
use rand::rngs::SmallRng;
use serde_json::{json, Value};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// Declares the stub's fault kinds: `Variant(module::Type)`, one line a kind. Generates
/// [`DnsFaultKind`], its exhaustive dispatch to each kind's [`DnsKind`] impl, and [`KINDS`].
macro_rules! dns_faults {
    ($($variant:ident($module:ident::$kind:ident)),+ $(,)?) => {
        $(mod $module;)+
        $(pub use $module::$kind;)+

        /// What a fault of layer `dns` does to the queries it hits.
        #[derive(Debug, Clone, PartialEq)]
        pub enum DnsFaultKind {
            $($variant($kind)),+
        }

        impl DnsFaultKind {
            /// The kind as scenarios name it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(DnsFaultKind::$variant(_) => <$kind as DnsKind>::NAME),+
                }
            }

            /// The kind's own keys in scenario vocabulary.
            pub fn normalized(&self) -> Value {
                match self {
                    $(DnsFaultKind::$variant(k) => k.normalized()),+
                }
            }

            fn act(&self, query: &Hit<'_>, out: &mut Effects) {
                match self {
                    $(DnsFaultKind::$variant(k) => k.act(query, out)),+
                }
            }
        }

        $(impl From<$kind> for DnsFaultKind {
            fn from(kind: $kind) -> Self {
                DnsFaultKind::$variant(kind)
            }
        })+

        /// Every dns fault kind, for validation.
        pub const KINDS: &[KindSpec<DnsFault>] = &[$(KindSpec {
            name: <$kind as DnsKind>::NAME,
            keys: <$kind as DnsKind>::KEYS,
            layer_keys: LAYER_KEYS,
            parse: parse_as::<$kind>,
        }),+];
    };
}

dns_faults! {
    Delay(delay::Delay),
    Drop(drop::NoAnswer),
    Servfail(servfail::Servfail),
    Nxdomain(nxdomain::Nxdomain),
    Refused(refused::Refused),
    Truncate(truncate::Truncate),
    Ttl(ttl::Ttl),
    Flap(flap::Flap),
}

/// The keys every dns kind takes, after its own.
const LAYER_KEYS: &[&str] = &["name", "server", "every_nth"];

/// One dns fault kind: its name, its keys, and what it does to a query it hits.
pub(crate) trait DnsKind: Sized + Into<DnsFaultKind> {
    /// The kind's name in scenarios (`kind = "servfail"`, with `layer = "dns"`).
    const NAME: &'static str;
    /// The keys it takes besides `kind`, `layer`, the layer's keys and its window.
    const KEYS: &'static [&'static str];

    /// Reads the kind's keys, with their defaults and limits.
    fn parse(keys: &mut dyn Keys) -> Option<Self>;

    /// Its keys in scenario vocabulary, every default written out.
    fn normalized(&self) -> Value;

    /// Acts on a query it hit.
    fn act(&self, query: &Hit<'_>, out: &mut Effects);
}

/// A kind's keys, then the layer's.
fn parse_as<K: DnsKind>(keys: &mut dyn Keys) -> Option<DnsFault> {
    let kind = K::parse(keys);
    let name = match keys.text("name", Need::Default(String::new())) {
        Some(text) if text.is_empty() && !keys.given("name") => Some(None),
        Some(text) => match NamePattern::parse(&text) {
            Ok(pattern) => Some(Some(pattern)),
            Err(message) => {
                let hint = "one name (\"upstream.test\"), or \"*.example.test\" for every name under it".into();
                keys.invalid("name", message, Some(hint));
                None
            }
        },
        None => None,
    };
    let server = if keys.given("server") {
        keys.count("server", 1, Need::Default(1)).map(|n| Some(n as usize))
    } else {
        Some(None)
    };
    let every_nth = keys.count("every_nth", 1, Need::Default(1));
    Some(DnsFault { kind: kind?.into(), name: name?, server: server?, every_nth: every_nth? })
}

/// A dns fault kind with the layer's keys: which queries it considers.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsFault {
    pub kind: DnsFaultKind,
    /// The names it acts on; `None`: every name.
    pub name: Option<NamePattern>,
    /// The 1-based nameserver it acts on; `None`: every nameserver.
    pub server: Option<usize>,
    /// Hits each n-th query that matches its name, server and window (1: every one).
    pub every_nth: u64,
}

impl DnsFault {
    pub fn new(kind: impl Into<DnsFaultKind>) -> DnsFault {
        DnsFault { kind: kind.into(), name: None, server: None, every_nth: 1 }
    }

    /// The kind's keys and the layer's, in scenario vocabulary (absent `name`/`server`: all).
    pub fn normalized(&self) -> Value {
        let mut params = self.kind.normalized();
        if let Some(name) = &self.name {
            params["name"] = json!(name.text());
        }
        if let Some(server) = self.server {
            params["server"] = json!(server);
        }
        params["every_nth"] = json!(self.every_nth);
        params
    }
}

/// How the answer to a query changes: set by the first answer-changing fault that hits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewrite {
    /// No answer at all.
    Drop,
    Servfail,
    Nxdomain,
    Refused,
    /// Over UDP, an empty answer with TC set; over TCP, the normal answer.
    Truncate,
    /// The queried name answers this one address (A or AAAA by its family).
    Address(IpAddr),
}

/// What the faults that hit one query do to it, gathered in `[[fault]]` order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Added up over every delay that hit.
    pub delay: Duration,
    /// The TTL every answer record gets instead of its own.
    pub ttl: Option<Duration>,
    /// The first answer-changing fault's rewrite.
    pub rewrite: Option<Rewrite>,
}

impl Effects {
    /// Sets the answer unless an earlier fault already changed it.
    pub(crate) fn rewrite(&mut self, rewrite: Rewrite) {
        self.rewrite.get_or_insert(rewrite);
    }
}

/// A query a fault hit, as the kind sees it.
pub(crate) struct Hit<'a> {
    seeded: &'a Seeded,
    /// The query's index over the stub (every nameserver and transport).
    unit: u64,
    /// The fault's `[[fault]]` index.
    fault: usize,
    /// The type asked, and how many queries of that family (A, AAAA, other) this fault hit
    /// before this one: a lookup asks A and AAAA at once, and `flap` alternates per family.
    pub rtype: RecordType,
    pub earlier_hits_of_type: u64,
}

impl Hit<'_> {
    /// The seeded RNG of this query's draw by this fault for `purpose`.
    pub fn rng(&self, purpose: Purpose) -> SmallRng {
        self.seeded.rng(self.unit, self.fault, purpose)
    }
}

/// A query as the fault table matches it.
pub(crate) struct Query<'a> {
    pub name: &'a Name,
    /// 1-based nameserver that received it.
    pub server: usize,
    /// Its index over the stub, from 0.
    pub unit: u64,
    pub at: Instant,
    /// The type asked.
    pub rtype: RecordType,
}

/// A query type's slot among the per-type counters: A, AAAA, any other.
fn type_slot(rtype: RecordType) -> usize {
    match rtype {
        RecordType::A => 0,
        RecordType::AAAA => 1,
        _ => 2,
    }
}

/// The stub's faults with their counters: queries each one matched (for `every_nth`) and hit.
#[derive(Debug)]
pub(crate) struct FaultTable {
    faults: Vec<Entry>,
    seeded: Seeded,
    epoch: Instant,
}

#[derive(Debug)]
struct Entry {
    index: usize,
    plan: crate::fault::FaultPlan<DnsFault>,
    matched: AtomicU64,
    hits: AtomicU64,
    hits_by_type: [AtomicU64; 3],
}

impl FaultTable {
    pub fn new(faults: &[Indexed<DnsFault>], seed: u64, epoch: Instant) -> FaultTable {
        let faults = faults
            .iter()
            .map(|(index, plan)| Entry {
                index: *index,
                plan: plan.clone(),
                matched: AtomicU64::default(),
                hits: AtomicU64::default(),
                hits_by_type: Default::default(),
            })
            .collect();
        FaultTable { faults, seeded: Seeded::new(seed), epoch }
    }

    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// What the faults do to `query`, in `[[fault]]` order.
    pub fn apply(&self, query: &Query<'_>) -> Effects {
        let mut out = Effects::default();
        let elapsed = query.at.saturating_duration_since(self.epoch);
        for entry in &self.faults {
            let fault = &entry.plan;
            if !fault.active_at(elapsed)
                || fault.kind.server.is_some_and(|s| s != query.server)
                || fault.kind.name.as_ref().is_some_and(|p| !p.matches(query.name))
            {
                continue;
            }
            let nth = entry.matched.fetch_add(1, Relaxed) + 1;
            if nth % fault.kind.every_nth != 0
                || !self.seeded.hits(query.unit, entry.index, Purpose::DnsHit, fault.probability)
            {
                continue;
            }
            entry.hits.fetch_add(1, Relaxed);
            let earlier_hits_of_type = entry.hits_by_type[type_slot(query.rtype)].fetch_add(1, Relaxed);
            let hit = Hit {
                seeded: &self.seeded,
                unit: query.unit,
                fault: entry.index,
                rtype: query.rtype,
                earlier_hits_of_type,
            };
            fault.kind.kind.act(&hit, &mut out);
        }
        out
    }

    /// Each fault's `[[fault]]` index, kind and hits so far.
    pub fn hits(&self) -> Vec<super::stats::FaultHits> {
        self.faults
            .iter()
            .map(|e| super::stats::FaultHits {
                index: e.index,
                kind: e.plan.kind.kind.name().to_string(),
                hits: e.hits.load(Relaxed),
            })
            .collect()
    }
}
