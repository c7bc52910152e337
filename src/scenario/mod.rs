//! Scenario files: parsing (`raw`), validation with located diagnostics (`validate/`), and the `Plan`.
//!
//! `load` reads and validates a file; `parse` validates text already in memory. Both report every
//! problem at once as [`Diagnostics`] (`file:line:col: field: message`, with hints).

pub mod ceilings;
mod faults;
pub mod plan;
pub mod presets;
mod raw;
pub mod resolver;
mod sweep;
mod validate;

pub use plan::*;
pub use sweep::configurations;
pub use validate::{Diagnostic, Diagnostics};

use std::path::{Path, PathBuf};

/// Why a scenario file could not be turned into a [`Plan`].
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", crate::escape::escape_controls(&path.display().to_string()))]
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
    parse_bytes(read(path)?, path, overrides).map_err(LoadError::Invalid)
}

/// Validates the bytes of a scenario file as `load_with` does (text that is not UTF-8 included);
/// `path` names the file in diagnostics.
pub fn parse_bytes(bytes: Vec<u8>, path: &Path, overrides: &Overrides) -> Result<Plan, Diagnostics> {
    let source = utf8(bytes, path)?;
    validate::validate(&source, path, overrides)
}

/// [`parse_parts`] on the bytes of a configuration file, as [`load_parts`] reads it.
pub fn parse_parts_bytes(bytes: Vec<u8>, path: &Path) -> Result<Parts, Diagnostics> {
    parse_parts(&utf8(bytes, path)?, path)
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

/// Reads the `[gate]` table of a gates file (or of a scenario: its other sections are ignored),
/// its names checked against `names` (those of the result it will judge).
pub fn load_gates(path: &Path, names: &crate::gate::spec::Names) -> Result<crate::gate::spec::GatePlan, LoadError> {
    let source = utf8(read(path)?, path).map_err(LoadError::Invalid)?;
    validate::validate_gates(&source, path, names).map_err(LoadError::Invalid)
}

/// Reads and validates a standalone server's configuration file; see [`parse_parts`].
pub fn load_parts(path: &Path) -> Result<Parts, LoadError> {
    parse_parts_bytes(read(path)?, path).map_err(LoadError::Invalid)
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io { path: path.to_path_buf(), source })
}

/// The file's text; a file that is not UTF-8 is a diagnostic at its first invalid byte.
fn utf8(bytes: Vec<u8>, path: &Path) -> Result<String, Diagnostics> {
    String::from_utf8(bytes).map_err(|e| Diagnostics(vec![not_utf8(path, &e)]))
}

fn not_utf8(path: &Path, e: &std::string::FromUtf8Error) -> Diagnostic {
    let offset = e.utf8_error().valid_up_to();
    let valid = std::str::from_utf8(&e.as_bytes()[..offset]).unwrap_or_default();
    let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
    Diagnostic {
        file: path.to_path_buf(),
        line: valid.matches('\n').count() + 1,
        col: valid[line_start..].chars().count() + 1,
        field: String::new(),
        message: format!("not UTF-8: invalid byte 0x{:02x} at byte offset {offset}", e.as_bytes()[offset]),
        hint: Some("scenario and configuration files are TOML, which is UTF-8 text; save the file as UTF-8".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_utf8_is_located_at_its_first_invalid_byte() {
        let dir = std::env::temp_dir().join(format!("chaosload-utf8-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("latin1.toml");
        std::fs::write(&path, b"name = \"t\"\n# caf\xe9 \xe9\n").unwrap();
        let Err(LoadError::Invalid(diags)) = load(&path) else { panic!("a Latin-1 file must be refused") };
        let shown = diags.to_string();
        assert!(
            shown.starts_with(&format!("{}:2:6: not UTF-8: invalid byte 0xe9 at byte offset 16", path.display())),
            "{shown}"
        );
        let Err(LoadError::Invalid(diags)) = load_parts(&path) else { panic!("--config files too") };
        assert_eq!((diags.0[0].line, diags.0[0].col), (2, 6));
        let missing = load(&dir.join("missing.toml")).expect_err("missing");
        assert!(missing.to_string().contains("No such file"), "the cause is shown: {missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
