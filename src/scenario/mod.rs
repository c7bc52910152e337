//! Scenario files: parsing (`raw`), validation with located diagnostics (`validate/`), and the `Plan`.
//!
//! `load` reads and validates a file; `parse` validates text already in memory. Both report every
//! problem at once as [`Diagnostics`] (`file:line:col: field: message`, with hints).

mod faults;
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
    load_with(path, &Overrides::default())
}

/// Reads and validates the scenario file at `path` with command-line `overrides`.
pub fn load_with(path: &Path, overrides: &Overrides) -> Result<Plan, LoadError> {
    let source = std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    validate::validate(&source, path, overrides).map_err(LoadError::Invalid)
}

/// Validates scenario text; `path` names the file in diagnostics and becomes `Plan::source`.
pub fn parse(source: &str, path: &Path) -> Result<Plan, Diagnostics> {
    validate::validate(source, path, &Overrides::default())
}

/// Validates the `seed`, `[mock]`, `[mock.serverless]` and `[[fault]]` sections of a configuration
/// file; the other scenario sections (`name`, `[target]`, `[[phase]]`, `[[client]]`…) may be
/// present or absent and are ignored, so a scenario file can be passed as it is. Unknown top-level
/// keys are still reported.
pub fn parse_parts(source: &str, path: &Path) -> Result<Parts, Diagnostics> {
    validate::validate_parts(source, path)
}

/// Reads and validates a standalone server's configuration file; see [`parse_parts`].
pub fn load_parts(path: &Path) -> Result<Parts, LoadError> {
    let source = std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })?;
    parse_parts(&source, path).map_err(LoadError::Invalid)
}
