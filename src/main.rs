//! The chaosload command: parses the CLI, dispatches, and maps failures to exit codes.

use chaosload::cli::{Cli, Command};
use chaosload::escape::escape_controls_keep_lines;
use chaosload::run::{ProgressMode, RunError, RunOptions};
use chaosload::scenario::{self, LoadError};
use chaosload::signals::{self, StopSignal};
use clap::Parser as _;
use std::path::Path;
use std::process::ExitCode;

const EXIT_GATE_FAILED: u8 = 1;
const EXIT_INVALID: u8 = 2;
const EXIT_RUN_FAILED: u8 = 3;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("CHAOSLOAD_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never into a CI log or a file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match dispatch(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", escape_controls_keep_lines(&format!("{e:#}")));
            match e.downcast_ref::<RunError>() {
                Some(run_error) => ExitCode::from(run_error.exit_code()),
                // Anything else kept the run from being carried out (I/O, a server failing to start).
                None => ExitCode::from(EXIT_RUN_FAILED),
            }
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Validate { scenarios } => Ok(validate(&scenarios)),
        Command::Presets { name } => Ok(presets(name.as_deref())),
        Command::Report { result, output } => report(&result, output.as_deref()),
        Command::Compare { results, md, output, force } => compare(&results, md, output.as_deref(), force),
        Command::Mock { config, listen, ca_out } => {
            standalone(chaosload::standalone::mock(config.as_deref(), listen, ca_out.as_deref()))
        }
        Command::Dns { config, listen } => standalone(chaosload::standalone::dns(config.as_deref(), listen)),
        Command::Slow { target, config, run_for, probe_timeout } => {
            standalone(chaosload::standalone::slow(&target, &config, run_for, probe_timeout))
        }
        Command::Proxy { upstream, config, listen, connect_timeout, max_connections, half_close_timeout } => {
            let limits = chaosload::standalone::LimitOverrides {
                max_connections: max_connections.map(|n| n as usize),
                half_close_timeout,
            };
            standalone(chaosload::standalone::proxy(&upstream, config.as_deref(), listen, connect_timeout, limits))
        }
        Command::Gate { result, gates, outputs } => gate(&result, gates.as_deref(), &outputs),
        Command::Run { scenario, adhoc, out, clients, threads, quiet, json, no_gate, gates } => {
            let overrides = scenario::Overrides { threads: threads.map(usize::from) };
            let loaded = match &scenario {
                Some(file) => load(file, &overrides),
                None => ad_hoc(&adhoc, &overrides),
            };
            let plan = match loaded {
                Ok(plan) => plan,
                Err(code) => return Ok(code),
            };
            let mut options = RunOptions::new(out);
            options.clients = clients;
            options.gate = !no_gate;
            if let Some(path) = &gates.baseline {
                match load_result(path) {
                    Ok(base) => {
                        warn_of_baseline(&base, path, &plan.name);
                        options.baseline = Some((base, path.display().to_string()));
                    }
                    Err(code) => return Ok(code),
                }
                let regress = plan
                    .gates
                    .gates
                    .iter()
                    .any(|g| matches!(g.condition, chaosload::gate::spec::Condition::Regress { .. }));
                if !regress {
                    eprintln!(
                        "warning: --baseline is given but {}'s [gate] has no \"regress\" gate, so nothing is judged against it\n  \
                         hint: add e.g. \"*.p99\" = \"regress < 10%\" to [gate]",
                        escape_controls_keep_lines(&plan.name)
                    );
                }
            }
            if quiet {
                options.progress = ProgressMode::Off;
            }
            // A name --client cannot select is refused by the run itself, before any load.
            let selected: Vec<String> = chaosload::run::select(&plan, &options.clients)
                .map(|clients| clients.iter().map(|c| c.name.clone()).collect())
                .unwrap_or_default();
            for warning in plan.warnings_for(|name| selected.iter().any(|c| c == name)) {
                eprintln!("warning: {warning}");
            }
            // First SIGINT/SIGTERM/SIGHUP: stop sending, drain briefly, write partial results.
            // A second: exit at once (never halfway through a file).
            signals::stop_on_signals(options.stop.clone())?;
            let configurations = selected.len();
            let output = chaosload::run::run_announced(&plan, &options, || {
                if let Some(notice) = plan.remote_target_notice(configurations) {
                    eprintln!("{notice}");
                }
                if !quiet {
                    eprintln!(
                        "running {} ({} × {:.0?})",
                        plan.name,
                        counted(configurations, "client configuration", "client configurations"),
                        plan.phases_length()
                    );
                }
            })?;
            let result_file = output.dir.join("result.json");
            if json {
                // JSON escapes control characters itself.
                println!(
                    "{}",
                    serde_json::to_string_pretty(&chaosload::summary::render_json(&output.result, &result_file))?
                );
            } else {
                print!("{}", chaosload::summary::render(&output.result));
            }
            // Under GitHub Actions the run's table and verdict land on the job's page (the gates'
            // table follows when there are gates).
            append_to_job_summary(&chaosload::report::markdown::run_markdown(&output.result), "the run")?;
            let passed = match &output.result.gates {
                Some(report) => {
                    if !json {
                        print!("{}", escape_controls_keep_lines(&chaosload::gate::terminal(report)));
                    }
                    gate_outputs(report, &output.result.scenario_name, &gates)?;
                    report.passed
                }
                None => true,
            };
            if !json {
                println!("result: {}", result_file.display());
            }
            Ok(if output.result.interrupted {
                // 128 + the signal's number: 130 SIGINT, 143 SIGTERM, 129 SIGHUP.
                ExitCode::from(options.stop.requested_by().unwrap_or(StopSignal::Interrupt).exit_code())
            } else if !passed {
                ExitCode::from(EXIT_GATE_FAILED)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// `chaosload gate`: the gates of `gates_file` (or of the result's own scenario) judged on the
/// result at `path`; exit 1 when one fails, 2 when a file or a gate cannot be used.
fn gate(path: &Path, gates_file: Option<&Path>, outputs: &chaosload::cli::GateOutputs) -> anyhow::Result<ExitCode> {
    use chaosload::gate::{self, Names};
    let result = match load_result(path) {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let names = Names::of_result(&result);
    let plan = match gates_file {
        Some(file) => match scenario::load_gates(file, &names) {
            Ok(plan) => plan,
            Err(LoadError::Invalid(diagnostics)) => {
                eprintln!("{diagnostics}");
                return Ok(ExitCode::from(EXIT_INVALID));
            }
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(EXIT_INVALID));
            }
        },
        None => match result.scenario.get("gate") {
            Some(table) => match gate::GatePlan::from_json(table, &names) {
                Ok(plan) => plan,
                Err(e) => {
                    eprintln!("error: {}: scenario.gate: {}", path.display(), escape_controls_keep_lines(&e));
                    return Ok(ExitCode::from(EXIT_INVALID));
                }
            },
            None => {
                eprintln!(
                    "error: {} was run from a scenario without a [gate] table, so there is nothing to judge\n  \
                     hint: give the gates in a file: chaosload gate {} --gates gates.toml",
                    path.display(),
                    path.display()
                );
                return Ok(ExitCode::from(EXIT_INVALID));
            }
        },
    };
    let baseline = match &outputs.baseline {
        Some(file) => match load_result(file) {
            Ok(base) => Some((base, file.display().to_string())),
            Err(code) => return Ok(code),
        },
        None => None,
    };
    if let (Some((base, _)), Some(file)) = (&baseline, &outputs.baseline) {
        warn_of_baseline(base, file, &result.scenario_name);
    }
    let baseline = baseline.as_ref().map(|(result, file)| gate::Baseline { result, file: file.clone() });
    let report = gate::evaluate(&plan, &result, baseline.as_ref());
    print!("{}", escape_controls_keep_lines(&gate::terminal(&report)));
    gate_outputs(&report, &result.scenario_name, outputs)?;
    Ok(if report.passed { ExitCode::SUCCESS } else { ExitCode::from(EXIT_GATE_FAILED) })
}

/// Warns when a baseline is a run of another scenario than `scenario`: its figures may not be
/// comparable (the gates are judged all the same).
fn warn_of_baseline(base: &chaosload::result::RunResult, file: &Path, scenario: &str) {
    if base.scenario_name != scenario {
        eprintln!(
            "warning: the baseline {} is a run of \"{}\", not of \"{}\": its figures may not be comparable",
            escape_controls_keep_lines(&file.display().to_string()),
            escape_controls_keep_lines(&base.scenario_name),
            escape_controls_keep_lines(scenario)
        );
    }
}

/// Writes the verdicts where `--junit` and `--md` ask (never over a file), and appends the
/// Markdown to GitHub's job summary when `GITHUB_STEP_SUMMARY` names one.
fn gate_outputs(
    report: &chaosload::gate::GateReport,
    scenario: &str,
    outputs: &chaosload::cli::GateOutputs,
) -> anyhow::Result<()> {
    use chaosload::gate::{junit, markdown};
    if let Some(file) = &outputs.junit {
        let written = chaosload::run::write_fresh(file, junit::render(report, scenario).as_bytes())?;
        eprintln!("junit: {}", written.display());
    }
    let md = markdown::render(report, scenario);
    if let Some(file) = &outputs.md {
        let written = chaosload::run::write_fresh(file, md.as_bytes())?;
        eprintln!("markdown: {}", written.display());
    }
    append_to_job_summary(&md, "the gates")
}

/// Appends `md` to GitHub's job summary when `GITHUB_STEP_SUMMARY` names one (never replacing
/// what earlier steps wrote); `what` names it in an error.
fn append_to_job_summary(md: &str, what: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        use std::io::Write as _;
        let summary = Path::new(&summary);
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(summary)
            .and_then(|mut f| f.write_all(format!("{md}\n").as_bytes()))
            .with_context(|| format!("appending {what} to GITHUB_STEP_SUMMARY ({})", summary.display()))?;
    }
    Ok(())
}

/// `run --url …`: the scenario the flags stand for, validated as any scenario is (and written
/// to `--save-scenario` first, so it is kept even if the run is refused).
fn ad_hoc(args: &chaosload::cli::AdHocArgs, overrides: &scenario::Overrides) -> Result<scenario::Plan, ExitCode> {
    let Some(url) = &args.url else {
        unreachable!("clap requires a scenario file or --url");
    };
    let adhoc = chaosload::adhoc::AdHoc {
        url: url.clone(),
        rate: args.rate,
        concurrency: args.concurrency,
        duration: args.duration,
        preset: args.preset.clone(),
    };
    let command =
        std::iter::once("chaosload".to_string()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" ");
    let text = adhoc.scenario_text(&command);
    let shown = args.save_scenario.clone().unwrap_or_else(|| std::path::PathBuf::from("(ad hoc run)"));
    let plan = scenario::parse_bytes(text.clone().into_bytes(), &shown, overrides).map_err(|diagnostics| {
        eprintln!("{diagnostics}");
        ExitCode::from(EXIT_INVALID)
    })?;
    if let Some(file) = &args.save_scenario {
        match chaosload::run::write_fresh(file, text.as_bytes()) {
            Ok(written) => eprintln!("scenario: {}", written.display()),
            Err(e) => {
                eprintln!("error: {e:#}");
                return Err(ExitCode::from(EXIT_RUN_FAILED));
            }
        }
    }
    Ok(plan)
}

/// `1 phase`, `2 phases`.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Reads a result.json; a file that is missing or not a chaosload result is exit 2.
fn load_result(path: &Path) -> Result<chaosload::result::RunResult, ExitCode> {
    match chaosload::result::RunResult::load(path) {
        Ok(result) => Ok(result),
        Err(e) => {
            eprintln!("error: {}", escape_controls_keep_lines(&format!("{e:#}")));
            Err(ExitCode::from(EXIT_INVALID))
        }
    }
}

fn report(path: &Path, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let result = match load_result(path) {
        Ok(r) => r,
        Err(code) => return Ok(code),
    };
    let wanted = output.map(Path::to_path_buf).unwrap_or_else(|| path.with_file_name("report.html"));
    let written = chaosload::run::write_fresh(&wanted, chaosload::report::html::render(&result).as_bytes())?;
    println!("report: {}", written.display());
    Ok(ExitCode::SUCCESS)
}

/// Whether an output file is the HTML comparison page: its name ends in `.html`, in any case.
fn is_html(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("html"))
}

fn compare(paths: &[std::path::PathBuf], md: bool, output: Option<&Path>, force: bool) -> anyhow::Result<ExitCode> {
    use chaosload::report::{compare, compare_html, markdown};
    let html = output.filter(|o| is_html(o));
    if let (Some(html), true) = (html, md) {
        eprintln!(
            "error: --md asks for Markdown but {} names an HTML page; drop --md for the HTML page, or write \
             Markdown to a .md file",
            html.display()
        );
        return Ok(ExitCode::from(EXIT_INVALID));
    }
    let mut results = Vec::new();
    for path in paths {
        match load_result(path) {
            Ok(r) => results.push(r),
            Err(code) => return Ok(code),
        }
    }
    if let Err(e) = compare::check_comparable(&results) {
        if !force || matches!(e, compare::CompareError::TooFew(_)) {
            eprintln!("error: {}", escape_controls_keep_lines(&e.to_string()));
            return Ok(ExitCode::from(EXIT_INVALID));
        }
    }
    let labelled: Vec<_> = compare::unique_labels(paths).into_iter().zip(results).collect();
    let comparison = compare::compare(&labelled);
    let text = if md { markdown::comparison_markdown(&comparison) } else { compare::terminal_table(&comparison) };
    // Names come from the result files: shown with their control characters escaped.
    print!("{}", escape_controls_keep_lines(&text));
    if let Some(output) = output {
        let page;
        let bytes = if html.is_some() {
            page = compare_html::render(&comparison, &labelled);
            page.as_bytes()
        } else {
            text.as_bytes()
        };
        let written = chaosload::run::write_fresh(output, bytes)?;
        eprintln!("written: {}", written.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A standalone part's outcome: an invalid config is exit 2 with its diagnostics.
fn standalone(outcome: anyhow::Result<()>) -> anyhow::Result<ExitCode> {
    match outcome {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => match e.downcast_ref::<chaosload::standalone::InvalidConfig>() {
            Some(invalid) => {
                eprintln!("{invalid}");
                Ok(ExitCode::from(EXIT_INVALID))
            }
            None => Err(e),
        },
    }
}

/// Loads a scenario with command-line `overrides`, printing its diagnostics; the exit code for a
/// file that cannot be used.
fn load(path: &Path, overrides: &scenario::Overrides) -> Result<scenario::Plan, ExitCode> {
    match scenario::load_with(path, overrides) {
        Ok(plan) => Ok(plan),
        Err(LoadError::Invalid(diagnostics)) => {
            eprintln!("{diagnostics}");
            Err(ExitCode::from(EXIT_INVALID))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(ExitCode::from(EXIT_INVALID))
        }
    }
}

/// `chaosload presets [NAME]`: every preset (or one), its knobs, values and sources.
fn presets(name: Option<&str>) -> ExitCode {
    use chaosload::scenario::presets::{find, PRESETS};
    let listed: Vec<_> = match name {
        None => PRESETS.to_vec(),
        Some(name) => match find(name) {
            Some(preset) => vec![preset],
            None => {
                let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
                eprintln!(
                    "error: unknown preset \"{}\" (presets: {})",
                    chaosload::escape::escape_controls(name),
                    names.join(", ")
                );
                return ExitCode::from(2);
            }
        },
    };
    let text: Vec<String> = listed.iter().map(|p| p.describe()).collect();
    print!("{}", text.join("\n"));
    ExitCode::SUCCESS
}

fn validate(paths: &[std::path::PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in paths {
        match load(path, &scenario::Overrides::default()) {
            Ok(plan) => {
                let shown = path.display().to_string();
                let shown = escape_controls_keep_lines(&shown);
                println!(
                    "ok: {shown} ({}, {}{}{})",
                    counted(plan.phases.len(), "phase", "phases"),
                    counted(plan.clients.len(), "client", "clients"),
                    match plan.sweeps.len() {
                        0 => String::new(),
                        n => format!(", {}", counted(n, "sweep", "sweeps")),
                    },
                    match plan.gates.gates.len() {
                        0 => String::new(),
                        n => format!(", {}", counted(n, "gate", "gates")),
                    }
                );
                for warning in plan.warnings() {
                    eprintln!("warning: {}: {warning}", escape_controls_keep_lines(&path.display().to_string()));
                }
            }
            Err(_) => failed = true,
        }
    }
    if failed {
        ExitCode::from(EXIT_INVALID)
    } else {
        ExitCode::SUCCESS
    }
}
