//! The values a gate compares, with their units: durations (held in µs), ratios (`0.1%`), rates
//! (`950/s`) and counts, parsed from a condition and written back for verdicts.

use serde::{Deserialize, Serialize};

/// What a metric measures, and so how its thresholds are written and its values shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Microseconds; written `300ms`, `1.5s`, `250us`.
    Us,
    /// A fraction of 1; written `0.1%` or `0.001`.
    Ratio,
    /// Per second; written `950/s` or `950`.
    PerS,
    /// A count; written `50`.
    Count,
}

impl Unit {
    /// How a threshold of this unit is written, for hints.
    pub fn example(self) -> &'static str {
        match self {
            Unit::Us => "a duration such as \"300ms\", \"1.5s\" or \"250us\"",
            Unit::Ratio => "a share such as \"0.1%\" or \"0.001\"",
            Unit::PerS => "a rate such as \"950/s\"",
            Unit::Count => "a count such as \"50\"",
        }
    }

    /// Reads `text` as a value of this unit.
    pub fn parse(self, text: &str) -> Result<f64, String> {
        let text = text.trim();
        let number = |s: &str| -> Result<f64, String> {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("\"{text}\" is not {}", self.example()))
        };
        match self {
            Unit::Us => {
                let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
                let (value, unit) = text.split_at(split);
                let scale = match unit.trim() {
                    "us" | "µs" => 1.0,
                    "ms" => 1e3,
                    "s" => 1e6,
                    "m" | "min" => 60e6,
                    "" => return Err(format!("\"{text}\" has no unit: write \"{text}ms\" or \"{text}s\"")),
                    other => return Err(format!("\"{other}\" is not a unit of time: use us, ms, s or m")),
                };
                Ok(number(value)? * scale)
            }
            Unit::Ratio => match text.strip_suffix('%') {
                Some(percent) => Ok(number(percent)? / 100.0),
                None => {
                    let v = number(text)?;
                    if v > 1.0 {
                        Err(format!("\"{text}\" is above 1: write a share as \"{text}%\" or as a fraction"))
                    } else {
                        Ok(v)
                    }
                }
            },
            Unit::PerS => number(text.strip_suffix("/s").unwrap_or(text)),
            Unit::Count => number(text),
        }
    }

    /// `value` written for a person: `287ms`, `0.12%`, `950.3/s`, `12`.
    pub fn format(self, value: f64) -> String {
        match self {
            Unit::Us => fmt_us(value),
            Unit::Ratio => fmt_percent(value),
            Unit::PerS => format!("{}/s", trim(value, 1)),
            Unit::Count if value.fract() == 0.0 && value >= 0.0 => thousands(value as u64),
            Unit::Count => trim(value, 1),
        }
    }
}

/// `n` with thousands separated: `4,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Microseconds as the terminal summary writes them, with sub-microsecond values kept.
fn fmt_us(us: f64) -> String {
    if us < 0.0 {
        return format!("-{}", fmt_us(-us));
    }
    if us >= 1.0 && us.fract() == 0.0 {
        return crate::units::fmt_us(us as u64);
    }
    match us {
        x if x < 1_000.0 => format!("{}µs", trim(x, 1)),
        x if x < 10_000.0 => format!("{:.2}ms", x / 1e3),
        x if x < 1_000_000.0 => format!("{:.1}ms", x / 1e3),
        x => format!("{:.2}s", x / 1e6),
    }
}

/// A share as a percentage with enough digits to tell small rates apart (`0.012%`).
fn fmt_percent(ratio: f64) -> String {
    let percent = ratio * 100.0;
    let digits = match percent.abs() {
        // An interval's end one rounding error above 0 is 0.
        p if !(1e-9..10.0).contains(&p) => 1,
        p if p >= 0.1 => 2,
        p if p >= 0.001 => 3,
        _ => 4,
    };
    format!("{percent:.digits$}%")
}

/// `value` with at most `digits` decimals, trailing zeros dropped.
fn trim(value: f64, digits: usize) -> String {
    let text = format!("{value:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_read_as_written() {
        assert_eq!(Unit::Us.parse("300ms"), Ok(300_000.0));
        assert_eq!(Unit::Us.parse("1.5s"), Ok(1_500_000.0));
        assert_eq!(Unit::Us.parse("250us"), Ok(250.0));
        assert_eq!(Unit::Us.parse("250µs"), Ok(250.0));
        assert!(Unit::Us.parse("300").unwrap_err().contains("no unit"));
        assert!(Unit::Us.parse("3h").unwrap_err().contains("not a unit of time"));
        assert_eq!(Unit::Ratio.parse("0.1%"), Ok(0.001));
        assert_eq!(Unit::Ratio.parse("0.02"), Ok(0.02));
        assert!(Unit::Ratio.parse("5").unwrap_err().contains("\"5%\""));
        assert_eq!(Unit::PerS.parse("950/s"), Ok(950.0));
        assert_eq!(Unit::PerS.parse("950"), Ok(950.0));
        assert_eq!(Unit::Count.parse("0"), Ok(0.0));
        assert!(Unit::Count.parse("-1").is_err());
        assert!(Unit::Count.parse("many").is_err());
    }

    #[test]
    fn values_are_written_for_people() {
        assert_eq!(Unit::Us.format(287_000.0), "287.0ms");
        assert_eq!(Unit::Us.format(1_234.5), "1.23ms");
        assert_eq!(Unit::Us.format(0.5), "0.5µs");
        assert_eq!(Unit::Ratio.format(0.001), "0.10%");
        assert_eq!(Unit::Ratio.format(0.0), "0.0%");
        assert_eq!(Unit::Ratio.format(0.000_12), "0.012%");
        assert_eq!(Unit::Ratio.format(1e-19), "0.0%");
        assert_eq!(Unit::PerS.format(950.26), "950.3/s");
        assert_eq!(Unit::Count.format(12.0), "12");
        assert_eq!(Unit::Count.format(1300.0), "1,300");
        assert_eq!(Unit::Count.format(3.84), "3.8");
    }
}
