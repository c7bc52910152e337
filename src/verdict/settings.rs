//! The settings a run's client configurations differ in, read from the normalized scenario the
//! result carries: `pool_idle_timeout (default 1m 30s, tuned 2s)`.

use crate::result::RunResult;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The differing settings, or `None` when there is one configuration or they are all alike. A
/// table of settings (`resolver = { kind = … }`) is told key by key (`resolver.kind`); `retries` as
/// one.
pub fn differences(r: &RunResult) -> Option<String> {
    let configurations = r.configurations();
    let entries: Vec<(&str, BTreeMap<String, &Value>)> = configurations
        .iter()
        .filter_map(|e| {
            let mut flat = BTreeMap::new();
            flatten("", e, &mut flat);
            Some((e.get("name")?.as_str()?, flat))
        })
        .collect();
    if entries.len() < 2 {
        return None;
    }
    let keys: BTreeSet<&String> = entries.iter().flat_map(|(_, e)| e.keys()).filter(|k| *k != "name").collect();
    let parts: Vec<String> = keys
        .into_iter()
        .filter_map(|key| {
            let values: Vec<Option<&&Value>> = entries.iter().map(|(_, e)| e.get(key)).collect();
            // A key only some configurations have comes with a setting that differs (a resolver's
            // kind): that one is told.
            if values.iter().any(Option::is_none) || values.iter().all(|v| *v == values[0]) {
                return None;
            }
            let shown: Vec<String> =
                entries.iter().zip(&values).map(|((name, _), v)| format!("{name} {}", show(v.copied()))).collect();
            Some(format!("{key} ({})", shown.join(", ")))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// `value`'s leaves under dotted keys; `retries` (and any non-table) is a leaf.
fn flatten<'v>(prefix: &str, value: &'v Value, out: &mut BTreeMap<String, &'v Value>) {
    match value.as_object() {
        Some(map) if prefix != "retries" => {
            for (key, v) in map {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, v, out);
            }
        }
        _ => {
            out.insert(prefix.to_string(), value);
        }
    }
}

/// A setting's value in a few words: `2s`, `unlimited`, `2 on reset, closed_before_response, backoff 20ms`.
fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "unset".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(map)) if map.contains_key("max") && map.contains_key("on") => {
            let max = map.get("max").and_then(Value::as_u64).unwrap_or(0);
            if max == 0 {
                return "none".to_string();
            }
            let on: Vec<&str> = map
                .get("on")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let backoff = map.get("backoff").and_then(Value::as_str).unwrap_or("0s");
            format!("{max} on {}, backoff {backoff}", on.join(", "))
        }
        Some(other) => other.to_string(),
    }
}
