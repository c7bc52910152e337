//! A scripted nameserver for the resolver's tests: UDP and TCP on one loopback port, answering
//! each query as its script says (an answer built with hickory-proto, an error code, TC, a late
//! answer, raw datagrams, or silence) and logging what it was asked.

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, CNAME, SOA};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transport {
    Udp,
    Tcp,
}

/// One query the server received.
#[derive(Debug, Clone)]
pub(super) struct Seen {
    pub(super) transport: Transport,
    pub(super) rtype: RecordType,
    pub(super) at: Instant,
}

/// What the server does with one query.
pub(super) enum Act {
    Reply(Message),
    /// The reply, after a delay (the server goes on answering others meanwhile).
    Later(Duration, Message),
    /// These messages, in order, as separate datagrams (UDP) or one after another (TCP).
    Several(Vec<Message>),
    Silent,
}

type Script = dyn Fn(&Message, Transport) -> Act + Send + Sync;

pub(super) struct Scripted {
    pub(super) addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Scripted {
    /// Starts on 127.0.0.1, UDP and TCP on the same (free) port.
    pub(super) async fn start(script: impl Fn(&Message, Transport) -> Act + Send + Sync + 'static) -> Scripted {
        let script: Arc<Script> = Arc::new(script);
        let (udp, tcp) = bind_pair().await;
        let addr = udp.local_addr().expect("bound");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let udp = Arc::new(udp);
        let udp_task = tokio::spawn(serve_udp(udp, script.clone(), seen.clone()));
        let tcp_task = tokio::spawn(serve_tcp(tcp, script, seen.clone()));
        Scripted { addr, seen, tasks: vec![udp_task, tcp_task] }
    }

    /// Queries received over `transport` for `rtype`.
    pub(super) fn count(&self, transport: Transport, rtype: RecordType) -> usize {
        self.seen.lock().unwrap().iter().filter(|s| s.transport == transport && s.rtype == rtype).count()
    }

    pub(super) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
        if let Ok(tcp) = TcpListener::bind(udp.local_addr().expect("bound")).await {
            return (udp, tcp);
        }
    }
    panic!("no loopback port free for both UDP and TCP");
}

fn log(seen: &Mutex<Vec<Seen>>, query: &Message, transport: Transport) {
    let rtype = query.queries.first().map_or(RecordType::Unknown(0), |q| q.query_type);
    seen.lock().unwrap().push(Seen { transport, rtype, at: Instant::now() });
}

async fn serve_udp(socket: Arc<UdpSocket>, script: Arc<Script>, seen: Arc<Mutex<Vec<Seen>>>) {
    let mut buffer = vec![0u8; 4096];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buffer).await else { return };
        let Ok(query) = Message::from_vec(&buffer[..n]) else { continue };
        log(&seen, &query, Transport::Udp);
        match script(&query, Transport::Udp) {
            Act::Reply(reply) => {
                let _ = socket.send_to(&reply.to_vec().unwrap(), from).await;
            }
            Act::Later(delay, reply) => {
                let socket = socket.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = socket.send_to(&reply.to_vec().unwrap(), from).await;
                });
            }
            Act::Several(replies) => {
                for reply in replies {
                    let _ = socket.send_to(&reply.to_vec().unwrap(), from).await;
                }
            }
            Act::Silent => {}
        }
    }
}

async fn serve_tcp(listener: TcpListener, script: Arc<Script>, seen: Arc<Mutex<Vec<Seen>>>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { return };
        let (script, seen) = (script.clone(), seen.clone());
        tokio::spawn(async move {
            let Ok(length) = stream.read_u16().await else { return };
            let mut query = vec![0u8; usize::from(length)];
            if stream.read_exact(&mut query).await.is_err() {
                return;
            }
            let Ok(query) = Message::from_vec(&query) else { return };
            log(&seen, &query, Transport::Tcp);
            let replies = match script(&query, Transport::Tcp) {
                Act::Reply(reply) => vec![reply],
                Act::Later(delay, reply) => {
                    tokio::time::sleep(delay).await;
                    vec![reply]
                }
                Act::Several(replies) => replies,
                Act::Silent => {
                    let _ = stream.read_u8().await; // hold the connection until the client leaves
                    return;
                }
            };
            for reply in replies {
                let bytes = reply.to_vec().unwrap();
                let _ = stream.write_all(&(bytes.len() as u16).to_be_bytes()).await;
                let _ = stream.write_all(&bytes).await;
            }
        });
    }
}

/// An empty response to `query`: its id and question, authoritative.
pub(super) fn response(query: &Message, code: ResponseCode) -> Message {
    let mut reply = Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
    reply.metadata.authoritative = true;
    reply.metadata.recursion_desired = query.metadata.recursion_desired;
    reply.metadata.response_code = code;
    reply.add_queries(query.queries.clone());
    reply
}

pub(super) fn qtype(query: &Message) -> RecordType {
    query.queries[0].query_type
}

pub(super) fn qname(query: &Message) -> Name {
    query.queries[0].name.clone()
}

/// The addresses of `ips` of the query's type, with `ttl` seconds (NODATA with an SOA if none is
/// of that type).
pub(super) fn answer(query: &Message, ips: &[IpAddr], ttl: u32) -> Message {
    let mut reply = response(query, ResponseCode::NoError);
    let name = qname(query);
    for ip in ips {
        let data = match (ip, qtype(query)) {
            (IpAddr::V4(v4), RecordType::A) => RData::A(A(*v4)),
            (IpAddr::V6(v6), RecordType::AAAA) => RData::AAAA(AAAA(*v6)),
            _ => continue,
        };
        reply.add_answer(Record::from_rdata(name.clone(), ttl, data));
    }
    if reply.answers.is_empty() {
        reply.add_authority(soa(3600, 3600));
    }
    reply
}

/// `name` as an alias of `target`, whose address is `ip`, in one answer.
pub(super) fn aliased(query: &Message, target: &str, ip: IpAddr, cname_ttl: u32, a_ttl: u32) -> Message {
    let mut reply = response(query, ResponseCode::NoError);
    let target = Name::from_ascii(target).unwrap();
    reply.add_answer(Record::from_rdata(qname(query), cname_ttl, RData::CNAME(CNAME(target.clone()))));
    let mut addressed = answer(query, &[ip], a_ttl);
    for record in &mut addressed.answers {
        record.name = target.clone();
    }
    reply.add_answers(addressed.answers);
    if reply.answers.len() == 1 {
        reply.add_authority(soa(3600, 3600));
    }
    reply
}

/// NXDOMAIN with an SOA of this TTL and `minimum` (RFC 2308: the lesser is the negative TTL).
pub(super) fn nxdomain(query: &Message, ttl: u32, minimum: u32) -> Message {
    let mut reply = response(query, ResponseCode::NXDomain);
    reply.add_authority(soa(ttl, minimum));
    reply
}

fn soa(ttl: u32, minimum: u32) -> Record {
    let zone = Name::from_ascii("test.").unwrap();
    let data = SOA::new(
        Name::from_ascii("ns.test.").unwrap(),
        Name::from_ascii("admin.test.").unwrap(),
        1,
        60,
        60,
        600,
        minimum,
    );
    Record::from_rdata(zone, ttl, RData::SOA(data))
}

/// TC=1 and nothing else: the client must ask again over TCP.
pub(super) fn truncated(query: &Message) -> Message {
    let mut reply = response(query, ResponseCode::NoError);
    reply.metadata.truncation = true;
    reply
}
