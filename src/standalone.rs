//! `chaosload mock`, `chaosload proxy` and `chaosload dns`: the parts a run starts, standalone,
//! so that a client written in any language can meet the same faults. Each prints the address it
//! bound as its first line of standard output (the DNS stub: one line per nameserver) and serves
//! until SIGINT (Ctrl-C), SIGTERM or SIGHUP, then stops cleanly (exit 0). And `chaosload slow`:
//! the slow-client cohorts of a config against the user's own service, with a probe of it.

use crate::chaos::{ProxyConfig, ProxyLimits, ProxyServer};
use crate::dns::{DnsConfig, DnsListener, DnsPlan, DnsServer};
use crate::mock::{MockConfig, MockServer, MockTls};
use crate::scenario::{self, ByLayer, LoadError, MockPlan, Parts};
use crate::signals::StopListener;
use crate::slow::{watch, CohortConfig, CohortTarget, Cohorts};
use anyhow::Context as _;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
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

/// The line a standalone server prints when it stops: its counters that are not zero, as
/// result.json names them (`stopped: 120 requests, 4 connections_accepted, 2 cold_starts`).
fn stopped(stats: &impl serde::Serialize) -> String {
    fn walk(value: &serde_json::Value, at: &str, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Number(n) if n.as_f64() != Some(0.0) => out.push(format!("{n} {at}")),
            serde_json::Value::Object(fields) => {
                // A list entry's `index` names it; it counts nothing.
                for (key, v) in fields.iter().filter(|(key, _)| key.as_str() != "index") {
                    walk(v, &if at.is_empty() { key.clone() } else { format!("{at}.{key}") }, out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let index = v.get("index").and_then(|i| i.as_u64()).unwrap_or(i as u64);
                    let kind = v.get("kind").and_then(|k| k.as_str()).map(|k| format!(" {k}")).unwrap_or_default();
                    walk(v, &format!("{at}[{index}{kind}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut counts = Vec::new();
    if let Ok(value) = serde_json::to_value(stats) {
        walk(&value, "", &mut counts);
    }
    // By name, whether or not serde_json keeps the fields' order (a feature some builds turn on).
    counts.sort_by(|a, b| a.split_once(' ').map(|x| x.1).cmp(&b.split_once(' ').map(|x| x.1)));
    if counts.is_empty() {
        "stopped: nothing was served".to_string()
    } else {
        format!("stopped: {}", counts.join(", "))
    }
}

pub fn mock(config: Option<&Path>, listen: SocketAddr, ca_out: Option<&Path>) -> anyhow::Result<()> {
    crate::resources::raise_open_file_limit();
    let parts = parts(config)?;
    let stop = stop_listener()?;
    let faults = ByLayer::split(&parts.faults).mock;
    let tls = match &parts.mock.tls {
        None => None,
        Some(plan) => Some(Arc::new(MockTls::new(plan, &[]).context("making the mock's TLS certificate")?)),
    };
    let ca_written = match tls.as_deref().and_then(MockTls::ca_pem) {
        Some(pem) => Some(write_ca(pem, ca_out)?),
        None => None,
    };
    let config = MockConfig { plan: parts.mock, faults, seed: parts.seed, epoch: Instant::now(), tls };
    let server = MockServer::start(bind(listen)?, config).context("starting the mock upstream")?;
    announce(server.addr(), "mock upstream")?;
    if let Some(path) = ca_written {
        eprintln!(
            "mock upstream speaks TLS (https://{}/); its CA certificate is {} (curl --cacert {})",
            server.addr(),
            path.display(),
            path.display()
        );
    }
    wait_for_stop(stop);
    let stats = server.shutdown();
    eprintln!("{}", stopped(&stats));
    Ok(())
}

/// Writes the mock's CA to `to` (refused if it exists), or to a new folder under the temporary
/// directory; returns where.
fn write_ca(pem: &str, to: Option<&Path>) -> anyhow::Result<std::path::PathBuf> {
    let path = match to {
        Some(path) => path.to_path_buf(),
        None => {
            let dir = std::env::temp_dir().join(format!("chaosload-mock-{}", std::process::id()));
            std::fs::create_dir_all(&dir).with_context(|| format!("making {}", dir.display()))?;
            dir.join("ca.pem")
        }
    };
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).with_context(|| {
        format!("writing the mock's CA certificate to {} (hint: name a file that does not exist)", path.display())
    })?;
    file.write_all(pem.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
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
    eprintln!("{}", stopped(&stats));
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
    eprintln!("{}", stopped(&stats));
    Ok(())
}

/// `chaosload slow`: the config's cohorts (layer `clients`) against `target` (an http:// URL),
/// windows counted from now, a line per cohort and the probe's verdict once a second, until
/// every window has ended, `run_for` has passed or a stop signal comes; then the summary.
pub fn slow(target: &str, config: &Path, run_for: Option<Duration>, probe_timeout: Duration) -> anyhow::Result<()> {
    crate::resources::raise_open_file_limit();
    let (target, remote) = cohort_target(target)?;
    let parts = parts(Some(config))?;
    let cohorts = ByLayer::split(&parts.faults).clients;
    if cohorts.is_empty() {
        return Err(InvalidConfig(format!(
            "{}: no [[fault]] with layer = \"clients\": nothing to run\n  hint: add e.g. [[fault]] layer = \"clients\" \
             kind = \"slowloris\" connections = 100",
            config.display()
        ))
        .into());
    }
    if remote {
        eprintln!("notice: {} is outside this machine; chaosload slow holds slow connections against it", target.host);
    }
    let mut stop = stop_listener()?;
    let start = Instant::now();
    let running = Cohorts::start(CohortConfig { target: target.clone(), cohorts, epoch: start })
        .context("starting the slow-client cohorts")?;
    eprintln!("slow clients against http://{}{}; Ctrl-C (or SIGTERM, SIGHUP) to stop", target.host, target.path);
    let mut tally = watch::Tally::default();
    let mut out = std::io::stdout();
    match stop.run_until(watch::watch(&running, &target, probe_timeout, start, run_for, &mut tally, &mut out)) {
        Ok(printed) => printed?,
        Err(signal) => eprintln!("{}: stopping", signal.name()),
    }
    let records = running.finish();
    print!("{}", watch::summary(start.elapsed(), &records, &tally));
    Ok(())
}

/// The cohorts' target from an http:// URL (as `[target] url` takes it): its first address,
/// the `Host` header, the path; and whether it lies outside this machine.
fn cohort_target(url: &str) -> anyhow::Result<(CohortTarget, bool)> {
    let bad =
        |why: String| InvalidConfig(format!("--target {url:?}: {why}\n  hint: e.g. --target http://127.0.0.1:8080/"));
    let uri: http::Uri = url.parse().map_err(|e| bad(format!("not a URL: {e}")))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => return Err(bad("https is not supported: use an http:// URL".into()).into()),
        _ => return Err(bad("not an http:// URL".into()).into()),
    }
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| bad("no host".into()))?;
    let port = uri.port_u16().unwrap_or(80);
    // `[::1]` in a URL is `::1` to the resolver.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addr = (bare, port)
        .to_socket_addrs()
        .map_err(|e| bad(format!("cannot resolve {host}: {e}")))?
        .next()
        .ok_or_else(|| bad(format!("{host} resolved to no address")))?;
    let authority = uri.authority().map_or(host, |a| a.as_str()).to_string();
    let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    Ok((CohortTarget { addr, host: authority, path }, !addr.ip().is_loopback()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stop_line_names_the_counters_that_are_not_zero() {
        let stats = crate::mock::MockStats { requests: 120, cold_starts: 2, ..Default::default() };
        assert_eq!(stopped(&stats), "stopped: 2 cold_starts, 120 requests");
        assert_eq!(stopped(&crate::mock::MockStats::default()), "stopped: nothing was served");
        let dns = crate::dns::DnsStats {
            queries: 5,
            faults: vec![crate::dns::FaultHits { index: 1, kind: "delay".into(), hits: 3 }],
            ..Default::default()
        };
        let line = stopped(&dns);
        assert!(line.contains("5 queries") && line.contains("3 faults[1 delay].hits"), "{line}");
        assert!(!line.contains("index") && !line.contains('{'), "{line}");
    }

    #[test]
    fn slow_targets_are_http_urls() {
        let (target, remote) = cohort_target("http://127.0.0.1:8080/api?x=1").unwrap();
        assert_eq!(target.addr, "127.0.0.1:8080".parse::<SocketAddr>().unwrap());
        assert_eq!((target.host.as_str(), target.path.as_str(), remote), ("127.0.0.1:8080", "/api?x=1", false));
        let (target, _) = cohort_target("http://[::1]/").unwrap();
        assert_eq!((target.addr.port(), target.host.as_str()), (80, "[::1]"));
        let (target, _) = cohort_target("http://localhost:9").unwrap();
        assert_eq!(target.path, "/");
        assert!(cohort_target("http://10.1.2.3:80/").unwrap().1, "not loopback: the notice");
        for bad in ["https://127.0.0.1/", "ftp://x/", "127.0.0.1:80", "http://", "not a url"] {
            let e = cohort_target(bad).expect_err(bad);
            assert!(e.downcast_ref::<InvalidConfig>().is_some(), "{bad}: {e}");
        }
    }
}
