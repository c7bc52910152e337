//! HDR histograms as chaosload uses them: microseconds, 1 µs to 1 h, 3 significant digits.

use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;
use std::time::Duration;

/// Highest trackable value: one hour, in microseconds.
pub const MAX_US: u64 = 3_600_000_000;

/// A latency histogram in microseconds.
#[derive(Clone)]
pub struct Hist(Histogram<u64>);

impl std::fmt::Debug for Hist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hist(n={})", self.0.len())
    }
}

impl Default for Hist {
    fn default() -> Self {
        Hist::new()
    }
}

/// The highest value a new histogram has room for before it grows (µs): its first bucket. The
/// layout of buckets depends only on the lowest value (1 µs) and the significant digits (3), so
/// a histogram that grew to an hour holds every value exactly as one made an hour wide at once.
const INITIAL_HIGH_US: u64 = 2;

impl Hist {
    /// An empty histogram that grows as values arrive (hdrhistogram's `auto`), up to `MAX_US`
    /// because `record` clamps there. One made an hour wide at once writes 23,552 counters
    /// (184 kB) at creation, and every worker keeps seven per phase: with 64 workers that was
    /// 84 MB of zeros; grown, a histogram of sub-millisecond latencies holds 2,048-5,120.
    pub fn new() -> Hist {
        let mut h = Histogram::new_with_bounds(1, INITIAL_HIGH_US, 3).expect("static histogram bounds are valid");
        h.auto(true);
        Hist(h)
    }

    /// Records a duration; values beyond an hour are clamped to it (and so still counted).
    pub fn record(&mut self, d: Duration) {
        let us = (d.as_micros() as u64).clamp(1, MAX_US);
        self.0.record(us).expect("an auto-resizing histogram takes any value up to u64::MAX / 2");
    }

    pub fn add(&mut self, other: &Hist) {
        self.0.add(&other.0).expect("histograms share bounds");
    }

    pub fn reset(&mut self) {
        self.0.reset();
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn inner(&self) -> &Histogram<u64> {
        &self.0
    }

    /// Value at quantile `q` (0..=1) in microseconds.
    pub fn quantile_us(&self, q: f64) -> u64 {
        self.0.value_at_quantile(q)
    }

    /// HdrHistogram V2 compressed (deflate) encoding, the form used in HdrHistogram logs.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        V2DeflateSerializer::new().serialize(&self.0, &mut out).expect("serializing into a Vec cannot fail");
        out
    }

    pub fn encode_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.encode())
    }

    pub fn decode(bytes: &[u8]) -> Result<Hist, hdrhistogram::serialization::DeserializeError> {
        let h: Histogram<u64> = Deserializer::new().deserialize(&mut &bytes[..])?;
        let mut out = Hist::new();
        out.0.add(&h).map_err(|_| hdrhistogram::serialization::DeserializeError::UsizeTypeTooSmall)?;
        Ok(out)
    }

    pub fn decode_base64(text: &str) -> anyhow::Result<Hist> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(text)?;
        Ok(Hist::decode(&bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_round_trip_and_clamps() {
        let mut h = Hist::new();
        for ms in 1..=100u64 {
            h.record(Duration::from_millis(ms));
        }
        h.record(Duration::from_secs(7200));
        h.record(Duration::ZERO);
        let back = Hist::decode_base64(&h.encode_base64()).unwrap();
        assert_eq!(back.len(), 102);
        assert_eq!(back.quantile_us(0.5), h.quantile_us(0.5));
        assert!(back.inner().max() >= MAX_US - MAX_US / 1000);
        let p50 = back.quantile_us(0.5) as f64;
        assert!((50_000.0..=51_100.0).contains(&p50), "{p50}");
    }

    /// Growing changes room, never buckets: every quantile, count and bucket edge matches a
    /// histogram made an hour wide at once, and a new one is small.
    #[test]
    fn grows_to_the_same_buckets_as_one_made_wide() {
        let mut grown = Hist::new();
        assert!(grown.inner().distinct_values() <= 2048, "{}", grown.inner().distinct_values());
        let mut wide = Histogram::<u64>::new_with_bounds(1, MAX_US, 3).unwrap();
        let mut x: u64 = 7;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let us = 1 + (x >> 33) % (1 << ((x >> 20) % 32));
            grown.record(Duration::from_micros(us));
            wide.record(us.clamp(1, MAX_US)).unwrap();
        }
        grown.record(Duration::from_secs(7200));
        wide.record(MAX_US).unwrap();
        assert_eq!(grown.len(), wide.len());
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(grown.quantile_us(q), wide.value_at_quantile(q), "q {q}");
        }
        for v in [1, 999, 2048, 123_456, MAX_US] {
            assert_eq!(grown.inner().lowest_equivalent(v), wide.lowest_equivalent(v));
            assert_eq!(grown.inner().count_at(v), wide.count_at(v));
        }
        let mut merged = Hist::new();
        merged.add(&grown);
        assert_eq!(merged.quantile_us(0.99), wide.value_at_quantile(0.99));
        let back = Hist::decode(&grown.encode()).unwrap();
        assert_eq!(back.quantile_us(0.999), wide.value_at_quantile(0.999));
    }
}
