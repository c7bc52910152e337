//! `just readme`: README.md's example outputs generated from real runs. Every fenced block with a
//! `<!-- generated … -->` marker before it (the convention is in `blocks.rs`) is rewritten with
//! what its commands print now, run with `target/release/chaosload` (this builds nothing: the
//! recipe runs `cargo build --release` first). Nothing outside the marked blocks is touched, and
//! README.md is written once, atomically, at the end: a command that fails (or exits otherwise
//! than its marker says) aborts the whole run and leaves README.md as it was.
//!
//! The commands run in `target/readme/`, a fresh copy of the repository's root made of symlinks
//! (every entry but `target/`, `reports/` and `.git`), with `chaosload` first on PATH: they read
//! `scenarios/…` as a user at the root would and print the same relative paths, but their
//! `reports/` starts empty, so a block's `reports/slow-clients/*/result.json` names the run it
//! just made and not every run you kept, and what a setup writes (`slower.toml`,
//! `ci/baseline.json`) stays out of the checkout. The runs are moved into `reports/` at the end.
//!
//! `cargo run --release --example readme -- [--check] [--only PATTERN]...`
//! - `--check` runs nothing: it lists the blocks that are stale (edited by hand, their marker
//!   changed, a summary header the code no longer prints) or unmarked, and exits 1 if any is.
//! - `--only PATTERN` regenerates only the blocks whose marker contains PATTERN (repeatable).
//!
//! Progress goes to stderr: each block and step as it starts, the runs' own progress lines, and
//! each block's time.

mod blocks;

use blocks::{Block, Show, Step};
use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The longest one block may run (the slowest, two 50 s runs and a compare, takes about 4 min).
const BLOCK_LIMIT: Duration = Duration::from_secs(20 * 60);

/// What starts the lines the block's script prints about its own steps (ASCII record separator:
/// no command prints it).
const MARK: char = '\u{1e}';

fn main() -> ExitCode {
    match generate() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("readme: {e}");
            ExitCode::from(2)
        }
    }
}

struct Args {
    check: bool,
    only: Vec<String>,
}

fn args() -> Result<Args, String> {
    let mut args = Args { check: false, only: Vec::new() };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        match arg.as_str() {
            "--check" => args.check = true,
            "--only" => args.only.push(given.next().ok_or("--only needs a PATTERN")?),
            "-h" | "--help" => {
                println!(
                    "just readme [--check] [--only PATTERN]...\n  \
                     regenerates README.md's marked example outputs from real runs;\n  \
                     --check lists stale and unmarked blocks without running anything;\n  \
                     --only regenerates the blocks whose marker contains PATTERN"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(args)
}

fn generate() -> Result<ExitCode, String> {
    let args = args()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme_path = root.join("README.md");
    let text = std::fs::read_to_string(&readme_path).map_err(|e| format!("cannot read README.md: {e}"))?;
    if args.check {
        let problems = blocks::problems(&text);
        for problem in &problems {
            println!("{problem}");
        }
        if problems.is_empty() {
            let n = blocks::parse(&text).map(|r| r.blocks.len()).unwrap_or(0);
            println!("README.md: {n} generated blocks, none stale, no output block unmarked");
            return Ok(ExitCode::SUCCESS);
        }
        return Ok(ExitCode::from(1));
    }
    let readme = blocks::parse(&text).map_err(|problems| problems.join("\n"))?;
    let chosen: Vec<&Block> = readme
        .blocks
        .iter()
        .filter(|b| args.only.is_empty() || args.only.iter().any(|p| b.directives.iter().any(|d| d.contains(p))))
        .collect();
    if chosen.is_empty() {
        return Err(format!("no generated block's marker contains {}", args.only.join(" or ")));
    }
    let binary = root.join("target/release/chaosload");
    if !binary.is_file() {
        return Err(format!("{} is missing: run `cargo build --release` (`just readme` does)", binary.display()));
    }
    warn_if_older_than_the_sources(&binary, root);
    let scratch = root.join("target/readme");
    prepare(&scratch, root, &binary).map_err(|e| format!("cannot prepare {}: {e}", scratch.display()))?;

    let started = Instant::now();
    let mut bodies = Vec::new();
    for (n, block) in chosen.iter().enumerate() {
        eprintln!("readme: [{}/{}] {}", n + 1, chosen.len(), block.name());
        let began = Instant::now();
        match run_block(block, &scratch) {
            Ok(body) => {
                let changed = if body == block.fence.body { "unchanged" } else { "changed" };
                eprintln!("readme:   {changed}, {:.0} s", began.elapsed().as_secs_f64());
                bodies.push((*block, body));
            }
            Err(e) => {
                eprintln!(
                    "readme: {}: {e}\nreadme: README.md is unchanged; the commands ran in {}",
                    block.name(),
                    scratch.display()
                );
                return Ok(ExitCode::from(1));
            }
        }
    }

    let mut lines = readme.lines.clone();
    // From the last block up, so the earlier blocks' line numbers stay right.
    for (block, body) in bodies.iter().rev() {
        let digest = block.digest_of(body);
        let new = blocks::rendered(block, body, &digest, &readme.lines);
        lines.splice(block.marker_open..=block.fence.close, new);
    }
    let mut new_text = lines.join("\n");
    if text.ends_with('\n') {
        new_text.push('\n');
    }
    let now = std::fs::read_to_string(&readme_path).map_err(|e| format!("cannot read README.md again: {e}"))?;
    if now != text {
        return Err("README.md changed while the blocks ran, so it is not rewritten: run `just readme` again".into());
    }
    write_atomically(&readme_path, &new_text).map_err(|e| format!("cannot write README.md: {e}"))?;
    let moved = move_runs(&scratch.join("reports"), &root.join("reports"));
    let changed: Vec<String> = bodies.iter().filter(|(b, body)| *body != b.fence.body).map(|(b, _)| b.name()).collect();
    eprintln!(
        "readme: {} blocks run in {:.0} s, {} changed; README.md written; {moved} runs moved to reports/",
        bodies.len(),
        started.elapsed().as_secs_f64(),
        changed.len()
    );
    for name in &changed {
        eprintln!("  changed: {name}");
    }
    let remaining = blocks::problems(&new_text);
    for problem in &remaining {
        eprintln!("readme: still to fix: {problem}");
    }
    Ok(if remaining.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// A fresh `target/readme/`: a symlink to each entry of the root but the build, the reports and
/// git, and `.bin/chaosload`, the release binary, for PATH.
fn prepare(scratch: &Path, root: &Path, binary: &Path) -> std::io::Result<()> {
    if scratch.exists() {
        std::fs::remove_dir_all(scratch)?;
    }
    std::fs::create_dir_all(scratch.join(".bin"))?;
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name();
        if ["target", "reports", ".git"].iter().any(|skip| name == *skip) {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), scratch.join(&name))?;
    }
    std::os::unix::fs::symlink(binary, scratch.join(".bin/chaosload"))
}

/// Warns when a source file is newer than the binary the blocks would run (run directly, not
/// through `just readme`, which builds first).
fn warn_if_older_than_the_sources(binary: &Path, root: &Path) {
    fn newest(path: &Path) -> Option<std::time::SystemTime> {
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_dir() {
            return meta.modified().ok();
        }
        std::fs::read_dir(path).ok()?.flatten().filter_map(|e| newest(&e.path())).max()
    }
    let built = std::fs::metadata(binary).and_then(|m| m.modified()).ok();
    let sources = [root.join("src"), root.join("Cargo.toml")].iter().filter_map(|p| newest(p)).max();
    if let (Some(built), Some(sources)) = (built, sources) {
        if sources > built {
            eprintln!("readme: warning: {} is older than src/: run `cargo build --release`", binary.display());
        }
    }
}

/// What one step printed and how it ended.
#[derive(Default)]
struct Printed {
    lines: Vec<String>,
    status: Option<i32>,
    /// The `${NAME}`s of its command, as the session had them when it started.
    vars: Vec<(String, String)>,
}

/// Runs a block's steps in one bash session in `scratch` and returns the block's new lines.
fn run_block(block: &Block, scratch: &Path) -> Result<Vec<String>, String> {
    let script_path = scratch.join(format!(".block-{}.sh", block.marker_open + 1));
    std::fs::write(&script_path, script(block)).map_err(|e| format!("cannot write {}: {e}", script_path.display()))?;
    let printed = run_script(&script_path, scratch, &block.steps)?;
    let mut body = Vec::new();
    for (step, printed) in block.steps.iter().zip(&printed) {
        let tail = || {
            let from = printed.lines.len().saturating_sub(20);
            format!("what it printed (the last 20 lines):\n{}", printed.lines[from..].join("\n"))
        };
        match printed.status {
            None => {
                return Err(format!("README.md:{}: `{}` never finished (the session ended)", step.line, step.command))
            }
            Some(status) if status != step.exit => {
                return Err(format!(
                    "README.md:{}: `{}` exited {status}, not {} (`exit:` says which status it must end with); {}",
                    step.line,
                    step.command,
                    step.exit,
                    tail()
                ))
            }
            Some(_) => {}
        }
        if step.show == Show::CommandAndOutput {
            body.push(format!("$ {}", shown_command(step, &printed.vars)));
        }
        if step.show != Show::Nothing {
            let lines = blocks::select(step, &printed.lines)
                .map_err(|e| format!("README.md:{}: {e}; {}", step.line, tail()))?;
            body.extend(lines);
        }
    }
    if let Some(fence) = body.iter().find(|l| l.trim_start().starts_with("```")) {
        return Err(format!("a line of the output would close the code block: {fence}"));
    }
    Ok(body)
}

/// The block as a bash script: each step between two lines that say which it is (the second with
/// its exit status), the status handed on so that `echo $?` works as typed; background jobs
/// stopped at the end.
fn script(block: &Block) -> String {
    let mut script = String::from("exec 2>&1 </dev/null\n__readme_status=0\n");
    for (i, step) in block.steps.iter().enumerate() {
        script.push_str(&format!("printf '\\036start {i}\\n'\n"));
        for var in braced_vars(&step.command) {
            script.push_str(&format!("printf '\\036var {var} %s\\n' \"${{{var}}}\"\n"));
        }
        script.push_str(&format!("(exit $__readme_status)\n{}\n__readme_status=$?\n", step.command));
        script.push_str(&format!("printf '\\036end {i} %d\\n' \"$__readme_status\"\n"));
    }
    script.push_str("printf '\\036done\\n'\njobs=$(jobs -p)\n[ -z \"$jobs\" ] || kill $jobs 2>/dev/null\nwait\n");
    script
}

/// The `${NAME}`s a command names.
fn braced_vars(command: &str) -> Vec<String> {
    let re = regex::Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}").expect("a valid regex");
    re.captures_iter(command).map(|c| c[1].to_string()).collect()
}

/// A step's command as a reader types it: `${NAME}` replaced by what it stood for.
fn shown_command(step: &Step, vars: &[(String, String)]) -> String {
    let mut shown = step.command.clone();
    for (name, value) in vars {
        shown = shown.replace(&format!("${{{name}}}"), value);
    }
    shown
}

/// Runs the script in its own process group (killed whole at [`BLOCK_LIMIT`] and at the end, so
/// nothing it started outlives it) and splits what it printed by step.
fn run_script(script: &Path, scratch: &Path, steps: &[Step]) -> Result<Vec<Printed>, String> {
    use std::os::unix::process::CommandExt as _;
    let path = format!("{}:{}", scratch.join(".bin").display(), std::env::var("PATH").unwrap_or_default());
    let mut child = Command::new("bash")
        .args(["--noprofile", "--norc"])
        .arg(script)
        .current_dir(scratch)
        .env("PATH", path)
        .env_remove("CHAOSLOAD_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start bash: {e}"))?;
    let group = nix::unistd::Pid::from_raw(child.id() as i32);
    let stdout = child.stdout.take().expect("stdout is piped");
    let commands: Vec<String> = steps.iter().map(|s| s.command.clone()).collect();
    let reader = std::thread::spawn(move || {
        let mut printed: Vec<Printed> = commands.iter().map(|_| Printed::default()).collect();
        // The step printing now: none before the first and after the last (stopping jobs).
        let mut current: Option<usize> = None;
        for line in std::io::BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
            let line = String::from_utf8_lossy(&line).trim_end_matches('\r').to_string();
            let Some(mark) = line.strip_prefix(MARK) else {
                if blocks::is_progress_line(&line) {
                    eprintln!("readme:     {line}");
                }
                if let Some(step) = current.and_then(|i| printed.get_mut(i)) {
                    step.lines.push(line);
                }
                continue;
            };
            let words: Vec<&str> = mark.splitn(3, ' ').collect();
            if let ["start", i] = words.as_slice() {
                current = i.parse().ok().filter(|&i| i < printed.len());
                if let Some(i) = current {
                    eprintln!("readme:   $ {}", commands[i]);
                }
                continue;
            }
            let Some(step) = current.and_then(|i| printed.get_mut(i)) else { continue };
            match words.as_slice() {
                ["var", name, value] => step.vars.push((name.to_string(), value.to_string())),
                ["var", name] => step.vars.push((name.to_string(), String::new())),
                ["end", _, status] => step.status = status.parse().ok(),
                ["done"] => current = None,
                _ => {}
            }
        }
        printed
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() > BLOCK_LIMIT => break Err(()),
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(format!("cannot wait for bash: {e}")),
        }
    };
    // Whatever the script left behind goes with it, so the reader sees the end of its output.
    let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
    if status.is_err() {
        let _ = child.wait();
        return Err(format!("did not finish within {} minutes", BLOCK_LIMIT.as_secs() / 60));
    }
    reader.join().map_err(|_| "the output reader failed".to_string())
}

/// Writes beside the file, then renames over it: a reader never sees half a README.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let temporary = path.with_extension("md.readme-tmp");
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// Moves each `reports/<scenario>/<run>/` the blocks made into the repository's `reports/`
/// (a run folder already there by that name stays in `target/readme/`); returns how many moved.
fn move_runs(from: &Path, to: &Path) -> usize {
    let mut moved = 0;
    let folders = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect()
    };
    for scenario in folders(from) {
        let Some(name) = scenario.file_name() else { continue };
        for run in folders(&scenario) {
            let Some(run_name) = run.file_name() else { continue };
            let target = to.join(name).join(run_name);
            if target.exists() || std::fs::create_dir_all(to.join(name)).is_err() {
                continue;
            }
            if std::fs::rename(&run, &target).is_ok() {
                moved += 1;
            }
        }
    }
    moved
}
