//! `chaosload mock` and `chaosload proxy`: the parts a run starts, standalone, so that a client
//! written in any language can meet the same faults. Each prints the address it bound as its
//! first line of standard output and serves until Ctrl-C.

use crate::chaos::{ProxyConfig, ProxyServer};
use crate::mock::{MockConfig, MockServer};
use crate::scenario::{self, ByLayer, LoadError, MockPlan, Parts};
use anyhow::Context as _;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

/// Why a standalone part could not start because of its configuration (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidConfig(pub String);

/// Reads `[mock]`, `[mock.serverless]`, `[[fault]]` and `seed` from a config (or scenario) file.
fn parts(config: Option<&Path>) -> anyhow::Result<Parts> {
    let Some(path) = config else {
        return Ok(Parts { mock: MockPlan::default(), faults: Vec::new(), seed: 1 });
    };
    match scenario::load_parts(path) {
        Ok(parts) => Ok(parts),
        Err(LoadError::Invalid(diagnostics)) => Err(InvalidConfig(diagnostics.to_string()).into()),
        Err(e) => Err(InvalidConfig(e.to_string()).into()),
    }
}

fn bind(listen: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))
}

/// Prints the bound address first (for scripts), then a line for people on stderr.
fn announce(addr: SocketAddr, what: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{addr}")?;
    out.flush()?;
    eprintln!("{what} listening on {addr}; Ctrl-C to stop");
    Ok(())
}

fn wait_for_ctrl_c() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(tokio::signal::ctrl_c())?;
    Ok(())
}

pub fn mock(config: Option<&Path>, listen: SocketAddr) -> anyhow::Result<()> {
    crate::resources::raise_open_file_limit();
    let parts = parts(config)?;
    let faults = ByLayer::split(&parts.faults).mock;
    let config = MockConfig { plan: parts.mock, faults, seed: parts.seed, epoch: Instant::now() };
    let server = MockServer::start(bind(listen)?, config).context("starting the mock upstream")?;
    announce(server.addr(), "mock upstream")?;
    wait_for_ctrl_c()?;
    let stats = server.shutdown();
    eprintln!("stopped: {stats:?}");
    Ok(())
}

pub fn proxy(
    upstream: &str,
    config: Option<&Path>,
    listen: SocketAddr,
    connect_timeout: Duration,
) -> anyhow::Result<()> {
    crate::resources::raise_open_file_limit();
    let parts = parts(config)?;
    let upstream: SocketAddr = upstream
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve upstream {upstream:?} (expected HOST:PORT)"))?
        .next()
        .with_context(|| format!("upstream {upstream:?} resolved to no address"))?;
    let faults = ByLayer::split(&parts.faults).proxy;
    let config = ProxyConfig { connect_timeout, ..ProxyConfig::with_faults(upstream, parts.seed, faults) };
    let server = ProxyServer::start(bind(listen)?, config).context("starting the chaos proxy")?;
    announce(server.addr(), &format!("chaos proxy to {upstream}"))?;
    wait_for_ctrl_c()?;
    let stats = server.shutdown();
    eprintln!("stopped: {stats:?}");
    Ok(())
}
