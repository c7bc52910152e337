//! Throughput and errors over time: completed requests per second with errors stacked by kind, one
//! panel per client configuration on the same scale.

use super::axis::count_axis_max;
use super::draw::{draw_line, FONT};
use super::faults::{draw_faults, fault_strip_height, shade_windows, with_fault_strip};
use super::legend::{clients_legend, legend_height, LegendItem, Mark};
use super::svg::svg;
use super::time::{fmt_seconds, run_seconds, time_ticks};
use crate::report::palette::client_color;
use crate::result::RunResult;
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
