//! `[[client]]`'s `sweep = { knob = [values] }`: the client expanded into one configuration per
//! value, each validated as the client with the knob set to that value.
//!
//! A member is the client's own table from the document with `sweep` taken out and the knob put
//! in, its value keeping its place in the file; [`Cx::client`] validates it like any client, with
//! [`Cx::reroute`] moving what it reports about the knob to the value
//! (`client[0].sweep.pool_idle_timeout[2]`). So any key a `[[client]]` takes can be swept, a key
//! added later included, with its own rules. The member's name is `<name>-<value>`, the value
//! written as the normalized scenario writes it (`scenario::sweep::member_name`).
//!
//! Expanding moves every configuration after a sweep: [`Places`] says where each configuration of
//! the plan was written, so what the plan's own rules report about `client[4]` is reported where
//! the file has it.

use super::diagnostic::{Cx, Diagnostic};
use super::suggest::suggestion;
use crate::scenario::plan::{ClientPlan, SweepPlan};
use crate::scenario::raw::RawClient;
use crate::scenario::sweep::{member_name, word};
use serde::de::{self, Deserialize, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::ops::Range;
use toml::de::DeValue;
use toml::Spanned;

/// Where a configuration of the plan was written.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    /// A `[[client]]` of its own, by its index in the file.
    Client(usize),
    /// Value `value` of `client[client]`'s sweep of `knob`, written `word`.
    Member { client: usize, knob: String, value: usize, word: String },
}

impl Origin {
    fn describe(&self) -> String {
        match self {
            Origin::Client(i) => format!("client[{i}]"),
            Origin::Member { client, knob, word, .. } => format!("client[{client}]'s sweep for {knob} = {word}"),
        }
    }
}

/// Where each configuration of the plan was written, index for index with `Plan::clients`.
#[derive(Debug, Default)]
pub(super) struct Places {
    origins: Vec<Origin>,
    /// Configurations whose name an earlier one has, a sweep's member among the two: reported
    /// here, so the plan's rule of unique names is not reported again for them.
    collided: Vec<usize>,
}

/// The `[[client]]`s, each sweep expanded into its members at its place.
#[derive(Debug, Default)]
pub(super) struct Clients {
    pub(super) plans: Vec<ClientPlan>,
    pub(super) sweeps: Vec<SweepPlan>,
    pub(super) places: Places,
}

/// A well-formed sweep, as the document writes it.
struct Sweep<'a> {
    knob: String,
    /// The knob's key in `sweep = { … }`.
    key: Range<usize>,
    values: &'a [Spanned<DeValue<'a>>],
}

impl Places {
    /// A path of the plan (`client[4].max_conns_per_host`, sweeps counted expanded) as the file
    /// has it: the `[[client]]` it was written in, and for a member's swept knob, its value.
    pub(super) fn field(&self, field: &str) -> String {
        let Some((j, rest)) = client_index(field) else { return field.to_string() };
        match self.origins.get(j) {
            None => field.to_string(),
            Some(Origin::Client(i)) => format!("client[{i}]{rest}"),
            Some(Origin::Member { client, knob, value, .. }) => {
                match rest.strip_prefix('.').and_then(|r| r.strip_prefix(knob.as_str())) {
                    Some(after) if after.is_empty() || after.starts_with(['.', '[']) => {
                        format!("client[{client}].sweep.{knob}[{value}]{after}")
                    }
                    _ => format!("client[{client}]{rest}"),
                }
            }
        }
    }

    /// Every `client[N]` of a message or hint (`client[3] is already named "a"`) as the file counts them.
    pub(super) fn text(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("client[") {
            out.push_str(&rest[..at]);
            let tail = &rest[at..];
            match client_index(tail) {
                Some((j, after)) => {
                    match self.origins.get(j) {
                        Some(Origin::Client(i) | Origin::Member { client: i, .. }) => {
                            out.push_str(&format!("client[{i}]"))
                        }
                        None => out.push_str(&tail[..tail.len() - after.len()]),
                    }
                    rest = after;
                }
                None => {
                    out.push_str("client[");
                    rest = &tail["client[".len()..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Whether the plan's rule at `field` (a plan path) was reported here already.
    pub(super) fn reported(&self, field: &str) -> bool {
        client_index(field).is_some_and(|(j, rest)| rest == ".name" && self.collided.contains(&j))
    }
}

/// `client[12].rest` → `(12, ".rest")`.
fn client_index(field: &str) -> Option<(usize, &str)> {
    let inner = field.strip_prefix("client[")?;
    let close = inner.find(']')?;
    let index = inner[..close].parse().ok()?;
    Some((index, &inner[close + 1..]))
}

/// The keys `T`, a struct deserialized by serde's derive, takes: the field list the derive hands
/// to `deserialize_struct`, caught by a deserializer that reads nothing else.
fn struct_fields<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    struct Fields(&'static [&'static str]);
    impl<'de> de::Deserializer<'de> for &mut Fields {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only a struct's fields are read"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0 = fields;
            Err(de::Error::custom("fields read"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let mut fields = Fields(&[]);
    let _ = T::deserialize(&mut fields);
    fields.0
}

/// The `[[client]]` keys a sweep may not vary, and why.
fn refused(knob: &str) -> Option<&'static str> {
    match knob {
        "name" => {
            Some("each member is named after the client and its value (<name>-<value>): name is the client's own")
        }
        "sweep" => Some("a sweep varies a knob of the client; sweep is not one"),
        _ if knob.starts_with("preset") => Some(
            "a preset sets several knobs at once: give each preset a [[client]] of its own, or sweep one of the knobs \
             it sets",
        ),
        _ => None,
    }
}

const EXAMPLE: &str = "e.g. sweep = { pool_idle_timeout = [\"1s\", \"5s\", \"30s\"] }";

impl<'a> Cx<'a> {
    /// Every `[[client]]`, a sweep's expanded into its members at its place.
    pub(super) fn clients(&mut self) -> Clients {
        let mut out = Clients::default();
        for (i, value) in self.array_values("client") {
            match self.sweep_of(i, value) {
                Some(sweep) => self.expand(i, value, &sweep, &mut out),
                None => {
                    let raw = self.section::<RawClient>(&format!("client[{i}]"), value);
                    out.plans.push(self.client(i, raw.as_ref()));
                    out.places.origins.push(Origin::Client(i));
                }
            }
        }
        self.collisions(&mut out);
        out
    }

    /// Reports again, where the file has them, the problems found since `since` about the plan's
    /// configurations (`client[4]…`, sweeps counted expanded).
    pub(super) fn relocate_since(&mut self, since: usize, places: &Places) {
        let moved: Vec<Diagnostic> = self.diags.drain(since..).collect();
        for d in moved {
            self.report(&places.field(&d.field), places.text(&d.message), d.hint.map(|h| places.text(&h)));
        }
    }

    /// The client's sweep, when it has a well-formed one: one knob a client takes, not set on the
    /// client too, and a list of at least two values. A sweep that is not is reported, and the
    /// client is then validated as if it had none.
    fn sweep_of(&mut self, i: usize, value: &'a Spanned<DeValue<'a>>) -> Option<Sweep<'a>> {
        let DeValue::Table(table) = value.get_ref() else { return None };
        let sweep = table.get("sweep")?;
        let field = format!("client[{i}].sweep");
        let DeValue::Table(knobs) = sweep.get_ref() else {
            self.error_hint(&field, "sweep must be a table of one knob and its values", EXAMPLE);
            return None;
        };
        let (key, values) = match knobs.iter().collect::<Vec<_>>()[..] {
            [(key, values)] => (key, values),
            [] => {
                self.error_hint(&field, "sweep names no knob", EXAMPLE);
                return None;
            }
            ref many => {
                let names: Vec<String> = many.iter().map(|(k, _)| format!("\"{}\"", k.get_ref())).collect();
                self.error_hint(
                    &field,
                    format!("a sweep varies one knob, got {}: {}", many.len(), names.join(", ")),
                    "keep one; for another knob, another [[client]] with a sweep of its own",
                );
                return None;
            }
        };
        let knob: &str = key.get_ref();
        let at = format!("{field}.{knob}");
        if let Some(why) = refused(knob) {
            self.push(key.span(), at, format!("{knob} cannot be swept"), Some(why.to_string()));
            return None;
        }
        let keys = struct_fields::<RawClient>();
        if !keys.contains(&knob) {
            let hint = suggestion(knob, keys.iter().copied().filter(|k| refused(k).is_none()));
            self.push(key.span(), at, format!("unknown knob \"{knob}\": not a [[client]] key"), hint);
            return None;
        }
        if table.contains_key(knob) {
            self.error_hint(
                &format!("client[{i}].{knob}"),
                format!("{knob} is swept: it cannot also be set here"),
                format!("remove it here; the sweep sets {knob} on each of its configurations"),
            );
        }
        let DeValue::Array(list) = values.get_ref() else {
            self.error_hint(
                &at,
                "a sweep's values are a list",
                format!("{knob} = [<value>, <value>, …], each value written as {knob} takes it"),
            );
            return None;
        };
        if list.len() < 2 {
            self.error_hint(
                &at,
                format!("a sweep needs at least two values, got {}", list.len()),
                format!("with one value, set {knob} on the client itself"),
            );
            return None;
        }
        Some(Sweep { knob: knob.to_string(), key: key.span(), values: list })
    }

    /// The members of `client[i]`'s `sweep`, each validated as the client with the knob set to its
    /// value, reported at that value.
    fn expand(&mut self, i: usize, value: &Spanned<DeValue<'a>>, sweep: &Sweep<'a>, out: &mut Clients) {
        let DeValue::Table(table) = value.get_ref() else { return };
        let mut base = table.clone();
        base.remove("sweep");
        base.remove(sweep.knob.as_str());
        let client = match table.get("name").map(|n| n.get_ref()) {
            Some(DeValue::String(name)) => name.to_string(),
            _ => String::new(),
        };
        let mut values: Vec<Value> = Vec::new();
        let mut members = Vec::new();
        for (k, item) in sweep.values.iter().enumerate() {
            let at = format!("client[{i}].sweep.{}[{k}]", sweep.knob);
            let mut member = base.clone();
            member.insert(Spanned::new(sweep.key.clone(), Cow::Owned(sweep.knob.clone())), item.clone());
            let member = Spanned::new(value.span(), DeValue::Table(member));
            let before = self.diags.len();
            self.reroute = Some((format!("client[{i}].{}", sweep.knob), at.clone()));
            let raw = self.section::<RawClient>(&format!("client[{i}]"), &member);
            let mut plan = self.client(i, raw.as_ref());
            self.reroute = None;
            let own = |d: &Diagnostic| {
                d.field == at || d.field.starts_with(&format!("{at}.")) || d.field.starts_with(&format!("{at}["))
            };
            // A table serde refused is validated as the defaults: its knob is not the value's.
            let invalid = raw.is_none() || self.diags[before..].iter().any(own);
            // Written as the normalized scenario writes it; a value refused as it is written.
            let json = match plan.normalized().get(&sweep.knob) {
                Some(json) if !invalid => json.clone(),
                _ => Value::String(self.src.get(item.span()).unwrap_or_default().to_string()),
            };
            if let Some(first) = values.iter().position(|v| *v == json).filter(|_| !invalid) {
                self.error_hint(
                    &at,
                    format!("{} is the same value as {}[{first}]", word(&json), sweep.knob),
                    "each value is one configuration: give each once",
                );
                continue;
            }
            let name = member_name(&client, &word(&json), k);
            plan.name = name.clone();
            out.plans.push(plan);
            out.places.origins.push(Origin::Member {
                client: i,
                knob: sweep.knob.clone(),
                value: k,
                word: word(&json),
            });
            values.push(json);
            members.push(name);
        }
        out.sweeps.push(SweepPlan { client, knob: sweep.knob.clone(), values, members });
    }

    /// A sweep's member named as another configuration is: reported at the later of the two
    /// (two clients of their own are the plan's rule of unique names).
    fn collisions(&mut self, out: &mut Clients) {
        for b in 0..out.plans.len() {
            let name = out.plans[b].name.clone();
            let Some(a) = out.plans[..b].iter().position(|c| !name.is_empty() && c.name == name) else { continue };
            let (first, second) = (&out.places.origins[a], &out.places.origins[b]);
            if let (Origin::Client(_), Origin::Client(_)) = (first, second) {
                continue;
            }
            let field = match second {
                Origin::Client(i) => format!("client[{i}].name"),
                Origin::Member { client, knob, value, .. } => format!("client[{client}].sweep.{knob}[{value}]"),
            };
            let message =
                format!("two configurations would be named \"{name}\": {} and {}", first.describe(), second.describe());
            self.error_hint(
                &field,
                message,
                "a sweep names each configuration <name>-<value>: rename one of the clients",
            );
            out.places.collided.push(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use std::time::Duration;

    fn sweep(body: &str) -> String {
        client(&format!("sweep = {{ {body} }}"))
    }

    #[test]
    fn the_client_keys_are_read_off_the_raw_type() {
        let keys = struct_fields::<RawClient>();
        for key in ["name", "pool_idle_timeout", "retries", "resolver", "sweep"] {
            assert!(keys.contains(&key), "{key} missing from {keys:?}");
        }
    }

    #[test]
    fn a_sweep_expands_into_one_configuration_per_value_in_order() {
        let plan = ok(&sweep("pool_idle_timeout = [\"1s\", \"90s\", \"none\"]"));
        let names: Vec<&str> = plan.clients.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["c-1s", "c-1m_30s", "c-none"]);
        let idle: Vec<Option<Duration>> = plan.clients.iter().map(|c| c.pool_idle_timeout).collect();
        assert_eq!(idle, [Some(Duration::from_secs(1)), Some(Duration::from_secs(90)), None]);
        assert_eq!(plan.sweeps.len(), 1);
        let s = &plan.sweeps[0];
        assert_eq!((s.client.as_str(), s.knob.as_str()), ("c", "pool_idle_timeout"));
        assert_eq!(s.words(), ["1s", "1m 30s", "none"]);
        assert_eq!(s.members, ["c-1s", "c-1m_30s", "c-none"]);
        // Everything else is the client's own, the same for every member.
        let plan = ok(&client(
            "request_timeout = \"2s\"\nsweep = { max_conns_per_host = [1, \"unlimited\"] }\n[[client]]\nname = \"d\"",
        ));
        let names: Vec<&str> = plan.clients.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["c-1", "c-unlimited", "d"]);
        assert_eq!((plan.clients[0].max_conns_per_host, plan.clients[1].max_conns_per_host), (Some(1), None));
        assert!(plan.clients[..2].iter().all(|c| c.request_timeout == Some(Duration::from_secs(2))));
        // A table-valued knob sweeps too.
        let plan = ok(&sweep("retries = [{ max = 1, on = [\"reset\"] }, { max = 2, on = [\"reset\"] }]"));
        assert_eq!((plan.clients[0].retries.max, plan.clients[1].retries.max), (1, 2));
        assert!(plan.clients[0].name.starts_with("c-") && plan.clients[0].name != plan.clients[1].name);
        assert_round_trip(&plan);
    }

    #[test]
    fn the_normalized_scenario_writes_the_sweep_back_and_reads_as_the_same_plan() {
        let plan = ok(&client(
            "http = \"1\"\nsweep = { pool_idle_timeout = [\"90s\", \"1s\"] }\n[[client]]\nname = \"other\"\n\
             pool_idle_timeout = \"5s\"",
        ));
        assert_round_trip(&plan);
        let json = plan.normalized();
        let clients = json["client"].as_array().unwrap();
        assert_eq!(clients.len(), 2, "{json}");
        assert_eq!(clients[0]["name"], "c");
        assert_eq!(clients[0]["sweep"], serde_json::json!({ "pool_idle_timeout": ["1m 30s", "1s"] }));
        assert!(clients[0].get("pool_idle_timeout").is_none(), "the knob is swept, not set");
        assert_eq!(clients[1]["pool_idle_timeout"], "5s");
        // Read back, its members and sweep are the same.
        let again = ok(&toml::to_string(&json).unwrap());
        assert_eq!(again.sweeps, plan.sweeps);
        // Expanded from the normalized scenario (as a result's reader does), each configuration's
        // settings are its own.
        let each: Vec<Value> = plan.clients.iter().map(ClientPlan::normalized).collect();
        assert_eq!(crate::scenario::configurations(&json["client"]), each);
    }

    #[test]
    fn a_malformed_sweep_is_reported_with_a_hint() {
        assert_eq!(
            errs(&client("sweep = 3")),
            ["9:9 client[0].sweep: sweep must be a table of one knob and its values"]
        );
        assert_eq!(errs(&sweep("")), ["9:9 client[0].sweep: sweep names no knob"]);
        assert_eq!(
            errs(&sweep("pool_idle_timeout = [\"1s\", \"2s\"], request_timeout = [\"1s\", \"2s\"]")),
            ["9:9 client[0].sweep: a sweep varies one knob, got 2: \"pool_idle_timeout\", \"request_timeout\""]
        );
        assert_eq!(
            errs(&sweep("pool_idle_timeout = \"1s\"")),
            ["9:31 client[0].sweep.pool_idle_timeout: a sweep's values are a list"]
        );
        let one = sweep("pool_idle_timeout = [\"1s\"]");
        assert_eq!(errs(&one), ["9:31 client[0].sweep.pool_idle_timeout: a sweep needs at least two values, got 1"]);
        assert_eq!(hints(&one), ["with one value, set pool_idle_timeout on the client itself"]);
    }

    #[test]
    fn the_knob_must_be_a_client_key_other_than_name_and_sweep() {
        let typo = sweep("pool_idle_timout = [\"1s\", \"2s\"]");
        assert_eq!(
            errs(&typo),
            ["9:11 client[0].sweep.pool_idle_timout: unknown knob \"pool_idle_timout\": not a [[client]] key"]
        );
        assert_eq!(hints(&typo), ["did you mean \"pool_idle_timeout\"?"]);
        let name = sweep("name = [\"a\", \"b\"]");
        assert_eq!(errs(&name), ["9:11 client[0].sweep.name: name cannot be swept"]);
        assert!(hints(&name)[0].contains("<name>-<value>"), "{:?}", hints(&name));
        assert_eq!(errs(&sweep("sweep = [1, 2]")), ["9:11 client[0].sweep.sweep: sweep cannot be swept"]);
        assert_eq!(
            errs(&sweep("preset = [\"go\", \"hyper\"]")),
            ["9:11 client[0].sweep.preset: preset cannot be swept"]
        );
        assert!(hints(&sweep("preset = [\"go\", \"hyper\"]"))[0].contains("a [[client]] of its own"));
        // Not also set on the client.
        assert_eq!(
            errs(&client("pool_idle_timeout = \"5s\"\nsweep = { pool_idle_timeout = [\"1s\", \"2s\"] }")),
            ["9:21 client[0].pool_idle_timeout: pool_idle_timeout is swept: it cannot also be set here"]
        );
    }

    #[test]
    fn each_value_is_validated_as_its_knob_at_its_own_place() {
        assert_eq!(
            errs(&sweep("pool_idle_timeout = [\"1s\", 5, true, \"1s\"]")),
            [
                "9:38 client[0].sweep.pool_idle_timeout[1]: bare number 5 is not a duration",
                "9:41 client[0].sweep.pool_idle_timeout[2]: invalid type: boolean true, expected a string such as \"250ms\" or a number",
                "9:47 client[0].sweep.pool_idle_timeout[3]: 1s is the same value as pool_idle_timeout[0]",
            ]
        );
        // The same value written two ways is the same value.
        assert_eq!(
            errs(&sweep("pool_idle_timeout = [\"60s\", \"1m\"]")),
            ["9:39 client[0].sweep.pool_idle_timeout[1]: 1m is the same value as pool_idle_timeout[0]"]
        );
        // A type serde refuses, and the rules of the knob's own table, at the value.
        assert_eq!(
            errs(&sweep("keep_alive = [true, \"no\"]")),
            ["9:31 client[0].sweep.keep_alive[1]: invalid type: string \"no\", expected a boolean"]
        );
        assert_eq!(
            errs(&sweep("retries = [{ max = 1 }, { max = -1 }]")),
            ["9:43 client[0].sweep.retries[1].max: must be ≥ 0, got -1"]
        );
        // A rule tying the knob to the client's other keys, at the value that breaks it.
        assert_eq!(
            errs(&client("http = \"2\"\nsweep = { keep_alive = [true, false] }")),
            ["10:31 client[0].sweep.keep_alive[1]: keep_alive = false is not available with http = \"2\""]
        );
        // The plan's rules, at the value, with the clients after the sweep counted as the file has them.
        let src = format!(
            "threads = 2\n{}",
            client("sweep = { max_conns_per_host = [1, 4] }\n[[client]]\nname = \"d\"\n[[client]]\nname = \"d\"")
        );
        assert!(hints(&src).contains(&"client[1] is already named \"d\"".to_string()), "{:?}", hints(&src));
        assert_eq!(
            errs(&src),
            [
                "10:33 client[0].sweep.max_conns_per_host[0]: max_conns_per_host (1) is below threads (2)",
                "14:8 client[2].name: duplicate client name \"d\"",
            ]
        );
        // A key the client does not take, once, and no member is taken for another.
        assert_eq!(
            errs(&client("pool_idle_timout = \"1s\"\nsweep = { max_conns_per_host = [1, 2] }")),
            ["9:1 client[0]: unknown field \"pool_idle_timout\""]
        );
        // A problem of the client's own other keys is reported once, not once per member.
        assert_eq!(
            errs(&client("http = \"3\"\nsweep = { pool_idle_timeout = [\"1s\", \"2s\", \"3s\"] }")),
            ["9:8 client[0].http: unknown HTTP version \"3\""]
        );
    }

    #[test]
    fn a_member_may_not_take_another_configurations_name() {
        let src = client("sweep = { pool_idle_timeout = [\"1s\", \"2s\"] }\n[[client]]\nname = \"c-2s\"");
        assert_eq!(
            errs(&src),
            ["11:8 client[1].name: two configurations would be named \"c-2s\": client[0]'s sweep for pool_idle_timeout = 2s and client[1]"]
        );
        let src = "name = \"t\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\n\
                   name = \"c-1s\"\n[[client]]\nname = \"c\"\nsweep = { pool_idle_timeout = [\"1s\", \"2s\"] }\n";
        assert_eq!(
            errs(src),
            ["11:32 client[1].sweep.pool_idle_timeout[0]: two configurations would be named \"c-1s\": client[0] and client[1]'s sweep for pool_idle_timeout = 1s"]
        );
        assert!(hints(src)[0].contains("<name>-<value>"));
    }

    #[test]
    fn plan_paths_are_mapped_back_to_the_file() {
        let places = Places {
            origins: vec![
                Origin::Member { client: 0, knob: "resolver".into(), value: 0, word: "a".into() },
                Origin::Member { client: 0, knob: "resolver".into(), value: 1, word: "b".into() },
                Origin::Client(1),
            ],
            collided: vec![2],
        };
        assert_eq!(places.field("client[1].resolver.kind"), "client[0].sweep.resolver[1].kind");
        assert_eq!(places.field("client[1].resolvers"), "client[0].resolvers");
        assert_eq!(places.field("client[2].name"), "client[1].name");
        assert_eq!(places.field("threads"), "threads");
        assert_eq!(
            places.text("client[2] is already named \"a\", as client[0]"),
            "client[1] is already named \"a\", as client[0]"
        );
        assert_eq!(places.text("client[x] client["), "client[x] client[");
        assert!(places.reported("client[2].name") && !places.reported("client[1].name"));
    }
}
