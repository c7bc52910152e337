//! The `system` resolver: getaddrinfo on the runtime's blocking pool (`tokio::net::lookup_host`),
//! a lookup per new connection. It asks the machine's own resolver (resolv.conf, nscd, systemd-
//! resolved…), so the stub's faults cannot reach it.

use crate::record::ErrorKind;
use std::net::IpAddr;

/// The first IPv4 address getaddrinfo gives for `host`, else the first address.
pub(super) async fn lookup(host: &str) -> Result<IpAddr, ErrorKind> {
    // The port is getaddrinfo's `service`; the caller adds its own.
    match tokio::net::lookup_host((host, 0)).await {
        Ok(addrs) => {
            let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
            ips.iter().find(|ip| ip.is_ipv4()).or(ips.first()).copied().ok_or(ErrorKind::DnsNxdomain)
        }
        // std reports getaddrinfo's EAI_* code only as text, so a failure cannot be told apart
        // (no such name, a timeout, a failing server): all are `dns_error`.
        Err(_) => Err(ErrorKind::DnsError),
    }
}
