//! Event markers on the charts over time: fault windows switching on and off, the built-in mock's
//! cold starts, freezes and hits on frozen instances' connections, and the client's retries, as
//! small glyphs in a strip under a plot — one strip per client configuration, a lane per kind,
//! each glyph with its count in a `<title>` tooltip.
//!
//! [`MarkerKind`] is the one place a kind is defined: its glyph (a shape of its own, so kinds
//! tell apart without colour), colour, lane, legend text and how it is counted from a result.
//! Glyphs are hand-written SVG in the chart's [`Overlay`] (plotters has no `<title>`), each a
//! `<g class="marker" data-kind="…">` placed by a `translate` to its x on the time axis.

use super::legend::{LegendItem, Mark};
use super::overlay::Overlay;
use crate::report::page::esc;
use crate::report::palette::{client_color, css};
use crate::result::{ClientResult, MockSecond, RunResult};
use plotters::style::RGBColor;
use std::collections::BTreeMap;

/// What a marker stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MarkerKind {
    /// A fault window opened (`RunResult.faults`).
    FaultOn,
    /// A fault window closed.
    FaultOff,
    /// A serverless instance of the mock started or thawed (`mock_timeline[].cold_starts`).
    ColdStart,
    /// A serverless instance froze (`mock_timeline[].freezes`).
    Freeze,
    /// A request met a frozen instance's connection (`mock_timeline[].frozen_connection_hits`).
    FrozenHit,
    /// The client retried (`timeline[].retries`, by the request's completion second).
    Retry,
}

/// One glyph: where on the time axis (seconds), how many events it stands for, and what they
/// were, for its tooltip.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Event {
    pub(super) x: f64,
    pub(super) count: u64,
    pub(super) detail: String,
}

impl MarkerKind {
    /// Every kind, in lane order.
    pub(super) const ALL: [MarkerKind; 6] = [
        MarkerKind::FaultOn,
        MarkerKind::FaultOff,
        MarkerKind::ColdStart,
        MarkerKind::Freeze,
        MarkerKind::FrozenHit,
        MarkerKind::Retry,
    ];

    /// Its name in the SVG (`data-kind`).
    pub(super) fn id(self) -> &'static str {
        match self {
            MarkerKind::FaultOn => "fault-on",
            MarkerKind::FaultOff => "fault-off",
            MarkerKind::ColdStart => "cold-start",
            MarkerKind::Freeze => "freeze",
            MarkerKind::FrozenHit => "frozen-hit",
            MarkerKind::Retry => "retry",
        }
    }

    fn color(self) -> RGBColor {
        match self {
            MarkerKind::FaultOn | MarkerKind::FaultOff => RGBColor(60, 60, 60),
            MarkerKind::ColdStart => RGBColor(217, 95, 2),
            MarkerKind::Freeze => RGBColor(33, 113, 181),
            MarkerKind::FrozenHit => RGBColor(165, 15, 21),
            MarkerKind::Retry => RGBColor(106, 81, 163),
        }
    }

    fn legend(self) -> &'static str {
        match self {
            MarkerKind::FaultOn => "fault switched on",
            MarkerKind::FaultOff => "fault switched off",
            MarkerKind::ColdStart => "cold start",
            MarkerKind::Freeze => "freeze",
            MarkerKind::FrozenHit => "hit on a frozen connection",
            MarkerKind::Retry => "retries (by completion)",
        }
    }

    /// The lane's label at the left of a strip; a fault's two edges share one.
    fn lane(self) -> &'static str {
        match self {
            MarkerKind::FaultOn | MarkerKind::FaultOff => "faults on/off",
            MarkerKind::ColdStart => "cold starts",
            MarkerKind::Freeze => "freezes",
            MarkerKind::FrozenHit => "frozen hits",
            MarkerKind::Retry => "retries",
        }
    }

    /// What one and several of its events are called in a tooltip.
    fn noun(self) -> (&'static str, &'static str) {
        match self {
            MarkerKind::FaultOn => ("fault switched on", "faults switched on"),
            MarkerKind::FaultOff => ("fault switched off", "faults switched off"),
            MarkerKind::ColdStart => ("cold start", "cold starts"),
            MarkerKind::Freeze => ("freeze", "freezes"),
            MarkerKind::FrozenHit => {
                ("request on a frozen instance's connection", "requests on frozen instances' connections")
            }
            MarkerKind::Retry => ("retry", "retries"),
        }
    }

    /// The glyph's SVG around (0, 0), about 12 px across: a fault's edges are brackets whose upright
    /// stands at the edge (`[` on, `]` off), a cold start a triangle up, a freeze a triangle down,
    /// a frozen hit a cross, a retry a ring.
    pub(super) fn glyph(self) -> String {
        let c = css(self.color());
        let stroke = |d: &str| format!("<path d=\"{d}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2.5\"/>");
        match self {
            MarkerKind::FaultOn => stroke("M5 -6 H0 V6 H5"),
            MarkerKind::FaultOff => stroke("M-5 -6 H0 V6 H-5"),
            MarkerKind::ColdStart => format!("<polygon points=\"0,-6 6,5 -6,5\" fill=\"{c}\"/>"),
            MarkerKind::Freeze => format!("<polygon points=\"0,6 6,-5 -6,-5\" fill=\"{c}\"/>"),
            MarkerKind::FrozenHit => stroke("M-5 -5 L5 5 M-5 5 L5 -5"),
            MarkerKind::Retry => {
                format!("<circle cx=\"0\" cy=\"0\" r=\"4.5\" fill=\"white\" stroke=\"{c}\" stroke-width=\"2\"/>")
            }
        }
    }

    /// The kind's events in `client`'s run of `result`, in time order.
    fn events(self, result: &RunResult, client: &ClientResult) -> Vec<Event> {
        let mock = |count: fn(&MockSecond) -> u64| -> Vec<Event> {
            client.mock_timeline.iter().filter_map(|s| self.in_second(s.t_s, count(s))).collect()
        };
        match self {
            MarkerKind::FaultOn => fault_edges(result, |w| w.start_ms, "on"),
            MarkerKind::FaultOff => fault_edges(result, |w| w.end_ms, "off"),
            MarkerKind::ColdStart => mock(|s| s.cold_starts),
            MarkerKind::Freeze => mock(|s| s.freezes),
            MarkerKind::FrozenHit => mock(|s| s.frozen_connection_hits),
            MarkerKind::Retry => client.timeline.iter().filter_map(|s| self.in_second(s.t_s, s.retries)).collect(),
        }
    }

    /// `count` events counted in second `t_s`, drawn in its middle; none for 0.
    fn in_second(self, t_s: u64, count: u64) -> Option<Event> {
        let (one, many) = self.noun();
        let noun = if count == 1 { one } else { many };
        (count > 0).then(|| Event {
            x: t_s as f64 + 0.5,
            count,
            detail: format!("{count} {noun} in {t_s}–{} s", t_s.saturating_add(1)),
        })
    }
}

/// One event per instant at which some fault window starts (or ends: `edge`), at that instant;
/// faults switching together share it.
fn fault_edges(result: &RunResult, edge: fn(&crate::result::Window) -> u64, word: &str) -> Vec<Event> {
    let mut at: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for f in &result.faults {
        let name = match &f.label {
            Some(label) => format!("{label} ({}, {} layer)", f.kind, f.layer),
            None => format!("{} ({} layer)", f.kind, f.layer),
        };
        for w in &f.windows {
            at.entry(edge(w)).or_default().push(name.clone());
        }
    }
    at.into_iter()
        .map(|(ms, names)| Event {
            x: ms as f64 / 1000.0,
            count: names.len() as u64,
            detail: format!("fault {} switched {word} at {:.1} s", names.join(", "), ms as f64 / 1000.0),
        })
        .collect()
}

/// Height of a strip's heading (the configuration's name) and of each lane.
const HEADING: u32 = 16;
const LANE: u32 = 15;
const PADDING: u32 = 6;

/// One configuration's markers: its name, and every kind's events.
struct ConfigMarkers<'a> {
    name: &'a str,
    events: Vec<(MarkerKind, Vec<Event>)>,
}

/// The markers of every configuration of a result within a time axis, and the lanes their strips
/// have: those of the kinds that occur in some configuration, so that every strip has the same.
pub(super) struct Markers<'a> {
    /// By configuration index.
    configs: Vec<ConfigMarkers<'a>>,
    kinds: Vec<MarkerKind>,
}

impl<'a> Markers<'a> {
    /// Every configuration's markers on a time axis of `x_end` seconds (events beyond it are left
    /// out: the axis covers the run).
    pub(super) fn of(result: &'a RunResult, x_end: f64) -> Markers<'a> {
        let configs: Vec<ConfigMarkers> = result
            .clients
            .iter()
            .map(|c| {
                let events = MarkerKind::ALL
                    .iter()
                    .map(|&k| (k, k.events(result, c).into_iter().filter(|e| (0.0..=x_end).contains(&e.x)).collect()))
                    .collect();
                ConfigMarkers { name: c.name.as_str(), events }
            })
            .collect();
        let kinds = MarkerKind::ALL
            .into_iter()
            .filter(|k| configs.iter().any(|c| c.events.iter().any(|(kind, e)| kind == k && !e.is_empty())))
            .collect();
        Markers { configs, kinds }
    }

    /// No markers (a chart that draws none, such as the comparison page's).
    pub(super) fn none() -> Markers<'a> {
        Markers { configs: Vec::new(), kinds: Vec::new() }
    }

    fn lanes(&self) -> Vec<&'static str> {
        let mut lanes: Vec<&'static str> = self.kinds.iter().map(|k| k.lane()).collect();
        lanes.dedup();
        lanes
    }

    /// A legend entry for each kind shown.
    pub(super) fn legend(&self) -> Vec<LegendItem> {
        self.kinds.iter().map(|k| LegendItem::new(k.legend(), k.color(), Mark::Glyph(k.glyph()))).collect()
    }

    /// The height of one configuration's strip, with or without its name above it: 0 without
    /// markers.
    pub(super) fn strip_height(&self, heading: bool) -> u32 {
        match self.lanes().len() as u32 {
            0 => 0,
            lanes => u32::from(heading) * HEADING + lanes * LANE + PADDING,
        }
    }

    /// Draws configuration `client`'s strip into `overlay`, its top at pixel `top`, its lanes from
    /// `x_px(0)` to `x_px(x_end)` (the plot's own time axis, `x_px` mapping seconds to pixels), a
    /// lane's label to their left.
    pub(super) fn draw_strip(
        &self,
        overlay: &mut Overlay,
        client: usize,
        top: i32,
        heading: bool,
        x_end: f64,
        x_px: &dyn Fn(f64) -> i32,
    ) {
        let Some(ConfigMarkers { name, events }) = self.configs.get(client) else { return };
        let (left, right) = (x_px(0.0), x_px(x_end));
        let mut y = top + PADDING as i32 / 2;
        if heading {
            overlay.push(&format!(
                "<text x=\"{left}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"13\" font-weight=\"bold\" \
                 fill=\"{}\">{}</text>",
                y + 12,
                css(client_color(client)),
                esc(name)
            ));
            y += HEADING as i32;
        }
        for (row, lane) in self.lanes().into_iter().enumerate() {
            let cy = y + (row as u32 * LANE + LANE / 2) as i32;
            overlay.push(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"11\" \
                 fill=\"#555555\">{lane}</text>\n<line class=\"lane\" x1=\"{left}\" y1=\"{cy}\" x2=\"{right}\" \
                 y2=\"{cy}\" stroke=\"#e4e4e4\" stroke-width=\"1\"/>",
                left - 8,
                cy + 4,
            ));
            for (kind, events) in events.iter().filter(|(k, _)| k.lane() == lane) {
                for e in events {
                    overlay.push(&format!(
                        "<g class=\"marker\" data-kind=\"{}\" data-count=\"{}\" transform=\"translate({},{cy})\">\
                         <title>{}: {}</title>{}</g>",
                        kind.id(),
                        e.count,
                        x_px(e.x),
                        esc(name),
                        esc(&e.detail),
                        kind.glyph()
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{client, run, Numbers};
    use crate::result::{FaultWindows, Window};

    fn events(r: &RunResult, kind: MarkerKind) -> Vec<(f64, u64)> {
        kind.events(r, &r.clients[0]).iter().map(|e| (e.x, e.count)).collect()
    }

    /// Each kind is counted from its own part of the result: per-second counts in the middle of
    /// their second, fault edges at their instant (faults switching together in one glyph).
    #[test]
    fn each_kind_counts_from_its_part_of_the_result() {
        let mut c = client("c", &Numbers::default());
        c.timeline[2].retries = 3;
        c.mock_timeline = vec![
            MockSecond { t_s: 0, cold_starts: 2, ..MockSecond::default() },
            MockSecond { t_s: 1, freezes: 1, connections_closed_idle: 4, ..MockSecond::default() },
            MockSecond { t_s: 2, frozen_connection_hits: 5, ..MockSecond::default() },
        ];
        let mut r = run("markers", vec![c]);
        let fault = |kind: &str, windows: Vec<Window>| FaultWindows {
            label: None,
            kind: kind.to_string(),
            layer: "mock".to_string(),
            probability: 1.0,
            windows,
        };
        r.faults = vec![
            fault("stall", vec![Window { start_ms: 1_250, end_ms: 2_000 }]),
            fault("reset", vec![Window { start_ms: 1_250, end_ms: 2_500 }]),
        ];
        assert_eq!(events(&r, MarkerKind::Retry), [(2.5, 3)]);
        assert_eq!(events(&r, MarkerKind::ColdStart), [(0.5, 2)]);
        assert_eq!(events(&r, MarkerKind::Freeze), [(1.5, 1)]);
        assert_eq!(events(&r, MarkerKind::FrozenHit), [(2.5, 5)]);
        assert_eq!(events(&r, MarkerKind::FaultOn), [(1.25, 2)]);
        assert_eq!(events(&r, MarkerKind::FaultOff), [(2.0, 1), (2.5, 1)]);
        let on = &MarkerKind::FaultOn.events(&r, &r.clients[0])[0];
        assert_eq!(on.detail, "fault stall (mock layer), reset (mock layer) switched on at 1.2 s");
        assert_eq!(MarkerKind::FrozenHit.events(&r, &r.clients[0])[0].detail.split(" in ").nth(1), Some("2–3 s"));
        let markers = Markers::of(&r, 3.0);
        assert_eq!(markers.kinds, MarkerKind::ALL, "every kind occurs");
        assert_eq!(markers.lanes().len(), 5, "a fault's edges share a lane");
        assert_eq!(Markers::of(&r, 2.0).configs[0].events[1].1.len(), 1, "an edge past the axis is left out");
    }

    /// Every kind has a glyph of its own shape, so none is told apart by colour alone.
    #[test]
    fn every_kind_has_its_own_shape() {
        let shapes: Vec<String> = MarkerKind::ALL.iter().map(|k| k.glyph().replace(&css(k.color()), "COLOR")).collect();
        for (i, a) in shapes.iter().enumerate() {
            for b in &shapes[i + 1..] {
                assert_ne!(a, b, "two kinds share a shape");
            }
        }
    }
}
