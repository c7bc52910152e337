//! Fault windows on the charts over time: a labelled strip above the plot with a bar over each window,
//! and a faint shade over the plot behind the grid (left out for a window that spans the whole axis).

use super::draw::{Area, DrawResult, F64Axis, FONT};
use crate::result::{FaultWindows, Window};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const FAULT_ROW: u32 = 30;

/// Fault windows, by fault index.
const FAULT_COLORS: [RGBColor; 4] =
    [RGBColor(120, 120, 120), RGBColor(166, 118, 29), RGBColor(117, 112, 179), RGBColor(102, 166, 30)];

/// The height of the fault strip above a timeline chart.
pub(super) fn fault_strip_height(faults: &[FaultWindows]) -> u32 {
    if faults.is_empty() {
        0
    } else {
        faults.len() as u32 * FAULT_ROW + 6
    }
}

/// Splits `area` into the fault strip and the chart area below it.
pub(super) fn with_fault_strip<'a>(area: &Area<'a>, faults: &[FaultWindows]) -> (Area<'a>, Area<'a>) {
    area.split_vertically(fault_strip_height(faults))
}

fn fault_label(f: &FaultWindows, whole_run: bool) -> String {
    let p =
        if f.probability < 1.0 { format!(", p={}%", (f.probability * 1000.0).round() / 10.0) } else { String::new() };
    let whole = if whole_run { " — active the whole run" } else { "" };
    format!("fault: {} ({}{p}){whole}", f.kind, f.layer)
}

/// The part of a window inside `0..x_end` in seconds, if any.
fn window_span(w: &Window, x_end: f64) -> Option<(f64, f64)> {
    let (x0, x1) = (w.start_ms as f64 / 1000.0, (w.end_ms as f64 / 1000.0).min(x_end));
    (x0 < x_end && x0 < x1).then_some((x0, x1))
}

/// Whether a window covers the whole time axis: shading it would tell nothing about time and only
/// grey out the chart, so it gets its bar and label in the strip alone.
fn covers_all((x0, x1): (f64, f64), x_end: f64) -> bool {
    x0 <= 0.0 && x1 >= x_end
}

/// Faint enough that gridlines and thin lines stay readable through a shaded window.
const SHADE_ALPHA: f64 = 0.09;

/// Faults as a chart shows them: each with its index in the result (its colour), in strip order.
type Shown<'a> = [(usize, &'a FaultWindows)];

fn all(faults: &[FaultWindows]) -> Vec<(usize, &FaultWindows)> {
    faults.iter().enumerate().collect()
}

/// Each shown fault with its row in the strip, its colour and its windows' spans inside `0..x_end`.
fn fault_spans<'a>(
    faults: &'a Shown<'a>,
    x_end: f64,
) -> impl Iterator<Item = (usize, RGBColor, &'a FaultWindows, Vec<(f64, f64)>)> + 'a {
    faults.iter().enumerate().map(move |(row, &(i, f))| {
        let spans = f.windows.iter().filter_map(|w| window_span(w, x_end)).collect();
        (row, FAULT_COLORS[i % FAULT_COLORS.len()], f, spans)
    })
}

/// Shades fault windows over a plot. Call it before the mesh so gridlines are drawn over the shade.
pub(super) fn shade_windows<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    faults: &[FaultWindows],
    x_end: f64,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult {
    shade_shown(chart, &all(faults), x_end, (y_lo, y_hi))
}

fn shade_shown<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    faults: &Shown,
    x_end: f64,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult {
    for (_, color, _, spans) in fault_spans(faults, x_end) {
        for span @ (x0, x1) in spans {
            if !covers_all(span, x_end) {
                let band = Rectangle::new([(x0, y_lo), (x1, y_hi)], color.mix(SHADE_ALPHA).filled());
                chart.draw_series(std::iter::once(band))?;
            }
        }
    }
    Ok(())
}

/// Shades each fault window over the plot and labels it in the strip above, with a bar over its span.
/// Call it before the mesh (see [`shade_windows`]).
pub(super) fn draw_faults<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    strip: &Area,
    faults: &[FaultWindows],
    x_end: f64,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult {
    draw_shown(chart, strip, &all(faults), x_end, (y_lo, y_hi))
}

/// Fault `index` of `faults` alone, as [`draw_faults`] draws every fault (in its own colour, in a
/// strip of one row: see [`one_fault`]).
pub(super) fn draw_fault<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    strip: &Area,
    faults: &[FaultWindows],
    index: usize,
    x_end: f64,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult {
    draw_shown(chart, strip, &only(faults, index), x_end, (y_lo, y_hi))
}

/// Shades fault `index`'s windows alone (a lower panel under [`draw_fault`]'s).
pub(super) fn shade_fault<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    faults: &[FaultWindows],
    index: usize,
    x_end: f64,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult {
    shade_shown(chart, &only(faults, index), x_end, (y_lo, y_hi))
}

fn only(faults: &[FaultWindows], index: usize) -> Vec<(usize, &FaultWindows)> {
    faults.get(index).map(|f| (index, f)).into_iter().collect()
}

/// Fault `index` of `faults` as a slice of its own, for [`fault_strip_height`] and [`with_fault_strip`].
pub(super) fn one_fault(faults: &[FaultWindows], index: usize) -> &[FaultWindows] {
    faults.get(index..=index).unwrap_or_default()
}

fn draw_shown<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    strip: &Area,
    faults: &Shown,
    x_end: f64,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult {
    shade_shown(chart, faults, x_end, (y_lo, y_hi))?;
    let strip_top = strip.get_base_pixel().1;
    for (i, color, fault, spans) in fault_spans(faults, x_end) {
        let y = strip_top + (i as u32 * FAULT_ROW) as i32 + FAULT_ROW as i32 / 2;
        let mut labelled = false;
        for span @ (x0, x1) in spans {
            let (px0, _) = chart.backend_coord(&(x0, y_lo));
            let (px1, _) = chart.backend_coord(&(x1, y_lo));
            let base = strip.get_base_pixel();
            let local = |x: i32, y: i32| (x - base.0, y - base.1);
            strip.draw(&Rectangle::new([local(px0, y + 5), local(px1.max(px0 + 2), y + 11)], color.filled()))?;
            if !labelled {
                let font = (FONT, 15).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
                strip.draw(&Text::new(fault_label(fault, covers_all(span, x_end)), local(px0, y - 5), font))?;
                labelled = true;
            }
        }
    }
    Ok(())
}
