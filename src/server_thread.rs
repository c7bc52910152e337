//! A server future on its own OS thread with a current-thread tokio runtime: how the mock and
//! the chaos proxy run beside the load engine without sharing its threads.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::thread::JoinHandle;
use tokio_util::sync::CancellationToken;

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
        F: FnOnce(tokio::net::TcpListener, CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
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
