//! What a connection does with a socket taken back from hyper or h2 for a socket-level fault:
//! reset it, close it without a byte, or write raw bytes and then do either.

use crate::stream::Stream;
use bytes::Bytes;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// A socket-level end of a connection, decided by a fault or by the keep-alive and serverless
/// models, carried out by the connection's task (`server.rs`, `h2.rs`).
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

/// A connection's byte stream as the mock serves it (a TCP socket; any layer over one), with the
/// one socket-level act a [`Wire`] needs of it.
pub(crate) trait MockSocket: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// Makes closing it reset the connection (RST, unsent data dropped) instead of a FIN: on a
    /// TCP socket, SO_LINGER 0.
    fn reset_on_close(&self);

    /// Whether it is TLS over the socket (a graceful close then sends close_notify first).
    fn is_tls(&self) -> bool;

    /// The TCP socket underneath, any TLS dropped without its close_notify.
    fn into_tcp(self) -> TcpStream;
}

impl MockSocket for TcpStream {
    fn reset_on_close(&self) {
        let _ = socket2::SockRef::from(self).set_linger(Some(Duration::ZERO));
    }

    fn is_tls(&self) -> bool {
        false
    }

    fn into_tcp(self) -> TcpStream {
        self
    }
}

impl MockSocket for Stream {
    fn reset_on_close(&self) {
        self.tcp().reset_on_close();
    }

    fn is_tls(&self) -> bool {
        Stream::is_tls(self)
    }

    fn into_tcp(self) -> TcpStream {
        Stream::into_tcp(self)
    }
}

impl Wire {
    pub(crate) async fn execute<S: MockSocket>(self, mut stream: S) {
        match self {
            Wire::Rst => rst(stream),
            Wire::Fin if stream.is_tls() => {
                let _ = stream.shutdown().await;
            }
            Wire::Fin => drop(stream),
            Wire::Raw { bytes, rst: reset } => {
                let written = stream.write_all(&bytes).await;
                if reset {
                    rst(stream);
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
pub(crate) fn rst<S: MockSocket>(stream: S) {
    stream.reset_on_close();
    drop(stream);
}
