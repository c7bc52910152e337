//! `[[fault]]`: each fault's window and layer, then its kind's own keys, which the kind reads
//! itself through [`Keys`] (implemented here by [`FaultKeys`]), found in the registry of every
//! kind (`scenario::faults::kinds`).

use super::diagnostic::Cx;
use super::suggest::{did_you_mean, quoted_list, suggestion};
use super::values::fmt_dur;
use crate::dist::Dist;
use crate::fault::{Keys, Need};
use crate::scenario::ceilings;
use crate::scenario::faults::{self as fault, Kind};
use crate::scenario::plan::*;
use crate::scenario::raw::{RawDelay, RawFault, Scalar};
use crate::vocabulary::Words;
use serde::Deserialize;
use std::ops::Range;
use std::time::Duration;
use toml::de::DeValue;
use toml::Spanned;

impl<'a> Cx<'a> {
    /// Every `[[fault]]` that validated, with its index in the file. Unknown keys are reported
    /// (all of them) first; then the keys every fault takes are deserialized on their own, and
    /// the kind reads its own keys, so a misspelt key does not hide the fault's other problems.
    pub(super) fn faults(&mut self, run: Option<&RunContext>) -> Vec<(usize, FaultPlan<FaultKind>)> {
        let mut faults = Vec::new();
        for (i, value) in self.array_values("fault") {
            let field = format!("fault[{i}]");
            let mut common = value.clone();
            let mut own = Vec::new();
            if let DeValue::Table(table) = common.get_mut() {
                let kind = match table.get("kind").map(|k| k.get_ref()) {
                    Some(DeValue::String(kind)) => Some(kind.to_string()),
                    _ => None,
                };
                let keys: Vec<(String, Range<usize>)> =
                    table.iter().map(|(key, _)| (key.get_ref().to_string(), key.span())).collect();
                for (key, span) in keys {
                    if RawFault::COMMON_KEYS.contains(&key.as_str()) {
                        continue;
                    }
                    let value = table.remove(key.as_str()).expect("listed from the table");
                    if fault::kinds().any(|spec| spec.takes(&key)) {
                        own.push((key, value));
                    } else {
                        let hint = fault_key_suggestion(&key, kind.as_deref());
                        self.push(span, field.clone(), format!("unknown field \"{key}\""), hint);
                    }
                }
            }
            if let Some(raw) = self.section::<RawFault>(&field, &common) {
                faults.extend(self.fault(i, &raw, own, run).map(|fault| (i, fault)));
            }
        }
        faults
    }

    /// Each validated fault's `label` (index for index with `faults`): letters, digits, '-' and
    /// '_', no two alike, and not the kind of another fault (a gate's scope names either).
    pub(super) fn fault_labels(&mut self, faults: &[(usize, FaultPlan<FaultKind>)]) -> Vec<Option<String>> {
        let mut names: Vec<Option<String>> = Vec::new();
        for (i, _) in faults {
            let field = format!("fault[{i}].label");
            let name = self.array_values("fault").get(*i).and_then(|(_, table)| match table.get_ref() {
                DeValue::Table(t) => match t.get("label").map(|v| v.get_ref()) {
                    Some(DeValue::String(s)) => Some(s.to_string()),
                    _ => None,
                },
                _ => None,
            });
            if let Some(name) = &name {
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    self.error_hint(
                        &field,
                        format!("\"{name}\" may contain only letters, digits, '-' and '_'"),
                        "a gate scopes by it: \"tuned.during.<label>.p99\"",
                    );
                } else if names.iter().flatten().any(|n| n == name) {
                    self.error_hint(
                        &field,
                        format!("duplicate fault label \"{name}\""),
                        "give each fault its own label",
                    );
                } else if let Some((other, _)) = faults.iter().find(|(j, f)| j != i && f.kind.name() == name) {
                    self.error_hint(
                        &field,
                        format!("\"{name}\" is the kind of fault[{other}]"),
                        "a gate's scope names a fault by its label or its kind: pick a label no kind has",
                    );
                }
            }
            names.push(name);
        }
        names
    }

    fn fault(
        &mut self,
        i: usize,
        raw: &RawFault,
        own: Vec<(String, Spanned<DeValue<'a>>)>,
        run: Option<&RunContext>,
    ) -> Option<FaultPlan<FaultKind>> {
        let f = |name: &str| format!("fault[{i}].{name}");
        let table = format!("fault[{i}]");

        let at = raw.at.as_ref().map_or(Some(Duration::ZERO), |at| self.duration(&f("at"), at));
        let duration = match &raw.for_ {
            Some(d) => self.positive_duration(&f("for"), d),
            None => Some(run.map_or(FOREVER, |run| run.phases.saturating_add(run.drain))),
        };
        let every = match &raw.every {
            Some(Scalar::Str(once)) if once == "once" => None,
            Some(Scalar::Str(none)) if none == "none" => {
                self.error_hint(
                    &f("every"),
                    "\"none\" is not allowed here",
                    "every = \"once\" (the default) acts once",
                );
                None
            }
            Some(e) => self.positive_duration(&f("every"), e),
            None => None,
        };
        match (every, raw.for_.is_some(), duration) {
            (Some(_), false, _) => self.error_hint(
                &f("every"),
                "every needs for: how long each activation lasts",
                "e.g. for = \"5s\"; without for and every a fault lasts the whole run",
            ),
            (Some(every), true, Some(duration)) if every <= duration => self.error_hint(
                &f("every"),
                format!("every ({}) must be longer than for ({})", fmt_dur(every), fmt_dur(duration)),
                "the fault would never switch off",
            ),
            _ => {}
        }
        if let (Some(run), Some(at), Some(every)) = (run, at, every) {
            // Each activation is a window the result lists and the report draws: bounded.
            let over = run.phases.saturating_add(run.drain).saturating_sub(at);
            let activations = over.as_nanos().div_ceil(every.as_nanos());
            let max = ceilings::ceiling(&f("activations"), ceilings::Of::Integer).max;
            if activations as f64 > max.magnitude() {
                self.error_hint(
                    &f("every"),
                    format!(
                        "every ({}) switches the fault on {activations} times over the run ({}), above the ceiling of {max}",
                        fmt_dur(every),
                        fmt_dur(over)
                    ),
                    format!("a repeating fault switches on at most {max} times in a run: make every longer"),
                );
            }
        }
        if let (Some(run), Some(at)) = (run, at) {
            if !run.phases.is_zero() && at >= run.phases {
                self.error_hint(
                    &f("at"),
                    format!("at ({}) is not before the end of the last phase ({})", fmt_dur(at), fmt_dur(run.phases)),
                    "the fault would never act: at counts from the start of the run",
                );
            }
        }
        let probability = match raw.probability {
            None => Some(1.0),
            Some(p) if (0.0..=1.0).contains(&p) => Some(p),
            Some(p) => {
                let hint = if p > 1.0 && p <= 100.0 {
                    format!("a chance, not a percentage: {p}% is probability = {}", p / 100.0)
                } else {
                    "the chance that an active fault hits a request (a connection for proxy faults), e.g. 0.2".into()
                };
                self.error_hint(&f("probability"), format!("probability must be between 0 and 1, got {p}"), hint);
                None
            }
        };

        let Some(kind) = raw.kind.as_deref() else {
            self.error_hint(&table, "missing field \"kind\"", "e.g. kind = \"stall\"");
            return None;
        };
        let layer = match raw.layer.as_deref() {
            None => Some(Layer::Mock),
            Some(word) => Layer::from_word(word).or_else(|| {
                let hint = suggestion(word, Layer::WORDS.iter().map(|(w, _)| *w));
                self.report(&f("layer"), format!("unknown layer \"{word}\""), hint);
                None
            }),
        };
        let specs: Vec<Kind> = fault::kinds().filter(|spec| spec.name == kind).collect();
        let Some(first) = specs.first() else {
            let mut names: Vec<&str> = fault::kinds().map(|s| s.name).collect();
            names.sort_unstable();
            names.dedup();
            let hint = suggestion(kind, names);
            self.report(&f("kind"), format!("unknown kind \"{kind}\""), hint);
            return None;
        };
        let on_its_layer = layer.and_then(|layer| specs.iter().copied().find(|spec| spec.layer == layer));
        let spec = match on_its_layer {
            Some(spec) => spec,
            None => {
                if let Some(layer) = layer {
                    let there = first.layer.word();
                    self.error_hint(
                        &f(if raw.layer.is_some() { "layer" } else { "kind" }),
                        format!("{kind} is not available on layer \"{}\"", layer.word()),
                        format!("{kind} is a {there} fault: layer = \"{there}\""),
                    );
                }
                *first
            }
        };
        if let Some(RunContext { target: Target::Url(_), .. }) = run {
            if spec.layer == Layer::Mock && on_its_layer.is_some() {
                let hint = if fault::kinds().any(|s| s.name == kind && s.layer == Layer::Proxy) {
                    "set mock = true in [target], or layer = \"proxy\" to inject it in front of the URL"
                } else {
                    "set mock = true in [target]"
                };
                self.error_hint(&f("kind"), format!("{kind} is a mock fault, but the target is a URL"), hint);
            }
        }
        let mut misplaced = false;
        let mut keys = Vec::new();
        for (key, value) in own {
            if spec.takes(&key) {
                keys.push((key, value));
            } else {
                self.misplaced_fault_key(&f(&key), &key, spec);
                misplaced = true;
            }
        }
        if spec.layer == Layer::Clients && raw.probability.is_some_and(|p| p != 1.0) {
            // A cohort has no units to hit: each of its connections is the fault.
            self.error_hint(
                &f("probability"),
                format!("probability does not apply to layer \"clients\" ({kind} opens all its connections)"),
                "set connections to the number of slow connections you want; leave probability out",
            );
        }
        let kind = spec.parse(&mut FaultKeys { cx: self, fault: i, kind: spec.name, keys });
        if misplaced {
            return None;
        }
        Some(FaultPlan { kind: kind?, at: at?, duration: duration?, every, probability: probability? })
    }

    /// `code` in a `latency` fault: which kinds take it instead.
    fn misplaced_fault_key(&mut self, field: &str, key: &str, spec: Kind) {
        let kind = spec.name;
        let here = spec.layer.word();
        if let Some(other) = fault::kinds().find(|s| s.name == kind && s.layer != spec.layer && s.takes(key)) {
            let there = other.layer.word();
            self.error_hint(
                field,
                format!("{key} does not apply to kind \"{kind}\" on layer \"{here}\""),
                format!("{key} applies to {kind} on layer = \"{there}\""),
            );
            return;
        }
        let keys: Vec<&str> = spec.all_keys().collect();
        let takes = match keys.as_slice() {
            [] => format!("kind \"{kind}\" takes no keys of its own"),
            keys => format!("kind \"{kind}\" takes {}", keys.join(", ")),
        };
        let mut owners: Vec<&str> = fault::kinds().filter(|s| s.keys.contains(&key)).map(|s| s.name).collect();
        owners.dedup();
        let belongs = match fault::kinds().find(|s| s.layer_keys.contains(&key)) {
            Some(s) => format!("{key} is for {} faults (layer = \"{}\")", s.layer.word(), s.layer.word()),
            None => format!("{key} is for {}", quoted_list(owners.into_iter())),
        };
        self.error_hint(field, format!("{key} does not apply to kind \"{kind}\""), format!("{takes}; {belongs}"));
    }
}

/// One fault's own keys as its kind reads them: each key's value deserialized when the kind asks
/// for it, checked by the shared value rules, and reported at `fault[i].<key>`.
struct FaultKeys<'c, 'a> {
    cx: &'c mut Cx<'a>,
    fault: usize,
    kind: &'static str,
    keys: Vec<(String, Spanned<DeValue<'a>>)>,
}

impl<'a> FaultKeys<'_, 'a> {
    fn field(&self, key: &str) -> String {
        format!("fault[{}].{key}", self.fault)
    }

    /// `key`'s value as a `T`, then `check`ed into a `U`; the default or a "missing field"
    /// diagnostic when absent.
    fn read<T: for<'de> Deserialize<'de>, U>(
        &mut self,
        key: &'static str,
        need: Need<U>,
        check: impl FnOnce(&mut Cx<'a>, &str, T) -> Option<U>,
    ) -> Option<U> {
        let field = self.field(key);
        let Some((_, value)) = self.keys.iter().find(|(k, _)| k == key) else {
            return match need {
                Need::Default(value) => Some(value),
                Need::Required(example) => {
                    let kind = self.kind;
                    self.cx.error_hint(
                        &format!("fault[{}]", self.fault),
                        format!("missing field \"{key}\""),
                        format!("kind \"{kind}\" needs {key}, e.g. {example}"),
                    );
                    None
                }
            };
        };
        let value = value.clone();
        let raw = self.cx.section::<T>(&field, &value)?;
        check(self.cx, &field, raw)
    }
}

impl Keys for FaultKeys<'_, '_> {
    fn given(&self, key: &str) -> bool {
        self.keys.iter().any(|(k, _)| k == key)
    }

    fn duration(&mut self, key: &'static str, positive: bool, need: Need<Duration>) -> Option<Duration> {
        self.read(
            key,
            need,
            |cx, field, v: Scalar| {
                if positive {
                    cx.positive_duration(field, &v)
                } else {
                    cx.duration(field, &v)
                }
            },
        )
    }

    fn delay(&mut self, key: &'static str, need: Need<Dist>) -> Option<Dist> {
        self.read(key, need, |cx, field, v: RawDelay| cx.delay(field, &v))
    }

    fn count(&mut self, key: &'static str, min: u64, need: Need<u64>) -> Option<u64> {
        let min_i = i64::try_from(min).unwrap_or(i64::MAX);
        self.read(key, need, |cx, field, n: i64| cx.count(field, n, min_i).map(|n| n as u64))
    }

    fn integer(&mut self, key: &'static str, need: Need<i64>) -> Option<i64> {
        self.read(key, need, |_, _, n: i64| Some(n))
    }

    fn text(&mut self, key: &'static str, need: Need<String>) -> Option<String> {
        self.read(key, need, |_, _, text: String| Some(text))
    }

    fn addresses(
        &mut self,
        key: &'static str,
        min: usize,
        need: Need<Vec<std::net::IpAddr>>,
    ) -> Option<Vec<std::net::IpAddr>> {
        self.read(key, need, |cx, field, texts: Vec<String>| {
            if texts.len() < min {
                cx.error_hint(
                    field,
                    format!("{key} needs at least {min} addresses, got {}", texts.len()),
                    "e.g. [\"127.0.0.9\", \"127.0.0.1\"]: a dead address, then a live one",
                );
                return None;
            }
            let mut out = Vec::with_capacity(texts.len());
            for (i, text) in texts.iter().enumerate() {
                match text.parse() {
                    Ok(ip) => out.push(ip),
                    Err(_) => cx.error_hint(
                        &format!("{field}[{i}]"),
                        format!("\"{text}\" is not an IP address"),
                        "an IPv4 (\"127.0.0.1\") or IPv6 (\"::1\") address",
                    ),
                }
            }
            (out.len() == texts.len()).then_some(out)
        })
    }

    fn choice(&mut self, key: &'static str, words: &[&'static str], need: Need<usize>) -> Option<usize> {
        let options: Vec<(&str, usize)> = words.iter().enumerate().map(|(i, w)| (*w, i)).collect();
        self.read(key, need, |cx, field, word: String| cx.choice(field, &word, &options))
    }

    fn invalid(&mut self, key: &'static str, message: String, hint: Option<String>) {
        let field = self.field(key);
        self.cx.report(&field, message, hint);
    }
}

/// What a scenario's faults are checked against; standalone configurations have none.
pub(super) struct RunContext<'t> {
    pub(super) target: &'t Target,
    /// The phases' total duration.
    pub(super) phases: Duration,
    pub(super) drain: Duration,
}

/// How long a fault without `for` lasts when there are no phases (a standalone server): forever.
pub(super) const FOREVER: Duration = Duration::from_secs(100 * 31_557_600);

/// For a misspelt fault key: the closest key of the fault's own kind, else of any kind.
fn fault_key_suggestion(key: &str, kind: Option<&str>) -> Option<String> {
    let own: Vec<&str> = fault::kinds()
        .filter(|spec| Some(spec.name) == kind)
        .flat_map(Kind::all_keys)
        .chain(RawFault::COMMON_KEYS.iter().copied())
        .collect();
    let all: Vec<&str> = fault::kinds().flat_map(Kind::all_keys).collect();
    did_you_mean(key, own.iter().copied())
        .or_else(|| did_you_mean(key, all.iter().copied()))
        .or_else(|| suggestion(key, own.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::values::DURATION_HINT;
    use super::*;
    use crate::chaos::toxics as toxic;
    use crate::dist::Dist;
    use crate::mock::faults::Hang;
    use crate::mock::faults::{
        Close, EmptyResponse, GatewayTimeout, Latency, Malformed, Reset, Stall, Status, Trickle,
    };

    #[test]
    fn fault_windows() {
        let plan = ok(&format!(
            "{}[[fault]]\nkind = \"stall\"\nat = \"4s\"\nfor = \"1s\"\nevery = \"10s\"\nprobability = 0.25\n\
             [[fault]]\nkind = \"stall\"\nlayer = \"mock\"\nat = \"0s\"\nfor = \"1s\"\nevery = \"once\"\nprobability = 0\n",
            MINIMAL.replace("\"1s\"", "\"20s\"")
        ));
        assert_eq!(
            plan.faults,
            vec![
                FaultPlan {
                    kind: mock(Stall),
                    at: Duration::from_secs(4),
                    duration: Duration::from_secs(1),
                    every: Some(Duration::from_secs(10)),
                    probability: 0.25,
                },
                FaultPlan {
                    kind: mock(Stall),
                    at: Duration::ZERO,
                    duration: Duration::from_secs(1),
                    every: None,
                    probability: 0.0
                },
            ]
        );
        // Without at and for: the whole run, phases plus drain.
        assert_eq!(fault("kind = \"stall\""), whole_run(mock(Stall)));
        let plan = ok(&format!("drain = \"2s\"\n{}", phase("concurrency = 1\n[[phase]]\nduration = \"3s\"\nconcurrency = 1\n[[fault]]\nkind = \"stall\"\nat = \"500ms\"\nprobability = 1")));
        assert_eq!((plan.faults[0].at, plan.faults[0].duration), (ms(500), Duration::from_secs(6)));
        assert_eq!(plan.faults[0].probability, 1.0);

        let window = |body: &str| errs(&with(&format!("[[fault]]\nkind = \"stall\"\n{body}\n")));
        assert_eq!(window("for = \"0s\"\nevery = \"1s\""), ["11:7 fault[0].for: must be longer than 0s"]);
        assert_eq!(
            window("at = \"100ms\"\nfor = \"2s\"\nevery = \"2s\""),
            ["13:9 fault[0].every: every (2s) must be longer than for (2s)"]
        );
        assert_eq!(window("every = \"2s\""), ["11:9 fault[0].every: every needs for: how long each activation lasts"]);
        assert_eq!(window("every = 2"), ["11:9 fault[0].every: bare number 2 is not a duration"]);
        assert_eq!(window("for = \"1s\"\nevery = \"none\""), ["12:9 fault[0].every: \"none\" is not allowed here"]);
        assert_eq!(
            window("probability = 1.5\nat = \"1s\""),
            [
                "11:15 fault[0].probability: probability must be between 0 and 1, got 1.5",
                "12:6 fault[0].at: at (1s) is not before the end of the last phase (1s)"
            ]
        );
        assert_eq!(
            window("probability = -0.1"),
            ["11:15 fault[0].probability: probability must be between 0 and 1, got -0.1"]
        );
        assert_eq!(
            window("probability = nan"),
            ["11:15 fault[0].probability: probability must be between 0 and 1, got NaN"]
        );
        assert_eq!(
            window("probability = \"20%\""),
            ["11:15 fault[0].probability: invalid type: string \"20%\", expected a number"]
        );
        assert_eq!(errs(&with("[[fault]]\nat = \"0s\"\n")), ["9:1 fault[0]: missing field \"kind\""]);
    }

    #[test]
    fn mock_fault_kinds_defaults_and_values() {
        assert_eq!(fault("kind = \"stall\"").kind, mock(Stall));
        assert_eq!(fault("kind = \"hang\""), whole_run(mock(Hang)));
        assert_eq!(fault("kind = \"latency\"\nlatency = \"50ms\"").kind, mock(Latency(Dist::Fixed(ms(50)))));
        assert_eq!(
            fault("kind = \"latency\"\nlatency = { dist = \"uniform\", min = \"10ms\", max = \"20ms\" }"),
            whole_run(mock(Latency(Dist::Uniform { min: ms(10), max: ms(20) })))
        );
        assert_eq!(
            fault("kind = \"status\"\ncode = 503"),
            whole_run(mock(Status(http::StatusCode::from_u16(503).unwrap())))
        );
        assert_eq!(fault("kind = \"close\""), whole_run(mock(Close { after_requests: 1 })));
        assert_eq!(fault("kind = \"close\"\nafter_requests = 100").kind, mock(Close { after_requests: 100 }));
        assert_eq!(fault("kind = \"reset\""), whole_run(mock(Reset::BeforeHeaders)));
        assert_eq!(fault("kind = \"reset\"\nstage = \"accept\"").kind, mock(Reset::Accept));
        assert_eq!(fault("kind = \"reset\"\nstage = \"before_headers\"").kind, mock(Reset::BeforeHeaders));
        assert_eq!(fault("kind = \"reset\"\nstage = \"mid_body\"").kind, mock(Reset::MidBody { after_bytes: 0 }));
        assert_eq!(
            fault("kind = \"reset\"\nstage = \"mid_body\"\nafter_bytes = 100").kind,
            mock(Reset::MidBody { after_bytes: 100 })
        );
        assert_eq!(fault("kind = \"empty_response\""), whole_run(mock(EmptyResponse)));
        assert_eq!(fault("kind = \"malformed\""), whole_run(mock(Malformed::Garbage)));
        assert_eq!(fault("kind = \"malformed\"\nform = \"bad_chunk\"").kind, mock(Malformed::BadChunk));
        assert_eq!(fault("kind = \"malformed\"\nform = \"short_body\"").kind, mock(Malformed::ShortBody));
        assert_eq!(
            fault("kind = \"trickle\"\nover = \"5s\""),
            whole_run(mock(Trickle { over: Duration::from_secs(5) }))
        );
        assert_eq!(
            fault("kind = \"gateway_timeout\"\nafter = \"6s\""),
            whole_run(mock(GatewayTimeout {
                status: http::StatusCode::from_u16(504).unwrap(),
                after: Duration::from_secs(6)
            }))
        );
        assert_eq!(
            fault("kind = \"gateway_timeout\"\nstatus = 502\nafter = \"0s\"\nlayer = \"mock\"").kind,
            mock(GatewayTimeout { status: http::StatusCode::from_u16(502).unwrap(), after: Duration::ZERO })
        );
        use crate::mock::faults::{
            FlowControlStall, Goaway, H2Code, MaxConcurrentStreams, PingTimeout, RstStream, SettingsDelay,
        };
        assert_eq!(fault("kind = \"goaway\"").kind, mock(Goaway::Graceful { refuse_in_flight: false }));
        assert_eq!(
            fault("kind = \"goaway\"\nin_flight = \"refuse\"").kind,
            mock(Goaway::Graceful { refuse_in_flight: true })
        );
        assert_eq!(
            fault("kind = \"goaway\"\nmode = \"abrupt\"").kind,
            mock(Goaway::Abrupt { error_code: H2Code::InternalError })
        );
        assert_eq!(
            fault("kind = \"goaway\"\nmode = \"abrupt\"\nerror_code = \"enhance_your_calm\"").kind,
            mock(Goaway::Abrupt { error_code: H2Code::EnhanceYourCalm })
        );
        assert_eq!(fault("kind = \"rst_stream\"").kind, mock(RstStream { error_code: H2Code::RefusedStream }));
        assert_eq!(
            fault("kind = \"rst_stream\"\nerror_code = \"http_1_1_required\"").kind,
            mock(RstStream { error_code: H2Code::Http11Required })
        );
        assert_eq!(fault("kind = \"max_concurrent_streams\"\nmax = 4").kind, mock(MaxConcurrentStreams { max: 4 }));
        assert_eq!(
            fault("kind = \"flow_control_stall\"\nduration = \"2s\"").kind,
            mock(FlowControlStall { duration: Duration::from_secs(2) })
        );
        assert_eq!(
            fault("kind = \"settings_delay\"\ndelay = \"1s\"").kind,
            mock(SettingsDelay { delay: Duration::from_secs(1) })
        );
        assert_eq!(fault("kind = \"ping_timeout\"").kind, mock(PingTimeout));
        let e = |body: &str| errs(&with(&format!("[[fault]]\n{body}\n")));
        assert_eq!(
            e("kind = \"goaway\"\nerror_code = \"cancel\""),
            ["11:14 fault[0].error_code: error_code does not apply to mode \"graceful\""]
        );
        let upper = e("kind = \"rst_stream\"\nerror_code = \"REFUSED_STREAM\"");
        assert!(upper[0].starts_with("11:14 fault[0].error_code: error_code must be \"no_error\""), "{upper:?}");
        assert_eq!(e("kind = \"max_concurrent_streams\"\nmax = 0"), ["11:7 fault[0].max: must be ≥ 1, got 0"]);
    }

    #[test]
    fn proxy_fault_kinds_defaults_and_values() {
        let down = Direction::Downstream;
        let p = |body: &str| fault(&format!("layer = \"proxy\"\n{body}"));
        assert_eq!(
            p("kind = \"latency\"\nlatency = { dist = \"fixed\", value = \"20ms\" }"),
            whole_run(proxy(down, toxic::Latency(Dist::Fixed(ms(20)))))
        );
        assert_eq!(
            p("kind = \"latency\"\nlatency = \"20ms\"\ndirection = \"upstream\"").kind,
            proxy(Direction::Upstream, toxic::Latency(Dist::Fixed(ms(20))))
        );
        assert_eq!(
            p("kind = \"bandwidth\"\nbytes_per_s = 10000\ndirection = \"both\""),
            whole_run(proxy(Direction::Both, toxic::Bandwidth { bytes_per_s: 10_000 }))
        );
        assert_eq!(
            p("kind = \"slicer\"\nsize = 64").kind,
            proxy(down, toxic::Slicer { size: 64, delay: Duration::ZERO })
        );
        assert_eq!(
            p("kind = \"slicer\"\nsize = 1\ndelay = \"10ms\"").kind,
            proxy(down, toxic::Slicer { size: 1, delay: ms(10) })
        );
        assert_eq!(p("kind = \"reset_peer\""), whole_run(proxy(down, toxic::ResetPeer { after: Duration::ZERO })));
        assert_eq!(
            p("kind = \"reset_peer\"\nafter = \"1s\"").kind,
            proxy(down, toxic::ResetPeer { after: Duration::from_secs(1) })
        );
        assert_eq!(
            p("kind = \"blackhole\"\ndirection = \"upstream\"").kind,
            proxy(Direction::Upstream, toxic::Blackhole)
        );
        assert_eq!(
            p("kind = \"slow_close\"\ndelay = \"2s\"").kind,
            proxy(down, toxic::SlowClose { delay: Duration::from_secs(2) })
        );
        assert_eq!(p("kind = \"limit_data\"\nbytes = 0").kind, proxy(down, toxic::LimitData { bytes: 0 }));
        assert_eq!(p("kind = \"limit_data\"\nbytes = 1000").kind, proxy(down, toxic::LimitData { bytes: 1000 }));
        assert_eq!(p("kind = \"refuse\"").kind, proxy(down, toxic::Refuse));
        assert_eq!(p("kind = \"refuse\"").layer(), Layer::Proxy);
        assert_eq!(
            p("kind = \"timeout\"\nafter = \"5s\"").kind,
            proxy(down, toxic::Timeout { after: Duration::from_secs(5) })
        );

        // Proxy faults also work in front of a URL target.
        let plan = ok(&format!(
            "{URL_TARGET}[[fault]]\nlayer = \"proxy\"\nkind = \"blackhole\"\nat = \"100ms\"\nfor = \"200ms\"\n"
        ));
        assert_eq!(
            plan.faults,
            [FaultPlan {
                kind: proxy(down, toxic::Blackhole),
                at: ms(100),
                duration: ms(200),
                every: None,
                probability: 1.0
            }]
        );
    }

    #[test]
    fn fault_values_are_checked() {
        let e = |body: &str| errs(&with(&format!("[[fault]]\n{body}\n")));
        assert_eq!(e("kind = \"status\"\ncode = 700"), ["11:8 fault[0].code: status code 700 is outside 100..=599"]);
        assert_eq!(e("kind = \"close\"\nafter_requests = 0"), ["11:18 fault[0].after_requests: must be ≥ 1, got 0"]);
        assert_eq!(
            e("kind = \"reset\"\nstage = \"mid-body\""),
            ["11:9 fault[0].stage: stage must be \"accept\", \"before_headers\" or \"mid_body\", got \"mid-body\""]
        );
        assert_eq!(hints(&with("[[fault]]\nkind = \"reset\"\nstage = \"mid-body\"\n")), ["did you mean \"mid_body\"?"]);
        assert_eq!(
            e("kind = \"reset\"\nafter_bytes = 10"),
            ["11:15 fault[0].after_bytes: after_bytes does not apply to stage \"before_headers\""]
        );
        assert_eq!(
            e("kind = \"reset\"\nstage = \"mid_body\"\nafter_bytes = -1"),
            ["12:15 fault[0].after_bytes: must be ≥ 0, got -1"]
        );
        assert_eq!(
            e("kind = \"malformed\"\nform = \"junk\""),
            ["11:8 fault[0].form: form must be \"garbage\", \"bad_chunk\" or \"short_body\", got \"junk\""]
        );
        assert_eq!(e("kind = \"trickle\"\nover = \"0s\""), ["11:8 fault[0].over: must be longer than 0s"]);
        assert_eq!(
            e("kind = \"gateway_timeout\"\nstatus = 503\nafter = \"1\""),
            [
                "11:10 fault[0].status: status must be 502 or 504, got 503",
                "12:9 fault[0].after: invalid duration \"1\": time unit needed, e.g. \"1ms\" or \"1s\""
            ]
        );
        let p = |body: &str| e(&format!("layer = \"proxy\"\n{body}"));
        assert_eq!(p("kind = \"bandwidth\"\nbytes_per_s = 0"), ["12:15 fault[0].bytes_per_s: must be ≥ 1, got 0"]);
        assert_eq!(
            p("kind = \"slicer\"\nsize = 0\ndelay = \"none\"\ndirection = \"down\""),
            [
                "12:8 fault[0].size: must be ≥ 1, got 0",
                "13:9 fault[0].delay: \"none\" is not allowed here",
                "14:13 fault[0].direction: direction must be \"downstream\", \"upstream\" or \"both\", got \"down\""
            ]
        );
        assert_eq!(p("kind = \"limit_data\"\nbytes = -5"), ["12:9 fault[0].bytes: must be ≥ 0, got -5"]);
        assert_eq!(
            p("kind = \"latency\"\nlatency = { dist = \"uniform\", min = \"2ms\", max = \"1ms\" }"),
            ["12:37 fault[0].latency.min: min (2ms) is above max (1ms)"]
        );
    }

    #[test]
    fn fault_kinds_layers_and_keys() {
        let src = |body: &str| with(&format!("[[fault]]\n{body}\n"));
        // A kind on the wrong layer: located at layer when it was written, else at kind.
        assert_eq!(
            errs(&src("kind = \"bandwidth\"\nbytes_per_s = 100")),
            ["10:8 fault[0].kind: bandwidth is not available on layer \"mock\""]
        );
        assert_eq!(
            hints(&src("kind = \"bandwidth\"\nbytes_per_s = 100")),
            ["bandwidth is a proxy fault: layer = \"proxy\""]
        );
        assert_eq!(
            errs(&src("kind = \"stall\"\nlayer = \"proxy\"")),
            ["11:9 fault[0].layer: stall is not available on layer \"proxy\""]
        );
        assert_eq!(hints(&src("kind = \"stall\"\nlayer = \"proxy\"")), ["stall is a mock fault: layer = \"mock\""]);
        assert_eq!(errs(&src("kind = \"stal\"")), ["10:8 fault[0].kind: unknown kind \"stal\""]);
        assert_eq!(hints(&src("kind = \"stal\"")), ["did you mean \"stall\"?"]);
        assert_eq!(errs(&src("kind = \"stall\"\nlayer = \"dsn\"")), ["11:9 fault[0].layer: unknown layer \"dsn\""]);
        assert_eq!(hints(&src("kind = \"stall\"\nlayer = \"dsn\"")), ["did you mean \"dns\"?"]);
        assert_eq!(
            errs(&src("kind = \"stall\"\nlayer = \"dns\"")),
            ["11:9 fault[0].layer: stall is not available on layer \"dns\""]
        );

        // Keys of another kind.
        let s = src("kind = \"latency\"\nlatency = \"1ms\"\ncode = 503");
        assert_eq!(errs(&s), ["12:8 fault[0].code: code does not apply to kind \"latency\""]);
        assert_eq!(hints(&s), ["kind \"latency\" takes latency; code is for \"status\""]);
        let s = src("kind = \"stall\"\nafter = \"1s\"");
        assert_eq!(errs(&s), ["11:9 fault[0].after: after does not apply to kind \"stall\""]);
        assert_eq!(
            hints(&s),
            ["kind \"stall\" takes no keys of its own; after is for \"gateway_timeout\", \"reset_peer\", \"timeout\""]
        );
        let s = src("kind = \"status\"\nstatus = 503");
        assert_eq!(
            errs(&s),
            ["9:1 fault[0]: missing field \"code\"", "11:10 fault[0].status: status does not apply to kind \"status\""]
        );
        assert_eq!(
            hints(&s),
            [
                "kind \"status\" needs code, e.g. code = 503",
                "kind \"status\" takes code; status is for \"gateway_timeout\""
            ]
        );
        let s = src("kind = \"latency\"\nlatency = \"1ms\"\ndirection = \"both\"");
        assert_eq!(
            errs(&s),
            ["12:13 fault[0].direction: direction does not apply to kind \"latency\" on layer \"mock\""]
        );
        assert_eq!(hints(&s), ["direction applies to latency on layer = \"proxy\""]);
        let s = src("kind = \"close\"\ndirection = \"both\"");
        assert_eq!(
            hints(&s),
            ["kind \"close\" takes after_requests; direction is for proxy faults (layer = \"proxy\")"]
        );

        // Misspelt keys: all of them, next to the fault's other problems, with the closest name.
        let s = src("kind = \"slicer\"\nlayer = \"proxy\"\nsise = 64\ndelai = \"1ms\"\nprobablity = 0.5\nat = 5");
        assert_eq!(
            errs(&s),
            [
                "9:1 fault[0]: missing field \"size\"",
                "12:1 fault[0]: unknown field \"sise\"",
                "13:1 fault[0]: unknown field \"delai\"",
                "14:1 fault[0]: unknown field \"probablity\"",
                "15:6 fault[0].at: bare number 5 is not a duration",
            ]
        );
        assert_eq!(
            hints(&s),
            [
                "kind \"slicer\" needs size, e.g. size = 64",
                "did you mean \"size\"?",
                "did you mean \"delay\"?",
                "did you mean \"probability\"?",
                DURATION_HINT
            ]
        );
        assert_eq!(hints(&src("kind = \"stall\"\nbyte = 1")), ["did you mean \"bytes\"?"]);

        // Missing required keys.
        for (kind, key) in
            [("latency", "latency"), ("status", "code"), ("trickle", "over"), ("gateway_timeout", "after")]
        {
            assert_eq!(errs(&src(&format!("kind = \"{kind}\""))), [format!("9:1 fault[0]: missing field \"{key}\"")]);
        }
        for (kind, key) in [
            ("latency", "latency"),
            ("bandwidth", "bytes_per_s"),
            ("slicer", "size"),
            ("slow_close", "delay"),
            ("limit_data", "bytes"),
        ] {
            assert_eq!(
                errs(&src(&format!("kind = \"{kind}\"\nlayer = \"proxy\""))),
                [format!("9:1 fault[0]: missing field \"{key}\"")]
            );
        }

        // Mock faults need the mock; proxy faults do not.
        let s = format!("{URL_TARGET}[[fault]]\nkind = \"stall\"\n");
        assert_eq!(errs(&s), ["10:8 fault[0].kind: stall is a mock fault, but the target is a URL"]);
        assert_eq!(hints(&s), ["set mock = true in [target]"]);
        let s = format!("{URL_TARGET}[[fault]]\nkind = \"latency\"\nlatency = \"1ms\"\n");
        assert_eq!(hints(&s), ["set mock = true in [target], or layer = \"proxy\" to inject it in front of the URL"]);
        let s = format!("{URL_TARGET}[[fault]]\nkind = \"status\"\nlayer = \"proxy\"\ncode = 503\n");
        assert_eq!(
            errs(&s),
            ["11:9 fault[0].layer: status is not available on layer \"proxy\""],
            "one mistake, one message"
        );
    }

    #[test]
    fn every_fault_kind_and_the_mock_model_read_back_the_same() {
        let src = r#"
name = "chaos"
seed = 3
drain = "2s"
[target]
mock = true
[mock]
keep_alive_timeout = "5s"
keep_alive_close = "race"
keep_alive_jitter = "500ms"
[mock.serverless]
instances = 4
concurrency = 8
freeze_after = "3s"
init = { dist = "lognormal", median = "300ms", sigma = 0.5 }
on_freeze = "keep"
prewarm = 1
[[phase]]
duration = "30s"
shape = { kind = "constant", rate = 10 }
[[client]]
name = "c"
[[fault]]
kind = "stall"
at = "1s"
for = "2s"
every = "10s"
probability = 0.5
[[fault]]
kind = "latency"
latency = { dist = "uniform", min = "1ms", max = "2ms" }
[[fault]]
kind = "status"
code = 429
[[fault]]
kind = "close"
after_requests = 3
[[fault]]
kind = "reset"
stage = "accept"
[[fault]]
kind = "reset"
stage = "mid_body"
after_bytes = 10
[[fault]]
kind = "reset"
[[fault]]
kind = "empty_response"
probability = 0.125
[[fault]]
kind = "malformed"
form = "short_body"
[[fault]]
kind = "trickle"
over = "1s 500ms"
[[fault]]
kind = "gateway_timeout"
status = 502
after = "6s"
[[fault]]
kind = "goaway"
mode = "abrupt"
error_code = "cancel"
[[fault]]
kind = "goaway"
in_flight = "refuse"
[[fault]]
kind = "rst_stream"
[[fault]]
kind = "max_concurrent_streams"
max = 3
[[fault]]
kind = "flow_control_stall"
duration = "1s"
[[fault]]
kind = "settings_delay"
delay = "250ms"
[[fault]]
kind = "ping_timeout"
[[fault]]
kind = "latency"
layer = "proxy"
latency = "20ms"
direction = "both"
[[fault]]
kind = "bandwidth"
layer = "proxy"
bytes_per_s = 1000
[[fault]]
kind = "slicer"
layer = "proxy"
size = 16
delay = "1ms"
direction = "upstream"
[[fault]]
kind = "reset_peer"
layer = "proxy"
after = "250ms"
[[fault]]
kind = "blackhole"
layer = "proxy"
[[fault]]
kind = "slow_close"
layer = "proxy"
delay = "2s"
[[fault]]
kind = "limit_data"
layer = "proxy"
bytes = 0
[[fault]]
kind = "refuse"
layer = "proxy"
at = "29s"
"#;
        let plan = ok(src);
        assert_eq!(plan.faults.len(), 26);
        assert_round_trip(&plan);
        let json = plan.normalized();
        assert_eq!(json["mock"]["keep_alive_close"], "race");
        assert_eq!(json["mock"]["keep_alive_jitter"], "500ms");
        assert_eq!(
            json["mock"]["serverless"],
            serde_json::json!({
                "instances": 4, "concurrency": 8, "freeze_after": "3s",
                "init": { "dist": "lognormal", "median": "300ms", "sigma": 0.5 },
                "on_freeze": "keep", "queue_timeout": "10s", "queue_status": 503, "prewarm": 1,
            })
        );
        assert_eq!(
            json["fault"][0],
            serde_json::json!({
                "kind": "stall", "layer": "mock", "at": "1s", "for": "2s", "every": "10s", "probability": 0.5,
            })
        );
        // Defaults are written out: the whole run is the phases and the drain.
        assert_eq!(json["fault"][1]["for"], "32s");
        assert_eq!(json["fault"][6]["stage"], "before_headers");
        assert_eq!(json["fault"][19]["direction"], "downstream");
        assert_eq!(
            json["fault"][20],
            serde_json::json!({
                "kind": "slicer", "layer": "proxy", "at": "0s", "for": "32s", "every": "once", "probability": 1.0,
                "size": 16, "delay": "1ms", "direction": "upstream",
            })
        );

        // A URL target has no [mock] to write.
        let plan = ok("name = \"u\"\n[target]\nurl = \"http://h:81/x\"\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n[[client]]\nname = \"c\"\n[[fault]]\nkind = \"reset_peer\"\nlayer = \"proxy\"\n");
        assert!(plan.normalized().get("mock").is_none());
        assert_round_trip(&plan);
    }

    #[test]
    fn clients_are_warned_of_the_mock_faults_of_the_other_http_version_they_will_not_meet() {
        let faults = "[[fault]]\nkind = \"status\"\ncode = 503\n[[fault]]\nkind = \"reset\"\n\
                      [[fault]]\nkind = \"malformed\"\nform = \"bad_chunk\"\n[[fault]]\nkind = \"close\"\n\
                      [[fault]]\nkind = \"latency\"\nlayer = \"proxy\"\nlatency = \"1ms\"\n";
        // HTTP/1 clients only: nothing to warn of.
        assert!(ok(&with(faults)).warnings().is_empty());
        let plan = ok(&with(&format!("[[client]]\nname = \"mux\"\nhttp = \"2\"\n{faults}")));
        let warnings = plan.warnings();
        // Only the bad chunk: the reset and the close act on HTTP/2 connections too.
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("fault[2] (malformed, layer mock) acts on HTTP/1 connections only: \"mux\""));
        assert!(plan.warnings_for(|name| name == "c").is_empty(), "the HTTP/2 client is not selected");
        // An HTTP/2 fault: the HTTP/1 client is warned.
        let plan = ok(&with("[[client]]\nname = \"mux\"\nhttp = \"2\"\n[[fault]]\nkind = \"rst_stream\"\n"));
        let warnings = plan.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0]
            .starts_with("fault[0] (rst_stream, layer mock) acts on HTTP/2 connections only: \"c\" (http = \"1\")"));
    }
}
