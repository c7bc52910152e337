//! Tests of the mock's HTTP/2 path and its faults, as the h2 crate's client sees them over real
//! sockets on 127.0.0.1: the frames' codes, what streams and connections do, with tolerances.

use super::tests::{ms, start, LIMIT};
use super::*;
use crate::dist::Dist;
use crate::fault::FaultPlan;
use crate::mock::faults::{
    Close, EmptyResponse, FlowControlStall, Goaway, H2Code, Latency, Malformed, MaxConcurrentStreams, MockFault,
    PingTimeout, Reset, RstStream, SettingsDelay, Status,
};
use crate::mock::plan::MockPlan;
use ::h2::client::SendRequest;
use ::h2::Reason;
use bytes::Bytes;
use http::{Request, StatusCode};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;

fn window(kind: impl Into<MockFault>, at: Duration, duration: Duration) -> FaultPlan<MockFault> {
    FaultPlan { kind: kind.into(), at, duration, every: None, probability: 1.0 }
}

fn always(kind: impl Into<MockFault>) -> FaultPlan<MockFault> {
    window(kind, Duration::ZERO, Duration::from_secs(3600))
}

fn mock(plan: MockPlan, faults: Vec<FaultPlan<MockFault>>) -> MockServer {
    start(MockConfig {
        plan,
        faults: faults.into_iter().enumerate().collect(),
        seed: 7,
        epoch: Instant::now(),
        tls: None,
    })
}

/// An h2 client connection; its driver's end (how the connection ended) is the handle's output.
async fn connect(addr: SocketAddr) -> (SendRequest<Bytes>, JoinHandle<Result<(), ::h2::Error>>) {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = timeout(LIMIT, ::h2::client::handshake(stream)).await.expect("no handshake").unwrap();
    (sender, tokio::spawn(conn))
}

/// Sends a GET (with `body`, if any) and reads the whole response: its status and body, or the
/// error the stream met.
async fn get(sender: &mut SendRequest<Bytes>, body: Option<Bytes>) -> Result<(StatusCode, Bytes), ::h2::Error> {
    let mut sender = timeout(LIMIT, sender.clone().ready()).await.expect("never ready")?;
    let req = Request::get("http://mock/").body(()).unwrap();
    let (response, mut stream) = sender.send_request(req, body.is_none())?;
    if let Some(body) = body {
        send_all(&mut stream, body).await?;
    }
    let res = timeout(LIMIT, response).await.expect("no response")?;
    let status = res.status();
    let mut body = res.into_body();
    let mut read = Vec::new();
    while let Some(data) = timeout(LIMIT, body.data()).await.expect("body stalled") {
        let data = data?;
        let _ = body.flow_control().release_capacity(data.len());
        read.extend_from_slice(&data);
    }
    Ok((status, read.into()))
}

async fn send_all(stream: &mut ::h2::SendStream<Bytes>, mut body: Bytes) -> Result<(), ::h2::Error> {
    while !body.is_empty() {
        stream.reserve_capacity(body.len());
        let granted = std::future::poll_fn(|cx| stream.poll_capacity(cx)).await.expect("stream closed")?;
        let chunk = body.split_to(granted.min(body.len()));
        stream.send_data(chunk, body.is_empty())?;
    }
    Ok(())
}

fn reason(e: &::h2::Error) -> (bool, bool, Option<Reason>) {
    (e.is_go_away(), e.is_reset(), e.reason())
}

#[tokio::test]
async fn per_request_faults_act_on_h2_streams() {
    let plan = MockPlan { body_bytes: 9, latency: Dist::Fixed(ms(20)), ..MockPlan::default() };
    let m = mock(plan, vec![always(Latency(Dist::Fixed(ms(150)))), always(Status(StatusCode::IM_A_TEAPOT))]);
    let (mut sender, _conn) = connect(m.addr()).await;
    let t = Instant::now();
    let (status, body) = get(&mut sender, None).await.unwrap();
    assert_eq!((status, body.len()), (StatusCode::IM_A_TEAPOT, 9));
    assert!(t.elapsed() >= ms(170) && t.elapsed() < ms(3000), "took {:?}", t.elapsed());
    assert_eq!(m.shutdown().requests, 1);
}

#[tokio::test]
async fn rst_stream_resets_the_stream_with_its_code_and_the_connection_goes_on() {
    for (code, reason_) in
        [(H2Code::RefusedStream, Reason::REFUSED_STREAM), (H2Code::EnhanceYourCalm, Reason::ENHANCE_YOUR_CALM)]
    {
        let m = mock(MockPlan::default(), vec![window(RstStream { error_code: code }, Duration::ZERO, ms(400))]);
        let (mut sender, _conn) = connect(m.addr()).await;
        let e = get(&mut sender, None).await.unwrap_err();
        assert_eq!(reason(&e), (false, true, Some(reason_)), "{e:?}");
        tokio::time::sleep(ms(500)).await;
        assert_eq!(get(&mut sender, None).await.unwrap().0, StatusCode::OK, "the same connection, after the window");
        let stats = m.shutdown();
        assert_eq!((stats.requests, stats.connections_accepted), (2, 1));
    }
}

#[tokio::test]
async fn graceful_goaway_finishes_the_streams_received_then_closes() {
    // The GOAWAY comes 100-300 ms in, while the request (400 ms of latency) is in flight.
    let plan = MockPlan { latency: Dist::Fixed(ms(400)), ..MockPlan::default() };
    let finish = Goaway::Graceful { refuse_in_flight: false };
    let m = mock(plan.clone(), vec![window(finish, ms(100), ms(200))]);
    let (mut sender, conn) = connect(m.addr()).await;
    assert_eq!(
        get(&mut sender, None).await.unwrap().0,
        StatusCode::OK,
        "a stream up to the last-stream id is answered"
    );
    let ended = timeout(LIMIT, conn).await.expect("the connection stayed open").unwrap();
    assert!(ended.is_ok(), "closed after a graceful GOAWAY: {ended:?}");
    // A new stream on it is refused: the client knows the server is going away.
    assert!(get(&mut sender, None).await.is_err());

    let refuse = Goaway::Graceful { refuse_in_flight: true };
    let m = mock(plan, vec![window(refuse, ms(100), ms(200))]);
    let (mut sender, _conn) = connect(m.addr()).await;
    let e = get(&mut sender, None).await.unwrap_err();
    assert_eq!(reason(&e), (false, true, Some(Reason::REFUSED_STREAM)), "{e:?}");
}

#[tokio::test]
async fn abrupt_goaway_fails_the_streams_in_flight_with_its_code() {
    let plan = MockPlan { latency: Dist::Fixed(ms(400)), ..MockPlan::default() };
    let abrupt = Goaway::Abrupt { error_code: H2Code::EnhanceYourCalm };
    let m = mock(plan, vec![window(abrupt, ms(100), ms(200))]);
    let (mut sender, conn) = connect(m.addr()).await;
    let e = get(&mut sender, None).await.unwrap_err();
    assert_eq!(reason(&e), (true, false, Some(Reason::ENHANCE_YOUR_CALM)), "{e:?}");
    let ended = timeout(LIMIT, conn).await.expect("the connection stayed open").unwrap().unwrap_err();
    assert!(ended.is_go_away(), "{ended:?}");
}

#[tokio::test]
async fn a_connection_accepted_after_its_goaway_moment_is_spared() {
    let m = mock(MockPlan::default(), vec![window(Goaway::Abrupt { error_code: H2Code::InternalError }, ms(0), ms(1))]);
    tokio::time::sleep(ms(20)).await;
    let (mut sender, _conn) = connect(m.addr()).await;
    assert_eq!(get(&mut sender, None).await.unwrap().0, StatusCode::OK);
    tokio::time::sleep(ms(100)).await;
    assert_eq!(get(&mut sender, None).await.unwrap().0, StatusCode::OK);
}

#[tokio::test]
async fn max_concurrent_streams_queues_the_clients_streams() {
    let plan = MockPlan { latency: Dist::Fixed(ms(200)), ..MockPlan::default() };
    let m = mock(plan, vec![always(MaxConcurrentStreams { max: 2 })]);
    let (mut sender, _conn) = connect(m.addr()).await;
    // The first exchange brings the SETTINGS: streams opened before them past the limit would
    // be refused (REFUSED_STREAM), as h2 clients that do not wait for them meet.
    assert_eq!(get(&mut sender, None).await.unwrap().0, StatusCode::OK);
    let t = Instant::now();
    let gets: Vec<_> = (0..6)
        .map(|_| {
            let mut sender = sender.clone();
            tokio::spawn(async move { get(&mut sender, None).await.map(|(s, _)| s) })
        })
        .collect();
    for g in gets {
        assert_eq!(g.await.unwrap().unwrap(), StatusCode::OK);
    }
    // Six streams, two at a time, 200 ms each: three rounds at least.
    assert!(t.elapsed() >= ms(590), "took {:?}: the streams ran more than two at a time", t.elapsed());
}

#[tokio::test]
async fn settings_delay_holds_the_handshake() {
    let m = mock(MockPlan::default(), vec![always(SettingsDelay { delay: ms(400) })]);
    let t = Instant::now();
    let (mut sender, _conn) = connect(m.addr()).await;
    assert_eq!(get(&mut sender, None).await.unwrap().0, StatusCode::OK);
    assert!(t.elapsed() >= ms(400) && t.elapsed() < ms(4000), "took {:?}", t.elapsed());
}

#[tokio::test]
async fn ping_timeout_leaves_pings_unanswered_while_its_window_lasts() {
    let m = mock(MockPlan::default(), vec![window(PingTimeout, ms(300), ms(700))]);
    let stream = TcpStream::connect(m.addr()).await.unwrap();
    let (_sender, mut conn) = ::h2::client::handshake(stream).await.unwrap();
    let mut pinger = conn.ping_pong().expect("a ping handle");
    tokio::spawn(conn);
    timeout(LIMIT, pinger.ping(::h2::Ping::opaque())).await.expect("no pong before the window").unwrap();
    tokio::time::sleep(ms(400)).await;
    let t = Instant::now();
    // Inside the window: the pong comes only once the window ends (1 s after the start).
    timeout(LIMIT, pinger.ping(::h2::Ping::opaque())).await.expect("no pong after the window").unwrap();
    assert!(t.elapsed() >= ms(250), "answered after {:?}, inside the silent window", t.elapsed());
}

#[tokio::test]
async fn flow_control_stall_holds_a_body_larger_than_the_window() {
    let body = Bytes::from(vec![b'x'; 200 * 1024]);
    let m = mock(MockPlan::default(), vec![always(FlowControlStall { duration: ms(600) })]);
    let (mut sender, _conn) = connect(m.addr()).await;
    let t = Instant::now();
    assert_eq!(get(&mut sender, Some(Bytes::from_static(b"small"))).await.unwrap().0, StatusCode::OK);
    let small = t.elapsed();
    let t = Instant::now();
    assert_eq!(get(&mut sender, Some(body)).await.unwrap().0, StatusCode::OK);
    assert!(t.elapsed() >= ms(600), "a 200 KiB body went through in {:?}", t.elapsed());
    assert!(small < ms(600) || t.elapsed() > small, "a small body is not held");
}

/// How a connection fault on h2 ends the client's stream and connection.
async fn connection_fault(
    kind: MockFault,
    body_bytes: usize,
) -> (Result<(StatusCode, Bytes), ::h2::Error>, Result<(), ::h2::Error>) {
    let m = mock(MockPlan { body_bytes, ..MockPlan::default() }, vec![always(kind)]);
    let (mut sender, conn) = connect(m.addr()).await;
    let got = get(&mut sender, None).await;
    (got, timeout(LIMIT, conn).await.expect("the connection stayed open").unwrap())
}

#[tokio::test]
async fn connection_faults_end_the_h2_connection_without_goaway() {
    let reset = |e: &Result<(), ::h2::Error>| {
        e.as_ref().err().and_then(|e| e.get_io()).map(io::Error::kind) == Some(io::ErrorKind::ConnectionReset)
    };
    // A FIN without GOAWAY ends h2's client connection as an EOF: without error.
    let no_goaway = |e: &Result<(), ::h2::Error>| e.as_ref().err().is_none_or(|e| !e.is_go_away());
    // reset: a TCP RST (the stream and the connection fail with ECONNRESET).
    let (got, ended) = connection_fault(Reset::BeforeHeaders.into(), 10).await;
    assert!(got.is_err() && reset(&ended), "{got:?} {ended:?}");
    // reset mid-body: the head and 4 bytes, then the RST.
    let (got, ended) = connection_fault(Reset::MidBody { after_bytes: 4 }.into(), 10).await;
    assert!(got.is_err() && reset(&ended), "{got:?} {ended:?}");
    // empty_response: FIN before any response, no GOAWAY.
    let (got, ended) = connection_fault(EmptyResponse.into(), 10).await;
    assert!(got.is_err() && no_goaway(&ended), "{got:?} {ended:?}");
    // close: the response, then FIN without GOAWAY.
    let (got, ended) = connection_fault(Close { after_requests: 1 }.into(), 10).await;
    assert_eq!(got.unwrap(), (StatusCode::OK, Bytes::from_static(b"abcdefghij")));
    assert!(no_goaway(&ended), "{ended:?}");
    // malformed garbage: bytes that are no frame; the client's codec fails the connection.
    let (got, ended) = connection_fault(Malformed::Garbage.into(), 10).await;
    assert!(got.is_err() && ended.is_err(), "{got:?} {ended:?}");
    // malformed short body: DATA short of content-length, then FIN.
    let (got, ended) = connection_fault(Malformed::ShortBody.into(), 40).await;
    assert!(got.is_err() && no_goaway(&ended), "{got:?} {ended:?}");
}
