//! One query to one nameserver, over UDP or TCP, on hickory-proto's wire format: the query
//! built with a random id, the reply matched to it (id and question) and read as a stub
//! resolver reads it (an address, no address, or a failure of the server).

use super::Counters;
use crate::record::ErrorKind;
use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// The most CNAMEs followed inside one answer (Go's and glibc's stub resolvers follow the chain
/// the server put in its answer, never querying again).
const MAX_CNAME_HOPS: usize = 8;
/// A UDP reply larger than this is not read whole (and so not parsed): no EDNS is offered, so a
/// server keeps to 512 bytes anyway.
const UDP_BUFFER: usize = 4096;

/// One name and record type asked about.
#[derive(Debug, Clone)]
pub(super) struct Question {
    pub(super) name: Name,
    pub(super) rtype: RecordType,
}

/// What one nameserver's reply says about a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Verdict {
    /// An answer a lookup can return: addresses, or none (NXDOMAIN or NODATA).
    Answer(Reply),
    /// SERVFAIL: the server could not answer now.
    ServFail,
    Refused,
    /// Any other response code, or a reply that could not be read (over TCP) or was truncated
    /// over TCP: the server is misbehaving.
    Misbehaving,
    /// TC=1 over UDP: ask again over TCP.
    Truncated,
}

/// An answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Reply {
    /// Addresses and how long they may be kept (the least TTL of the records used).
    Addresses { ips: Vec<IpAddr>, ttl: Duration },
    /// No address: NXDOMAIN, or NOERROR without a record of the type (NODATA). `negative_ttl`
    /// is the SOA's (RFC 2308: min(SOA TTL, SOA minimum)); None without an SOA.
    NoAddress { negative_ttl: Option<Duration> },
}

/// Why a query to one server got no verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// No reply within the query's time.
    Timeout,
    /// The server could not be reached or broke off (a refused port, a TCP connection closed
    /// before the reply).
    Unreachable,
}

impl Question {
    /// A question about `host`, made absolute (a stub resolver without `search` domains).
    pub(super) fn new(host: &str, rtype: RecordType) -> Result<Question, ErrorKind> {
        let mut name = Name::from_ascii(host).map_err(|_| ErrorKind::DnsNxdomain)?;
        name.set_fqdn(true);
        Ok(Question { name, rtype })
    }

    /// The query message with this id, recursion desired (as every stub resolver asks).
    pub(super) fn message(&self, id: u16) -> Vec<u8> {
        let mut message = Message::new(id, MessageType::Query, OpCode::Query);
        message.metadata.recursion_desired = true;
        message.add_query(Query::query(self.name.clone(), self.rtype));
        message.to_vec().expect("a query of one valid name encodes")
    }

    /// True if `reply` is a response to the query with this id and question; anything else is
    /// ignored, as Go and musl ignore it (it may be a forgery or a late answer to another query).
    pub(super) fn answered_by(&self, id: u16, reply: &Message) -> bool {
        reply.metadata.id == id
            && reply.metadata.message_type == MessageType::Response
            && reply.queries.len() == 1
            && reply.queries[0].name == self.name
            && reply.queries[0].query_type == self.rtype
    }

    /// What a reply matched to this question says.
    pub(super) fn verdict(&self, reply: &Message) -> Verdict {
        if reply.metadata.truncation {
            return Verdict::Truncated;
        }
        match reply.metadata.response_code {
            ResponseCode::NoError => Verdict::Answer(self.read_answer(reply)),
            ResponseCode::NXDomain => Verdict::Answer(Reply::NoAddress { negative_ttl: negative_ttl(reply) }),
            ResponseCode::ServFail => Verdict::ServFail,
            ResponseCode::Refused => Verdict::Refused,
            _ => Verdict::Misbehaving,
        }
    }

    /// The addresses of a NOERROR answer, following the CNAME chain from the question's name.
    fn read_answer(&self, reply: &Message) -> Reply {
        let mut owner = self.name.clone();
        let mut ttl = u32::MAX;
        for _ in 0..MAX_CNAME_HOPS {
            let alias = reply.answers.iter().find_map(|r| match &r.data {
                RData::CNAME(target) if r.name == owner => Some((target.0.clone(), r.ttl)),
                _ => None,
            });
            let Some((target, alias_ttl)) = alias else { break };
            owner = target;
            ttl = ttl.min(alias_ttl);
        }
        let mut ips = Vec::new();
        for record in reply.answers.iter().filter(|r| r.name == owner) {
            let ip = match (&record.data, self.rtype) {
                (RData::A(a), RecordType::A) => IpAddr::V4(a.0),
                (RData::AAAA(aaaa), RecordType::AAAA) => IpAddr::V6(aaaa.0),
                _ => continue,
            };
            ips.push(ip);
            ttl = ttl.min(record.ttl);
        }
        if ips.is_empty() {
            Reply::NoAddress { negative_ttl: negative_ttl(reply) }
        } else {
            Reply::Addresses { ips, ttl: Duration::from_secs(u64::from(ttl)) }
        }
    }
}

/// RFC 2308 §5: a negative answer is kept for the SOA record's TTL or its `minimum`, the lesser.
fn negative_ttl(reply: &Message) -> Option<Duration> {
    reply.authorities.iter().find_map(|r| match &r.data {
        RData::SOA(soa) => Some(Duration::from_secs(u64::from(r.ttl.min(soa.minimum)))),
        _ => None,
    })
}

/// A fresh UDP socket on an ephemeral port of `server`'s family (IPv4 or IPv6).
pub(super) async fn udp_socket_for(server: SocketAddr) -> std::io::Result<UdpSocket> {
    let unspecified: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    UdpSocket::bind(unspecified).await
}

/// A query over UDP to one server on a fresh socket of its own (as Go's resolver does), with a
/// random id; replies that do not parse or do not match are ignored until `timeout`.
pub(super) async fn udp(
    server: SocketAddr,
    question: &Question,
    timeout: Duration,
    counters: &Counters,
) -> Result<Verdict, Failure> {
    let id = rand::random::<u16>();
    let socket = udp_socket_for(server).await.map_err(|_| Failure::Unreachable)?;
    // Connected: the kernel drops datagrams from anyone else, and a closed port is reported.
    socket.connect(server).await.map_err(|_| Failure::Unreachable)?;
    counters.add(&counters.queries_udp);
    let exchange = async {
        socket.send(&question.message(id)).await.map_err(|_| Failure::Unreachable)?;
        let mut buffer = vec![0u8; UDP_BUFFER];
        loop {
            let n = socket.recv(&mut buffer).await.map_err(|_| Failure::Unreachable)?;
            match Message::from_vec(&buffer[..n]) {
                Ok(reply) if question.answered_by(id, &reply) => return Ok(question.verdict(&reply)),
                _ => counters.add(&counters.replies_ignored),
            }
        }
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(verdict) => verdict,
        Err(_) => {
            counters.add(&counters.udp_timeouts);
            Err(Failure::Timeout)
        }
    }
}

/// A query over TCP (two-byte length prefix, RFC 1035 §4.2.2) to one server, within `timeout`.
/// Over TCP a reply that does not parse or match is the server misbehaving, not noise.
pub(super) async fn tcp(
    server: SocketAddr,
    question: &Question,
    timeout: Duration,
    counters: &Counters,
) -> Result<Verdict, Failure> {
    let id = rand::random::<u16>();
    counters.add(&counters.queries_tcp);
    let exchange = async {
        let mut stream = TcpStream::connect(server).await.map_err(|_| Failure::Unreachable)?;
        let query = question.message(id);
        let mut framed = Vec::with_capacity(query.len() + 2);
        framed.extend_from_slice(&(query.len() as u16).to_be_bytes());
        framed.extend_from_slice(&query);
        stream.write_all(&framed).await.map_err(|_| Failure::Unreachable)?;
        let length = stream.read_u16().await.map_err(|_| Failure::Unreachable)?;
        let mut reply = vec![0u8; usize::from(length)];
        stream.read_exact(&mut reply).await.map_err(|_| Failure::Unreachable)?;
        Ok(match Message::from_vec(&reply) {
            Ok(reply) if question.answered_by(id, &reply) => match question.verdict(&reply) {
                Verdict::Truncated => Verdict::Misbehaving,
                verdict => verdict,
            },
            _ => Verdict::Misbehaving,
        })
    };
    tokio::time::timeout(timeout, exchange).await.unwrap_or(Err(Failure::Timeout))
}
