//! Where the client connects: the seam between a target and the address each new connection
//! dials. A target is an address (the mock, the chaos proxy, or a URL's host resolved once
//! before the run), or a name the configuration's own resolver looks up for every new
//! connection, so that resolving is part of every connect the pool makes, as in a real client.

use super::resolve::Resolver;
use crate::record::ErrorKind;
use std::net::SocketAddr;

/// How a client finds the address of a new connection.
#[derive(Debug, Clone)]
pub enum Dial {
    /// A fixed address: nothing to resolve.
    Addr(SocketAddr),
    /// A name looked up by `resolver` before each new connection.
    Name { host: String, port: u16, resolver: Resolver },
}

impl Dial {
    /// The address the next connection dials.
    pub async fn resolve(&self) -> Result<SocketAddr, ErrorKind> {
        match self {
            Dial::Addr(addr) => Ok(*addr),
            Dial::Name { host, port, resolver } => Ok(SocketAddr::new(resolver.lookup(host).await?, *port)),
        }
    }

    /// True if a new connection looks a name up first (its time is `Exchange.dns`).
    pub fn looks_up(&self) -> bool {
        match self {
            Dial::Addr(_) => false,
            Dial::Name { .. } => true,
        }
    }
}
