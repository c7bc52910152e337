//! The comparison page (`compare … -o compare.html`): runs of one scenario side by side, in report.html's
//! look — header, what changed in plain words, charts with one colour per run, tables with deltas.
//!
//! Like report.html it is self-contained (inline SVG, nothing loaded) and escapes every string that comes
//! from a scenario, a result or a file name with [`esc`].

use super::charts::{self, Dashes, SpectrumLine, TimeSeries};
use super::compare::{ClientComparison, Comparison, Delta, Metric, FATE_COLUMNS};
use super::metrics::{decode, Phase};
use super::page::{error_kinds, esc, figure, page_start, phase_heading, swatch, value_cell, PAGE_END};
use crate::result::{ClientResult, FaultWindows, PhaseResult, RunResult, Summary};
use std::fmt::Write as _;

/// Renders `c`, the comparison of `results` (the same runs, in the same order, as [`super::compare::compare`]
/// was given), as one self-contained HTML document.
pub fn render(c: &Comparison, results: &[(String, RunResult)]) -> String {
    let mut out = page_start(&format!("chaosload compare — {}", c.scenario));
    header(&mut out, c);
    let _ = writeln!(out, "<h2>What changed</h2>\n<p class=\"story\">{}</p>", story(c));
    if c.clients.is_empty() {
        out.push_str("<p>No client configuration ran in these results, so there is nothing to chart.</p>\n");
    }
    let labels: Vec<&str> = c.runs.iter().map(|r| r.label.as_str()).collect();
    for (ci, client) in c.clients.iter().enumerate() {
        // Each configuration's result in each run, by run index (colour), `None` where it did not run.
        let runs: Vec<Option<&ClientResult>> =
            results.iter().map(|(_, r)| r.clients.iter().find(|x| x.name == client.name)).collect();
        let _ = writeln!(out, "<h2>{}</h2>", esc(&client.name));
        client_charts(&mut out, ci, &client.name, &labels, &runs, results);
        client_table(&mut out, c, &runs);
        cohorts_table(&mut out, c, client);
    }
    out.push_str(PAGE_END);
    out
}

fn header(out: &mut String, c: &Comparison) {
    let _ = writeln!(
        out,
        "<header>\n<h1>chaosload compare — {}</h1>\n<div class=\"meta\">{} runs, each compared with the first \
         (<b>{}</b>). Colours stand for runs in every chart and table below.</div>\n</header>",
        esc(&c.scenario),
        c.runs.len(),
        esc(c.runs.first().map(|r| r.label.as_str()).unwrap_or("—")),
    );
    out.push_str(
        "<table>\n<tr><th class=\"name\">run</th><th class=\"name\">started</th><th>seed</th><th>chaosload</th>\
         <th class=\"name\">machine</th><th class=\"name\">status</th></tr>\n",
    );
    for (i, run) in c.runs.iter().enumerate() {
        let status = match (&run.error, run.interrupted) {
            (Some(e), _) => format!("<span class=\"worse\">incomplete: {}</span>", esc(e)),
            (None, true) => "<span class=\"worse\">interrupted</span>".to_string(),
            (None, false) if i == 0 => "complete · baseline".to_string(),
            (None, false) => "complete".to_string(),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"name\">{}{}</td><td class=\"name\">{}</td><td>{}</td><td>{}</td>\
             <td class=\"name\">{}</td><td class=\"name\">{status}</td></tr>",
            swatch(i),
            esc(&run.label),
            esc(&run.started_at),
            esc(&run.seed),
            esc(&run.chaosload_version),
            esc(&run.machine),
        );
    }
    out.push_str("</table>\n");
    for note in &c.notes {
        let _ = writeln!(out, "<div class=\"banner warn\">{}</div>", esc(note));
    }
}

/// The plain-words paragraph: per configuration and later run, how p99 and the error rate moved.
fn story(c: &Comparison) -> String {
    let Some(first) = c.runs.first() else { return "There are no runs to compare.".to_string() };
    let mut s = format!("Each run against the first, <b>{}</b>. ", esc(&first.label));
    if c.clients.is_empty() {
        return s;
    }
    for client in &c.clients {
        let name = esc(&client.name);
        let Some(Some(_)) = client.runs.first() else {
            let _ = write!(s, "<b>{name}</b> is not in the first run, so it has nothing to compare against. ");
            continue;
        };
        let mut parts = Vec::new();
        for (info, run) in c.runs.iter().zip(&client.runs).skip(1) {
            let label = esc(&info.label);
            let Some(run) = run else {
                parts.push(format!("not in {label}"));
                continue;
            };
            let sentence = run.change.as_ref().map_or("nothing to compare".to_string(), |c| c.sentence.clone());
            let moved: Vec<bool> = run.change.iter().flat_map(|c| c.moved.iter().filter_map(|(_, m)| *m)).collect();
            let sentence = match (moved.contains(&false), moved.is_empty()) {
                (true, _) => format!("<span class=\"worse\">{}</span>", esc(&sentence)),
                (false, false) => format!("<span class=\"better\">{}</span>", esc(&sentence)),
                (false, true) => esc(&sentence),
            };
            parts.push(format!("in {label}: {sentence}"));
        }
        let _ = write!(s, "<b>{name}</b>: {}. ", parts.join("; "));
    }
    s.push_str(
        "A change is called better or worse only when the two runs' 95% intervals do not overlap (as the \
         gates judge it); green marks an improvement, red a regression.",
    );
    s
}

/// One percentile-spectrum chart of the comparison page: which of a configuration's histograms it
/// draws and what that histogram measures.
struct Spectrum {
    /// Chart id prefix (`chart-{id}-{configuration index}`).
    id: &'static str,
    what: &'static str,
    summary: fn(&PhaseResult) -> &Summary,
    meaning: &'static str,
}

const SPECTRA: [Spectrum; 5] = [
    Spectrum {
        id: "spectrum",
        what: "latency",
        summary: |t| &t.latency,
        meaning: "Latency runs from each request's intended send time (coordinated omission corrected).",
    },
    Spectrum {
        id: "service",
        what: "service time",
        summary: |t| &t.service_time,
        meaning: "Service time runs from the moment a request was written to a connection: it leaves out \
                  waits for a connection or for the scheduler, which latency includes.",
    },
    Spectrum {
        id: "ttfb",
        what: "time to first byte",
        summary: |t| &t.time_to_first_byte,
        meaning: "Time to first byte runs from the request's write until the first byte of its response \
                  arrived (HTTP/2: until its headers were decoded).",
    },
    Spectrum {
        id: "connect",
        what: "connect time",
        summary: |t| &t.connect_time,
        meaning: "Connect time is that of each connection opened; a run that reused more connections has \
                  fewer of them.",
    },
    Spectrum {
        id: "dns",
        what: "DNS time",
        summary: |t| &t.dns_time,
        meaning: "DNS time is that of each name lookup a new connection made (not part of connect time); a run \
                  whose target was an address made none.",
    },
];

fn client_charts(
    out: &mut String,
    ci: usize,
    name: &str,
    labels: &[&str],
    runs: &[Option<&ClientResult>],
    results: &[(String, RunResult)],
) {
    let missing = |what: &str| -> String {
        let absent: Vec<String> = labels.iter().zip(runs).filter(|(_, c)| c.is_none()).map(|(l, _)| esc(l)).collect();
        if absent.is_empty() {
            String::new()
        } else {
            format!(" Not in {}, so no {what} for it.", absent.join(", "))
        }
    };
    for spectrum in SPECTRA {
        let lines: Vec<SpectrumLine> = runs
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                decode((spectrum.summary)(&(*c)?.total)).map(|hist| SpectrumLine { series: i, hist, dashed: i > 0 })
            })
            .collect();
        if lines.is_empty() {
            continue; // e.g. no run opened a connection in a connect-time chart
        }
        let svg = charts::spectrum(
            &format!("chart-{}-{ci}", spectrum.id),
            &format!("{name}: {} percentile spectrum per run", spectrum.what),
            &format!("{} (log scale)", spectrum.what),
            labels,
            &lines,
            &[("first run (solid)", false), ("later runs (dashed)", true)],
        );
        let caption = format!(
            "{}, all phases, one line per run (later runs dashed, so a line equal to the first run's still \
             shows). {}{}",
            esc(name),
            spectrum.meaning,
            missing("line")
        );
        let title =
            format!("{}{} percentile spectrum — {}", spectrum.what[..1].to_uppercase(), &spectrum.what[1..], esc(name));
        figure(out, &title, &svg, &caption);
    }
    // Every run keeps its place (and colour) in the legend; a run without this configuration has no line.
    let series: Vec<TimeSeries> = labels
        .iter()
        .zip(runs)
        .map(|(label, c)| TimeSeries {
            name: label,
            seconds: c.map(|c| c.timeline.as_slice()).unwrap_or_default(),
            duration_ms: c.map(|c| c.duration_ms).unwrap_or(0),
        })
        .collect();
    let (faults, fault_note) = fault_rows(labels, results);
    let svg = charts::latencies_over_time(
        &format!("chart-p99-time-{ci}"),
        &format!("{name}: p99 latency over time per run"),
        &series,
        &faults,
        Dashes::LaterSeries,
    );
    let caption = format!(
        "{}: p99 of the requests that completed in each second, one line per run; gaps are seconds without \
         completions.{fault_note}{}",
        esc(name),
        missing("line")
    );
    figure(out, &format!("p99 latency over time — {}", esc(name)), &svg, &caption);
}

/// The fault rows to label above a chart of several runs, and a sentence saying whose they are: a
/// fault with the same windows in every run once, any other with the label of the run it is from
/// (runs of different scenarios or seeds may meet faults at different times).
fn fault_rows(labels: &[&str], results: &[(String, RunResult)]) -> (Vec<FaultWindows>, &'static str) {
    let in_every_run = |f: &FaultWindows| results.iter().all(|(_, r)| r.faults.contains(f));
    let mut rows: Vec<FaultWindows> = Vec::new();
    let mut differ = false;
    for (label, (_, run)) in labels.iter().zip(results) {
        for fault in &run.faults {
            if in_every_run(fault) {
                if !rows.contains(fault) {
                    rows.push(fault.clone());
                }
            } else {
                differ = true;
                rows.push(FaultWindows { kind: format!("{} [{label}]", fault.kind), ..fault.clone() });
            }
        }
    }
    let note = match (rows.is_empty(), differ) {
        (true, _) => "",
        (false, false) => " Fault windows, the same in every run, are labelled above the plot.",
        (false, true) => {
            " Fault windows are labelled above the plot; those that differ between runs carry the \
             label of their run in brackets."
        }
    };
    (rows, note)
}

/// Per phase, one row per run: every metric with its change from the first run's same phase.
fn client_table(out: &mut String, c: &Comparison, runs: &[Option<&ClientResult>]) {
    let Some(first) = runs.iter().flatten().next() else { return };
    for phase in Phase::list(first) {
        let _ = writeln!(out, "<h3>{}</h3>\n<table>\n<tr><th class=\"name\">run</th>", phase_heading(&phase, first));
        for m in Metric::ALL {
            let _ = write!(out, "<th>{}</th>", m.label());
        }
        out.push_str("<th class=\"name\">errors by kind</th></tr>\n");
        let base = runs[0].and_then(|r| phase.stats(r));
        for (i, (info, run)) in c.runs.iter().zip(runs).enumerate() {
            let _ = write!(out, "<tr><td class=\"name\">{}{}</td>", swatch(i), esc(&info.label));
            let Some(stats) = run.and_then(|r| phase.stats(r)) else {
                let what = if run.is_none() { "not in this run" } else { "did not run this phase" };
                let _ = writeln!(out, "<td colspan=\"{}\">{what}</td></tr>", Metric::ALL.len() + 1);
                continue;
            };
            for m in Metric::ALL {
                match m.value(&stats) {
                    Some(_) => {
                        let d = base.as_ref().filter(|_| i > 0).and_then(|b| Delta::of(m, b, &stats));
                        out.push_str(&value_cell(&m.format(&stats), d, m.better()));
                    }
                    None => out.push_str("<td>—</td>"),
                }
            }
            let _ = writeln!(out, "<td class=\"kinds\">{}</td></tr>", error_kinds(&stats.errors));
        }
        out.push_str("</table>\n");
    }
}

/// Per slow-client cohort of this configuration, one row per run: its fates (counts, not judged
/// better or worse: a server that closes more of a cohort's connections may be defending itself).
fn cohorts_table(out: &mut String, c: &Comparison, client: &ClientComparison) {
    for (fault, kind) in client.cohorts() {
        let _ = write!(
            out,
            "<h3>{} (fault {fault}): its connections' fates</h3>\n<table>\n<tr><th class=\"name\">run</th>",
            esc(kind)
        );
        for col in &FATE_COLUMNS {
            let _ = write!(out, "<th>{}</th>", col.head);
        }
        out.push_str("</tr>\n");
        let columns: Vec<Vec<Option<u64>>> = (0..FATE_COLUMNS.len()).map(|i| client.cohort_counts(fault, i)).collect();
        for (run, info) in c.runs.iter().enumerate() {
            let _ = write!(out, "<tr><td class=\"name\">{}{}</td>", swatch(run), esc(&info.label));
            for counts in &columns {
                match counts[run] {
                    Some(n) => {
                        let _ = write!(out, "<td>{n}</td>");
                    }
                    None => out.push_str("<td>—</td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
}
