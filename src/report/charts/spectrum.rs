//! The percentile spectrum: a value against a logarithmic 1/(1−q) axis, one line per histogram, as
//! HdrHistogram plots it.

use super::axis::{axis, fmt_log_us, log_ticks, mesh};
use super::draw::draw_line;
use super::legend::{legend_height, series_legend, LegendItem, Mark};
use super::svg::svg;
use crate::record::Hist;
use crate::report::palette::client_color;
use plotters::prelude::*;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_labels() {
        let labels: Vec<String> = [2f64.log10(), 1.0, 2.0, 3.0, 4.0].iter().map(fmt_percentile).collect();
        assert_eq!(labels, ["50%", "90%", "99%", "99.9%", "99.99%"]);
    }
}
