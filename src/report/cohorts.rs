//! What each slow-client cohort (`[[fault]] layer = "clients"`) did to the measured traffic: the
//! p99 and error rate of the seconds inside its windows against those outside, per configuration,
//! and its connections' fates in words. report.html's "what happened" and the terminal summary
//! both word what [`cohorts`] computes here, so the two never disagree.

use super::metrics::{decode_hdr, pct};
use super::page::fmt_ms;
use crate::record::Hist;
use crate::result::{ClientResult, CohortResult, RunResult, SecondResult, Window};
use crate::summary::fmt_us;

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
    /// … and in the seconds wholly outside them.
    pub outside: Side,
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
}

impl Side {
    /// Errors over requests, when at least [`MIN_REQUESTS`] ended.
    pub fn error_rate(&self) -> Option<f64> {
        (self.requests >= MIN_REQUESTS).then(|| self.errors as f64 / self.requests as f64)
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
                    let (inside, outside) = split(c, &f.windows);
                    let record = c.cohorts.iter().find(|k| k.fault == fault);
                    CohortRun { client, name: &c.name, record, inside, outside }
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

/// Where a timeline second `[t, t + 1 s)` lies against a cohort's windows.
#[derive(Debug, PartialEq)]
enum Place {
    Inside,
    Outside,
    /// Partly in a window: its requests mix both sides, so it counts on neither.
    Straddles,
}

fn place(t_s: u64, windows: &[Window]) -> Place {
    let (start, end) = (t_s * 1000, t_s * 1000 + 1000);
    let covered: u64 = windows.iter().map(|w| end.min(w.end_ms).saturating_sub(start.max(w.start_ms))).sum();
    match covered {
        0 => Place::Outside,
        c if c >= 1000 => Place::Inside,
        _ => Place::Straddles,
    }
}

/// The seconds of `c`'s timeline inside and outside `windows`, each side's latency histograms merged.
fn split(c: &ClientResult, windows: &[Window]) -> (Side, Side) {
    let mut sides = [(Side::default(), Hist::new()), (Side::default(), Hist::new())];
    for s in &c.timeline {
        let at = match place(s.t_s, windows) {
            Place::Inside => 0,
            Place::Outside => 1,
            Place::Straddles => continue,
        };
        let (side, hist) = &mut sides[at];
        add_second(side, hist, s);
    }
    let [inside, outside] = sides.map(|(mut side, hist)| {
        side.measured = hist.len();
        side.p99_us = (side.measured >= MIN_REQUESTS).then(|| hist.quantile_us(0.99));
        side
    });
    (inside, outside)
}

fn add_second(side: &mut Side, hist: &mut Hist, s: &SecondResult) {
    let overflow = s.errors.get("overflow").copied().unwrap_or(0);
    side.requests += s.completed + overflow;
    side.errors += s.errors.values().sum::<u64>();
    if let Some(h) = decode_hdr(&s.hdr) {
        hist.add(&h);
    }
}

/// How a figure moved from outside the windows to inside them, as both wordings need it.
#[derive(Debug, PartialEq)]
pub(crate) enum Moved {
    /// Fewer than [`MIN_REQUESTS`] inside: this many.
    TooFewInside(u64),
    /// Fewer than [`MIN_REQUESTS`] outside (this many), so the inside figure stands alone.
    TooFewOutside {
        inside: String,
        outside_n: u64,
    },
    /// The same once rounded as shown.
    Stayed {
        at: String,
    },
    Went {
        from: String,
        to: String,
    },
}

fn moved(inside: Option<String>, outside: Option<String>, inside_n: u64, outside_n: u64) -> Moved {
    match (inside, outside) {
        (None, _) => Moved::TooFewInside(inside_n),
        (Some(inside), None) => Moved::TooFewOutside { inside, outside_n },
        (Some(to), Some(from)) if to == from => Moved::Stayed { at: to },
        (Some(to), Some(from)) => Moved::Went { from, to },
    }
}

impl CohortRun<'_> {
    pub fn p99(&self) -> Moved {
        let (i, o) = (&self.inside, &self.outside);
        moved(i.p99_us.map(fmt_us), o.p99_us.map(fmt_us), i.measured, o.measured)
    }

    pub fn error_rate(&self) -> Moved {
        let (i, o) = (&self.inside, &self.outside);
        moved(i.error_rate().map(pct), o.error_rate().map(pct), i.requests, o.requests)
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
                let p99 = match r.p99() {
                    Moved::TooFewInside(n) => {
                        format!("only {n} measured requests ended inside the window, too few for a p99")
                    }
                    Moved::TooFewOutside { inside, outside_n } => {
                        format!("p99 was {inside} (only {outside_n} requests outside it to compare with)")
                    }
                    Moved::Stayed { at } => format!("p99 stayed at {at}"),
                    Moved::Went { from, to } => format!("p99 went from {from} to {to}"),
                };
                let errors = match r.error_rate() {
                    // Already said of the p99 with the same count, or as good as.
                    Moved::TooFewInside(_) if r.inside.measured < MIN_REQUESTS => String::new(),
                    Moved::TooFewInside(n) => format!(", too few requests ({n}) for an error rate"),
                    Moved::TooFewOutside { inside, .. } => format!(", its error rate was {inside}"),
                    Moved::Stayed { at } => format!(" and its error rate stayed at {at}"),
                    Moved::Went { from, to } => format!(" and its error rate went from {from} to {to}"),
                };
                format!("{}'s {p99}{errors}", name(r.name))
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

    /// The terminal summary's line: `slowloris (fault 0, 300 conns, 20s–40s): a p99 4.10ms → 1.21s,
    /// errors 0.00% → 31.40%, held 300 to the end, closed by server 0; b …`.
    pub fn summary_line(&self) -> String {
        let conns = self.connections.map(|n| format!(", {n} conns")).unwrap_or_default();
        let word = |m: Moved| match m {
            Moved::TooFewInside(n) => format!("n/a ({n} inside)"),
            Moved::TooFewOutside { inside, outside_n } => format!("{inside} ({outside_n} outside)"),
            Moved::Stayed { at } => format!("{at} (unchanged)"),
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
                format!("{} p99 {}, errors {}{fates}", r.name, word(r.p99()), word(r.error_rate()))
            })
            .collect();
        let also = if self.overlapping.is_empty() {
            String::new()
        } else {
            format!(" (other faults active then too: {})", self.overlapping.join(", "))
        };
        format!("{} (fault {}{conns}, {}): {}{also}", self.kind, self.fault, self.windows_label(), runs.join("; "))
    }
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
        let places: Vec<Place> = (0..6).map(|t| place(t, &w)).collect();
        use Place::*;
        assert_eq!(places, [Outside, Outside, Straddles, Inside, Inside, Outside]);
        // Repeating windows: each second judged against all of them.
        let w = windows(&[(1_000, 2_000), (4_000, 4_400), (4_400, 5_000)]);
        let places: Vec<Place> = (0..6).map(|t| place(t, &w)).collect();
        assert_eq!(places, [Outside, Inside, Outside, Outside, Inside, Outside]);
    }

    #[test]
    fn p99_and_error_rate_come_from_the_seconds_inside_against_those_outside() {
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
        assert_eq!((a.outside.requests, a.outside.errors, a.outside.measured), (300, 0, 300));
        assert_eq!(a.p99(), Moved::Went { from: fmt_us(4_000), to: fmt_us(1_200_000) });
        assert_eq!(a.error_rate(), Moved::Went { from: "0.00%".into(), to: "30.00%".into() });
        assert_eq!(
            k.story(&|s| s.to_string()),
            "While slowloris ran, 2s–4s, a's p99 went from 4.00ms to 1.20s and its error rate went from 0.00% to \
             30.00%."
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
        assert_eq!(k.runs[0].p99(), Moved::TooFewOutside { inside: "4.00ms".into(), outside_n: 0 });
        let story = k.story(&|s| s.to_string());
        assert!(
            story
                .contains("a's p99 was 4.00ms (only 0 requests outside it to compare with), its error rate was 5.00%."),
            "{story}"
        );
        assert!(
            k.summary_line().contains("a p99 4.00ms (0 outside), errors 5.00% (0 outside)"),
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
        assert!(story.contains("default's p99 went from 4.00ms to 1.21s and its error rate went from 0.00% to 31.00%"));
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
        assert!(line.starts_with("slowloris (fault 1, 300 conns, 3s–6s and 8s–9s): default p99 4.00ms → 1.21s"));
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
