//! HdrHistogram interval logs (`hdr/<client>.hlog`): a configuration's per-second latency histograms in
//! the "standard log format" that HdrHistogram's own tools (HistogramLogProcessor, the web plotter) read.
//!
//! Values are microseconds, as everywhere in chaosload; `Interval_Max` is in microseconds too (the Java
//! tools ignore that column and read the histograms). Intervals are untagged — one file per configuration —
//! because HistogramLogProcessor reads only untagged lines unless told `-tag`.

use crate::record::Hist;
use crate::result::{ClientResult, RunResult};
use hdrhistogram::serialization::interval_log::IntervalLogWriterBuilder;
use hdrhistogram::serialization::V2DeflateSerializer;
use std::time::{Duration, SystemTime};

/// The column legend line HdrHistogram's Java `HistogramLogWriter` writes after the headers.
pub const LEGEND: &str = "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"";

/// The interval log of one configuration: `#[StartTime]` and `#[BaseTime]` at `start`, then one line per
/// second of `result.timeline` (offsets from `start`), including seconds in which nothing completed.
///
/// `start` is when this configuration's run began: the client's own `started_at` in result.json.
///
/// A second whose stored histogram cannot be decoded (a hand-edited file) becomes a comment line saying
/// so rather than an error, so the rest of the log is still usable.
pub fn write_interval_log(result: &ClientResult, start: SystemTime) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut serializer = V2DeflateSerializer::new();
    IntervalLogWriterBuilder::new()
        .add_comment(&format!("[Logged with chaosload {}]", env!("CARGO_PKG_VERSION")))
        .add_comment("[Histogram log format version 1.3]")
        .add_comment(&format!(
            "client {}: latency from intended send time in microseconds, one histogram per second, by completion time",
            result.name
        ))
        .with_start_time(start)
        .with_base_time(start)
        .begin_log_with(&mut out, &mut serializer)
        .expect("writing into a Vec cannot fail");
    out.extend_from_slice(LEGEND.as_bytes());
    out.push(b'\n');
    let mut writer = IntervalLogWriterBuilder::new()
        .begin_log_with(&mut out, &mut serializer)
        .expect("writing into a Vec cannot fail");
    let seconds = result.timeline.len() as u64;
    for second in &result.timeline {
        let hist = if second.hdr.is_empty() { Ok(Hist::new()) } else { Hist::decode_base64(&second.hdr) };
        let hist = match hist {
            Ok(hist) => hist,
            Err(e) => {
                writer
                    .write_comment(&format!("second {}: histogram could not be decoded ({e:#})", second.t_s))
                    .expect("writing into a Vec cannot fail");
                continue;
            }
        };
        let length = interval_length(second.t_s, seconds, result.duration_ms);
        writer
            .write_histogram(hist.inner(), Duration::from_secs(second.t_s), length, None)
            .expect("serializing into a Vec cannot fail");
    }
    String::from_utf8(out).expect("the log is ASCII")
}

/// One second, except the last timeline entry, which lasts until the run ended when that is sooner.
fn interval_length(t_s: u64, seconds: u64, duration_ms: u64) -> Duration {
    let full = Duration::from_secs(1);
    if t_s + 1 != seconds {
        return full;
    }
    match duration_ms.checked_sub(t_s * 1000) {
        Some(rest) if rest > 0 => Duration::from_millis(rest).min(full),
        _ => full,
    }
}

/// The run's `started_at` (RFC 3339, UTC) as a `SystemTime`, for [`write_interval_log`].
pub fn started_at(result: &RunResult) -> Option<SystemTime> {
    humantime::parse_rfc3339_weak(&result.started_at).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
    use hdrhistogram::serialization::Deserializer;
    use hdrhistogram::Histogram;

    fn decode(text: &str) -> Histogram<u64> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.decode(text).unwrap();
        Deserializer::new().deserialize(&mut &bytes[..]).unwrap()
    }

    #[test]
    fn reads_back_with_hdrhistograms_own_parser() {
        let client = fixtures::client("tuned", &fixtures::Numbers::default());
        let start = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_000_000_250);
        let log = write_interval_log(&client, start);

        let lines: Vec<&str> = log.lines().collect();
        assert!(lines.contains(&"#[StartTime: 1795000000.250 (seconds since epoch)]"), "{log}");
        assert!(lines.contains(&"#[BaseTime: 1795000000.250 (seconds since epoch)]"), "{log}");
        let legend = lines.iter().position(|l| *l == LEGEND).expect("legend line");
        assert!(lines[..legend].iter().all(|l| l.starts_with('#')), "headers come before the legend");
        assert!(lines[legend + 1..].iter().all(|l| !l.starts_with('#')), "no comments among the intervals");

        let mut intervals = Vec::new();
        let (mut start_time, mut base_time) = (None, None);
        for entry in IntervalLogIterator::new(log.as_bytes()) {
            match entry.expect("the log parses") {
                LogEntry::StartTime(t) => start_time = Some(t),
                LogEntry::BaseTime(t) => base_time = Some(t),
                LogEntry::Interval(h) => intervals.push((
                    h.start_timestamp(),
                    h.duration(),
                    h.max(),
                    h.tag().map(|t| t.as_str().to_string()),
                    decode(h.encoded_histogram()),
                )),
            }
        }
        assert_eq!(start_time, Some(Duration::from_millis(1_795_000_000_250)));
        assert_eq!(base_time, start_time);
        assert_eq!(intervals.len(), client.timeline.len());
        for (i, ((at, length, max, tag, hist), second)) in intervals.iter().zip(&client.timeline).enumerate() {
            assert_eq!(*at, Duration::from_secs(i as u64));
            assert_eq!(*tag, None);
            assert_eq!(hist.len(), second.completed, "second {i}");
            assert_eq!(*max, hist.max() as f64, "second {i}");
            let exact = second.latency_max_us as f64;
            assert!((hist.max() as f64 - exact).abs() <= exact / 1000.0 + 1.0, "second {i}: {} vs {exact}", hist.max());
            let last = i + 1 == client.timeline.len();
            assert_eq!(*length, if last { Duration::from_millis(500) } else { Duration::from_secs(1) });
        }
        // The fixture has an empty second: it is written, as an empty histogram, to keep the timeline whole.
        assert!(intervals.iter().any(|(_, _, max, _, hist)| hist.is_empty() && *max == 0.0));
    }

    #[test]
    fn an_undecodable_second_becomes_a_comment() {
        let mut client = fixtures::client("tuned", &fixtures::Numbers::default());
        client.timeline[1].hdr = "not base64!".to_string();
        let log = write_interval_log(&client, SystemTime::UNIX_EPOCH);
        assert!(log.contains("#second 1: histogram could not be decoded"), "{log}");
        let intervals = IntervalLogIterator::new(log.as_bytes())
            .map(|e| e.unwrap())
            .filter(|e| matches!(e, LogEntry::Interval(_)))
            .count();
        assert_eq!(intervals, client.timeline.len() - 1);
    }

    #[test]
    fn started_at_parses_the_contract_timestamp() {
        let mut run = fixtures::run("smoke", vec![]);
        run.started_at = "2026-11-22T07:34:26Z".to_string();
        let t = started_at(&run).unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 1_795_332_866);
    }
}
