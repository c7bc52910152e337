//! What a gate's scope selects from one configuration's result: the whole run, a phase, or the
//! timeline seconds during, before or after a fault's windows, as one [`Sample`] the metrics read.

use crate::record::Hist;
use crate::result::{ClientResult, FaultWindows, PhaseResult, SecondPlace};
use std::collections::BTreeMap;

/// Where in a configuration's run a gate looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole run, every phase.
    Total,
    /// One `[[phase]]`, by name.
    Phase(String),
    /// The timeline seconds wholly inside a fault's windows.
    During(String),
    /// The seconds wholly before its first window.
    Before(String),
    /// The seconds wholly outside its windows, after the first started.
    After(String),
}

impl Scope {
    /// As a gate key writes it, with the dot after it (`phase.bursts.`), or nothing for the whole run.
    pub fn key_part(&self) -> String {
        match self {
            Scope::Total => String::new(),
            Scope::Phase(name) => format!("phase.{name}."),
            Scope::During(fault) => format!("during.{fault}."),
            Scope::Before(fault) => format!("before.{fault}."),
            Scope::After(fault) => format!("after.{fault}."),
        }
    }

    /// The fault it is scoped by, if any.
    pub fn fault(&self) -> Option<&str> {
        match self {
            Scope::During(f) | Scope::Before(f) | Scope::After(f) => Some(f),
            Scope::Total | Scope::Phase(_) => None,
        }
    }
}

/// The measured traffic a scope selects.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// What it is, for verdicts: `the whole run`, `phase "bursts"`, `seconds 10–14 (during dns-stall)`.
    pub what: String,
    /// Latencies (from intended send time) of the requests in it.
    pub latency: Hist,
    /// Requests that ended, overflow included: what an error rate divides by.
    pub requests: u64,
    /// Errors by kind, as result.json names them.
    pub errors: BTreeMap<String, u64>,
    /// Requests per second as the result measured it, and the count it divides.
    pub rate: f64,
    pub rate_count: u64,
    /// Time the rate is over, in seconds.
    pub elapsed_s: f64,
    pub connections_opened: u64,
    /// Requests that went out on a reused connection, of those sent; `None` when not recorded
    /// (a window's seconds).
    pub reused: Option<(u64, u64)>,
    /// Timeline seconds it was made of (`None` for a phase or the whole run).
    pub seconds: Option<u64>,
}

impl Sample {
    pub fn total_errors(&self) -> u64 {
        self.errors.values().sum()
    }

    fn of_phase(phase: &PhaseResult, what: String) -> Sample {
        let latency = decode(&phase.latency.hdr);
        let overflow = phase.errors.get("overflow").copied().unwrap_or(0);
        Sample {
            what,
            latency,
            requests: phase.completed + overflow,
            errors: phase.errors.clone(),
            rate: phase.achieved_rate,
            rate_count: phase.sent,
            elapsed_s: phase.duration_ms as f64 / 1e3,
            connections_opened: phase.connections_opened,
            reused: Some(((phase.reuse_ratio * phase.sent as f64).round() as u64, phase.sent)),
            seconds: None,
        }
    }

    /// The sample `scope` selects from `client`, with `faults` the run's fault windows; an error
    /// names what is missing.
    pub fn of(client: &ClientResult, scope: &Scope, faults: &[FaultWindows]) -> Result<Sample, String> {
        let (fault, wanted) = match scope {
            Scope::Total => return Ok(Sample::of_phase(&client.total, "the whole run".to_string())),
            Scope::Phase(name) => {
                let phase = client.phases.iter().find(|p| &p.name == name).ok_or_else(|| {
                    let names: Vec<_> = client.phases.iter().map(|p| format!("\"{}\"", p.name)).collect();
                    format!("\"{}\" has no phase \"{name}\" (its phases: {})", client.name, names.join(", "))
                })?;
                return Ok(Sample::of_phase(phase, format!("phase \"{name}\"")));
            }
            Scope::During(f) => (f, SecondPlace::Inside),
            Scope::Before(f) => (f, SecondPlace::Before),
            Scope::After(f) => (f, SecondPlace::Later),
        };
        let windows = &find_fault(faults, fault)?.windows;
        let mut sample = Sample::default();
        let mut seconds = Vec::new();
        for second in client.timeline.iter().filter(|s| SecondPlace::of(s.t_s, windows) == wanted) {
            seconds.push(second.t_s);
            let overflow = second.errors.get("overflow").copied().unwrap_or(0);
            sample.requests += second.completed + overflow;
            sample.rate_count += second.completed;
            for (kind, n) in &second.errors {
                *sample.errors.entry(kind.clone()).or_default() += n;
            }
            sample.connections_opened += second.connections_opened;
            sample.latency.add(&decode(&second.hdr));
        }
        let n = seconds.len() as u64;
        sample.elapsed_s = n as f64;
        sample.rate = if n == 0 { 0.0 } else { sample.rate_count as f64 / n as f64 };
        sample.seconds = Some(n);
        let relation = match scope {
            Scope::During(_) => "during",
            Scope::Before(_) => "before",
            _ => "after",
        };
        sample.what = format!("{} ({relation} {fault}, by completion time)", spans(&seconds));
        Ok(sample)
    }
}

/// A fault of the run by its `label`, or by its kind when no other fault has that kind.
pub fn find_fault<'f>(faults: &'f [FaultWindows], fault: &str) -> Result<&'f FaultWindows, String> {
    if let Some(named) = faults.iter().find(|f| f.label.as_deref() == Some(fault)) {
        return Ok(named);
    }
    let by_kind: Vec<_> = faults.iter().filter(|f| f.kind == fault).collect();
    match by_kind.as_slice() {
        [only] => Ok(only),
        [] => {
            let names: Vec<_> =
                faults.iter().map(|f| format!("\"{}\"", f.label.as_deref().unwrap_or(&f.kind))).collect();
            Err(if names.is_empty() {
                format!("the run has no faults, so no window of \"{fault}\"")
            } else {
                format!("the run has no fault named \"{fault}\" (its faults: {})", names.join(", "))
            })
        }
        _ => Err(format!("{} faults are of kind \"{fault}\": give the one meant a label = \"…\"", by_kind.len())),
    }
}

/// `seconds 10–14, 20–24` (each second `[t, t + 1 s)`), or `no seconds`.
fn spans(seconds: &[u64]) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &s in seconds {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == s => *end = s,
            _ => runs.push((s, s)),
        }
    }
    if runs.is_empty() {
        return "no whole second".to_string();
    }
    let parts: Vec<String> =
        runs.iter().map(|&(a, b)| if a == b { format!("{a}") } else { format!("{a}–{b}") }).collect();
    let word = if seconds.len() == 1 { "second" } else { "seconds" };
    format!("{word} {}", parts.join(", "))
}

/// A histogram of a result that `RunResult::load` checked already; an empty one for none.
fn decode(hdr: &str) -> Hist {
    if hdr.is_empty() {
        return Hist::new();
    }
    Hist::decode_base64(hdr).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_written_as_spans() {
        assert_eq!(spans(&[10, 11, 12, 20]), "seconds 10–12, 20");
        assert_eq!(spans(&[3]), "second 3");
        assert_eq!(spans(&[]), "no whole second");
    }
}
