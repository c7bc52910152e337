//! A slow-client cohort's connections over time, as slowhttptest charts them: connected (held),
//! connecting (pending) and closed (cumulative), one panel per client configuration on the same
//! scale, the cohort's windows shaded, on the time axis of the latency chart.

use super::axis::{axis, count_axis_max, count_ticks, mesh};
use super::draw::{draw_line, FONT};
use super::faults::{draw_fault, fault_strip_height, one_fault, shade_fault, with_fault_strip};
use super::legend::{legend_height, LegendItem, Mark};
use super::svg::svg;
use super::time::{fmt_seconds, run_seconds, time_ticks};
use crate::report::palette::client_color;
use crate::result::{CohortResult, CohortSecond, RunResult, Window};
use plotters::prelude::*;

const CONNECTED: RGBColor = RGBColor(27, 158, 119);
const CONNECTING: RGBColor = RGBColor(217, 95, 2);
const CLOSED: RGBColor = RGBColor(178, 24, 43);
const ASKED: RGBColor = RGBColor(150, 150, 150);

/// Every way a connection left the cohort in a second: the server closed or reset it, or its
/// connect was refused or failed.
fn closed_in(s: &CohortSecond) -> u64 {
    s.closed_by_server + s.reset + s.refused + s.connect_failed
}

/// The three lines of one panel, as (x, y) points: a state counts at the end of its second, and
/// all three start from nothing at `start_s`, when the cohort's first window opened.
fn lines(k: &CohortResult, start_s: Option<f64>) -> [Vec<(f64, f64)>; 3] {
    let at = |s: &CohortSecond| s.t_s as f64 + 1.0;
    let origin = start_s.filter(|x| k.timeline.first().is_none_or(|s| *x < at(s))).map(|x| (x, 0.0));
    let connected = origin.into_iter().chain(k.timeline.iter().map(|s| (at(s), s.connected as f64))).collect();
    let connecting = origin.into_iter().chain(k.timeline.iter().map(|s| (at(s), s.connecting as f64))).collect();
    let closed = origin
        .into_iter()
        .chain(k.timeline.iter().scan(0u64, |sum, s| {
            *sum += closed_in(s);
            Some((at(s), *sum as f64))
        }))
        .collect();
    [connected, connecting, closed]
}

/// The chart of the cohort of fault `fault`: a panel for each configuration that recorded it.
pub fn cohort(result: &RunResult, fault: usize) -> String {
    let x_end = run_seconds(result);
    let windows: &[Window] = result.faults.get(fault).map(|f| f.windows.as_slice()).unwrap_or_default();
    let start_s = windows.first().map(|w| w.start_ms as f64 / 1000.0);
    let panels: Vec<(usize, &str, &CohortResult)> = result
        .clients
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.cohorts.iter().find(|k| k.fault == fault).map(|k| (i, c.name.as_str(), k)))
        .collect();
    let highest = panels
        .iter()
        .flat_map(|(_, _, k)| {
            let [a, b, c] = lines(k, start_s);
            a.into_iter().chain(b).chain(c).map(|(_, y)| y).chain(std::iter::once(k.connections as f64))
        })
        .fold(1.0, f64::max);
    let y_max = count_axis_max(highest);
    let legend = vec![
        LegendItem::new("connected (held)", CONNECTED, Mark::Line),
        LegendItem::new("connecting (pending)", CONNECTING, Mark::Line),
        LegendItem::new("closed, cumulative (by server, reset, refused, failed)", CLOSED, Mark::Line),
        LegendItem::new("connections asked for", ASKED, Mark::Dashed),
    ];
    let faults = one_fault(&result.faults, fault);
    let panel = 200u32;
    let count = panels.len().max(1) as u32;
    let height = panel * count + 30 + legend_height(&legend) + fault_strip_height(faults);
    let id = format!("chart-cohort-{fault}");
    let label = format!("fault {fault}'s slow-client connections over time");
    svg(&id, &label, height, &legend, |area| {
        let (strip, plots) = with_fault_strip(area, faults);
        let (plots, _) = plots.split_vertically(panel * count + 10);
        let areas = plots.split_evenly((count as usize, 1));
        for (n, ((i, name, k), panel_area)) in panels.iter().zip(&areas).enumerate() {
            let last = n + 1 == areas.len();
            let mut chart = ChartBuilder::on(panel_area)
                // The latency chart's horizontal margins, so the two time axes line up.
                .margin(8)
                .margin_left(10)
                .margin_right(30)
                .caption(*name, (FONT, 17).into_font().color(&client_color(*i)))
                .x_label_area_size(if last { 44 } else { 22 })
                .y_label_area_size(80)
                .build_cartesian_2d(axis(0f64..x_end, time_ticks(x_end)), axis(0f64..y_max, count_ticks(y_max)))?;
            // Shades first, so the gridlines drawn next stay visible through them.
            if n == 0 {
                draw_fault(&mut chart, &strip, &result.faults, fault, x_end, (0.0, y_max))?;
            } else {
                shade_fault(&mut chart, &result.faults, fault, x_end, (0.0, y_max))?;
            }
            let x_desc = if last { "time since the configuration's run started (s)" } else { "" };
            mesh(&mut chart, x_desc, "connections", &fmt_seconds, &|y| format!("{y:.0}"))?;
            // What it meant to hold, while it was meant to.
            let asked = k.connections as f64;
            for w in windows {
                let (x0, x1) = (w.start_ms as f64 / 1000.0, (w.end_ms as f64 / 1000.0).min(x_end));
                if x0 < x1 {
                    draw_line(&mut chart, vec![(x0, asked), (x1, asked)], ASKED, true)?;
                }
            }
            for (points, color) in lines(k, start_s).into_iter().zip([CONNECTED, CONNECTING, CLOSED]) {
                if let [alone] = points[..] {
                    chart.draw_series(std::iter::once(Circle::new(alone, 3, color.filled())))?;
                } else {
                    draw_line(&mut chart, points, color, false)?;
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::cohort_run;
    use std::collections::BTreeSet;

    #[test]
    fn closed_is_cumulative_over_every_way_out() {
        let r = cohort_run();
        let [connected, connecting, closed] = lines(&r.clients[1].cohorts[0], Some(3.0));
        assert_eq!(
            connected[..2],
            [(3.0, 0.0), (4.0, 180.0)],
            "nothing at the window's start, then the state at the end of second 3"
        );
        assert_eq!(connecting[1], (4.0, 120.0));
        let ys: Vec<f64> = closed.iter().map(|p| p.1).collect();
        assert_eq!(ys, [0.0, 300.0, 700.0, 1104.0, 1104.0, 1104.0, 1204.0]);
        assert_eq!(lines(&r.clients[1].cohorts[0], None)[0][0], (4.0, 180.0), "no window, no origin");
        let mut k = r.clients[1].cohorts[0].clone();
        k.timeline[0] =
            CohortSecond { t_s: 3, closed_by_server: 1, reset: 2, refused: 4, connect_failed: 8, ..k.timeline[0] };
        assert_eq!(lines(&k, Some(3.0))[2][1].1, 15.0);
    }

    #[test]
    fn a_panel_per_configuration_with_the_cohort_window_shaded() {
        let mut r = cohort_run();
        r.faults[1].kind = "slow<loris>".to_string();
        let svg = cohort(&r, 1);
        assert!(svg.starts_with("<svg id=\"chart-cohort-1\""), "{svg}");
        assert!(svg.contains("default") && svg.contains("tuned&lt;1&gt;"), "both panels, names escaped");
        // The cohort's fault alone, in its own colour (fault 1's), label escaped; the mock fault
        // before it is not drawn here.
        assert!(svg.contains("fault: slow&lt;loris&gt; (clients)"), "{svg}");
        assert!(!svg.contains("fault: latency"), "{svg}");
        // Two windows × two panels, shaded under the grid.
        assert_eq!(svg.matches("opacity=\"0.09\" fill=\"#A6761D\"").count(), 4, "{svg}");
        let shade = svg.find("opacity=\"0.09\"").expect("shaded");
        assert!(shade < svg.find("stroke=\"#E1E1E1\"").expect("grid"));
        for color in ["#1B9E77", "#D95F02", "#B2182B", "#969696"] {
            assert!(svg.contains(&format!("stroke=\"{color}\"")), "a {color} line: {svg}");
        }
    }

    /// The x pixel of each tick label `0s`, `1s`… in an SVG.
    fn time_ticks_at(svg: &str) -> Vec<(String, String)> {
        svg.split("<text x=\"")
            .skip(1)
            .filter_map(|t| {
                let x = &t[..t.find('"')?];
                let text = t[t.find('>')? + 1..t.find("</text>")?].trim();
                let secs = text.strip_suffix('s')?;
                secs.parse::<u32>().ok().map(|_| (text.to_string(), x.to_string()))
            })
            .collect()
    }

    #[test]
    fn the_time_axis_is_the_latency_charts() {
        let r = cohort_run();
        let latency: BTreeSet<_> = time_ticks_at(&super::super::latency_over_time(&r)).into_iter().collect();
        let cohort: BTreeSet<_> = time_ticks_at(&cohort(&r, 1)).into_iter().collect();
        // 0s…12s, every one at the pixel where the latency chart has it (which also labels a
        // latency of 1s on its y axis).
        assert_eq!(cohort.len(), 13, "{cohort:?}");
        assert!(cohort.is_subset(&latency), "{cohort:?} against {latency:?}");
    }
}
