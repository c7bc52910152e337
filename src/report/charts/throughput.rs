//! Throughput and errors over time, per client configuration: completed requests per second, under it
//! errors per second stacked by kind on an axis of their own, and under that the configuration's
//! event markers. Throughput panels share one scale, error panels another.
//!
//! Errors get their own axis because on the throughput's they vanish: one error a second against
//! 100 requests a second is a 1% sliver. Their axis starts at 0 and ends just above the most errors
//! any configuration had in a second, and a second with any error is drawn at least
//! [`MIN_ERROR_PX`] tall, so a single error shows even beside a configuration failing thousands.
//! Each second's bar is hand-drawn in the overlay with its counts by kind in a `<title>`.

use super::axis::{axis, count_axis_max, mesh};
use super::draw::{draw_line, FONT};
use super::faults::{draw_faults, fault_strip_height, shade_windows, with_fault_strip};
use super::legend::{clients_legend, legend_height, LegendItem, Mark};
use super::markers::Markers;
use super::overlay::Overlay;
use super::svg::svg_with_overlay;
use super::time::{fmt_seconds, run_seconds, time_ticks};
use crate::report::page::esc;
use crate::report::palette::{client_color, css};
use crate::result::{ClientResult, RunResult};
use plotters::prelude::*;
use std::collections::BTreeSet;

/// Error kinds in the throughput chart, by their sorted position among the kinds seen.
const ERROR_COLORS: [RGBColor; 6] = [
    RGBColor(178, 24, 43),
    RGBColor(118, 42, 131),
    RGBColor(110, 110, 110),
    RGBColor(140, 81, 10),
    RGBColor(197, 27, 125),
    RGBColor(1, 102, 94),
];

/// The least height of a second's error bar, in pixels: any error at all stays visible.
pub const MIN_ERROR_PX: i32 = 3;

const THROUGHPUT_PANEL: u32 = 190;
const ERRORS_PANEL: u32 = 125;

fn errors_in(s: &crate::result::SecondResult) -> u64 {
    s.errors.values().fold(0u64, |sum, n| sum.saturating_add(*n))
}

/// Completed requests per second, errors per second stacked by kind and the event markers: a group
/// of panels per client configuration.
pub fn throughput(result: &RunResult) -> String {
    let x_end = run_seconds(result);
    let kinds: Vec<&String> = result
        .clients
        .iter()
        .flat_map(|c| c.timeline.iter().flat_map(|s| s.errors.keys()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let kind_color = |k: &str| ERROR_COLORS[kinds.iter().position(|x| *x == k).unwrap_or(0) % ERROR_COLORS.len()];
    let highest = |f: fn(&crate::result::SecondResult) -> u64| {
        result.clients.iter().flat_map(|c| c.timeline.iter().map(f)).max().unwrap_or(0)
    };
    let y_max = count_axis_max(highest(|s| s.completed) as f64);
    let errors_max = count_axis_max(highest(errors_in) as f64);
    let markers = Markers::of(result, x_end);
    let mut legend = clients_legend(result, Mark::Line);
    legend.extend(kinds.iter().map(|k| LegendItem::new(format!("error: {k}"), kind_color(k), Mark::Box)));
    legend.extend(markers.legend());
    let group = THROUGHPUT_PANEL + ERRORS_PANEL + markers.strip_height(false);
    let groups = result.clients.len().max(1) as u32;
    let height = group * groups + 30 + legend_height(&legend) + fault_strip_height(&result.faults);
    svg_with_overlay("chart-throughput", "throughput and errors over time", height, &legend, |area, overlay| {
        let (strip, mut rest) = with_fault_strip(area, &result.faults);
        for (i, c) in result.clients.iter().enumerate() {
            let last = i + 1 == result.clients.len();
            let (throughput_area, below) = rest.split_vertically(THROUGHPUT_PANEL);
            let (errors_area, below) = below.split_vertically(ERRORS_PANEL + if last { 20 } else { 0 });
            let (markers_area, below) = below.split_vertically(markers.strip_height(false));
            rest = below;
            let mut chart = ChartBuilder::on(&throughput_area)
                .margin(8)
                .margin_right(30)
                .caption(&c.name, (FONT, 17).into_font().color(&client_color(i)))
                .x_label_area_size(0)
                .y_label_area_size(80)
                .build_cartesian_2d(0f64..x_end, 0f64..y_max)?;
            // Shades first, so the gridlines drawn next stay visible through them.
            if i == 0 {
                draw_faults(&mut chart, &strip, &result.faults, x_end, (0.0, y_max))?;
            } else {
                shade_windows(&mut chart, &result.faults, x_end, (0.0, y_max))?;
            }
            chart
                .configure_mesh()
                .y_desc("requests / s")
                .x_labels(time_ticks(x_end).len())
                .y_labels(5)
                .y_label_formatter(&|y| format!("{y:.0}"))
                .bold_line_style(RGBColor(225, 225, 225))
                .light_line_style(RGBColor(248, 248, 248))
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()?;
            let line: Vec<(f64, f64)> = c.timeline.iter().map(|s| (s.t_s as f64 + 0.5, s.completed as f64)).collect();
            draw_line(&mut chart, line, client_color(i), false)?;

            let mut errors = ChartBuilder::on(&errors_area)
                .margin(8)
                .margin_top(12)
                .margin_right(30)
                .x_label_area_size(if last { 44 } else { 22 })
                .y_label_area_size(80)
                .build_cartesian_2d(axis(0f64..x_end, time_ticks(x_end)), axis(0f64..errors_max, sparse(errors_max)))?;
            shade_windows(&mut errors, &result.faults, x_end, (0.0, errors_max))?;
            let x_desc = if last { "time since the configuration's run started (s), by completion" } else { "" };
            mesh(&mut errors, x_desc, "errors / s", &fmt_seconds, &|y| format!("{y:.0}"))?;
            let px = |x: f64, y: f64| errors.backend_coord(&(x, y));
            error_bars(overlay, c, errors_max, &px, &kind_color);
            let x_px = |x: f64| px(x, 0.0).0;
            markers.draw_strip(overlay, i, markers_area.get_base_pixel().1, false, x_end, &x_px);
        }
        Ok(())
    })
}

/// Ticks for the small errors axis: its ends, and its middle when that is a whole count.
fn sparse(max: f64) -> Vec<f64> {
    let middle = max / 2.0;
    if middle.fract() == 0.0 && middle > 0.0 {
        vec![0.0, middle, max]
    } else {
        vec![0.0, max]
    }
}

/// A bar per second with errors, stacked by kind, at least [`MIN_ERROR_PX`] tall, on the errors
/// axis `0..y_max` that `px` maps to pixels.
fn error_bars(
    overlay: &mut Overlay,
    c: &ClientResult,
    y_max: f64,
    px: &dyn Fn(f64, f64) -> (i32, i32),
    color: &dyn Fn(&str) -> RGBColor,
) {
    let (bottom, top) = (px(0.0, 0.0).1, px(0.0, y_max).1);
    for s in &c.timeline {
        let total = errors_in(s);
        if total == 0 {
            continue;
        }
        let t = s.t_s as f64;
        let (x0, x1) = (px(t + 0.1, 0.0).0, px(t + 0.9, 0.0).0);
        let tall = (((bottom - top) as f64 * total as f64 / y_max).round() as i32).clamp(MIN_ERROR_PX, bottom - top);
        let kinds: Vec<String> = s.errors.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let mut bar = format!(
            "<g class=\"error-bar\" data-t=\"{}\" data-errors=\"{total}\"><title>{}: {total} error{} in {}–{} s: {}</title>",
            s.t_s,
            esc(&c.name),
            if total == 1 { "" } else { "s" },
            s.t_s,
            s.t_s.saturating_add(1),
            esc(&kinds.join(", "))
        );
        // Each kind's share of the bar, stacked from the bottom in the kinds' order.
        let mut below = 0u64;
        for (k, n) in &s.errors {
            let y_of = |count: u64| bottom - (tall as f64 * count as f64 / total as f64).round() as i32;
            let (lo, hi) = (y_of(below), y_of(below.saturating_add(*n)));
            below = below.saturating_add(*n);
            if lo > hi {
                bar.push_str(&format!(
                    "<rect x=\"{x0}\" y=\"{hi}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                    (x1 - x0).max(1),
                    lo - hi,
                    css(color(k))
                ));
            }
        }
        bar.push_str("</g>");
        overlay.push(&bar);
    }
}
