//! Scenario files: parsing (`raw`), validation with located diagnostics (`validate`), and the `Plan`.

pub mod plan;

pub use plan::*;
