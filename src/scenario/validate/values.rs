//! The value parsers on `Cx`: durations, counts, choices, timeouts, limits, rates and
//! distributions, each reporting its own mistakes.

use super::diagnostic::Cx;
use super::suggest::{did_you_mean, quoted_list};
use crate::dist::Dist;
use crate::scenario::ceilings::{ceiling, Of};
use crate::scenario::raw::{RawDelay, RawDist, Scalar};
use std::time::Duration;

/// What is wrong with a duration, in the scenario's own spelling of units (humantime's message
/// suggests `10sec`, which the hint beside it would contradict).
fn duration_problem(e: &humantime::DurationError) -> String {
    match e {
        humantime::DurationError::UnknownUnit { unit, value, .. } if unit.is_empty() => {
            format!("time unit needed, e.g. \"{value}ms\" or \"{value}s\"")
        }
        other => other.to_string(),
    }
}

pub(super) const DURATION_HINT: &str = "durations need a unit, e.g. \"250ms\" or \"2s\"";

impl Cx<'_> {
    /// A duration with a unit; `"none"` is not allowed.
    pub(super) fn duration(&mut self, field: &str, v: &Scalar) -> Option<Duration> {
        match self.opt_duration(field, v)? {
            Some(d) => Some(d),
            None => {
                self.error_hint(field, "\"none\" is not allowed here", DURATION_HINT);
                None
            }
        }
    }

    pub(super) fn positive_duration(&mut self, field: &str, v: &Scalar) -> Option<Duration> {
        let d = self.duration(field, v)?;
        if d.is_zero() {
            self.error(field, "must be longer than 0s");
            return None;
        }
        Some(d)
    }

    /// A duration or `"none"` (`Some(None)`); `None` when invalid.
    pub(super) fn opt_duration(&mut self, field: &str, v: &Scalar) -> Option<Option<Duration>> {
        match v {
            Scalar::Str(s) if s == "none" => Some(None),
            Scalar::Str(s) => match humantime::parse_duration(s) {
                Ok(d) => {
                    self.below_ceiling(field, Of::Duration, d.as_secs_f64(), || format!("\"{s}\"")).then_some(Some(d))
                }
                Err(e) => {
                    self.error_hint(
                        field,
                        format!("invalid duration \"{s}\": {}", duration_problem(&e)),
                        DURATION_HINT,
                    );
                    None
                }
            },
            Scalar::Int(n) => {
                self.error_hint(field, format!("bare number {n} is not a duration"), DURATION_HINT);
                None
            }
            Scalar::Float(x) => {
                self.error_hint(field, format!("bare number {x} is not a duration"), DURATION_HINT);
                None
            }
        }
    }

    /// A duration (`"10ms"`, not `"none"`) or a distribution.
    pub(super) fn delay(&mut self, field: &str, raw: &RawDelay) -> Option<Dist> {
        match raw {
            RawDelay::Duration(d) => self.duration(field, d).map(Dist::Fixed),
            RawDelay::Dist(d) => self.dist(field, d),
        }
    }

    /// An integer ≥ `min` and below its ceiling.
    pub(super) fn count(&mut self, field: &str, n: i64, min: i64) -> Option<usize> {
        match usize::try_from(n) {
            Ok(count) if n >= min => self.integer_below_ceiling(field, n).then_some(count),
            _ => {
                self.error(field, format!("must be ≥ {min}, got {n}"));
                None
            }
        }
    }

    /// One of a few words (`"fin"`, `"rst"`, `"race"`), with a "did you mean" for a near miss.
    pub(super) fn choice<T: Copy>(&mut self, field: &str, word: &str, options: &[(&str, T)]) -> Option<T> {
        if let Some((_, value)) = options.iter().find(|(name, _)| *name == word) {
            return Some(*value);
        }
        let key = field.rsplit('.').next().unwrap_or(field);
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        let expected = match names.split_last() {
            Some((last, [])) => format!("\"{last}\""),
            Some((last, rest)) => format!("{} or \"{last}\"", quoted_list(rest.iter().copied())),
            None => String::new(),
        };
        let hint = did_you_mean(word, names.iter().copied());
        self.report(field, format!("{key} must be {expected}, got \"{word}\""), hint);
        None
    }

    /// A timeout: a positive duration or `"none"`.
    pub(super) fn timeout(&mut self, field: &str, v: &Scalar) -> Option<Duration> {
        let d = self.opt_duration(field, v)??;
        if d.is_zero() {
            self.error_hint(field, "a timeout must be longer than 0s", "use \"none\" for no timeout");
            return None;
        }
        Some(d)
    }

    /// An integer ≥ `min` (`Some(Some(n))`) or `"unlimited"` (`Some(None)`); `None` when invalid.
    pub(super) fn limit(&mut self, field: &str, v: &Scalar, min: i64) -> Option<Option<usize>> {
        match v {
            Scalar::Str(s) if s == "unlimited" => Some(None),
            Scalar::Int(n) if *n >= min => self.integer_below_ceiling(field, *n).then_some(Some(*n as usize)),
            Scalar::Int(n) => {
                self.error(field, format!("must be ≥ {min}, got {n}"));
                None
            }
            other => {
                let shown = match other {
                    Scalar::Str(s) => format!("\"{s}\""),
                    Scalar::Float(x) => x.to_string(),
                    Scalar::Int(n) => n.to_string(),
                };
                self.error_hint(
                    field,
                    format!("expected an integer or \"unlimited\", got {shown}"),
                    format!("e.g. {min} or \"unlimited\""),
                );
                None
            }
        }
    }

    /// A rate in requests per second: finite, ≥ 0, and > 0 when `positive`.
    pub(super) fn rate(&mut self, field: &str, r: f64, positive: bool) -> Option<f64> {
        if !r.is_finite() || r < 0.0 {
            self.error(field, format!("rate must be a finite number ≥ 0 (requests per second), got {r}"));
            return None;
        }
        if positive && r == 0.0 {
            self.error_hint(field, "rate must be above 0", "rates are arrivals per second, e.g. rate = 100");
            return None;
        }
        self.below_ceiling(field, Of::Rate, r, || r.to_string()).then_some(r)
    }

    pub(super) fn dist(&mut self, field: &str, raw: &RawDist) -> Option<Dist> {
        let f = |name: &str| format!("{field}.{name}");
        match raw {
            RawDist::Fixed { value } => Some(Dist::Fixed(self.duration(&f("value"), value)?)),
            RawDist::Uniform { min, max } => {
                let (min, max) = (self.duration(&f("min"), min), self.duration(&f("max"), max));
                let (min, max) = (min?, max?);
                if min > max {
                    self.error(&f("min"), format!("min ({}) is above max ({})", fmt_dur(min), fmt_dur(max)));
                    return None;
                }
                Some(Dist::Uniform { min, max })
            }
            RawDist::Normal { mean, stddev } => {
                let (mean, stddev) = (self.duration(&f("mean"), mean), self.duration(&f("stddev"), stddev));
                Some(Dist::Normal { mean: mean?, stddev: stddev? })
            }
            RawDist::Lognormal { median, p99, sigma } => {
                let median = self.positive_duration(&f("median"), median);
                match (p99, sigma) {
                    (Some(_), Some(_)) => {
                        self.error_hint(
                            field,
                            "p99 and sigma are mutually exclusive",
                            "give the spread as p99 or as sigma, not both",
                        );
                        None
                    }
                    (None, None) => {
                        self.error_hint(
                            field,
                            "a lognormal needs p99 or sigma",
                            "e.g. { dist = \"lognormal\", median = \"4ms\", p99 = \"30ms\" }",
                        );
                        None
                    }
                    (None, Some(sigma)) => {
                        if !sigma.is_finite() || *sigma <= 0.0 {
                            self.error(&f("sigma"), format!("sigma must be a finite number above 0, got {sigma}"));
                            return None;
                        }
                        if !self.below_ceiling(&f("sigma"), Of::Number, *sigma, || sigma.to_string()) {
                            return None;
                        }
                        Some(Dist::LogNormal { median: median?, sigma: *sigma })
                    }
                    (Some(p99), None) => {
                        let p99 = self.duration(&f("p99"), p99)?;
                        let median = median?;
                        if p99 <= median {
                            self.error_hint(
                                &f("p99"),
                                format!("p99 ({}) must be above the median ({})", fmt_dur(p99), fmt_dur(median)),
                                "a lognormal's p99 lies above its median",
                            );
                            return None;
                        }
                        // The plan keeps sigma, and its normalized form writes sigma: the same ceiling.
                        let sigma = Dist::lognormal_sigma(median, p99);
                        let max = ceiling(&f("sigma"), Of::Number).max;
                        if sigma > max.magnitude() {
                            self.error_hint(
                                &f("p99"),
                                format!(
                                    "p99 ({}) over the median ({}) is a sigma of {sigma:.2}, above the ceiling of {max}",
                                    fmt_dur(p99),
                                    fmt_dur(median)
                                ),
                                format!("p99 may be at most e^(2.33 × {max}) ≈ 1.3e10 times the median"),
                            );
                            return None;
                        }
                        Some(Dist::LogNormal { median, sigma })
                    }
                }
            }
        }
    }
}

impl Cx<'_> {
    /// Reports `field` when its value (`magnitude` in its kind's unit, `shown` as written) is above
    /// its ceiling; true when it is not.
    pub(super) fn below_ceiling(
        &mut self,
        field: &str,
        of: Of,
        magnitude: f64,
        shown: impl FnOnce() -> String,
    ) -> bool {
        let row = ceiling(field, of);
        let above = magnitude > row.max.magnitude();
        if above {
            let key = field.rsplit('.').next().unwrap_or(field);
            self.error_hint(
                field,
                format!("{} is above the ceiling of {}", shown(), row.max),
                format!("{key} is at most {} ({}); the ceilings are listed in README.md", row.max, row.why),
            );
        }
        !above
    }

    fn integer_below_ceiling(&mut self, field: &str, n: i64) -> bool {
        self.below_ceiling(field, Of::Integer, n as f64, || n.to_string())
    }
}

pub(super) fn fmt_dur(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::scenario::plan::Load;

    #[test]
    fn durations_need_units() {
        assert_eq!(
            errs(&phase("concurrency = 1\nthink = 10")),
            ["9:9 phase[0].think: bare number 10 is not a duration"]
        );
        assert_eq!(hints(&phase("concurrency = 1\nthink = 10")), [DURATION_HINT]);
        assert_eq!(
            errs(&client("connect_timeout = \"3 parsecs\"\nrequest_timeout = \"0s\"\npool_idle_timeout = 90")),
            [
                "9:19 client[0].connect_timeout: invalid duration \"3 parsecs\": unknown time unit \"parsecs\", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations)",
                "10:19 client[0].request_timeout: a timeout must be longer than 0s",
                "11:21 client[0].pool_idle_timeout: bare number 90 is not a duration",
            ]
        );
        assert_eq!(errs(&format!("drain = \"none\"\n{MINIMAL}")), ["1:9 drain: \"none\" is not allowed here"]);
        let plan = ok(&phase("concurrency = 1\nthink = \"none\""));
        assert_eq!(plan.phases[0].load, Load::Closed { concurrency: 1, think: None });
        let plan = ok(&phase("concurrency = 1\nthink = \"10ms\""));
        assert_eq!(
            plan.phases[0].load,
            Load::Closed { concurrency: 1, think: Some(Dist::Fixed(Duration::from_millis(10))) }
        );
    }

    #[test]
    fn distributions_are_sane() {
        let latency = |d: &str| errs(&with(&format!("[mock]\nlatency = {d}\n")));
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"4ms\", p99 = \"4ms\" }"),
            ["10:55 mock.latency.p99: p99 (4ms) must be above the median (4ms)"]
        );
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"0s\", sigma = 1.0 }"),
            ["10:42 mock.latency.median: must be longer than 0s"]
        );
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"1ms\", sigma = 0.0 }"),
            ["10:57 mock.latency.sigma: sigma must be a finite number above 0, got 0"]
        );
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"1ms\", sigma = 1.0, p99 = \"9ms\" }"),
            ["10:11 mock.latency: p99 and sigma are mutually exclusive"]
        );
        assert_eq!(
            latency("{ dist = \"lognormal\", median = \"1ms\" }"),
            ["10:11 mock.latency: a lognormal needs p99 or sigma"]
        );
        assert_eq!(
            latency("{ dist = \"uniform\", min = \"2ms\", max = \"1ms\" }"),
            ["10:37 mock.latency.min: min (2ms) is above max (1ms)"]
        );
        let plan = ok(&with("[mock]\nlatency = { dist = \"normal\", mean = \"5ms\", stddev = \"0s\" }\n"));
        assert_eq!(plan.mock.latency, Dist::Normal { mean: Duration::from_millis(5), stddev: Duration::ZERO });
        let plan = ok(&with("[mock]\nlatency = { dist = \"lognormal\", median = \"2ms\", sigma = 0.5 }\n"));
        assert_eq!(plan.mock.latency, Dist::LogNormal { median: Duration::from_millis(2), sigma: 0.5 });
    }
}

#[cfg(test)]
mod ceiling_tests {
    use super::super::test_support::*;
    use super::super::validate;
    use crate::scenario::Overrides;
    use std::path::Path;

    const HUGE: &str = "\"18446744073709551615s\"";

    #[test]
    fn durations_above_their_ceiling_are_located_errors() {
        let fault = "[[fault]]\nkind = \"stall\"\n";
        assert_eq!(
            errs(&format!("drain = {HUGE}\n{MINIMAL}{fault}").replace("\"1s\"", HUGE)),
            [
                "1:9 drain: \"18446744073709551615s\" is above the ceiling of 10m",
                "6:12 phase[0].duration: \"18446744073709551615s\" is above the ceiling of 24h",
            ]
        );
        assert_eq!(
            errs(&client(&format!("pool_idle_timeout = {HUGE}"))),
            ["9:21 client[0].pool_idle_timeout: \"18446744073709551615s\" is above the ceiling of 1h"]
        );
        assert_eq!(
            hints(&format!("drain = \"584942417y\"\n{MINIMAL}")),
            ["drain is at most 10m (the wait for unfinished requests); the ceilings are listed in README.md"]
        );
        // Found by the proptest property: a fault without `for` lasts all phases and the drain,
        // so all phases together have a ceiling too, and a fault's times reach past it.
        let day = "[[phase]]\nduration = \"24h\"\nconcurrency = 1\n";
        assert_eq!(
            errs(&format!("{MINIMAL}{}{fault}", day.repeat(7))),
            ["28:12 phase[7].duration: the phases up to this one last 7days 1s in all, above the ceiling of 168h"]
        );
        let plan = ok(&format!("{}{}{fault}", MINIMAL.replace("\"1s\"", "\"24h\""), day.repeat(6)));
        assert_round_trip(&plan);
        // A repeating fault's windows are listed in the result: 1s + 5s drain, every 500us.
        assert_eq!(
            errs(&with(&format!("{fault}for = \"100us\"\nevery = \"500us\"\n"))),
            ["12:9 fault[0].every: every (500us) switches the fault on 12000 times over the run (6s), above the ceiling of 10000"]
        );
        assert_eq!(ok(&with(&format!("{fault}for = \"100us\"\nevery = \"600us\"\n"))).faults.len(), 1);
        // At the ceiling is allowed, a nanosecond above is not.
        assert_eq!(ok(&MINIMAL.replace("\"1s\"", "\"24h\"")).phases[0].duration.as_secs(), 86_400);
        assert_eq!(errs(&MINIMAL.replace("\"1s\"", "\"24h 1ns\"")).len(), 1);
        assert_eq!(
            errs(&with(&format!("{fault}for = \"193h\"\n"))),
            ["11:7 fault[0].for: \"193h\" is above the ceiling of 192h"]
        );
        assert_eq!(
            errs(&with(
                "[[fault]]\nkind = \"latency\"\nlatency = { dist = \"uniform\", min = \"1ms\", max = \"2h\" }\n"
            )),
            ["11:50 fault[0].latency.max: \"2h\" is above the ceiling of 1h"]
        );
    }

    #[test]
    fn rates_counts_and_sizes_above_their_ceiling_are_located_errors() {
        assert_eq!(
            errs(&phase("shape = { kind = \"constant\", rate = 9.2e18 }")),
            ["8:37 phase[0].shape.rate: 9200000000000000000 is above the ceiling of 10000000/s"]
        );
        assert_eq!(
            errs(&phase("shape = { kind = \"steps\", rates = [1, 10000001] }")),
            ["8:39 phase[0].shape.rates[1]: 10000001 is above the ceiling of 10000000/s"]
        );
        assert_eq!(
            errs(&with("[mock]\nbody_bytes = 9223372036854775807\n")),
            ["10:14 mock.body_bytes: 9223372036854775807 is above the ceiling of 1 GiB"]
        );
        assert_eq!(ok(&with("[mock]\nbody_bytes = 1073741824\n")).mock.body_bytes, 1 << 30);
        assert_eq!(
            errs(&phase("concurrency = 100001")),
            ["8:15 phase[0].concurrency: 100001 is above the ceiling of 100000"]
        );
        assert_eq!(
            errs(&client("retries = { max = 101 }\nmax_conns_per_host = 1000001")),
            [
                "9:19 client[0].retries.max: 101 is above the ceiling of 100",
                "10:22 client[0].max_conns_per_host: 1000001 is above the ceiling of 1000000",
            ]
        );
        assert_eq!(
            errs(&with("[[fault]]\nkind = \"bandwidth\"\nlayer = \"proxy\"\nbytes_per_s = 10737418241\n")),
            ["12:15 fault[0].bytes_per_s: 10737418241 is above the ceiling of 10 GiB"]
        );
        assert_eq!(
            errs(&with("[mock]\nlatency = { dist = \"lognormal\", median = \"1ms\", sigma = 11.0 }\n")),
            ["10:57 mock.latency.sigma: 11 is above the ceiling of 10"]
        );
        // Found by `just fuzz`: a p99 this far above the median normalized to a sigma past the
        // ceiling, so the plan's own normalized form did not validate.
        assert_eq!(
            errs(&with("[mock]\nlatency = { dist = \"lognormal\", median = \"1ns\", p99 = \"1h\" }\n")),
            ["10:55 mock.latency.p99: p99 (1h) over the median (1ns) is a sigma of 12.43, above the ceiling of 10"]
        );
    }

    #[test]
    fn standalone_configurations_meet_the_same_ceilings() {
        let diags = super::super::validate_parts(
            "[mock]\nbody_bytes = 9223372036854775807\n[[fault]]\nkind = \"stall\"\nat = \"18446744073709551615s\"\n",
            Path::new("c.toml"),
        )
        .expect_err("above ceilings");
        let got: Vec<String> = diags.0.iter().map(|d| format!("{}:{} {}", d.line, d.col, d.field)).collect();
        assert_eq!(got, ["2:14 mock.body_bytes", "5:6 fault[0].at"]);
    }

    #[test]
    fn control_characters_are_refused_in_names_and_headers_and_escaped_when_shown() {
        let src = phase("name = \"a\\u0000b\\r\\nc\"\nconcurrency = 1\nrequest = { headers = { \"x\\u001b[2J\" = \"v\", ok = \"\\u001b]0;pwned\\u0007\" } }");
        let diags = validate(&src, Path::new("t.toml"), &Overrides::default()).expect_err("controls");
        let shown = diags.to_string();
        assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "raw control characters shown: {shown:?}");
        assert_eq!(shown.lines().count(), 5, "three diagnostics, two with a hint: {shown}");
        assert!(shown.contains("phase[0].name: phase name \"a\\0b\\r\\nc\" holds a control character"), "{shown}");
        assert!(shown.contains("request.headers.x\\u{1b}[2J: invalid header name \"x\\u{1b}[2J\""), "{shown}");
        assert!(shown.contains("request.headers.ok: invalid value for header \"ok\""), "{shown}");
    }
}
