//! Where the client connects: the seam between a target and the address each new connection
//! dials. Today a target is an address (the mock, the chaos proxy, or a URL's host resolved once
//! before the run); a name resolved by the configuration's own resolver belongs here too, so
//! that resolving is part of every connect the pool makes, as it is in a real client.

use crate::record::ErrorKind;
use std::net::SocketAddr;

/// How a client finds the address of a new connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dial {
    /// A fixed address: nothing to resolve.
    Addr(SocketAddr),
}

impl Dial {
    /// The address the next connection dials.
    pub async fn resolve(&self) -> Result<SocketAddr, ErrorKind> {
        match self {
            Dial::Addr(addr) => Ok(*addr),
        }
    }
}
