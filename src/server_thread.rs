//! A server future on its own OS thread with a current-thread tokio runtime: how the mock and
//! the chaos proxy run beside the load engine without sharing its threads; and the accept loop
//! they share.

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
    pub fn spawn<F, Fut>(name: &'static str, listener: std::net::TcpListener, serve: F) -> io::Result<ServerThread>
    where
        F: FnOnce(TcpListener, CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
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
