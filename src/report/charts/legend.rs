//! The legend strip above every chart (never over the data): one entry per series in its colour, plus
//! entries saying what solid and dashed lines, boxes or event markers stand for, wrapped at the
//! chart's width.

use super::draw::{Area, DrawResult, FONT, WIDTH};
use super::overlay::Overlay;
use crate::report::palette::client_color;
use crate::result::RunResult;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const LEGEND_ROW: u32 = 22;
const MARGIN_LEFT: i32 = 16;

#[derive(Clone, PartialEq)]
pub(super) enum Mark {
    Line,
    Dashed,
    Box,
    /// An event marker's glyph: its SVG markup centred on (0, 0), as the marker strips draw it (in
    /// the overlay).
    Glyph(String),
}

pub(super) struct LegendItem {
    label: String,
    color: RGBColor,
    mark: Mark,
}

impl LegendItem {
    pub(super) fn new(label: impl Into<String>, color: RGBColor, mark: Mark) -> LegendItem {
        LegendItem { label: label.into(), color, mark }
    }
}

/// One legend entry per series, coloured by its index.
pub(super) fn series_legend<'a>(names: impl IntoIterator<Item = &'a str>, mark: Mark) -> Vec<LegendItem> {
    names.into_iter().enumerate().map(|(i, name)| LegendItem::new(name, client_color(i), mark.clone())).collect()
}

pub(super) fn clients_legend(result: &RunResult, mark: Mark) -> Vec<LegendItem> {
    series_legend(result.clients.iter().map(|c| c.name.as_str()), mark)
}

/// A generous estimate of a label's width at font size 16 (13 px), so legend entries never run into each other.
fn text_width(s: &str) -> i32 {
    (s.chars().count() as f64 * 7.4).ceil() as i32
}

/// Positions (row, x) of each legend item, wrapping at the chart's width.
fn legend_layout(items: &[LegendItem]) -> (Vec<(u32, i32)>, u32) {
    let mut out = Vec::with_capacity(items.len());
    let (mut row, mut x) = (0u32, MARGIN_LEFT);
    for item in items {
        let w = 30 + text_width(&item.label) + 22;
        if x > MARGIN_LEFT && x + w > WIDTH as i32 - MARGIN_LEFT {
            row += 1;
            x = MARGIN_LEFT;
        }
        out.push((row, x));
        x += w;
    }
    let rows = if items.is_empty() { 0 } else { row + 1 };
    (out, rows)
}

pub(super) fn legend_height(items: &[LegendItem]) -> u32 {
    legend_layout(items).1 * LEGEND_ROW + 6
}

pub(super) fn draw_legend(area: &Area, items: &[LegendItem], top: i32, overlay: &mut Overlay) -> DrawResult {
    let (places, _) = legend_layout(items);
    for (item, (row, x)) in items.iter().zip(places) {
        let y = top + (row * LEGEND_ROW) as i32 + LEGEND_ROW as i32 / 2;
        let style = item.color.stroke_width(3);
        match &item.mark {
            Mark::Line => area.draw(&PathElement::new(vec![(x, y), (x + 24, y)], style))?,
            Mark::Dashed => {
                for dx in [0, 10, 20] {
                    area.draw(&PathElement::new(vec![(x + dx, y), (x + dx + 5, y)], style))?;
                }
            }
            Mark::Box => area.draw(&Rectangle::new([(x, y - 6), (x + 24, y + 6)], item.color.mix(0.7).filled()))?,
            Mark::Glyph(glyph) => {
                let (dx, dy) = area.get_base_pixel();
                overlay.push(&format!(
                    "<g class=\"legend-glyph\" transform=\"translate({},{})\">{glyph}</g>",
                    x + dx + 12,
                    y + dy,
                ));
            }
        }
        let font = (FONT, 16).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(item.label.clone(), (x + 30, y), font))?;
    }
    Ok(())
}
