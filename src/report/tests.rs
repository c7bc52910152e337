//! Structural tests of report.html and the comparison page on fixed, hand-built `RunResult`s (see
//! [`super::fixtures`]).

use super::fixtures::{report_run, spread, NAMES};
use super::render;
use crate::result::RunResult;

/// The text of the `<svg id="{id}" …>…</svg>` element.
fn chart<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("<svg id=\"{id}\"")).unwrap_or_else(|| panic!("chart {id} missing"));
    let end = page[start..].find("</svg>").expect("svg closed") + start;
    &page[start..end]
}

const CHARTS: [&str; 6] =
    ["chart-spectrum", "chart-latency-time", "chart-throughput", "chart-connections", "chart-connect", "chart-ttfb"];

/// A phase a stop cut short says how long it ran and what was planned; a full one says neither.
#[test]
fn a_phase_cut_short_shows_what_was_planned() {
    let mut run = report_run();
    assert!(!render(&run).contains("planned"));
    run.clients[0].phases[0].duration_ms = 2_044;
    let page = render(&run);
    assert!(page.contains("(open model, 2.0s of 10s planned,"), "{page}");
}

#[test]
fn every_chart_names_every_client() {
    let page = render(&report_run());
    for id in CHARTS {
        let svg = chart(&page, id);
        for name in NAMES {
            let escaped = name.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            assert!(svg.contains(&escaped), "{id} lacks {escaped}");
        }
    }
}

/// DNS time is shown beside connect time only when some configuration looked a name up.
#[test]
fn dns_time_is_charted_beside_connect_time_when_there_was_a_lookup() {
    let mut run = report_run();
    let page = render(&run);
    assert!(!page.contains("chart-dns"), "no lookups, no DNS charts");
    run.clients[1].total.dns_time = spread(40, 900.0, 2_100_000.0);
    run.clients[1].timeline[3].dns_lookups = 4;
    run.clients[1].timeline[3].dns_max_us = 2_100_000;
    let page = render(&run);
    let spectrum = chart(&page, "chart-dns-spectrum");
    assert!(spectrum.contains(NAMES[1].replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").as_str()));
    let over_time = chart(&page, "chart-dns");
    assert!(over_time.contains("longest DNS lookup"), "{over_time}");
    assert!(page.contains("<th>DNS p99</th>"));
    assert!(page.contains(&format!("<td>{}</td>", crate::summary::fmt_us(run.clients[1].total.dns_time.p99_us))));
}

#[test]
fn text_from_the_scenario_is_escaped() {
    let page = render(&report_run());
    assert!(!page.to_lowercase().contains("<script"), "a client name reached the page unescaped");
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>a&b</b>"));
    assert!(page.contains("client &lt;b&gt;a&amp;b&lt;/b&gt; failed"));
    assert!(page.contains("fixture &lt;&amp;&gt; &quot;quoted&quot;"));
}

#[test]
fn page_is_self_contained() {
    let page = render(&report_run());
    for needle in ["http://", "https://", "<script src", "<link", "@import", "url("] {
        assert!(!page.contains(needle), "page contains {needle}");
    }
}

#[test]
fn fault_windows_are_shaded_and_labelled_in_latency_over_time() {
    let page = render(&report_run());
    let svg = chart(&page, "chart-latency-time");
    assert!(svg.contains("fault: stall&lt;x&gt; (mock, p=50%)"), "fault label missing");
    // Two windows: two bars in the strip plus two shaded bands over the plot.
    let bars = svg.matches("fill=\"#787878\"").count();
    assert!(bars >= 4, "expected shaded windows and bars, found {bars}");
}

#[test]
fn page_is_well_formed_enough() {
    let page = render(&report_run());
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<html").count(), 1);
    assert_eq!(page.matches("</html>").count(), 1);
    assert_eq!(page.matches("<body>").count(), 1);
    for (open, close) in [("<svg", "</svg>"), ("<table", "</table>"), ("<figure", "</figure>"), ("<tr", "</tr>")] {
        assert_eq!(page.matches(open).count(), page.matches(close).count(), "{open} not balanced");
    }
    assert_eq!(page.matches("<svg").count(), CHARTS.len());
}

#[test]
fn header_summary_and_tables_say_what_happened() {
    let page = render(&report_run());
    for needle in [
        "seed <b>7</b>",
        "Interrupted",
        "8</b> cores",
        "<section class=\"verdict won\" id=\"verdict\">",
        "6 arrivals were NOT SENT",
        "Connections opened: keep-alive 10",
        "p99.9",
        "http_503 4, reset 10",
        "class=\"d worse\"",
        "class=\"d better\"",
        "mock fault hits",
    ] {
        assert!(page.contains(needle), "page lacks {needle:?}");
    }
}

#[test]
fn the_scenarios_warnings_are_banners() {
    let page = render(&report_run());
    assert!(page.contains(
        "<div class=\"banner warn\">fault[0] (reset, layer mock) acts on HTTP/1 connections only: \
         &quot;&lt;h2&gt;&quot; will not meet it.</div>"
    ));
    let mut quiet = report_run();
    quiet.warnings.clear();
    assert!(!render(&quiet).contains("HTTP/1 connections only"));
}

#[test]
fn descriptors_exhausted_are_a_banner_and_a_kind_of_their_own() {
    use super::fixtures::{client, run, Numbers};
    let starved = Numbers { errors: vec![("fd_exhausted", 12), ("connect_error", 1)], ..Numbers::default() };
    let page = render(&run("s", vec![client("c", &starved)]));
    let banner = format!("<div class=\"banner warn\">c: {}.</div>", crate::summary::fd_exhausted_warning(12));
    assert!(page.contains(&banner), "{page}");
    assert!(page.contains("connect_error 1, fd_exhausted 12"), "counted apart from connect_error");
    assert!(!render(&report_run()).contains("fd_exhausted"), "no banner without the kind");
}

#[test]
fn charts_are_left_out_without_data() {
    let mut r = report_run();
    for c in &mut r.clients {
        c.total.connect_time = spread(0, 1.0, 1.0);
    }
    let page = render(&r);
    assert!(!page.contains("id=\"chart-connect\""));
    r.clients.clear();
    let page = render(&r);
    assert!(page.contains("No client configuration"));
    assert_eq!(page.matches("<svg").count(), 0);
}

/// A slow-client cohort gets its chart under a heading naming it (after throughput, before the
/// connections chart), its sentence in "what happened" and its fates in a table.
#[test]
fn a_cohort_is_charted_told_and_tabled() {
    let r = super::fixtures::cohort_run();
    let page = render(&r);
    let heading = page.find("<h3>slowloris: 300 connections, 3s–6s and 8s–9s</h3>").expect("the cohort's heading");
    let svg = page.find("<svg id=\"chart-cohort-1\"").expect("its chart");
    assert!(page.find("id=\"chart-throughput\"").unwrap() < heading && heading < svg);
    assert!(svg < page.find("id=\"chart-connections\"").unwrap());
    assert!(!page.contains("chart-cohort-0"), "the mock fault has no cohort chart");
    let story = &page[page.find("<p class=\"story\">").unwrap()..];
    let story = &story[..story.find("</p>").unwrap()];
    assert!(
        story.contains(
            "While slowloris (300 connections) ran, 3s–6s and 8s–9s, default's p99 went from 4.00ms before it to \
             1.21s and its error rate went from 0.00% to 31.00%; tuned&lt;1&gt;'s p99 stayed at 4.00ms"
        ),
        "{story}"
    );
    // The method once, right after the story, with the requests on each side.
    let note = &page[page.find("</p>\n<p class=\"meta\" id=\"cohort-method\">").expect("the note after the story")..];
    let note = &note[..note[4..].find("</p>").unwrap() + 4];
    assert!(note.contains("95% intervals (order statistics for p99, Wilson score for error rates) do not overlap"));
    assert!(
        note.contains(
            "slowloris (fault 1): default 300 requests before it and 400 inside its windows, tuned&lt;1&gt; 300 \
             requests before it and 400 inside its windows."
        ),
        "{note}"
    );
    let table = &page[page.find("<h3>Slow-client cohorts</h3>").expect("the fates table")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr><td").count(), 2, "a row per configuration: {table}");
    assert!(
        table.contains(
            "tuned&lt;1&gt;</td><td>1504</td><td>1492</td><td>284</td><td>1204</td><td>4</td><td>12</td><td>0</td>\
             <td>1100</td><td>284</td><td>2.00s</td><td>2.00s</td></tr>"
        ),
        "{table}"
    );
    assert!(table.contains("default</td><td>300</td><td>300</td><td>300</td><td>0</td>"), "{table}");
    assert!(table.contains("<td>—</td><td>—</td></tr>"), "no held_for without a connection the server ended");
    // Without cohorts, none of it.
    let plain = render(&report_run());
    assert!(!plain.contains("chart-cohort") && !plain.contains("Slow-client cohorts") && !plain.contains("While "));
    assert!(!plain.contains("cohort-method"), "no cohort, no note");
}

/// The counters table lists the mock's counters by their serialized names, so a counter added to
/// `MockStats` gets a column without an edit here: every field, set to a count, shows.
#[test]
fn every_mock_counter_gets_a_column() {
    let mut r = report_run();
    let fields = serde_json::to_value(crate::result::MockStats::default()).unwrap();
    let fields = fields.as_object().expect("an object of counters");
    let ones: serde_json::Map<String, serde_json::Value> =
        fields.keys().map(|k| (k.clone(), serde_json::Value::from(1u64))).collect();
    r.clients[0].mock = Some(serde_json::from_value(serde_json::Value::Object(ones)).unwrap());
    let page = render(&r);
    for key in fields.keys() {
        assert!(page.contains(&format!("<th>mock {}</th>", key.replace('_', " "))), "no column for {key}");
    }
}

/// Renders a result file for a look: `REPORT_IN=result.json REPORT_OUT=/tmp/report.html cargo test --lib
/// report::tests::render_result_file -- --ignored`.
#[test]
#[ignore]
fn render_result_file() {
    let input = std::env::var("REPORT_IN").expect("REPORT_IN");
    let output = std::env::var("REPORT_OUT").unwrap_or_else(|_| "/tmp/report.html".to_string());
    let result: RunResult = serde_json::from_str(&std::fs::read_to_string(input).unwrap()).unwrap();
    std::fs::write(output, render(&result)).unwrap();
}

/// Structural tests of the comparison page (`compare … -o compare.html`) on fixed results.
mod compare_page {
    use super::chart;
    use crate::report::charts::client_color;
    use crate::report::compare::{compare, Comparison};
    use crate::report::compare_html::render;
    use crate::report::fixtures::{client, run, Numbers};
    use crate::result::RunResult;

    const CLIENTS: [&str; 2] = ["keep-alive", "<b>tuned</b>&co"];
    const LABELS: [&str; 3] = ["before.json", "after<1>.json", "third&.json"];

    /// Three runs; the second one is slower and has errors, the third lacks the second configuration.
    fn runs() -> Vec<(String, RunResult)> {
        let scenario = "smoke<script>alert(1)</script>";
        let slower = Numbers {
            errors: vec![("reset", 20)],
            latency_us: [2_000, 5_000, 30_000, 40_000, 50_000],
            ..Numbers::default()
        };
        let first = run(scenario, CLIENTS.iter().map(|n| client(n, &Numbers::default())).collect());
        let second = run(scenario, CLIENTS.iter().map(|n| client(n, &slower)).collect());
        let third = run(scenario, vec![client(CLIENTS[0], &Numbers { sent: 900, ..Numbers::default() })]);
        LABELS.iter().map(|l| l.to_string()).zip([first, second, third]).collect()
    }

    fn page() -> (Comparison, String) {
        let runs = runs();
        let c = compare(&runs);
        let page = render(&c, &runs);
        (c, page)
    }

    fn escaped(s: &str) -> String {
        crate::report::page::esc(s)
    }

    /// Whether `svg` draws data of run `i`: a line (a legend mark is 3 wide, data 2) or, for a second
    /// alone between gaps, a dot.
    fn draws_run(svg: &str, i: usize) -> bool {
        let c = client_color(i);
        let hex = format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
        svg.contains(&format!("stroke=\"{hex}\" stroke-width=\"2\""))
            || svg.contains(&format!("r=\"3\" opacity=\"1\" fill=\"{hex}\""))
    }

    #[test]
    fn every_chart_names_its_configuration_and_every_run() {
        let (_, page) = page();
        for (ci, name) in CLIENTS.iter().enumerate() {
            let ids = ["spectrum", "service", "ttfb", "connect", "p99-time"].map(|kind| format!("chart-{kind}-{ci}"));
            for id in ids {
                let svg = chart(&page, &id);
                assert!(svg.contains(&format!("aria-label=\"{}:", escaped(name))), "{id} does not name {name}");
                for label in LABELS {
                    assert!(svg.contains(&escaped(label)), "{id} has no legend entry for {label}");
                }
                // A line for each run that has this configuration, none for a run without it.
                for (i, _) in LABELS.iter().enumerate() {
                    let present = i < 2 || ci == 0;
                    assert_eq!(draws_run(svg, i), present, "{id}: line of run {i}");
                }
            }
        }
        assert_eq!(page.matches("<svg").count(), 5 * CLIENTS.len());
        for title in ["Service time percentile spectrum", "Time to first byte percentile spectrum", "Connect time"] {
            assert!(page.contains(title), "no {title:?} figure");
        }
    }

    #[test]
    fn header_story_and_tables_say_what_changed() {
        let (c, page) = page();
        for label in LABELS {
            assert!(page.contains(&escaped(label)), "{label} is missing from the page");
        }
        for needle in [
            "seed",
            "2026-11-22T07:34:26Z",
            "4 cores, linux/x86_64, 1 load thread",
            "complete · baseline",
            // The plain-words paragraph: errors and p99 up beyond the noise (worse, red).
            "in after&lt;1&gt;.json: <span class=\"worse\">errors worse, 0.0% → 2.00%, beyond the noise (95% intervals \
             do not overlap); p99 latency worse, 10.0ms → 30.0ms (+199.9%), beyond the noise",
            "not in third&amp;.json",
            "in third&amp;.json: no significant difference (errors 0.0% → 0.0%, p99 latency 10.0ms → 10.0ms, median \
             latency 2.00ms → 2.00ms)",
            // The tables: deltas in % coloured when beyond the noise, grey within it; the run without
            // the configuration.
            "<td>30.0ms<span class=\"d worse\" title=\"beyond the noise: the 95% intervals do not overlap\">+200.0%</span></td>",
            "<td>900<span class=\"d noise\" title=\"within the noise: the 95% intervals overlap\">\u{2212}10.0%</span></td>",
            "<td>50.0ms<span class=\"d\" title=\"no interval to judge this change by\">+150.0%</span></td>",
            "not in this run",
            "reset 20",
        ] {
            assert!(page.contains(needle), "the page lacks {needle:?}");
        }
        // The comparison's notes (a configuration missing from a run) are shown as warnings.
        assert!(!c.notes.is_empty());
        for note in &c.notes {
            assert!(page.contains(&format!("<div class=\"banner warn\">{}</div>", escaped(note))), "{note}");
        }
    }

    #[test]
    fn text_from_results_and_file_names_is_escaped() {
        let (_, page) = page();
        assert!(!page.to_lowercase().contains("<script"), "the scenario name reached the page unescaped");
        assert!(!page.contains("<b>tuned</b>"), "a client name reached the page unescaped");
        assert!(!page.contains("after<1>"), "a file label reached the page unescaped");
        assert!(page.contains("smoke&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&lt;b&gt;tuned&lt;/b&gt;&amp;co"));
    }

    #[test]
    fn page_is_self_contained_and_balanced() {
        let (_, page) = page();
        for needle in ["http://", "https://", "<script", "<link", "@import", "url(", "src="] {
            assert!(!page.contains(needle), "page contains {needle}");
        }
        assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
        for (open, close) in [("<svg", "</svg>"), ("<table", "</table>"), ("<figure", "</figure>"), ("<tr", "</tr>")] {
            assert_eq!(page.matches(open).count(), page.matches(close).count(), "{open} not balanced");
        }
    }

    #[test]
    fn fault_windows_of_every_run_are_labelled_and_differences_say_whose() {
        use crate::result::{FaultWindows, Window};
        let fault = |kind: &str, start_ms: u64| FaultWindows {
            label: None,
            kind: kind.into(),
            layer: "proxy".into(),
            probability: 1.0,
            windows: vec![Window { start_ms, end_ms: start_ms + 1_000 }],
        };
        let mut runs = runs();
        for (_, r) in &mut runs {
            r.faults = vec![fault("latency", 1_000)];
        }
        let p99_chart = |runs: &[(String, RunResult)]| {
            let page = render(&compare(runs), runs);
            (chart(&page, "chart-p99-time-0").to_string(), page)
        };
        // The same fault in every run: one row, no run named.
        let (svg, page) = p99_chart(&runs);
        assert_eq!(svg.matches("fault: latency").count(), 1, "a shared fault is labelled once");
        assert!(!svg.contains("fault: latency ["));
        assert!(page.contains("the same in every run"));
        // A fault only the second run met, and one the third met at another time (all inside the plotted seconds): labelled with their runs.
        runs[1].1.faults.push(fault("reset", 2_000));
        runs[2].1.faults = vec![fault("latency", 1_500)];
        let (svg, page) = p99_chart(&runs);
        for row in [
            "fault: latency [before.json]",
            "fault: latency [after&lt;1&gt;.json]",
            "fault: reset [after&lt;1&gt;.json]",
            "fault: latency [third&amp;.json]",
        ] {
            assert!(svg.contains(row), "no row {row:?} in {svg}");
        }
        assert!(page.contains("carry the label of their run"));
    }

    #[test]
    fn a_spectrum_no_run_has_data_for_is_left_out() {
        let mut runs = runs();
        for (_, r) in &mut runs {
            for c in &mut r.clients {
                c.total.connect_time.count = 0;
                c.total.connect_time.hdr.clear();
            }
        }
        let page = render(&compare(&runs), &runs);
        assert!(!page.contains("chart-connect-"), "a chart without a line");
        assert!(page.contains("chart-service-0"));
    }

    #[test]
    fn results_without_configurations_still_render() {
        let runs: Vec<(String, RunResult)> =
            LABELS[..2].iter().map(|l| (l.to_string(), run("empty", Vec::new()))).collect();
        let page = render(&compare(&runs), &runs);
        assert!(page.contains("nothing to chart"));
        assert_eq!(page.matches("<svg").count(), 0);
    }
}
