//! Diagnostics and their places: the validation context [`Cx`] (the document, its file, the
//! problems found so far), `Diagnostic`, `Diagnostics`, and the `Cx` methods that read a section
//! or an array of tables and report a problem at its field's place in the document (serde's
//! errors included).

use super::suggest::suggestion;
use crate::escape::escape_controls;
use serde::Deserialize;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

/// One document being validated: its text, its file, its spanned tree, and every problem found
/// so far. The rules are `impl Cx` blocks in the files of this folder.
pub(super) struct Cx<'a> {
    pub(super) src: &'a str,
    pub(super) file: &'a Path,
    pub(super) doc: &'a DeTable<'a>,
    pub(super) diags: Vec<Diagnostic>,
    /// Fields whose broken value validation replaced by a default, reported already: the plan's
    /// rules, which see only the default, are not applied to them.
    pub(super) replaced: Vec<String>,
    /// While a sweep's member is validated: its knob's path as the client's rules name it
    /// (`client[0].pool_idle_timeout`) and the value's own (`client[0].sweep.pool_idle_timeout[2]`),
    /// so a problem with the value is reported at the value.
    pub(super) reroute: Option<(String, String)>,
}

/// One problem in a scenario file, at `file:line:col` (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    /// The field concerned, as a path: `name`, `client[1].pool_idle_timeout`, `phase[0].shape.rate`.
    /// Empty for TOML syntax errors.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values are quoted in messages as written; their control characters are shown escaped.
        let file = self.file.display().to_string();
        write!(f, "{}:{}:{}: ", escape_controls(&file), self.line, self.col)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", escape_controls(&self.field))?;
        }
        f.write_str(&escape_controls(&self.message))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {}", escape_controls(hint))?;
        }
        Ok(())
    }
}

/// Every problem found in one scenario file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl<'a> Cx<'a> {
    pub(super) fn push(&mut self, span: Range<usize>, field: String, message: String, hint: Option<String>) {
        let field = self.rerouted(&field);
        let before = self.src.get(..span.start).unwrap_or(self.src);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        // A sweep's members are each validated as the whole client: its other problems once.
        let repeated = |d: &Diagnostic| d.line == line && d.col == col && d.field == field && d.message == message;
        if !self.diags.iter().any(repeated) {
            self.diags.push(Diagnostic { file: self.file.to_path_buf(), line, col, field, message, hint });
        }
    }

    /// `field` as [`Cx::reroute`] moves it: a path at or under the swept knob, under the value.
    pub(super) fn rerouted(&self, field: &str) -> String {
        if let Some((from, to)) = &self.reroute {
            if let Some(rest) = field.strip_prefix(from.as_str()) {
                if rest.is_empty() || rest.starts_with(['.', '[']) {
                    return format!("{to}{rest}");
                }
            }
        }
        field.to_string()
    }

    pub(super) fn error(&mut self, field: &str, message: impl Into<String>) {
        self.report(field, message.into(), None);
    }

    pub(super) fn error_hint(&mut self, field: &str, message: impl Into<String>, hint: impl Into<String>) {
        self.report(field, message.into(), Some(hint.into()));
    }

    pub(super) fn report(&mut self, field: &str, message: String, hint: Option<String>) {
        let field = self.rerouted(field);
        let span = self.locate(&field);
        self.push(span, field, message, hint);
    }

    pub(super) fn finish(mut self) -> Diagnostics {
        self.diags.sort_by_key(|d| (d.line, d.col)); // stable: same place keeps rule order
        Diagnostics(self.diags)
    }

    /// The span of the deepest value along `field` (`phase[0].shape.rate`) present in the
    /// document: the value itself when present, else the table that lacks it (for `[[phase]]`, its
    /// header), else the start of the file.
    pub(super) fn locate(&self, field: &str) -> Range<usize> {
        let mut span = 0..0;
        let mut node: Option<&DeValue> = None; // None: the document root
        'path: for segment in field.split('.') {
            let mut parts = segment.split('[');
            let key = parts.next().unwrap_or_default();
            let table = match node {
                None => self.doc,
                Some(DeValue::Table(t)) => t,
                Some(_) => break,
            };
            let Some((_, value)) = table.get_key_value(key) else {
                break;
            };
            span = value.span();
            node = Some(value.get_ref());
            for index in parts {
                let index: usize = index.trim_end_matches(']').parse().unwrap_or(usize::MAX);
                match node {
                    Some(DeValue::Array(a)) if index < a.len() => {
                        span = a[index].span();
                        node = Some(a[index].get_ref());
                    }
                    _ => break 'path,
                }
            }
        }
        span
    }

    /// Deserializes one section; a serde error becomes a diagnostic and `None`.
    pub(super) fn section<T: for<'de> Deserialize<'de>>(
        &mut self,
        field: &str,
        value: &Spanned<DeValue<'a>>,
    ) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(t) => Some(t),
            Err(e) => {
                self.serde_error(field, value, &e);
                None
            }
        }
    }

    fn serde_error(&mut self, field: &str, value: &Spanned<DeValue<'a>>, e: &toml::de::Error) {
        let mut span = e.span().unwrap_or_else(|| value.span());
        let (suffix, node) = descend(value, &span);
        let path = format!("{field}{suffix}");
        let msg = e.message();
        if let Some((name, candidates)) = backticked(msg, "unknown field `") {
            if let DeValue::Table(t) = node.get_ref() {
                if let Some((key, _)) = t.get_key_value(name.as_str()) {
                    span = key.span();
                }
            }
            let hint = suggestion(&name, candidates.iter().map(String::as_str));
            self.push(span, path, format!("unknown field \"{name}\""), hint);
        } else if let Some((name, candidates)) = backticked(msg, "unknown variant `") {
            let tag = path.rsplit('.').next().unwrap_or("variant").to_string();
            let hint = suggestion(&name, candidates.iter().map(String::as_str));
            self.push(span, path, format!("unknown {tag} \"{name}\""), hint);
        } else {
            self.push(span, path, tidy(msg), None);
        }
    }
}

/// The path suffix (`.shape.kind`, `[2]`) and node of the deepest value under `node` whose span
/// contains `span`; `("", node)` when none does (the span is `node`'s own, or one of its keys').
fn descend<'n, 'i>(node: &'n Spanned<DeValue<'i>>, span: &Range<usize>) -> (String, &'n Spanned<DeValue<'i>>) {
    let contains = |v: &Spanned<DeValue>| v.span().start <= span.start && span.end <= v.span().end;
    let children: Vec<(String, &Spanned<DeValue>)> = match node.get_ref() {
        DeValue::Table(t) => t.iter().map(|(k, v)| (format!(".{}", k.get_ref()), v)).collect(),
        DeValue::Array(a) => a.iter().enumerate().map(|(i, v)| (format!("[{i}]"), v)).collect(),
        _ => Vec::new(),
    };
    for (segment, child) in children {
        let (rest, found) = descend(child, span);
        if !rest.is_empty() || contains(child) {
            return (segment + &rest, found);
        }
    }
    (String::new(), node)
}

/// For serde messages such as ``unknown field `x`, expected one of `a`, `b` ``: the name after
/// `prefix` and the backticked candidates that follow.
fn backticked(msg: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix(prefix)?;
    let (name, tail) = rest.split_once('`')?;
    let candidates = tail.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((name.to_string(), candidates))
}

/// Serde's wording in user terms: TOML type names; a backticked value (``integer `5` ``) loses its
/// backticks, a backticked key (``missing field `rate` ``) gets double quotes.
fn tidy(msg: &str) -> String {
    let value = msg.starts_with("invalid type") || msg.starts_with("invalid value");
    let mut out = msg.replace('`', if value { "" } else { "\"" });
    for (rust, toml) in [
        ("expected f64", "expected a number"),
        ("expected i64", "expected an integer"),
        ("expected u64", "expected an integer"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
        ("floating point", "float"),
    ] {
        out = out.replace(rust, toml);
    }
    out
}

impl<'a> Cx<'a> {
    /// The entries of an array of tables (`[[phase]]`), each deserialized on its own; `None` for an
    /// entry that failed. None when the key is absent (whether that is allowed is the plan's rule).
    pub(super) fn array<T: for<'de> Deserialize<'de>>(&mut self, key: &str) -> Vec<(usize, Option<T>)> {
        let entries = self.array_values(key);
        entries.into_iter().map(|(i, v)| (i, self.section::<T>(&format!("{key}[{i}]"), v))).collect()
    }

    /// The entries of an array of tables, not yet deserialized; see [`Cx::array`].
    pub(super) fn array_values(&mut self, key: &str) -> Vec<(usize, &'a Spanned<DeValue<'a>>)> {
        let doc = self.doc;
        let entries = match doc.get(key).map(|v| v.get_ref()) {
            Some(DeValue::Array(a)) => a.iter().collect::<Vec<_>>(),
            Some(_) => {
                self.error_hint(
                    key,
                    format!("{key} must be an array of tables"),
                    format!("write [[{key}]], with double brackets"),
                );
                self.replaced.push(key.to_string());
                return Vec::new();
            }
            None => Vec::new(),
        };
        entries.into_iter().enumerate().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::validate;
    use crate::scenario::Overrides;
    use std::path::Path;

    #[test]
    fn unknown_keys_are_located_and_get_the_closest_name() {
        assert_eq!(errs(&format!("sead = 1\n{MINIMAL}")), ["1:1 sead: unknown key \"sead\""]);
        assert_eq!(hints(&format!("sead = 1\n{MINIMAL}")), ["did you mean \"seed\"?"]);
        assert_eq!(hints(&format!("zzzzzz = 1\n{MINIMAL}"))[0].split(',').next(), Some("expected one of \"name\""));
        // After [[client]], a misspelt key belongs to the client.
        assert_eq!(errs(&format!("{MINIMAL}sead = 1\n")), ["9:1 client[0]: unknown field \"sead\""]);
        let src = phase("shape = { kind = \"constant\", rat = 5 }");
        assert_eq!(errs(&src), ["8:30 phase[0].shape: unknown field \"rat\""]);
        assert_eq!(hints(&src), ["did you mean \"rate\"?"]);
        let src = client("retries = { max = 1, onn = [\"reset\"] }");
        assert_eq!(errs(&src), ["9:22 client[0].retries: unknown field \"onn\""]);
        assert_eq!(hints(&src), ["did you mean \"on\"?"]);
        let src = phase("shape = { kind = \"burst\", rate = 5 }");
        assert_eq!(errs(&src), ["8:18 phase[0].shape.kind: unknown kind \"burst\""]);
        assert_eq!(hints(&src), ["did you mean \"bursts\"?"]);
        assert_eq!(errs(&phase("shape = { kind = \"steps\" }")), ["8:9 phase[0].shape: missing field \"rates\""]);
        assert_eq!(
            errs(&phase("concurrency = 1.5")),
            ["8:15 phase[0].concurrency: invalid type: float 1.5, expected an integer"]
        );
    }

    #[test]
    fn syntax_errors_are_all_reported_with_their_place() {
        let diags = validate("name = \"t\"\nseed = \nthreads = = 2\n", Path::new("s.toml"), &Overrides::default())
            .expect_err("syntax");
        assert!(diags.0.len() >= 2, "{diags}");
        assert_eq!((diags.0[0].line, diags.0[0].col, diags.0[0].field.as_str()), (2, 8, ""));
        assert!(diags.0[0].message.starts_with("TOML syntax error: "), "{}", diags.0[0].message);
        assert!(diags.0.iter().any(|d| d.line == 3), "{diags}");
    }
}
