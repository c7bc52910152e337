//! `[gate]`: each `"<client>.<metric>" = "<condition>"` parsed by `crate::gate` against the
//! scenario's names, each mistake reported at its key or its condition; and the table's settings
//! (`insufficient_data`).

use super::diagnostic::Cx;
use super::suggest::did_you_mean;
use crate::gate::spec::{Gate, GatePlan, Names, OnInsufficient, Part, OPTION_KEYS};
use crate::vocabulary::Words;
use toml::de::DeValue;

const CONDITION_HINT: &str =
    "e.g. \"tuned.p99\" = \"< 300ms\", or several on one figure: \"tuned.p99\" = [\"< 300ms\", \"regress < 10%\"]";

impl<'a> Cx<'a> {
    /// The `[gate]` table (empty without one), its names checked against `names`.
    pub(super) fn gates(&mut self, names: &Names) -> GatePlan {
        let mut plan = GatePlan::default();
        let Some(section) = self.doc.get("gate") else {
            return plan;
        };
        let DeValue::Table(table) = section.get_ref() else {
            self.error_hint(
                "gate",
                "gate must be a table",
                "write [gate], then one \"client.metric\" = \"condition\" a line",
            );
            return plan;
        };
        // In file order (the parsed table is sorted by key), so verdicts come as the gates were written.
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in entries {
            let (key_text, key_span) = (key.get_ref().to_string(), key.span());
            let field = format!("gate.\"{key_text}\"");
            // One condition, or several on the same figure: ["< 300ms", "regress < 10%"].
            let conditions: Vec<(String, std::ops::Range<usize>)> = match value.get_ref() {
                DeValue::String(s) => vec![(s.to_string(), value.span())],
                DeValue::Array(items) if key_text.contains('.') && !items.is_empty() => {
                    let strings: Option<Vec<_>> = items
                        .iter()
                        .map(|item| match item.get_ref() {
                            DeValue::String(s) => Some((s.to_string(), item.span())),
                            _ => None,
                        })
                        .collect();
                    match strings {
                        Some(strings) => strings,
                        None => {
                            self.push(
                                value.span(),
                                field,
                                "every condition is a string".into(),
                                Some(CONDITION_HINT.into()),
                            );
                            continue;
                        }
                    }
                }
                _ => {
                    self.push(
                        value.span(),
                        field,
                        "a gate's condition is a string".to_string(),
                        Some(CONDITION_HINT.into()),
                    );
                    continue;
                }
            };
            let text = conditions[0].0.clone();
            if !key_text.contains('.') {
                if key_text == "insufficient_data" {
                    match OnInsufficient::from_word(&text) {
                        Some(on) => plan.insufficient_data = on,
                        None => self.push(
                            value.span(),
                            field,
                            format!("\"{text}\" is neither \"fail\" nor \"warn\""),
                            Some("insufficient_data = \"fail\" (the default) fails a gate with too few samples; \"warn\" only reports it".into()),
                        ),
                    }
                } else {
                    let hint = did_you_mean(&key_text, OPTION_KEYS.iter().copied()).unwrap_or_else(|| {
                        format!("a gate's key names a configuration and a metric, e.g. \"{key_text}.p99\" (quoted, with the dot)")
                    });
                    self.push(key_span, field, format!("unknown [gate] setting \"{key_text}\""), Some(hint));
                }
                continue;
            }
            for (text, span) in conditions {
                match Gate::parse(&key_text, &text, names) {
                    Ok(gate) => plan.gates.push(gate),
                    Err(e) => {
                        let at = match e.part {
                            Part::Key => key_span.clone(),
                            Part::Condition => span,
                        };
                        self.push(at, field.clone(), e.message, e.hint);
                        if e.part == Part::Key {
                            break; // the same key's other conditions would say it again
                        }
                    }
                }
            }
        }
        plan
    }
}
