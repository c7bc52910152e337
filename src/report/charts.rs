//! The report's charts: plotters drawing into inline SVG strings, one colour per client configuration.
//!
//! Every chart keeps its legend in a strip above the plot (never over data) and fault windows in a
//! labelled strip of their own; text in SVG is escaped by plotters' SVG backend. Latency axes are
//! logarithmic with 1-2-5 (or 1-3) ticks formatted by `summary::fmt_us`.

pub use super::palette::{client_color, css};
use crate::record::Hist;
use crate::result::{FaultWindows, RunResult, SecondResult};
use crate::summary::fmt_us;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeSet;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Width of every chart in SVG pixels (the page scales them down to fit).
pub const WIDTH: u32 = 1100;
const FONT: &str = "sans-serif";
const LEGEND_ROW: u32 = 22;
const FAULT_ROW: u32 = 30;
const MARGIN_LEFT: i32 = 16;

/// Error kinds in the throughput chart, by their sorted position among the kinds seen.
const ERROR_COLORS: [RGBColor; 6] = [
    RGBColor(178, 24, 43),
    RGBColor(118, 42, 131),
    RGBColor(110, 110, 110),
    RGBColor(140, 81, 10),
    RGBColor(197, 27, 125),
    RGBColor(1, 102, 94),
];

/// Fault windows, by fault index.
const FAULT_COLORS: [RGBColor; 4] =
    [RGBColor(120, 120, 120), RGBColor(166, 118, 29), RGBColor(117, 112, 179), RGBColor(102, 166, 30)];

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Line,
    Dashed,
    Box,
}

struct LegendItem {
    label: String,
    color: RGBColor,
    mark: Mark,
}

impl LegendItem {
    fn new(label: impl Into<String>, color: RGBColor, mark: Mark) -> LegendItem {
        LegendItem { label: label.into(), color, mark }
    }
}

/// One legend entry per series, coloured by its index.
fn series_legend<'a>(names: impl IntoIterator<Item = &'a str>, mark: Mark) -> Vec<LegendItem> {
    names.into_iter().enumerate().map(|(i, name)| LegendItem::new(name, client_color(i), mark)).collect()
}

fn clients_legend(result: &RunResult, mark: Mark) -> Vec<LegendItem> {
    series_legend(result.clients.iter().map(|c| c.name.as_str()), mark)
}

/// A generous estimate of a label's width at font size 16 (13 px), so legend entries never run into each other.
fn text_width(s: &str) -> i32 {
    (s.chars().count() as f64 * 7.4).ceil() as i32
}

/// Positions (row, x) of each legend item, wrapping at the chart's width.
fn legend_layout(items: &[LegendItem]) -> (Vec<(u32, i32)>, u32) {
    let mut out = Vec::with_capacity(items.len());
    let (mut row, mut x) = (0u32, MARGIN_LEFT);
    for item in items {
        let w = 30 + text_width(&item.label) + 22;
        if x > MARGIN_LEFT && x + w > WIDTH as i32 - MARGIN_LEFT {
            row += 1;
            x = MARGIN_LEFT;
        }
        out.push((row, x));
        x += w;
    }
    let rows = if items.is_empty() { 0 } else { row + 1 };
    (out, rows)
}

fn legend_height(items: &[LegendItem]) -> u32 {
    legend_layout(items).1 * LEGEND_ROW + 6
}

fn draw_legend(area: &Area, items: &[LegendItem], top: i32) -> DrawResult {
    let (places, _) = legend_layout(items);
    for (item, (row, x)) in items.iter().zip(places) {
        let y = top + (row * LEGEND_ROW) as i32 + LEGEND_ROW as i32 / 2;
        let style = item.color.stroke_width(3);
        match item.mark {
            Mark::Line => area.draw(&PathElement::new(vec![(x, y), (x + 24, y)], style))?,
            Mark::Dashed => {
                for dx in [0, 10, 20] {
                    area.draw(&PathElement::new(vec![(x + dx, y), (x + dx + 5, y)], style))?;
                }
            }
            Mark::Box => area.draw(&Rectangle::new([(x, y - 6), (x + 24, y + 6)], item.color.mix(0.7).filled()))?,
        }
        let font = (FONT, 16).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(item.label.clone(), (x + 30, y), font))?;
    }
    Ok(())
}

/// Renders one chart into an SVG string with `id`, a legend strip on top and `draw` below it.
fn svg(id: &str, label: &str, height: u32, legend: &[LegendItem], draw: impl FnOnce(&Area) -> DrawResult) -> String {
    let mut buf = String::new();
    let drawn = (|| -> DrawResult {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let lh = legend_height(legend);
        draw_legend(&root, legend, 4)?;
        let (_, body) = root.split_vertically(lh);
        draw(&body)?;
        root.present()?;
        Ok(())
    })();
    if let Err(e) = drawn {
        return format!("<p class=\"warn\">chart {id} could not be drawn: {}</p>", super::page::esc(&e.to_string()));
    }
    // Inline SVG in HTML needs no namespace: dropping it keeps the page free of any URL.
    let attrs = format!("<svg id=\"{id}\" role=\"img\" aria-label=\"{}\" ", super::page::esc(label));
    buf.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1).replacen("<svg ", &attrs, 1)
}

/// The nearest value of the 1-2-5 series (1, 2, 5, 10, 20…) at or above `v` (`up`), or at or below it.
fn snap_125(v: f64, up: bool) -> f64 {
    let decade = 10f64.powf(v.log10().floor());
    let steps = [1.0, 2.0, 5.0, 10.0].map(|m| m * decade);
    let found = if up {
        steps.iter().find(|s| **s >= v * (1.0 - 1e-9))
    } else {
        steps.iter().rev().find(|s| **s <= v * (1.0 + 1e-9))
    };
    found.copied().unwrap_or(v)
}

/// Log-scale axis bounds and ticks (as log10 of µs) around `lo_us..=hi_us`. The bounds are the 1-2-5
/// values beyond the data with room to spare, so a line at the maximum (a 6 s gateway timeout
/// plateau) is drawn clearly below the frame, never on it. Ticks: 1-2-5 over up to two decades, 1-3
/// over up to four, decades beyond; at least two.
pub fn log_ticks(lo_us: f64, hi_us: f64) -> (f64, f64, Vec<f64>) {
    let (lo_us, hi_us) = (lo_us.max(1.0), hi_us.max(lo_us).max(1.0));
    // Room on each side: 4% of the data's span in decades (at least 10%), so a line at the edge of the
    // data is always a few pixels inside the frame however many decades the axis covers.
    let pad = 10f64.powf((0.04 * (hi_us / lo_us).log10()).max(1.1f64.log10()));
    let mut lo = snap_125((lo_us / pad).max(1.0), false);
    let mut hi = snap_125(hi_us * pad, true);
    loop {
        let span = hi / lo;
        let mults: &[f64] = if span <= 100.0 {
            &[1.0, 2.0, 5.0]
        } else if span <= 10_000.0 {
            &[1.0, 3.0]
        } else {
            &[1.0]
        };
        let ticks: Vec<f64> = (0..=10)
            .flat_map(|d| mults.iter().map(move |m| m * 10f64.powi(d)))
            .filter(|v| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9))
            .map(f64::log10)
            .collect();
        if ticks.len() >= 2 {
            return (lo.log10(), hi.log10(), ticks);
        }
        lo = snap_125((lo / 1.5).max(1.0), false);
        hi = snap_125(hi * 1.5, true);
    }
}

/// A duration tick label without trailing zeros: `1µs`, `3ms`, `100ms`, `1.5s`, `10s`.
fn fmt_tick_us(us: u64) -> String {
    let text = fmt_us(us);
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number = if number.contains('.') { number.trim_end_matches('0').trim_end_matches('.') } else { number };
    format!("{number}{unit}")
}

fn fmt_log_us(y: &f64) -> String {
    fmt_tick_us(10f64.powf(*y).round() as u64)
}

/// `x = log10(1/(1−q))` as a percentile label: 0.301 → 50%, 2 → 99%, 3 → 99.9%.
fn fmt_percentile(x: &f64) -> String {
    let pct = (1.0 - 10f64.powf(-x)) * 100.0;
    let decimals = (x.round() as i64 - 2).max(0) as usize;
    format!("{pct:.decimals$}%")
}

/// One line of a percentile spectrum.
pub struct SpectrumLine {
    /// Which series it belongs to: its colour and legend entry (a client configuration in a report, a
    /// run in a comparison).
    pub series: usize,
    pub hist: Hist,
    pub dashed: bool,
}

/// Percentile spectrum: value against a logarithmic 1/(1−q) axis (as HdrHistogram plots it).
/// `names` label the series by index; `styles` explains what solid and dashed lines stand for, when
/// both are used.
pub fn spectrum(
    id: &str,
    label: &str,
    y_desc: &str,
    names: &[&str],
    lines: &[SpectrumLine],
    styles: &[(&str, bool)],
) -> String {
    let lines: Vec<&SpectrumLine> = lines.iter().filter(|l| !l.hist.is_empty()).collect();
    let max_count = lines.iter().map(|l| l.hist.len()).max().unwrap_or(1) as f64;
    let x_max = max_count.log10().ceil().clamp(2.0, 5.0);
    let lo = lines.iter().map(|l| l.hist.inner().min()).min().unwrap_or(1) as f64;
    let hi = lines.iter().map(|l| l.hist.inner().max()).max().unwrap_or(1_000) as f64;
    let (y_lo, y_hi, y_ticks) = log_ticks(lo, hi);
    let x_ticks: Vec<f64> = std::iter::once(2f64.log10()).chain((1..=x_max as i32).map(f64::from)).collect();
    let mut legend = series_legend(names.iter().copied(), Mark::Line);
    legend.extend(
        styles.iter().map(|(s, dashed)| {
            LegendItem::new(*s, RGBColor(90, 90, 90), if *dashed { Mark::Dashed } else { Mark::Line })
        }),
    );
    svg(id, label, 440 + legend_height(&legend), &legend, |area| {
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .margin_right(30)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(axis(0f64..x_max, x_ticks), axis(y_lo..y_hi, y_ticks))?;
        mesh(&mut chart, "percentile (logarithmic in 1/(1−q))", y_desc, &fmt_percentile, &fmt_log_us)?;
        let steps = 400;
        // Dashed lines last, so a service time equal to its latency still shows.
        for line in lines.iter().filter(|l| !l.dashed).chain(lines.iter().filter(|l| l.dashed)) {
            let points: Vec<(f64, f64)> = (0..=steps)
                .map(|i| {
                    let x = x_max * i as f64 / steps as f64;
                    let q = (1.0 - 10f64.powf(-x)).min(1.0);
                    (x, (line.hist.quantile_us(q).max(1) as f64).log10())
                })
                .collect();
            draw_line(&mut chart, points, client_color(line.series), line.dashed)?;
        }
        Ok(())
    })
}

type KeyChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// A linear f64 axis whose grid lines and labels sit exactly on the given ticks.
#[derive(Clone)]
struct Axis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

fn axis(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Axis {
    Axis { inner: range.into(), ticks }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

fn mesh(
    chart: &mut KeyChart,
    x_desc: &str,
    y_desc: &str,
    x_fmt: &dyn Fn(&f64) -> String,
    y_fmt: &dyn Fn(&f64) -> String,
) -> DrawResult {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(12)
        .y_labels(12)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(RGBColor(245, 245, 245))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()?;
    Ok(())
}

/// Any f64 axis a chart here draws on (plotters' own, or [`Axis`] with chosen ticks).
trait F64Axis: Ranged<ValueType = f64> {}
impl<T: Ranged<ValueType = f64>> F64Axis for T {}

fn draw_line<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    dashed: bool,
) -> DrawResult {
    if dashed {
        chart.draw_series(DashedLineSeries::new(points, 7, 5, color.stroke_width(2)))?;
    } else {
        chart.draw_series(LineSeries::new(points, color.stroke_width(2)))?;
    }
    Ok(())
}

/// Seconds covered by the timelines (at least 1).
fn run_seconds(result: &RunResult) -> f64 {
    seconds_covered(&TimeSeries::of_clients(result))
}

fn seconds_covered(series: &[TimeSeries]) -> f64 {
    series.iter().map(|s| (s.seconds.len() as f64).max(s.duration_ms as f64 / 1000.0)).fold(1.0, f64::max).ceil()
}

/// One line (or p50/p99 pair) of a chart over time: a configuration's per-second timeline in one run.
pub struct TimeSeries<'a> {
    pub name: &'a str,
    pub seconds: &'a [SecondResult],
    /// How long the configuration's run took, so the time axis covers it all.
    pub duration_ms: u64,
}

impl TimeSeries<'_> {
    pub fn of_clients(result: &RunResult) -> Vec<TimeSeries<'_>> {
        result
            .clients
            .iter()
            .map(|c| TimeSeries { name: &c.name, seconds: &c.timeline, duration_ms: c.duration_ms })
            .collect()
    }
}

/// The height of the fault strip above a timeline chart.
fn fault_strip_height(faults: &[FaultWindows]) -> u32 {
    if faults.is_empty() {
        0
    } else {
        faults.len() as u32 * FAULT_ROW + 6
    }
}

/// Splits `area` into the fault strip and the chart area below it.
fn with_fault_strip<'a>(area: &Area<'a>, faults: &[FaultWindows]) -> (Area<'a>, Area<'a>) {
    area.split_vertically(fault_strip_height(faults))
}

fn fault_label(f: &FaultWindows, whole_run: bool) -> String {
    let p =
        if f.probability < 1.0 { format!(", p={}%", (f.probability * 1000.0).round() / 10.0) } else { String::new() };
    let whole = if whole_run { " — active the whole run" } else { "" };
    format!("fault: {} ({}{p}){whole}", f.kind, f.layer)
}

/// The part of a window inside `0..x_end` in seconds, if any.
fn window_span(w: &crate::result::Window, x_end: f64) -> Option<(f64, f64)> {
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

/// Each fault with its index, its colour and its windows' spans inside `0..x_end`.
fn fault_spans(
    faults: &[FaultWindows],
    x_end: f64,
) -> impl Iterator<Item = (usize, RGBColor, &FaultWindows, Vec<(f64, f64)>)> {
    faults.iter().enumerate().map(move |(i, f)| {
        let spans = f.windows.iter().filter_map(|w| window_span(w, x_end)).collect();
        (i, FAULT_COLORS[i % FAULT_COLORS.len()], f, spans)
    })
}

/// Shades fault windows over a plot. Call it before the mesh so gridlines are drawn over the shade.
fn shade_windows<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    faults: &[FaultWindows],
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
fn draw_faults<X: F64Axis, Y: F64Axis>(
    chart: &mut ChartContext<SVGBackend, Cartesian2d<X, Y>>,
    strip: &Area,
    faults: &[FaultWindows],
    x_end: f64,
    (y_lo, y_hi): (f64, f64),
) -> DrawResult {
    shade_windows(chart, faults, x_end, (y_lo, y_hi))?;
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

/// p50 and p99 latency per second, with fault windows shaded and labelled.
pub fn latency_over_time(result: &RunResult) -> String {
    let series = TimeSeries::of_clients(result);
    latencies_over_time("chart-latency-time", "latency over time", &series, &result.faults, Dashes::P50)
}

/// What dashed lines stand for in [`latencies_over_time`].
#[derive(Clone, Copy, PartialEq)]
pub enum Dashes {
    /// Each series has a solid p99 and a dashed p50 line (one run's configurations).
    P50,
    /// p99 only: the first series solid, the others dashed, so identical runs still show both lines
    /// (one configuration across runs, the first being the baseline).
    LaterSeries,
}

/// p99 latency per second (and p50, see [`Dashes`]), one colour per series, with fault windows shaded
/// and labelled.
pub fn latencies_over_time(
    id: &str,
    label: &str,
    series: &[TimeSeries],
    faults: &[FaultWindows],
    dashes: Dashes,
) -> String {
    let p50 = dashes == Dashes::P50;
    let x_end = seconds_covered(series);
    let values = series.iter().flat_map(|c| c.seconds.iter().filter(|s| s.completed > 0));
    let (lo, hi) = values.fold((u64::MAX, 0u64), |(lo, hi), s| {
        let low = if p50 { s.latency_p50_us } else { s.latency_p99_us };
        (lo.min(low.max(1)), hi.max(s.latency_p99_us).max(s.latency_p50_us))
    });
    let (lo, hi) = if hi == 0 { (1_000, 10_000) } else { (lo, hi) };
    let (y_lo, y_hi, y_ticks) = log_ticks(lo as f64, hi as f64);
    let mut legend = series_legend(series.iter().map(|s| s.name), Mark::Line);
    let grey = RGBColor(90, 90, 90);
    legend.extend(match dashes {
        Dashes::P50 => {
            [LegendItem::new("p99 (solid)", grey, Mark::Line), LegendItem::new("p50 (dashed)", grey, Mark::Dashed)]
        }
        Dashes::LaterSeries => [
            LegendItem::new("first run (solid)", grey, Mark::Line),
            LegendItem::new("later runs (dashed)", grey, Mark::Dashed),
        ],
    });
    let height = 400 + legend_height(&legend) + fault_strip_height(faults);
    svg(id, label, height, &legend, |area| {
        let (strip, plot) = with_fault_strip(area, faults);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(30)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(axis(0f64..x_end, time_ticks(x_end)), axis(y_lo..y_hi, y_ticks))?;
        draw_faults(&mut chart, &strip, faults, x_end, (y_lo, y_hi))?;
        let y_desc = if p50 { "latency (log scale)" } else { "p99 latency (log scale)" };
        mesh(
            &mut chart,
            "time since the configuration's run started (s), by completion",
            y_desc,
            &fmt_seconds,
            &fmt_log_us,
        )?;
        // (p50?, dashed?) per line; dashed lines last, so they show on top of a solid one they equal.
        let mut lines: Vec<(usize, bool, bool)> = Vec::new();
        for i in 0..series.len() {
            match dashes {
                Dashes::P50 => lines.extend([(i, false, false), (i, true, true)]),
                Dashes::LaterSeries => lines.push((i, false, i > 0)),
            }
        }
        lines.sort_by_key(|(_, _, dashed)| *dashed);
        for (i, pick_p50, dashed) in lines {
            for run in runs(series[i].seconds, |s| s.completed > 0) {
                let points: Vec<(f64, f64)> = run
                    .iter()
                    .map(|s| {
                        let v = if pick_p50 { s.latency_p50_us } else { s.latency_p99_us };
                        (s.t_s as f64 + 0.5, (v.max(1) as f64).log10())
                    })
                    .collect();
                if let [point] = points[..] {
                    // A second between two gaps is no line at all: mark it with a dot.
                    chart.draw_series(std::iter::once(Circle::new(point, 3, client_color(i).filled())))?;
                } else {
                    draw_line(&mut chart, points, client_color(i), dashed)?;
                }
            }
        }
        Ok(())
    })
}

fn fmt_seconds(x: &f64) -> String {
    format!("{x:.0}s")
}

/// Tick seconds at a readable step for a run of `x_end` seconds.
fn time_ticks(x_end: f64) -> Vec<f64> {
    let step = [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0]
        .into_iter()
        .find(|s| x_end / s <= 15.0)
        .unwrap_or(1800.0);
    (0..).map(|i| i as f64 * step).take_while(|t| *t <= x_end + 1e-9).collect()
}

fn count_ticks(max: f64) -> Vec<f64> {
    let step = [1.0, 2.0, 5.0].iter().flat_map(|m| (0..9).map(move |d| m * 10f64.powi(d))).fold(f64::MAX, |best, s| {
        if max / s <= 8.0 && s < best {
            s
        } else {
            best
        }
    });
    (0..).map(|i| i as f64 * step).take_while(|t| *t <= max + 1e-9).collect()
}

/// Round `max` up to a tick, leaving room above the data.
fn count_axis_max(max: f64) -> f64 {
    let max = (max * 1.08).max(1.0);
    let ticks = count_ticks(max);
    let step = if ticks.len() > 1 { ticks[1] - ticks[0] } else { max };
    (max / step).ceil() * step
}

/// Contiguous stretches of seconds where `keep` holds (lines break across the gaps).
fn runs<T>(items: &[T], keep: impl Fn(&T) -> bool) -> Vec<&[T]> {
    items.split(|s| !keep(s)).filter(|r| !r.is_empty()).collect()
}

/// Completed requests per second with errors stacked by kind: one panel per client configuration.
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
    let y_max = count_axis_max(
        result
            .clients
            .iter()
            .flat_map(|c| c.timeline.iter().map(|s| s.completed.max(s.errors.values().sum())))
            .max()
            .unwrap_or(1) as f64,
    );
    let mut legend = clients_legend(result, Mark::Line);
    legend.extend(kinds.iter().map(|k| LegendItem::new(format!("error: {k}"), kind_color(k), Mark::Box)));
    let panel = 200u32;
    let panels = result.clients.len().max(1) as u32;
    let height = panel * panels + 30 + legend_height(&legend) + fault_strip_height(&result.faults);
    svg("chart-throughput", "throughput and errors over time", height, &legend, |area| {
        let (strip, plots) = with_fault_strip(area, &result.faults);
        let (plots, _) = plots.split_vertically(panel * panels + 10);
        let areas = plots.split_evenly((panels as usize, 1));
        for (i, (c, panel_area)) in result.clients.iter().zip(&areas).enumerate() {
            let mut chart = ChartBuilder::on(panel_area)
                .margin(8)
                .margin_right(30)
                .caption(&c.name, (FONT, 17).into_font().color(&client_color(i)))
                .x_label_area_size(if i + 1 == areas.len() { 44 } else { 22 })
                .y_label_area_size(80)
                .build_cartesian_2d(0f64..x_end, 0f64..y_max)?;
            // Shades first, so the gridlines drawn next stay visible through them.
            if i == 0 {
                draw_faults(&mut chart, &strip, &result.faults, x_end, (0.0, y_max))?;
            } else {
                shade_windows(&mut chart, &result.faults, x_end, (0.0, y_max))?;
            }
            let x_desc =
                if i + 1 == areas.len() { "time since the configuration's run started (s), by completion" } else { "" };
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc("requests / s")
                .x_labels(time_ticks(x_end).len())
                .y_labels(5)
                .x_label_formatter(&fmt_seconds)
                .y_label_formatter(&|y| format!("{y:.0}"))
                .bold_line_style(RGBColor(225, 225, 225))
                .light_line_style(RGBColor(248, 248, 248))
                .label_style((FONT, 15))
                .axis_desc_style((FONT, 16))
                .draw()?;
            // Stacked areas: draw the highest cumulative first so each lower kind paints over it.
            let mut stacked: Vec<(&String, Vec<(f64, f64)>)> = Vec::new();
            let mut base = vec![0u64; c.timeline.len()];
            for k in &kinds {
                if c.timeline.iter().all(|s| !s.errors.contains_key(*k)) {
                    continue;
                }
                let pts = c
                    .timeline
                    .iter()
                    .zip(base.iter_mut())
                    .map(|(s, b)| {
                        *b += s.errors.get(*k).copied().unwrap_or(0);
                        (s.t_s as f64 + 0.5, *b as f64)
                    })
                    .collect();
                stacked.push((k, pts));
            }
            for (k, pts) in stacked.into_iter().rev() {
                let color = kind_color(k);
                chart.draw_series(AreaSeries::new(pts, 0.0, color.mix(0.75)).border_style(color))?;
            }
            let line: Vec<(f64, f64)> = c.timeline.iter().map(|s| (s.t_s as f64 + 0.5, s.completed as f64)).collect();
            draw_line(&mut chart, line, client_color(i), false)?;
        }
        Ok(())
    })
}

/// Connections opened per second, one line per client configuration.
pub fn connections(result: &RunResult) -> String {
    let x_end = run_seconds(result);
    let y_max = count_axis_max(
        result.clients.iter().flat_map(|c| c.timeline.iter().map(|s| s.connections_opened)).max().unwrap_or(1) as f64,
    );
    let legend = clients_legend(result, Mark::Line);
    let height = 300 + legend_height(&legend) + fault_strip_height(&result.faults);
    svg("chart-connections", "connections opened per second", height, &legend, |area| {
        let (strip, plot) = with_fault_strip(area, &result.faults);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(30)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(axis(0f64..x_end, time_ticks(x_end)), axis(0f64..y_max, count_ticks(y_max)))?;
        draw_faults(&mut chart, &strip, &result.faults, x_end, (0.0, y_max))?;
        mesh(
            &mut chart,
            "time since the configuration's run started (s)",
            "connections opened / s",
            &fmt_seconds,
            &|y| format!("{y:.0}"),
        )?;
        for (i, c) in result.clients.iter().enumerate() {
            let pts = c.timeline.iter().map(|s| (s.t_s as f64 + 0.5, s.connections_opened as f64)).collect();
            draw_line(&mut chart, pts, client_color(i), false)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_are_round_and_cover_the_data() {
        let labels = |lo: f64, hi: f64| -> Vec<String> { log_ticks(lo, hi).2.iter().map(fmt_log_us).collect() };
        let (lo, hi, _) = log_ticks(2_200.0, 17_000.0);
        assert!(10f64.powf(lo) < 2_200.0 && 10f64.powf(hi) > 17_000.0);
        assert_eq!(labels(2_200.0, 17_000.0), ["2ms", "5ms", "10ms", "20ms"]);
        assert_eq!(labels(1_400.0, 6_008_831.0), ["1ms", "3ms", "10ms", "30ms", "100ms", "300ms", "1s", "3s", "10s"]);
        // At the ends of the range: 1 µs and 10 s read as such, not as 1.00µs or 10.00s.
        assert_eq!(labels(1.0, 10_000_000.0).first().map(String::as_str), Some("1µs"));
        assert_eq!(labels(1.0, 8_000_000.0).last().map(String::as_str), Some("10s"));
        assert_eq!(labels(1.0, 3.0), ["1µs", "2µs", "5µs"]);
        assert!(labels(120.0, 130.0).len() >= 2);
        let (lo, hi, ticks) = log_ticks(0.0, 0.0);
        assert!(hi > lo && ticks.len() >= 2);
    }

    #[test]
    fn the_data_never_touches_the_top_of_a_log_axis() {
        // A 6 s plateau (the gateway timeout) once sat on the frame; the axis now ends on the next 1-2-5
        // value with room to spare, whatever the span.
        let (_, hi, _) = log_ticks(1_000.0, 6_000_000.0);
        assert_eq!(fmt_log_us(&hi), "10s");
        for lo in [1.0, 800.0, 20_000.0] {
            for k in 0..60 {
                let max = lo * 10f64.powf(k as f64 / 10.0);
                let (y_lo, y_hi, _) = log_ticks(lo, max);
                let room = (y_hi - max.log10()) / (y_hi - y_lo);
                assert!(room >= 0.02, "max {max}µs over {lo}µs: only {:.1}% of the height above it", room * 100.0);
                let floor = (lo.log10() - y_lo) / (y_hi - y_lo);
                assert!(lo == 1.0 || floor >= 0.02, "min {lo}µs sits on the bottom ({floor})");
            }
        }
    }

    #[test]
    fn tick_labels_drop_trailing_zeros() {
        let shown: Vec<String> =
            [1, 999, 1_000, 1_500, 100_000, 1_000_000, 2_500_000, 10_000_000].map(fmt_tick_us).to_vec();
        assert_eq!(shown, ["1µs", "999µs", "1ms", "1.5ms", "100ms", "1s", "2.5s", "10s"]);
    }

    /// The `<svg id="chart-latency-time">` of a report.
    fn latency_time_svg(r: &RunResult) -> String {
        let page = crate::report::render(r);
        let start = page.find("<svg id=\"chart-latency-time\"").expect("chart");
        page[start..start + page[start..].find("</svg>").expect("closed")].to_string()
    }

    #[test]
    fn fault_shades_sit_under_the_grid() {
        let svg = latency_time_svg(&crate::report::tests::fixture());
        let shade = svg.find("opacity=\"0.09\" fill=\"#787878\"").expect("a partial fault window is shaded");
        let grid = svg.find("stroke=\"#E1E1E1\"").expect("gridlines");
        assert!(shade < grid, "gridlines are drawn over the shade, not hidden by it");
    }

    #[test]
    fn a_fault_active_all_run_is_labelled_not_shaded() {
        let mut r = crate::report::tests::fixture();
        r.faults[0].windows = vec![crate::result::Window { start_ms: 0, end_ms: 60_000 }];
        let svg = latency_time_svg(&r);
        assert!(svg.contains("fault: stall&lt;x&gt; (mock, p=50%) — active the whole run"), "{svg}");
        assert!(!svg.contains("opacity=\"0.09\""), "an always-on fault does not grey out the plot");
        assert_eq!(svg.matches("fill=\"#787878\"").count(), 1, "its bar in the strip remains");
    }

    #[test]
    fn percentile_labels() {
        let labels: Vec<String> = [2f64.log10(), 1.0, 2.0, 3.0, 4.0].iter().map(fmt_percentile).collect();
        assert_eq!(labels, ["50%", "90%", "99%", "99.9%", "99.99%"]);
    }

    #[test]
    fn count_axis_is_round() {
        assert_eq!(count_axis_max(200.0), 250.0);
        assert_eq!(count_ticks(250.0), [0.0, 50.0, 100.0, 150.0, 200.0, 250.0]);
        assert_eq!(count_axis_max(0.0), 1.0);
    }
}
