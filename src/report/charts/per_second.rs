//! A count or a time per second of the run, one line per client configuration: connections
//! opened per second, the longest name lookup per second.

use super::axis::{axis, count_axis_max, count_ticks, mesh};
use super::draw::draw_line;
use super::faults::{draw_faults, fault_strip_height, with_fault_strip};
use super::legend::{clients_legend, legend_height, Mark};
use super::svg::svg;
use super::time::{fmt_seconds, run_seconds, time_ticks};
use crate::report::palette::client_color;
use crate::result::{RunResult, SecondResult};
use plotters::prelude::*;

/// Connections opened per second.
pub fn connections(result: &RunResult) -> String {
    per_second(
        result,
        ("chart-connections", "connections opened per second", "connections opened / s"),
        |s| Some(s.connections_opened as f64),
        |y| format!("{y:.0}"),
    )
}

/// The longest name lookup of the requests that ended in each second, in milliseconds; seconds
/// without a lookup are gaps.
pub fn dns_time(result: &RunResult) -> String {
    per_second(
        result,
        ("chart-dns", "longest DNS lookup per second", "longest DNS lookup (ms)"),
        |s| (s.dns_lookups > 0).then(|| s.dns_max_us as f64 / 1000.0),
        |y| format!("{y:.0}"),
    )
}

/// `(id, title, y label)`, the value of a second (`None`: a gap), and how y ticks read.
fn per_second(
    result: &RunResult,
    (id, title, y_label): (&str, &str, &str),
    value: fn(&SecondResult) -> Option<f64>,
    fmt_y: fn(&f64) -> String,
) -> String {
    let x_end = run_seconds(result);
    let highest = result.clients.iter().flat_map(|c| c.timeline.iter().filter_map(value)).fold(1.0, f64::max);
    let y_max = count_axis_max(highest);
    let legend = clients_legend(result, Mark::Line);
    let height = 300 + legend_height(&legend) + fault_strip_height(&result.faults);
    svg(id, title, height, &legend, |area| {
        let (strip, plot) = with_fault_strip(area, &result.faults);
        let mut chart = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(30)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(axis(0f64..x_end, time_ticks(x_end)), axis(0f64..y_max, count_ticks(y_max)))?;
        draw_faults(&mut chart, &strip, &result.faults, x_end, (0.0, y_max))?;
        mesh(&mut chart, "time since the configuration's run started (s)", y_label, &fmt_seconds, &fmt_y)?;
        for (i, c) in result.clients.iter().enumerate() {
            // A gap splits the line: each run of seconds with a value is drawn on its own, and a
            // second alone between gaps as a dot, so a one-second spike still shows.
            let color = client_color(i);
            let points: Vec<Option<(f64, f64)>> =
                c.timeline.iter().map(|s| value(s).map(|v| (s.t_s as f64 + 0.5, v))).collect();
            for run in points.split(Option::is_none).filter(|run| !run.is_empty()) {
                let run: Vec<(f64, f64)> = run.iter().flatten().copied().collect();
                if let [alone] = run[..] {
                    chart.draw_series(std::iter::once(Circle::new(alone, 3, color.filled())))?;
                } else {
                    draw_line(&mut chart, run, color, false)?;
                }
            }
        }
        Ok(())
    })
}
