//! What each slow-client cohort (`[[fault]] layer = "clients"`) did to the measured traffic: the
//! p99 and error rate of the seconds inside its windows against a baseline (the seconds before its
//! first window, else every second outside its windows), per configuration, a change claimed only
//! when it is larger than the noise ([`crate::stats`]), and its connections' fates in words.
//! report.html's "what happened" and the terminal summary both word what [`cohorts`] computes here,
//! so the two never disagree.

use super::metrics::{decode_hdr, pct};
use super::page::fmt_ms;
use crate::record::Hist;
use crate::result::{ClientResult, CohortResult, RunResult, SecondPlace, SecondResult, Window};
use crate::stats::{differs, quantile_interval, wilson, Interval, Z_95};
use crate::units::fmt_us;

/// Fewer measured requests than this on one side, and its p99 or error rate says too little to
/// be set against the other side's: the wording says how few there were instead.
pub(crate) const MIN_REQUESTS: u64 = 20;

/// One cohort of the run: its fault, its windows, and every configuration's view of it.
pub(crate) struct Cohort<'a> {
    pub fault: usize,
    pub kind: &'a str,
    pub windows: &'a [Window],
    /// The connections it meant to hold, from the first configuration that recorded it.
    pub connections: Option<u64>,
    /// The other faults active during some of its windows (their kinds, in fault order): what
    /// moved inside the windows is not the cohort's doing alone.
    pub overlapping: Vec<&'a str>,
    pub runs: Vec<CohortRun<'a>>,
}

/// One configuration beside one cohort.
pub(crate) struct CohortRun<'a> {
    /// The configuration's index (its colour).
    pub client: usize,
    pub name: &'a str,
    /// What the cohort recorded during this configuration's run (`None`: nothing, e.g. a run
    /// that failed before it).
    pub record: Option<&'a CohortResult>,
    /// The measured traffic in the seconds wholly inside the cohort's windows.
    pub inside: Side,
    /// … and in the seconds it is set against, which [`Self::against`] names.
    pub baseline: Side,
    pub against: Baseline,
}

/// Which seconds of a configuration's timeline the seconds inside a cohort's windows are set against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Baseline {
    /// The seconds wholly before its first window: the traffic as it was before the attack. The
    /// seconds after a window are no baseline: timeline seconds are by completion, so requests
    /// stuck behind the cohort still end (time out) there for a request timeout or so.
    Before,
    /// Every second wholly outside its windows, before or after: the fallback when fewer than
    /// [`MIN_REQUESTS`] requests ended, or were timed, before its first window.
    Outside,
}

impl Baseline {
    /// The baseline as the wordings name it, the cohort being "it": `before it`, `outside its windows`.
    pub fn words(self) -> &'static str {
        match self {
            Baseline::Before => "before it",
            Baseline::Outside => "outside its windows",
        }
    }
}

/// The measured traffic of some seconds of a configuration's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Side {
    /// Requests that ended in these seconds (overflow included, as error rates count it).
    pub requests: u64,
    pub errors: u64,
    /// Requests with a latency (the merged histogram's count).
    pub measured: u64,
    /// p99 of the merged per-second histograms, when at least [`MIN_REQUESTS`] were measured.
    pub p99_us: Option<u64>,
    /// Its 95% interval from the order statistics ([`quantile_interval`]), with it.
    pub p99_ci: Option<Interval<u64>>,
}

impl Side {
    /// Errors over requests, when at least [`MIN_REQUESTS`] ended.
    pub fn error_rate(&self) -> Option<f64> {
        (self.requests >= MIN_REQUESTS).then(|| self.errors as f64 / self.requests as f64)
    }

    /// The error rate's 95% Wilson interval, with it.
    pub fn error_ci(&self) -> Option<Interval<f64>> {
        self.error_rate().and(wilson(self.errors, self.requests, Z_95))
    }

    /// Enough on this side for both figures.
    fn enough(&self) -> bool {
        self.requests.min(self.measured) >= MIN_REQUESTS
    }
}

/// Every cohort of `result`: each fault of layer `clients`, in fault order.
pub(crate) fn cohorts(result: &RunResult) -> Vec<Cohort<'_>> {
    result
        .faults
        .iter()
        .enumerate()
        .filter(|(_, f)| f.layer == "clients")
        .map(|(fault, f)| {
            let runs: Vec<CohortRun> = result
                .clients
                .iter()
                .enumerate()
                .map(|(client, c)| {
                    let (inside, baseline, against) = split(c, &f.windows);
                    let record = c.cohorts.iter().find(|k| k.fault == fault);
                    CohortRun { client, name: &c.name, record, inside, baseline, against }
                })
                .collect();
            let connections = runs.iter().find_map(|r| r.record.map(|k| k.connections));
            let overlapping = result
                .faults
                .iter()
                .enumerate()
                .filter(|&(other, o)| other != fault && overlap(&o.windows, &f.windows))
                .map(|(_, o)| o.kind.as_str())
                .collect();
            Cohort { fault, kind: &f.kind, windows: &f.windows, connections, overlapping, runs }
        })
        .collect()
}

/// Whether some window of `a` and some window of `b` share time.
fn overlap(a: &[Window], b: &[Window]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.start_ms < y.end_ms && y.start_ms < x.end_ms))
}

/// Some seconds' counts and merged latency histogram, on the way to a [`Side`].
#[derive(Default)]
struct Tally {
    side: Side,
    hist: Hist,
}

impl Tally {
    fn add_second(&mut self, s: &SecondResult) {
        let overflow = s.errors.get("overflow").copied().unwrap_or(0);
        self.side.requests += s.completed + overflow;
        self.side.errors += s.errors.values().sum::<u64>();
        if let Some(h) = decode_hdr(&s.hdr) {
            self.hist.add(&h);
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.side.requests += other.side.requests;
        self.side.errors += other.side.errors;
        self.hist.add(&other.hist);
    }

    fn finish(&self) -> Side {
        let measured = self.hist.len();
        let enough = measured >= MIN_REQUESTS;
        Side {
            measured,
            p99_us: enough.then(|| self.hist.quantile_us(0.99)),
            p99_ci: enough.then(|| quantile_interval(&self.hist, 0.99, Z_95)).flatten(),
            ..self.side
        }
    }
}

/// The seconds of `c`'s timeline inside `windows` and its baseline (see [`Baseline`]), each
/// side's latency histograms merged.
fn split(c: &ClientResult, windows: &[Window]) -> (Side, Side, Baseline) {
    let (mut inside, mut before, mut later) = (Tally::default(), Tally::default(), Tally::default());
    for s in &c.timeline {
        match SecondPlace::of(s.t_s, windows) {
            SecondPlace::Inside => inside.add_second(s),
            SecondPlace::Before => before.add_second(s),
            SecondPlace::Later => later.add_second(s),
            SecondPlace::Straddles => continue,
        }
    }
    let before_side = before.finish();
    if before_side.enough() {
        return (inside.finish(), before_side, Baseline::Before);
    }
    before.merge(&later);
    (inside.finish(), before.finish(), Baseline::Outside)
}

/// How a figure moved from the baseline to inside the windows, as both wordings need it.
#[derive(Debug, PartialEq)]
pub(crate) enum Moved {
    /// Fewer than [`MIN_REQUESTS`] inside: this many.
    TooFewInside(u64),
    /// Fewer than [`MIN_REQUESTS`] in the baseline (this many), so the inside figure stands alone.
    TooFewBaseline { inside: String, baseline_n: u64 },
    /// The same once rounded as shown.
    Stayed { at: String },
    /// Shown differently, but the two 95% intervals overlap: no clear change.
    WithinNoise { from: String, to: String },
    /// The two 95% intervals are disjoint.
    Went { from: String, to: String },
}

impl Moved {
    /// Whether its wording names the baseline (so a figure worded after it need not again).
    fn names_baseline(&self) -> bool {
        match self {
            Moved::TooFewInside(_) | Moved::Stayed { .. } => false,
            Moved::TooFewBaseline { .. } | Moved::WithinNoise { .. } | Moved::Went { .. } => true,
        }
    }
}

/// A figure as shown, with its 95% interval.
type Figure<T> = Option<(String, Interval<T>)>;

fn moved<T: PartialOrd + Copy>(inside: Figure<T>, baseline: Figure<T>, inside_n: u64, baseline_n: u64) -> Moved {
    match (inside, baseline) {
        (None, _) => Moved::TooFewInside(inside_n),
        (Some((inside, _)), None) => Moved::TooFewBaseline { inside, baseline_n },
        (Some((to, _)), Some((from, _))) if to == from => Moved::Stayed { at: to },
        (Some((to, a)), Some((from, b))) if !differs(&a, &b) => Moved::WithinNoise { from, to },
        (Some((to, _)), Some((from, _))) => Moved::Went { from, to },
    }
}

impl CohortRun<'_> {
    pub fn p99(&self) -> Moved {
        let figure = |s: &Side| s.p99_us.map(fmt_us).zip(s.p99_ci);
        let (i, b) = (&self.inside, &self.baseline);
        moved(figure(i), figure(b), i.measured, b.measured)
    }

    pub fn error_rate(&self) -> Moved {
        let figure = |s: &Side| s.error_rate().map(pct).zip(s.error_ci());
        let (i, b) = (&self.inside, &self.baseline);
        moved(figure(i), figure(b), i.requests, b.requests)
    }

    /// The counts behind the figures: `300 requests before it and 400 inside its windows`, with
    /// those timed when fewer (overflow has no latency).
    pub fn counts(&self) -> String {
        let side = |s: &Side| {
            let timed = if s.measured < s.requests { format!(" ({} timed)", s.measured) } else { String::new() };
            format!("{}{timed}", s.requests)
        };
        format!(
            "{} requests {} and {} inside its windows",
            side(&self.baseline),
            self.against.words(),
            side(&self.inside)
        )
    }

    /// The cohort's fates in a sentence without its subject: `the server closed 0 of its 300
    /// connections; 300 were held to the end`.
    pub fn fates(&self) -> String {
        let Some(k) = self.record else {
            return "the cohort recorded nothing".to_string();
        };
        let f = &k.fates;
        let mut ended = format!("the server closed {} of its {} connections", f.closed_by_server, f.attempts);
        if f.reset > 0 {
            ended.push_str(&format!(" and reset {}", f.reset));
        }
        if k.held_for.count > 0 {
            ended.push_str(&format!(" after a median {}", fmt_us(k.held_for.p50_us)));
        }
        if f.answered > 0 {
            ended.push_str(&format!(" ({} answered first)", f.answered));
        }
        let mut parts = vec![ended, format!("{} were held to the end", f.held_to_end)];
        if f.refused > 0 {
            parts.push(format!("{} connects were refused", f.refused));
        }
        if f.connect_failed > 0 {
            parts.push(format!("{} connects failed", f.connect_failed));
        }
        parts.join("; ")
    }
}

impl Cohort<'_> {
    /// `20s–40s`, `2s–4s and 6s–7s`, `2s–4s, 6s–7s, 10s–11s and 5 more windows`.
    pub fn windows_label(&self) -> String {
        let shown: Vec<String> =
            self.windows.iter().take(3).map(|w| format!("{}–{}", fmt_ms(w.start_ms), fmt_ms(w.end_ms))).collect();
        match (shown.as_slice(), self.windows.len()) {
            ([], _) => "never active".to_string(),
            ([one], 1) => one.clone(),
            ([a, b], 2) => format!("{a} and {b}"),
            (_, 3) => format!("{}, {} and {}", shown[0], shown[1], shown[2]),
            (_, n) => format!("{} and {} more windows", shown.join(", "), n - 3),
        }
    }

    /// `300 connections`, or nothing when no configuration recorded the cohort.
    pub fn connections_label(&self) -> Option<String> {
        self.connections.map(|n| format!("{n} connection{}", if n == 1 { "" } else { "s" }))
    }

    /// What report.html says of the cohort, with configuration names through `name` (escaped):
    /// `While slowloris (300 connections) ran, 20s–40s, a's p99 went from … ; a: the server closed …`.
    pub fn story(&self, name: &dyn Fn(&str) -> String) -> String {
        let what = match self.connections_label() {
            Some(n) => format!("{} ({n})", name(self.kind)),
            None => name(self.kind),
        };
        let effects: Vec<String> = self
            .runs
            .iter()
            .map(|r| {
                let base = r.against.words();
                let p99 = r.p99();
                let p99_words = match &p99 {
                    Moved::TooFewInside(n) => {
                        format!("only {n} measured requests ended inside the window, too few for a p99")
                    }
                    Moved::TooFewBaseline { inside, baseline_n } => {
                        format!("p99 was {inside} (only {baseline_n} requests {base} to compare with)")
                    }
                    Moved::Stayed { at } => format!("p99 stayed at {at}"),
                    Moved::WithinNoise { from, to } => {
                        format!("p99 was {from} {base} and {to} during it (within the noise)")
                    }
                    Moved::Went { from, to } => format!("p99 went from {from} {base} to {to}"),
                };
                // The baseline once per configuration: the error rate names it only if the p99 did not.
                let base = if p99.names_baseline() { String::new() } else { format!(" {base}") };
                let errors = match r.error_rate() {
                    // Already said of the p99 with the same count, or as good as.
                    Moved::TooFewInside(_) if r.inside.measured < MIN_REQUESTS => String::new(),
                    Moved::TooFewInside(n) => format!(", too few requests ({n}) for an error rate"),
                    Moved::TooFewBaseline { inside, .. } => format!(", its error rate was {inside}"),
                    Moved::Stayed { at } => format!(" and its error rate stayed at {at}"),
                    Moved::WithinNoise { from, to } => {
                        format!(" and its error rate {from}{base} and {to} during it (within the noise)")
                    }
                    Moved::Went { from, to } => format!(" and its error rate went from {from}{base} to {to}"),
                };
                format!("{}'s {p99_words}{errors}", name(r.name))
            })
            .collect();
        let fates: Vec<String> = self
            .runs
            .iter()
            .filter(|r| r.record.is_some())
            .map(|r| format!("with {}, {}", name(r.name), r.fates()))
            .collect();
        let mut s = format!("While {what} ran, {}, {}.", self.windows_label(), effects.join("; "));
        if !self.overlapping.is_empty() {
            let others: Vec<String> = self.overlapping.iter().map(|k| name(k)).collect();
            s.push_str(&format!(
                " Other faults were active during its windows too ({}), so these changes are not the cohort's alone.",
                others.join(", ")
            ));
        }
        if !fates.is_empty() {
            s.push_str(&format!(" Its connections: {}.", fates.join("; ")));
        }
        s
    }

    /// The terminal summary's line: `slowloris (fault 0, 300 conns, 20s–40s; before → during): a p99
    /// 4.10ms → 1.21s, errors 0.00% → 31.40%, held 300 to the end, closed by server 0; b (outside its
    /// windows → during) p99 9.48ms → 11.4ms (within noise), …`.
    pub fn summary_line(&self) -> String {
        let conns = self.connections.map(|n| format!(", {n} conns")).unwrap_or_default();
        let word = |m: Moved, against: Baseline| match m {
            Moved::TooFewInside(n) => format!("n/a ({n} inside)"),
            Moved::TooFewBaseline { inside, baseline_n } => format!("{inside} ({baseline_n} {})", against.words()),
            Moved::Stayed { at } => format!("{at} (unchanged)"),
            Moved::WithinNoise { from, to } => format!("{from} → {to} (within noise)"),
            Moved::Went { from, to } => format!("{from} → {to}"),
        };
        let runs: Vec<String> = self
            .runs
            .iter()
            .map(|r| {
                let fates = match r.record {
                    Some(k) => format!(
                        ", held {} to the end, closed by server {}, reset {}",
                        k.fates.held_to_end, k.fates.closed_by_server, k.fates.reset
                    ),
                    None => ", not recorded".to_string(),
                };
                let against = match r.against {
                    Baseline::Before => "",
                    Baseline::Outside => " (outside its windows → during)",
                };
                let (p99, errors) = (word(r.p99(), r.against), word(r.error_rate(), r.against));
                format!("{}{against} p99 {p99}, errors {errors}{fates}", r.name)
            })
            .collect();
        let also = if self.overlapping.is_empty() {
            String::new()
        } else {
            format!(" (other faults active then too: {})", self.overlapping.join(", "))
        };
        format!(
            "{} (fault {}{conns}, {}; before → during): {}{also}",
            self.kind,
            self.fault,
            self.windows_label(),
            runs.join("; ")
        )
    }
}

/// report.html's note beside the cohort sentences, `None` without cohorts: how their figures were
/// compared, said once, and the requests on each side per cohort and configuration (names through
/// `name`, escaped).
pub(crate) fn method_note(all: &[Cohort], name: &dyn Fn(&str) -> String) -> Option<String> {
    if all.is_empty() {
        return None;
    }
    let counts: Vec<String> = all
        .iter()
        .map(|k| {
            let runs: Vec<String> = k.runs.iter().map(|r| format!("{} {}", name(r.name), r.counts())).collect();
            format!("{} (fault {}): {}", name(k.kind), k.fault, runs.join(", "))
        })
        .collect();
    Some(format!(
        "How a cohort's figures are compared: the seconds wholly inside its windows against those wholly \
         before its first window (or, with fewer than {MIN_REQUESTS} requests there, every second outside its \
         windows); a second straddling a window's edge counts on neither side. A change is claimed only when \
         the two 95% intervals (order statistics for p99, Wilson score for error rates) do not overlap; \
         otherwise it is called within the noise. Requests compared: {}.",
        counts.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{client, cohort_run, run, timeline, Numbers};
    use crate::result::FaultWindows;

    fn windows(spans: &[(u64, u64)]) -> Vec<Window> {
        spans.iter().map(|&(start_ms, end_ms)| Window { start_ms, end_ms }).collect()
    }

    /// One configuration whose timeline holds `seconds`, and a slowloris fault with `spans`.
    fn one(seconds: &[(u64, u64, u64)], spans: &[(u64, u64)]) -> RunResult {
        let mut c = client("a", &Numbers::default());
        c.timeline = timeline(seconds);
        let mut r = run("s", vec![c]);
        r.faults = vec![FaultWindows {
            label: None,
            kind: "slowloris".into(),
            layer: "clients".into(),
            probability: 1.0,
            windows: windows(spans),
        }];
        r
    }

    #[test]
    fn seconds_straddling_a_window_edge_count_on_neither_side() {
        let w = windows(&[(2_500, 5_000)]);
        let places: Vec<SecondPlace> = (0..6).map(|t| SecondPlace::of(t, &w)).collect();
        use SecondPlace::*;
        assert_eq!(places, [Before, Before, Straddles, Inside, Inside, Later]);
        // Repeating windows: each second judged against all of them.
        let w = windows(&[(1_000, 2_000), (4_000, 4_400), (4_400, 5_000)]);
        let places: Vec<SecondPlace> = (0..6).map(|t| SecondPlace::of(t, &w)).collect();
        assert_eq!(places, [Before, Inside, Later, Later, Inside, Later]);
        // No window: every second is before it.
        assert_eq!(SecondPlace::of(3, &[]), Before);
    }

    #[test]
    fn p99_and_error_rate_come_from_the_seconds_inside_against_those_before() {
        // 100 requests a second at 4 ms outside; inside (2 s–4 s) 100 a second at 1.2 s, 30 failing.
        let r = one(
            &[(100, 4_000, 0), (100, 4_000, 0), (100, 1_200_000, 30), (100, 1_200_000, 30), (100, 4_000, 0)],
            &[(2_000, 4_000)],
        );
        let all = cohorts(&r);
        assert_eq!(all.len(), 1);
        let k = &all[0];
        assert_eq!(k.connections, None, "no cohort record: no count of connections");
        let a = &k.runs[0];
        assert_eq!((a.inside.requests, a.inside.errors, a.inside.measured), (200, 60, 200));
        assert_eq!(a.against, Baseline::Before);
        assert_eq!((a.baseline.requests, a.baseline.errors, a.baseline.measured), (200, 0, 200), "seconds 0 and 1");
        assert_eq!(a.p99(), Moved::Went { from: fmt_us(4_000), to: fmt_us(1_200_000) });
        assert_eq!(a.error_rate(), Moved::Went { from: "0.00%".into(), to: "30.00%".into() });
        assert_eq!(
            k.story(&|s| s.to_string()),
            "While slowloris ran, 2s–4s, a's p99 went from 4.00ms before it to 1.20s and its error rate went from \
             0.00% to 30.00%."
        );
    }

    #[test]
    fn histograms_are_merged_not_their_p99s_averaged() {
        // Inside: one second of 99 fast requests and one of 20 slow ones. The merged p99 is the slow
        // value; the mean of the two seconds' p99s would be far below it.
        let r = one(&[(10, 1_000, 0), (99, 1_000, 0), (20, 500_000, 0), (10, 1_000, 0)], &[(1_000, 3_000)]);
        let k = &cohorts(&r)[0].runs[0];
        let p99 = k.inside.p99_us.expect("119 measured");
        assert!((499_000..=501_000).contains(&p99), "{p99}");
        assert_eq!(k.inside.measured, 119);
    }

    #[test]
    fn too_few_requests_inside_are_said_not_turned_into_a_p99() {
        let r = one(&[(100, 4_000, 0), (5, 900_000, 2), (100, 4_000, 0)], &[(1_000, 2_000)]);
        let k = &cohorts(&r)[0];
        assert_eq!(k.runs[0].p99(), Moved::TooFewInside(5));
        assert_eq!(k.runs[0].error_rate(), Moved::TooFewInside(5));
        let story = k.story(&|s| s.to_string());
        assert!(story.contains("a's only 5 measured requests ended inside the window, too few for a p99."), "{story}");
        assert!(!story.contains("900") && !story.contains("40.00%"), "no figure from 5 requests: {story}");
        assert!(k.summary_line().contains("a p99 n/a (5 inside), errors n/a (5 inside)"), "{}", k.summary_line());
        // A window no whole second lies in has nothing inside either.
        let r = one(&[(100, 4_000, 0), (100, 4_000, 0)], &[(500, 1_500)]);
        assert_eq!(cohorts(&r)[0].runs[0].p99(), Moved::TooFewInside(0));
    }

    #[test]
    fn a_cohort_all_run_long_has_nothing_to_compare_with() {
        let r = one(&[(100, 4_000, 0), (100, 4_000, 10)], &[(0, 2_000)]);
        let k = &cohorts(&r)[0];
        assert_eq!(k.runs[0].against, Baseline::Outside);
        assert_eq!(k.runs[0].p99(), Moved::TooFewBaseline { inside: "4.00ms".into(), baseline_n: 0 });
        let story = k.story(&|s| s.to_string());
        assert!(
            story.contains(
                "a's p99 was 4.00ms (only 0 requests outside its windows to compare with), its error rate was 5.00%."
            ),
            "{story}"
        );
        assert!(
            k.summary_line().contains(
                "a (outside its windows → during) p99 4.00ms (0 outside its windows), errors 5.00% (0 outside its \
                 windows)"
            ),
            "{}",
            k.summary_line()
        );
    }

    #[test]
    fn equal_within_rounding_is_no_change() {
        // 4.001 ms and 4.004 ms both show as 4.00ms.
        let r = one(&[(100, 4_001, 0), (100, 4_004, 0), (100, 4_001, 0)], &[(1_000, 2_000)]);
        let k = &cohorts(&r)[0];
        assert_eq!(k.runs[0].p99(), Moved::Stayed { at: "4.00ms".into() });
        assert_eq!(k.runs[0].error_rate(), Moved::Stayed { at: "0.00%".into() });
        let story = k.story(&|s| s.to_string());
        assert!(story.contains("a's p99 stayed at 4.00ms and its error rate stayed at 0.00%"), "{story}");
        assert!(k.summary_line().contains("p99 4.00ms (unchanged), errors 0.00% (unchanged)"), "{}", k.summary_line());
    }

    #[test]
    fn fates_are_worded_and_every_configuration_has_its_say() {
        let r = cohort_run();
        let all = cohorts(&r);
        assert_eq!(all.len(), 1, "one fault of layer clients among others");
        let k = &all[0];
        assert_eq!(k.fault, 1);
        assert_eq!(k.connections_label().as_deref(), Some("300 connections"));
        let story = k.story(&crate::report::page::esc);
        assert!(story.starts_with("While slowloris (300 connections) ran, 3s–6s and 8s–9s, "), "{story}");
        assert!(
            story.contains(
                "default's p99 went from 4.00ms before it to 1.21s and its error rate went from 0.00% to 31.00%"
            ),
            "{story}"
        );
        assert!(story.contains("tuned&lt;1&gt;'s p99 stayed at 4.00ms"), "names escaped: {story}");
        assert!(
            story.contains("with default, the server closed 0 of its 300 connections; 300 were held to the end"),
            "{story}"
        );
        assert!(
            story.contains(
                "with tuned&lt;1&gt;, the server closed 1204 of its 1504 connections and reset 4 after a median \
                 2.00s (1100 answered first); 284 were held to the end; 12 connects were refused"
            ),
            "{story}"
        );
        let line = k.summary_line();
        assert!(line.starts_with(
            "slowloris (fault 1, 300 conns, 3s–6s and 8s–9s; before → during): default p99 4.00ms → 1.21s"
        ));
        assert!(line.contains("tuned<1> p99 4.00ms (unchanged)"), "{line}");
    }

    #[test]
    fn other_faults_in_the_windows_are_named() {
        let mut r = cohort_run();
        assert!(cohorts(&r)[0].overlapping.is_empty(), "the mock fault (0–1 s) is over before the cohort starts");
        r.faults[0].windows.push(Window { start_ms: 8_500, end_ms: 8_600 });
        r.faults[0].kind = "stall<x>".into();
        let k = &cohorts(&r)[0];
        assert_eq!(k.overlapping, ["stall<x>"]);
        let story = k.story(&crate::report::page::esc);
        assert!(
            story.contains("Other faults were active during its windows too (stall&lt;x&gt;), so these"),
            "{story}"
        );
        assert!(k.summary_line().ends_with(" (other faults active then too: stall<x>)"), "{}", k.summary_line());
        // Windows that only touch do not overlap.
        assert!(!overlap(&windows(&[(0, 3_000)]), &windows(&[(3_000, 6_000)])));
        assert!(overlap(&windows(&[(0, 3_001)]), &windows(&[(3_000, 6_000)])));
    }

    #[test]
    fn a_configuration_without_a_record_says_so() {
        let mut r = cohort_run();
        r.clients[1].cohorts.clear();
        let k = &cohorts(&r)[0];
        assert!(k.runs[1].record.is_none());
        assert!(!k.story(&|s| s.to_string()).contains("with tuned<1>,"));
        assert!(k.summary_line().ends_with("tuned<1> p99 4.00ms (unchanged), errors 0.00% (unchanged), not recorded"));
    }

    #[test]
    fn the_baseline_is_the_traffic_before_the_attack_not_what_it_left_behind() {
        // 5 s at 5 ms before the window (5 s–10 s), inside 2 s timeouts, 60 of 100 failing; after it,
        // requests stuck behind the cohort still time out for two seconds.
        let (calm, stuck) = ((100, 5_000, 0), (100, 2_000_000, 60));
        let after = |contaminated: bool| if contaminated { [stuck, stuck, calm] } else { [calm; 3] };
        let verdicts: Vec<(Moved, Moved, Side)> = [false, true]
            .into_iter()
            .map(|contaminated| {
                let seconds: Vec<_> = [calm; 5].into_iter().chain([stuck; 5]).chain(after(contaminated)).collect();
                let r = one(&seconds, &[(5_000, 10_000)]);
                let a = &cohorts(&r)[0].runs[0];
                assert_eq!(a.against, Baseline::Before);
                (a.p99(), a.error_rate(), a.baseline)
            })
            .collect();
        assert_eq!(verdicts[0], verdicts[1], "what follows the window changes nothing");
        let (p99, errors, baseline) = &verdicts[1];
        assert_eq!(*p99, Moved::Went { from: "5.00ms".into(), to: "2.00s".into() });
        assert_eq!(*errors, Moved::Went { from: "0.00%".into(), to: "60.00%".into() });
        assert_eq!((baseline.requests, baseline.errors, baseline.measured), (500, 0, 500));
        // The fixture means it: every second outside the window together would have read p99 2.00s,
        // "unchanged".
        let seconds: Vec<_> = [calm; 5].into_iter().chain([stuck; 5]).chain(after(true)).collect();
        let mut outside = Tally::default();
        for s in timeline(&seconds).iter().filter(|s| !(5..10).contains(&s.t_s)) {
            outside.add_second(s);
        }
        assert_eq!(outside.finish().p99_us.map(fmt_us).as_deref(), Some("2.00s"));
    }

    #[test]
    fn too_little_before_the_window_falls_back_to_every_second_outside_it_and_says_so() {
        // 10 requests before the window (1 s–3 s): too few; 200 after it.
        let r = one(
            &[(10, 4_000, 0), (100, 1_200_000, 0), (100, 1_200_000, 0), (100, 4_000, 0), (100, 4_000, 0)],
            &[(1_000, 3_000)],
        );
        let k = &cohorts(&r)[0];
        let a = &k.runs[0];
        assert_eq!(a.against, Baseline::Outside);
        assert_eq!((a.baseline.requests, a.baseline.measured), (210, 210), "before and after together");
        assert_eq!(a.p99(), Moved::Went { from: "4.00ms".into(), to: "1.20s".into() });
        let story = k.story(&|s| s.to_string());
        assert!(
            story.contains("a's p99 went from 4.00ms outside its windows to 1.20s and its error rate stayed at 0.00%"),
            "{story}"
        );
        let line = k.summary_line();
        assert!(
            line.contains("a (outside its windows → during) p99 4.00ms → 1.20s, errors 0.00% (unchanged)"),
            "{line}"
        );
        assert_eq!(a.counts(), "210 requests outside its windows and 200 inside its windows");
    }

    #[test]
    fn a_change_is_claimed_only_beyond_the_noise() {
        // Before (0 s–2 s): 1000 requests, p99 9.48 ms (the 990th of them; 9472 µs, whose HDR bucket tops at
        // 9479 µs), 8% failing.
        let before = [(980, 5_000, 80), (20, 9_472, 0)];
        let with_inside = |inside: &[(u64, u64, u64)]| {
            let seconds: Vec<_> = before.iter().chain(inside).chain(&[(100, 5_000, 0)]).copied().collect();
            one(&seconds, &[(2_000, 2_000 + 1_000 * inside.len() as u64)])
        };
        // Inside: the 990th is 11.4 ms but the 984th still 5 ms, so the p99's interval reaches down
        // over 9.48 ms; 9% failing is within 8%'s Wilson interval (6.5%–9.9%).
        let r = with_inside(&[(984, 5_000, 90), (5, 9_472, 0), (11, 11_400, 0)]);
        let k = &cohorts(&r)[0];
        let a = &k.runs[0];
        assert_eq!((a.inside.measured, a.baseline.measured), (1000, 1000));
        assert_eq!(a.p99(), Moved::WithinNoise { from: "9.48ms".into(), to: "11.4ms".into() });
        assert_eq!(a.error_rate(), Moved::WithinNoise { from: "8.00%".into(), to: "9.00%".into() });
        let story = k.story(&|s| s.to_string());
        assert!(
            story.contains(
                "a's p99 was 9.48ms before it and 11.4ms during it (within the noise) and its error rate 8.00% and \
                 9.00% during it (within the noise)."
            ),
            "{story}"
        );
        let line = k.summary_line();
        assert!(line.contains("a p99 9.48ms → 11.4ms (within noise), errors 8.00% → 9.00% (within noise)"), "{line}");
        // Inside: a tenth at 11.4 ms and 30% failing: both intervals clear of the baseline's.
        let r = with_inside(&[(900, 5_000, 300), (100, 11_400, 0)]);
        let k = &cohorts(&r)[0];
        assert_eq!(k.runs[0].p99(), Moved::Went { from: "9.48ms".into(), to: "11.4ms".into() });
        assert_eq!(k.runs[0].error_rate(), Moved::Went { from: "8.00%".into(), to: "30.00%".into() });
        let line = k.summary_line();
        assert!(line.contains("a p99 9.48ms → 11.4ms, errors 8.00% → 30.00%, not recorded"), "{line}");
        // The p99 as before, the error rate not: the error rate names the baseline itself.
        let r = with_inside(&[(980, 5_000, 300), (20, 9_472, 0)]);
        let story = cohorts(&r)[0].story(&|s| s.to_string());
        assert!(
            story.contains("a's p99 stayed at 9.48ms and its error rate went from 8.00% before it to 30.00%."),
            "{story}"
        );
    }

    #[test]
    fn windows_read_briefly() {
        let label = |spans: &[(u64, u64)]| {
            let w = windows(spans);
            Cohort { fault: 0, kind: "k", windows: &w, connections: None, overlapping: Vec::new(), runs: Vec::new() }
                .windows_label()
        };
        assert_eq!(label(&[]), "never active");
        assert_eq!(label(&[(20_000, 40_000)]), "20s–40s");
        assert_eq!(label(&[(2_500, 4_000), (6_000, 7_000)]), "2.5s–4s and 6s–7s");
        assert_eq!(label(&[(1_000, 2_000), (3_000, 4_000), (5_000, 6_000)]), "1s–2s, 3s–4s and 5s–6s");
        let many: Vec<(u64, u64)> = (0..8).map(|i| (i * 2_000, i * 2_000 + 1_000)).collect();
        assert_eq!(label(&many), "0s–1s, 2s–3s, 4s–5s and 5 more windows");
    }
}
