//! The event markers and the errors panels of report.html's charts over time, on hand-built results:
//! each marker at its time on the plot's own axis, in its configuration's strip, with its count in a
//! tooltip; an error a second drawn visibly tall beside a hundred requests and beside thousands of
//! errors elsewhere.

use super::charts::MIN_ERROR_PX;
use super::fixtures::{client, report_run, run, timeline, Numbers, NAMES};
use super::render;
use crate::result::{MockSecond, RunResult};

/// The text of the `<svg id="{id}" …>…</svg>` element of `page`.
fn chart<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("<svg id=\"{id}\"")).unwrap_or_else(|| panic!("chart {id} missing"));
    let end = page[start..].find("</svg>").expect("svg closed") + start;
    &page[start..end]
}

/// The value of attribute `name` in the tag that starts `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> &'a str {
    let head = &tag[..tag.find('>').expect("tag closed")];
    let start = head.find(&format!(" {name}=\"")).unwrap_or_else(|| panic!("no {name} in {head}")) + name.len() + 3;
    &head[start..start + head[start..].find('"').expect("quoted")]
}

/// Every element of `svg` starting with `open`, from its start to the end of the markup.
fn elements<'a>(svg: &'a str, open: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    svg.match_indices(open).map(move |(at, _)| &svg[at..])
}

/// A marker as drawn: its kind, the pixel it stands at, its count and its tooltip.
#[derive(Debug)]
struct Drawn {
    kind: String,
    px: f64,
    count: u64,
    title: String,
}

fn markers(svg: &str) -> Vec<Drawn> {
    elements(svg, "<g class=\"marker\"")
        .map(|g| {
            let translate = attr(g, "transform");
            let px = translate.trim_start_matches("translate(").split(',').next().unwrap().parse().unwrap();
            let title = &g[g.find("<title>").unwrap() + 7..g.find("</title>").unwrap()];
            Drawn {
                kind: attr(g, "data-kind").to_string(),
                px,
                count: attr(g, "data-count").parse().unwrap(),
                title: title.to_string(),
            }
        })
        .collect()
}

/// The pixels of 0 s and of the axis' end, read off the first lane's line (drawn across the plot).
fn axis_px(svg: &str) -> (f64, f64) {
    let lane = elements(svg, "<line class=\"lane\"").next().expect("a lane");
    (attr(lane, "x1").parse().unwrap(), attr(lane, "x2").parse().unwrap())
}

/// [`report_run`] (12 s, a fault active 2–4 s and 6–7 s) with the first configuration's mock
/// having cold-started twice in second 0, frozen in second 5 and met a frozen connection in second
/// 6, and its client retrying 4 times in second 3.
fn with_events() -> RunResult {
    let mut r = report_run();
    let c = &mut r.clients[0];
    c.mock_timeline = vec![
        MockSecond { t_s: 0, cold_starts: 2, ..MockSecond::default() },
        MockSecond { t_s: 5, freezes: 1, ..MockSecond::default() },
        MockSecond { t_s: 6, frozen_connection_hits: 1, connections_closed_idle: 3, ..MockSecond::default() },
    ];
    c.timeline[3].retries = 4;
    r
}

#[test]
fn markers_stand_at_their_time_in_their_configurations_strip() {
    let r = with_events();
    let page = render(&r);
    let x_end = 12.0;
    for id in ["chart-latency-time", "chart-throughput"] {
        let svg = chart(&page, id);
        let (left, right) = axis_px(svg);
        assert!(right - left > 800.0, "{id}: the lanes span the plot ({left}..{right})");
        let at = |seconds: f64| left + (right - left) * seconds / x_end;
        let drawn = markers(svg);
        // The first configuration's strip: its own events, and every fault edge.
        let expected = [
            ("fault-on", 2.0, 1),
            ("fault-on", 6.0, 1),
            ("fault-off", 4.0, 1),
            ("fault-off", 7.0, 1),
            ("cold-start", 0.5, 2),
            ("freeze", 5.5, 1),
            ("frozen-hit", 6.5, 1),
            ("retry", 3.5, 4),
        ];
        let first = &drawn[..expected.len()];
        for ((kind, seconds, count), m) in expected.iter().zip(first) {
            assert_eq!((m.kind.as_str(), m.count), (*kind, *count), "{id}: {m:?}");
            assert!(
                (m.px - at(*seconds)).abs() <= 1.0,
                "{id}: {kind} at {}px, {seconds} s is {}px",
                m.px,
                at(*seconds)
            );
        }
        assert_eq!(first[4].title, "keep-alive: 2 cold starts in 0–1 s");
        assert_eq!(first[7].title, "keep-alive: 4 retries in 3–4 s");
        assert_eq!(first[0].title, "keep-alive: fault stall&lt;x&gt; (mock layer) switched on at 2.0 s");
        // The others' strips hold only the fault edges (the same windows for every configuration).
        let rest = &drawn[expected.len()..];
        assert_eq!(rest.len(), 8, "{id}: {rest:?}");
        assert!(rest.iter().all(|m| m.kind.starts_with("fault-")), "{id}: {rest:?}");
        assert!(rest[0].title.starts_with("&lt;script&gt;alert(1)&lt;/script&gt;: fault"), "{}", rest[0].title);
        // Five lanes per strip (a fault's two edges share one), each kind in the legend once.
        assert_eq!(elements(svg, "<line class=\"lane\"").count(), 5 * NAMES.len(), "{id}");
        assert_eq!(elements(svg, "<g class=\"legend-glyph\"").count(), 6, "{id}");
        assert!(svg.contains(">\nhit on a frozen connection\n</text>") && svg.contains(">frozen hits</text>"), "{id}");
    }
    // The latency chart names each strip's configuration; throughput's panels already do.
    let heading = |svg: &str| svg.matches("font-weight=\"bold\"").count();
    assert_eq!(heading(chart(&page, "chart-latency-time")), NAMES.len());
    assert_eq!(heading(chart(&page, "chart-throughput")), 0);
}

/// Without faults or events the charts have no strip, no marker legend, and their old height.
#[test]
fn nothing_happened_no_strips() {
    let mut r = report_run();
    r.faults.clear();
    let page = render(&r);
    for id in ["chart-latency-time", "chart-throughput"] {
        let svg = chart(&page, id);
        assert!(!svg.contains("class=\"marker\"") && !svg.contains("class=\"lane\""), "{id}");
        assert!(!svg.contains("legend-glyph"), "{id}");
    }
    let height = |page: &str| attr(chart(page, "chart-latency-time"), "height").parse::<u32>().unwrap();
    let without = height(&page);
    r.clients[2].timeline[1].retries = 1;
    let with = render(&r);
    assert!(height(&with) > without, "a strip per configuration makes room for itself");
    assert_eq!(markers(chart(&with, "chart-latency-time")).len(), 1);
}

/// The bars of `svg`'s errors panels: (configuration's name in the tooltip, second, errors, height
/// in pixels of all its kinds).
fn error_bars(svg: &str) -> Vec<(String, u64, u64, u32)> {
    elements(svg, "<g class=\"error-bar\"")
        .map(|g| {
            let g = &g[..g.find("</g>").unwrap()];
            let title = &g[g.find("<title>").unwrap() + 7..g.find("</title>").unwrap()];
            let tall = elements(g, "<rect ").map(|r| attr(r, "height").parse::<u32>().unwrap()).sum();
            (
                title.split(':').next().unwrap().to_string(),
                attr(g, "data-t").parse().unwrap(),
                attr(g, "data-errors").parse().unwrap(),
                tall,
            )
        })
        .collect()
}

/// One error a second against 100 completed requests a second is a bar of its own axis, tens of
/// pixels tall; beside a configuration failing 1,000 a second it is still at least
/// `MIN_ERROR_PX` tall, and the 1,000 fill the panel.
#[test]
fn one_error_a_second_is_visible_at_any_scale() {
    let mut lone = client("lone", &Numbers::default());
    lone.timeline = timeline(&[(100, 2_000, 0), (100, 2_000, 0), (100, 2_000, 1), (100, 2_000, 0)]);
    let page = render(&run("sliver", vec![lone.clone()]));
    let bars = error_bars(chart(&page, "chart-throughput"));
    assert_eq!(bars.len(), 1, "{bars:?}");
    let (name, t, errors, tall) = &bars[0];
    assert_eq!((name.as_str(), *t, *errors), ("lone", 2, 1));
    assert!(*tall >= 20, "one error a second is {tall}px tall");

    let mut failing = client("failing", &Numbers::default());
    failing.timeline = timeline(&[(1_000, 2_000, 0), (1_000, 2_000, 1_000), (1_000, 2_000, 0)]);
    let page = render(&run("sliver", vec![lone, failing]));
    let bars = error_bars(chart(&page, "chart-throughput"));
    assert_eq!(bars.len(), 2, "{bars:?}");
    let (one, thousand) = (bars[0].3, bars[1].3);
    assert_eq!((bars[0].0.as_str(), bars[1].0.as_str()), ("lone", "failing"));
    assert!(one >= MIN_ERROR_PX as u32, "one error beside 1,000 is {one}px tall");
    assert!(thousand >= 60 && thousand > one * 10, "1,000 errors: {thousand}px");
    assert!(page.contains("lone: 1 error in 2–3 s: reset 1"), "the tooltip gives the counts by kind");
}
