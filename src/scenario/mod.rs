//! Scenario files: parsing (`raw`), validation with located diagnostics (`validate`), and the `Plan`.
//!
//! `load` reads and validates a file; `parse` validates text already in memory. Both report every
//! problem at once as [`Diagnostics`] (`file:line:col: field: message`, with hints).

pub mod plan;
mod raw;
mod validate;

pub use plan::*;
pub use validate::{Diagnostic, Diagnostics};

use std::path::{Path, PathBuf};

/// Why a scenario file could not be turned into a [`Plan`].
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read scenario {}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// The file was read but is not a valid scenario; every problem is listed.
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// Reads and validates the scenario file at `path`.
pub fn load(path: &Path) -> Result<Plan, LoadError> {
    let source = std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    parse(&source, path).map_err(LoadError::Invalid)
}

/// Validates scenario text; `path` names the file in diagnostics and becomes `Plan::source`.
pub fn parse(source: &str, path: &Path) -> Result<Plan, Diagnostics> {
    validate::validate(source, path)
}
