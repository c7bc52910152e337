//! A server future on its own OS thread with a current-thread tokio runtime: how the mock and
//! the chaos proxy (and any server of a later layer, on TCP or UDP) run beside the load engine
//! without sharing its threads; and the accept loop the TCP servers share.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Accepts connections until `shutdown` is cancelled, handing each to `on_accept` (which spawns
/// its task into `conns`, or not); then drops the listener and every connection task in `conns`
/// (their sockets close, work in flight is abandoned). `name` prefixes accept warnings.
pub(crate) async fn accept_until<F>(
    name: &str,
    listener: TcpListener,
    shutdown: CancellationToken,
    mut conns: JoinSet<()>,
    mut on_accept: F,
) where
    F: FnMut(TcpStream, &mut JoinSet<()>),
{
    let cancelled = shutdown.cancelled();
    tokio::pin!(cancelled);
    loop {
        tokio::select! {
            biased;
            () = &mut cancelled => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => on_accept(stream, &mut conns),
                Err(e) => accept_error(name, e).await,
            },
        }
    }
    drop(listener);
    conns.shutdown().await;
}

/// Errors from `accept` concern one connection (aborted before we took it) or are resource
/// exhaustion (`EMFILE`…); neither should stop the server. Back off briefly on the latter.
async fn accept_error(name: &str, e: io::Error) {
    use io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted | WouldBlock) {
        return;
    }
    tracing::warn!("{name}: accept failed: {e}");
    tokio::time::sleep(Duration::from_millis(20)).await;
}

/// An already-bound socket a server thread can serve: it is handed over as the std type and
/// becomes its tokio type inside the server's own runtime.
pub trait Listener: Send + 'static {
    /// The socket as the server's runtime drives it.
    type Async: Send + 'static;

    fn local_addr(&self) -> io::Result<SocketAddr>;

    /// Makes it non-blocking and registers it with the runtime entered by the caller.
    fn into_async(self) -> io::Result<Self::Async>;
}

impl Listener for std::net::TcpListener {
    type Async = TcpListener;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        std::net::TcpListener::local_addr(self)
    }

    fn into_async(self) -> io::Result<TcpListener> {
        self.set_nonblocking(true)?;
        TcpListener::from_std(self)
    }
}

impl Listener for std::net::UdpSocket {
    type Async = tokio::net::UdpSocket;

    fn local_addr(&self) -> io::Result<SocketAddr> {
        std::net::UdpSocket::local_addr(self)
    }

    fn into_async(self) -> io::Result<tokio::net::UdpSocket> {
        self.set_nonblocking(true)?;
        tokio::net::UdpSocket::from_std(self)
    }
}

/// A running server thread. Stopped by [`ServerThread::stop`] or on drop.
#[derive(Debug)]
pub struct ServerThread {
    name: &'static str,
    addr: SocketAddr,
    shutdown: CancellationToken,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Runs `serve(listener, shutdown)` on a new thread named `name`, on an already-bound
    /// listener. Fails when the runtime or the thread cannot be created.
    pub fn spawn<L, F, Fut>(name: &'static str, listener: L, serve: F) -> io::Result<ServerThread>
    where
        L: Listener,
        F: FnOnce(L::Async, CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let listener = {
            let _entered = runtime.enter();
            listener.into_async()?
        };
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let thread =
            std::thread::Builder::new().name(name.into()).spawn(move || runtime.block_on(serve(listener, token)))?;
        Ok(ServerThread { name, addr, shutdown, thread: Some(thread) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection (work in flight is abandoned), joins the thread.
    pub fn stop(&mut self) {
        self.shutdown.cancel();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("{}: server thread panicked", self.name);
            }
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UDP server runs on its own thread like the TCP ones: a datagram echoed on loopback.
    #[test]
    fn a_udp_server_thread_answers_and_stops() {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut server = ServerThread::spawn("test-udp", socket, |socket, shutdown| async move {
            let mut buf = [0u8; 64];
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    received = socket.recv_from(&mut buf) => if let Ok((n, peer)) = received {
                        let _ = socket.send_to(&buf[..n], peer).await;
                    },
                }
            }
        })
        .unwrap();
        let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        client.send_to(b"ping", server.addr()).unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (&b"ping"[..], server.addr()));
        server.stop();
    }
}
