//! Connections opened per second, one line per client configuration.

use super::axis::{axis, count_axis_max, count_ticks, mesh};
use super::draw::draw_line;
use super::faults::{draw_faults, fault_strip_height, with_fault_strip};
use super::legend::{clients_legend, legend_height, Mark};
use super::svg::svg;
use super::time::{fmt_seconds, run_seconds, time_ticks};
use crate::report::palette::client_color;
use crate::result::RunResult;
use plotters::prelude::*;

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
