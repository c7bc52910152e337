//! The stub as a client meets it: queries built with hickory-proto and sent over real UDP and
//! TCP sockets on 127.0.0.1; every fault kind judged from the answer on the wire.

use super::answer::Zone;
use super::faults::FaultTable;
use super::server::{Action, Stub};
use super::stats::Transport;
use super::*;
use crate::scenario::ByLayer;
use hickory_proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a client waits for an answer that should come.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// How long a client waits to conclude that no answer comes.
const SILENCE: Duration = Duration::from_millis(300);

const RECORDS: &str = r#"
[dns]
records = [
  { name = "upstream.test", a = ["127.0.0.1", "127.0.0.2"], ttl = "30s" },
  { name = "v6.test", aaaa = "::1", ttl = "1m" },
  { name = "alias.test", cname = "Upstream.Test." },
  { name = "dangling.test", cname = "nowhere.test" },
  { name = "a.example.test", a = "10.0.0.1" },
  { name = "b.c.example.test", a = "10.0.0.2" },
  { name = "example.test", a = "10.0.0.3" },
]
negative_ttl = "7s"
"#;

/// A stub started from a configuration file's text (`[dns]`, `[[fault]]`, `seed`), as
/// `chaosload dns --config` reads it.
fn stub(config: &str) -> DnsServer {
    let parts = crate::scenario::parse_parts(config, Path::new("dns.toml")).unwrap_or_else(|d| panic!("{d}"));
    let listeners =
        (0..parts.dns.nameservers).map(|_| DnsListener::bind("127.0.0.1:0".parse().unwrap()).unwrap()).collect();
    let faults = ByLayer::split(&parts.faults).dns;
    let config = DnsConfig { plan: parts.dns, faults, seed: parts.seed, epoch: Instant::now() };
    DnsServer::start(listeners, config).unwrap()
}

fn with_faults(faults: &str) -> DnsServer {
    stub(&format!("{RECORDS}{faults}"))
}

fn query(name: &str, rtype: RecordType) -> Message {
    let mut message = Message::query();
    message.metadata.recursion_desired = true;
    message.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    message
}

fn with_edns(mut message: Message, size: u16) -> Message {
    let mut edns = Edns::new();
    edns.set_max_payload(size);
    message.set_edns(edns);
    message
}

/// Sends `packet` over UDP; the answer's bytes, or `None` if none came within `wait`.
fn udp_raw(addr: SocketAddr, packet: &[u8], wait: Duration) -> Option<Vec<u8>> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(wait)).unwrap();
    socket.send_to(packet, addr).unwrap();
    let mut buf = vec![0u8; 65_535];
    match socket.recv_from(&mut buf) {
        Ok((n, from)) => {
            assert_eq!(from, addr, "the answer comes from the nameserver asked");
            Some(buf[..n].to_vec())
        }
        Err(e) => {
            assert!(matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{e}");
            None
        }
    }
}

fn udp(addr: SocketAddr, message: &Message) -> Message {
    let bytes = udp_raw(addr, &message.to_vec().unwrap(), ANSWER_WITHIN).expect("an answer over UDP");
    Message::from_vec(&bytes).expect("a well-formed answer")
}

/// A TCP connection to a nameserver, with its reads bounded.
struct Tcp(std::net::TcpStream);

impl Tcp {
    fn connect(addr: SocketAddr) -> Tcp {
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(ANSWER_WITHIN)).unwrap();
        Tcp(stream)
    }

    fn send(&mut self, packet: &[u8]) {
        let mut frame = u16::try_from(packet.len()).unwrap().to_be_bytes().to_vec();
        frame.extend_from_slice(packet);
        self.0.write_all(&frame).unwrap();
    }

    /// The next answer, or `None` when none comes within `wait`.
    fn answer_within(&mut self, wait: Duration) -> Option<Message> {
        self.0.set_read_timeout(Some(wait)).unwrap();
        let mut length = [0u8; 2];
        if let Err(e) = self.0.read_exact(&mut length) {
            assert!(matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut), "{e}");
            return None;
        }
        let mut body = vec![0u8; usize::from(u16::from_be_bytes(length))];
        self.0.read_exact(&mut body).unwrap();
        Some(Message::from_vec(&body).expect("a well-formed answer"))
    }

    fn ask(&mut self, message: &Message) -> Message {
        self.send(&message.to_vec().unwrap());
        self.answer_within(ANSWER_WITHIN).expect("an answer over TCP")
    }
}

fn tcp(addr: SocketAddr, message: &Message) -> Message {
    Tcp::connect(addr).ask(message)
}

fn addresses(answer: &Message) -> Vec<IpAddr> {
    answer
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
            _ => None,
        })
        .collect()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// The SOA minimum and TTL of a negative answer's authority section.
fn negative_ttl(answer: &Message) -> Option<(u32, u32)> {
    answer.authorities.iter().find_map(|r| match &r.data {
        RData::SOA(soa) => Some((r.ttl, soa.minimum)),
        _ => None,
    })
}

#[test]
fn answers_records_cnames_nodata_and_nxdomain_over_udp_and_tcp() {
    let server = stub(RECORDS);
    let addr = server.addrs()[0];
    for transport in [udp, tcp] {
        let asked = query("UPSTREAM.test.", RecordType::A);
        let answer = transport(addr, &asked);
        assert_eq!(answer.metadata.id, asked.metadata.id);
        assert_eq!(answer.metadata.message_type, MessageType::Response);
        assert!(answer.metadata.authoritative && answer.metadata.recursion_desired);
        assert!(!answer.metadata.recursion_available && !answer.metadata.truncation);
        assert_eq!(answer.queries, asked.queries, "the question is echoed as asked");
        assert_eq!(answer.metadata.response_code, ResponseCode::NoError);
        assert_eq!(addresses(&answer), [ip("127.0.0.1"), ip("127.0.0.2")]);
        assert!(answer.answers.iter().all(|r| r.ttl == 30));

        let answer = transport(addr, &query("v6.test.", RecordType::AAAA));
        assert_eq!((addresses(&answer), answer.answers[0].ttl), (vec![ip("::1")], 60));

        // An alias: the CNAME first, then the target's records.
        let answer = transport(addr, &query("alias.test.", RecordType::A));
        assert_eq!(answer.answers.len(), 3);
        assert_eq!(answer.answers[0].record_type(), RecordType::CNAME);
        assert_eq!(addresses(&answer), [ip("127.0.0.1"), ip("127.0.0.2")]);
        let answer = transport(addr, &query("alias.test.", RecordType::CNAME));
        assert_eq!((answer.answers.len(), answer.answers[0].record_type()), (1, RecordType::CNAME));
        // An alias of a name the stub does not have: the CNAME, and NXDOMAIN for its target.
        let answer = transport(addr, &query("dangling.test.", RecordType::A));
        assert_eq!(answer.metadata.response_code, ResponseCode::NXDomain);
        assert_eq!(answer.answers.len(), 1);

        // NODATA: a known name without the type asked, with the SOA for negative caching.
        for (name, rtype) in [("v6.test.", RecordType::A), ("upstream.test.", RecordType::MX)] {
            let answer = transport(addr, &query(name, rtype));
            assert_eq!(answer.metadata.response_code, ResponseCode::NoError, "{name} {rtype}");
            assert!(answer.answers.is_empty());
            assert_eq!(negative_ttl(&answer), Some((7, 7)), "{name} {rtype}");
        }
        let answer = transport(addr, &query("nope.test.", RecordType::A));
        assert_eq!(answer.metadata.response_code, ResponseCode::NXDomain);
        assert_eq!(negative_ttl(&answer), Some((7, 7)));
        let answer = transport(addr, &query("upstream.test.", RecordType::ANY));
        assert_eq!(answer.metadata.response_code, ResponseCode::NotImp);
    }
    let stats = server.shutdown();
    assert_eq!(stats.queries, 18);
    assert_eq!(stats.by_transport, Transports { udp: 9, tcp: 9 });
    assert_eq!(stats.by_type, QueryTypes { a: 10, aaaa: 2, other: 6 });
    assert_eq!(stats.answers.nxdomain, 4);
    assert_eq!(stats.answers.notimp, 2);
    assert_eq!(stats.answers.noerror, 12);
    assert_eq!(stats.tcp_connections, 9);
}

#[test]
fn a_query_with_edns_gets_an_opt_and_an_answer_within_its_size() {
    // 60 addresses: about 1 KB, above 512 bytes, below 4096.
    let many: Vec<String> = (1..=60).map(|i| format!("\"10.1.0.{i}\"")).collect();
    let server = stub(&format!("[dns]\nrecords = [ {{ name = \"big.test\", a = [{}] }} ]\n", many.join(", ")));
    let addr = server.addrs()[0];
    let plain = udp(addr, &query("big.test.", RecordType::A));
    assert!(plain.metadata.truncation, "over 512 bytes without EDNS: TC");
    assert!(plain.answers.is_empty() && plain.edns.is_none());
    assert_eq!(plain.queries.len(), 1);
    let large = udp(addr, &with_edns(query("big.test.", RecordType::A), 4096));
    assert!(!large.metadata.truncation);
    assert_eq!(addresses(&large).len(), 60);
    assert_eq!(large.edns.as_ref().map(Edns::max_payload), Some(answer::STUB_UDP_SIZE));
    let small = udp(addr, &with_edns(query("big.test.", RecordType::A), 600));
    assert!(small.metadata.truncation, "600 bytes advertised: still too small");
    // The client's retry over TCP gets all of it.
    assert_eq!(addresses(&tcp(addr, &query("big.test.", RecordType::A))).len(), 60);
    assert_eq!(server.shutdown().truncated, 2);
}

#[test]
fn rcode_faults_answer_their_code_and_nxdomain_carries_the_soa() {
    let server = with_faults(
        "[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nname = \"upstream.test\"\n\
         [[fault]]\nlayer = \"dns\"\nkind = \"nxdomain\"\nname = \"v6.test\"\n\
         [[fault]]\nlayer = \"dns\"\nkind = \"refused\"\nname = \"alias.test\"\n",
    );
    let addr = server.addrs()[0];
    for transport in [udp, tcp] {
        let answer = transport(addr, &query("upstream.test.", RecordType::A));
        assert_eq!((answer.metadata.response_code, answer.answers.len()), (ResponseCode::ServFail, 0));
        let answer = transport(addr, &query("v6.test.", RecordType::AAAA));
        assert_eq!(answer.metadata.response_code, ResponseCode::NXDomain);
        assert!(answer.answers.is_empty());
        assert_eq!(negative_ttl(&answer), Some((7, 7)));
        let answer = transport(addr, &query("alias.test.", RecordType::A));
        assert_eq!((answer.metadata.response_code, answer.answers.len()), (ResponseCode::Refused, 0));
        // Names no fault selects are answered as ever.
        let answer = transport(addr, &query("a.example.test.", RecordType::A));
        assert_eq!(addresses(&answer), [ip("10.0.0.1")]);
    }
    let stats = server.shutdown();
    let hits: Vec<(usize, &str, u64)> = stats.faults.iter().map(|f| (f.index, f.kind.as_str(), f.hits)).collect();
    assert_eq!(hits, [(0, "servfail", 2), (1, "nxdomain", 2), (2, "refused", 2)]);
    assert_eq!((stats.answers.servfail, stats.answers.refused, stats.answers.nxdomain), (2, 2, 2));
}

#[test]
fn drop_sends_nothing_and_keeps_the_tcp_connection_serving() {
    let server = with_faults("[[fault]]\nlayer = \"dns\"\nkind = \"drop\"\nname = \"upstream.test\"\n");
    let addr = server.addrs()[0];
    let dropped = query("upstream.test.", RecordType::A).to_vec().unwrap();
    assert_eq!(udp_raw(addr, &dropped, SILENCE), None, "no answer over UDP");
    let mut conn = Tcp::connect(addr);
    conn.send(&dropped);
    assert!(conn.answer_within(SILENCE).is_none(), "no answer over TCP");
    // The connection is still open and answers the next query.
    let answer = conn.ask(&query("v6.test.", RecordType::AAAA));
    assert_eq!(addresses(&answer), [ip("::1")]);
    let stats = server.shutdown();
    assert_eq!((stats.dropped, stats.queries), (2, 3));
}

#[test]
fn truncate_sets_tc_over_udp_and_the_tcp_retry_gets_the_full_answer() {
    let server = with_faults("[[fault]]\nlayer = \"dns\"\nkind = \"truncate\"\n");
    let addr = server.addrs()[0];
    let asked = query("upstream.test.", RecordType::A);
    let over_udp = udp(addr, &asked);
    assert!(over_udp.metadata.truncation && over_udp.answers.is_empty());
    assert_eq!(over_udp.queries, asked.queries);
    let over_tcp = tcp(addr, &asked);
    assert!(!over_tcp.metadata.truncation);
    assert_eq!(addresses(&over_tcp), [ip("127.0.0.1"), ip("127.0.0.2")]);
    assert_eq!(server.shutdown().truncated, 1);
}

#[test]
fn ttl_overrides_every_answer_record_and_flap_answers_in_turn() {
    let server = with_faults(
        "[[fault]]\nlayer = \"dns\"\nkind = \"ttl\"\nttl = \"0s\"\nname = \"alias.test\"\n\
         [[fault]]\nlayer = \"dns\"\nkind = \"flap\"\nname = \"upstream.test\"\nanswers = [\"127.0.0.9\", \"127.0.0.1\", \"::9\"]\n",
    );
    let addr = server.addrs()[0];
    let answer = udp(addr, &query("alias.test.", RecordType::A));
    assert_eq!(answer.answers.len(), 3);
    assert!(answer.answers.iter().all(|r| r.ttl == 0), "{:?}", answer.answers);
    let turns: Vec<Vec<IpAddr>> =
        (0..4).map(|_| addresses(&udp(addr, &query("upstream.test.", RecordType::A)))).collect();
    // A queries take the IPv4 answers in turn, whatever AAAA queries meet in between (a lookup
    // asks both at once).
    assert_eq!(turns, [vec![ip("127.0.0.9")], vec![ip("127.0.0.1")], vec![ip("127.0.0.9")], vec![ip("127.0.0.1")]]);
    let aaaa: Vec<Vec<IpAddr>> =
        (0..2).map(|_| addresses(&udp(addr, &query("upstream.test.", RecordType::AAAA)))).collect();
    assert_eq!(aaaa, [vec![ip("::9")], vec![ip("::9")]], "the one IPv6 answer, every time");
    assert_eq!(addresses(&udp(addr, &query("upstream.test.", RecordType::A))), [ip("127.0.0.9")]);
    let stats = server.shutdown();
    assert_eq!((stats.faults[0].hits, stats.faults[1].hits), (1, 7));
}

#[test]
fn delays_add_up_and_compose_with_an_answer_changing_fault() {
    let server = with_faults(
        "[[fault]]\nlayer = \"dns\"\nkind = \"delay\"\ndelay = \"150ms\"\nname = \"upstream.test\"\n\
         [[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nname = \"upstream.test\"\n\
         [[fault]]\nlayer = \"dns\"\nkind = \"refused\"\nname = \"upstream.test\"\n\
         [[fault]]\nlayer = \"dns\"\nkind = \"delay\"\ndelay = \"150ms\"\nname = \"upstream.test\"\n",
    );
    let addr = server.addrs()[0];
    for transport in [udp, tcp] {
        let started = Instant::now();
        let answer = transport(addr, &query("upstream.test.", RecordType::A));
        let took = started.elapsed();
        // A lower bound and a generous upper one: never a tight timing outside `run_timed`.
        assert!(took >= Duration::from_millis(300) && took < ANSWER_WITHIN, "{took:?}");
        assert_eq!(answer.metadata.response_code, ResponseCode::ServFail, "the first answer-changing fault wins");
        let started = Instant::now();
        udp(addr, &query("v6.test.", RecordType::AAAA));
        assert!(started.elapsed() < Duration::from_millis(300), "other names are not delayed");
    }
    server.shutdown();
}

#[test]
fn every_nth_counts_the_queries_its_fault_matches() {
    let server =
        with_faults("[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nname = \"upstream.test\"\nevery_nth = 3\n");
    let addr = server.addrs()[0];
    let mut codes = Vec::new();
    for _ in 0..9 {
        // Queries for other names do not count.
        udp(addr, &query("v6.test.", RecordType::AAAA));
        codes.push(udp(addr, &query("upstream.test.", RecordType::A)).metadata.response_code == ResponseCode::ServFail);
    }
    assert_eq!(codes, [false, false, true, false, false, true, false, false, true]);
    assert_eq!(server.shutdown().faults[0].hits, 3);
}

#[test]
fn a_wildcard_selects_every_name_under_its_domain_only() {
    let server = with_faults("[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nname = \"*.Example.test\"\n");
    let addr = server.addrs()[0];
    let code = |name: &str| udp(addr, &query(name, RecordType::A)).metadata.response_code;
    assert_eq!(code("a.example.test."), ResponseCode::ServFail);
    assert_eq!(code("B.C.EXAMPLE.test."), ResponseCode::ServFail);
    assert_eq!(code("unknown.example.test."), ResponseCode::ServFail);
    assert_eq!(code("example.test."), ResponseCode::NoError);
    assert_eq!(code("upstream.test."), ResponseCode::NoError);
    server.shutdown();
}

#[test]
fn server_selects_one_nameserver_and_each_has_its_own_port() {
    let server = stub(&format!(
        "{}\nnameservers = 2\n[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nserver = 2\n",
        RECORDS.trim_end()
    ));
    let addrs = server.addrs();
    assert_eq!(addrs.len(), 2);
    assert_ne!(addrs[0].port(), addrs[1].port());
    for transport in [udp, tcp] {
        assert_eq!(
            transport(addrs[0], &query("upstream.test.", RecordType::A)).metadata.response_code,
            ResponseCode::NoError
        );
        assert_eq!(
            transport(addrs[1], &query("upstream.test.", RecordType::A)).metadata.response_code,
            ResponseCode::ServFail
        );
    }
    server.shutdown();
}

#[test]
fn probability_draws_are_seeded_by_the_query_index() {
    let pattern = |seed: u64| {
        let server = stub(&format!(
            "seed = {seed}\n{RECORDS}[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nprobability = 0.5\n"
        ));
        let addr = server.addrs()[0];
        let hits: Vec<bool> = (0..40)
            .map(|_| {
                udp(addr, &query("upstream.test.", RecordType::A)).metadata.response_code == ResponseCode::ServFail
            })
            .collect();
        assert_eq!(server.shutdown().faults[0].hits, hits.iter().filter(|&&h| h).count() as u64);
        hits
    };
    let first = pattern(7);
    let hit = first.iter().filter(|&&h| h).count();
    assert!((8..=32).contains(&hit), "{hit} of 40");
    assert_eq!(first, pattern(7), "the same seed, the same hits");
    assert_ne!(first, pattern(8));
}

#[test]
fn a_fault_acts_only_in_its_window() {
    let server = with_faults("[[fault]]\nlayer = \"dns\"\nkind = \"servfail\"\nat = \"1h\"\n");
    let addr = server.addrs()[0];
    assert_eq!(udp(addr, &query("upstream.test.", RecordType::A)).metadata.response_code, ResponseCode::NoError);
    assert_eq!(server.shutdown().faults[0].hits, 0);
}

/// A query's bytes with its question count changed.
fn with_qdcount(message: &Message, count: u16) -> Vec<u8> {
    let mut bytes = message.to_vec().unwrap();
    bytes[4..6].copy_from_slice(&count.to_be_bytes());
    bytes
}

#[test]
fn malformed_packets_get_formerr_or_nothing_and_the_stub_serves_on() {
    let server = stub(RECORDS);
    let addr = server.addrs()[0];
    let good = query("upstream.test.", RecordType::A);
    let mut two = good.clone();
    two.add_query(Query::query(Name::from_ascii("v6.test.").unwrap(), RecordType::AAAA));
    let mut response = good.clone();
    response.metadata.message_type = MessageType::Response;
    let formerr: Vec<Vec<u8>> = vec![
        // A header, then garbage.
        [&[0xab, 0xcd, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00][..], &[0xff; 20]].concat(),
        // A question cut short.
        good.to_vec().unwrap()[..good.to_vec().unwrap().len() - 3].to_vec(),
        with_qdcount(&good, 0),
        two.to_vec().unwrap(),
        with_qdcount(&good, 5),
    ];
    for packet in &formerr {
        let answer = Message::from_vec(&udp_raw(addr, packet, ANSWER_WITHIN).expect("FORMERR")).unwrap();
        assert_eq!(answer.metadata.response_code, ResponseCode::FormErr, "{packet:?}");
        assert_eq!(answer.metadata.id, u16::from_be_bytes([packet[0], packet[1]]));
        let over_tcp = {
            let mut conn = Tcp::connect(addr);
            conn.send(packet);
            conn.answer_within(ANSWER_WITHIN).expect("FORMERR over TCP")
        };
        assert_eq!(over_tcp.metadata.response_code, ResponseCode::FormErr);
    }
    for silent in [&b""[..], &b"\x01\x02\x03"[..], &response.to_vec().unwrap()[..]] {
        assert_eq!(udp_raw(addr, silent, SILENCE), None, "{silent:?}");
    }
    // After all that, a valid query on UDP and on a TCP connection that carried garbage first.
    assert_eq!(addresses(&udp(addr, &good)).len(), 2);
    let mut conn = Tcp::connect(addr);
    conn.send(b"\x00");
    conn.send(&formerr[0]);
    assert_eq!(conn.answer_within(ANSWER_WITHIN).unwrap().metadata.response_code, ResponseCode::FormErr);
    assert_eq!(addresses(&conn.ask(&good)).len(), 2);
    let stats = server.shutdown();
    assert_eq!(stats.answers.formerr, 11);
    assert_eq!(stats.queries, 2);
}

/// Packets a fuzzer would send: random bytes, and valid queries with bytes flipped.
fn hostile_packets(seed: u64, count: usize) -> Vec<Vec<u8>> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let valid = with_edns(query("alias.test.", RecordType::A), 1232).to_vec().unwrap();
    (0..count)
        .map(|i| {
            if i % 2 == 0 {
                let len = rng.random_range(0..600);
                (0..len).map(|_| rng.random()).collect()
            } else {
                let mut packet = valid.clone();
                for _ in 0..rng.random_range(1..6) {
                    let at = rng.random_range(0..packet.len());
                    packet[at] = rng.random();
                }
                packet.truncate(rng.random_range(0..=packet.len()));
                packet
            }
        })
        .collect()
}

#[test]
fn hostile_packets_over_udp_and_tcp_never_stop_the_stub() {
    let server = with_faults("[[fault]]\nlayer = \"dns\"\nkind = \"delay\"\ndelay = \"1ms\"\nprobability = 0.5\n");
    let addr = server.addrs()[0];
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for packet in hostile_packets(1, 400) {
        socket.send_to(&packet, addr).unwrap();
    }
    let mut conn = Tcp::connect(addr);
    for packet in hostile_packets(2, 200) {
        conn.send(&packet);
    }
    // UDP may lose a datagram while the flood fills the stub's buffer: a client retries.
    let asked = query("upstream.test.", RecordType::A).to_vec().unwrap();
    let answer = (0..3).find_map(|_| udp_raw(addr, &asked, ANSWER_WITHIN)).expect("an answer after the flood");
    assert_eq!(addresses(&Message::from_vec(&answer).unwrap()).len(), 2);
    assert_eq!(addresses(&tcp(addr, &query("upstream.test.", RecordType::A))).len(), 2);
    assert!(server.shutdown().malformed > 0);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

    /// Any bytes: handled without a panic, and whatever is sent back is a well-formed response
    /// to the packet's id.
    #[test]
    fn any_packet_is_answered_well_formed_or_not_at_all(packet in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        static STUB: std::sync::OnceLock<Stub> = std::sync::OnceLock::new();
        let stub = STUB.get_or_init(|| {
            let plan = crate::scenario::parse_parts(RECORDS, Path::new("dns.toml")).unwrap().dns;
            Stub::new(Zone::new(&plan), FaultTable::new(&[], 1, Instant::now()))
        });
        let mut out = Vec::new();
        for transport in [Transport::Udp, Transport::Tcp] {
            if let Action::Send { .. } = stub.handle(&packet, 1, transport, &mut out) {
                let answer = Message::from_vec(&out).expect("the stub's answer parses");
                proptest::prop_assert_eq!(answer.metadata.message_type, MessageType::Response);
                proptest::prop_assert_eq!(answer.metadata.id, u16::from_be_bytes([packet[0], packet[1]]));
                if transport == Transport::Udp {
                    proptest::prop_assert!(out.len() <= 65_535);
                }
            }
        }
    }
}

#[test]
fn bind_takes_one_port_for_udp_and_tcp() {
    let listener = DnsListener::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.addr();
    assert_ne!(addr.port(), 0);
    assert_eq!(listener.tcp.local_addr().unwrap(), addr);
    assert_eq!(addr.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    // The port is taken on both transports now.
    assert!(std::net::UdpSocket::bind(addr).is_err() && std::net::TcpListener::bind(addr).is_err());
}

/// The answers encoded at start are the answers `respond_in_full` encodes: for every name and
/// type, spelt as the zone spells it or not, any id and flags, with and without EDNS, over UDP
/// (an answer past 512 bytes falls back, and is truncated) and TCP.
#[test]
fn encoded_answers_are_the_answers_encoded_in_full() {
    use super::answer::{respond, respond_in_full};
    use super::faults::Effects;
    let big: Vec<String> = (1..=40).map(|i| format!("\"10.1.0.{i}\"")).collect();
    let text =
        RECORDS.replace("records = [", &format!("records = [\n  {{ name = \"big.test\", a = [{}] }},", big.join(", ")));
    let plan = crate::scenario::parse_parts(&text, Path::new("dns.toml")).unwrap().dns;
    let zone = Zone::new(&plan);
    let names = [
        "upstream.test.",
        "UPSTREAM.test.",
        "v6.test.",
        "alias.test.",
        "dangling.test.",
        "example.test.",
        "big.test.",
        "absent.test.",
    ];
    let (mut fast, mut full) = (Vec::new(), Vec::new());
    let mut compared = 0;
    for name in names {
        for rtype in [RecordType::A, RecordType::AAAA, RecordType::CNAME, RecordType::MX] {
            for (id, rd, cd) in [(0, false, false), (0xbeef, true, false), (7, true, true)] {
                for edns in [None, Some(512), Some(4096)] {
                    let mut request = query(name, rtype);
                    request.metadata.id = id;
                    request.metadata.recursion_desired = rd;
                    request.metadata.checking_disabled = cd;
                    let request = match edns {
                        Some(size) => with_edns(request, size),
                        None => request,
                    };
                    // As the stub meets it: parsed from the wire.
                    let request = Message::from_vec(&request.to_vec().unwrap()).unwrap();
                    for udp in [true, false] {
                        let sent = respond(&zone, &request, &Effects::default(), udp, &mut fast);
                        let sent_in_full = respond_in_full(&zone, &request, &Effects::default(), udp, &mut full);
                        assert_eq!(sent, sent_in_full, "{name} {rtype} {edns:?} udp={udp}");
                        assert_eq!(fast, full, "{name} {rtype} id={id} rd={rd} cd={cd} {edns:?} udp={udp}");
                        compared += 1;
                    }
                }
            }
        }
    }
    assert_eq!(compared, names.len() * 4 * 3 * 3 * 2);
    // The big answer did not fit 512 bytes: the fallback truncated it.
    let request = Message::from_vec(&query("big.test.", RecordType::A).to_vec().unwrap()).unwrap();
    assert!(respond(&zone, &request, &Effects::default(), true, &mut fast).truncated);
}

/// Datagrams from many clients at once (read in batches): each client gets the answer to its
/// own query, from the nameserver asked, and every query is counted once.
#[test]
fn queries_arriving_together_each_get_their_own_answer() {
    let server = stub(RECORDS);
    let addr = server.addrs()[0];
    let names = ["upstream.test.", "v6.test.", "example.test.", "absent.test."];
    let clients: Vec<(std::net::UdpSocket, Message)> = (0..64u16)
        .map(|i| {
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            socket.set_read_timeout(Some(ANSWER_WITHIN)).unwrap();
            let mut asked = query(names[usize::from(i) % names.len()], RecordType::A);
            asked.metadata.id = 1000 + i;
            (socket, asked)
        })
        .collect();
    // All sent before any answer is read, so the stub finds several waiting.
    for (socket, asked) in &clients {
        socket.send_to(&asked.to_vec().unwrap(), addr).unwrap();
    }
    let mut buf = vec![0u8; 65_535];
    for (socket, asked) in &clients {
        let (n, from) = socket.recv_from(&mut buf).expect("an answer to each client");
        assert_eq!(from, addr);
        let answer = Message::from_vec(&buf[..n]).unwrap();
        assert_eq!(answer.metadata.id, asked.metadata.id);
        assert_eq!(answer.queries, asked.queries);
    }
    let stats = server.shutdown();
    assert_eq!(stats.queries, clients.len() as u64);
}
