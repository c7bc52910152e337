//! Reports rendered from a `RunResult`: the self-contained HTML page (`html`) and its SVG charts (`charts`).

pub mod charts;
pub mod html;

pub use html::render;

#[cfg(test)]
mod tests;
