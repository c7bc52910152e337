//! The overlay: markup drawn by hand on top of plotters' drawing, for what plotters cannot say (a
//! `<title>` tooltip, a class a test or a browser can find).

/// Hand-written SVG elements in the chart's own pixel coordinates (plotters' backend coordinates),
/// placed after everything plotters drew, so they sit on top.
#[derive(Default)]
pub(super) struct Overlay {
    markup: String,
}

impl Overlay {
    /// Appends `element`, already escaped where it holds text.
    pub(super) fn push(&mut self, element: &str) {
        self.markup.push_str(element);
        self.markup.push('\n');
    }

    pub(super) fn is_empty(&self) -> bool {
        self.markup.is_empty()
    }

    pub(super) fn markup(&self) -> &str {
        &self.markup
    }
}
