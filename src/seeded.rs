//! Seeded draws shared by the mock, the chaos proxy and the DNS stub: pure functions of the scenario seed, a
//! unit's index (a request or a connection, numbered from 0 in arrival order) and a fault's
//! `[[fault]]` index, so every client configuration meets the same hits and the same draws.
//! [`Purpose`] names what each draw is for, so that one unit's draws for different ends differ.

use rand::rngs::SmallRng;
use rand::SeedableRng;

/// What a draw is for: keeps the draws of different purposes on one unit apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Whether a fault hits a request.
    RequestHit = 1,
    /// A latency fault's extra latency for a request.
    FaultLatency = 2,
    /// Whether a fault hits a connection at accept (the mock's reset at accept).
    AcceptHit = 3,
    /// A connection's jittered keep-alive idle timeout.
    IdleJitter = 4,
    /// Whether a proxy fault hits a connection.
    ProxyHit = 5,
    /// The seed of a proxy toxic's own draws (latency per chunk) on one connection.
    Toxic = 6,
    /// Whether a dns fault hits a query.
    DnsHit = 7,
    /// A dns `delay` fault's delay for a query.
    DnsDelay = 8,
    /// Whether an HTTP/2 connection fault (`goaway`, `max_concurrent_streams`…) hits a connection.
    H2Hit = 9,
    /// Where within its window a `goaway` reaches a connection.
    GoawayAt = 10,
    /// Whether a mock handshake fault hits a TLS connection.
    HandshakeHit = 11,
    /// A `handshake_delay` fault's delay for a connection.
    HandshakeDelay = 12,
    /// A `[mock.serverless] cold_handshake` draw for a connection.
    ColdHandshake = 13,
}

/// The scenario seed, scrambled once; every draw derives from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    key: u64,
}

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Seeded { key: splitmix64(seed) }
    }

    /// The RNG of unit `unit`'s draws that no fault owns (the mock's status and latency of the
    /// `unit`-th request). The cheapest seeding: it runs for every request of a plain mock.
    pub fn unit_rng(&self, unit: u64) -> SmallRng {
        SmallRng::seed_from_u64(self.key ^ unit)
    }

    /// A key for one draw: `purpose` on `unit` by the fault at `[[fault]]` index `fault`.
    pub fn key(&self, unit: u64, fault: usize, purpose: Purpose) -> u64 {
        splitmix64(self.key ^ splitmix64(unit ^ ((purpose as u64) << 56) ^ ((fault as u64 + 1) << 40)))
    }

    /// An RNG seeded by [`Seeded::key`].
    pub fn rng(&self, unit: u64, fault: usize, purpose: Purpose) -> SmallRng {
        SmallRng::seed_from_u64(self.key(unit, fault, purpose))
    }

    /// The RNG of the `k`-th draw of a sequence that belongs to no unit and no fault (the
    /// serverless model's `k`-th cold start), kept apart from other sequences by `salt`.
    pub fn sequence_rng(&self, salt: u64, k: u64) -> SmallRng {
        SmallRng::seed_from_u64(splitmix64(self.key ^ salt ^ k))
    }

    /// Whether the fault at index `fault` with `probability` hits `unit`.
    pub fn hits(&self, unit: u64, fault: usize, purpose: Purpose, probability: f64) -> bool {
        if probability >= 1.0 {
            return true;
        }
        let x = (self.key(unit, fault, purpose) >> 11) as f64 / (1u64 << 53) as f64;
        x < probability
    }
}

/// SplitMix64's output function: scrambles its input so neighbouring seeds and indices yield
/// unrelated streams.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_depend_on_seed_unit_fault_and_purpose() {
        let pattern = |seed, fault, purpose| {
            let s = Seeded::new(seed);
            (0..64).map(|unit| s.hits(unit, fault, purpose, 0.5)).collect::<Vec<_>>()
        };
        let p = pattern(1, 0, Purpose::ProxyHit);
        assert_eq!(p, pattern(1, 0, Purpose::ProxyHit));
        assert_ne!(p, pattern(2, 0, Purpose::ProxyHit));
        assert_ne!(p, pattern(1, 1, Purpose::ProxyHit));
        assert_ne!(p, pattern(1, 0, Purpose::RequestHit));
        let hit = p.iter().filter(|&&h| h).count();
        assert!((16..=48).contains(&hit), "{hit} of 64");
        let s = Seeded::new(1);
        assert!((0..64).all(|u| !s.hits(u, 0, Purpose::ProxyHit, 0.0) && s.hits(u, 0, Purpose::ProxyHit, 1.0)));
    }
}
