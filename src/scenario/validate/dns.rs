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
        let aliases: Vec<(Option<String>, Option<String>)> = records
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let cname = raw.cname.as_deref().and_then(|text| parse_name(text).ok()).map(|(name, _)| name);
                (names[i].clone(), cname)
            })
            .collect();
        self.cname_loops(&aliases);
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

    /// A CNAME chain that comes back to where it started, reported once, at the cycle's first
    /// record. `aliases`: each record's (name, cname) as written, by its index in `records`.
    fn cname_loops(&mut self, aliases: &[(Option<String>, Option<String>)]) {
        let index = |name: &str| aliases.iter().position(|(n, _)| n.as_deref() == Some(name));
        for (start, (name, cname)) in aliases.iter().enumerate() {
            let Some(name) = name.as_deref().filter(|name| cname.as_deref() != Some(*name)) else {
                continue; // unnamed, or an alias of itself (reported as such)
            };
            let mut path = vec![start];
            let mut next_name = cname.as_deref();
            while let Some(next) = next_name.and_then(index) {
                if next == start {
                    if path.iter().all(|&i| i >= start) {
                        let mut names: Vec<&str> = path.iter().filter_map(|&i| aliases[i].0.as_deref()).collect();
                        names.push(name);
                        self.error_hint(
                            &format!("dns.records[{start}].cname"),
                            format!("CNAME loop: {}", names.join(" → ")),
                            "a chain of aliases must end at a record with addresses",
                        );
                    }
                    break;
                }
                if path.contains(&next) || path.len() > aliases.len() {
                    break;
                }
                path.push(next);
                next_name = aliases[next].1.as_deref();
            }
        }
    }

    /// Each dns fault's `server` is one of the stub's nameservers (`faults`: the valid
    /// `[[fault]]`s with their index in the file).
    pub(super) fn dns_fault_servers(&mut self, faults: &[(usize, FaultPlan<FaultKind>)], nameservers: usize) {
        for (i, fault) in faults {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::dns::faults::{DnsFault, Servfail};
    use crate::scenario::plan::Layer;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use std::time::Duration;

    #[test]
    fn dns_records_reach_the_plan_with_their_defaults_and_read_back_the_same() {
        let plan = ok(&with(
            "[dns]\nrecords = [\n  { name = \"Upstream.Test.\", a = \"127.0.0.1\", ttl = \"1m\" },\n  \
             { name = \"v6.test\", aaaa = [\"::1\", \"::2\"] },\n  { name = \"alias.test\", cname = \"upstream.test\" },\n]\n\
             nameservers = 3\nnegative_ttl = \"2s\"\nmock_name = \"mock.test\"\n",
        ));
        let dns = plan.dns.clone().expect("[dns]");
        assert_eq!(dns.nameservers, 3);
        assert_eq!(dns.negative_ttl, Duration::from_secs(2));
        assert_eq!(dns.mock_name.as_deref(), Some("mock.test"));
        assert_eq!(
            dns.records,
            [
                DnsRecord {
                    name: "upstream.test".into(),
                    a: vec![Ipv4Addr::LOCALHOST],
                    aaaa: vec![],
                    cname: None,
                    ttl: Duration::from_secs(60)
                },
                DnsRecord::addresses("v6.test", &[], &[Ipv6Addr::LOCALHOST, "::2".parse().unwrap()]),
                DnsRecord { cname: Some("upstream.test".into()), ..DnsRecord::addresses("alias.test", &[], &[]) },
                // mock_name's record, added by validation.
                DnsRecord::addresses("mock.test", &[MOCK_ADDRESS], &[]),
            ]
        );
        assert_round_trip(&plan);
        let json = plan.normalized();
        assert_eq!(
            json["dns"]["records"][1],
            serde_json::json!({ "name": "v6.test", "aaaa": ["::1", "::2"], "ttl": "30s" })
        );
        // A record naming mock_name keeps its own address.
        let plan = ok(&with("[dns]\nrecords = [ { name = \"m.test\", a = \"127.0.0.5\" } ]\nmock_name = \"m.test\"\n"));
        assert_eq!(
            plan.dns.as_ref().unwrap().records,
            [DnsRecord::addresses("m.test", &["127.0.0.5".parse().unwrap()], &[])]
        );
        // No [dns] and no dns fault: no stub.
        assert_eq!(ok(MINIMAL).dns, None);
        assert!(ok(MINIMAL).normalized().get("dns").is_none());
        // A dns fault alone asks for the stub with its defaults (every name NXDOMAIN).
        let plan = ok(&with("[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\n"));
        assert_eq!(plan.dns, Some(DnsPlan::default()));
        assert_eq!(plan.faults[0].layer(), Layer::Dns);
        assert_eq!(plan.faults[0].kind, FaultKind::Dns(DnsFault::new(Servfail)));
        assert_round_trip(&plan);
    }

    #[test]
    fn every_dns_fault_kind_reads_back_the_same() {
        let src = with(
            "[dns]\nnameservers = 2\n\
             [[fault]]\nlayer = \"dns\"\nkind = \"delay\"\ndelay = { dist = \"uniform\", min = \"1ms\", max = \"2ms\" }\n\
             [[fault]]\nlayer = \"dns\"\nkind = \"drop\"\nname = \"*.Example.test\"\nserver = 2\nevery_nth = 3\n\
             [[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nname = \"a.test.\"\nprobability = 0.5\n\
             [[fault]]\nlayer = \"dns\"\nkind = \"nxdomain\"\n\
             [[fault]]\nlayer = \"dns\"\nkind = \"refused\"\n\
             [[fault]]\nlayer = \"dns\"\nkind = \"truncate\"\n\
             [[fault]]\nlayer = \"dns\"\nkind = \"ttl\"\nttl = \"0s\"\n\
             [[fault]]\nlayer = \"dns\"\nkind = \"flap\"\nanswers = [\"127.0.0.9\", \"::1\"]\n",
        );
        let plan = ok(&src);
        assert_eq!(plan.faults.len(), 8);
        assert_round_trip(&plan);
        let json = plan.normalized();
        assert_eq!(
            json["fault"][1],
            serde_json::json!({
                "kind": "drop", "layer": "dns", "at": "0s", "for": "6s", "every": "once", "probability": 1.0,
                "name": "*.example.test", "server": 2, "every_nth": 3,
            })
        );
        assert_eq!(json["fault"][2]["name"], "a.test");
        assert_eq!(json["fault"][6]["ttl"], "0s");
        assert_eq!(json["fault"][7]["answers"], serde_json::json!(["127.0.0.9", "::1"]));
        let FaultKind::Dns(drop) = &plan.faults[1].kind else { panic!("a dns fault") };
        assert_eq!((drop.server, drop.every_nth, drop.kind.name()), (Some(2), 3, "drop"));
    }

    #[test]
    fn dns_mistakes_are_located_at_their_field() {
        let e = |body: &str| errs(&with(&format!("[dns]\n{body}\n")));
        assert_eq!(
            e("records = [\n  { name = \"a..test\", a = \"1.2.3\" },\n  { name = \"b.test\", a = [\"10.0.0.1\", \"::1\"], aaaa = \"10.0.0.2\" },\n]"),
            [
                "11:12 dns.records[0].name: \"a..test\" has an empty label (two dots in a row, or a leading dot)",
                "11:27 dns.records[0].a: \"1.2.3\" is not an IP address",
                "12:39 dns.records[1].a[1]: \"::1\" is an IPv6 address",
                "12:54 dns.records[1].aaaa: \"10.0.0.2\" is an IPv4 address",
            ]
        );
        assert_eq!(
            e("records = [ { name = \"x.test\" }, { name = \"y.test\", cname = \"x.test\", a = \"10.0.0.1\" } ]"),
            [
                "10:13 dns.records[0]: record has no data",
                "10:61 dns.records[1].cname: a record with cname can have no other data (RFC 1034)"
            ]
        );
        assert_eq!(
            e("records = [ { name = \"x.test\", a = \"10.0.0.1\" }, { name = \"X.test.\", a = \"10.0.0.2\" } ]"),
            ["10:59 dns.records[1].name: duplicate name \"x.test\""]
        );
        assert_eq!(
            e("records = [ { name = \"a.test\", cname = \"b.test\" }, { name = \"b.test\", cname = \"c.test\" }, { name = \"c.test\", cname = \"A.test\" }, { name = \"d.test\", cname = \"a.test\" } ]"),
            ["10:40 dns.records[0].cname: CNAME loop: a.test → b.test → c.test → a.test"]
        );
        assert_eq!(
            e("records = [ { name = \"s.test\", cname = \"s.test\" } ]"),
            ["10:40 dns.records[0].cname: \"s.test\" is an alias of itself"]
        );
        assert_eq!(
            e("nameservers = 0\nnegative_ttl = 5\nmock_name = \"no spaces\""),
            [
                "10:15 dns.nameservers: must be ≥ 1, got 0",
                "11:16 dns.negative_ttl: bare number 5 is not a duration",
                "12:13 dns.mock_name: \"no spaces\" has ' ': a name has letters, digits, '-', '_' and dots",
            ]
        );
        assert_eq!(e("nameservers = 17"), ["10:15 dns.nameservers: 17 is above the ceiling of 16"]);
        assert_eq!(
            e("records = [ { name = \"x.test\", a = \"10.0.0.1\", ttl = \"30d\" } ]"),
            ["10:54 dns.records[0].ttl: \"30d\" is above the ceiling of 168h"]
        );
        assert_eq!(e("record = []"), ["10:1 dns: unknown field \"record\""]);
        assert_eq!(hints(&with("[dns]\nrecord = []\n")), ["did you mean \"records\"?"]);
        assert_eq!(e("records = [ { nam = \"x\" } ]"), ["10:15 dns.records[0]: unknown field \"nam\""]);
    }

    #[test]
    fn dns_fault_mistakes_are_located_at_their_key() {
        let e = |body: &str| errs(&with(&format!("[[fault]]\nlayer = \"dns\"\n{body}\n")));
        assert_eq!(
            e("kind = \"servfail\"\nname = \"a.*.test\""),
            ["12:8 fault[0].name: \"a.*.test\": '*' is allowed only as the first label (\"*.example.test\")"]
        );
        assert_eq!(
            e("kind = \"servfail\"\nname = 5"),
            ["12:8 fault[0].name: invalid type: integer 5, expected a string"]
        );
        assert_eq!(
            e("kind = \"servfail\"\nevery_nth = 0\nserver = 0"),
            ["12:13 fault[0].every_nth: must be ≥ 1, got 0", "13:10 fault[0].server: must be ≥ 1, got 0"]
        );
        assert_eq!(
            e("kind = \"servfail\"\nserver = 2"),
            ["12:10 fault[0].server: server 2 is above the stub's nameservers (1)"]
        );
        assert!(ok(&with("[dns]\nnameservers = 2\n[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nserver = 2\n"))
            .dns
            .is_some());
        assert_eq!(
            e("kind = \"flap\"\nanswers = [\"127.0.0.1\"]"),
            ["12:11 fault[0].answers: answers needs at least 2 addresses, got 1"]
        );
        assert_eq!(
            e("kind = \"flap\"\nanswers = [\"127.0.0.1\", \"nope\"]"),
            ["12:25 fault[0].answers[1]: \"nope\" is not an IP address"]
        );
        assert_eq!(e("kind = \"flap\""), ["9:1 fault[0]: missing field \"answers\""]);
        assert_eq!(e("kind = \"delay\""), ["9:1 fault[0]: missing field \"delay\""]);
        assert_eq!(
            e("kind = \"ttl\"\nttl = \"1\""),
            ["12:7 fault[0].ttl: invalid duration \"1\": time unit needed, e.g. \"1ms\" or \"1s\""]
        );
        assert_eq!(
            e("kind = \"latency\"\nlatency = \"1s\""),
            ["10:9 fault[0].layer: latency is not available on layer \"dns\""]
        );
        let s = with("[[fault]]\nkind = \"servfail\"\n");
        assert_eq!(errs(&s), ["10:8 fault[0].kind: servfail is not available on layer \"mock\""]);
        assert_eq!(hints(&s), ["servfail is a dns fault: layer = \"dns\""]);
        let s = with("[[fault]]\nkind = \"status\"\ncode = 503\nname = \"x.test\"\n");
        assert_eq!(errs(&s), ["12:8 fault[0].name: name does not apply to kind \"status\""]);
        assert_eq!(hints(&s), ["kind \"status\" takes code; name is for dns faults (layer = \"dns\")"]);
        // A dns fault is fine in front of a URL target too.
        let plan = ok(&format!("{URL_TARGET}[[fault]]\nlayer = \"dns\"\nkind = \"drop\"\nname = \"*.test\"\n"));
        assert_eq!(plan.faults.len(), 1);
    }
}
