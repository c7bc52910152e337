//! What one chaos proxy is given: where to forward, its faults with their `[[fault]]` indices,
//! the seed and the epoch.

use super::toxics::ProxyFault;
use crate::fault::Indexed;
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
        }
    }

    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A config for `faults` whose epoch is now.
    pub fn with_faults(upstream: SocketAddr, seed: u64, faults: Vec<Indexed<ProxyFault>>) -> Self {
        ProxyConfig { faults, ..ProxyConfig::new(upstream, seed) }
    }
}
