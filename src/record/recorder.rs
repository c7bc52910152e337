//! Per-worker recording of samples into per-phase histograms and a per-second timeline.
//!
//! One `Recorder` lives on each load worker thread and is written without locks; workers'
//! recorders are merged once at the end of a run. Memory is bounded by phases and seconds,
//! never by the number of requests: each finished second's latency histogram is kept only in
//! its compressed HdrHistogram encoding.

use super::histogram::Hist;
use super::outcome::{ErrorKind, Outcome};
use std::time::{Duration, Instant};

/// What the engine and the client learned about one request.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub phase: usize,
    pub outcome: Outcome,
    /// When the schedule meant to send it.
    pub intended: Instant,
    /// When it was first written to a connection (None if it never was).
    pub sent: Option<Instant>,
    pub done: Instant,
    /// Time to look up the target's name, when this request dialled a name (a failed lookup too).
    pub dns: Option<Duration>,
    /// Time to open the connection, when this request opened one.
    pub connect: Option<Duration>,
    /// Time of the TLS handshake, when this request opened a TLS connection.
    pub tls: Option<Duration>,
    /// From the last attempt's write to its response headers.
    pub ttfb: Option<Duration>,
    /// The request went out on a connection that had served an earlier request.
    pub reused: bool,
    /// Attempts made (1 + retries).
    pub attempts: u32,
    /// Attempts the client's silent retry rule made, and what the last it hid had met.
    pub hidden_retries: u32,
    pub hidden_kind: Option<ErrorKind>,
}

/// Counts of outcomes: successes and every error kind (a fixed array: no allocation per kind).
#[derive(Debug, Clone)]
pub struct OutcomeCounts {
    pub ok: u64,
    errors: Box<[u64; ErrorKind::SLOTS]>,
}

impl Default for OutcomeCounts {
    fn default() -> Self {
        OutcomeCounts { ok: 0, errors: Box::new([0; ErrorKind::SLOTS]) }
    }
}

impl OutcomeCounts {
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Ok(_) => self.ok += 1,
            Outcome::Error(kind) => self.errors[kind.slot()] += 1,
        }
    }

    /// Counts `n` errors of `kind` at once.
    pub fn add_many(&mut self, kind: ErrorKind, n: u64) {
        self.errors[kind.slot()] += n;
    }

    pub fn error(&self, kind: ErrorKind) -> u64 {
        self.errors[kind.slot()]
    }

    pub fn total_errors(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn total(&self) -> u64 {
        self.ok + self.total_errors()
    }

    /// Non-zero error counts, in report order.
    pub fn errors(&self) -> impl Iterator<Item = (ErrorKind, u64)> + '_ {
        self.errors.iter().enumerate().filter(|(_, n)| **n > 0).map(|(slot, n)| (ErrorKind::from_slot(slot), *n))
    }

    pub fn merge(&mut self, other: &OutcomeCounts) {
        self.ok += other.ok;
        for (a, b) in self.errors.iter_mut().zip(other.errors.iter()) {
            *a += b;
        }
    }
}

/// Everything recorded for one phase of one client configuration.
#[derive(Debug, Clone, Default)]
pub struct PhaseStats {
    /// From intended send time to the end of the response (coordinated-omission corrected).
    pub latency: Hist,
    /// From the first write to a connection to the end of the response.
    pub service: Hist,
    pub ttfb: Hist,
    /// Name lookups of new connections (a resolver's, when the target is a name).
    pub dns: Hist,
    pub connect: Hist,
    /// TLS handshakes of new connections (after the TCP connect, not part of it).
    pub tls: Hist,
    /// How late the engine dispatched each arrival (open model).
    pub scheduler_lag: Hist,
    pub outcomes: OutcomeCounts,
    /// Arrivals the schedule produced in this phase (sent or overflowed).
    pub arrivals: u64,
    /// Requests that went out on a reused connection.
    pub reused: u64,
    /// Connections the pool opened while this phase ran (set at the phase's end).
    pub connections_opened: u64,
    /// Extra attempts made by retries.
    pub retries: u64,
    /// Attempts made by the client's silent retry rule (`silent_retry`), never in `retries`.
    pub hidden_retries: u64,
    /// What the silent retries hid, by kind (a request whose silent retries met different
    /// failures counts them all under the last one's).
    pub hidden_errors: OutcomeCounts,
    /// Actual dispatch time of the last request sent in this phase.
    pub last_send: Option<Instant>,
    /// How long the phase ran: its duration, or less when a stop cut it short; `None` when it
    /// never started. Set by the engine at the phase's end.
    pub ran_for: Option<Duration>,
}

impl PhaseStats {
    pub fn merge(&mut self, other: &PhaseStats) {
        self.latency.add(&other.latency);
        self.service.add(&other.service);
        self.ttfb.add(&other.ttfb);
        self.dns.add(&other.dns);
        self.connect.add(&other.connect);
        self.tls.add(&other.tls);
        self.scheduler_lag.add(&other.scheduler_lag);
        self.outcomes.merge(&other.outcomes);
        self.arrivals += other.arrivals;
        self.reused += other.reused;
        self.connections_opened += other.connections_opened;
        self.retries += other.retries;
        self.hidden_retries += other.hidden_retries;
        self.hidden_errors.merge(&other.hidden_errors);
        self.last_send = self.last_send.max(other.last_send);
        self.ran_for = self.ran_for.max(other.ran_for);
    }

    /// Requests sent per second of the time the phase really took: `ran` (its duration, or the
    /// part a stop left of it), or longer if its last request went out after that (the engine
    /// fell behind).
    pub fn achieved_rate(&self, sent: u64, phase_start: Instant, ran: Duration) -> f64 {
        let late_end = self.last_send.map(|t| t.saturating_duration_since(phase_start)).unwrap_or_default();
        let span = ran.max(late_end).as_secs_f64();
        if span > 0.0 {
            sent as f64 / span
        } else {
            0.0
        }
    }
}

/// One second of the run, by completion time.
#[derive(Debug, Clone, Default)]
pub struct Second {
    pub outcomes: OutcomeCounts,
    pub connections_opened: u64,
    /// Name lookups that ended in this second, and the longest of them.
    pub dns_lookups: u64,
    pub dns_max: Duration,
    /// Extra attempts (retries) of the requests that ended in this second.
    pub retries: u64,
    /// Silent retries of the requests that ended in this second.
    pub hidden_retries: u64,
    /// This second's latency histogram, V2 deflate encoded (empty if no latency was recorded).
    pub latency_encoded: Vec<u8>,
}

/// Per-second counters and latency histograms.
#[derive(Debug, Default)]
pub struct Timeline {
    pub seconds: Vec<Second>,
    current: Hist,
    current_index: usize,
}

impl Timeline {
    fn second(&mut self, index: usize) -> &mut Second {
        if index > self.current_index {
            self.flush();
            self.current_index = index;
        }
        let index = index.max(self.current_index);
        if self.seconds.len() <= index {
            self.seconds.resize_with(index + 1, Second::default);
        }
        &mut self.seconds[index]
    }

    fn flush(&mut self) {
        if !self.current.is_empty() {
            if self.seconds.len() <= self.current_index {
                self.seconds.resize_with(self.current_index + 1, Second::default);
            }
            self.seconds[self.current_index].latency_encoded = self.current.encode();
            self.current.reset();
        }
    }

    /// Fills in connections opened per second, as counted by the pool.
    pub fn set_connections_opened(&mut self, by_second: &[u64]) {
        if self.seconds.len() < by_second.len() {
            self.seconds.resize_with(by_second.len(), Second::default);
        }
        for (second, opened) in self.seconds.iter_mut().zip(by_second) {
            second.connections_opened = *opened;
        }
    }

    /// Latency histogram of each second, decoded.
    pub fn latency_of(second: &Second) -> Hist {
        if second.latency_encoded.is_empty() {
            Hist::new()
        } else {
            Hist::decode(&second.latency_encoded).expect("encoded by this process")
        }
    }

    fn merge(&mut self, mut other: Timeline) {
        self.flush();
        other.flush();
        if self.seconds.len() < other.seconds.len() {
            self.seconds.resize_with(other.seconds.len(), Second::default);
        }
        for (mine, theirs) in self.seconds.iter_mut().zip(other.seconds) {
            mine.outcomes.merge(&theirs.outcomes);
            mine.connections_opened += theirs.connections_opened;
            mine.dns_lookups += theirs.dns_lookups;
            mine.dns_max = mine.dns_max.max(theirs.dns_max);
            mine.retries += theirs.retries;
            mine.hidden_retries += theirs.hidden_retries;
            if !theirs.latency_encoded.is_empty() {
                if mine.latency_encoded.is_empty() {
                    mine.latency_encoded = theirs.latency_encoded;
                } else {
                    let mut h = Timeline::latency_of(mine);
                    h.add(&Timeline::latency_of(&theirs));
                    mine.latency_encoded = h.encode();
                }
            }
        }
    }
}

/// Records one client configuration's samples on one worker.
#[derive(Debug)]
pub struct Recorder {
    epoch: Instant,
    pub phases: Vec<PhaseStats>,
    pub timeline: Timeline,
}

impl Recorder {
    /// `epoch` is the start of the run: timeline seconds count from it.
    pub fn new(epoch: Instant, phases: usize) -> Recorder {
        Recorder { epoch, phases: vec![PhaseStats::default(); phases], timeline: Timeline::default() }
    }

    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    fn second_of(&self, at: Instant) -> usize {
        at.saturating_duration_since(self.epoch).as_secs() as usize
    }

    /// An arrival the schedule produced; `lag` is how late it was dispatched (open model).
    pub fn arrival(&mut self, phase: usize, lag: Option<Duration>) {
        let p = &mut self.phases[phase];
        p.arrivals += 1;
        if let Some(lag) = lag {
            p.scheduler_lag.record(lag);
        }
    }

    /// An arrival that was sent (not overflowed), `at` the time it was dispatched.
    pub fn sent(&mut self, phase: usize, at: Instant) {
        self.phases[phase].last_send = Some(at);
    }

    /// An arrival that was not sent because `max_in_flight` requests were in flight.
    pub fn overflow(&mut self, phase: usize, at: Instant) {
        let outcome = Outcome::Error(ErrorKind::Overflow);
        self.phases[phase].outcomes.add(outcome);
        let second = self.second_of(at);
        self.timeline.second(second).outcomes.add(outcome);
    }

    pub fn record(&mut self, s: &Sample) {
        let second = self.second_of(s.done);
        let latency = s.done.saturating_duration_since(s.intended);
        let p = &mut self.phases[s.phase];
        p.outcomes.add(s.outcome);
        p.latency.record(latency);
        if let Some(sent) = s.sent {
            p.service.record(s.done.saturating_duration_since(sent));
        }
        if let Some(ttfb) = s.ttfb {
            p.ttfb.record(ttfb);
        }
        if let Some(connect) = s.connect {
            p.connect.record(connect);
        }
        if let Some(dns) = s.dns {
            p.dns.record(dns);
        }
        if let Some(tls) = s.tls {
            p.tls.record(tls);
        }
        p.reused += u64::from(s.reused);
        let retries = u64::from(s.attempts.saturating_sub(1));
        p.retries += retries;
        let hidden = u64::from(s.hidden_retries);
        p.hidden_retries += hidden;
        if let Some(kind) = s.hidden_kind {
            p.hidden_errors.add_many(kind, hidden);
        }
        let at = self.timeline.second(second);
        at.outcomes.add(s.outcome);
        at.retries += retries;
        at.hidden_retries += hidden;
        if let Some(dns) = s.dns {
            at.dns_lookups += 1;
            at.dns_max = at.dns_max.max(dns);
        }
        self.timeline.current.record(latency);
    }

    /// A request cancelled at the end of the drain period; its age is a lower bound of its latency.
    /// The age goes into the phase's latency and into the latency of the second it was given up
    /// in, so that second reads what its requests waited at least, never an empty 0 µs.
    pub fn unfinished(&mut self, phase: usize, intended: Instant, now: Instant) {
        let outcome = Outcome::Error(ErrorKind::Unfinished);
        let age = now.saturating_duration_since(intended);
        let p = &mut self.phases[phase];
        p.outcomes.add(outcome);
        p.latency.record(age);
        let second = self.second_of(now);
        self.timeline.second(second).outcomes.add(outcome);
        self.timeline.current.record(age);
    }

    /// Folds another worker's recorder (same run, same phases) into this one.
    pub fn merge(&mut self, other: Recorder) {
        for (mine, theirs) in self.phases.iter_mut().zip(&other.phases) {
            mine.merge(theirs);
        }
        self.timeline.merge(other.timeline);
    }

    /// Finishes the open second; call before reading the timeline.
    pub fn finish(&mut self) {
        self.timeline.flush();
    }
}

/// Connection lifecycle counters of one client configuration, kept by its pool.
#[derive(Debug, Clone)]
pub struct ConnStats {
    pub opened: u64,
    /// Closed by the server or the network (FIN or RST) while the client still held them.
    pub closed_by_peer: u64,
    /// Closed by the pool because they were idle longer than `pool_idle_timeout`.
    pub closed_idle: u64,
    /// Closed by the client after use (keep-alive off, unread body, `Connection: close`, pool full).
    pub closed_by_client: u64,
    /// TLS handshakes that resumed an earlier session (`https://` targets).
    pub tls_resumed: u64,
    /// Connections opened in each second of the run.
    pub opened_by_second: Vec<u64>,
    /// Requests served by each connection, recorded when it closes.
    pub requests_per_connection: hdrhistogram::Histogram<u64>,
}

impl Default for ConnStats {
    fn default() -> Self {
        ConnStats {
            opened: 0,
            closed_by_peer: 0,
            closed_idle: 0,
            closed_by_client: 0,
            tls_resumed: 0,
            opened_by_second: Vec::new(),
            requests_per_connection: hdrhistogram::Histogram::new(3).expect("3 significant digits is valid"),
        }
    }
}

impl ConnStats {
    /// A connection opened `second` seconds into the run.
    pub fn opened_at(&mut self, second: usize) {
        self.opened += 1;
        if self.opened_by_second.len() <= second {
            self.opened_by_second.resize(second + 1, 0);
        }
        self.opened_by_second[second] += 1;
    }

    /// A connection closed after serving `requests` requests.
    pub fn served(&mut self, requests: u32) {
        self.requests_per_connection.saturating_record(u64::from(requests));
    }

    pub fn merge(&mut self, other: &ConnStats) {
        self.opened += other.opened;
        self.closed_by_peer += other.closed_by_peer;
        self.closed_idle += other.closed_idle;
        self.closed_by_client += other.closed_by_client;
        self.tls_resumed += other.tls_resumed;
        if self.opened_by_second.len() < other.opened_by_second.len() {
            self.opened_by_second.resize(other.opened_by_second.len(), 0);
        }
        for (mine, theirs) in self.opened_by_second.iter_mut().zip(&other.opened_by_second) {
            *mine += theirs;
        }
        self.requests_per_connection.add(&other.requests_per_connection).expect("auto-resizing histograms");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(epoch: Instant, intended_ms: u64, sent_ms: u64, done_ms: u64) -> Sample {
        Sample {
            phase: 0,
            outcome: Outcome::Ok(200),
            intended: epoch + Duration::from_millis(intended_ms),
            sent: Some(epoch + Duration::from_millis(sent_ms)),
            done: epoch + Duration::from_millis(done_ms),
            dns: None,
            connect: None,
            ttfb: None,
            reused: true,
            attempts: 1,
            hidden_retries: 0,
            hidden_kind: None,
        }
    }

    #[test]
    fn latency_counts_from_intended_time_and_service_from_send() {
        let epoch = Instant::now();
        let mut r = Recorder::new(epoch, 1);
        r.record(&sample(epoch, 0, 900, 1000));
        let p = &r.phases[0];
        assert!((999_000..=1_001_000).contains(&p.latency.quantile_us(1.0)));
        assert!((99_900..=100_100).contains(&p.service.quantile_us(1.0)));
    }

    #[test]
    fn timeline_buckets_by_completion_second_and_merges() {
        let epoch = Instant::now();
        let mut a = Recorder::new(epoch, 1);
        let mut b = Recorder::new(epoch, 1);
        a.record(&sample(epoch, 0, 0, 10));
        a.record(&sample(epoch, 1000, 1000, 1500));
        a.overflow(0, epoch + Duration::from_millis(2100));
        b.record(&sample(epoch, 0, 0, 20));
        b.unfinished(0, epoch, epoch + Duration::from_millis(3000));
        a.merge(b);
        a.finish();
        let secs = &a.timeline.seconds;
        assert_eq!(secs.len(), 4);
        assert_eq!(secs[0].outcomes.ok, 2);
        assert_eq!(Timeline::latency_of(&secs[0]).len(), 2);
        assert_eq!(secs[1].outcomes.ok, 1);
        assert_eq!(secs[2].outcomes.error(ErrorKind::Overflow), 1);
        assert_eq!(secs[3].outcomes.error(ErrorKind::Unfinished), 1);
        assert_eq!(a.phases[0].outcomes.total(), 5);
        assert_eq!(a.phases[0].latency.len(), 4);
    }

    /// Retries count in the second their request ended, merged across workers, and add up to the
    /// phase's.
    #[test]
    fn retries_count_in_the_second_their_request_ended() {
        let epoch = Instant::now();
        let (mut a, mut b) = (Recorder::new(epoch, 1), Recorder::new(epoch, 1));
        a.record(&Sample { attempts: 3, ..sample(epoch, 0, 0, 1_200) });
        a.record(&sample(epoch, 0, 0, 1_300));
        b.record(&Sample { attempts: 2, ..sample(epoch, 0, 0, 1_900) });
        b.record(&Sample { attempts: 2, ..sample(epoch, 2_000, 2_000, 3_100) });
        a.merge(b);
        a.finish();
        let per_second: Vec<u64> = a.timeline.seconds.iter().map(|s| s.retries).collect();
        assert_eq!(per_second, [0, 3, 0, 1]);
        assert_eq!(a.phases[0].retries, 4);
    }

    /// A lookup's time goes into the phase's DNS histogram, apart from connect time, and into the
    /// second the request ended in: how many lookups and the longest, merged across workers.
    #[test]
    fn dns_time_is_its_own_histogram_and_timeline() {
        let epoch = Instant::now();
        let ms = Duration::from_millis;
        let (mut a, mut b) = (Recorder::new(epoch, 1), Recorder::new(epoch, 1));
        a.record(&Sample { dns: Some(ms(2000)), connect: Some(ms(1)), ..sample(epoch, 0, 2001, 2100) });
        a.record(&Sample { dns: Some(ms(3)), ..sample(epoch, 2500, 2503, 2600) });
        a.record(&sample(epoch, 2600, 2600, 2700));
        b.record(&Sample { dns: Some(ms(7)), ..sample(epoch, 0, 7, 10) });
        a.merge(b);
        a.finish();
        let p = &a.phases[0];
        assert_eq!(p.dns.len(), 3, "a request that made no lookup records none");
        assert!((1_999_000..=2_001_000).contains(&p.dns.quantile_us(1.0)));
        assert_eq!(p.connect.len(), 1);
        assert!(p.connect.quantile_us(1.0) < 2_000, "connect time leaves the lookup out");
        let secs = &a.timeline.seconds;
        assert_eq!((secs[0].dns_lookups, secs[0].dns_max), (1, ms(7)));
        assert_eq!((secs[2].dns_lookups, secs[2].dns_max), (2, ms(2000)));
        assert_eq!((secs[1].dns_lookups, secs[1].dns_max), (0, Duration::ZERO));
    }

    /// Achieved rate is over the time sending really took: the phase's duration, or up to the
    /// last send when the engine fell behind and sent after the phase's end (any worker's).
    #[test]
    fn achieved_rate_stretches_to_the_last_send() {
        let epoch = Instant::now();
        let secs = Duration::from_secs;
        let (mut a, mut b) = (Recorder::new(epoch, 1), Recorder::new(epoch, 1));
        a.sent(0, epoch + secs(1));
        assert_eq!(a.phases[0].achieved_rate(100, epoch, secs(4)), 25.0, "on time: over the duration");
        b.sent(0, epoch + secs(5));
        a.merge(b);
        assert_eq!(a.phases[0].achieved_rate(100, epoch, secs(4)), 20.0, "late: over 5 s");
        assert_eq!(a.phases[0].achieved_rate(100, epoch, Duration::ZERO), 20.0);
        assert_eq!(Recorder::new(epoch, 1).phases[0].achieved_rate(0, epoch, Duration::ZERO), 0.0);
    }

    /// A second in which only unfinished requests were given up reads their age, not 0 µs.
    #[test]
    fn unfinished_age_is_the_latency_of_the_second_it_was_given_up_in() {
        let epoch = Instant::now();
        let mut r = Recorder::new(epoch, 1);
        r.record(&sample(epoch, 0, 0, 10));
        r.unfinished(0, epoch + Duration::from_millis(500), epoch + Duration::from_millis(2400));
        r.unfinished(0, epoch + Duration::from_millis(900), epoch + Duration::from_millis(2400));
        r.finish();
        let given_up = Timeline::latency_of(&r.timeline.seconds[2]);
        assert_eq!(given_up.len(), 2, "both ages are in the second they were given up in");
        assert!((1_499_000..=1_501_000).contains(&given_up.quantile_us(0.0)), "{}", given_up.quantile_us(0.0));
        assert!((1_899_000..=1_901_000).contains(&given_up.quantile_us(1.0)), "{}", given_up.quantile_us(1.0));
        assert_eq!(Timeline::latency_of(&r.timeline.seconds[0]).len(), 1, "the first second keeps its own");
    }
}
