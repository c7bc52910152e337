//! Latency over time: p99 (and p50) of the requests that completed in each second, one colour per
//! series, with fault windows shaded and labelled, and (in report.html) a strip of event markers
//! per configuration under the plot.

use super::axis::{axis, fmt_log_us, log_ticks, mesh};
use super::draw::draw_line;
use super::faults::{draw_faults, fault_strip_height, with_fault_strip};
use super::legend::{legend_height, series_legend, LegendItem, Mark};
use super::markers::Markers;
use super::svg::svg_with_overlay;
use super::time::{fmt_seconds, run_seconds, runs, seconds_covered, time_ticks, TimeSeries};
use crate::report::palette::client_color;
use crate::result::{FaultWindows, RunResult};
use plotters::prelude::*;

/// p50 and p99 latency per second, with fault windows shaded and labelled, and each
/// configuration's event markers in a strip under the plot.
pub fn latency_over_time(result: &RunResult) -> String {
    let series = TimeSeries::of_clients(result);
    let markers = Markers::of(result, run_seconds(result));
    draw("chart-latency-time", "latency over time", &series, &result.faults, Dashes::P50, &markers)
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
    draw(id, label, series, faults, dashes, &Markers::none())
}

/// The chart of [`latencies_over_time`], with a strip of `markers` per series under the plot (the
/// series are `markers`' configurations, in order).
fn draw(
    id: &str,
    label: &str,
    series: &[TimeSeries],
    faults: &[FaultWindows],
    dashes: Dashes,
    markers: &Markers,
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
    legend.extend(markers.legend());
    let strips = markers.strip_height(true) * series.len() as u32;
    let height = 400 + strips + legend_height(&legend) + fault_strip_height(faults);
    svg_with_overlay(id, label, height, &legend, |area, overlay| {
        let (strip, plot) = with_fault_strip(area, faults);
        let (plot, under) = plot.split_vertically(400);
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
        let x_px = |x: f64| chart.backend_coord(&(x, y_lo)).0;
        let top = under.get_base_pixel().1;
        for i in 0..series.len() {
            let at = top + (i as u32 * markers.strip_height(true)) as i32;
            markers.draw_strip(overlay, i, at, true, x_end, &x_px);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `<svg id="chart-latency-time">` of a report (drawn here, as the report draws it), up to its
    /// closing tag.
    fn latency_time_svg(r: &RunResult) -> String {
        let svg = latency_over_time(r);
        let start = svg.find("<svg id=\"chart-latency-time\"").expect("chart");
        svg[start..start + svg[start..].find("</svg>").expect("closed")].to_string()
    }

    #[test]
    fn fault_shades_sit_under_the_grid() {
        let svg = latency_time_svg(&crate::report::fixtures::report_run());
        let shade = svg.find("opacity=\"0.09\" fill=\"#787878\"").expect("a partial fault window is shaded");
        let grid = svg.find("stroke=\"#E1E1E1\"").expect("gridlines");
        assert!(shade < grid, "gridlines are drawn over the shade, not hidden by it");
    }

    #[test]
    fn a_fault_active_all_run_is_labelled_not_shaded() {
        let mut r = crate::report::fixtures::report_run();
        r.faults[0].windows = vec![crate::result::Window { start_ms: 0, end_ms: 60_000 }];
        let svg = latency_time_svg(&r);
        assert!(svg.contains("fault: stall&lt;x&gt; (mock, p=50%) — active the whole run"), "{svg}");
        assert!(!svg.contains("opacity=\"0.09\""), "an always-on fault does not grey out the plot");
        assert_eq!(svg.matches("fill=\"#787878\"").count(), 1, "its bar in the strip remains");
    }
}
