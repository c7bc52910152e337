//! The DNS stub server: the records of `[dns]` on a real DNS wire (UDP and TCP on the same
//! loopback port, per nameserver), with the faults of layer `dns`.
//!
//! [`DnsServer::start`] runs every nameserver on one thread of its own (a current-thread tokio
//! runtime, [`ServerThread`]), apart from the load engine. Packets are parsed and built with
//! hickory-proto only. The parts: `plan` (what it serves and is started with), `names` (DNS
//! names and the faults' name patterns), `faults/` (one file per fault kind, and how a query
//! meets them), `answer` (the prepared zone and the encoding of one answer), `server` (the UDP
//! and TCP loops), `stats` (the counters result.json carries).
//!
//! Answers: a known name's A/AAAA records (a CNAME chased within the records, the chain first);
//! an unknown name NXDOMAIN, a known name without the type asked NOERROR/NODATA, both with the
//! SOA of `negative_ttl`; ANY is NOTIMP, other types NODATA. The question is echoed, AA set, RD
//! copied, RA clear; a query with EDNS gets an OPT back. Over UDP an answer must fit the
//! client's EDNS size (512 bytes without EDNS), else it goes out empty with TC set. A packet
//! that is not a query with one question is answered FORMERR (NOTIMP for another opcode) when
//! its header can be read, else dropped.

mod answer;
pub mod faults;
pub mod names;
pub mod plan;
mod server;
mod stats;

pub use faults::{DnsFault, DnsFaultKind};
pub use plan::{DnsConfig, DnsPlan, DnsRecord};
pub use server::TCP_IDLE_TIMEOUT;
pub use stats::{DnsStats, FaultHits, QueryTypes, Rcodes, Transports};

use crate::server_thread::{Listener, ServerThread};
use server::Stub;
use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;

/// One nameserver's sockets: UDP and TCP bound to the same address and port.
#[derive(Debug)]
pub struct DnsListener {
    udp: UdpSocket,
    tcp: TcpListener,
}

/// How often [`DnsListener::bind`] tries another port when UDP's is taken on TCP.
const BIND_ATTEMPTS: usize = 8;

impl DnsListener {
    /// Binds UDP and TCP on `addr`. With port 0, UDP picks a free port and TCP binds the same
    /// one; when another program holds it on TCP, it tries again with a new port.
    pub fn bind(addr: SocketAddr) -> io::Result<DnsListener> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let udp = UdpSocket::bind(addr)?;
            match TcpListener::bind(udp.local_addr()?) {
                Ok(tcp) => return Ok(DnsListener { udp, tcp }),
                Err(e) if addr.port() == 0 && e.kind() == io::ErrorKind::AddrInUse && attempt < BIND_ATTEMPTS => {}
                Err(e) => return Err(e),
            }
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.udp.local_addr().expect("a bound socket has an address")
    }
}

/// Every nameserver's sockets, handed to the stub's thread as one listener.
struct Nameservers(Vec<DnsListener>);

impl Listener for Nameservers {
    type Async = Vec<(tokio::net::UdpSocket, tokio::net::TcpListener)>;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        match self.0.first() {
            Some(first) => first.udp.local_addr(),
            None => Err(io::Error::new(io::ErrorKind::InvalidInput, "a DNS stub needs at least one nameserver")),
        }
    }

    fn into_async(self) -> io::Result<Self::Async> {
        self.0.into_iter().map(|l| Ok((l.udp.into_async()?, l.tcp.into_async()?))).collect()
    }
}

/// A DNS stub running on its own OS thread. Stopped by [`DnsServer::shutdown`] or on drop.
#[derive(Debug)]
pub struct DnsServer {
    server: ServerThread,
    stub: Arc<Stub>,
    addrs: Vec<SocketAddr>,
}

impl DnsServer {
    /// Starts the stub with one nameserver per listener (the first is `server = 1`), all on
    /// one thread. Fails with no listener, or when the runtime or thread cannot be created.
    pub fn start(listeners: Vec<DnsListener>, config: DnsConfig) -> io::Result<DnsServer> {
        let addrs = listeners.iter().map(DnsListener::addr).collect();
        let zone = answer::Zone::new(&config.plan);
        let faults = faults::FaultTable::new(&config.faults, config.seed, config.epoch);
        let stub = Arc::new(Stub::new(zone, faults));
        let served = Arc::clone(&stub);
        let server = ServerThread::spawn("chaosload-dns", Nameservers(listeners), move |sockets, shutdown| {
            server::run(sockets, served, shutdown)
        })?;
        Ok(DnsServer { server, stub, addrs })
    }

    /// Each nameserver's address (UDP and TCP), in order.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.addrs.clone()
    }

    pub fn stats(&self) -> DnsStats {
        self.stub.counters.snapshot(self.stub.faults.hits())
    }

    /// Stops every nameserver (connections and delayed answers are dropped), joins the thread,
    /// and returns the final counters.
    pub fn shutdown(mut self) -> DnsStats {
        self.server.stop();
        self.stats()
    }
}

/// The stub's packet handling without sockets: what it answers to one packet (for fuzzing,
/// and for callers that bring their own transport). Counts like a nameserver, as server 1.
#[derive(Debug)]
pub struct DnsResponder {
    stub: Stub,
}

impl DnsResponder {
    pub fn new(config: &DnsConfig) -> DnsResponder {
        let zone = answer::Zone::new(&config.plan);
        let faults = faults::FaultTable::new(&config.faults, config.seed, config.epoch);
        DnsResponder { stub: Stub::new(zone, faults) }
    }

    /// The answer to `packet` as it came over UDP (`udp`) or TCP, and the delay before it is
    /// sent; `None` when the stub sends nothing.
    pub fn answer(&self, packet: &[u8], udp: bool) -> Option<(Vec<u8>, std::time::Duration)> {
        let transport = if udp { stats::Transport::Udp } else { stats::Transport::Tcp };
        let mut out = Vec::new();
        match self.stub.handle(packet, 1, transport, &mut out) {
            server::Action::Send { delay } => Some((out, delay)),
            server::Action::Hold | server::Action::Ignore => None,
        }
    }
}

#[cfg(test)]
mod tests;
