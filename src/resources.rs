//! File descriptors: the open-file limit raised at start, the sockets a scenario may need checked
//! against it before any load, and descriptor exhaustion told apart from other failures.
//!
//! Every connection costs one descriptor in the client, and one more on each in-process server
//! it passes: the mock's accepted socket, the chaos proxy's accepted and upstream sockets. A run
//! that cannot have them would otherwise measure its own limit as a flood of failed connects.
//! Slow-client cohorts (layer `clients`) count too: each of their connections costs one
//! descriptor, and one more on the in-process mock they go to (they never pass the proxy).

use crate::load::engine::phase_seed;
use crate::load::schedule::Schedule;
use crate::scenario::{ByLayer, ClientPlan, HttpVersion, Load, Plan, Target};
use nix::sys::resource::{getrlimit, setrlimit, Resource};
use std::fmt;

/// Descriptors a run holds besides its connections: stdio, the runtimes (two epolls, an eventfd
/// and a socket per load thread, measured), the servers' listeners, the output files. Measured
/// through `/proc/<pid>/fd` against the mock through the proxy with one connection (4 fds): 26
/// others with 1 load thread, 277 with 64.
const FDS_FIXED: u64 = 32;
const FDS_PER_THREAD: u64 = 4;

/// The process's open-file limit, after [`raise_open_file_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimit {
    /// What the process may open now (the soft limit).
    pub soft: u64,
    /// How far an unprivileged process may raise it.
    pub hard: u64,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit, as servers and load generators do: the
/// default soft limit (often 1,024) is a relic that a few thousand connections exceed. Returns
/// the limit in force afterwards (unchanged if raising failed).
pub fn raise_open_file_limit() -> FdLimit {
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return FdLimit { soft: u64::MAX, hard: u64::MAX };
    };
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return FdLimit { soft: hard, hard };
    }
    FdLimit { soft, hard }
}

/// Descriptors this process has open now (Linux: `/proc/self/fd`; elsewhere 0, unknown).
pub fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map(|entries| entries.count() as u64).unwrap_or(0)
}

/// What sets the most connections a configuration may have open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionBound {
    /// A closed-model phase: one connection per user (`phase[i].concurrency`).
    Concurrency { phase: usize },
    /// An open-model phase: one connection per request in flight (`phase[i].max_in_flight`).
    InFlight { phase: usize },
    /// An open-model phase that has fewer arrivals than `max_in_flight`: at most one connection each.
    Arrivals { phase: usize },
    /// The configuration's `max_conns_per_host`.
    PerHostCap,
    /// HTTP/2: one shared connection per load thread.
    Http2,
}

/// The servers a run starts in its own process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InProcess {
    /// The mock: one accepted socket per connection.
    pub mock: bool,
    /// The chaos proxy: an accepted and an upstream socket per connection.
    pub proxy: bool,
}

impl InProcess {
    fn fds_per_connection(self) -> u64 {
        1 + u64::from(self.mock) + 2 * u64::from(self.proxy)
    }

    fn describe(self) -> &'static str {
        match (self.mock, self.proxy) {
            (false, false) => "",
            (true, false) => " (the client's and the in-process mock's)",
            (false, true) => " (the client's and the in-process chaos proxy's two)",
            (true, true) => " (the client's, the in-process chaos proxy's two and the mock's)",
        }
    }
}

/// The sockets one client configuration may need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketNeed {
    pub client: String,
    /// The most connections it may have open at once…
    pub connections: u64,
    /// …and what sets that figure.
    pub bound: ConnectionBound,
    /// Open-model arrivals were counted only up to `connections`: there may be more.
    pub at_least: bool,
    /// The servers this process runs in front of the client, each costing descriptors per connection.
    pub servers: InProcess,
    /// Descriptors per connection: 1 in the client, +1 for the in-process mock, +2 for the proxy.
    pub per_connection: u64,
    /// Slow-client connections the cohorts may hold at once (all of them, as if their windows
    /// overlapped), each costing 1 descriptor, +1 for the in-process mock.
    pub slow_connections: u64,
    /// Descriptors the process needs for this configuration, the margin included.
    pub fds: u64,
}

impl SocketNeed {
    /// The need of `client` in `plan`. Open-model arrivals are counted from the phase's own
    /// seeded schedule, but never beyond `count_up_to` (past it the figure only has to be "too many").
    pub fn of(plan: &Plan, client: &ClientPlan, count_up_to: u64) -> SocketNeed {
        let mut at_least = false;
        let (phase_connections, phase_bound) = plan
            .phases
            .iter()
            .enumerate()
            .map(|(phase, p)| match &p.load {
                Load::Closed { concurrency, .. } => (*concurrency as u64, ConnectionBound::Concurrency { phase }),
                Load::Open { shape, poisson, max_in_flight } => {
                    let in_flight = *max_in_flight as u64;
                    let schedule = Schedule::new(shape.clone(), p.duration, *poisson, phase_seed(plan.seed, phase));
                    let counted = in_flight.min(count_up_to);
                    let arrivals = schedule.take(usize::try_from(counted).unwrap_or(usize::MAX)).count() as u64;
                    if arrivals < counted {
                        (arrivals, ConnectionBound::Arrivals { phase })
                    } else {
                        at_least |= counted < in_flight;
                        (arrivals, ConnectionBound::InFlight { phase })
                    }
                }
            })
            .max_by_key(|(n, _)| *n)
            .unwrap_or((0, ConnectionBound::PerHostCap));
        let (connections, bound) = match (client.http, client.max_conns_per_host) {
            (HttpVersion::Http2, _) => ((plan.threads * client.h2_connections) as u64, ConnectionBound::Http2),
            (HttpVersion::Http1, Some(cap)) if (cap as u64) <= phase_connections => {
                (cap as u64, ConnectionBound::PerHostCap)
            }
            (HttpVersion::Http1, _) => (phase_connections, phase_bound),
        };
        let at_least = at_least && bound == phase_bound;
        let faults = ByLayer::split(&plan.faults);
        let servers = InProcess { mock: plan.target == Target::Mock, proxy: !faults.proxy.is_empty() };
        let per_connection = servers.fds_per_connection();
        let margin = FDS_FIXED + FDS_PER_THREAD * plan.threads as u64;
        let slow_connections = faults.clients.iter().fold(0u64, |sum, (_, f)| sum.saturating_add(f.kind.connections));
        let slow_fds = slow_connections.saturating_mul(1 + u64::from(servers.mock));
        let fds = connections.saturating_mul(per_connection).saturating_add(slow_fds).saturating_add(margin);
        SocketNeed {
            client: client.name.clone(),
            connections,
            bound,
            at_least,
            servers,
            per_connection,
            slow_connections,
            fds,
        }
    }

    /// What to lower so the configuration needs fewer sockets.
    fn what_to_lower(&self) -> String {
        match self.bound {
            ConnectionBound::Concurrency { phase } => {
                format!("lower phase[{phase}].concurrency, or set max_conns_per_host on client {:?}", self.client)
            }
            ConnectionBound::InFlight { phase } | ConnectionBound::Arrivals { phase } => format!(
                "set phase[{phase}].max_in_flight (arrivals beyond it count as overflow), or max_conns_per_host \
                 on client {:?}",
                self.client
            ),
            ConnectionBound::PerHostCap => format!("lower max_conns_per_host on client {:?}", self.client),
            ConnectionBound::Http2 => "lower threads".to_string(),
        }
    }
}

/// A configuration whose sockets cannot fit under the open-file limit: the run is refused
/// before it starts (exit 3), since it would measure chaosload's own limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TooFewFds {
    pub need: SocketNeed,
    pub limit: FdLimit,
    /// Descriptors already open when the check ran.
    pub open: u64,
}

impl fmt::Display for TooFewFds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let need = &self.need;
        let at_least = match need.bound {
            _ if need.at_least => "more than ",
            ConnectionBound::InFlight { .. } => "up to ",
            _ => "",
        };
        let servers = need.servers.describe();
        let slow = match need.slow_connections {
            0 => String::new(),
            n => format!(", beside {n} slow-client connections of the clients faults,"),
        };
        writeln!(
            f,
            "client configuration {:?} may open {at_least}{} connections at once, {} file descriptors each{servers}{slow}: \
             {} with the process's own, but the open-file limit is {} ({} already open)",
            need.client, need.connections, need.per_connection, need.fds, self.limit.soft, self.open
        )?;
        let raise = need.fds.saturating_add(self.open);
        if raise <= self.limit.hard {
            write!(f, "  hint: `ulimit -n {raise}`, or ")?;
        } else {
            write!(
                f,
                "  hint: raise the hard limit to {raise} (`ulimit -Hn {raise}` as root, or `nofile` in \
                 /etc/security/limits.conf; it is {} now), or ",
                self.limit.hard
            )?;
        }
        write!(f, "{}", need.what_to_lower())?;
        if need.slow_connections > 0 {
            write!(f, ", or lower the connections of the clients faults")?;
        }
        Ok(())
    }
}

/// Refuses a run whose selected configurations cannot have their sockets under `limit`, with
/// `open` descriptors already in use. Configurations run one after another, each with fresh
/// servers, so each must fit on its own.
pub fn check_fds(plan: &Plan, clients: &[&ClientPlan], limit: FdLimit, open: u64) -> Result<(), TooFewFds> {
    let available = limit.soft.saturating_sub(open);
    for client in clients {
        let need = SocketNeed::of(plan, client, available.saturating_add(1));
        if need.fds > available {
            return Err(TooFewFds { need, limit, open });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Plan {
        crate::scenario::parse(text, std::path::Path::new("t.toml")).expect("a valid scenario")
    }

    const MOCK: &str = "name = \"t\"\n[target]\nmock = true\n";
    const LIMIT: FdLimit = FdLimit { soft: 256, hard: 256 };

    #[test]
    fn a_closed_model_needs_one_connection_per_user_and_one_more_fd_per_server() {
        let p = plan(&format!("{MOCK}[[phase]]\nduration = \"1s\"\nconcurrency = 2000\n[[client]]\nname = \"c\"\n"));
        let need = SocketNeed::of(&p, &p.clients[0], u64::MAX);
        assert_eq!((need.connections, need.per_connection), (2000, 2));
        assert_eq!(need.bound, ConnectionBound::Concurrency { phase: 0 });
        assert_eq!(need.fds, 4000 + FDS_FIXED + FDS_PER_THREAD);
        let refused = check_fds(&p, &[&p.clients[0]], LIMIT, 10).unwrap_err();
        let message = refused.to_string();
        assert!(message.contains("may open 2000 connections") && message.contains("limit is 256"), "{message}");
        assert!(message.contains("ulimit -Hn 4046") && message.contains("phase[0].concurrency"), "{message}");
        let roomy = FdLimit { soft: 4100, hard: 4100 };
        assert_eq!(check_fds(&p, &[&p.clients[0]], roomy, 10), Ok(()));
        assert!(check_fds(&p, &[&p.clients[0]], roomy, 80).is_err(), "descriptors already open count");
    }

    #[test]
    fn a_per_host_cap_http2_and_the_proxy_change_the_figure() {
        let phase = "[[phase]]\nduration = \"1s\"\nconcurrency = 500\n";
        let proxy = "[[fault]]\nkind = \"latency\"\nlayer = \"proxy\"\nlatency = \"1ms\"\n";
        let p = plan(&format!(
            "threads = 2\n{MOCK}{phase}[[client]]\nname = \"capped\"\nmax_conns_per_host = 40\n\
             [[client]]\nname = \"h2\"\nhttp = \"2\"\n{proxy}"
        ));
        let capped = SocketNeed::of(&p, &p.clients[0], u64::MAX);
        assert_eq!((capped.connections, capped.per_connection, capped.bound), (40, 4, ConnectionBound::PerHostCap));
        let h2 = SocketNeed::of(&p, &p.clients[1], u64::MAX);
        assert_eq!((h2.connections, h2.bound), (2, ConnectionBound::Http2));
        let url = plan(&format!(
            "name = \"t\"\n[target]\nurl = \"http://127.0.0.1:1\"\n{phase}[[client]]\nname = \"c\"\n{proxy}"
        ));
        assert_eq!(SocketNeed::of(&url, &url.clients[0], u64::MAX).per_connection, 3);
    }

    #[test]
    fn slow_client_cohorts_need_a_descriptor_each_and_one_on_the_mock() {
        let cohort = "[[fault]]\nlayer = \"clients\"\nkind = \"slowloris\"\nconnections = 300\n\
                      [[fault]]\nlayer = \"clients\"\nkind = \"slow_read\"\nconnections = 20\n";
        let p =
            plan(&format!("{MOCK}[[phase]]\nduration = \"1s\"\nconcurrency = 10\n[[client]]\nname = \"c\"\n{cohort}"));
        let need = SocketNeed::of(&p, &p.clients[0], u64::MAX);
        assert_eq!(need.slow_connections, 320);
        assert_eq!(need.fds, 10 * 2 + 320 * 2 + FDS_FIXED + FDS_PER_THREAD);
        let message = check_fds(&p, &[&p.clients[0]], LIMIT, 0).unwrap_err().to_string();
        assert!(message.contains("beside 320 slow-client connections"), "{message}");
        assert!(message.contains("lower the connections of the clients faults"), "{message}");
    }

    #[test]
    fn an_open_model_needs_its_in_flight_bound_or_its_arrivals_whichever_is_fewer() {
        let open = |shape: &str, extra: &str| {
            plan(&format!("{MOCK}[[phase]]\nduration = \"2s\"\nshape = {shape}\n{extra}[[client]]\nname = \"c\"\n"))
        };
        let few = open("{ kind = \"constant\", rate = 50 }", "");
        let need = SocketNeed::of(&few, &few.clients[0], u64::MAX);
        assert_eq!((need.connections, need.bound), (100, ConnectionBound::Arrivals { phase: 0 }));
        let many = open("{ kind = \"constant\", rate = 5000 }", "max_in_flight = 300\n");
        let need = SocketNeed::of(&many, &many.clients[0], u64::MAX);
        assert_eq!((need.connections, need.bound), (300, ConnectionBound::InFlight { phase: 0 }));
        let roomy = FdLimit { soft: 1000, hard: 2000 };
        let message = check_fds(&many, &[&many.clients[0]], roomy, 500).unwrap_err().to_string();
        assert!(message.contains("up to 300 connections") && message.contains("phase[0].max_in_flight"), "{message}");
        assert!(message.contains("`ulimit -n 1136`"), "within the hard limit, the hint is ulimit -n: {message}");
        // Unlimited in flight: counting stops once the figure is known to be too many.
        let unlimited = open("{ kind = \"constant\", rate = 1000000 }", "max_in_flight = \"unlimited\"\n");
        let need = SocketNeed::of(&unlimited, &unlimited.clients[0], 1000);
        assert_eq!((need.connections, need.at_least), (1000, true));
        let message = check_fds(&unlimited, &[&unlimited.clients[0]], LIMIT, 0).unwrap_err().to_string();
        assert!(message.contains("more than 257 connections"), "{message}");
    }
}
