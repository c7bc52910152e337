//! `chaosload mock`, `chaosload proxy` and `chaosload dns`: the parts a run starts, standalone,
//! so that a client written in any language can meet the same faults. Each prints the address it
//! bound as its first line of standard output (the DNS stub: one line per nameserver) and serves
//! until SIGINT (Ctrl-C), SIGTERM or SIGHUP, then stops cleanly (exit 0).

use crate::chaos::{ProxyConfig, ProxyLimits, ProxyServer};
use crate::dns::{DnsConfig, DnsListener, DnsPlan, DnsServer};
use crate::mock::{MockConfig, MockServer};
use crate::scenario::{self, ByLayer, LoadError, MockPlan, Parts};
use crate::signals::StopListener;
use anyhow::Context as _;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

/// Why a standalone part could not start because of its configuration (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidConfig(pub String);

/// Reads `[mock]`, `[mock.serverless]`, `[proxy]`, `[dns]`, `[[fault]]` and `seed` from a config
/// (or scenario) file.
fn parts(config: Option<&Path>) -> anyhow::Result<Parts> {
    let Some(path) = config else {
        return Ok(Parts {
            mock: MockPlan::default(),
            proxy: ProxyLimits::default(),
            dns: DnsPlan::default(),
            faults: Vec::new(),
            seed: 1,
        });
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
    eprintln!("{what} listening on {addr}; Ctrl-C (or SIGTERM, SIGHUP) to stop");
    Ok(())
}

/// Catches the stop signals from now on, so one sent as soon as the address is printed stops
/// the server cleanly instead of killing it.
fn stop_listener() -> anyhow::Result<StopListener> {
    StopListener::new().context("listening for stop signals")
}

/// Serves until a stop signal comes, then says which.
fn wait_for_stop(mut listener: StopListener) {
    eprintln!("{}: stopping", listener.wait().name());
}

pub fn mock(config: Option<&Path>, listen: SocketAddr) -> anyhow::Result<()> {
    crate::resources::raise_open_file_limit();
    let parts = parts(config)?;
    let stop = stop_listener()?;
    let faults = ByLayer::split(&parts.faults).mock;
    let config = MockConfig { plan: parts.mock, faults, seed: parts.seed, epoch: Instant::now() };
    let server = MockServer::start(bind(listen)?, config).context("starting the mock upstream")?;
    announce(server.addr(), "mock upstream")?;
    wait_for_stop(stop);
    let stats = server.shutdown();
    eprintln!("stopped: {stats:?}");
    Ok(())
}

/// The proxy's limits given on the command line, over those of `[proxy]` in `--config`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LimitOverrides {
    pub max_connections: Option<usize>,
    pub half_close_timeout: Option<Duration>,
}

pub fn proxy(
    upstream: &str,
    config: Option<&Path>,
    listen: SocketAddr,
    connect_timeout: Duration,
    overrides: LimitOverrides,
) -> anyhow::Result<()> {
    crate::resources::raise_open_file_limit();
    let parts = parts(config)?;
    let upstream: SocketAddr = upstream
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve upstream {upstream:?} (expected HOST:PORT)"))?
        .next()
        .with_context(|| format!("upstream {upstream:?} resolved to no address"))?;
    let stop = stop_listener()?;
    let faults = ByLayer::split(&parts.faults).proxy;
    let limits = ProxyLimits {
        max_connections: overrides.max_connections.unwrap_or(parts.proxy.max_connections),
        half_close_timeout: overrides.half_close_timeout.unwrap_or(parts.proxy.half_close_timeout),
    };
    let config = ProxyConfig { connect_timeout, limits, ..ProxyConfig::with_faults(upstream, parts.seed, faults) };
    let server = ProxyServer::start(bind(listen)?, config).context("starting the chaos proxy")?;
    announce(server.addr(), &format!("chaos proxy to {upstream}"))?;
    wait_for_stop(stop);
    let stats = server.shutdown();
    eprintln!("stopped: {stats:?}");
    Ok(())
}

/// The DNS stub: `[dns] nameservers` nameservers, the first on `--listen`, the others on ports
/// of their own on the same IP; each address on a line of its own, in order.
pub fn dns(config: Option<&Path>, listen: SocketAddr) -> anyhow::Result<()> {
    crate::resources::raise_open_file_limit();
    let parts = parts(config)?;
    let stop = stop_listener()?;
    let faults = ByLayer::split(&parts.faults).dns;
    let mut listeners = Vec::with_capacity(parts.dns.nameservers);
    for i in 0..parts.dns.nameservers {
        let addr = if i == 0 { listen } else { SocketAddr::new(listen.ip(), 0) };
        listeners.push(DnsListener::bind(addr).with_context(|| format!("cannot listen on {addr} (UDP and TCP)"))?);
    }
    let config = DnsConfig { plan: parts.dns, faults, seed: parts.seed, epoch: Instant::now() };
    let server = DnsServer::start(listeners, config).context("starting the DNS stub")?;
    let addrs = server.addrs();
    {
        let mut out = std::io::stdout().lock();
        for addr in &addrs {
            writeln!(out, "{addr}")?;
        }
        out.flush()?;
    }
    let all: Vec<String> = addrs.iter().map(ToString::to_string).collect();
    eprintln!("DNS stub listening on {} (UDP and TCP); Ctrl-C (or SIGTERM, SIGHUP) to stop", all.join(", "));
    wait_for_stop(stop);
    let stats = server.shutdown();
    eprintln!("stopped: {stats:?}");
    Ok(())
}
