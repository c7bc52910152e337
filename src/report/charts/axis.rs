//! The charts' value axes: logarithmic latency axes with 1-2-5 (or 1-3) ticks formatted by
//! `units::fmt_us`, round count axes, an axis type whose grid sits exactly on chosen ticks, and the
//! mesh (grid, labels, descriptions) every chart shares.

use super::draw::{DrawResult, FONT};
use crate::units::fmt_us;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

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

pub(super) fn fmt_log_us(y: &f64) -> String {
    fmt_tick_us(10f64.powf(*y).round() as u64)
}

pub(super) type KeyChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// A linear f64 axis whose grid lines and labels sit exactly on the given ticks.
#[derive(Clone)]
pub(super) struct Axis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

pub(super) fn axis(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Axis {
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

pub(super) fn mesh(
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

pub(super) fn count_ticks(max: f64) -> Vec<f64> {
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
pub(super) fn count_axis_max(max: f64) -> f64 {
    let max = (max * 1.08).max(1.0);
    let ticks = count_ticks(max);
    let step = if ticks.len() > 1 { ticks[1] - ticks[0] } else { max };
    (max / step).ceil() * step
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

    #[test]
    fn count_axis_is_round() {
        assert_eq!(count_axis_max(200.0), 250.0);
        assert_eq!(count_ticks(250.0), [0.0, 50.0, 100.0, 150.0, 200.0, 250.0]);
        assert_eq!(count_axis_max(0.0), 1.0);
    }
}
