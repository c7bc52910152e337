//! The stub's counters: live atomics the nameservers count into, and the snapshot that
//! result.json carries (`clients[].dns`).

use crate::server_thread::AcceptCounters;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A snapshot of the stub's counters. Part of the result.json contract (`clients[].dns`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsStats {
    /// Queries read (well-formed, one question each), over every nameserver and transport.
    pub queries: u64,
    pub by_type: QueryTypes,
    pub by_transport: Transports,
    /// Answers sent, by response code (FORMERR to malformed packets included).
    pub answers: Rcodes,
    /// Queries left unanswered by a `drop` fault.
    pub dropped: u64,
    /// Answers sent with the TC bit: by a `truncate` fault, or too large for the client's UDP size.
    pub truncated: u64,
    /// Packets that were not a well-formed query: answered FORMERR when their header could be
    /// read, else dropped.
    pub malformed: u64,
    /// TCP connections accepted.
    pub tcp_connections: u64,
    /// Each dns fault's hits, by its `[[fault]]` index.
    pub faults: Vec<FaultHits>,
}

/// Queries by the type asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryTypes {
    pub a: u64,
    pub aaaa: u64,
    /// Any other type (CNAME, ANY, MX…).
    pub other: u64,
}

/// Queries by the transport they came on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transports {
    pub udp: u64,
    pub tcp: u64,
}

/// Answers by response code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rcodes {
    pub noerror: u64,
    pub nxdomain: u64,
    pub servfail: u64,
    pub refused: u64,
    pub formerr: u64,
    pub notimp: u64,
}

/// How many queries one dns fault hit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultHits {
    /// The fault's `[[fault]]` index in the scenario.
    pub index: usize,
    pub kind: String,
    pub hits: u64,
}

/// The live counters of a stub.
#[derive(Debug, Default)]
pub(crate) struct DnsCounters {
    queries: AtomicU64,
    by_type: [AtomicU64; 3],
    by_transport: [AtomicU64; 2],
    answers: [AtomicU64; 6],
    pub dropped: AtomicU64,
    pub truncated: AtomicU64,
    pub malformed: AtomicU64,
    pub tcp_connections: AtomicU64,
    pub accept: AcceptCounters,
}

/// The transport a query came on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    Udp = 0,
    Tcp = 1,
}

impl DnsCounters {
    pub fn query(&self, query_type: RecordType, transport: Transport) {
        let slot = match query_type {
            RecordType::A => 0,
            RecordType::AAAA => 1,
            _ => 2,
        };
        self.queries.fetch_add(1, Relaxed);
        self.by_type[slot].fetch_add(1, Relaxed);
        self.by_transport[transport as usize].fetch_add(1, Relaxed);
    }

    pub fn answer(&self, code: ResponseCode) {
        let slot = match code {
            ResponseCode::NoError => 0,
            ResponseCode::NXDomain => 1,
            ResponseCode::ServFail => 2,
            ResponseCode::Refused => 3,
            ResponseCode::FormErr => 4,
            // The stub sends no other code.
            _ => 5,
        };
        self.answers[slot].fetch_add(1, Relaxed);
    }

    pub fn snapshot(&self, faults: Vec<FaultHits>) -> DnsStats {
        let load = |a: &AtomicU64| a.load(Relaxed);
        let [noerror, nxdomain, servfail, refused, formerr, notimp] = self.answers.each_ref().map(load);
        DnsStats {
            queries: load(&self.queries),
            by_type: QueryTypes {
                a: load(&self.by_type[0]),
                aaaa: load(&self.by_type[1]),
                other: load(&self.by_type[2]),
            },
            by_transport: Transports { udp: load(&self.by_transport[0]), tcp: load(&self.by_transport[1]) },
            answers: Rcodes { noerror, nxdomain, servfail, refused, formerr, notimp },
            dropped: load(&self.dropped),
            truncated: load(&self.truncated),
            malformed: load(&self.malformed),
            tcp_connections: load(&self.tcp_connections),
            faults,
        }
    }
}
