//! One run of a scenario: for each client configuration in turn, a fresh mock (when the target
//! is the mock), the same seeded schedule, then `result.json` written atomically.

use crate::chaos::{ProxyConfig, ProxyServer};
use crate::client::{Dial, Endpoint, Resolver, TlsConnect};
use crate::dns::{DnsConfig, DnsListener, DnsServer};
use crate::load::engine::{self, Progress};
use crate::mock::{MockConfig, MockServer, MockTls};
use crate::result::{ClientResult, CohortResult, Environment, FaultWindows, RunResult, SweepResult, SCHEMA_VERSION};
use crate::scenario::{ByLayer, ClientPlan, Layer, Plan, QueryPlan, ResolverPlan, Target};
use crate::signals::Stop;
use crate::slow::{CohortConfig, CohortTarget, Cohorts};
use anyhow::Context as _;
use nix::unistd::{access, AccessFlags};
use std::io::IsTerminal as _;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Time between starting a configuration's servers and its first arrival, so every worker
/// thread is up before anything is due.
const START_DELAY: Duration = Duration::from_millis(50);

/// Why a run could not be carried out as asked, as opposed to a bug.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    // The cause is the error's source, which `{:#}` prints after the message: not repeated here.
    #[error("target {target} is not reachable")]
    TargetUnreachable { target: String, source: std::io::Error },
    #[error("no client configuration is named {0:?} (the scenario has: {1})")]
    UnknownClient(String, String),
    #[error("not started: {0}")]
    TooFewFds(crate::resources::TooFewFds),
}

impl RunError {
    /// 2 for a mistake in what the user asked for, 3 for a target that cannot be used.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::UnknownClient(..) => 2,
            // The scenario is valid; this machine's open-file limit cannot carry it.
            RunError::TargetUnreachable { .. } | RunError::TooFewFds(_) => 3,
        }
    }
}

pub struct RunOptions {
    /// Parent folder of `<scenario>/<timestamp>/`.
    pub out: PathBuf,
    /// Run only these configurations (all when empty).
    pub clients: Vec<String>,
    pub progress: ProgressMode,
    /// Requested from outside (a signal) to stop early; partial results are still written.
    pub stop: Stop,
    /// Whether the scenario's `[gate]` is judged at the end (`--no-gate`: not).
    pub gate: bool,
    /// The run `regress` gates are judged against (`--baseline`), and its file.
    pub baseline: Option<(RunResult, String)>,
}

impl RunOptions {
    pub fn new(out: impl Into<PathBuf>) -> RunOptions {
        let progress = if std::io::stderr().is_terminal() { ProgressMode::Bar } else { ProgressMode::Lines };
        RunOptions {
            out: out.into(),
            clients: Vec::new(),
            progress,
            stop: Default::default(),
            gate: true,
            baseline: None,
        }
    }
}

/// How a run shows its progress on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// An indicatif bar (on a terminal).
    Bar,
    /// A plain line every few seconds (logs, CI).
    Lines,
    Off,
}

pub struct RunOutput {
    pub result: RunResult,
    pub dir: PathBuf,
}

/// Runs every selected client configuration of `plan` and writes the result folder.
pub fn run(plan: &Plan, options: &RunOptions) -> anyhow::Result<RunOutput> {
    run_announced(plan, options, || {})
}

/// [`run`], calling `announce` once the checks before any load have passed (configurations,
/// descriptors, target, `--out`) and just before the first configuration starts: a run refused
/// by them never says it is running.
pub fn run_announced(plan: &Plan, options: &RunOptions, announce: impl FnOnce()) -> anyhow::Result<RunOutput> {
    let selected = select(plan, &options.clients)?;
    let limit = crate::resources::raise_open_file_limit();
    crate::resources::check_fds(plan, &selected, limit, crate::resources::open_fds()).map_err(RunError::TooFewFds)?;
    let warnings = plan.warnings_for(|name| selected.iter().any(|c| c.name == name));
    let started_at = SystemTime::now();
    let target = resolve_target(plan)?;
    // Checked before anything runs, so an unwritable --out fails now, not after a long run; the
    // folder itself is made with its first file, so a run killed before that leaves none.
    let mut folder = RunFolder::new(options.out.join(&plan.name), started_at, &options.stop)?;
    announce();
    let selected_names: Vec<String> = selected.iter().map(|c| c.name.clone()).collect();
    let mut clients = Vec::new();
    let mut interrupted = false;
    let mut failure = None;
    for client in selected {
        if options.stop.is_requested() {
            interrupted = true;
            break;
        }
        match run_one(plan, client, &target, options) {
            Ok((result, cut_short)) => {
                clients.push(result);
                if cut_short {
                    interrupted = true;
                    break;
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let result = RunResult {
        schema_version: SCHEMA_VERSION,
        scenario_name: plan.name.clone(),
        scenario_file: plan.source.display().to_string(),
        scenario: plan.normalized(),
        started_at: humantime::format_rfc3339_seconds(started_at).to_string(),
        environment: Environment::current(plan),
        interrupted,
        error: failure.as_ref().map(|e| format!("{e:#}")),
        faults: FaultWindows::of(plan),
        warnings,
        sweeps: SweepResult::of(plan, |name| selected_names.iter().any(|n| n == name)),
        clients,
        gates: None,
    };
    let result = RunResult { gates: judge_gates(plan, options, &result), ..result };
    // What was measured is kept even when a later configuration failed.
    let dir = folder.write(Path::new("result.json"), serde_json::to_string_pretty(&result)?.as_bytes())?;
    if let Some(ca) = target.mock_ca() {
        // So that other clients (curl --cacert, a Go client's RootCAs) can trust the run's mock.
        folder.write(Path::new("ca.pem"), ca.as_bytes())?;
    }
    write_interval_logs(&mut folder, &result)?;
    folder.write(Path::new("report.html"), crate::report::html::render(&result).as_bytes())?;
    if let Some(e) = failure {
        return Err(e.context(format!("partial results written to {}", dir.join("result.json").display())));
    }
    Ok(RunOutput { result, dir })
}

/// The configurations `run --client` names select, in the order named, each once: a
/// configuration by its name, or every member of a sweep by its `[[client]]`'s name. All of
/// them when `wanted` is empty.
pub fn select<'p>(plan: &'p Plan, wanted: &[String]) -> Result<Vec<&'p ClientPlan>, RunError> {
    if wanted.is_empty() {
        return Ok(plan.clients.iter().collect());
    }
    let mut selected: Vec<&ClientPlan> = Vec::new();
    for name in wanted {
        let members: Vec<&ClientPlan> = match plan.clients.iter().find(|c| &c.name == name) {
            Some(client) => vec![client],
            None => match plan.sweeps.iter().find(|s| &s.client == name) {
                Some(sweep) => plan.clients.iter().filter(|c| sweep.members.contains(&c.name)).collect(),
                None => return Err(RunError::UnknownClient(name.clone(), known_names(plan))),
            },
        };
        for client in members {
            if !selected.iter().any(|c| std::ptr::eq(*c, client)) {
                selected.push(client);
            }
        }
    }
    Ok(selected)
}

/// `a, idle-1s, idle-4s, or idle for every value of its sweep`: what `--client` accepts.
fn known_names(plan: &Plan) -> String {
    let names = plan.clients.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    let sweeps: Vec<String> =
        plan.sweeps.iter().map(|s| format!("{} for every value of its sweep", s.client)).collect();
    if sweeps.is_empty() {
        names
    } else {
        format!("{names}, or {}", sweeps.join(", or "))
    }
}

/// The verdicts of the scenario's gates on `result`, unless `--no-gate` or there are none.
fn judge_gates(plan: &Plan, options: &RunOptions, result: &RunResult) -> Option<crate::gate::GateReport> {
    if !options.gate || plan.gates.is_empty() {
        return None;
    }
    let baseline = options.baseline.as_ref().map(|(result, file)| crate::gate::Baseline { result, file: file.clone() });
    Some(crate::gate::evaluate(&plan.gates, result, baseline.as_ref()))
}

/// One client configuration's run: a fresh mock if the target is the mock, the engine, the
/// mock's counters. Also says whether a stop cut it short.
fn run_one(
    plan: &Plan,
    client: &ClientPlan,
    target: &ResolvedTarget,
    options: &RunOptions,
) -> anyhow::Result<(ClientResult, bool)> {
    let progress = Arc::new(Progress::new(options.stop.token()));
    let began = Instant::now();
    let epoch = began + START_DELAY;
    let wall_epoch = SystemTime::now() + START_DELAY;
    let faults = ByLayer::split(&plan.faults);
    let (mut endpoint, upstream, mock) = match target {
        ResolvedTarget::Mock { tls } => {
            let listener = TcpListener::bind("127.0.0.1:0").context("binding the mock upstream to 127.0.0.1")?;
            let config =
                MockConfig { plan: plan.mock.clone(), faults: faults.mock, seed: plan.seed, epoch, tls: tls.clone() };
            let mock = MockServer::start(listener, config).context("starting the mock upstream")?;
            let addr = mock.addr();
            let endpoint =
                Endpoint { dial: Dial::Addr(addr), authority: addr.to_string(), base_path: String::new(), tls: None };
            (endpoint, addr, Some(mock))
        }
        ResolvedTarget::Url { endpoint, addr } => (endpoint.clone(), *addr, None),
    };
    // With proxy faults, the chaos proxy stands between the clients and the target; requests
    // keep the target's Host header.
    let proxy = if faults.proxy.is_empty() {
        None
    } else {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the chaos proxy to 127.0.0.1")?;
        let config =
            ProxyConfig { epoch, limits: plan.proxy, ..ProxyConfig::with_faults(upstream, plan.seed, faults.proxy) };
        let proxy = ProxyServer::start(listener, config).context("starting the chaos proxy")?;
        endpoint.dial = Dial::Addr(proxy.addr());
        Some(proxy)
    };
    // With [dns], a fresh stub per configuration; a named target is then looked up through it
    // by the configuration's resolver before each new connection.
    let dns = match &plan.dns {
        Some(dns) => {
            let listeners = (0..dns.nameservers.max(1))
                .map(|_| DnsListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))))
                .collect::<std::io::Result<Vec<_>>>()
                .context("binding the DNS stub to 127.0.0.1")?;
            let config = DnsConfig { plan: dns.clone(), faults: faults.dns, seed: plan.seed, epoch };
            Some(DnsServer::start(listeners, config).context("starting the DNS stub")?)
        }
        None => None,
    };
    let name = name_looked_up(plan, client);
    let resolver = name.map(|host| {
        let kind = client.lookup_resolver().unwrap_or_else(|| ResolverPlan::Uncached(QueryPlan::default()));
        let resolver = Resolver::new(&kind, dns.as_ref().map(DnsServer::addrs).unwrap_or_default());
        // The name stands for the address dialled: the target's, or the proxy's in front of it.
        let port = match &endpoint.dial {
            Dial::Addr(addr) => addr.port(),
            Dial::Name { port, .. } => *port,
        };
        endpoint.dial = Dial::Name { host: host.to_string(), port, resolver: resolver.clone() };
        resolver
    });
    if let (ResolvedTarget::Mock { .. }, Some(name)) = (target, name) {
        endpoint.authority = format!("{name}:{}", upstream.port());
    }
    endpoint.tls = match target.tls_server_name(plan, name) {
        None => None,
        Some(host) => {
            let roots = match target {
                ResolvedTarget::Mock { tls: Some(tls) } => tls.ca_certificates(),
                _ => Vec::new(),
            };
            let tls = TlsConnect::new(client, host, &roots)
                .with_context(|| format!("setting up TLS for client configuration {:?}", client.name))?;
            Some(tls)
        }
    };
    // Slow-client cohorts go straight to the target (the mock, or the URL's address), never
    // through the proxy: they attack the server, and the proxy's faults are the measured path's.
    let cohorts = if faults.clients.is_empty() {
        None
    } else {
        let path = plan.phases.first().map(|p| p.request.path.as_str()).unwrap_or("/");
        let target = CohortTarget {
            addr: upstream,
            host: endpoint.authority.clone(),
            path: format!("{}{path}", endpoint.base_path),
        };
        let config = CohortConfig { target, cohorts: faults.clients, epoch };
        Some(Cohorts::start(config).context("starting the slow-client cohorts")?)
    };
    let display = ProgressDisplay::start(&client.name, plan, progress.clone(), options.progress);
    let record = engine::run_client(plan, client, &endpoint, epoch, &progress);
    display.finish();
    // Before the servers stop, so that what the cohorts still hold ends as theirs to close.
    let cohorts = cohorts.map(Cohorts::finish).unwrap_or_default();
    let record = record.with_context(|| format!("running client configuration {:?}", client.name))?;
    let (mock, mock_timeline) = mock.map(MockServer::finish).unzip();
    let proxy = proxy.map(|p| p.shutdown());
    let dns = dns.map(|d| d.shutdown());
    let mut result = ClientResult::build(plan, &client.name, &record, began.elapsed(), mock);
    result.started_at = humantime::format_rfc3339_millis(wall_epoch).to_string();
    result.mock_timeline = mock_timeline.unwrap_or_default();
    result.proxy = proxy;
    result.dns = dns;
    result.resolver = resolver.map(|r| r.stats());
    result.cohorts = cohorts.iter().map(CohortResult::of).collect();
    Ok((result, record.cut_short))
}

/// `hdr/<client>.hlog`: each configuration's per-second latency histograms in the HdrHistogram
/// interval log format, for HdrHistogram's own tools.
fn write_interval_logs(folder: &mut RunFolder, result: &RunResult) -> anyhow::Result<()> {
    for client in &result.clients {
        let started_at = humantime::parse_rfc3339_weak(&client.started_at)
            .with_context(|| format!("client {:?} has no valid started_at", client.name))?;
        let log = crate::report::hlog::write_interval_log(client, started_at);
        folder.write(&Path::new("hdr").join(format!("{}.hlog", client.name)), log.as_bytes())?;
    }
    Ok(())
}

enum ResolvedTarget {
    /// The mock, with its certificates when it speaks TLS (made once, for every configuration).
    Mock { tls: Option<Arc<MockTls>> },
    /// A URL's endpoint and the address its host resolved to (where the proxy forwards).
    Url { endpoint: Endpoint, addr: SocketAddr },
}

impl ResolvedTarget {
    /// The CA the run's mock made, in PEM, for `ca.pem`.
    fn mock_ca(&self) -> Option<&str> {
        match self {
            ResolvedTarget::Mock { tls: Some(tls) } => tls.ca_pem(),
            _ => None,
        }
    }

    /// The name the server's certificate must carry, when the target speaks TLS: the mock's name
    /// (`name`, the name looked up) or 127.0.0.1, or an https URL's host.
    fn tls_server_name<'a>(&self, plan: &'a Plan, name: Option<&'a str>) -> Option<&'a str> {
        match (self, &plan.target) {
            (ResolvedTarget::Mock { tls: Some(_) }, _) => Some(name.unwrap_or("127.0.0.1")),
            (ResolvedTarget::Url { .. }, Target::Url(uri)) if uri.scheme_str() == Some("https") => uri.host(),
            _ => None,
        }
    }
}

/// The certificates of the run's mock, with `[mock] tls`: a CA made now, its certificate for
/// 127.0.0.1, localhost and the mock's name under `[dns]`.
fn mock_tls(plan: &Plan) -> anyhow::Result<Option<Arc<MockTls>>> {
    let Some(tls) = &plan.mock.tls else { return Ok(None) };
    let names: Vec<String> = plan.target_name().map(str::to_string).into_iter().collect();
    Ok(Some(Arc::new(MockTls::new(tls, &names).context("making the mock's TLS certificate")?)))
}

/// The name `client`'s new connections look up, if any (`PlanParts::target_name`): always with
/// `[dns]` (the stub serves it), else only for a configuration that names a resolver — without
/// either, a URL's host is resolved once before the run, as before names were looked up.
fn name_looked_up<'a>(plan: &'a Plan, client: &ClientPlan) -> Option<&'a str> {
    plan.target_name().filter(|_| plan.dns.is_some() || client.resolver.is_some())
}

fn resolve_target(plan: &Plan) -> anyhow::Result<ResolvedTarget> {
    let Target::Url(uri) = &plan.target else { return Ok(ResolvedTarget::Mock { tls: mock_tls(plan)? }) };
    let host = uri.host().unwrap_or("localhost");
    let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("https") { 443 } else { 80 });
    let unreachable = |source| RunError::TargetUnreachable { target: uri.to_string(), source };
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().ok();
    // A name the stub serves is never asked of the machine's own resolver: its address is the
    // record's. (A name it does not serve is NXDOMAIN for every configuration but `system`.)
    let served = plan.target_name().and_then(|name| plan.dns.as_ref()?.address_of(&name.to_ascii_lowercase()));
    let addr = match (literal, served) {
        (Some(ip), _) | (None, Some(ip)) => SocketAddr::new(ip, port),
        (None, None) if plan.dns.is_some() && plan.faults.iter().any(|f| f.layer() == Layer::Proxy) => {
            anyhow::bail!(
                "the chaos proxy forwards to the target's address, but [dns] has no record for {host} \
                 (hint: add {{ name = \"{host}\", a = \"127.0.0.1\" }} to [dns] records)"
            )
        }
        (None, None) if plan.dns.is_some() => {
            let base_path = uri.path().trim_end_matches('/').to_string();
            let authority = uri.authority().map(|a| a.to_string()).unwrap_or_else(|| host.to_string());
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let endpoint = Endpoint { dial: Dial::Addr(addr), authority, base_path, tls: None };
            return Ok(ResolvedTarget::Url { endpoint, addr });
        }
        (None, None) => (host, port).to_socket_addrs().map_err(unreachable)?.next().ok_or_else(|| {
            unreachable(std::io::Error::new(std::io::ErrorKind::NotFound, "the host name resolved to no address"))
        })?,
    };
    // Fail fast, with exit code 3, when nothing listens: a run of pure connect errors helps no one.
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(unreachable)?;
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or_else(|| addr.to_string());
    let base_path = uri.path().trim_end_matches('/').to_string();
    Ok(ResolvedTarget::Url { endpoint: Endpoint { dial: Dial::Addr(addr), authority, base_path, tls: None }, addr })
}

/// A run's output folder, `parent/<UTC timestamp>/`, made when its first file is written: a run
/// stopped or killed before then leaves no empty folder behind.
struct RunFolder<'a> {
    parent: PathBuf,
    started_at: SystemTime,
    made: Option<PathBuf>,
    stop: &'a Stop,
}

impl<'a> RunFolder<'a> {
    /// Fails when the folder could not be made under `parent`: the nearest part of `parent` that
    /// exists must be a folder this process may write in.
    fn new(parent: PathBuf, started_at: SystemTime, stop: &'a Stop) -> anyhow::Result<RunFolder<'a>> {
        let existing = parent
            .ancestors()
            .map(|a| if a.as_os_str().is_empty() { Path::new(".") } else { a })
            .find(|a| a.exists())
            .unwrap_or(Path::new("/"));
        if !existing.is_dir() {
            anyhow::bail!(
                "cannot write results under {}: {} is not a folder (hint: name another with --out)",
                parent.display(),
                existing.display()
            );
        }
        access(existing, AccessFlags::W_OK | AccessFlags::X_OK).with_context(|| {
            format!(
                "cannot write results under {}: {} is not writable (hint: name another folder with --out)",
                parent.display(),
                existing.display()
            )
        })?;
        Ok(RunFolder { parent, started_at, made: None, stop })
    }

    /// Writes `relative` (e.g. `hdr/a.hlog`) in the folder, making the folder first if needed,
    /// and returns the folder. A second signal meanwhile waits until the file is complete
    /// (`Stop::writing`).
    fn write(&mut self, relative: &Path, bytes: &[u8]) -> anyhow::Result<PathBuf> {
        let _writing = self.stop.writing();
        let dir = match &self.made {
            Some(dir) => dir.clone(),
            None => self.made.insert(new_run_dir(&self.parent, self.started_at)?).clone(),
        };
        let path = dir.join(relative);
        if let Some(sub) = path.parent().filter(|p| *p != dir) {
            std::fs::create_dir_all(sub).with_context(|| format!("creating {}", sub.display()))?;
        }
        write_atomically(&path, bytes)?;
        Ok(dir)
    }
}

/// `parent/<UTC timestamp>/`, made fresh: an existing folder is never reused.
fn new_run_dir(parent: &Path, at: SystemTime) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let stamp: String =
        humantime::format_rfc3339_seconds(at).to_string().chars().filter(|c| !matches!(c, '-' | ':')).collect();
    for attempt in 0..1000 {
        let name = if attempt == 0 { stamp.clone() } else { format!("{stamp}-{attempt}") };
        let dir = parent.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
        }
    }
    anyhow::bail!("could not find a free folder name under {}", parent.display())
}

/// Writes `path`, or if it exists `name-2.ext`, `name-3.ext`…: never overwrites. Returns the path
/// written.
pub fn write_fresh(path: &Path, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    for n in 1..10_000 {
        let candidate = if n == 1 { path.to_path_buf() } else { path.with_file_name(format!("{stem}-{n}{ext}")) };
        if !candidate.exists() {
            write_atomically(&candidate, bytes)?;
            return Ok(candidate);
        }
    }
    anyhow::bail!("no free file name next to {}", path.display())
}

/// Writes `path` through a temporary name of its own and then a hard link (or a rename), so no
/// reader sees a half-written file and no existing file, `path` or another, is written over.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    if path.exists() {
        anyhow::bail!("{} already exists; chaosload never overwrites a file", path.display());
    }
    // A temporary name of our own, made with create_new, so no file of the user's (a `gates.tmp`
    // beside `gates.md`) is ever written over.
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (tmp, mut file) = (0..1000)
        .find_map(|n| {
            let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(file) => Some(Ok((tmp, file))),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e).with_context(|| format!("writing {}", tmp.display()))),
            }
        })
        .unwrap_or_else(|| Err(anyhow::anyhow!("no free temporary name beside {}", path.display())))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", tmp.display()));
    }
    // A hard link publishes the file only if the name is still free (checked and made in one
    // step); where links are not supported, a rename after the check above.
    let published = match std::fs::hard_link(&tmp, path) {
        Ok(()) => std::fs::remove_file(&tmp).map_err(Into::into),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&tmp);
            Err(anyhow::anyhow!("{} already exists; chaosload never overwrites a file", path.display()))
        }
        Err(_) => {
            std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
        }
    };
    if published.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    published
}

/// A progress bar on a terminal, else a plain line every few seconds.
struct ProgressDisplay {
    done: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressDisplay {
    fn start(client: &str, plan: &Plan, progress: Arc<Progress>, mode: ProgressMode) -> ProgressDisplay {
        let total = plan.phases_length();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let client = client.to_string();
        let finished = done.clone();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let status = |p: &Progress| {
                let (n, e) = (p.completed.load(Ordering::Relaxed), p.errors.load(Ordering::Relaxed));
                format!("{client}: {n} requests, {e} errors")
            };
            if mode == ProgressMode::Off {
                return;
            }
            if mode == ProgressMode::Bar {
                let pb = indicatif::ProgressBar::new(total.as_millis() as u64);
                pb.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {bar:30} {percent:>3}% {msg}",
                    )
                    .expect("static template")
                    .progress_chars("=> "),
                );
                while !finished.load(Ordering::Relaxed) {
                    pb.set_position((started.elapsed().as_millis() as u64).min(total.as_millis() as u64));
                    pb.set_message(status(&progress));
                    std::thread::sleep(Duration::from_millis(200));
                }
                pb.finish_and_clear();
            } else {
                let mut next_line = Duration::from_secs(5);
                while !finished.load(Ordering::Relaxed) {
                    if started.elapsed() >= next_line {
                        eprintln!("[{:>4}s/{}s] {}", started.elapsed().as_secs(), total.as_secs(), status(&progress));
                        next_line += Duration::from_secs(5);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        });
        ProgressDisplay { done, thread: Some(thread) }
    }

    fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("chaosload-run-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Nothing is made before the first file, and the folder is made and the file written while
    /// the writing gate is held: a second signal (which takes the gate before exiting) can never
    /// leave an empty folder or a half-written file.
    #[test]
    fn the_run_folder_is_made_with_its_first_file_inside_the_writing_gate() {
        let parent = scratch("gate").join("reports").join("smoke");
        let stop = Stop::new();
        let mut folder = RunFolder::new(parent.clone(), SystemTime::now(), &stop).unwrap();
        assert!(!parent.exists(), "nothing made before the first file");
        let dir = std::thread::scope(|scope| {
            let gate = stop.writing();
            let writer = scope.spawn(|| folder.write(Path::new("result.json"), b"{}").unwrap());
            std::thread::sleep(Duration::from_millis(200));
            assert!(!parent.exists(), "the folder was made while a second signal held the gate");
            drop(gate);
            writer.join().unwrap()
        });
        assert_eq!(dir.parent(), Some(parent.as_path()));
        assert_eq!(folder.write(Path::new("hdr/a.hlog"), b"log").unwrap(), dir, "one folder for every file");
        assert_eq!(std::fs::read(dir.join("result.json")).unwrap(), b"{}");
        assert_eq!(std::fs::read(dir.join("hdr").join("a.hlog")).unwrap(), b"log");
    }

    /// An --out that cannot hold a run folder fails before the run, not after it.
    #[test]
    fn an_unusable_out_is_refused_before_anything_runs() {
        let dir = scratch("refused");
        let file = dir.join("a-file");
        std::fs::write(&file, "mine").unwrap();
        let stop = Stop::new();
        let refused = RunFolder::new(file.join("smoke"), SystemTime::now(), &stop).err().expect("refused");
        assert!(format!("{refused:#}").contains("a-file is not a folder"), "{refused:#}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
        assert!(RunFolder::new(dir.join("new").join("smoke"), SystemTime::now(), &stop).is_ok());
    }

    /// Runs started in the same second get `-1`, `-2`… and a folder already there (a user's,
    /// or an earlier run's) is never reused or touched.
    #[test]
    fn run_folders_of_the_same_second_get_a_suffix_and_never_reuse_one() {
        let parent = scratch("same-second");
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let first = new_run_dir(&parent, at).unwrap();
        std::fs::write(first.join("result.json"), "mine").unwrap();
        let second = new_run_dir(&parent, at).unwrap();
        let third = new_run_dir(&parent, at).unwrap();
        let stamp = first.file_name().unwrap().to_str().unwrap().to_string();
        assert_eq!(stamp, "20270115T080000Z");
        assert_eq!(second.file_name().unwrap().to_str().unwrap(), format!("{stamp}-1"));
        assert_eq!(third.file_name().unwrap().to_str().unwrap(), format!("{stamp}-2"));
        assert_eq!(std::fs::read_to_string(first.join("result.json")).unwrap(), "mine");
        assert_eq!(std::fs::read_dir(&second).unwrap().count(), 0, "a fresh, empty folder");
        // A file written atomically never replaces one that exists.
        assert!(write_atomically(&first.join("result.json"), b"theirs").is_err());
        assert_eq!(std::fs::read_to_string(first.join("result.json")).unwrap(), "mine");
        std::fs::remove_dir_all(&parent).unwrap();
    }
}
