//! The command line, as clap types: `run`, `gate`, `report`, `compare`, `validate`, the standalone
//! `mock`, `proxy` and `dns`, and `slow`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "chaosload",
    version,
    about = "Load testing and chaos for HTTP clients: which client configuration survives cold starts, resets and stalls?",
    long_about = "chaosload runs the same seeded traffic against several HTTP client configurations, \
                  records every latency in HDR histograms (coordinated-omission corrected) and writes \
                  results you can compare and gate on.",
    after_help = "Exit codes: 0 success · 1 a gate failed · 2 bad usage or invalid scenario · \
                  3 the run could not be carried out · 130 / 143 / 129 stopped by SIGINT (Ctrl-C) / \
                  SIGTERM / SIGHUP.\n\
                  Stopping a run: the first signal stops new requests at once, gives those in flight \
                  2 s at most, and writes what was measured (marked interrupted); a second signal \
                  quits at once. mock, proxy, dns and slow stop cleanly (exit 0) on any of the three.\n\
                  Start with: chaosload run scenarios/smoke.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario: every client configuration in turn, then print a summary and write
    /// reports/<scenario>/<UTC timestamp>/result.json. Or, without a file, an ad-hoc run:
    /// `chaosload run --url URL --rate 500/s --duration 10s`.
    #[command(after_help = "Ad hoc: --url with --rate (open model: arrivals per second, whatever the \
        responses do) or --concurrency (closed model: that many users, each sending as soon as its last \
        response came; 10 when neither is given), and --duration (10s). It is run as a one-phase \
        scenario with one client configuration of chaosload's defaults, with the same summary and \
        result folder (reports/adhoc/…); --save-scenario FILE writes that scenario out, to grow \
        with faults, more configurations and gates.")]
    Run {
        /// The scenario file (TOML), e.g. scenarios/smoke.toml.
        #[arg(required_unless_present = "url", conflicts_with = "url")]
        scenario: Option<PathBuf>,
        #[command(flatten)]
        adhoc: AdHocArgs,
        /// Parent folder of the run's output folder.
        #[arg(long, default_value = "reports", value_name = "DIR")]
        out: PathBuf,
        /// Run only this client configuration (repeat for several).
        #[arg(long = "client", value_name = "NAME")]
        clients: Vec<String>,
        /// Load-generator worker threads (overrides the scenario's `threads`).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
        threads: Option<u16>,
        /// Print no progress while running, nor the `running …` line (the summary and errors still).
        #[arg(long, short)]
        quiet: bool,
        /// Print the summary as JSON on stdout (and nothing else there): per configuration the
        /// table's figures, the gates' verdicts, the warnings and the result.json path.
        #[arg(long)]
        json: bool,
        /// Do not judge the scenario's [gate] (the exit code then never says 1).
        #[arg(long)]
        no_gate: bool,
        #[command(flatten)]
        gates: GateOutputs,
    },
    /// Judge a run's figures against gates: thresholds, other configurations, a baseline run.
    /// Exit 1 when a gate fails.
    #[command(after_help = "Gates are `\"<client>.<metric>\" = \"<condition>\"` lines of a [gate] table:\n  \
        \"tuned.p99\" = \"< 300ms\"                      a fixed threshold\n  \
        \"*.error_rate\" = \"< 0.1%\"                    every configuration\n  \
        \"tuned.p99\" = \"< default.p99 * 0.5\"          against another configuration\n  \
        \"tuned.p99\" = \"regress < 10%\"                against --baseline\n  \
        \"tuned.phase.bursts.p99\" = \"< 1s\"            one phase\n  \
        \"tuned.during.dns-stall.error_rate\" = \"< 5%\" a fault's window (also before., after.)\n\
        Metrics: p50 … p99.99, mean, max, error_rate[.kind], errors[.kind], rate, overflow, unfinished, \
        connections_opened, reuse_ratio. insufficient_data = \"fail\" (default) or \"warn\" decides what a \
        percentile on too few samples does.\n\
        A regress gate fails only when the run's 95% interval lies wholly beyond the baseline's widened by \
        the tolerance, so two runs that differ by their noise do not fail it. Every verdict states its \
        method, sample counts and intervals. Exit codes: 0 every gate passed · 1 a gate failed · 2 a file \
        could not be read or a gate is invalid.")]
    Gate {
        /// A result.json written by `chaosload run`.
        result: PathBuf,
        /// A file with a [gate] table (a scenario file works too); default: the gates of the
        /// scenario the result was run from.
        #[arg(long, value_name = "FILE")]
        gates: Option<PathBuf>,
        #[command(flatten)]
        outputs: GateOutputs,
    },
    /// Write the HTML report of a run (a run writes one already; this renders it again).
    Report {
        /// A result.json written by `chaosload run`.
        result: PathBuf,
        /// Where to write the report (default: report.html beside the result; never overwritten).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Compare runs of the same scenario (e.g. before and after a release): a table of every
    /// client configuration's figures per run, with differences from the first run; with
    /// `-o compare.html`, also a self-contained HTML page with charts.
    Compare {
        /// Two or more result.json files; the first is the baseline.
        #[arg(required = true, num_args = 2..)]
        results: Vec<PathBuf>,
        /// Print the comparison as Markdown (for a pull request) instead of a terminal table.
        #[arg(long)]
        md: bool,
        /// Also write it to this file: the HTML comparison page when FILE ends in .html, else the
        /// table (Markdown with --md). An existing file is never overwritten (FILE-2.html is written).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Compare even runs of different scenarios.
        #[arg(long)]
        force: bool,
    },
    /// Run the built-in mock upstream on its own, for clients in any language. Prints the bound
    /// address first, serves until Ctrl-C, SIGTERM or SIGHUP.
    Mock {
        /// A file with `[mock]`, `[mock.serverless]`, `[[fault]]` (layer "mock") and `seed`;
        /// a scenario file works too (other sections are ignored).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
        listen: std::net::SocketAddr,
        /// With `[mock] tls = true` and the certificate the mock makes: where to write the CA
        /// certificate clients must trust (PEM; a file that exists is never overwritten).
        /// Default: a new folder under the system's temporary directory; stderr says where.
        #[arg(long, value_name = "FILE")]
        ca_out: Option<PathBuf>,
    },
    /// Run the chaos proxy on its own in front of HOST:PORT, applying the `[[fault]]`s with
    /// layer "proxy" from --config. Prints the bound address first, serves until Ctrl-C, SIGTERM
    /// or SIGHUP.
    Proxy {
        /// Where to forward connections.
        #[arg(long, value_name = "HOST:PORT")]
        upstream: String,
        /// A file with `[[fault]]` entries (layer "proxy") and `seed`; a scenario file works too.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Address to listen on (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
        listen: std::net::SocketAddr,
        /// How long to wait for the upstream to accept a connection; past it the client's
        /// connection is reset (e.g. "500ms", "10s").
        #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = humantime::parse_duration)]
        connect_timeout: std::time::Duration,
        /// Client connections open at once; one more is accepted and closed at once. Overrides
        /// the config's [proxy] max_connections (default 10000).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        max_connections: Option<u32>,
        /// Once one side of a connection has closed, how long the other may stay silent before
        /// the proxy closes both (e.g. "1s"). Overrides the config's [proxy] half_close_timeout
        /// (default 5s).
        #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
        half_close_timeout: Option<std::time::Duration>,
    },
    /// Run the DNS stub on its own: the records of `[dns]` over UDP and TCP on one port, with
    /// the `[[fault]]`s of layer "dns". Prints the bound address first (one line per nameserver
    /// when `[dns] nameservers` > 1), serves until Ctrl-C, SIGTERM or SIGHUP.
    #[command(after_help = "Example:\n  \
        $ cat dns.toml\n  \
        [dns]\n  \
        records = [ { name = \"upstream.test\", a = \"127.0.0.1\", ttl = \"30s\" } ]\n  \
        [[fault]]\n  \
        layer = \"dns\"\n  \
        kind = \"delay\"\n  \
        delay = \"2s\"\n  \
        every = \"10s\"\n  \
        for = \"2s\"\n  \
        $ chaosload dns --config dns.toml\n  \
        127.0.0.1:40531\n  \
        $ dig @127.0.0.1 -p 40531 upstream.test A        # over UDP; +tcp for TCP\n\n\
        Faults without `for` last until the stub stops; windows count from its start. A client \
        that reads /etc/resolv.conf needs port 53 (--listen 127.0.0.1:53, as root); Go's \
        net.Resolver{PreferGo: true, Dial: …} and dig -p take any port.")]
    Dns {
        /// A file with `[dns]`, `[[fault]]` (layer "dns") and `seed`; a scenario file works too
        /// (other sections and faults of other layers are ignored). Without it every name is
        /// NXDOMAIN.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Address to listen on, UDP and TCP (port 0: any free port). Further nameservers take
        /// ports of their own on the same IP.
        #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
        listen: std::net::SocketAddr,
    },
    /// Hold the slow-client cohorts of --config (`[[fault]]` layer "clients": slowloris,
    /// slow_post, slow_read) against your own service, printing once a second each cohort's
    /// connections and whether the service still answers a probe; a summary at the end.
    #[command(after_help = "Example:\n  \
        $ cat slow.toml\n  \
        [[fault]]\n  \
        layer = \"clients\"\n  \
        kind = \"slowloris\"\n  \
        connections = 200\n  \
        per_second = 100\n  \
        interval = \"5s\"\n  \
        $ chaosload slow --target http://127.0.0.1:8080/ --config slow.toml --for 30s\n  \
        [  1.0s] slowloris #0: connecting 0, connected 100, closed by server 0, reset 0, refused 0, connect failed 0\n  \
        [  1.0s] service available: 200 in 733µs\n  \
        ...\n\n\
        Each line: the cohort's connects in progress and connections open now, then its connections the \
        server closed (FIN) or reset (RST), and connects refused or failed (timed out after 10 s, out of \
        descriptors) so far. A connection the server ends is replaced, at per_second at most. \
        The probe: once a second (one at a time) a fresh connection sends GET with Connection: close; the \
        service is available in a second when a response head arrived in it within --probe-timeout. \
        The summary gives each cohort's fates (held to the end: still open when its window ended or the \
        command stopped), how long the server let the connections it ended live (p50, max), and the \
        seconds the service was available.\n\n\
        Windows (at, for, every) count from the command's start; a cohort without `for` lasts until \
        --for or a stop. The command ends by itself when every window has ended, or on Ctrl-C, SIGTERM \
        or SIGHUP (exit 0); a config without a clients fault, or a URL that is not http://, is exit 2. \
        A target outside this machine is allowed (it is your service) and noticed on stderr.")]
    Slow {
        /// The service: an http:// URL; its path is what every request asks for.
        #[arg(long, value_name = "URL")]
        target: String,
        /// A file with `[[fault]]` entries of layer "clients" and `seed`; a scenario file works
        /// too (other sections and faults of other layers are ignored).
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// Stop after this long (e.g. "30s"); without it, when every window has ended or on a
        /// stop signal.
        #[arg(long = "for", value_name = "DURATION", value_parser = parse_positive_duration)]
        run_for: Option<std::time::Duration>,
        /// How long the probe waits for a response head before the second counts as unavailable.
        #[arg(long, default_value = "5s", value_name = "DURATION", value_parser = parse_positive_duration)]
        probe_timeout: std::time::Duration,
    },
    /// List the client presets (`preset = "go"` on a [[client]], `run --url … --preset go`):
    /// each knob a preset sets, its value and where the value comes from.
    #[command(after_help = "A preset fills a configuration with a real client's published defaults; \
        any knob the [[client]] sets itself overrides the preset's. Values are written as a scenario \
        writes them. `silent_retry` is the client's own retry of a request on a reused connection the \
        server dropped, which the user never sees; result.json counts them as hidden_retries.")]
    Presets {
        /// Only this preset.
        name: Option<String>,
    },
    /// Check scenario files and report every problem at once as file:line:col (exit 2 if any).
    Validate {
        /// Scenario files to check.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

/// `run --url …`: an ad-hoc run, made into a scenario (`crate::adhoc`).
#[derive(Debug, clap::Args)]
pub struct AdHocArgs {
    /// Ad hoc: the URL to load (http://), instead of a scenario file.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Ad hoc: arrivals per second ("500" or "500/s"; open model).
    #[arg(long, value_name = "RATE", requires = "url", conflicts_with = "concurrency", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Ad hoc: users sending one request after another (closed model).
    #[arg(long, value_name = "N", requires = "url", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub concurrency: Option<u32>,
    /// Ad hoc: how long to load (default 10s).
    #[arg(long, value_name = "DURATION", requires = "url", value_parser = parse_positive_duration)]
    pub duration: Option<std::time::Duration>,
    /// Ad hoc: the configuration takes this client's defaults (`chaosload presets` lists them),
    /// e.g. go, undici, python-requests; it is named after the preset.
    #[arg(long, value_name = "PRESET", requires = "url", value_parser = parse_preset)]
    pub preset: Option<String>,
    /// Ad hoc: also write the run as a scenario file (never over an existing one: FILE-2.toml).
    #[arg(long, value_name = "FILE", requires = "url")]
    pub save_scenario: Option<PathBuf>,
}

/// A preset's name, as `chaosload presets` lists them.
fn parse_preset(text: &str) -> Result<String, String> {
    use crate::scenario::presets::{find, PRESETS};
    match find(text) {
        Some(preset) => Ok(preset.name.to_string()),
        None => {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
            Err(format!("unknown preset \"{text}\": one of {}", names.join(", ")))
        }
    }
}

/// A rate of arrivals, "500" or "500/s", above 0.
fn parse_rate(text: &str) -> Result<f64, String> {
    let number = text.trim().strip_suffix("/s").unwrap_or(text.trim());
    match number.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!("\"{text}\" is not a rate: write arrivals per second, e.g. 500 or 500/s")),
    }
}

/// What gates are judged against and where their verdicts go, for `run` and `gate`.
#[derive(Debug, clap::Args)]
pub struct GateOutputs {
    /// A result.json to judge `regress` gates against (e.g. the last release's, committed).
    #[arg(long, value_name = "BASE.json")]
    pub baseline: Option<PathBuf>,
    /// Write the verdicts as JUnit XML (one test case per gate). Never overwritten: FILE-2.xml
    /// is written if FILE exists.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the verdicts as Markdown. (Whenever GITHUB_STEP_SUMMARY is set, with or without
    /// --md, the Markdown is appended to that file: GitHub Actions' job summary.)
    #[arg(long, value_name = "FILE")]
    pub md: Option<PathBuf>,
}

/// A duration longer than zero, as humantime writes it ("500ms", "5s").
fn parse_positive_duration(text: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => Err("must be longer than 0s".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::StopSignal;

    /// Every `chaosload …` command line in README.md's code blocks names a subcommand that exists,
    /// with flags it takes, and every `scenarios/*.toml` it names is shipped; every `just X` is a
    /// recipe of the justfile. The README is what a user types from.
    #[test]
    fn the_readme_s_commands_and_flags_exist() {
        let readme = std::fs::read_to_string("README.md").expect("README.md at the crate's root");
        let justfile = std::fs::read_to_string("justfile").expect("the justfile");
        let command = <Cli as clap::CommandFactory>::command();
        let mut in_code = false;
        // A block generated by `just readme` (its marker ends with `-->` right above it) is
        // output: only its `$ ` lines are commands ("chaosload itself fell behind" is not one).
        let mut generated = false;
        let mut previous = "";
        let mut lines = Vec::new();
        for line in readme.lines() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                generated = in_code && previous.trim() == "-->";
            } else if in_code && (!generated || line.trim_start().starts_with("$ ")) {
                lines.push(line.trim());
            }
            previous = line;
        }
        // A command continued on the next line (`\` at the end) is one command.
        let joined = lines.join("\n").replace("\\\n", " ");
        let mut checked = 0;
        for line in joined.lines() {
            let line = line.trim_start_matches("$ ").trim();
            // What a shell substitutes or quotes is not the command's words.
            let mut bare = String::new();
            let mut depth = 0;
            let mut quoted = false;
            for c in line.split(" #").next().unwrap_or_default().chars() {
                match c {
                    '"' if depth == 0 => quoted = !quoted,
                    '(' if !quoted && bare.ends_with('$') => {
                        bare.pop();
                        depth += 1
                    }
                    ')' if !quoted && depth > 0 => depth -= 1,
                    _ if depth > 0 || quoted => {}
                    c => bare.push(c),
                }
            }
            let words: Vec<&str> = bare.split_whitespace().collect();
            if let Some(i) = words.iter().position(|w| *w == "just") {
                if let Some(recipe) = words.get(i + 1).filter(|r| !r.starts_with('-')) {
                    let defined = justfile
                        .lines()
                        .any(|l| l.split_whitespace().next().map(|w| w.trim_end_matches(':')) == Some(*recipe));
                    assert!(defined, "README: `just {recipe}` is not a recipe of the justfile ({line})");
                }
            }
            let Some(start) =
                words.iter().position(|w| *w == "chaosload").filter(|&i| i == 0 || words[i - 1] != "install")
            else {
                continue;
            };
            let Some(sub) = words.get(start + 1).filter(|w| w.chars().all(|c| c.is_ascii_lowercase())) else {
                continue;
            };
            let sub = command
                .find_subcommand(sub)
                .unwrap_or_else(|| panic!("README: `chaosload {sub}` is not a command ({line})"));
            for word in &words[start + 2..] {
                if ["|", "&&", ";", ">", "2>", "&"].contains(word) {
                    break;
                }
                let word = word.trim_start_matches('[').trim_end_matches(']').trim_end_matches("...");
                let Some(flag) = word.strip_prefix("--") else {
                    if let Some(short) = word.strip_prefix('-').filter(|s| s.len() == 1) {
                        let c = short.chars().next().unwrap();
                        assert!(
                            sub.get_arguments().any(|a| a.get_short() == Some(c)),
                            "README: `chaosload {}` has no -{c} ({line})",
                            sub.get_name()
                        );
                    }
                    if word.starts_with("scenarios/") && word.ends_with(".toml") && !word.contains('*') {
                        assert!(
                            std::path::Path::new(word).exists(),
                            "README names {word}, which is not shipped ({line})"
                        );
                    }
                    continue;
                };
                let flag = flag.split('=').next().unwrap_or_default();
                let known = flag == "help" || sub.get_arguments().any(|a| a.get_long() == Some(flag));
                assert!(known, "README: `chaosload {}` has no --{flag} ({line})", sub.get_name());
                checked += 1;
            }
        }
        assert!(checked > 30, "the README's commands were found and read ({checked} flags checked)");
    }

    /// `--help` states what stopping a run does: the grace the engine gives, every exit code.
    #[test]
    fn help_states_the_stop_grace_and_the_signals_exit_codes() {
        let command = <Cli as clap::CommandFactory>::command();
        let help = command.get_after_help().expect("after_help is set").to_string();
        let grace = crate::load::engine::STOP_GRACE;
        assert!(help.contains(&format!("{} s at most", grace.as_secs())), "{help}");
        let codes: Vec<String> = StopSignal::ALL.iter().map(|s| s.exit_code().to_string()).collect();
        assert!(help.contains(&codes.join(" / ")), "{help}");
    }
}
