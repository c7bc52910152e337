//! `chaosload slow`'s view of its cohorts: once a second a line per cohort (its connections'
//! states and fates so far) and a probe of the service, as slowhttptest's `-p` probe does; at
//! the end a summary per cohort and the seconds the service was available.
//!
//! The probe: at each second's start, unless one is still in flight, a fresh connection sends
//! one complete `GET` (`Connection: close`) and waits up to the probe timeout for a response
//! head (parsed with httparse). The service is *available* in a second when a probe's response
//! head arrived during it, within the timeout; a second in which the probe in flight has not
//! been answered yet, or failed, is not.

use super::{CohortLive, CohortRecord, CohortTarget, Cohorts};
use crate::units::fmt_us;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How a probe went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// A response head came, after this long (from the connect), with this status.
    Answered { after: Duration, status: u16 },
    /// Nothing usable came: why (refused, timed out after the probe timeout, closed, not HTTP).
    Failed(String),
}

/// Sends one probe request to `target` and waits `timeout` at most for the response head.
pub async fn probe(target: &CohortTarget, timeout: Duration) -> Probe {
    let started = Instant::now();
    match tokio::time::timeout(timeout, exchange(target)).await {
        Ok(Ok(status)) => Probe::Answered { after: started.elapsed(), status },
        Ok(Err(e)) => Probe::Failed(e.to_string()),
        Err(_) => Probe::Failed(format!("no response within {}", fmt_us(timeout.as_micros() as u64))),
    }
}

/// The largest response head the probe reads.
const MAX_HEAD: usize = 16 << 10;

async fn exchange(target: &CohortTarget) -> io::Result<u16> {
    let mut stream = TcpStream::connect(target.addr).await?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: chaosload-probe\r\nConnection: close\r\n\r\n",
        target.path, target.host
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed before a response head"));
        }
        head.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut response = httparse::Response::new(&mut headers);
        match response.parse(&head) {
            Ok(httparse::Status::Complete(_)) => return Ok(response.code.unwrap_or_default()),
            Ok(httparse::Status::Partial) if head.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "response head too large"))
            }
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, format!("not an HTTP response: {e}"))),
        }
    }
}

/// The watch's tally, kept outside its future so that a stop signal (which drops the future)
/// leaves it for the summary.
#[derive(Debug, Default)]
pub struct Tally {
    /// Seconds printed.
    pub seconds: u64,
    /// Of those, seconds the service was available in.
    pub available: u64,
}

/// Prints a line per cohort and the service's state once a second until every cohort's last
/// window has ended, or `until` (from `start`) has passed; the caller stops it earlier on a
/// signal by dropping it.
pub async fn watch(
    cohorts: &Cohorts,
    target: &CohortTarget,
    probe_timeout: Duration,
    start: Instant,
    until: Option<Duration>,
    tally: &mut Tally,
    out: &mut (dyn Write + Send),
) -> io::Result<()> {
    let start = tokio::time::Instant::from_std(start);
    let mut ticks = tokio::time::interval_at(start + Duration::from_secs(1), Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let spawn = || {
        let target = target.clone();
        tokio::spawn(async move { probe(&target, probe_timeout).await })
    };
    let mut in_flight = Some((spawn(), Instant::now()));
    loop {
        ticks.tick().await;
        let elapsed = start.elapsed();
        let mut text = String::new();
        for cohort in cohorts.live() {
            writeln!(text, "{}", live_line(elapsed, &cohort)).ok();
        }
        let service = match in_flight.take() {
            Some((handle, _)) if handle.is_finished() => handle.await.unwrap_or_else(|e| Probe::Failed(e.to_string())),
            Some((handle, since)) => {
                in_flight = Some((handle, since));
                Probe::Failed(format!("no response yet after {}", fmt_us(since.elapsed().as_micros() as u64)))
            }
            None => Probe::Failed("no probe".into()),
        };
        tally.seconds += 1;
        if matches!(service, Probe::Answered { .. }) {
            tally.available += 1;
        }
        writeln!(text, "{}", service_line(elapsed, &service)).ok();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        if cohorts.is_done() || until.is_some_and(|until| elapsed >= until) {
            return Ok(());
        }
        if in_flight.is_none() {
            in_flight = Some((spawn(), Instant::now()));
        }
    }
}

fn stamp(elapsed: Duration) -> String {
    format!("[{:>5.1}s]", elapsed.as_secs_f64())
}

/// `[  3.0s] slowloris #0: connecting 0, connected 50, closed by server 0, reset 0, refused 0,
/// connect failed 0`
pub fn live_line(elapsed: Duration, c: &CohortLive) -> String {
    format!(
        "{} {} #{}: connecting {}, connected {}, closed by server {}, reset {}, refused {}, connect failed {}",
        stamp(elapsed),
        c.kind,
        c.fault,
        c.connecting,
        c.connected,
        c.fates.closed_by_server,
        c.fates.reset,
        c.fates.refused,
        c.fates.connect_failed
    )
}

fn service_line(elapsed: Duration, probe: &Probe) -> String {
    match probe {
        Probe::Answered { after, status } => {
            format!("{} service available: {status} in {}", stamp(elapsed), fmt_us(after.as_micros() as u64))
        }
        Probe::Failed(why) => format!("{} service UNAVAILABLE: {why}", stamp(elapsed)),
    }
}

/// The summary: per cohort its fates and how long the server let its connections live, then the
/// seconds the service was available.
pub fn summary(elapsed: Duration, records: &[CohortRecord], tally: &Tally) -> String {
    let mut text = format!("summary after {:.1}s:\n", elapsed.as_secs_f64());
    for r in records {
        let f = r.fates;
        let held = if r.held_for.is_empty() {
            "the server ended none".to_string()
        } else {
            let max = r.held_for.inner().max();
            format!("held for p50 {}, max {}", fmt_us(r.held_for.quantile_us(0.5)), fmt_us(max))
        };
        writeln!(
            text,
            "  {} #{} ({} connections, peak {} open): {} attempts, {} opened, {} held to the end, {} closed by \
             server ({} answered), {} reset, {} refused, {} connect failed; {held}",
            r.kind,
            r.fault,
            r.connections,
            r.peak_connected,
            f.attempts,
            f.opened,
            f.held_to_end,
            f.closed_by_server,
            f.answered,
            f.reset,
            f.refused,
            f.connect_failed,
        )
        .ok();
    }
    writeln!(text, "  service available {} of {} s", tally.available, tally.seconds).ok();
    text
}
