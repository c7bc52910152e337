//! Reports rendered from `RunResult`s: the self-contained HTML page (`html`, its gates section in
//! `gates`) and its SVG charts (`charts`), comparisons between runs (`compare`, and as an HTML page `compare_html`), Markdown
//! (`markdown`) and HdrHistogram interval logs (`hlog`).
//!
//! The two pages share `page` (their HTML kit: escaping, style, figures, table cells), `metrics` (what
//! both read off a result before any markup) and `palette` (the series colours of charts and swatches).
//! Nothing here imports in a circle: `charts` reads `page` and `palette`, never the pages.

pub mod charts;
pub(crate) mod cohorts;
pub mod compare;
pub mod compare_html;
mod gates;
pub mod hlog;
pub mod html;
pub mod markdown;
mod metrics;
mod page;
mod palette;
mod sweep;

pub use html::render;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_gates;
#[cfg(test)]
mod tests_markers;
mod verdict;
