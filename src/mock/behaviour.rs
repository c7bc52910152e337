//! What the mock answers to one request: its status, its latency, its body, the faults that hit it, and how long a stall holds it.
//!
//! Everything a response needs is built once here (body bytes, cumulative status weights, fault
//! lists split by role), so answering a request on a plain mock costs a counter increment, at
//! most one cheap RNG seeding and two draws, and reference-count bumps. Faults and the serverless
//! model are only looked at when configured (see [`Behaviour::needs_conn_state`]).
//!
//! On a connection with state, [`Behaviour::answer`] says what to do with a request — respond,
//! or have the connection's task take the socket over ([`Answer::Takeover`]) — and the server
//! carries it out: the behaviour never touches a connection.
//!
//! Fault draws: whether fault `i` hits request `n` (or connection `n`, for a fault acting at
//! accept) is a pure function of the seed, `n` and `i` (its `[[fault]]` index), so every client
//! configuration meets the same hits.

use super::defences::{read_timed_out, LimitConn, Slot, Stage};
use super::faults::{Decision, Goaway, H2Fault, MockFault, Request as FaultRequest, RequestFaults, Role, TlsAct};
use super::plan::MockConfig;
use super::plan::{AtMaxConnections, KeepAliveClose, MockLimits, OnFreeze};
use super::serverless::{Admission, ConnBinding, Permit, Serverless};
use super::stats::{MockCounters, MockEvent};
use super::tls::{HandshakeFaults, MockTls, Presented};
use super::wire::Wire;
use crate::dist::Dist;
use crate::fault::{FaultPlan, Indexed};
use crate::seeded::{Purpose, Seeded};
use bytes::Bytes;
use http::header::{CONNECTION, CONTENT_LENGTH};
use http::{HeaderValue, Request, Response, StatusCode, Version};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use rand::rngs::SmallRng;
use rand::Rng;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

/// The shortest sleep of one turn of [`Behaviour::hold_while_stalled`]: never a busy loop.
const MIN_HOLD_STEP: Duration = Duration::from_millis(1);

/// The mock's per-request behaviour, shared by every connection of one server.
#[derive(Debug)]
pub(crate) struct Behaviour {
    latency: Dist,
    /// Statuses with the cumulative upper bound of their weight range, in plan order.
    statuses: Box<[(StatusCode, u64)]>,
    total_weight: u64,
    body: Bytes,
    /// `content-length` for HTTP/2 responses (HTTP/1 writes it straight into the output buffer).
    content_length: HeaderValue,
    /// Faults that hold responses ([`Role::Hold`]), windows relative to `epoch`.
    stalls: Box<[Indexed<MockFault>]>,
    /// Faults drawn per request after its head is read ([`Role::Request`]), in `[[fault]]` order.
    faults: Box<[Indexed<MockFault>]>,
    /// Faults drawn per accepted connection ([`Role::Accept`]), with what they do to it.
    at_accept: Box<[(Indexed<MockFault>, Wire)]>,
    /// Faults drawn per TLS connection at its handshake ([`Role::Handshake`]).
    at_handshake: Box<[(Indexed<MockFault>, TlsAct)]>,
    /// The certificates, with `[mock] tls`.
    tls: Option<Arc<MockTls>>,
    /// Faults drawn per HTTP/2 connection ([`Role::H2`]), with what they do to it.
    h2: Box<[(Indexed<MockFault>, H2Fault)]>,
    serverless: Option<Arc<Serverless>>,
    keep_alive_idle: Option<Duration>,
    keep_alive_jitter: Duration,
    keep_alive_close: KeepAliveClose,
    limits: MockLimits,
    /// Requests in progress, with `at_max_connections = "503"`.
    limit_conn: Option<Arc<LimitConn>>,
    epoch: Instant,
    seeded: Seeded,
    counters: Arc<MockCounters>,
}

/// A request a plain mock has taken: its index, its status, and when its latency ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Received {
    n: u64,
    status: StatusCode,
    deadline: Option<Instant>,
}

/// The outcome of the draws for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Draw {
    pub status: StatusCode,
    pub latency: Duration,
}

/// What [`Behaviour::answer`] needs to know of the connection a request came on.
#[derive(Debug)]
pub(crate) struct Conn {
    /// Since when it had no request in progress, before this one (`None`: one was in progress).
    pub idle_since: Option<Instant>,
    /// Its (jittered) keep-alive idle timeout.
    pub idle_timeout: Option<Duration>,
    /// Requests received on it, this one included.
    pub served: u32,
    /// The serverless instance it is bound to.
    pub binding: ConnBinding,
}

/// What to do with a request on a connection with state.
pub(crate) enum Answer {
    Respond(Response<MockBody>),
    /// Send no response: the connection's task takes the socket and carries out the [`Wire`]
    /// (`None`: leaves the connection open and silent). The serverless capacity the request
    /// holds, if any, is held until the connection ends, as a request still in progress holds it.
    Takeover(Option<Wire>, Option<Permit>),
    /// HTTP/2: send this response, then end the connection with the [`Wire`] (its other streams
    /// with it).
    RespondThen(Response<MockBody>, Wire),
    /// HTTP/2: RST_STREAM with this error code instead of a response.
    ResetStream(u32),
}

/// What the HTTP/2 connection faults do to one connection's handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct H2Handshake {
    pub settings_delay: Option<Duration>,
    pub max_concurrent_streams: Option<u32>,
}

/// The window of `f` that contains `t` or, if none does, the first after it (offsets from the
/// epoch).
fn window_from<K>(f: &FaultPlan<K>, t: Duration) -> Option<(Duration, Duration)> {
    let window = |start: Duration| (start, start.saturating_add(f.duration));
    if t < f.at {
        return Some(window(f.at));
    }
    match f.every {
        Some(every) if !every.is_zero() => {
            let k = (t - f.at).as_nanos() / every.as_nanos();
            let start = f.at + Duration::from_nanos(u64::try_from(k * every.as_nanos()).ok()?);
            Some(if t < start.saturating_add(f.duration) { window(start) } else { window(start + every) })
        }
        _ => (t < f.at.saturating_add(f.duration)).then(|| window(f.at)),
    }
}

/// A request body as [`Behaviour::answer`] reads it: hyper's (HTTP/1.1) or the h2 crate's.
pub(crate) trait RequestBody: Body<Data = Bytes> + Send + Unpin + 'static {
    /// How a failed read ended the body.
    fn failure(e: &Self::Error) -> BodyEnd;

    /// HTTP/2: leave the flow-control window of what is read unreplenished for this long (from
    /// now); nothing on HTTP/1.
    fn withhold_window(&mut self, _: Duration) {}
}

impl RequestBody for Incoming {
    fn failure(e: &hyper::Error) -> BodyEnd {
        body_failure(e)
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

fn status_code(code: u16) -> io::Result<StatusCode> {
    StatusCode::from_u16(code).map_err(|_| invalid(format!("mock: invalid status code {code}")))
}

impl Behaviour {
    pub(crate) fn new(config: &MockConfig, counters: Arc<MockCounters>) -> io::Result<Self> {
        let plan = &config.plan;
        let mut statuses = Vec::with_capacity(plan.statuses.len());
        let mut total_weight = 0u64;
        for &(code, weight) in &plan.statuses {
            let status = status_code(code)?;
            if weight == 0 {
                continue;
            }
            total_weight += u64::from(weight);
            statuses.push((status, total_weight));
        }
        if statuses.is_empty() {
            return Err(invalid("mock: no status with a positive weight".into()));
        }
        let (mut stalls, mut faults, mut at_accept, mut at_handshake, mut h2) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for fault in &config.faults {
            match fault.1.kind.role() {
                Role::Hold => stalls.push(fault.clone()),
                Role::Accept(wire) => at_accept.push((fault.clone(), wire)),
                Role::Handshake(act) => at_handshake.push((fault.clone(), act)),
                Role::Request => faults.push(fault.clone()),
                Role::H2(act) => h2.push((fault.clone(), act)),
            }
        }
        let tls = match (&config.tls, &plan.tls) {
            (Some(made), _) => Some(Arc::clone(made)),
            (None, Some(tls)) => Some(Arc::new(MockTls::new(tls, &[])?)),
            (None, None) => None,
        };
        let seeded = Seeded::new(config.seed);
        let serverless = plan.serverless.as_ref().map(|s| {
            status_code(s.queue_status)?;
            Ok::<_, io::Error>(Arc::new(Serverless::new(s, seeded, Arc::clone(&counters))))
        });
        let body = Bytes::from((0..plan.body_bytes).map(|i| b'a' + (i % 26) as u8).collect::<Vec<u8>>());
        Ok(Behaviour {
            latency: plan.latency.clone(),
            statuses: statuses.into_boxed_slice(),
            total_weight,
            content_length: HeaderValue::from(plan.body_bytes),
            body,
            stalls: stalls.into(),
            faults: faults.into(),
            at_accept: at_accept.into(),
            at_handshake: at_handshake.into(),
            tls,
            h2: h2.into(),
            serverless: serverless.transpose()?,
            keep_alive_idle: plan.keep_alive_idle,
            keep_alive_jitter: plan.keep_alive_jitter,
            keep_alive_close: plan.keep_alive_close,
            limits: plan.limits,
            limit_conn: (plan.limits.at_max_connections == AtMaxConnections::Refuse503)
                .then(|| LimitConn::new(plan.limits.max_connections)),
            epoch: config.epoch,
            seeded,
            counters,
        })
    }

    /// Whether connections need the full path (per-connection state, a stream that can be taken
    /// back from hyper for socket-level faults). A plain mock (latency, statuses, stalls, idle FIN
    /// closing) does not.
    pub(crate) fn needs_conn_state(&self) -> bool {
        !self.faults.is_empty()
            || !self.at_accept.is_empty()
            || !self.at_handshake.is_empty()
            || !self.h2.is_empty()
            || self.serverless.is_some()
            || (self.keep_alive_idle.is_some() && self.keep_alive_close != KeepAliveClose::Fin)
    }

    pub(crate) fn limits(&self) -> MockLimits {
        self.limits
    }

    /// Admits a request whose head was just read: a slot to hold until its response is sent
    /// (`None` unless `at_max_connections = "503"`), or `Err(503)` at the cap.
    pub(crate) fn admit(&self) -> Result<Option<Slot>, StatusCode> {
        match &self.limit_conn {
            None => Ok(None),
            Some(limit) => limit.admit(&self.counters).map(Some).ok_or(StatusCode::SERVICE_UNAVAILABLE),
        }
    }

    /// The response body every answer carries.
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    pub(crate) fn serverless(&self) -> Option<&Arc<Serverless>> {
        self.serverless.as_ref()
    }

    pub(crate) fn keep_alive_close(&self) -> KeepAliveClose {
        self.keep_alive_close
    }

    /// Connection `index`'s idle timeout: `keep_alive_idle`, or drawn uniformly within
    /// ± `keep_alive_jitter` of it (at least 1 ms), seeded by the connection's index.
    pub(crate) fn idle_timeout(&self, index: u64) -> Option<Duration> {
        let idle = self.keep_alive_idle?;
        if self.keep_alive_jitter.is_zero() {
            return Some(idle);
        }
        let lo = idle.saturating_sub(self.keep_alive_jitter).max(Duration::from_millis(1));
        let hi = (idle + self.keep_alive_jitter).max(lo);
        let mut rng = self.seeded.rng(index, 0, Purpose::IdleJitter);
        Some(Duration::from_nanos(rng.random_range(lo.as_nanos() as u64..=hi.as_nanos() as u64)))
    }

    /// What the faults acting at accept do to connection `index`, accepted now: the first that
    /// hits it wins.
    pub(crate) fn at_accept(&self, index: u64) -> Option<Wire> {
        if self.at_accept.is_empty() {
            return None;
        }
        let elapsed = self.epoch.elapsed();
        self.at_accept
            .iter()
            .find(|((i, f), _)| f.active_at(elapsed) && self.seeded.hits(index, *i, Purpose::AcceptHit, f.probability))
            .map(|(_, wire)| wire.clone())
    }

    /// The certificates, when the mock speaks TLS.
    pub(crate) fn tls(&self) -> Option<&Arc<MockTls>> {
        self.tls.as_ref()
    }

    /// What the handshake faults do to connection `index`, accepted now: delays add up, a stall
    /// or a mismatch from any of them holds, the first bad certificate is the one presented.
    pub(crate) fn at_handshake(&self, index: u64) -> HandshakeFaults {
        let mut out = HandshakeFaults::default();
        if self.at_handshake.is_empty() {
            return out;
        }
        let elapsed = self.epoch.elapsed();
        for ((i, f), act) in &*self.at_handshake {
            if !f.active_at(elapsed) || !self.seeded.hits(index, *i, Purpose::HandshakeHit, f.probability) {
                continue;
            }
            self.counters.fault_hits.fetch_add(1, Relaxed);
            match act {
                TlsAct::Delay(delay) => {
                    out.delay += delay.sample(&mut self.seeded.rng(index, *i, Purpose::HandshakeDelay))
                }
                TlsAct::Stall => out.stall = true,
                TlsAct::BadCert(kind) => {
                    if out.presented == Presented::Right {
                        out.presented = Presented::Bad(*kind);
                    }
                }
                TlsAct::AlpnMismatch => out.alpn_mismatch = true,
            }
        }
        out
    }

    /// What the HTTP/2 connection faults do to connection `index`'s handshake, accepted
    /// `elapsed` after the epoch: the latest SETTINGS delay and the lowest stream limit of those
    /// active then that hit it.
    pub(crate) fn h2_handshake(&self, index: u64, elapsed: Duration) -> H2Handshake {
        let mut out = H2Handshake::default();
        for ((i, f), act) in self.h2.iter() {
            if !f.active_at(elapsed) || !self.seeded.hits(index, *i, Purpose::H2Hit, f.probability) {
                continue;
            }
            match *act {
                H2Fault::SettingsDelay(delay) => out.settings_delay = out.settings_delay.max(Some(delay)),
                H2Fault::MaxConcurrentStreams(max) => {
                    out.max_concurrent_streams = Some(out.max_concurrent_streams.map_or(max, |m| m.min(max)))
                }
                H2Fault::Goaway(_) | H2Fault::Silence => {}
            }
        }
        out
    }

    /// The first GOAWAY that reaches HTTP/2 connection `index`, accepted `accepted` after the
    /// epoch: its moment (an offset from the epoch) and mode. Each `goaway` fault that hits the
    /// connection reaches it at a fraction of its window drawn once per connection; a window
    /// whose moment came before the accept spares it (the next one may not).
    pub(crate) fn next_goaway(&self, index: u64, accepted: Duration) -> Option<(Duration, Goaway)> {
        self.h2
            .iter()
            .filter_map(|((i, f), act)| {
                let H2Fault::Goaway(mode) = *act else { return None };
                if !self.seeded.hits(index, *i, Purpose::H2Hit, f.probability) {
                    return None;
                }
                let fraction: f64 = self.seeded.rng(index, *i, Purpose::GoawayAt).random();
                let moment = |(start, end): (Duration, Duration)| start + (end - start).mul_f64(fraction);
                let window = window_from(f, accepted)?;
                let at = match moment(window) {
                    at if at >= accepted => at,
                    _ => moment(window_from(f, window.1)?),
                };
                Some((at, mode))
            })
            .min_by_key(|(at, _)| *at)
    }

    /// When HTTP/2 connection `index` next goes silent (`ping_timeout`), from `from` (offsets
    /// from the epoch) on: the window's start and end.
    pub(crate) fn next_silence(&self, index: u64, from: Duration) -> Option<(Duration, Duration)> {
        self.h2
            .iter()
            .filter(|((i, f), act)| {
                *act == H2Fault::Silence && self.seeded.hits(index, *i, Purpose::H2Hit, f.probability)
            })
            .filter_map(|((_, f), _)| window_from(f, from))
            .min()
    }

    pub(crate) fn epoch(&self) -> Instant {
        self.epoch
    }

    /// The draws for the `n`-th request the server received (0-based): a pure function of the
    /// seed and `n`, so a sequential client sees the same sequence for the same seed.
    pub(crate) fn draw(&self, n: u64) -> Draw {
        if let (&Dist::Fixed(latency), [(status, _)]) = (&self.latency, &*self.statuses) {
            // Nothing to draw: skip seeding an RNG.
            return Draw { status: *status, latency };
        }
        let mut rng: SmallRng = self.seeded.unit_rng(n);
        let status = if self.statuses.len() == 1 {
            self.statuses[0].0
        } else {
            let x = rng.random_range(0..self.total_weight);
            self.statuses.iter().find(|&&(_, upper)| x < upper).map_or(self.statuses[0].0, |&(s, _)| s)
        };
        Draw { status, latency: self.latency.sample(&mut rng) }
    }

    /// The faults that hit request `n`, received `elapsed` after the epoch as the `served`-th
    /// request of its connection, whose draws gave `status`. Applied in `[[fault]]` order (see
    /// `faults/mod.rs`). A fault of one HTTP version only does not act on the other.
    pub(crate) fn plan_faults(
        &self,
        n: u64,
        elapsed: Duration,
        served: u32,
        status: StatusCode,
        h2: bool,
    ) -> RequestFaults {
        let mut out = RequestFaults::default();
        for (i, f) in self.faults.iter() {
            // The same rule `validate` warns by (see `FaultKind::protocols`).
            if !f.kind.protocols().includes(h2) {
                continue;
            }
            if !f.active_at(elapsed) || !self.seeded.hits(n, *i, Purpose::RequestHit, f.probability) {
                continue;
            }
            let request = FaultRequest { n, fault: *i, served, h2, seeded: &self.seeded, status, body: &self.body };
            f.kind.act(&request, &mut out);
        }
        out
    }

    /// End (as an offset from the epoch) of the stall window active at `elapsed` that holds
    /// request `n`, if any; the latest end when several overlap.
    pub(crate) fn stall_end(&self, n: u64, elapsed: Duration) -> Option<Duration> {
        self.stalls
            .iter()
            .filter(|(i, f)| self.seeded.hits(n, *i, Purpose::RequestHit, f.probability))
            .filter_map(|(_, f)| f.window_end(elapsed))
            .max()
    }

    /// Takes one request on a plain mock (see [`Behaviour::needs_conn_state`]): counts it and
    /// draws its status and latency now, in arrival order. [`Behaviour::settle`] then waits.
    pub(crate) fn receive(&self) -> Received {
        let n = self.counters.requests.fetch_add(1, Relaxed);
        let draw = self.draw(n);
        let deadline = (!draw.latency.is_zero()).then(|| crate::timer::after(Instant::now(), draw.latency));
        Received { n, status: draw.status, deadline }
    }

    /// Waits out a received request's latency and any stall that holds it; returns its status.
    pub(crate) async fn settle(&self, request: Received) -> StatusCode {
        if let Some(deadline) = request.deadline {
            crate::timer::sleep_until(deadline).await;
        }
        if !self.stalls.is_empty() && self.hold_while_stalled(request.n).await {
            self.counters.fault_hits.fetch_add(1, Relaxed);
        }
        request.status
    }

    /// Answers one request on a connection with state: the keep-alive race, the serverless
    /// model, and every fault. A request that must not get a response (a reset, a hang, raw
    /// broken bytes) is answered [`Answer::Takeover`], which the connection's task carries out.
    pub(crate) fn answer<B: RequestBody>(
        self: &Arc<Self>,
        req: Request<B>,
        conn: Conn,
    ) -> impl Future<Output = Answer> + Send + 'static {
        let n = self.counters.requests.fetch_add(1, Relaxed);
        let arrival = Instant::now();
        let h2 = req.version() == Version::HTTP_2;
        // A declared body over the limit is refused (413, by `drain`) before the cap is looked
        // at, as on the plain path.
        let too_large = req.body().size_hint().lower() > self.limits.max_request_body_bytes;
        let admitted = if too_large { Ok(None) } else { self.admit() };
        let draw = self.draw(n);
        let faults = self.plan_faults(n, arrival.saturating_duration_since(self.epoch), conn.served, draw.status, h2);
        let this = Arc::clone(self);
        async move {
            // As the plain path does (`http1.rs`): a body that cannot be delimited is refused
            // before anything else happens, and one the client cut short gets no answer. HTTP/2
            // streams are framed by h2, and a reset one is hyper's to drop.
            let _slot = match admitted {
                Ok(slot) => slot,
                Err(status) => return Answer::Respond(this.refusal(status, h2)),
            };
            let gap = this.limits.body_read_timeout.filter(|_| !h2);
            let mut body = req.into_body();
            body.withhold_window(faults.withhold_window);
            match drain(body, this.limits.max_request_body_bytes, gap).await {
                BodyEnd::Complete => {}
                BodyEnd::TimedOut => {
                    return match read_timed_out(&this.limits, Stage::Body, &this.counters) {
                        Some(status) => Answer::Respond(this.refusal(status, h2)),
                        None => Answer::Takeover(Some(Wire::Fin), None),
                    }
                }
                BodyEnd::TooLarge => return Answer::Respond(this.refusal(StatusCode::PAYLOAD_TOO_LARGE, h2)),
                BodyEnd::Malformed if !h2 => return Answer::Respond(this.refusal(StatusCode::BAD_REQUEST, h2)),
                BodyEnd::CutShort if !h2 => return Answer::Takeover(Some(Wire::Fin), None),
                BodyEnd::Malformed | BodyEnd::CutShort => {}
            }
            if this.keep_alive_close == KeepAliveClose::Race {
                if let (Some(timeout), Some(since)) = (conn.idle_timeout, conn.idle_since) {
                    if arrival >= crate::timer::after(since, timeout) {
                        this.counters.event(MockEvent::ClosedIdle, arrival);
                        return Answer::Takeover(Some(Wire::Rst), None);
                    }
                }
            }
            let mut start = arrival;
            let mut permit = None;
            if let Some(serverless) = &this.serverless {
                match serverless.admit(&conn.binding).await {
                    Admission::Go { permit: taken, ready_at } => {
                        permit = Some(taken);
                        crate::timer::sleep_until(ready_at).await;
                        start = Instant::now();
                    }
                    Admission::Busy(status) => return Answer::Respond(this.response(status, h2)),
                    Admission::Frozen(OnFreeze::Reset) => return Answer::Takeover(Some(Wire::Rst), None),
                    Admission::Frozen(_) => return Answer::Takeover(None, None),
                }
            }
            let wait = match faults.decision {
                Decision::Gateway { after, .. } => after,
                _ => draw.latency,
            }
            .saturating_add(faults.extra_latency);
            if !wait.is_zero() {
                crate::timer::sleep_until(crate::timer::after(start, wait)).await;
            }
            let stalled = !this.stalls.is_empty() && this.hold_while_stalled(n).await;
            if faults.hit || stalled {
                this.counters.fault_hits.fetch_add(1, Relaxed);
            }
            let mut res = match faults.decision {
                Decision::Takeover(wire) => return Answer::Takeover(wire, permit),
                Decision::Cut { after_bytes, then } => {
                    debug_assert!(h2, "an HTTP/2 fault's decision reached an HTTP/1 request");
                    let mut res = this.response(draw.status, h2);
                    *res.body_mut() = MockBody::full(this.body.slice(..after_bytes.min(this.body.len())));
                    return Answer::RespondThen(res, then);
                }
                Decision::ResetStream(code) => {
                    debug_assert!(h2, "an HTTP/2 fault's decision reached an HTTP/1 request");
                    return Answer::ResetStream(code);
                }
                Decision::Status(status) | Decision::Gateway { status, .. } => this.response(status, h2),
                Decision::Trickle(over) => {
                    let mut res = this.response(draw.status, h2);
                    *res.body_mut() = MockBody::trickle(this.body.clone(), over);
                    res
                }
                Decision::Normal => this.response(draw.status, h2),
            };
            if faults.close && h2 {
                return Answer::RespondThen(res, Wire::Fin);
            }
            if faults.close {
                res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
            }
            Answer::Respond(res)
        }
    }

    /// Waits until no stall window that holds request `n` is active (back-to-back windows are
    /// waited out in turn). Returns whether it held the request at all.
    ///
    /// Every turn of the loop sleeps, at least [`MIN_HOLD_STEP`] even if a window claims to end
    /// at or before now: a window stuck "active" (a bug) then holds the request, as a stall
    /// would, instead of spinning the server's runtime so that nothing else, its shutdown
    /// included, ever runs again.
    async fn hold_while_stalled(&self, n: u64) -> bool {
        let mut elapsed = self.epoch.elapsed();
        let mut held = false;
        while let Some(end) = self.stall_end(n, elapsed) {
            held = true;
            let until = crate::timer::after(self.epoch, end).max(crate::timer::after(Instant::now(), MIN_HOLD_STEP));
            crate::timer::sleep_until(until).await;
            elapsed = until.saturating_duration_since(self.epoch);
        }
        held
    }

    pub(crate) fn response(&self, status: StatusCode, h2: bool) -> Response<MockBody> {
        let mut res = Response::new(MockBody::full(self.body.clone()));
        *res.status_mut() = status;
        if h2 {
            // hyper would add it from the exact size hint, formatting a fresh value each time.
            res.headers_mut().insert(CONTENT_LENGTH, self.content_length.clone());
        }
        res
    }

    /// The answer to a request the mock refuses to serve (as `http1.rs` refuses one): `status`,
    /// no body, and an HTTP/1 connection closed after it (HTTP/2 has no `connection` field; the
    /// stream ends there).
    pub(crate) fn refusal(&self, status: StatusCode, h2: bool) -> Response<MockBody> {
        let mut res = Response::new(MockBody::Full(None));
        *res.status_mut() = status;
        if !h2 {
            res.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
        }
        res
    }
}

/// How reading a request body ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyEnd {
    Complete,
    /// Its framing is broken (a bad chunk size line, a chunk without its CRLF…).
    Malformed,
    /// The client closed or reset the connection before the body's end.
    CutShort,
    /// Longer than `max_request_body_bytes`.
    TooLarge,
    /// A read waited longer than `body_read_timeout`.
    TimedOut,
}

/// Reads a request body to its end, or until it is found longer than `max` (a declared length
/// is refused before a byte of the body is read), or until one read waits longer than `gap`;
/// says how it ended.
async fn drain<B: RequestBody>(mut body: B, max: u64, gap: Option<Duration>) -> BodyEnd {
    if body.is_end_stream() {
        return BodyEnd::Complete;
    }
    if body.size_hint().lower() > max {
        return BodyEnd::TooLarge;
    }
    let mut read = 0u64;
    loop {
        let frame = match gap {
            None => body.frame().await,
            Some(gap) => match tokio::time::timeout(gap, body.frame()).await {
                Ok(frame) => frame,
                Err(_) => return BodyEnd::TimedOut,
            },
        };
        let Some(frame) = frame else { break };
        match frame {
            Err(e) => return B::failure(&e),
            Ok(frame) => {
                read += frame.data_ref().map_or(0, |data| data.len() as u64);
                if read > max {
                    return BodyEnd::TooLarge;
                }
            }
        }
    }
    BodyEnd::Complete
}

/// hyper reports a broken chunked framing as an I/O error of kind `InvalidInput` or
/// `InvalidData` under its body error, and an early end as `UnexpectedEof` (or an incomplete
/// message); anything else is the connection failing under it.
fn body_failure(e: &hyper::Error) -> BodyEnd {
    if e.is_parse() {
        return BodyEnd::Malformed;
    }
    let io_kind = std::error::Error::source(e).and_then(|s| s.downcast_ref::<io::Error>()).map(io::Error::kind);
    match io_kind {
        Some(io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData) => BodyEnd::Malformed,
        _ => BodyEnd::CutShort,
    }
}

/// A response body: the pre-built bytes at once, or dribbled out over a duration (`Trickle`).
pub(crate) enum MockBody {
    Full(Option<Bytes>),
    Trickle(Trickle),
}

pub(crate) struct Trickle {
    body: Bytes,
    start: Instant,
    over: Duration,
    chunks: u32,
    next: u32,
    sleep: Option<crate::timer::Sleep>,
}

impl MockBody {
    pub(crate) fn full(body: Bytes) -> Self {
        MockBody::Full((!body.is_empty()).then_some(body))
    }

    /// `body` in up to one piece per 5 ms, piece `i` of `k` due at `over × (i + 1) / k`.
    fn trickle(body: Bytes, over: Duration) -> Self {
        if body.is_empty() {
            return MockBody::Full(None);
        }
        let chunks = (over.as_millis() / 5).clamp(1, body.len().min(u32::MAX as usize) as u128) as u32;
        MockBody::Trickle(Trickle { body, start: Instant::now(), over, chunks, next: 0, sleep: None })
    }

    fn remaining(&self) -> u64 {
        match self {
            MockBody::Full(b) => b.as_ref().map_or(0, |b| b.len() as u64),
            MockBody::Trickle(t) => (t.body.len() - t.offset(t.next)) as u64,
        }
    }
}

impl Trickle {
    fn offset(&self, chunk: u32) -> usize {
        (self.body.len() as u128 * u128::from(chunk) / u128::from(self.chunks)) as usize
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            MockBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            MockBody::Trickle(t) => {
                if t.next >= t.chunks {
                    return Poll::Ready(None);
                }
                let due = crate::timer::after(t.start, t.over * (t.next + 1) / t.chunks);
                let sleep = t.sleep.get_or_insert_with(|| crate::timer::sleep_until(due));
                ready!(Pin::new(sleep).poll(cx));
                t.sleep = None;
                let (from, to) = (t.offset(t.next), t.offset(t.next + 1));
                t.next += 1;
                Poll::Ready(Some(Ok(Frame::data(t.body.slice(from..to)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining() == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault::FaultPlan;
    use crate::mock::faults::{Close, EmptyResponse, Latency, Stall, Status};
    use crate::mock::plan::MockPlan;

    fn behaviour(plan: MockPlan, faults: Vec<FaultPlan<MockFault>>, seed: u64) -> Behaviour {
        let config = MockConfig {
            plan,
            faults: faults.into_iter().enumerate().collect(),
            seed,
            epoch: Instant::now(),
            tls: None,
        };
        Behaviour::new(&config, Arc::default()).unwrap()
    }

    #[test]
    fn draws_are_a_function_of_seed_and_index() {
        let plan = MockPlan {
            statuses: vec![(200, 9), (503, 1)],
            latency: Dist::Uniform { min: Duration::from_millis(1), max: Duration::from_millis(9) },
            ..MockPlan::default()
        };
        let a = behaviour(plan.clone(), vec![], 7);
        let b = behaviour(plan.clone(), vec![], 7);
        let c = behaviour(plan, vec![], 8);
        let seq = |m: &Behaviour| (0..500).map(|n| m.draw(n)).collect::<Vec<_>>();
        assert_eq!(seq(&a), seq(&b));
        assert_ne!(seq(&a), seq(&c));
        let errors = (0..10_000).filter(|&n| a.draw(n).status == StatusCode::SERVICE_UNAVAILABLE).count();
        assert!((800..1200).contains(&errors), "{errors} of 10000 were 503");
    }

    #[test]
    fn zero_weights_are_skipped_and_bad_plans_rejected() {
        let m = behaviour(MockPlan { statuses: vec![(500, 0), (204, 3)], ..MockPlan::default() }, vec![], 1);
        assert!((0..100).all(|n| m.draw(n).status == StatusCode::NO_CONTENT));
        let bad = |statuses| {
            let config = MockConfig {
                plan: MockPlan { statuses, ..MockPlan::default() },
                faults: vec![],
                seed: 0,
                epoch: Instant::now(),
                tls: None,
            };
            Behaviour::new(&config, Arc::default()).unwrap_err().kind()
        };
        assert_eq!(bad(vec![]), io::ErrorKind::InvalidInput);
        assert_eq!(bad(vec![(200, 0)]), io::ErrorKind::InvalidInput);
        assert_eq!(bad(vec![(42, 1)]), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn faults_apply_in_order_latencies_add_and_the_first_decider_wins() {
        let f = |kind: MockFault| FaultPlan {
            kind,
            at: Duration::ZERO,
            duration: Duration::from_secs(10),
            every: None,
            probability: 1.0,
        };
        let ms = Duration::from_millis;
        let faults = vec![
            f(Latency(Dist::Fixed(ms(10))).into()),
            f(EmptyResponse.into()),
            f(Status(StatusCode::SERVICE_UNAVAILABLE).into()),
            f(Latency(Dist::Fixed(ms(5))).into()),
            f(Close { after_requests: 3 }.into()),
        ];
        let m = behaviour(MockPlan::default(), faults, 0);
        let h1 = m.plan_faults(0, ms(1), 1, StatusCode::OK, false);
        assert_eq!(h1.extra_latency, ms(15));
        assert_eq!(h1.decision, Decision::Takeover(Some(Wire::Fin)));
        assert!(h1.hit && !h1.close);
        assert!(m.plan_faults(0, ms(1), 3, StatusCode::OK, false).close);
        // HTTP/2 meets the connection faults too: the empty response (a FIN), and the close.
        let h2 = m.plan_faults(0, ms(1), 3, StatusCode::OK, true);
        assert_eq!(h2.decision, Decision::Takeover(Some(Wire::Fin)));
        assert!(h2.close);
        // Outside the window nothing applies.
        assert_eq!(m.plan_faults(0, Duration::from_secs(11), 1, StatusCode::OK, false), RequestFaults::default());
    }

    #[test]
    fn overlapping_and_repeating_stalls_end_at_the_latest_window() {
        let s = Duration::from_secs;
        let stall = |at, duration, every| FaultPlan {
            kind: MockFault::Stall(Stall),
            at: s(at),
            duration: s(duration),
            every,
            probability: 1.0,
        };
        let m = behaviour(MockPlan::default(), vec![stall(1, 2, None), stall(2, 3, Some(s(10)))], 0);
        assert_eq!(m.stall_end(0, Duration::from_millis(500)), None);
        assert_eq!(m.stall_end(0, Duration::from_millis(1500)), Some(s(3)));
        assert_eq!(m.stall_end(0, Duration::from_millis(2500)), Some(s(5)));
        assert_eq!(m.stall_end(0, s(5)), None);
        assert_eq!(m.stall_end(0, Duration::from_millis(12_100)), Some(s(15)));
    }
}
