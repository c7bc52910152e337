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

impl Hist {
    pub fn new() -> Hist {
        Hist(Histogram::new_with_bounds(1, MAX_US, 3).expect("static histogram bounds are valid"))
    }

    /// Records a duration; values beyond an hour are clamped to it (and so still counted).
    pub fn record(&mut self, d: Duration) {
        let us = (d.as_micros() as u64).clamp(1, MAX_US);
        self.0.record(us).expect("value is clamped into range");
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
}
