//! A connection's byte stream, plain TCP or TLS over it: one type for the HTTP/1.1 code the
//! client and the mock share, so that every exchange and every socket-level fault works over
//! both. What only the TCP socket can do (linger for a reset, `nodelay`, a peek at an idle
//! connection) goes to the socket underneath.

use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A connected socket, with or without TLS.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    /// The client's end of a TLS connection.
    TlsClient(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// The mock's end of a TLS connection.
    TlsServer(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

/// What a look at an idle connection's socket found, without reading anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idle {
    /// Nothing to read: the peer is quiet.
    Quiet,
    /// The peer closed it (FIN) or reset it.
    Closed,
    /// Bytes nobody asked for: on HTTP/1.1 only a peer about to close sends any (over TLS, its
    /// close_notify alert).
    Unasked,
}

impl From<TcpStream> for Stream {
    fn from(stream: TcpStream) -> Stream {
        Stream::Plain(stream)
    }
}

impl Stream {
    /// The TCP socket underneath.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::TlsClient(s) => s.get_ref().0,
            Stream::TlsServer(s) => s.get_ref().0,
        }
    }

    /// The TCP socket underneath, TLS dropped without a close_notify: for a reset, or a close
    /// that is meant to skip TLS's own ending.
    pub(crate) fn into_tcp(self) -> TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::TlsClient(s) => s.into_inner().0,
            Stream::TlsServer(s) => s.into_inner().0,
        }
    }

    pub(crate) fn is_tls(&self) -> bool {
        !matches!(self, Stream::Plain(_))
    }

    /// Whether TLS's ALPN agreed on HTTP/2.
    pub(crate) fn alpn_is_h2(&self) -> bool {
        let alpn = match self {
            Stream::Plain(_) => None,
            Stream::TlsClient(s) => s.get_ref().1.alpn_protocol(),
            Stream::TlsServer(s) => s.get_ref().1.alpn_protocol(),
        };
        alpn == Some(b"h2".as_slice())
    }

    /// Peeks at the socket without blocking and without consuming a byte (`MSG_PEEK`), so that
    /// TLS records stay whole for the TLS reader.
    pub(crate) fn idle_state(&self) -> Idle {
        use nix::sys::socket::{recv, MsgFlags};
        let mut probe = [0u8; 1];
        match recv(self.tcp().as_raw_fd(), &mut probe, MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT) {
            Ok(0) => Idle::Closed,
            Ok(_) => Idle::Unasked,
            Err(nix::errno::Errno::EAGAIN | nix::errno::Errno::EINTR) => Idle::Quiet,
            Err(_) => Idle::Closed,
        }
    }

    /// Writes what it can of `bytes` now, without waiting (a refusal on a connection about to be
    /// dropped): over TLS the bytes are encrypted and as much as the socket takes is sent.
    pub(crate) fn write_now(&mut self, bytes: &[u8]) {
        match self {
            Stream::Plain(s) => {
                let _ = s.try_write(bytes);
            }
            tls => {
                let mut cx = Context::from_waker(std::task::Waker::noop());
                let _ = Pin::new(&mut *tls).poll_write(&mut cx, bytes);
                let _ = Pin::new(tls).poll_flush(&mut cx);
            }
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::TlsClient(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::TlsServer(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::TlsClient(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::TlsServer(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::TlsClient(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
            Stream::TlsServer(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(s) => s.is_write_vectored(),
            Stream::TlsClient(s) => s.is_write_vectored(),
            Stream::TlsServer(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::TlsClient(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::TlsServer(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    /// Over TLS: close_notify, then FIN.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::TlsClient(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::TlsServer(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
