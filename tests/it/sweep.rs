//! A `[[client]]` sweep through the real CLI: a shortened scenarios/sweep-idle.toml (one gap
//! between two bursts, three values of `pool_idle_timeout`) shows the cliff in result.json — the
//! values below the server's idle limits meet next to no errors, the value above them errors
//! beyond the noise — and says so in the terminal summary and report.html (checked in Chromium
//! when it is installed); `--client` selects a sweep by its client's name.

use crate::support::{exclusive, output_within, scratch};
use chaosload::result::{RunResult, SweepResult};
use chaosload::scenario;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const SHIPPED: &str = "scenarios/sweep-idle.toml";

/// The shipped scenario with one gap (two bursts in 8 s) and three values, 1s and 3s below the
/// platform's 4 s freeze and the server's 5 s keep-alive timeout, 30s above the 5.5 s gap.
fn shortened() -> String {
    let text = std::fs::read_to_string(SHIPPED).unwrap();
    let mut short = text.clone();
    for (from, to) in [
        ("duration = \"21s\"", "duration = \"8s\""),
        ("[\"1s\", \"3s\", \"10s\", \"30s\", \"90s\"]", "[\"1s\", \"3s\", \"30s\"]"),
        // Kept as they are: the limits and the gap the values are chosen around.
        ("freeze_after = \"4s\"", "freeze_after = \"4s\""),
        ("keep_alive_timeout = \"5s\"", "keep_alive_timeout = \"5s\""),
        ("off = \"5.5s\"", "off = \"5.5s\""),
    ] {
        assert!(short.contains(from), "{SHIPPED} no longer has {from}: update this test");
        short = short.replacen(from, to, 1);
    }
    short
}

/// The error rate's 95% Wilson interval of configuration `name`.
fn errors(result: &RunResult, name: &str) -> (u64, chaosload::stats::Interval<f64>) {
    let c = result.clients.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} ran"));
    let failed: u64 = c.total.errors.values().sum();
    let interval = chaosload::stats::wilson(failed, c.total.completed, 1.96).expect("requests ended");
    (failed, interval)
}

#[test]
fn a_sweep_of_pool_idle_timeout_shows_the_cliff_at_the_servers_idle_limits() {
    let _one = exclusive();
    let dir = scratch("sweep-idle");
    let file = dir.join("sweep-idle.toml");
    std::fs::write(&file, shortened()).unwrap();
    let out = dir.join("out");
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosload"));
    command.args(["run", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    let output = output_within(command.env("CHAOSLOAD_LOG", "warn"), Duration::from_secs(90));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let path = PathBuf::from(stdout.lines().find_map(|l| l.strip_prefix("result: ")).expect("a result line"));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    crate::cli::check_schema(&json);
    let result = RunResult::load(&path).unwrap();
    assert_eq!(
        result.sweeps,
        [SweepResult {
            client: "idle".into(),
            knob: "pool_idle_timeout".into(),
            values: vec!["1s".into(), "3s".into(), "30s".into()],
            members: vec!["idle-1s".into(), "idle-3s".into(), "idle-30s".into()],
        }]
    );
    let names: Vec<&str> = result.clients.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["idle-1s", "idle-3s", "idle-30s"]);

    // The cliff: below both limits next to nothing; above them errors beyond the noise.
    let (above_n, above) = errors(&result, "idle-30s");
    for below in ["idle-1s", "idle-3s"] {
        let (n, interval) = errors(&result, below);
        assert!(interval.hi < 0.02, "{below}: {n} errors, 95% up to {:.2}%", interval.hi * 100.0);
        assert!(
            above.lo > interval.hi,
            "idle-30s's {above_n} errors (95% from {:.2}%) are not beyond {below}'s noise (95% up to {:.2}%)",
            above.lo * 100.0,
            interval.hi * 100.0
        );
    }
    let resets = result.clients[2].total.errors.get("reset").copied().unwrap_or(0);
    assert!(
        resets * 2 > above_n,
        "idle-30s's errors are resets on idle connections: {:?}",
        result.clients[2].total.errors
    );

    // The terminal's line after the verdict, and report.html's section.
    let line = stdout.lines().find(|l| l.starts_with("sweep pool_idle_timeout (idle): 1s ")).expect("a sweep line");
    assert!(line.contains(", 3s ") && line.contains(", 30s "), "{line}");
    assert!(!line.contains("30s won"), "{line}");
    let verdict_at = stdout.find("verdict: ").expect("a verdict");
    assert!(stdout.find(line).unwrap() > verdict_at, "the sweep's line follows the verdict:\n{stdout}");
    let report = path.with_file_name("report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("id=\"sweep-idle\">\n<h2>Sweep of pool_idle_timeout (idle)</h2>"), "the section");
    assert_eq!(html.matches("<g class=\"sweep-point\"").count(), 6, "three values in two panels");
    if let Some(problems) = crate::browser::sweep_problems(&report) {
        assert!(problems.is_empty(), "report.html's sweep in Chromium:\n  {}", problems.join("\n  "));
    }

    // The normalized scenario it stores reads back as the same configurations and sweep.
    let plan = scenario::load(&file).unwrap();
    let text = toml::to_string(&result.scenario).unwrap();
    let again = scenario::parse(&text, Path::new("normalized.toml")).unwrap_or_else(|d| panic!("{d}\n{text}"));
    assert_eq!((&again.clients, &again.sweeps), (&plan.clients, &plan.sweeps));
    assert_eq!(again.normalized(), result.scenario);
}

#[test]
fn client_selects_a_sweep_by_its_clients_name() {
    let text = format!("{}\n[[client]]\nname = \"other\"\n", shortened());
    let plan = scenario::parse(&text, Path::new("s.toml")).unwrap_or_else(|d| panic!("{d}"));
    let names = |wanted: &[&str]| -> Vec<String> {
        let wanted: Vec<String> = wanted.iter().map(|w| w.to_string()).collect();
        chaosload::run::select(&plan, &wanted).unwrap().iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(names(&[]), ["idle-1s", "idle-3s", "idle-30s", "other"]);
    assert_eq!(names(&["idle"]), ["idle-1s", "idle-3s", "idle-30s"]);
    assert_eq!(names(&["other", "idle-3s", "idle"]), ["other", "idle-3s", "idle-1s", "idle-30s"], "each once");
    let unknown = chaosload::run::select(&plan, &["idel".to_string()]).expect_err("unknown");
    assert_eq!(
        unknown.to_string(),
        "no client configuration is named \"idel\" (the scenario has: idle-1s, idle-3s, idle-30s, other, or idle \
         for every value of its sweep)"
    );
    assert_eq!(unknown.exit_code(), 2);
    // A result written before sweeps existed has none.
    assert!(RunResult::load(Path::new("tests/fixtures/result.json")).unwrap().sweeps.is_empty());
}
