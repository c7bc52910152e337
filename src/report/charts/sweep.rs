//! A sweep's figure: the knob's values across (categorical, in the order given), and two panels
//! over them, the error rate with its 95% Wilson interval and p99 latency (logarithmic) with its
//! 95% order-statistic interval, as the verdict measures them ([`crate::verdict::sweeps`]). The
//! value whose configuration won among the sweep's is shaded in both panels; with no difference
//! beyond the noise, none is.
//!
//! Each value's point and whiskers are hand-drawn in the overlay, a
//! `<g class="sweep-point" data-panel="errors|p99" data-value="…">` with its figures in a
//! `<title>`; the winner's band is `<g class="sweep-winner" data-value="…">`.

use super::axis::{axis, count_axis_max, count_ticks, fmt_log_us, log_ticks, mesh};
use super::draw::FONT;
use super::legend::{legend_height, LegendItem, Mark};
use super::overlay::Overlay;
use super::svg::svg_with_overlay;
use crate::gate::metrics::Measured;
use crate::gate::quantity::Unit;
use crate::report::page::esc;
use crate::report::palette::{client_color, css};
use crate::verdict::{Point, SweepVerdict};
use plotters::prelude::*;

const PANEL: u32 = 250;
const WINNER: RGBColor = RGBColor(26, 127, 55);
const JOIN: RGBColor = RGBColor(175, 175, 175);
/// Half the width of a whisker's caps, and the point's radius, in pixels.
const CAP: i32 = 7;
const DOT: i32 = 5;

/// Which panel a figure is drawn in.
#[derive(Clone, Copy, PartialEq)]
enum Panel {
    Errors,
    P99,
}

impl Panel {
    fn id(self) -> &'static str {
        match self {
            Panel::Errors => "errors",
            Panel::P99 => "p99",
        }
    }

    fn measured<'p>(self, p: &'p Point) -> &'p Measured {
        match self {
            Panel::Errors => &p.errors,
            Panel::P99 => &p.p99,
        }
    }

    /// Where the point sits on the panel's axis (percent, or log10 of µs), its interval's ends,
    /// and its tooltip. A p99 from too few latencies for an interval is the result's own p99,
    /// drawn hollow, without whiskers.
    fn place(self, p: &Point) -> (f64, Option<(f64, f64)>, String) {
        let m = self.measured(p);
        let interval = m.usable_interval();
        let (unit, name) = match self {
            Panel::Errors => (Unit::Ratio, "error rate"),
            Panel::P99 => (Unit::Us, "p99"),
        };
        let value =
            if m.insufficient.is_some() && self == Panel::P99 { p.client.total.latency.p99_us as f64 } else { m.value };
        let title = match (&m.insufficient, interval) {
            (Some(_), _) => format!(
                "{} ({}): {name} {} — too few ({}) for a 95% interval",
                p.client.name,
                p.value,
                unit.format(value),
                m.samples
            ),
            (None, Some(i)) => format!(
                "{} ({}): {name} {} (95% {}–{}), from {}",
                p.client.name,
                p.value,
                unit.format(value),
                unit.format(i.lo),
                unit.format(i.hi),
                m.samples
            ),
            (None, None) => format!("{} ({}): {name} {}", p.client.name, p.value, unit.format(value)),
        };
        let y = |v: f64| match self {
            Panel::Errors => v * 100.0,
            Panel::P99 => v.max(1.0).log10(),
        };
        (y(value), interval.map(|i| (y(i.lo), y(i.hi))), title)
    }
}

/// The figure of one sweep: errors and p99 against the knob's values.
pub fn sweep(id: &str, sweep: &SweepVerdict) -> String {
    let n = sweep.points.len();
    let words: Vec<String> = sweep.points.iter().map(|p| p.value.to_string()).collect();
    let winner = sweep.winner().map(|w| w.value.to_string());
    let whisker = "<line x1=\"0\" y1=\"-8\" x2=\"0\" y2=\"8\" stroke=\"#555\" stroke-width=\"2\"/>\
                   <line x1=\"-5\" y1=\"-8\" x2=\"5\" y2=\"-8\" stroke=\"#555\" stroke-width=\"2\"/>\
                   <line x1=\"-5\" y1=\"8\" x2=\"5\" y2=\"8\" stroke=\"#555\" stroke-width=\"2\"/>\
                   <circle r=\"4\" fill=\"#555\"/>";
    let mut legend = vec![LegendItem::new(
        "each value's configuration, with its 95% interval",
        RGBColor(85, 85, 85),
        Mark::Glyph(whisker.to_string()),
    )];
    if winner.is_some() {
        legend.push(LegendItem::new("the winner, beyond the noise", WINNER, Mark::Box));
    }
    let errors_max = count_axis_max(
        sweep
            .points
            .iter()
            .map(|p| Panel::Errors.place(p))
            .map(|(v, i, _)| i.map_or(v, |(_, hi)| hi))
            .fold(1.0, f64::max),
    );
    let (lo, hi) = sweep.points.iter().map(|p| Panel::P99.place(p)).fold((f64::MAX, 0f64), |(lo, hi), (v, i, _)| {
        let (a, b) = i.unwrap_or((v, v));
        (lo.min(a), hi.max(b))
    });
    let (p99_lo, p99_hi, p99_ticks) = log_ticks(10f64.powf(lo.min(hi)), 10f64.powf(hi));
    let height = 2 * PANEL + 20 + legend_height(&legend);
    let label = format!("{} of {}: error rate and p99 at each value", sweep.sweep.knob, sweep.sweep.client);
    svg_with_overlay(id, &label, height, &legend, |area, overlay| {
        let (top, bottom) = area.split_vertically(PANEL);
        let x_range = -0.5..n as f64 - 0.5;
        let x_ticks: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let x_fmt = |x: &f64| words.get(x.round().max(0.0) as usize).cloned().unwrap_or_default();
        let x_desc = sweep.sweep.knob.as_str();
        for (panel, area) in [(Panel::Errors, &top), (Panel::P99, &bottom)] {
            let (y_range, y_ticks, y_desc, caption) = match panel {
                Panel::Errors => (0.0..errors_max, count_ticks(errors_max), "error rate (%)", "error rate"),
                Panel::P99 => (p99_lo..p99_hi, p99_ticks.clone(), "p99 latency (log scale)", "p99 latency"),
            };
            let mut chart = ChartBuilder::on(area)
                .margin(8)
                .margin_right(30)
                .caption(caption, (FONT, 17))
                .x_label_area_size(44)
                .y_label_area_size(80)
                .build_cartesian_2d(axis(x_range.clone(), x_ticks.clone()), axis(y_range.clone(), y_ticks))?;
            if let Some(best) = sweep.points.iter().position(|p| Some(p.value.to_string()) == winner) {
                let x = best as f64;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.4, y_range.start), (x + 0.4, y_range.end)],
                    WINNER.mix(0.12).filled(),
                )))?;
            }
            let y_fmt = |y: &f64| match panel {
                Panel::Errors => format!("{}%", trim(*y)),
                Panel::P99 => fmt_log_us(y),
            };
            mesh(&mut chart, x_desc, y_desc, &x_fmt, &y_fmt)?;
            let line: Vec<(f64, f64)> =
                sweep.points.iter().enumerate().map(|(i, p)| (i as f64, panel.place(p).0)).collect();
            chart.draw_series(LineSeries::new(line, JOIN.stroke_width(1)))?;
            let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
            for (i, p) in sweep.points.iter().enumerate() {
                point(overlay, panel, p, &px(i as f64, panel.place(p).0), &|y| px(i as f64, y).1);
            }
            if let Some(best) = sweep.points.iter().position(|p| Some(p.value.to_string()) == winner) {
                let (x, y) = px(best as f64, y_range.end);
                overlay.push(&format!(
                    "<g class=\"sweep-winner\" data-value=\"{}\"><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" \
                     font-family=\"{FONT}\" font-size=\"14\" font-weight=\"600\" fill=\"{}\">winner</text></g>",
                    esc(&words[best]),
                    y + 16,
                    css(WINNER)
                ));
            }
        }
        Ok(())
    })
}

/// One value's point and whiskers, at pixel `at`, `y_px` mapping the panel's axis to pixels.
fn point(overlay: &mut Overlay, panel: Panel, p: &Point, at: &(i32, i32), y_px: &dyn Fn(f64) -> i32) {
    let (_, interval, title) = panel.place(p);
    let color = css(client_color(p.index));
    let (x, y) = *at;
    let mut g = format!(
        "<g class=\"sweep-point\" data-panel=\"{}\" data-value=\"{}\"><title>{}</title>",
        panel.id(),
        esc(p.value),
        esc(&title)
    );
    if let Some((lo, hi)) = interval {
        let (top, bottom) = (y_px(hi), y_px(lo));
        g.push_str(&format!(
            "<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{bottom}\" stroke=\"{color}\" stroke-width=\"2\"/>\
             <line x1=\"{}\" y1=\"{top}\" x2=\"{}\" y2=\"{top}\" stroke=\"{color}\" stroke-width=\"2\"/>\
             <line x1=\"{}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"{color}\" stroke-width=\"2\"/>",
            x - CAP,
            x + CAP,
            x - CAP,
            x + CAP
        ));
        g.push_str(&format!("<circle cx=\"{x}\" cy=\"{y}\" r=\"{DOT}\" fill=\"{color}\"/>"));
    } else {
        g.push_str(&format!(
            "<circle cx=\"{x}\" cy=\"{y}\" r=\"{DOT}\" fill=\"white\" stroke=\"{color}\" stroke-width=\"2\"/>"
        ));
    }
    g.push_str("</g>");
    overlay.push(&g);
}

/// A percentage tick without trailing zeros: `0`, `2.5`, `40`.
fn trim(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}
