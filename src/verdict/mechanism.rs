//! What happened to a configuration's requests, in words a user can act on: each mechanism (a reset
//! on a frozen instance's connection, a gateway's 504, a request timeout…) is counted from the
//! result's own counters and, where one setting decides it, tied to that setting and to the server
//! behaviour it meets ("its pool_idle_timeout 2s drops idle connections before the platform's
//! freeze_after 3s").

use crate::gate::metrics::count_interval;
use crate::gate::quantity::thousands;
use crate::result::{ClientResult, RunResult};
use crate::stats::differs;
use crate::units::fmt_us;
use serde_json::Value;
use std::time::Duration;

/// A way requests fail, or what a configuration paid instead, as the verdict explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// Requests sent on a pooled connection of a serverless instance that had frozen (and were reset).
    FrozenConnections,
    /// Requests that crossed the server's keep-alive idle close.
    IdleCloseRace,
    /// Connections the chaos proxy reset.
    ProxyResets,
    /// Requests answered by a gateway's timeout status after its delay.
    GatewayTimeouts,
    /// Other 5xx answers.
    ServerErrors,
    /// Requests the configuration's own request timeout cut short (and that failed for it).
    RequestTimeouts,
    /// Attempts sent again by the configuration's retries.
    Retries,
    /// Failures the client's own silent retry rule (`silent_retry`) sent again unasked, so the
    /// user never saw them: what a real Go client hides.
    HiddenRetries,
    /// Name lookups of new connections that took [`SLOW_LOOKUP`] or more.
    SlowLookups,
    /// Serverless instances started while it ran.
    ColdStarts,
    /// Connections it opened, told when the configurations' counts differ beyond the noise (a
    /// connection per request against a pool).
    Connections,
}

impl Mechanism {
    pub const ALL: [Mechanism; 11] = [
        Mechanism::FrozenConnections,
        Mechanism::IdleCloseRace,
        Mechanism::ProxyResets,
        Mechanism::GatewayTimeouts,
        Mechanism::ServerErrors,
        Mechanism::RequestTimeouts,
        Mechanism::Retries,
        Mechanism::HiddenRetries,
        Mechanism::SlowLookups,
        Mechanism::ColdStarts,
        Mechanism::Connections,
    ];

    /// How many times it happened to `c`.
    pub fn count(self, r: &RunResult, c: &ClientResult) -> u64 {
        let errors = |kind: &str| c.total.errors.get(kind).copied().unwrap_or(0);
        match self {
            Mechanism::FrozenConnections => c.mock.as_ref().map_or(0, |m| m.frozen_connection_hits),
            Mechanism::IdleCloseRace => {
                let racing = scenario_duration(r, &["mock", "keep_alive_timeout"]).is_some()
                    && c.mock.as_ref().is_some_and(|m| m.frozen_connection_hits == 0)
                    && c.proxy.as_ref().is_none_or(|p| p.resets == 0);
                if racing {
                    errors("reset") + errors("closed_before_response")
                } else {
                    0
                }
            }
            Mechanism::ProxyResets => c.proxy.as_ref().map_or(0, |p| p.resets),
            Mechanism::GatewayTimeouts => gateway_status(r).map_or(0, |status| errors(&format!("http_{status}"))),
            Mechanism::ServerErrors => {
                let gateway = gateway_status(r).map(|s| format!("http_{s}"));
                c.total
                    .errors
                    .iter()
                    .filter(|(kind, _)| kind.starts_with("http_5") && Some(kind.as_str()) != gateway.as_deref())
                    .map(|(_, n)| n)
                    .sum()
            }
            Mechanism::RequestTimeouts => errors("request_timeout"),
            Mechanism::Retries => c.total.retries,
            Mechanism::HiddenRetries => c.total.hidden_retries,
            Mechanism::SlowLookups => slow_lookups(c),
            Mechanism::ColdStarts => c.mock.as_ref().map_or(0, |m| m.cold_starts),
            Mechanism::Connections => c.connections.opened,
        }
    }

    /// What happened, `n` (> 0) times.
    fn happened(self, n: u64, r: &RunResult, c: &ClientResult) -> String {
        let errors = |kind: &str| c.total.errors.get(kind).copied().unwrap_or(0);
        let n_s = thousands(n);
        match self {
            Mechanism::FrozenConnections => {
                let reset = errors("reset");
                let mut s = format!(
                    "{n_s} request{} reused connections of instances the platform had frozen, and {} reset",
                    plural(n),
                    if n == 1 { "was" } else { "were" }
                );
                let hidden = c.total.hidden_errors.get("reset").copied().unwrap_or(0);
                if hidden > 0 {
                    s.push_str(&format!(" ({} of them sent again silently by the client)", thousands(hidden)));
                }
                if reset + hidden < n && c.total.retries > 0 {
                    s.push_str(&format!(" ({} recovered by retries)", thousands(n - reset - hidden)));
                }
                s
            }
            Mechanism::IdleCloseRace => format!(
                "{n_s} request{} crossed the server's idle close (keep_alive_timeout {}) and failed",
                plural(n),
                scenario_text(r, &["mock", "keep_alive_timeout"]).unwrap_or_default()
            ),
            Mechanism::ProxyResets => {
                let failed = errors("reset");
                let still = if c.total.retries > 0 { " still" } else { "" };
                format!(
                    "the proxy reset {n_s} of its connections, and {} request{}{still} failed",
                    thousands(failed),
                    plural(failed)
                )
            }
            Mechanism::GatewayTimeouts => format!(
                "{n_s} request{} waited for the gateway's {} ({} each)",
                plural(n),
                gateway_status(r).unwrap_or(504),
                gateway_after(r).unwrap_or_default()
            ),
            Mechanism::ServerErrors => format!("{n_s} request{} got a 5xx answer", plural(n)),
            Mechanism::RequestTimeouts => format!(
                "{n_s} request{} timed out (its request_timeout {})",
                plural(n),
                knob_text(r, c, "request_timeout").unwrap_or_default()
            ),
            Mechanism::Retries => {
                let on = retry_kinds(r, c);
                format!("{n_s} retr{}{on}", if n == 1 { "y" } else { "ies" })
            }
            Mechanism::HiddenRetries => {
                let kinds: Vec<String> =
                    c.total.hidden_errors.iter().map(|(k, n)| format!("{k} {}", thousands(*n))).collect();
                format!(
                    "its silent retries (silent_retry \"{}\") hid {n_s} failure{} from you ({})",
                    knob_text(r, c, "silent_retry").unwrap_or_default(),
                    plural(n),
                    kinds.join(", ")
                )
            }
            Mechanism::SlowLookups => format!(
                "{n_s} name lookup{} of new connections took {} or more (the longest {})",
                plural(n),
                humantime::format_duration(SLOW_LOOKUP),
                fmt_us(c.total.dns_time.max_us)
            ),
            Mechanism::ColdStarts => format!("{n_s} cold start{}", plural(n)),
            Mechanism::Connections => {
                let per = c.total.sent as f64 / n as f64;
                let per = if per >= 100.0 { thousands(per.round() as u64) } else { format!("{per:.1}") };
                format!("{n_s} connection{} opened ({per} requests each)", plural(n))
            }
        }
    }

    /// What it is when it did not happen to `c` while it did to another configuration.
    fn avoided(self, r: &RunResult, c: &ClientResult) -> Option<String> {
        Some(match self {
            Mechanism::FrozenConnections => "no request reused a frozen instance's connection".to_string(),
            Mechanism::IdleCloseRace => "no request crossed the server's idle close".to_string(),
            Mechanism::ProxyResets => "the proxy reset none of its connections".to_string(),
            Mechanism::GatewayTimeouts => "no request waited for the gateway's timeout".to_string(),
            Mechanism::ServerErrors => "no 5xx answers".to_string(),
            Mechanism::RequestTimeouts => return None,
            Mechanism::Retries if retries_configured(r, c) => "its retries never fired".to_string(),
            Mechanism::Retries | Mechanism::HiddenRetries => return None,
            Mechanism::SlowLookups => {
                let lookups = c.total.dns_time.count;
                let mut s = format!(
                    "no name lookup took {} or more ({} lookup{}",
                    humantime::format_duration(SLOW_LOOKUP),
                    thousands(lookups),
                    plural(lookups)
                );
                if let Some(hits) = c.resolver.as_ref().map(|r| r.cache_hits).filter(|h| *h > 0) {
                    s.push_str(&format!("; {} answered from its resolver's cache", thousands(hits)));
                }
                s.push(')');
                s
            }
            Mechanism::ColdStarts => "no cold starts".to_string(),
            Mechanism::Connections => return None,
        })
    }

    /// The setting of `c` that decides this mechanism, against the server behaviour it meets.
    fn cause(self, r: &RunResult, c: &ClientResult) -> Option<String> {
        // The pool idle timeout against a server-side idle limit at `path` (`whose` it is).
        let pool_idle_against = |path: &[&str], whose: &str| -> Option<String> {
            let keep_alive = knob(r, c, "keep_alive").and_then(|v| v.as_bool()).unwrap_or(true);
            if !keep_alive {
                return None;
            }
            let text = knob_text(r, c, "pool_idle_timeout").unwrap_or_default();
            let limit_text = scenario_text(r, path)?;
            let limit = scenario_duration(r, path)?;
            let what = format!("{whose} {} {limit_text}", path.last().expect("a key"));
            Some(match knob_duration(r, c, "pool_idle_timeout") {
                Some(idle) if idle < limit => {
                    format!("its pool_idle_timeout {text} drops idle connections before {what}")
                }
                _ => format!("its pool_idle_timeout {text} keeps idle connections past {what}"),
            })
        };
        match self {
            Mechanism::FrozenConnections => {
                pool_idle_against(&["mock", "serverless", "freeze_after"], "the platform's")
            }
            Mechanism::IdleCloseRace => pool_idle_against(&["mock", "keep_alive_timeout"], "the server's"),
            Mechanism::GatewayTimeouts => {
                let after = gateway_after(r)?;
                let after_d = humantime::parse_duration(&after).ok()?;
                let text = knob_text(r, c, "request_timeout")?;
                let timeout = knob_duration(r, c, "request_timeout");
                let first = timeout.is_some_and(|t| t < after_d);
                Some(if first {
                    format!("its request_timeout {text} gives up before the gateway's {after}")
                } else {
                    format!("its request_timeout {text} waits past the gateway's {after}")
                })
            }
            _ => None,
        }
    }
}

/// A name lookup this long is a stall worth naming (a resolver's own lookups take microseconds to
/// a few milliseconds on a healthy network).
pub const SLOW_LOOKUP: Duration = Duration::from_millis(100);

/// The lookups of `c` that took [`SLOW_LOOKUP`] or more, from its DNS-time histogram.
fn slow_lookups(c: &ClientResult) -> u64 {
    let dns = &c.total.dns_time;
    if dns.count == 0 || dns.max_us < SLOW_LOOKUP.as_micros() as u64 {
        return 0;
    }
    let Ok(h) = crate::record::Hist::decode_base64(&dns.hdr) else { return 0 };
    let threshold = SLOW_LOOKUP.as_micros() as u64;
    h.inner().iter_recorded().filter(|v| v.value_iterated_to() >= threshold).map(|v| v.count_at_value()).sum()
}

/// Per configuration, one line: what happened to its requests, and why. A mechanism is told for a
/// configuration when it happened to it, or when it happened to another one and not to it.
pub fn why(r: &RunResult) -> Vec<String> {
    let counts: Vec<Vec<u64>> =
        r.clients.iter().map(|c| Mechanism::ALL.iter().map(|m| m.count(r, c)).collect()).collect();
    r.clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut parts = Vec::new();
            for (j, m) in Mechanism::ALL.iter().enumerate() {
                let n = counts[i][j];
                let elsewhere = counts.iter().any(|row| row[j] > 0);
                // Retries set up and never needed are worth saying even when nobody retried: the
                // configuration did not win by them.
                let unused_retries = *m == Mechanism::Retries && retries_configured(r, c);
                let told = if *m == Mechanism::Connections {
                    let differs = |other: u64| differs(&count_interval(other), &count_interval(n));
                    (n > 0 && counts.iter().any(|row| differs(row[j]))).then(|| m.happened(n, r, c))
                } else if n > 0 {
                    Some(m.happened(n, r, c))
                } else if elsewhere || unused_retries {
                    m.avoided(r, c)
                } else {
                    None
                };
                if let Some(mut sentence) = told {
                    // The setting is worth naming when the configurations fared differently.
                    let differs = counts.iter().any(|row| (row[j] > 0) != (n > 0));
                    if let Some(cause) = m.cause(r, c).filter(|_| differs) {
                        sentence.push_str(&format!(": {cause}"));
                    }
                    parts.push(sentence);
                }
            }
            let unexplained = unexplained_errors(r, c);
            if !unexplained.is_empty() {
                parts.push(format!("errors {unexplained}"));
            }
            if parts.is_empty() {
                parts.push("nothing went wrong".to_string());
            }
            format!("{}: {}", c.name, parts.join("; "))
        })
        .collect()
}

/// The error kinds no mechanism above accounts for: `connect_refused 3`.
fn unexplained_errors(r: &RunResult, c: &ClientResult) -> String {
    let explained = |kind: &str| -> bool {
        match kind {
            "reset" => {
                Mechanism::FrozenConnections.count(r, c) > 0
                    || Mechanism::ProxyResets.count(r, c) > 0
                    || Mechanism::IdleCloseRace.count(r, c) > 0
            }
            "closed_before_response" => Mechanism::IdleCloseRace.count(r, c) > 0,
            "request_timeout" => true,
            k if k.starts_with("http_5") => true,
            _ => false,
        }
    };
    c.total
        .errors
        .iter()
        .filter(|(kind, n)| **n > 0 && !explained(kind))
        .map(|(kind, n)| format!("{kind} {}", thousands(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The configuration's settings in the result's normalized scenario (a sweep's member with its value).
fn client_entry(r: &RunResult, c: &ClientResult) -> Option<Value> {
    r.configurations().into_iter().find(|e| e.get("name").and_then(Value::as_str) == Some(&c.name))
}

fn knob(r: &RunResult, c: &ClientResult, key: &str) -> Option<Value> {
    client_entry(r, c)?.get(key).cloned()
}

/// A setting as the scenario wrote it (`2s`, `1m 30s`, `none`).
fn knob_text(r: &RunResult, c: &ClientResult, key: &str) -> Option<String> {
    knob(r, c, key)?.as_str().map(str::to_string)
}

/// A duration setting, `None` when it is `none` (no limit) or absent.
fn knob_duration(r: &RunResult, c: &ClientResult, key: &str) -> Option<Duration> {
    humantime::parse_duration(knob(r, c, key)?.as_str()?).ok()
}

fn scenario_value<'r>(r: &'r RunResult, path: &[&str]) -> Option<&'r Value> {
    path.iter().try_fold(&r.scenario, |v, key| v.get(key))
}

fn scenario_text(r: &RunResult, path: &[&str]) -> Option<String> {
    scenario_value(r, path)?.as_str().filter(|s| *s != "none").map(str::to_string)
}

fn scenario_duration(r: &RunResult, path: &[&str]) -> Option<Duration> {
    humantime::parse_duration(&scenario_text(r, path)?).ok()
}

/// The scenario's `gateway_timeout` fault, if it has one.
fn gateway_fault(r: &RunResult) -> Option<&Value> {
    scenario_value(r, &["fault"])?
        .as_array()?
        .iter()
        .find(|f| f.get("kind").and_then(Value::as_str) == Some("gateway_timeout"))
}

fn gateway_status(r: &RunResult) -> Option<u64> {
    gateway_fault(r)?.get("status")?.as_u64()
}

fn gateway_after(r: &RunResult) -> Option<String> {
    gateway_fault(r)?.get("after")?.as_str().map(str::to_string)
}

fn retries_configured(r: &RunResult, c: &ClientResult) -> bool {
    knob(r, c, "retries").and_then(|v| v.get("max").and_then(Value::as_u64)).unwrap_or(0) > 0
}

/// ` (on reset, closed_before_response)`, from the configuration's retry settings.
fn retry_kinds(r: &RunResult, c: &ClientResult) -> String {
    let on: Vec<String> = knob(r, c, "retries")
        .and_then(|v| v.get("on").and_then(Value::as_array).cloned())
        .map(|kinds| kinds.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    if on.is_empty() {
        String::new()
    } else {
        format!(" (on {})", on.join(", "))
    }
}
