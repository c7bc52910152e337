//! What a connection does with a socket taken back from hyper for a socket-level fault: reset it,
//! close it without a byte, or write raw bytes and then do either.

use bytes::Bytes;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A socket-level end of a connection, decided by a fault or by the keep-alive and serverless
/// models, carried out by the connection's task (`server.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wire {
    /// Reset at once.
    Rst,
    /// Close (FIN) without a byte.
    Fin,
    /// Write these bytes, then reset (`rst`) or close.
    Raw { bytes: Bytes, rst: bool },
}

impl Wire {
    pub(crate) async fn execute(self, mut stream: TcpStream) {
        match self {
            Wire::Rst => rst(stream),
            Wire::Fin => drop(stream),
            Wire::Raw { bytes, rst: reset } => {
                let written = stream.write_all(&bytes).await;
                if reset {
                    rst(stream);
                } else if written.is_ok() {
                    let _ = stream.shutdown().await;
                }
            }
        }
    }
}

/// Resets a connection: linger 0, then close (the kernel sends RST and drops unsent data).
pub(crate) fn rst(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}
