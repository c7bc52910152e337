//! The answers the stub gives: its records as a [`Zone`] (every answer of every name and type
//! built once, at start), and [`respond`], which encodes the answer to one query as the faults
//! changed it into a reused buffer, within the size the client can take. Packets are read and
//! written with hickory-proto only. The answers no fault changes are also encoded once, at
//! start ([`Encoded`]): a query that meets one gets hickory's encoding of its own header and
//! those bytes, the same message `respond` would encode in full.

use super::faults::{Effects, Rewrite};
use super::plan::{DnsPlan, DEFAULT_TTL};
use hickory_proto::op::{
    emit_message_parts, Edns, Header, HeaderCounts, Message, MessageType, Metadata, OpCode, Query, ResponseCode,
};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, SOA};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder, BinEncodable, BinEncoder};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// The UDP payload a client without EDNS can take (RFC 1035).
pub const CLASSIC_UDP_SIZE: u16 = 512;
/// The UDP payload the stub advertises in its own OPT record (the DNS flag day 2020 value).
pub const STUB_UDP_SIZE: u16 = 1232;
/// The largest message (TCP's 2-byte length).
pub const TCP_SIZE: u16 = u16::MAX;

/// One prepared answer: the records and the code, and whether the SOA goes with it (NXDOMAIN,
/// NODATA).
#[derive(Debug, Clone)]
struct Prepared {
    records: Vec<Record>,
    code: ResponseCode,
    negative: bool,
}

impl Prepared {
    fn nxdomain(records: Vec<Record>) -> Prepared {
        Prepared { records, code: ResponseCode::NXDomain, negative: true }
    }
}

/// A name's answers, by the type asked.
#[derive(Debug)]
struct Entry {
    /// The name as the zone spells it: a question spelt alike can take the encoded answers.
    owner: Name,
    a: Prepared,
    aaaa: Prepared,
    cname: Prepared,
    other: Prepared,
    /// A, AAAA and CNAME's answers as no fault changed them, encoded once.
    encoded_a: Encoded,
    encoded_aaaa: Encoded,
    encoded_cname: Encoded,
    /// The TTL of an address `flap` answers for this name.
    ttl: u32,
}

/// One answer encoded at start, for the question (owner, type, IN) as the zone spells it:
/// everything after the 12-byte header (compression pointers count from the message's start,
/// and every header is 12 bytes), with the header's counts, without and with the stub's OPT.
/// A query's answer is its response header (hickory-encoded) and one of these.
#[derive(Debug)]
struct Encoded {
    /// `[without EDNS, with EDNS]`; None if the answer could not be encoded (never expected).
    bodies: [Option<(Vec<u8>, HeaderCounts)>; 2],
    code: ResponseCode,
}

/// The answer's encoding, in the header's size.
const HEADER_LEN: usize = 12;

impl Encoded {
    fn new(zone_soa: &Record, owner: &Name, rtype: RecordType, prepared: &Prepared) -> Encoded {
        let query = Query::query(owner.clone(), rtype);
        let mut metadata = Metadata::new(0, MessageType::Response, OpCode::Query);
        metadata.authoritative = true;
        metadata.response_code = prepared.code;
        let authority = if prepared.negative { std::slice::from_ref(zone_soa) } else { &[] };
        let body = |edns: Option<&Edns>| {
            let mut out = Vec::new();
            let mut encoder = BinEncoder::new(&mut out);
            let header = emit_message_parts(
                &metadata,
                &mut std::iter::once(&query),
                &mut prepared.records.iter(),
                &mut authority.iter(),
                &mut std::iter::empty::<&Record>(),
                edns,
                None,
                &mut encoder,
            )
            .ok()?;
            Some((out.split_off(HEADER_LEN), header.counts))
        };
        Encoded { bodies: [body(None), body(Some(&stub_edns()))], code: prepared.code }
    }

    /// Writes the answer to a query with `request`'s header into `out` if it fits `limit`;
    /// None (`out` left as it was, or cleared) if it does not, or the header would not encode.
    fn write(&self, request: &Metadata, edns: bool, limit: u16, out: &mut Vec<u8>) -> Option<Sent> {
        let (body, counts) = self.bodies[usize::from(edns)].as_ref()?;
        if HEADER_LEN + body.len() > usize::from(limit) {
            return None;
        }
        let mut metadata = Metadata::response_from_request(request);
        metadata.authoritative = true;
        metadata.response_code = self.code;
        out.clear();
        (Header { metadata, counts: *counts }).emit(&mut BinEncoder::new(out)).ok()?;
        out.extend_from_slice(body);
        Some(Sent { code: self.code, truncated: false })
    }
}

/// The OPT record of the stub's answers to a query with EDNS.
fn stub_edns() -> Edns {
    let mut edns = Edns::new();
    edns.set_max_payload(STUB_UDP_SIZE);
    edns
}

/// The stub's records, every answer prepared.
#[derive(Debug)]
pub(crate) struct Zone {
    names: HashMap<Name, Entry>,
    /// The SOA of negative answers (owner: the root, so it is an ancestor of every name).
    soa: Record,
    unknown: Prepared,
}

fn seconds(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX)
}

fn wire_name(name: &str) -> Name {
    // Validation checked every name with the same parser; a name that still fails becomes the
    // root, which answers nothing.
    Name::from_ascii(format!("{name}.")).unwrap_or_else(|_| Name::root())
}

impl Zone {
    pub fn new(plan: &DnsPlan) -> Zone {
        let negative = seconds(plan.negative_ttl);
        let host = Name::from_ascii("ns.chaosload.test.").unwrap_or_else(|_| Name::root());
        let mail = Name::from_ascii("hostmaster.chaosload.test.").unwrap_or_else(|_| Name::root());
        let soa = Record::from_rdata(
            Name::root(),
            negative,
            RData::SOA(SOA::new(host, mail, 1, 3600, 600, 86_400, negative)),
        );
        let by_name: HashMap<&str, &super::plan::DnsRecord> =
            plan.records.iter().map(|r| (r.name.as_str(), r)).collect();
        let mut names = HashMap::with_capacity(plan.records.len());
        for record in &plan.records {
            let owner = wire_name(&record.name);
            // The CNAME chain from this name, at most one step per record (validation refuses loops).
            let mut chain = Vec::new();
            let mut at = record;
            let mut end = Some(record);
            while let Some(target) = &at.cname {
                chain.push(Record::from_rdata(
                    wire_name(&at.name),
                    seconds(at.ttl),
                    RData::CNAME(CNAME(wire_name(target))),
                ));
                end = by_name.get(target.as_str()).copied();
                match end {
                    Some(next) if chain.len() <= plan.records.len() => at = next,
                    _ => break,
                }
            }
            let typed = |rtype: RecordType| -> Prepared {
                let Some(end) = end else {
                    return Prepared::nxdomain(chain.clone());
                };
                let owner = wire_name(&end.name);
                let ttl = seconds(end.ttl);
                let mut records = chain.clone();
                match rtype {
                    RecordType::A => {
                        records.extend(end.a.iter().map(|ip| Record::from_rdata(owner.clone(), ttl, RData::A(A(*ip)))))
                    }
                    RecordType::AAAA => records.extend(
                        end.aaaa.iter().map(|ip| Record::from_rdata(owner.clone(), ttl, RData::AAAA(AAAA(*ip)))),
                    ),
                    _ => {}
                }
                let negative = records.len() == chain.len();
                Prepared { records, code: ResponseCode::NoError, negative }
            };
            let cname = match chain.first() {
                Some(first) => Prepared { records: vec![first.clone()], code: ResponseCode::NoError, negative: false },
                None => Prepared { records: Vec::new(), code: ResponseCode::NoError, negative: true },
            };
            let (a, aaaa) = (typed(RecordType::A), typed(RecordType::AAAA));
            let encoded = |rtype, prepared: &Prepared| Encoded::new(&soa, &owner, rtype, prepared);
            let (encoded_a, encoded_aaaa) = (encoded(RecordType::A, &a), encoded(RecordType::AAAA, &aaaa));
            let encoded_cname = encoded(RecordType::CNAME, &cname);
            let entry = Entry {
                owner: owner.clone(),
                encoded_a,
                encoded_aaaa,
                encoded_cname,
                a,
                aaaa,
                cname,
                other: typed(RecordType::NULL),
                ttl: seconds(record.ttl),
            };
            names.insert(owner, entry);
        }
        Zone { names, soa, unknown: Prepared::nxdomain(Vec::new()) }
    }

    fn prepared(&self, name: &Name, rtype: RecordType) -> &Prepared {
        let Some(entry) = self.names.get(name) else {
            return &self.unknown;
        };
        match rtype {
            RecordType::A => &entry.a,
            RecordType::AAAA => &entry.aaaa,
            RecordType::CNAME => &entry.cname,
            _ => &entry.other,
        }
    }

    /// The answer encoded at start for this question, if the zone has one: a name spelt as the
    /// zone spells it (any other spelling is encoded in full, to be echoed as asked), class IN,
    /// and A, AAAA or CNAME.
    fn encoded(&self, query: &Query) -> Option<&Encoded> {
        let entry = self.names.get(query.name())?;
        if query.query_class() != DNSClass::IN || !entry.owner.eq_case(query.name()) {
            return None;
        }
        match query.query_type() {
            RecordType::A => Some(&entry.encoded_a),
            RecordType::AAAA => Some(&entry.encoded_aaaa),
            RecordType::CNAME => Some(&entry.encoded_cname),
            _ => None,
        }
    }
}

/// What was sent, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sent {
    pub code: ResponseCode,
    pub truncated: bool,
}

/// How big an answer may be: the client's EDNS UDP size (at least 512) over UDP, 65,535 over TCP.
pub(crate) fn size_limit(request: &Message, udp: bool) -> u16 {
    match (udp, &request.edns) {
        (false, _) => TCP_SIZE,
        (true, Some(edns)) => edns.max_payload().max(CLASSIC_UDP_SIZE),
        (true, None) => CLASSIC_UDP_SIZE,
    }
}

/// Encodes into `out` the answer to `request` (a query with one question) as `effects` change it
/// (`Rewrite::Drop` is the caller's: nothing is encoded for it). Over UDP an answer larger than
/// the client takes is sent empty with TC set.
pub(crate) fn respond(zone: &Zone, request: &Message, effects: &Effects, udp: bool, out: &mut Vec<u8>) -> Sent {
    // A delay changes when, not what: only a rewrite or a TTL needs the answer encoded anew.
    if effects.rewrite.is_none() && effects.ttl.is_none() {
        let query = &request.queries[0];
        let limit = size_limit(request, udp);
        let edns = request.edns.is_some();
        if let Some(sent) = zone.encoded(query).and_then(|e| e.write(&request.metadata, edns, limit, out)) {
            return sent;
        }
    }
    respond_in_full(zone, request, effects, udp, out)
}

/// [`respond`] without the answers encoded at start: every message encoded from its records.
pub(crate) fn respond_in_full(zone: &Zone, request: &Message, effects: &Effects, udp: bool, out: &mut Vec<u8>) -> Sent {
    let query = &request.queries[0];
    let mut metadata = Metadata::response_from_request(&request.metadata);
    metadata.authoritative = true;
    let edns = request.edns.as_ref().map(|_| stub_edns());
    let limit = size_limit(request, udp);
    let flapped;
    let mut prepared = match (query.query_type(), effects.rewrite) {
        (RecordType::ANY, _) => return bare(metadata, ResponseCode::NotImp, request, edns.as_ref(), limit, out),
        (_, Some(Rewrite::Servfail)) => {
            return bare(metadata, ResponseCode::ServFail, request, edns.as_ref(), limit, out)
        }
        (_, Some(Rewrite::Refused)) => {
            return bare(metadata, ResponseCode::Refused, request, edns.as_ref(), limit, out)
        }
        (_, Some(Rewrite::Truncate)) if udp => {
            metadata.truncation = true;
            return bare(metadata, ResponseCode::NoError, request, edns.as_ref(), limit, out);
        }
        (_, Some(Rewrite::Nxdomain)) => &zone.unknown,
        (rtype, Some(Rewrite::Address(ip))) => {
            let ttl = zone.names.get(query.name()).map_or(seconds(DEFAULT_TTL), |e| e.ttl);
            let rdata = match (rtype, ip) {
                (RecordType::A, IpAddr::V4(v4)) => Some(RData::A(A(v4))),
                (RecordType::AAAA, IpAddr::V6(v6)) => Some(RData::AAAA(AAAA(v6))),
                _ => None,
            };
            let records: Vec<Record> =
                rdata.map(|r| Record::from_rdata(query.name().clone(), ttl, r)).into_iter().collect();
            let negative = records.is_empty();
            flapped = Prepared { records, code: ResponseCode::NoError, negative };
            &flapped
        }
        // Drop is the caller's (nothing is sent); truncate over TCP is the normal answer.
        (rtype, None | Some(Rewrite::Drop | Rewrite::Truncate)) => zone.prepared(query.name(), rtype),
    };
    let retimed;
    if let Some(ttl) = effects.ttl {
        let mut records = prepared.records.clone();
        for record in &mut records {
            record.ttl = seconds(ttl);
        }
        retimed = Prepared { records, ..prepared.clone() };
        prepared = &retimed;
    }
    metadata.response_code = prepared.code;
    let authority = if prepared.negative { std::slice::from_ref(&zone.soa) } else { &[] };
    encode(&metadata, request, &prepared.records, authority, edns.as_ref(), limit, out)
}

/// An answer with `code` and the question only.
fn bare(
    mut metadata: Metadata,
    code: ResponseCode,
    request: &Message,
    edns: Option<&Edns>,
    limit: u16,
    out: &mut Vec<u8>,
) -> Sent {
    metadata.response_code = code;
    encode(&metadata, request, &[], &[], edns, limit, out)
}

/// Writes a message into `out` within `limit` bytes; one that does not fit goes out with its
/// question only and TC set.
fn encode(
    metadata: &Metadata,
    request: &Message,
    answers: &[Record],
    authority: &[Record],
    edns: Option<&Edns>,
    limit: u16,
    out: &mut Vec<u8>,
) -> Sent {
    let emit = |metadata: &Metadata, answers: &[Record], authority: &[Record], out: &mut Vec<u8>| {
        out.clear();
        let mut encoder = BinEncoder::new(out);
        encoder.set_max_size(limit);
        emit_message_parts(
            metadata,
            &mut request.queries.iter(),
            &mut answers.iter(),
            &mut authority.iter(),
            &mut std::iter::empty::<&Record>(),
            edns,
            None,
            &mut encoder,
        )
    };
    match emit(metadata, answers, authority, out) {
        Ok(header) if !header.metadata.truncation => {
            Sent { code: metadata.response_code, truncated: metadata.truncation }
        }
        // Too large (or not encodable): the question alone, TC set, so the client asks over TCP.
        _ => {
            let mut truncated = *metadata;
            truncated.truncation = true;
            if emit(&truncated, &[], &[], out).is_err() {
                out.clear();
            }
            Sent { code: truncated.response_code, truncated: true }
        }
    }
}

/// Encodes the answer to a packet that is not a well-formed query: FORMERR, NOTIMP for another
/// opcode, or nothing (`None`) when not even the header can be read or it is a response.
pub(crate) fn refuse_malformed(packet: &[u8], out: &mut Vec<u8>) -> Option<Sent> {
    let header = hickory_proto::op::Header::read(&mut BinDecoder::new(packet)).ok()?;
    if header.metadata.message_type == MessageType::Response {
        return None;
    }
    let mut metadata = Metadata::response_from_request(&header.metadata);
    metadata.response_code = ResponseCode::FormErr;
    let empty = Message::new(header.metadata.id, MessageType::Query, OpCode::Query);
    Some(encode(&metadata, &empty, &[], &[], None, CLASSIC_UDP_SIZE, out))
}

/// Encodes the answer to a well-formed message that is not a one-question standard query:
/// NOTIMP for another opcode, FORMERR for a question count other than one; `None` for a response.
pub(crate) fn refuse_unsupported(request: &Message, out: &mut Vec<u8>) -> Option<Sent> {
    if request.metadata.message_type == MessageType::Response {
        return None;
    }
    let mut metadata = Metadata::response_from_request(&request.metadata);
    metadata.response_code =
        if request.metadata.op_code != OpCode::Query { ResponseCode::NotImp } else { ResponseCode::FormErr };
    let empty = Message::new(request.metadata.id, MessageType::Query, OpCode::Query);
    Some(encode(&metadata, &empty, &[], &[], None, CLASSIC_UDP_SIZE, out))
}
