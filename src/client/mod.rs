//! The client under test: one `[[client]]` configuration, built on a pool of our own (see
//! `pool`) over a lean HTTP/1.1 connection of our own (`http1`) or hyper's HTTP/2 one, with
//! request timeouts and retries, reporting what each request met: outcome, connect time, time to
//! first byte, connection reuse.

mod classify;
mod dial;
mod http1;
mod pool;
pub mod resolve;

/// EMFILE/ENFILE told apart, for the slow-client cohorts' connects too.
pub(crate) use classify::is_fd_exhaustion;
pub use dial::Dial;
pub use resolve::{Resolver, ResolverStats};

use crate::record::{ConnStats, ErrorKind, Outcome};
use crate::scenario::{ClientPlan, HttpVersion, ReadBody, RequestPlan, RetryOn};
use classify::{classify_body, classify_hyper};
use http::header::{CONNECTION, HOST};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use http1::WireRequest;
use http_body_util::{BodyExt, Full};
use pool::{Conn, Pool, Sender};
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
}

/// A request built once per phase and cloned for each send.
#[derive(Debug, Clone)]
pub struct Prepared(Wire);

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
    pub ttfb: Option<Duration>,
    pub reused: bool,
    pub attempts: u32,
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
        Client { pool: Rc::new(Pool::new(endpoint.dial.clone(), &plan, epoch)), plan, endpoint, stop }
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
        Ok(match self.plan.http {
            HttpVersion::Http1 => {
                let _: Uri = path.parse()?; // the same check of the path as for HTTP/2
                Prepared(Wire::Http1(WireRequest::encode(&request.method, &path, &headers, &request.body)))
            }
            HttpVersion::Http2 => Prepared(Wire::Http2 {
                method: request.method.clone(),
                uri: format!("http://{}{}", self.endpoint.authority, path).parse()?,
                headers,
                body: request.body.clone(),
            }),
        })
    }

    /// Sends one request, retrying as configured.
    pub async fn send(&self, request: &Prepared) -> Exchange {
        let mut ex = Exchange {
            outcome: Outcome::Ok(0),
            sent: None,
            dns: None,
            connect: None,
            ttfb: None,
            reused: false,
            attempts: 0,
        };
        let mut backoff = self.plan.retries.backoff;
        loop {
            ex.attempts += 1;
            let outcome = match self.plan.request_timeout {
                Some(limit) => tokio::time::timeout(limit, self.attempt(request, &mut ex))
                    .await
                    .unwrap_or(Outcome::Error(ErrorKind::RequestTimeout)),
                None => self.attempt(request, &mut ex).await,
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

    async fn attempt(&self, prepared: &Prepared, ex: &mut Exchange) -> Outcome {
        ex.ttfb = None; // an earlier attempt's first byte says nothing about this one
        let checkout = match self.pool.checkout().await {
            Ok(c) => c,
            Err(failed) => {
                if failed.dns.is_some() {
                    ex.dns = failed.dns; // the lookup (or the connect after it) failed
                }
                return Outcome::Error(failed.kind);
            }
        };
        if self.stop.is_cancelled() {
            // The run stopped while this request waited for a connection: it is never sent, and
            // the connection goes to the next in the queue (which meets the same).
            self.pool.release(checkout.conn, true);
            return Outcome::Error(ErrorKind::Unfinished);
        }
        if checkout.connect_time.is_some() {
            ex.connect = checkout.connect_time;
            ex.dns = checkout.dns_time;
        }
        let mut conn = checkout.conn;
        let guard = conn.abandon_guard(&self.pool.stats);
        if let Sender::H2(sender) = &mut conn.sender {
            if let Err(e) = sender.ready().await {
                self.pool.discard(conn);
                return Outcome::Error(classify_hyper(&e));
            }
        }
        ex.reused = conn.start_request();
        if !self.plan.keep_alive {
            conn.close_after_this(&self.pool.stats);
        }
        let exchanged = match &prepared.0 {
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
                Outcome::from_status(status)
            }
            Err(Ended::ByServer(status)) => {
                self.pool.discard(conn); // the server closes it: the peer's doing
                Outcome::from_status(status)
            }
            Err(Ended::Failed(ErrorKind::ResponseTooLarge)) => {
                conn.close_after_this(&self.pool.stats); // the client gave up on it, by its own caps
                self.pool.discard(conn);
                Outcome::Error(ErrorKind::ResponseTooLarge)
            }
            Err(Ended::Failed(kind)) => {
                self.pool.discard(conn); // a failure the peer caused: counted as its doing
                Outcome::Error(kind)
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
        match self.plan.read_body {
            ReadBody::Full => h1.read_body(head.body).await.map_err(Ended::Failed)?,
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
        let response = sender.send_request(request).await.map_err(|e| Ended::Failed(classify_hyper(&e)))?;
        ex.ttfb = Some(sent.elapsed());
        let status = response.status().as_u16();
        let limit = self.plan.max_response_body_bytes;
        let mut body = response.into_body();
        if self.plan.read_body == ReadBody::Full {
            let mut read = 0u64;
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| Ended::Failed(classify_body(&e)))?;
                read = read.saturating_add(frame.data_ref().map_or(0, |d| d.len() as u64));
                if read > limit {
                    // Dropping the body resets the stream; the connection carries on.
                    return Err(Ended::Failed(ErrorKind::ResponseTooLarge));
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
    Failed(ErrorKind),
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
