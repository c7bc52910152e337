//! The nameservers: per nameserver a UDP loop and a TCP accept loop on the same port, all on the
//! stub's one thread. A packet is handled in place ([`Stub::handle`]: parse, count, faults,
//! answer into a reused buffer), UDP datagrams read in batches (`recvmmsg`); only a delayed
//! UDP answer gets a task of its own. TCP carries
//! queries in 2-byte length frames, several per connection, answered in order.

use super::answer::{refuse_malformed, refuse_unsupported, respond, Sent, Zone};
use super::faults::{FaultTable, Query, Rewrite};
use super::stats::{DnsCounters, Transport};
use crate::server_thread::{accept_until, AcceptLimits};
use hickory_proto::op::{Message, MessageType, OpCode};
use nix::sys::socket::{recvmmsg, MsgFlags, MultiHeaders, SockaddrStorage};
use std::io::IoSliceMut;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long a TCP connection may stay silent (between or within queries), or leave an answer
/// unread, before the stub closes it — except that it waits for the next query as long as it
/// holds one a `drop` fault left unanswered.
pub const TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest datagram the stub reads (a UDP payload's most).
const MAX_DATAGRAM: usize = 65_535;

/// What the stub knows and counts, shared by its nameservers.
#[derive(Debug)]
pub(crate) struct Stub {
    pub zone: Zone,
    pub faults: FaultTable,
    pub counters: DnsCounters,
    /// Queries received so far over every nameserver and transport: the next query's index,
    /// the unit of the faults' seeded draws.
    received: AtomicU64,
}

/// What to do after handling a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Send what was encoded, after `delay`.
    Send { delay: Duration },
    /// Send nothing: a query a `drop` fault hit.
    Hold,
    /// Send nothing: a packet with no readable header, or a response.
    Ignore,
}

impl Stub {
    pub fn new(zone: Zone, faults: FaultTable) -> Stub {
        Stub { zone, faults, counters: DnsCounters::default(), received: AtomicU64::new(0) }
    }

    /// Handles one packet that came to nameserver `server` (1-based) over `transport`; the
    /// answer, if any, is encoded into `out`. Never panics on any input.
    pub fn handle(&self, packet: &[u8], server: usize, transport: Transport, out: &mut Vec<u8>) -> Action {
        let request = match Message::from_vec(packet) {
            Ok(request) => request,
            Err(_) => {
                self.counters.malformed.fetch_add(1, Relaxed);
                return self.sent(refuse_malformed(packet, out), Duration::ZERO);
            }
        };
        let metadata = &request.metadata;
        if metadata.message_type != MessageType::Query
            || metadata.op_code != OpCode::Query
            || request.queries.len() != 1
        {
            if metadata.op_code == OpCode::Query {
                self.counters.malformed.fetch_add(1, Relaxed);
            }
            return self.sent(refuse_unsupported(&request, out), Duration::ZERO);
        }
        let question = &request.queries[0];
        self.counters.query(question.query_type(), transport);
        let unit = self.received.fetch_add(1, Relaxed);
        let effects = if self.faults.is_empty() {
            Default::default()
        } else {
            self.faults.apply(&Query {
                name: question.name(),
                server,
                unit,
                at: Instant::now(),
                rtype: question.query_type(),
            })
        };
        if effects.rewrite == Some(Rewrite::Drop) {
            self.counters.dropped.fetch_add(1, Relaxed);
            return Action::Hold;
        }
        let sent = respond(&self.zone, &request, &effects, transport == Transport::Udp, out);
        self.sent(Some(sent), effects.delay)
    }

    fn sent(&self, sent: Option<Sent>, delay: Duration) -> Action {
        let Some(sent) = sent else {
            return Action::Ignore;
        };
        self.counters.answer(sent.code);
        if sent.truncated {
            self.counters.truncated.fetch_add(1, Relaxed);
        }
        Action::Send { delay }
    }
}

/// Serves every nameserver until `shutdown`; then drops their sockets, connections and
/// delayed answers.
pub(crate) async fn run(sockets: Vec<(UdpSocket, TcpListener)>, stub: Arc<Stub>, shutdown: CancellationToken) {
    let mut tasks = JoinSet::new();
    for (i, (udp, tcp)) in sockets.into_iter().enumerate() {
        let server = i + 1;
        tasks.spawn(serve_udp(udp, Arc::clone(&stub), server));
        let stub = Arc::clone(&stub);
        let shutdown = shutdown.clone();
        tasks.spawn(async move {
            let counters = &stub.counters.accept;
            accept_until(
                "dns stub",
                tcp,
                shutdown,
                JoinSet::new(),
                AcceptLimits::default(),
                counters,
                |stream, conns| {
                    stub.counters.tcp_connections.fetch_add(1, Relaxed);
                    conns.spawn(serve_tcp(stream, Arc::clone(&stub), server));
                },
            )
            .await;
        });
    }
    shutdown.cancelled().await;
    tasks.shutdown().await;
}

/// Datagrams read per system call at most (`recvmmsg`): under load the socket holds many
/// queries at once, and reading them together spares a system call and a readiness check per
/// query.
const BATCH: usize = 32;

/// One nameserver's UDP side: datagrams are read in batches, each handled and answered in
/// place, into buffers kept for the socket's life; only a delayed answer is handed to a task
/// (with its own copy).
async fn serve_udp(socket: UdpSocket, stub: Arc<Stub>, server: usize) {
    let socket = Arc::new(socket);
    // Untouched buffer pages stay unallocated: only the bytes datagrams bring are written.
    let mut packets: [Vec<u8>; BATCH] = std::array::from_fn(|_| vec![0u8; MAX_DATAGRAM]);
    let mut received: Vec<(usize, SocketAddr)> = Vec::with_capacity(BATCH);
    let mut out = Vec::with_capacity(4096);
    loop {
        if socket.readable().await.is_err() {
            continue;
        }
        received.clear();
        // Readiness stays tokio's: a batch that finds the socket empty clears it.
        let read = socket.try_io(Interest::READABLE, || {
            // Made per batch: nix's headers hold raw pointers, so they may not be kept across
            // an await of this task (which tokio may move between threads).
            let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(BATCH, None);
            let mut slices = packets.each_mut().map(|packet| [IoSliceMut::new(packet)]);
            let batch = recvmmsg(socket.as_raw_fd(), &mut headers, slices.iter_mut(), MsgFlags::empty(), None)?;
            received.extend(batch.filter_map(|datagram| Some((datagram.bytes, peer_of(datagram.address?)?))));
            Ok(())
        });
        // An error here concerns one datagram (an ICMP error for an earlier answer): go on.
        if read.is_err() {
            continue;
        }
        for (packet, &(n, peer)) in packets.iter().zip(&received) {
            match stub.handle(&packet[..n], server, Transport::Udp, &mut out) {
                Action::Send { delay } if delay.is_zero() => {
                    if let Err(e) = socket.try_send_to(&out, peer) {
                        if e.kind() == std::io::ErrorKind::WouldBlock {
                            let _ = socket.send_to(&out, peer).await;
                        }
                    }
                }
                Action::Send { delay } => {
                    let (socket, answer) = (Arc::clone(&socket), out.clone());
                    tokio::spawn(async move {
                        crate::timer::sleep(delay).await;
                        let _ = socket.send_to(&answer, peer).await;
                    });
                }
                Action::Hold | Action::Ignore => {}
            }
        }
    }
}

/// A datagram's source as std's address (IPv4 or IPv6; None for another family).
fn peer_of(address: SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    address.as_sockaddr_in6().map(|v6| SocketAddr::V6((*v6).into()))
}

/// One TCP connection: length-framed queries answered in order until the client closes, a
/// frame stays incomplete or the connection is idle past [`TCP_IDLE_TIMEOUT`].
async fn serve_tcp(mut stream: TcpStream, stub: Arc<Stub>, server: usize) {
    let _ = stream.set_nodelay(true);
    let mut packet = Vec::new();
    let mut out = Vec::with_capacity(4096);
    let mut frame = Vec::with_capacity(4096);
    // Once a query is held unanswered, the connection stays until the client closes it.
    let mut holding = false;
    loop {
        let mut length = [0u8; 2];
        let read = stream.read_exact(&mut length);
        let read = if holding { Ok(read.await) } else { tokio::time::timeout(TCP_IDLE_TIMEOUT, read).await };
        if !matches!(read, Ok(Ok(_))) {
            return;
        }
        packet.resize(usize::from(u16::from_be_bytes(length)), 0);
        if !matches!(tokio::time::timeout(TCP_IDLE_TIMEOUT, stream.read_exact(&mut packet)).await, Ok(Ok(_))) {
            return;
        }
        match stub.handle(&packet, server, Transport::Tcp, &mut out) {
            Action::Send { delay } => {
                if !delay.is_zero() {
                    crate::timer::sleep(delay).await;
                }
                frame.clear();
                frame.extend_from_slice(&u16::try_from(out.len()).unwrap_or(u16::MAX).to_be_bytes());
                frame.extend_from_slice(&out);
                // A client that stops reading is given the idle timeout, then dropped.
                if !matches!(tokio::time::timeout(TCP_IDLE_TIMEOUT, stream.write_all(&frame)).await, Ok(Ok(()))) {
                    return;
                }
            }
            Action::Hold => holding = true,
            Action::Ignore => {}
        }
    }
}
