//! Every chart's SVG document: its id and accessible label, the legend strip on top and the drawing
//! below it, as an inline `<svg>` string (or a note saying why the chart could not be drawn), with
//! the chart's [`Overlay`] placed on top.

use super::draw::{Area, DrawResult, WIDTH};
use super::legend::{draw_legend, legend_height, LegendItem};
use super::overlay::Overlay;
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
    svg_with_overlay(id, label, height, legend, |area, _| draw(area))
}

/// [`svg`], with an [`Overlay`] `draw` may add to.
pub(super) fn svg_with_overlay(
    id: &str,
    label: &str,
    height: u32,
    legend: &[LegendItem],
    draw: impl FnOnce(&Area, &mut Overlay) -> DrawResult,
) -> String {
    let mut buf = String::new();
    let mut overlay = Overlay::default();
    let drawn = (|| -> DrawResult {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let lh = legend_height(legend);
        draw_legend(&root, legend, 4, &mut overlay)?;
        let (_, body) = root.split_vertically(lh);
        draw(&body, &mut overlay)?;
        root.present()?;
        Ok(())
    })();
    if let Err(e) = drawn {
        return format!("<p class=\"warn\">chart {id} could not be drawn: {}</p>", esc(&e.to_string()));
    }
    if !overlay.is_empty() {
        if let Some(end) = buf.rfind("</svg>") {
            buf.insert_str(end, overlay.markup());
        }
    }
    // Inline SVG in HTML needs no namespace: dropping it keeps the page free of any URL.
    let attrs = format!("<svg id=\"{id}\" role=\"img\" aria-label=\"{}\" ", esc(label));
    buf.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1).replacen("<svg ", &attrs, 1)
}
