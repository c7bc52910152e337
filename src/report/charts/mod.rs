//! The report's charts: plotters drawing into inline SVG strings, one colour per series (a client
//! configuration in report.html, a run on the comparison page).
//!
//! Every chart keeps its legend in a strip above the plot (never over data) and fault windows in a
//! labelled strip of their own; text in SVG is escaped by plotters' SVG backend. Latency axes are
//! logarithmic with 1-2-5 (or 1-3) ticks formatted by `units::fmt_us`.
//!
//! One chart a file: `spectrum`, `latency` (over time), `throughput`, `per_second` (connections
//! opened, the longest DNS lookup), `cohort` (a slow-client cohort's connections) and `sweep` (a
//! sweep's errors and p99 against its values). Beside them,
//! the kit they draw with: `draw` (drawing area, width, font, lines), `svg` (the document around each
//! chart), `overlay` (its hand-written markup on top), `legend`, `axis` (value axes and the mesh), `time` (the time
//! axis and its series), `faults` (fault strips and shading) and `markers` (event markers: fault
//! switches, cold starts, freezes, frozen-connection hits, retries). This file only names them and re-exports what the pages call.

mod axis;
mod cohort;
mod draw;
mod faults;
mod latency;
mod legend;
mod markers;
mod overlay;
mod per_second;
mod spectrum;
mod svg;
mod sweep;
mod throughput;
mod time;

pub use self::axis::log_ticks;
pub use self::cohort::cohort;
pub use self::draw::WIDTH;
pub use self::latency::{latencies_over_time, latency_over_time, Dashes};
pub use self::per_second::{connections, dns_time};
pub use self::spectrum::{spectrum, SpectrumLine};
pub use self::sweep::sweep;
pub use self::throughput::{throughput, MIN_ERROR_PX};
pub use self::time::TimeSeries;
pub use crate::report::palette::{client_color, css};
