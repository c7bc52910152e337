//! The series colours that report.html and the comparison page share between their charts and their
//! tables' swatches: one colour per client configuration (or per run), by index.

use plotters::style::RGBColor;

/// Colour-blind-safe colours (Okabe–Ito without its red, which errors use), by client index.
const CLIENT_COLORS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(128, 128, 0),
    RGBColor(120, 94, 240),
];

pub fn client_color(i: usize) -> RGBColor {
    CLIENT_COLORS[i % CLIENT_COLORS.len()]
}

pub fn css(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}
