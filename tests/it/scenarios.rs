//! Every shipped scenario validates; every `scenarios/invalid/*.toml` fails with exactly the
//! diagnostics in its `.expected` file (set `CHAOSLOAD_BLESS=1` to rewrite them, then review).

use chaosload::scenario::{self, Layer, LoadError, Target};
use std::fs;
use std::path::{Path, PathBuf};

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {dir}: {e}"))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn shipped_scenarios_validate() {
    let files = toml_files("scenarios");
    assert!(files.len() >= 2, "expected the example scenarios, found {files:?}");
    for file in files {
        let plan = scenario::load(&file).unwrap_or_else(|e| panic!("{}:\n{e}", file.display()));
        assert_eq!(plan.source, file);
        assert!(!plan.phases.is_empty() && !plan.clients.is_empty());
        let json = plan.normalized();
        assert_eq!(json["name"], plan.name.as_str());
        // The normalized scenario (as stored in result.json) is itself a valid scenario.
        let text = toml::to_string(&json).expect("normalized JSON is TOML");
        let again = scenario::parse(&text, &file).unwrap_or_else(|d| panic!("{}:\n{d}\n{text}", file.display()));
        assert_eq!(again.normalized(), json);
    }
}

/// Each shipped scenario's normalized form (what result.json stores) is the same as it was when
/// `tests/fixtures/normalized/<name>.json` was written, before the fault kinds became units of
/// their own: a refactor of the grammar must not change what a scenario means. A scenario added
/// later needs its file; a deliberate change of meaning, the file rewritten with the change.
#[test]
fn normalized_scenarios_are_unchanged() {
    for file in toml_files("scenarios") {
        let plan = scenario::load(&file).unwrap_or_else(|e| panic!("{}:\n{e}", file.display()));
        let stem = file.file_stem().expect("a file name").to_string_lossy();
        let golden = std::path::PathBuf::from(format!("tests/fixtures/normalized/{stem}.json"));
        let text = std::fs::read_to_string(&golden).unwrap_or_else(|e| panic!("{}: {e}", golden.display()));
        let expected: serde_json::Value = serde_json::from_str(&text).expect("the fixture is JSON");
        assert_eq!(plan.normalized(), expected, "{} no longer means what {} says", file.display(), golden.display());
    }
}

#[test]
fn a_scenario_file_serves_as_a_standalone_config() {
    for file in toml_files("scenarios") {
        let plan = scenario::load(&file).unwrap_or_else(|e| panic!("{}:\n{e}", file.display()));
        let parts = scenario::load_parts(&file).unwrap_or_else(|e| panic!("{}:\n{e}", file.display()));
        assert_eq!((&parts.mock, &parts.proxy, parts.seed), (&plan.mock, &plan.proxy, plan.seed), "{}", file.display());
        let kinds: Vec<_> = parts.faults.iter().map(|f| (&f.kind, f.at, f.every, f.probability)).collect();
        assert_eq!(kinds, plan.faults.iter().map(|f| (&f.kind, f.at, f.every, f.probability)).collect::<Vec<_>>());
    }

    let config = "# chaosload proxy --config proxy.toml\nseed = 5\n\n[[fault]]\nkind = \"latency\"\nlayer = \"proxy\"\nlatency = \"20ms\"\n\n[[fault]]\nkind = \"refuse\"\nlayer = \"proxy\"\nat = \"10s\"\nfor = \"2s\"\nevery = \"30s\"\n";
    let parts = scenario::parse_parts(config, Path::new("proxy.toml")).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(parts.seed, 5);
    assert_eq!(parts.faults.len(), 2);
    assert!(parts.faults.iter().all(|f| f.layer() == Layer::Proxy));
    assert!(parts.faults[0].duration > std::time::Duration::from_secs(50 * 365 * 86_400), "no phases: forever");
    assert!(parts.faults[1].active_at(std::time::Duration::from_secs(41)));

    let err = scenario::parse_parts("[[fault]]\nkind = \"bandwith\"\n", Path::new("proxy.toml")).expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "proxy.toml:2:8: fault[0].kind: unknown kind \"bandwith\"\n  hint: did you mean \"bandwidth\"?"
    );
    let err = scenario::load_parts(Path::new("scenarios/invalid/serverless_prewarm.toml")).expect_err("invalid");
    assert!(matches!(&err, LoadError::Invalid(d) if d.0.len() == 3), "{err}");
}

#[test]
fn smoke_and_coldstart_say_what_they_promise() {
    let smoke = scenario::load(Path::new("scenarios/smoke.toml")).expect("smoke validates");
    let total: std::time::Duration = smoke.phases.iter().map(|p| p.duration).sum();
    assert!(total + smoke.drain <= std::time::Duration::from_secs(10), "smoke must stay under 10s");
    assert_eq!(smoke.target, Target::Mock);
    let names: Vec<&str> = smoke.clients.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["keep-alive", "no-keep-alive"]);
    assert!(smoke.clients[0].keep_alive && !smoke.clients[1].keep_alive);

    let coldstart = scenario::load(Path::new("scenarios/coldstart.toml")).expect("coldstart validates");
    let serverless = coldstart.mock.serverless.as_ref().expect("coldstart models a scale-to-zero platform");
    assert_eq!(serverless.freeze_after, std::time::Duration::from_secs(3));
    assert_eq!(serverless.on_freeze, chaosload::scenario::OnFreeze::Reset);
    let names: Vec<&str> = coldstart.clients.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["default", "tuned"]);
}

#[test]
fn invalid_scenarios_report_exactly_the_expected_diagnostics() {
    let bless = std::env::var_os("CHAOSLOAD_BLESS").is_some();
    let files = toml_files("scenarios/invalid");
    assert!(files.len() >= 8, "expected at least 8 invalid examples, found {}", files.len());
    let mut failures = Vec::new();
    for file in files {
        let actual = match scenario::load(&file) {
            Ok(_) => "(validated without errors)".to_string(),
            Err(LoadError::Invalid(diags)) => diags.to_string(),
            Err(e) => panic!("{}: {e}", file.display()),
        };
        let expected_path = file.with_extension("expected");
        if bless {
            fs::write(&expected_path, format!("{actual}\n")).expect("write expected file");
            continue;
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with CHAOSLOAD_BLESS=1 to create it)", expected_path.display()));
        if actual.trim_end() != expected.trim_end() {
            failures.push(format!("{}\n--- expected\n{}\n--- actual\n{actual}\n", file.display(), expected.trim_end()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let err = scenario::load(Path::new("scenarios/invalid/many_mistakes.toml")).expect_err("invalid");
    let LoadError::Invalid(diags) = err else { panic!("expected diagnostics, got {err}") };
    assert!(diags.0.len() >= 8, "only {} diagnostics:\n{diags}", diags.0.len());
    let lines: Vec<usize> = diags.0.iter().map(|d| d.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "diagnostics in file order: {lines:?}");
}

#[test]
fn a_missing_file_is_an_io_error() {
    let err = scenario::load(Path::new("scenarios/does-not-exist.toml")).expect_err("missing");
    assert!(matches!(err, LoadError::Io { .. }), "{err}");
    assert!(err.to_string().contains("scenarios/does-not-exist.toml"));
}
