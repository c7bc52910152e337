//! What a connection does with a socket taken back from hyper for a socket-level fault: reset it,
//! close it without a byte, or write raw bytes and then do either.

use crate::stream::Stream;
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
    /// Write these bytes, then close the TCP connection under TLS without TLS's close_notify
    /// (a plain connection: close).
    Unnotified { bytes: Bytes },
}

impl Wire {
    /// Over TLS, a close (`Fin`, `Raw` without a reset) sends close_notify first, as servers do;
    /// a reset never does.
    pub(crate) async fn execute(self, mut stream: Stream) {
        match self {
            Wire::Rst => rst(stream.into_tcp()),
            Wire::Fin if stream.is_tls() => {
                let _ = stream.shutdown().await;
            }
            Wire::Fin => drop(stream),
            Wire::Raw { bytes, rst: reset } => {
                let written = stream.write_all(&bytes).await;
                if reset {
                    rst(stream.into_tcp());
                } else if written.is_ok() {
                    let _ = stream.shutdown().await;
                }
            }
            Wire::Unnotified { bytes } => {
                if stream.write_all(&bytes).await.is_ok() && stream.flush().await.is_ok() {
                    let _ = stream.into_tcp().shutdown().await;
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
