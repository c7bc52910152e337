//! The verdict through the real CLI: two identical configurations of one seeded scenario
//! (tests/fixtures/verdict/twins.toml), run twice, are "no significant difference" in the terminal
//! summary, in `--json`, in report.html and in `compare` between the two runs.

use crate::support::{exclusive, output_within, scratch};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const TWINS: &str = "tests/fixtures/verdict/twins.toml";

fn chaosload(args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosload"));
    command.args(args).env("CHAOSLOAD_LOG", "warn").env_remove("GITHUB_STEP_SUMMARY");
    let output = output_within(&mut command, Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[test]
fn identical_seeded_configurations_and_runs_are_no_significant_difference() {
    let _one = exclusive();
    let out = scratch("verdict-twins");
    let mut results: Vec<PathBuf> = Vec::new();
    for _ in 0..2 {
        let stdout = chaosload(&["run", TWINS, "--out", out.to_str().unwrap(), "--quiet"]);
        assert!(
            stdout.lines().nth(3).is_some_and(|l| l.starts_with("verdict: no significant difference between a and b")),
            "the verdict follows the table: {stdout}"
        );
        assert!(stdout.contains("  errors: a 0.0% (95% 0.0%–"), "{stdout}");
        let result = stdout.lines().find_map(|l| l.strip_prefix("result: ")).expect("a result line");
        let report = std::fs::read_to_string(PathBuf::from(result).with_file_name("report.html")).unwrap();
        assert!(report.contains("<section class=\"verdict tie\" id=\"verdict\">"), "report.html's verdict");
        results.push(result.into());
    }
    let compared = chaosload(&["compare", results[0].to_str().unwrap(), results[1].to_str().unwrap()]);
    assert_eq!(
        compared.matches("verdict: no significant difference (errors 0.0% → 0.0%, p99 latency ").count(),
        2,
        "{compared}"
    );
    // Under GitHub Actions the run's table and verdict are appended to the job's summary.
    let summary = out.join("job-summary.md");
    std::fs::write(&summary, "## an earlier step\n").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosload"));
    command.args(["run", TWINS, "--out", out.to_str().unwrap(), "--quiet"]).env("CHAOSLOAD_LOG", "warn");
    let ran = output_within(command.env("GITHUB_STEP_SUMMARY", &summary), Duration::from_secs(120));
    assert!(ran.status.success(), "{ran:?}");
    let job = std::fs::read_to_string(&summary).unwrap();
    assert!(job.starts_with("## an earlier step\n### chaosload run: `twins`\n"), "{job}");
    assert!(job.contains("**Verdict:** no significant difference between a and b"), "{job}");
    let json = chaosload(&["run", TWINS, "--out", out.to_str().unwrap(), "--quiet", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json).expect("--json prints JSON");
    assert_eq!(json["verdict"]["outcome"], "no_significant_difference", "{json}");
    assert_eq!(json["verdict"]["tied"], serde_json::json!(["a", "b"]));
}
