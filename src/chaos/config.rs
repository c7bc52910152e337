//! What one chaos proxy is given: where to forward, its faults with their `[[fault]]` indices,
//! the seed, the epoch and its limits.

use super::toxics::ProxyFault;
use crate::fault::Indexed;
use crate::server_thread::AcceptLimits;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Everything one proxy needs.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Where client connections are forwarded.
    pub upstream: SocketAddr,
    /// The run's proxy faults, each with its `[[fault]]` index.
    pub faults: Vec<Indexed<ProxyFault>>,
    pub seed: u64,
    /// Start of the run: fault windows are offsets from it.
    pub epoch: Instant,
    /// How long the proxy waits to connect upstream before it resets the client's connection (an
    /// upstream that drops SYNs would otherwise hold it for the OS's ~2 min).
    pub connect_timeout: Duration,
    pub limits: ProxyLimits,
}

/// What the proxy admits and how long it keeps a connection one side has closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyLimits {
    /// Client connections open at once; one more is accepted and closed at once.
    pub max_connections: usize,
    /// After one side closed, how long the other may stay silent before the proxy closes both
    /// (see `ends.rs`).
    pub half_close_timeout: Duration,
}

impl ProxyLimits {
    pub const HALF_CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
}

impl Default for ProxyLimits {
    fn default() -> Self {
        ProxyLimits {
            max_connections: AcceptLimits::DEFAULT_MAX_CONNECTIONS,
            half_close_timeout: ProxyLimits::HALF_CLOSE_TIMEOUT,
        }
    }
}

impl ProxyConfig {
    /// A config without faults whose epoch is now.
    pub fn new(upstream: SocketAddr, seed: u64) -> Self {
        ProxyConfig {
            upstream,
            faults: Vec::new(),
            seed,
            epoch: Instant::now(),
            connect_timeout: ProxyConfig::CONNECT_TIMEOUT,
            limits: ProxyLimits::default(),
        }
    }

    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A config for `faults` whose epoch is now.
    pub fn with_faults(upstream: SocketAddr, seed: u64, faults: Vec<Indexed<ProxyFault>>) -> Self {
        ProxyConfig { faults, ..ProxyConfig::new(upstream, seed) }
    }
}
