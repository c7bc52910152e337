//! What the DNS stub serves ([`DnsPlan`]: the records of `[dns]`, its nameservers, the TTL of
//! its negative answers) and what it is started with ([`DnsConfig`]: the plan, its layer's
//! faults with their `[[fault]]` indices, the seed and the epoch fault windows count from).

use super::faults::DnsFault;
use crate::fault::Indexed;
use crate::vocabulary::duration_str;
use serde_json::{json, Value};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

/// A record's TTL when `[dns]` leaves it out.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);
/// The TTL of the SOA sent with NXDOMAIN and NODATA answers when `[dns]` leaves it out.
pub const DEFAULT_NEGATIVE_TTL: Duration = Duration::from_secs(5);
/// The address validation gives `mock_name` when no record names it.
pub const MOCK_ADDRESS: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// `[dns]`, validated: every name lowercase, without its trailing dot, unique.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsPlan {
    pub records: Vec<DnsRecord>,
    /// How many nameservers the stub runs, each on a UDP and TCP port of its own (≥ 1).
    pub nameservers: usize,
    /// The TTL (and SOA MINIMUM) of the SOA in NXDOMAIN/NODATA answers (RFC 2308), so a caching
    /// resolver can cache negative answers.
    pub negative_ttl: Duration,
    /// The name the built-in mock is reachable by; `records` has an A record for it.
    pub mock_name: Option<String>,
}

impl Default for DnsPlan {
    fn default() -> Self {
        DnsPlan { records: Vec::new(), nameservers: 1, negative_ttl: DEFAULT_NEGATIVE_TTL, mock_name: None }
    }
}

/// One name the stub answers for.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsRecord {
    /// Lowercase, no trailing dot (`upstream.test`).
    pub name: String,
    pub a: Vec<Ipv4Addr>,
    pub aaaa: Vec<Ipv6Addr>,
    /// An alias: answered with the CNAME and the target's records (chased within `records`).
    pub cname: Option<String>,
    pub ttl: Duration,
}

impl DnsRecord {
    /// A record with addresses only, at the default TTL.
    pub fn addresses(name: &str, a: &[Ipv4Addr], aaaa: &[Ipv6Addr]) -> DnsRecord {
        DnsRecord { name: name.into(), a: a.to_vec(), aaaa: aaaa.to_vec(), cname: None, ttl: DEFAULT_TTL }
    }
}

impl DnsPlan {
    /// `[dns]` in scenario vocabulary, every default written out (read back as the same plan).
    pub fn normalized(&self) -> Value {
        let records: Vec<Value> = self
            .records
            .iter()
            .map(|r| {
                let mut out = json!({ "name": r.name, "ttl": duration_str(r.ttl) });
                if !r.a.is_empty() {
                    out["a"] = r.a.iter().map(ToString::to_string).collect();
                }
                if !r.aaaa.is_empty() {
                    out["aaaa"] = r.aaaa.iter().map(ToString::to_string).collect();
                }
                if let Some(cname) = &r.cname {
                    out["cname"] = json!(cname);
                }
                out
            })
            .collect();
        let mut out = json!({
            "records": records,
            "nameservers": self.nameservers,
            "negative_ttl": duration_str(self.negative_ttl),
        });
        if let Some(name) = &self.mock_name {
            out["mock_name"] = json!(name);
        }
        out
    }
}

/// What a DNS stub is started with.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    pub plan: DnsPlan,
    /// The faults of layer `dns`, with their `[[fault]]` index (which keys their seeded draws).
    pub faults: Vec<Indexed<DnsFault>>,
    pub seed: u64,
    /// When the fault windows start (the configuration's epoch; a standalone server's start).
    pub epoch: Instant,
}
