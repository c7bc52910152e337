//! `[dns]`: the DNS stub's records, nameservers and negative TTL (for a run, and for
//! `chaosload dns --config`), and the dns faults' `server` checked against the nameservers.

use super::diagnostic::Cx;
use crate::dns::names::parse_name;
use crate::dns::plan::{DnsPlan, DnsRecord, DEFAULT_TTL, MOCK_ADDRESS};
use crate::scenario::ceilings;
use crate::scenario::plan::{FaultKind, FaultPlan};
use crate::scenario::raw::{OneOrMany, RawDns, RawDnsRecord};
use std::net::IpAddr;

impl Cx<'_> {
    /// `[dns]`, if the document has it.
    pub(super) fn dns_section(&mut self) -> Option<DnsPlan> {
        let value = self.doc.get("dns")?;
        let plan = self.section::<RawDns>("dns", value).map_or_else(DnsPlan::default, |raw| self.dns(&raw));
        Some(plan)
    }

    fn dns(&mut self, raw: &RawDns) -> DnsPlan {
        let mut plan = DnsPlan::default();
        if let Some(n) = raw.nameservers {
            if let Some(n) = self.count("dns.nameservers", n, 1) {
                plan.nameservers = n;
            }
        }
        if let Some(ttl) = &raw.negative_ttl {
            if let Some(ttl) = self.duration("dns.negative_ttl", ttl) {
                plan.negative_ttl = ttl;
            }
        }
        let records = raw.records.as_deref().unwrap_or_default();
        let max = ceilings::ceiling("dns.records", ceilings::Of::Integer).max;
        if records.len() as f64 > max.magnitude() {
            self.error_hint(
                "dns.records",
                format!("{} records, above the ceiling of {max}", records.len()),
                "the stub holds every record's answers in memory",
            );
        }
        let mut names: Vec<Option<String>> = Vec::with_capacity(records.len());
        for (i, raw) in records.iter().enumerate() {
            let record = self.dns_record(i, raw);
            let name = record.as_ref().map(|r| r.name.clone()).or_else(|| self.record_name(i, raw));
            if let Some(name) = &name {
                if let Some(first) = names.iter().position(|n| n.as_ref() == Some(name)) {
                    self.error_hint(
                        &format!("dns.records[{i}].name"),
                        format!("duplicate name \"{name}\""),
                        format!("dns.records[{first}] already names it: give every address in one record, a = [\"…\", \"…\"]"),
                    );
                }
            }
            names.push(name);
            plan.records.extend(record);
        }
        if plan.records.len() == records.len() {
            self.cname_loops(&plan.records);
        }
        if let Some(text) = &raw.mock_name {
            match parse_name(text) {
                Ok((name, _)) => {
                    if !plan.records.iter().any(|r| r.name == name) {
                        plan.records.push(DnsRecord::addresses(&name, &[MOCK_ADDRESS], &[]));
                    }
                    plan.mock_name = Some(name);
                }
                Err(message) => self.error_hint(
                    "dns.mock_name",
                    message,
                    "the name the built-in mock is reached by, e.g. mock_name = \"upstream.test\"",
                ),
            }
        }
        plan
    }

    /// A record's name, checked (for the duplicate check when the rest of the record is wrong).
    fn record_name(&mut self, _i: usize, raw: &RawDnsRecord) -> Option<String> {
        raw.name.as_deref().and_then(|text| parse_name(text).ok()).map(|(name, _)| name)
    }

    fn dns_record(&mut self, i: usize, raw: &RawDnsRecord) -> Option<DnsRecord> {
        let field = format!("dns.records[{i}]");
        let f = |key: &str| format!("{field}.{key}");
        let name = match &raw.name {
            None => {
                self.error_hint(&field, "missing field \"name\"", "e.g. name = \"upstream.test\"");
                None
            }
            Some(text) => match parse_name(text) {
                Ok((name, _)) => Some(name),
                Err(message) => {
                    self.error_hint(&f("name"), message, "a DNS name such as \"upstream.test\"");
                    None
                }
            },
        };
        let a = self.addresses(&f("a"), raw.a.as_ref(), false);
        let aaaa = self.addresses(&f("aaaa"), raw.aaaa.as_ref(), true);
        let cname = match &raw.cname {
            None => Some(None),
            Some(text) => match parse_name(text) {
                Ok((target, _)) if Some(&target) == name.as_ref() => {
                    self.error_hint(
                        &f("cname"),
                        format!("\"{target}\" is an alias of itself"),
                        "a CNAME names another record",
                    );
                    None
                }
                Ok((target, _)) => Some(Some(target)),
                Err(message) => {
                    self.error_hint(
                        &f("cname"),
                        message,
                        "the name this one is an alias of, e.g. cname = \"upstream.test\"",
                    );
                    None
                }
            },
        };
        let ttl = match &raw.ttl {
            None => Some(DEFAULT_TTL),
            Some(ttl) => self.duration(&f("ttl"), ttl),
        };
        let has_addresses = raw.a.as_ref().is_some_and(|a| !a.items.is_empty())
            || raw.aaaa.as_ref().is_some_and(|a| !a.items.is_empty());
        if raw.cname.is_some() && has_addresses {
            self.error_hint(
                &f("cname"),
                "a record with cname can have no other data (RFC 1034)",
                "give the addresses to the record the cname names",
            );
            return None;
        }
        if raw.cname.is_none() && !has_addresses {
            self.error_hint(&field, "record has no data", "give it a, aaaa or cname, e.g. a = \"127.0.0.1\"");
            return None;
        }
        let (a, aaaa) = (a?, aaaa?);
        let a = a.into_iter().filter_map(|ip| if let IpAddr::V4(v4) = ip { Some(v4) } else { None }).collect();
        let aaaa = aaaa.into_iter().filter_map(|ip| if let IpAddr::V6(v6) = ip { Some(v6) } else { None }).collect();
        Some(DnsRecord { name: name?, a, aaaa, cname: cname?, ttl: ttl? })
    }

    /// `a` (IPv4) or `aaaa` (IPv6) addresses, each reported at its place.
    fn addresses(&mut self, field: &str, raw: Option<&OneOrMany>, v6: bool) -> Option<Vec<IpAddr>> {
        let Some(raw) = raw else {
            return Some(Vec::new());
        };
        let mut out = Vec::with_capacity(raw.items.len());
        for (j, text) in raw.items.iter().enumerate() {
            let place = if raw.list { format!("{field}[{j}]") } else { field.to_string() };
            match text.parse::<IpAddr>() {
                Ok(ip) if ip.is_ipv6() == v6 => out.push(ip),
                Ok(_) if v6 => self.error_hint(&place, format!("\"{text}\" is an IPv4 address"), "put it in a"),
                Ok(_) => self.error_hint(&place, format!("\"{text}\" is an IPv6 address"), "put it in aaaa"),
                Err(_) => {
                    let example = if v6 { "\"::1\"" } else { "\"127.0.0.1\"" };
                    self.error_hint(&place, format!("\"{text}\" is not an IP address"), format!("e.g. {example}"));
                }
            }
        }
        (out.len() == raw.items.len()).then_some(out)
    }

    /// A CNAME chain that comes back to where it started, reported once, at the cycle's first record.
    fn cname_loops(&mut self, records: &[DnsRecord]) {
        let index = |name: &str| records.iter().position(|r| r.name == name);
        for (start, record) in records.iter().enumerate() {
            let mut path = vec![start];
            let mut at = record;
            while let Some(next) = at.cname.as_deref().and_then(index) {
                if next == start {
                    if path.iter().all(|&i| i >= start) {
                        let mut names: Vec<&str> = path.iter().map(|&i| records[i].name.as_str()).collect();
                        names.push(&record.name);
                        self.error_hint(
                            &format!("dns.records[{start}].cname"),
                            format!("CNAME loop: {}", names.join(" → ")),
                            "a chain of aliases must end at a record with addresses",
                        );
                    }
                    break;
                }
                if path.contains(&next) || path.len() > records.len() {
                    break;
                }
                path.push(next);
                at = &records[next];
            }
        }
    }

    /// Each dns fault's `server` is one of the stub's nameservers. `faults` must be every
    /// `[[fault]]`, in order (none dropped for a mistake), so that its indices are the file's.
    pub(super) fn dns_fault_servers(&mut self, faults: &[FaultPlan<FaultKind>], nameservers: usize) {
        for (i, fault) in faults.iter().enumerate() {
            if let FaultKind::Dns(dns) = &fault.kind {
                if let Some(server) = dns.server.filter(|&s| s > nameservers) {
                    self.error_hint(
                        &format!("fault[{i}].server"),
                        format!("server {server} is above the stub's nameservers ({nameservers})"),
                        "server counts the nameservers from 1; raise [dns] nameservers to add more",
                    );
                }
            }
        }
    }
}
