//! What a gate's scope selects from one configuration's result: the whole run, a phase, or the
//! timeline seconds wholly during, before or after a fault's windows, as one [`Sample`].

use super::sample::{Sample, Scope};
use super::spec::Names;
use crate::record::Hist;
use crate::result::{ClientResult, FaultWindows, PhaseResult, RunResult, SecondPlace};

impl Sample {
    /// The traffic of one phase (or of `total`), `what` naming it in verdicts.
    pub fn of_phase(phase: &PhaseResult, what: String) -> Sample {
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

impl Names {
    /// The names a result's gates may use: its configurations (those of its scenario, run or
    /// not), phases and faults.
    pub fn of_result(result: &RunResult) -> Names {
        let mut clients: Vec<String> =
            result.configurations().iter().filter_map(|c| c.get("name")?.as_str().map(str::to_string)).collect();
        for c in &result.clients {
            if !clients.contains(&c.name) {
                clients.push(c.name.clone());
            }
        }
        let phases =
            result.clients.first().map(|c| c.phases.iter().map(|p| p.name.clone()).collect()).unwrap_or_default();
        let faults = result.faults.iter().map(|f| (f.label.clone(), f.kind.clone())).collect();
        Names { clients, phases, faults }
    }
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
