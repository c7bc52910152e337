//! What every chart draws with: the SVG drawing area and its error type, the charts' width and font,
//! and data lines (solid or dashed) on any f64 axes.

use plotters::coord::Shift;
use plotters::prelude::*;

pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(super) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Width of every chart in SVG pixels (the page scales them down to fit).
pub const WIDTH: u32 = 1100;
pub(super) const FONT: &str = "sans-serif";

/// Any f64 axis a chart here draws on (plotters' own, or `axis::Axis` with chosen ticks).
pub(super) trait F64Axis: Ranged<ValueType = f64> {}
impl<T: Ranged<ValueType = f64>> F64Axis for T {}

pub(super) fn draw_line<X: F64Axis, Y: F64Axis>(
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
