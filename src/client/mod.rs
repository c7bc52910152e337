//! The client under test: one `[[client]]` configuration, built on a pool of our own (see
//! `pool`) over a lean HTTP/1.1 connection of our own (`http1`) or hyper's HTTP/2 one, with
//! request timeouts and retries, reporting what each request met: outcome, connect time, time to
//! first byte, connection reuse.

mod classify;
mod dial;
mod http1;
mod pool;
pub mod resolve;
mod silent_retry;
pub mod tls;

/// EMFILE/ENFILE told apart, for the slow-client cohorts' connects too.
pub(crate) use classify::is_fd_exhaustion;
pub use dial::Dial;
pub use resolve::{Resolver, ResolverStats};
pub use tls::TlsConnect;

use crate::record::{ConnStats, ErrorKind, Outcome};
use crate::scenario::{ClientPlan, HttpVersion, ReadBody, RequestPlan, RetryOn};
use classify::{classify_body, classify_hyper};
use http::header::{CONNECTION, HOST};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use http1::{Failure, Reached, WireRequest};
use http_body_util::{BodyExt, Full};
use pool::{Conn, Pool, Sender};
use silent_retry::{FailedAttempt, Replay};
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Where requests go: how to reach the target, and what to put in `Host` and in front of every path.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub dial: Dial,
    /// `host[:port]` for the `Host` header and HTTP/2 `:authority`.
    pub authority: String,
    /// Prefix of every request path (`""` or e.g. `/api`).
    pub base_path: String,
    /// TLS on every connection (`https://` targets).
    pub tls: Option<TlsConnect>,
}

/// A request built once per phase and cloned for each send.
#[derive(Debug, Clone)]
pub struct Prepared {
    wire: Wire,
    /// What the configuration's silent retry rule asks of the request.
    replay: Replay,
}

#[derive(Debug, Clone)]
enum Wire {
    /// Encoded once: every attempt writes these bytes.
    Http1(WireRequest),
    Http2 {
        method: Method,
        uri: Uri,
        headers: HeaderMap,
        body: bytes::Bytes,
    },
}

/// What one logical request (all its attempts) met.
#[derive(Debug, Clone, Copy)]
pub struct Exchange {
    pub outcome: Outcome,
    /// First write of the request to a connection.
    pub sent: Option<Instant>,
    /// Time to look up the target's name, when an attempt dialled a name (the last such
    /// attempt; a lookup that failed included). Not part of `connect`.
    pub dns: Option<Duration>,
    /// Time to open the connection, when an attempt opened one (the last such attempt).
    pub connect: Option<Duration>,
    /// Time of that connection's TLS handshake (`https://` targets).
    pub tls: Option<Duration>,
    pub ttfb: Option<Duration>,
    pub reused: bool,
    pub attempts: u32,
    /// Attempts the client's silent retry rule made (`silent_retry`), not in `attempts`.
    pub hidden_retries: u32,
    /// What the last attempt a silent retry hid had met.
    pub hidden_kind: Option<ErrorKind>,
}

/// One client configuration on one load worker.
pub struct Client {
    plan: ClientPlan,
    endpoint: Endpoint,
    pool: Rc<Pool>,
    /// The run's stop: once requested, no retry is sent (the run's traffic has ended).
    stop: CancellationToken,
}

impl Client {
    /// `plan` carries this worker's share of per-host limits (see `ClientPlan::share`).
    /// `epoch` is the start of the run (connection opens are counted per second from it).
    pub fn new(endpoint: Endpoint, plan: ClientPlan, epoch: Instant, stop: CancellationToken) -> Client {
        let pool = Pool::new(endpoint.dial.clone(), endpoint.tls.clone(), &plan, epoch);
        Client { pool: Rc::new(pool), plan, endpoint, stop }
    }

    /// Connections opened so far.
    pub fn connections_opened(&self) -> u64 {
        self.pool.stats.borrow().opened
    }

    pub fn prepare(&self, request: &RequestPlan) -> anyhow::Result<Prepared> {
        let path = format!("{}{}", self.endpoint.base_path, request.path);
        let mut headers = HeaderMap::new();
        if self.plan.http == HttpVersion::Http1 {
            if !request.headers.iter().any(|(name, _)| name == HOST) {
                headers.insert(HOST, HeaderValue::from_str(&self.endpoint.authority)?);
            }
            if !self.plan.keep_alive {
                headers.insert(CONNECTION, HeaderValue::from_static("close"));
            }
        }
        for (name, value) in &request.headers {
            headers.append(name.clone(), value.clone());
        }
        let replay = Replay::of(&request.method, &headers);
        let wire = match self.plan.http {
            HttpVersion::Http1 => {
                let _: Uri = path.parse()?; // the same check of the path as for HTTP/2
                Wire::Http1(WireRequest::encode(&request.method, &path, &headers, &request.body))
            }
            HttpVersion::Http2 => Wire::Http2 {
                method: request.method.clone(),
                uri: format!("http://{}{}", self.endpoint.authority, path).parse()?,
                headers,
                body: request.body.clone(),
            },
        };
        Ok(Prepared { wire, replay })
    }

    /// Sends one request, retrying as configured.
    pub async fn send(&self, request: &Prepared) -> Exchange {
        let mut ex = Exchange {
            outcome: Outcome::Ok(0),
            sent: None,
            dns: None,
            connect: None,
            tls: None,
            ttfb: None,
            reused: false,
            attempts: 0,
            hidden_retries: 0,
            hidden_kind: None,
        };
        let mut backoff = self.plan.retries.backoff;
        loop {
            ex.attempts += 1;
            let outcome = match self.plan.request_timeout {
                Some(limit) => tokio::time::timeout(limit, self.round_trip(request, &mut ex))
                    .await
                    .unwrap_or(Outcome::Error(ErrorKind::RequestTimeout)),
                None => self.round_trip(request, &mut ex).await,
            };
            if matches!(outcome, Outcome::Error(ErrorKind::Unfinished)) && ex.attempts > 1 {
                // The stop kept this retry from being written (it waited for a connection): the
                // request ends with what its last attempt met.
                ex.attempts -= 1;
                return ex;
            }
            ex.outcome = outcome;
            // After a stop no retry is sent, even one waiting out its backoff: the request ends
            // at once with what its last attempt met.
            if ex.attempts > self.plan.retries.max || !self.retries_on(outcome) || self.stop.is_cancelled() {
                return ex;
            }
            if !backoff.is_zero() {
                tokio::select! {
                    biased;
                    () = self.stop.cancelled() => return ex,
                    () = tokio::time::sleep(backoff) => {}
                }
            }
            backoff *= 2;
        }
    }

    fn retries_on(&self, outcome: Outcome) -> bool {
        let Outcome::Error(kind) = outcome else { return false };
        self.plan.retries.on.iter().any(|on| match (*on, kind) {
            (RetryOn::Error(k), _) => k == kind,
            (RetryOn::Status5xx, ErrorKind::HttpStatus(code)) => code >= 500,
            (RetryOn::Status(c), ErrorKind::HttpStatus(code)) => c == code,
            _ => false,
        })
    }

    /// One attempt as the user sees it: the client's own silent retries included, as Go's
    /// `Transport.RoundTrip` includes its own. (So `request_timeout` bounds them too.)
    async fn round_trip(&self, request: &Prepared, ex: &mut Exchange) -> Outcome {
        let mut hidden = 0;
        loop {
            let (outcome, failed) = self.attempt(request, ex).await;
            let silently_retried = failed.is_some_and(|f| self.plan.silent_retry.retries(f, request.replay, hidden));
            if !silently_retried || self.stop.is_cancelled() {
                return outcome;
            }
            hidden += 1;
            ex.hidden_retries += 1;
            ex.hidden_kind = failed.map(|f| f.kind);
        }
    }

    /// One try on one connection; a failure on the connection says how far it got.
    async fn attempt(&self, prepared: &Prepared, ex: &mut Exchange) -> (Outcome, Option<FailedAttempt>) {
        let outcome = |kind| (Outcome::Error(kind), None);
        ex.ttfb = None; // an earlier attempt's first byte says nothing about this one
        let checkout = match self.pool.checkout().await {
            Ok(c) => c,
            Err(failed) => {
                if failed.dns.is_some() {
                    ex.dns = failed.dns; // the lookup (or the connect after it) failed
                }
                return outcome(failed.kind);
            }
        };
        if self.stop.is_cancelled() {
            // The run stopped while this request waited for a connection: it is never sent, and
            // the connection goes to the next in the queue (which meets the same).
            self.pool.release(checkout.conn, true);
            return outcome(ErrorKind::Unfinished);
        }
        if checkout.connect_time.is_some() {
            ex.connect = checkout.connect_time;
            ex.dns = checkout.dns_time;
            ex.tls = checkout.tls_time;
        }
        let mut conn = checkout.conn;
        let guard = conn.abandon_guard(&self.pool.stats);
        if let Sender::H2(sender) = &mut conn.sender {
            if let Err(e) = sender.ready().await {
                self.pool.discard(conn);
                return outcome(classify_hyper(&e));
            }
        }
        ex.reused = conn.start_request();
        if !self.plan.keep_alive {
            conn.close_after_this(&self.pool.stats);
        }
        let exchanged = match &prepared.wire {
            Wire::Http1(wire) => self.exchange_h1(&mut conn, wire, ex).await,
            Wire::Http2 { method, uri, headers, body } => {
                let mut request = Request::new(Full::new(body.clone()));
                *request.method_mut() = method.clone();
                *request.uri_mut() = uri.clone();
                *request.headers_mut() = headers.clone();
                self.exchange_h2(&mut conn, request, ex).await
            }
        };
        disarm(guard); // the exchange ended without being abandoned
        match exchanged {
            Ok(Exchanged { status, reusable }) => {
                self.pool.release(conn, reusable);
                (Outcome::from_status(status), None)
            }
            Err(Ended::ByServer(status)) => {
                self.pool.discard(conn); // the server closes it: the peer's doing
                (Outcome::from_status(status), None)
            }
            Err(Ended::Failed(Failure { kind, reached })) => {
                if matches!(kind, ErrorKind::ResponseTooLarge | ErrorKind::ReadTimeout) {
                    // The client gave up on it, by its own caps or waits.
                    conn.close_after_this(&self.pool.stats);
                }
                self.pool.discard(conn); // otherwise a failure the peer caused: its doing
                (Outcome::Error(kind), Some(FailedAttempt { reused: ex.reused, reached, kind }))
            }
        }
    }

    /// One HTTP/1.1 exchange on a connection of our own.
    async fn exchange_h1(&self, conn: &mut Conn, wire: &WireRequest, ex: &mut Exchange) -> Result<Exchanged, Ended> {
        let Sender::H1(h1) = &mut conn.sender else { unreachable!("an HTTP/1 request goes to an HTTP/1 pool") };
        let sent = Instant::now();
        ex.sent.get_or_insert(sent);
        let head = h1.send(wire).await.map_err(Ended::Failed)?;
        ex.ttfb = Some(head.first_byte.saturating_duration_since(sent));
        if head.body_unsent {
            // Answered before 100 Continue: the body it declared was never sent.
            return Ok(Exchanged { status: head.status, reusable: false });
        }
        match self.plan.read_body {
            ReadBody::Full => h1.read_body(head.body).await.map_err(|kind| Ended::Failed(in_response(kind)))?,
            ReadBody::None => return Ok(Exchanged { status: head.status, reusable: false }),
        }
        // A close the server sent without saying so is found by `release`, which probes the
        // socket before pooling the connection anyway.
        if head.server_closes {
            return Err(Ended::ByServer(head.status));
        }
        Ok(Exchanged { status: head.status, reusable: self.plan.keep_alive })
    }

    /// One HTTP/2 exchange on the shared hyper connection.
    async fn exchange_h2(
        &self,
        conn: &mut Conn,
        request: Request<Full<bytes::Bytes>>,
        ex: &mut Exchange,
    ) -> Result<Exchanged, Ended> {
        let Sender::H2(sender) = &mut conn.sender else { unreachable!("an HTTP/2 request goes to an HTTP/2 pool") };
        let sent = Instant::now();
        ex.sent.get_or_insert(sent);
        // hyper does not say how much of a failed request went out: counted as written.
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| Ended::Failed(Failure { kind: classify_hyper(&e), reached: Reached::Written }))?;
        ex.ttfb = Some(sent.elapsed());
        let status = response.status().as_u16();
        let limit = self.plan.max_response_body_bytes;
        let mut body = response.into_body();
        if self.plan.read_body == ReadBody::Full {
            let mut read = 0u64;
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| Ended::Failed(in_response(classify_body(&e))))?;
                read = read.saturating_add(frame.data_ref().map_or(0, |d| d.len() as u64));
                if read > limit {
                    // Dropping the body resets the stream; the connection carries on.
                    return Err(Ended::Failed(in_response(ErrorKind::ResponseTooLarge)));
                }
            }
        }
        // The shared connection stays open whatever happened to this stream.
        Ok(Exchanged { status, reusable: true })
    }

    /// Closes pooled connections (end of run).
    pub fn close_idle(&self) {
        self.pool.close_all();
    }

    pub fn conn_stats(&self) -> ConnStats {
        self.pool.stats.borrow().clone()
    }
}

impl ClientPlan {
    /// This configuration as one of `workers` load workers runs it: per-host limits are split
    /// between workers (each keeps at least one connection), since each worker has its own pool.
    pub fn share(&self, workers: usize, index: usize) -> ClientPlan {
        // Validation keeps max_conns_per_host ≥ workers; 0 idle connections stays 0.
        let split = |n: usize| {
            if workers <= 1 || n == usize::MAX || n == 0 {
                n
            } else {
                (n / workers + usize::from(index < n % workers)).max(1)
            }
        };
        let mut plan = self.clone();
        plan.pool_max_idle_per_host = split(plan.pool_max_idle_per_host);
        plan.max_conns_per_host = plan.max_conns_per_host.map(split);
        plan
    }
}

/// A complete exchange: its status, and whether its connection may carry another request.
struct Exchanged {
    status: u16,
    reusable: bool,
}

/// An exchange after which the connection is gone.
enum Ended {
    /// The response is complete but the server closes the connection after it.
    ByServer(u16),
    Failed(Failure),
}

/// A failure once the response had begun.
fn in_response(kind: ErrorKind) -> Failure {
    Failure { kind, reached: Reached::Response }
}

fn disarm(guard: Option<pool::AbandonGuard>) {
    if let Some(guard) = guard {
        guard.disarm();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_split_between_workers() {
        let mut plan = ClientPlan::defaults("c");
        plan.max_conns_per_host = Some(5);
        plan.pool_max_idle_per_host = 1;
        let shares: Vec<_> = (0..2).map(|i| plan.share(2, i)).collect();
        assert_eq!(shares[0].max_conns_per_host, Some(3));
        assert_eq!(shares[1].max_conns_per_host, Some(2));
        assert_eq!(shares[1].pool_max_idle_per_host, 1);
        assert_eq!(ClientPlan::defaults("d").share(2, 1).pool_max_idle_per_host, usize::MAX);
        plan.pool_max_idle_per_host = 0;
        assert_eq!(plan.share(2, 1).pool_max_idle_per_host, 0);
    }
}
