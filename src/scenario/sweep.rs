//! A `[[client]]`'s `sweep = { knob = [values] }`: one configuration per value of one knob, named
//! `<client>-<value>`, and the normalized scenario that writes them back as the one client.
//!
//! Validation (`validate/sweep.rs`) expands a sweep into its members at the client's place in
//! `Plan::clients`, each validated as the client with the knob set to its value, so every key a
//! `[[client]]` takes can be swept; this file holds what the plan keeps of it and how a member is
//! named.

use super::plan::ClientPlan;
use serde_json::{json, Value};

/// One `[[client]]`'s sweep: which knob, its values, and the configurations they became.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPlan {
    /// The `[[client]]`'s own `name`; `run --client` selects every member by it.
    pub client: String,
    /// The `[[client]]` key the members differ in.
    pub knob: String,
    /// Each value in scenario vocabulary, as the normalized scenario writes it (`"1s"`, `4`,
    /// `"unlimited"`), in the order given.
    pub values: Vec<Value>,
    /// The configuration of each value, value for value: names in `Plan::clients`.
    pub members: Vec<String>,
}

impl SweepPlan {
    /// Each value as a word: a string as it is, anything else as its JSON (`4`, `true`).
    pub fn words(&self) -> Vec<String> {
        self.values.iter().map(word).collect()
    }
}

/// A value in scenario vocabulary as one word: a string as it is, anything else as its JSON.
pub fn word(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The name of the member of `client`'s sweep for the value written `word`: `<client>-<word>`,
/// each run of characters outside the names' alphabet (letters, digits, '-', '_', '.') one '_'
/// (`"1m 30s"` → `idle-1m_30s`); `fallback` when the word has none of them.
pub fn member_name(client: &str, word: &str, fallback: usize) -> String {
    let mut kept = String::new();
    let mut gap = false;
    for c in word.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            if gap && !kept.is_empty() {
                kept.push('_');
            }
            gap = false;
            kept.push(c);
        } else {
            gap = true;
        }
    }
    if kept.is_empty() {
        kept = fallback.to_string();
    }
    format!("{client}-{kept}")
}

/// The clients as the normalized scenario writes them: a sweep's members as the one `[[client]]`
/// they came from, with `sweep = { knob = [values] }` in place of the knob, where its first member
/// stands. A sweep of which fewer than two members are left (a plan changed by code) is written
/// as those members, each a client of its own.
pub(super) fn normalized_clients(clients: &[ClientPlan], sweeps: &[SweepPlan]) -> Vec<Value> {
    let present = |sweep: &SweepPlan| -> Vec<usize> {
        (0..sweep.members.len()).filter(|&k| clients.iter().any(|c| c.name == sweep.members[k])).collect()
    };
    let mut out = Vec::new();
    for client in clients {
        let found = sweeps.iter().find_map(|s| s.members.iter().position(|m| *m == client.name).map(|k| (s, k)));
        let Some((sweep, k)) = found else {
            out.push(client.normalized());
            continue;
        };
        let kept = present(sweep);
        if kept.len() < 2 {
            out.push(client.normalized());
        } else if kept[0] == k {
            let mut base = client.normalized();
            if let Some(table) = base.as_object_mut() {
                table.remove(&sweep.knob);
                table.insert("name".into(), json!(sweep.client));
                let values: Vec<&Value> = kept.iter().map(|&k| &sweep.values[k]).collect();
                table.insert("sweep".into(), json!({ sweep.knob.as_str(): values }));
            }
            out.push(base);
        }
    }
    out
}

/// A normalized scenario's `client` list with each sweep expanded: one table per configuration,
/// named as validation names its members, the knob set to its value and `sweep` gone — the
/// settings each configuration of a result ran with.
pub fn configurations(clients: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for client in clients.as_array().into_iter().flatten() {
        let sweep = client.get("sweep").and_then(Value::as_object).filter(|s| s.len() == 1);
        let Some((knob, values)) = sweep.and_then(|s| s.iter().next()) else {
            out.push(client.clone());
            continue;
        };
        let name = client.get("name").and_then(Value::as_str).unwrap_or_default();
        for (k, value) in values.as_array().into_iter().flatten().enumerate() {
            let mut member = client.clone();
            if let Some(table) = member.as_object_mut() {
                table.remove("sweep");
                table.insert(knob.clone(), value.clone());
                table.insert("name".into(), json!(member_name(name, &word(value), k)));
            }
            out.push(member);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_keep_the_alphabet() {
        assert_eq!(member_name("idle", "1s", 0), "idle-1s");
        assert_eq!(member_name("idle", "1m 30s", 0), "idle-1m_30s");
        assert_eq!(member_name("r", "{\"max\":1,\"on\":[\"reset\"]}", 0), "r-max_1_on_reset");
        assert_eq!(member_name("c", "unlimited", 0), "c-unlimited");
        assert_eq!(member_name("c", "2.5", 0), "c-2.5");
        assert_eq!(member_name("c", "{}", 3), "c-3");
        assert_eq!(word(&json!("1s")), "1s");
        assert_eq!(word(&json!(4)), "4");
        assert_eq!(word(&json!(false)), "false");
    }
}
