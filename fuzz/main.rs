//! `just fuzz`: each fuzz target of `fuzz/targets.rs` fed mutated inputs for a bounded time, on
//! stable Rust (cargo-fuzz needs a nightly compiler and libFuzzer, neither of which this
//! project's machines have).
//!
//! Inputs are the shipped files (`scenarios/`, `scenarios/invalid/`, `tests/fixtures/`), the seeds
//! of `fuzz/seeds/<target>/` (a result with two phases, a proxy and repeating faults; DNS queries
//! for the stub, `.bin`) and every
//! earlier finding (`tests/fixtures/fuzz/<target>/`), mutated one to four times at a time: TOML
//! and JSON values replaced by hostile ones (huge, negative, NaN, control characters, durations
//! past every ceiling), strings and lines spliced from other inputs, lines dropped, doubled or
//! swapped, bytes flipped, inserted (not UTF-8) or cut. There is no coverage feedback: the
//! mutations are chosen to reach the rules a hostile user would. A panic or a broken property is
//! saved under `tests/fixtures/fuzz/<target>/`, where the `fuzz_regressions` test replays it;
//! an input that runs over 10 s is saved as a hang and ends the run. Prints each target's
//! executions; exits 1 when anything was found.
//!
//! `cargo run --release --example fuzz -- [--seconds 60] [--seed N] [TARGET...]`

#[path = "targets.rs"]
mod targets;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HANG: Duration = Duration::from_secs(10);

/// Values a hostile user writes where a value goes.
const VALUES: &[&str] = &[
    "\"18446744073709551615s\"",
    "\"584942417y\"",
    "\"0s\"",
    "\"1ns\"",
    "\"24h 1ns\"",
    "\"none\"",
    "\"unlimited\"",
    "\"once\"",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "-1",
    "0",
    "1",
    "65",
    "9.2e18",
    "1e308",
    "-0.0",
    "nan",
    "inf",
    "-inf",
    "0.5",
    "true",
    "\"\"",
    "\"a\\u0000b\"",
    "\"x\\r\\ny\"",
    "\"\\u001b[2J\"",
    "\"\\u0085\"",
    "\"é\"",
    "[]",
    "{}",
    "[1, nan, 2]",
    "{ dist = \"lognormal\", median = \"1ns\", p99 = \"1h\" }",
    "{ dist = \"normal\", mean = \"1h\", stddev = \"1h\" }",
    "{ dist = \"uniform\", min = \"0s\", max = \"0s\" }",
    "{ kind = \"bursts\", rate = 1e7, on = \"1ns\", off = \"0s\" }",
    "{ kind = \"steps\", rates = [0, 0, 1e-300] }",
    "{ kind = \"ramp\", from = 1e7, to = 0 }",
    "{ kind = \"constant\", rate = 1e-300 }",
    "\"http://[::1]:0/\"",
    "\"http://h:99999/\"",
    "\"/\\u0000\"",
    "\"not base64!\"",
    "\"HISTFAAAACR4nJNpmSzMwMDAxgABzFCaEUzOmNZg\"",
    "null",
];

/// Lines that open sections and entries, to splice in.
const LINES: &[&str] = &[
    "[[phase]]",
    "[[client]]",
    "[[fault]]",
    "[mock]",
    "[mock.serverless]",
    "[target]",
    "[request]",
    "kind = \"stall\"",
    "kind = \"latency\"",
    "layer = \"proxy\"",
    "every = \"1ns\"",
    "for = \"1ns\"",
    "concurrency = 100000",
    "duration = \"24h\"",
    "threads = 64",
    "drain = \"10m\"",
    "name = \"n\"",
    "mock = true",
    "instances = 100000",
    "prewarm = 100000",
    "freeze_after = \"1ns\"",
    "init = \"0s\"",
    "body_bytes = 1073741824",
];

struct Target {
    name: &'static str,
    run: targets::Run,
    seeds: Vec<Vec<u8>>,
    ext: &'static str,
}

fn main() {
    let mut seconds = 60u64;
    let mut seed: u64 =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).expect("--seconds N"),
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N"),
            name => only.push(name.to_string()),
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = 0;
    for &(name, run) in targets::TARGETS {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let (ext, globs): (&str, &[&str]) = match name {
            "scenario" => ("toml", &["scenarios", "scenarios/invalid", "tests/fixtures", "fuzz/seeds/scenario"]),
            "dns_packet" => ("bin", &["fuzz/seeds/dns_packet"]),
            _ => ("json", &["tests/fixtures", "fuzz/seeds/result"]),
        };
        let mut seeds: Vec<Vec<u8>> =
            globs.iter().flat_map(|dir| files(&root.join(dir), ext)).filter_map(|p| std::fs::read(p).ok()).collect();
        seeds.extend(
            files(&root.join("tests/fixtures/fuzz").join(name), "").into_iter().filter_map(|p| std::fs::read(p).ok()),
        );
        let target = Target { name, run, seeds, ext };
        found += fuzz(&target, Duration::from_secs(seconds), seed, &root.join("tests/fixtures/fuzz").join(name));
    }
    std::process::exit(if found > 0 { 1 } else { 0 });
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && (ext.is_empty() || p.extension().is_some_and(|e| e == ext)))
        .collect();
    out.sort();
    out
}

/// Runs `target` for `budget`; returns how many distinct failures it saved.
fn fuzz(target: &Target, budget: Duration, seed: u64, out_dir: &Path) -> usize {
    assert!(!target.seeds.is_empty(), "{}: no seed inputs", target.name);
    let mut rng = SmallRng::seed_from_u64(seed);
    let strings: Vec<String> = target.seeds.iter().flat_map(|s| quoted(&String::from_utf8_lossy(s))).collect();
    let lines: Vec<String> = target
        .seeds
        .iter()
        .flat_map(|s| String::from_utf8_lossy(s).lines().map(str::to_string).collect::<Vec<_>>())
        .collect();

    // A silent panic hook that keeps the last message; the watchdog saves an input that hangs.
    let message = Arc::new(Mutex::new(String::new()));
    let hook_message = Arc::clone(&message);
    std::panic::set_hook(Box::new(move |info| *hook_message.lock().unwrap() = info.to_string()));
    let current = Arc::new(Mutex::new(Vec::new()));
    let started_ns = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let epoch = Instant::now();
    let watchdog = {
        let (current, started_ns, done, out_dir, name, ext) = (
            Arc::clone(&current),
            Arc::clone(&started_ns),
            Arc::clone(&done),
            out_dir.to_path_buf(),
            target.name,
            target.ext,
        );
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                let since = epoch.elapsed().saturating_sub(Duration::from_nanos(started_ns.load(Ordering::Relaxed)));
                if since > HANG && !done.load(Ordering::Relaxed) {
                    let input = current.lock().unwrap().clone();
                    let path = save(&out_dir, "hang", ext, &input);
                    eprintln!("{name}: an input ran over {HANG:?}: saved to {}", path.display());
                    std::process::exit(1);
                }
            }
        })
    };

    let deadline = Instant::now() + budget;
    let (mut executions, mut failures) = (0u64, BTreeSet::new());
    while Instant::now() < deadline {
        let mut input = target.seeds[rng.random_range(0..target.seeds.len())].clone();
        for _ in 0..rng.random_range(1..=4) {
            mutate(&mut input, &mut rng, &strings, &lines);
        }
        *current.lock().unwrap() = input.clone();
        started_ns.store(epoch.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let outcome = std::panic::catch_unwind(|| (target.run)(&input));
        executions += 1;
        if outcome.is_err() {
            let what = message.lock().unwrap().clone();
            // One saved input per place that failed (the message's first line, without values).
            let place = what.lines().next().unwrap_or_default().split(':').take(3).collect::<Vec<_>>().join(":");
            if failures.insert(place) {
                let path = save(out_dir, "crash", target.ext, &input);
                eprintln!("{}: {what}\n  input saved to {}", target.name, path.display());
            }
        }
    }
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    let _ = std::panic::take_hook();
    println!(
        "{}: {executions} executions in {:.0?} ({:.0}/s) from {} seed inputs, seed {seed}: {} failure{} found",
        target.name,
        budget,
        executions as f64 / budget.as_secs_f64(),
        target.seeds.len(),
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    );
    failures.len()
}

fn save(dir: &Path, kind: &str, ext: &str, input: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create the findings folder");
    // FNV-1a: a stable name, so the same input found twice is one file.
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    let path = dir.join(format!("{kind}-{hash:016x}.{ext}"));
    std::fs::write(&path, input).expect("save the input");
    path
}

/// The double-quoted strings of `text`, quotes included (a dictionary to splice from).
fn quoted(text: &str) -> Vec<String> {
    text.split('"').skip(1).step_by(2).filter(|s| s.len() < 200).map(|s| format!("\"{s}\"")).collect()
}

fn mutate(input: &mut Vec<u8>, rng: &mut SmallRng, strings: &[String], lines: &[String]) {
    let pick = |rng: &mut SmallRng, n: usize| rng.random_range(0..n.max(1));
    match rng.random_range(0..10) {
        // A value (after `=` or `:`) replaced by a hostile one or a string of another input.
        0..=2 => {
            let marks: Vec<usize> =
                input.iter().enumerate().filter(|(_, b)| **b == b'=' || **b == b':').map(|(i, _)| i).collect();
            if marks.is_empty() {
                return;
            }
            let at = marks[pick(rng, marks.len())] + 1;
            let end = input[at..].iter().position(|b| matches!(b, b'\n' | b',' | b'}')).map_or(input.len(), |p| at + p);
            let value = if rng.random_bool(0.7) || strings.is_empty() {
                VALUES[pick(rng, VALUES.len())].to_string()
            } else {
                strings[pick(rng, strings.len())].clone()
            };
            input.splice(at..end, format!(" {value}").into_bytes());
        }
        // A number replaced by an extreme one.
        3 => {
            let digits: Vec<usize> =
                input.iter().enumerate().filter(|(_, b)| b.is_ascii_digit()).map(|(i, _)| i).collect();
            if let Some(&at) = digits.get(pick(rng, digits.len())) {
                let end =
                    input[at..].iter().position(|b| !b.is_ascii_digit() && *b != b'.').map_or(input.len(), |p| at + p);
                let n = [
                    "0",
                    "1",
                    "9223372036854775807",
                    "18446744073709551616",
                    "1e400",
                    "4294967296",
                    "100001",
                    "1073741825",
                ];
                input.splice(at..end, n[pick(rng, n.len())].bytes());
            }
        }
        // Lines: dropped, doubled, swapped, or spliced in from another input or the section list.
        4..=6 => {
            let text = String::from_utf8_lossy(input).into_owned();
            let mut ls: Vec<String> = text.lines().map(str::to_string).collect();
            let i = pick(rng, ls.len());
            match rng.random_range(0..4) {
                0 if !ls.is_empty() => {
                    ls.remove(i);
                }
                1 if !ls.is_empty() => {
                    let line = ls[i].clone();
                    ls.insert(i, line);
                }
                2 if ls.len() > 1 => {
                    let j = pick(rng, ls.len());
                    ls.swap(i, j);
                }
                _ => {
                    let line = if rng.random_bool(0.5) && !lines.is_empty() {
                        lines[pick(rng, lines.len())].clone()
                    } else {
                        LINES[pick(rng, LINES.len())].to_string()
                    };
                    ls.insert(i.min(ls.len()), line);
                }
            }
            *input = (ls.join("\n") + "\n").into_bytes();
        }
        // Bytes: flipped, inserted (possibly not UTF-8), a range cut, or the tail cut off.
        _ => {
            if input.is_empty() {
                input.push(rng.random());
                return;
            }
            let i = pick(rng, input.len());
            match rng.random_range(0..4) {
                0 => input[i] ^= 1 << rng.random_range(0..8),
                1 => input.insert(i, rng.random()),
                2 => {
                    let end = (i + rng.random_range(1..64)).min(input.len());
                    input.drain(i..end);
                }
                _ => input.truncate(i),
            }
        }
    }
}
