//! Every chart's SVG document: its id and accessible label, the legend strip on top and the drawing
//! below it, as an inline `<svg>` string (or a note saying why the chart could not be drawn).

use super::draw::{Area, DrawResult, WIDTH};
use super::legend::{draw_legend, legend_height, LegendItem};
use crate::report::page::esc;
use plotters::prelude::*;

/// Renders one chart into an SVG string with `id`, a legend strip on top and `draw` below it.
pub(super) fn svg(
    id: &str,
    label: &str,
    height: u32,
    legend: &[LegendItem],
    draw: impl FnOnce(&Area) -> DrawResult,
) -> String {
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
        return format!("<p class=\"warn\">chart {id} could not be drawn: {}</p>", esc(&e.to_string()));
    }
    // Inline SVG in HTML needs no namespace: dropping it keeps the page free of any URL.
    let attrs = format!("<svg id=\"{id}\" role=\"img\" aria-label=\"{}\" ", esc(label));
    buf.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1).replacen("<svg ", &attrs, 1)
}
