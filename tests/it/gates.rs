//! CI gates through the real CLI: `chaosload gate` and `chaosload run` on results of short real
//! runs (tests/fixtures/gates/), their exit codes and diagnostics, JUnit read by junit-parser (and
//! Python's XML parser), Markdown and GitHub's job summary, and `regress` against a baseline run.

use crate::cli::check_schema;
use crate::support::{exclusive, output_within, scratch, timed};
use chaosload::gate::quantity::Unit;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// Two configurations, phases "warm" and "bursts", a 503 fault labelled "flaky" in second 1, and
/// a `[gate]` one of whose gates fails.
const FLAKY: &str = "tests/fixtures/gates/flaky.toml";
/// One configuration, seeded mock latency (median 10 ms); `BASELINE_SLOW` is it 3× slower.
const BASELINE: &str = "tests/fixtures/gates/baseline.toml";
const BASELINE_SLOW: &str = "tests/fixtures/gates/baseline-slow.toml";

/// A child that runs past this is killed and fails the test.
const LIMIT: Duration = Duration::from_secs(120);

/// What a chaosload child did.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary to its end. GITHUB_STEP_SUMMARY is set only to `summary`: a suite run under
/// GitHub Actions must not append its test gates to the job's own summary.
fn chaosload_with_summary(args: &[&str], summary: Option<&Path>) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosload"));
    command.args(args).env("CHAOSLOAD_LOG", "warn").env_remove("GITHUB_STEP_SUMMARY");
    if let Some(summary) = summary {
        command.env("GITHUB_STEP_SUMMARY", summary);
    }
    let output = output_within(&mut command, LIMIT);
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn chaosload(args: &[&str]) -> Ran {
    chaosload_with_summary(args, None)
}

/// `chaosload run SCENARIO --out OUT --quiet EXTRA…`, and the result.json it names on stdout.
fn run_scenario(scenario: &str, out: &Path, extra: &[&str]) -> (Ran, PathBuf) {
    let mut args = vec!["run", scenario, "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let ran = chaosload(&args);
    let result = ran
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("result: "))
        .unwrap_or_else(|| panic!("run names no result.json: {ran:?}"))
        .into();
    (ran, result)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The terminal's verdict lines as (status, rest): `PASS    tuned.p50 < 1s: …` → ("PASS", "tuned.p50 < 1s: …").
fn verdicts(stdout: &str) -> Vec<(&str, &str)> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("  "))
        .filter_map(|line| {
            ["NO DATA", "PASS", "FAIL", "SKIP"]
                .into_iter()
                .find_map(|status| line.strip_prefix(status).map(|rest| (status, rest.trim_start())))
        })
        .collect()
}

/// The verdict line of `key condition`, which must be there exactly once.
fn verdict<'s>(stdout: &'s str, key_and_condition: &str) -> (&'s str, &'s str) {
    let found: Vec<_> =
        verdicts(stdout).into_iter().filter(|(_, rest)| rest.starts_with(&format!("{key_and_condition}: "))).collect();
    assert_eq!(found.len(), 1, "one verdict for {key_and_condition}:\n{stdout}");
    found[0]
}

/// The result of one `--no-gate` run of [`FLAKY`], made once for every test that only judges it.
struct Fixture {
    run: Ran,
    result: PathBuf,
    json: Value,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

/// The shared run of [`FLAKY`]. It takes the load lock itself: never call it holding `exclusive()`
/// or `shared()`.
fn flaky() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        let _serial = exclusive();
        let (run, result) = run_scenario(FLAKY, &scratch("gates-fixture"), &["--no-gate"]);
        assert_eq!(run.code, Some(0), "the fixture's run: {run:?}");
        let json = read_json(&result);
        Fixture { run, result, json }
    })
}

fn client<'j>(json: &'j Value, name: &str) -> &'j Value {
    json["clients"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name}"))
}

/// A share of requests that failed, as the gates define it: errors ÷ (completed + overflow), an
/// overflowed arrival being an error that never completed.
fn error_rate(errors: &Value, completed: u64) -> f64 {
    let errors = errors.as_object().unwrap();
    let failed: u64 = errors.values().map(|n| n.as_u64().unwrap()).sum();
    let overflow = errors.get("overflow").and_then(Value::as_u64).unwrap_or(0);
    failed as f64 / (completed + overflow) as f64
}

/// `name`'s error rate over the timeline seconds wholly inside the fault labelled `label`,
/// computed here from result.json's windows and timeline, and how many requests that was.
fn window_error_rate(json: &Value, name: &str, label: &str) -> (f64, u64) {
    let fault = json["faults"].as_array().unwrap().iter().find(|f| f["label"] == label).expect("the labelled fault");
    let windows: Vec<(u64, u64)> = fault["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["start_ms"].as_u64().unwrap(), w["end_ms"].as_u64().unwrap()))
        .collect();
    let inside = |t: u64| windows.iter().any(|&(start, end)| start <= t * 1000 && (t + 1) * 1000 <= end);
    let (mut failed, mut requests) = (0, 0);
    for second in client(json, name)["timeline"].as_array().unwrap() {
        if inside(second["t_s"].as_u64().unwrap()) {
            let errors = second["errors"].as_object().unwrap();
            requests +=
                second["completed"].as_u64().unwrap() + errors.get("overflow").and_then(Value::as_u64).unwrap_or(0);
            failed += errors.values().map(|n| n.as_u64().unwrap()).sum::<u64>();
        }
    }
    assert!(requests >= 150, "{name} ran about 200 requests inside \"{label}\", not {requests}");
    (failed as f64 / requests as f64, requests)
}

fn p50_of(json: &Value, name: &str) -> String {
    Unit::Us.format(client(json, name)["total"]["latency"]["p50_us"].as_u64().unwrap() as f64)
}

#[test]
fn gate_exits_0_when_every_gate_passes_1_when_one_fails_and_2_when_it_cannot_judge() {
    let fixture = flaky();
    let (result, json) = (fixture.result.to_str().unwrap(), &fixture.json);
    let dir = scratch("gates-exit");
    let (window_rate, _) = window_error_rate(json, "tuned", "flaky");
    assert!(window_rate > 0.05, "the 503 fault hit a fifth of the requests in its window: {window_rate}");

    let pass =
        write(&dir, "pass.toml", "[gate]\n\"*.error_rate\" = \"< 50%\"\n\"default.phase.warm.p50\" = \"< 1s\"\n");
    let passed = chaosload(&["gate", result, "--gates", &pass]);
    assert_eq!(passed.code, Some(0), "{passed:?}");
    assert!(passed.stdout.starts_with("gates: 3 of 3 passed\n"), "{}", passed.stdout);
    for name in ["default", "tuned"] {
        let total = &client(json, name)["total"];
        let rate = error_rate(&total["errors"], total["completed"].as_u64().unwrap());
        let (status, rest) = verdict(&passed.stdout, &format!("{name}.error_rate < 50%"));
        assert_eq!(status, "PASS");
        assert!(rest.contains(&format!(": {} (95% ", Unit::Ratio.format(rate))), "{rest}");
    }
    assert_eq!(verdict(&passed.stdout, "default.phase.warm.p50 < 1s").0, "PASS");

    // One failing gate: exit 1, and its line says so with the value measured inside the window.
    let fail = write(
        &dir,
        "fail.toml",
        "[gate]\n\"*.error_rate\" = \"< 50%\"\n\"tuned.during.flaky.error_rate\" = \"< 1%\"\n",
    );
    let failed = chaosload(&["gate", result, "--gates", &fail]);
    assert_eq!(failed.code, Some(1), "{failed:?}");
    assert!(failed.stdout.starts_with("gates: 2 of 3 passed, 1 failed the run\n"), "{}", failed.stdout);
    let (status, rest) = verdict(&failed.stdout, "tuned.during.flaky.error_rate < 1%");
    assert_eq!(status, "FAIL");
    assert!(rest.contains(&format!(": {} (95% ", Unit::Ratio.format(window_rate))), "{rest}");
    assert!(rest.contains("past the threshold"), "{rest}");
    assert_eq!(verdicts(&failed.stdout).iter().filter(|(s, _)| *s == "FAIL").count(), 1, "{}", failed.stdout);

    // A condition without a unit: exit 2, located at the condition, with the field and a hint.
    let text = "[gate]\n\"tuned.p99\" = \"< 300\"\n";
    let bad = write(&dir, "bad.toml", text);
    let col = text.lines().nth(1).unwrap().find("\"< 300\"").unwrap() + 1;
    let refused = chaosload(&["gate", result, "--gates", &bad]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains(&format!("{bad}:2:{col}: gate.\"tuned.p99\": \"300\" has no unit")),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("\n  hint: p99 takes a duration"), "{}", refused.stderr);
    assert!(refused.stdout.is_empty(), "nothing judged: {}", refused.stdout);

    // A file without [gate] (a scenario without one, say): nothing to judge is not a pass.
    let none = write(&dir, "none.toml", "seed = 3\n");
    let refused = chaosload(&["gate", result, "--gates", &none]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains(&format!("{none}:1:1: no [gate] table here: nothing to judge")),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("hint: write [gate]"), "{}", refused.stderr);

    // A result that is not there.
    let missing = dir.join("missing").join("result.json");
    let refused = chaosload(&["gate", missing.to_str().unwrap(), "--gates", &pass]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains(&format!("cannot read {}", missing.display())), "{}", refused.stderr);

    // A configuration the result does not have: refused before judging, with the ones it has.
    let nope = write(&dir, "nope.toml", "[gate]\n\"*.error_rate\" = \"< 50%\"\n\"nope.p99\" = \"< 1s\"\n");
    let refused = chaosload(&["gate", result, "--gates", &nope]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains(&format!("{nope}:3:1: gate.\"nope.p99\": no client configuration is named \"nope\"")),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("hint: the configurations: \"default\", \"tuned\""), "{}", refused.stderr);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
}

#[test]
fn run_judges_the_scenarios_gates_at_the_end_and_no_gate_leaves_them_out() {
    // --no-gate: the same failing gate is not judged, exit 0, and result.json has no `gates`.
    let unjudged = flaky();
    assert_eq!(unjudged.run.code, Some(0), "{:?}", unjudged.run);
    assert!(!unjudged.run.stdout.contains("gates:"), "{}", unjudged.run.stdout);
    assert!(unjudged.json.get("gates").is_none(), "{}", unjudged.json["gates"]);
    check_schema(&unjudged.json);

    let _serial = exclusive();
    let dir = scratch("gates-run");
    let (md, summary) = (dir.join("run.md"), dir.join("summary.md"));
    let args = ["run", FLAKY, "--out", dir.to_str().unwrap(), "--quiet", "--md", md.to_str().unwrap()];
    let ran = chaosload_with_summary(&args, Some(&summary));
    assert_eq!(ran.code, Some(1), "a gate failed: {ran:?}");
    let (status, _) = verdict(&ran.stdout, "tuned.during.flaky.error_rate < 1%");
    assert_eq!(status, "FAIL", "{}", ran.stdout);
    let path = ran.stdout.lines().find_map(|l| l.strip_prefix("result: ")).expect("result.json is named");
    let json = read_json(Path::new(path));
    check_schema(&json);
    let gates = &json["gates"];
    assert_eq!(gates["passed"], false, "{gates}");
    assert_eq!(gates["insufficient_data"], "fail");
    // In the file's order, `*` expanded to each configuration.
    let judged: Vec<(&str, &str, bool)> = gates["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["key"].as_str().unwrap(), v["status"].as_str().unwrap(), v["fails_run"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        judged,
        [
            ("default.error_rate", "pass", false),
            ("tuned.error_rate", "pass", false),
            ("default.phase.warm.p50", "pass", false),
            ("tuned.during.flaky.error_rate", "fail", true),
        ]
    );
    let failing = &gates["verdicts"][3];
    let (rate, requests) = window_error_rate(&json, "tuned", "flaky");
    assert_eq!(failing["measured"].as_f64(), Some(rate));
    assert_eq!(failing["samples"].as_u64(), Some(requests));
    assert_eq!(failing["threshold"].as_f64(), Some(0.01));
    assert!(failing["margin"].as_f64().unwrap() < 0.0, "{failing}");
    // The run's outputs: --md, and the job summary.
    let table = std::fs::read_to_string(&md).unwrap();
    assert!(table.contains("| ❌ FAIL | `tuned.during.flaky.error_rate` | `< 1%` |"), "{table}");
    // The job summary: the run's table and verdict first, then the gates' table.
    let job = std::fs::read_to_string(&summary).unwrap();
    assert!(job.starts_with("### chaosload run: `flaky`\n"), "{job}");
    assert!(job.contains("| `tuned` |") && job.contains("**Verdict:** "), "{job}");
    assert!(job.ends_with(&format!("{table}\n")), "{job}");
}

#[test]
fn validate_locates_a_bad_gate_in_a_scenario() {
    let text = std::fs::read_to_string(FLAKY)
        .unwrap()
        .replace("during.flaky.", "during.flakey.")
        .replace("\"default.phase.warm.p50\" = \"< 1s\"", "\"default.phase.warm.p50\" = \"under 1s\"");
    let dir = scratch("gates-validate");
    let file = write(&dir, "bad-gates.toml", &text);
    let at = |needle: &str| {
        let (n, line) = text.lines().enumerate().find(|(_, l)| l.contains(needle)).unwrap();
        (n + 1, line.find(needle).unwrap() + 1)
    };
    let validated = chaosload(&["validate", &file]);
    assert_eq!(validated.code, Some(2), "{validated:?}");
    assert!(!validated.stdout.contains("ok:"), "{}", validated.stdout);
    let (line, col) = at("\"tuned.during.flakey.error_rate\"");
    assert!(
        validated.stderr.contains(&format!(
            "{file}:{line}:{col}: gate.\"tuned.during.flakey.error_rate\": no fault is named \"flakey\""
        )),
        "{}",
        validated.stderr
    );
    assert!(validated.stderr.contains("hint: give the [[fault]] a label = \"flakey\", or use one of \"flaky\""));
    let (line, col) = at("\"under 1s\"");
    assert!(
        validated.stderr.contains(&format!(
            "{file}:{line}:{col}: gate.\"default.phase.warm.p50\": \"under 1s\" starts with no comparison"
        )),
        "{}",
        validated.stderr
    );
}

/// Gates with each verdict JUnit tells apart: passes, a failure, a skip (regress, no baseline) and
/// a percentile on too few latencies, whose fate `insufficient_data` decides.
fn mixed_gates(insufficient_data: &str) -> String {
    format!(
        "[gate]\ninsufficient_data = \"{insufficient_data}\"\n\"*.error_rate\" = \"< 50%\"\n\
         \"default.p50\" = [\"< 1us\", \"regress < 10%\"]\n\"tuned.during.flaky.p99.9\" = \"< 1s\"\n"
    )
}

#[test]
fn junit_is_read_by_a_parser_nobody_here_wrote() {
    let fixture = flaky();
    let (result, json) = (fixture.result.to_str().unwrap(), &fixture.json);
    let dir = scratch("gates-junit");
    let gates = write(&dir, "mixed.toml", &mixed_gates("warn"));
    let junit = dir.join("gates.xml");
    let judged = chaosload(&["gate", result, "--gates", &gates, "--junit", junit.to_str().unwrap()]);
    assert_eq!(judged.code, Some(1), "{judged:?}");
    assert!(judged.stderr.contains(&format!("junit: {}", junit.display())), "{}", judged.stderr);

    let xml = std::fs::read(&junit).unwrap();
    let report = junit_parser::from_reader(std::io::Cursor::new(&xml)).expect("junit-parser reads it");
    assert_eq!(report.suites.len(), 1);
    let suite = &report.suites[0];
    assert!(suite.name.contains("flaky"), "the suite is named for the scenario: {}", suite.name);
    assert_eq!((suite.tests, suite.failures, suite.skipped, suite.errors), (5, 1, 2, 0));
    let names: Vec<&str> = suite.cases.iter().map(|c| c.original_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "default.error_rate < 50%",
            "tuned.error_rate < 50%",
            "default.p50 < 1us",
            "default.p50 regress < 10%",
            "tuned.during.flaky.p99.9 < 1s"
        ],
        "one test case per verdict, in the terminal's order"
    );
    assert_eq!(names.len(), verdicts(&judged.stdout).len());
    assert!(suite.cases[0].status.is_success() && suite.cases[1].status.is_success());
    let failure = suite.cases[2].status.failure_as_ref();
    assert!(failure.message.starts_with(&format!("{} (95% ", p50_of(json, "default"))), "{}", failure.message);
    assert_eq!(failure.failure_type, "gate failed");
    let latencies = client(json, "default")["total"]["latency"]["count"].as_u64().unwrap();
    assert!(failure.text.contains(&format!("method: p50 of {latencies} latencies")), "{}", failure.text);
    let no_baseline = suite.cases[3].status.skipped_as_ref();
    assert!(no_baseline.message.contains("no --baseline"), "{}", no_baseline.message);
    let too_few = suite.cases[4].status.skipped_as_ref();
    assert!(too_few.message.starts_with("insufficient data: "), "{}", too_few.message);
    assert!(suite.cases.iter().all(|c| c.classname.as_deref() == Some("chaosload.flaky")));

    // insufficient_data = "fail": the percentile on too few latencies is a failure too.
    let strict = write(&dir, "strict.toml", &mixed_gates("fail"));
    let junit_strict = dir.join("strict.xml");
    let judged = chaosload(&["gate", result, "--gates", &strict, "--junit", junit_strict.to_str().unwrap()]);
    assert_eq!(judged.code, Some(1), "{judged:?}");
    let strict_xml = std::fs::read(&junit_strict).unwrap();
    let report = junit_parser::from_reader(std::io::Cursor::new(&strict_xml)).unwrap();
    let suite = &report.suites[0];
    assert_eq!((suite.tests, suite.failures, suite.skipped), (5, 2, 1));
    let too_few = suite.cases[4].status.failure_as_ref();
    assert_eq!(too_few.failure_type, "insufficient data");
    assert!(too_few.message.contains("fails the run"), "{}", too_few.message);

    // A second reader: Python's XML parser, where there is one.
    for file in [&junit, &junit_strict] {
        let script = "import sys, xml.etree.ElementTree as E\n\
                      root = E.parse(sys.argv[1]).getroot()\n\
                      print(len(root.findall('.//testcase')), len(root.findall('.//failure')), len(root.findall('.//skipped')))";
        match Command::new("python3").args(["-c", script, file.to_str().unwrap()]).output() {
            Ok(out) => {
                assert!(
                    out.status.success(),
                    "Python cannot parse {}: {}",
                    file.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
                let counts = String::from_utf8_lossy(&out.stdout).trim().to_string();
                let expected = if file == &junit { "5 1 2" } else { "5 2 1" };
                assert_eq!(counts, expected, "test cases, failures, skips as Python reads {}", file.display());
            }
            Err(e) => {
                eprintln!("skipped: the second XML reader, python3, cannot be run ({e})");
                break;
            }
        }
    }
}

#[test]
fn markdown_goes_to_its_file_and_is_appended_to_the_job_summary_and_no_file_is_overwritten() {
    let fixture = flaky();
    let (result, json) = (fixture.result.to_str().unwrap(), &fixture.json);
    let dir = scratch("gates-md");
    let gates = write(&dir, "gates.toml", "[gate]\n\"*.error_rate\" = \"< 50%\"\n\"default.p50\" = \"< 1us\"\n");
    let (md, junit, summary) = (dir.join("gates.md"), dir.join("gates.xml"), dir.join("summary.md"));
    let earlier = "## an earlier step\n\nits own summary\n";
    std::fs::write(&summary, earlier).unwrap();
    let args = ["gate", result, "--gates", &gates, "--md", md.to_str().unwrap(), "--junit", junit.to_str().unwrap()];

    let first = chaosload_with_summary(&args, Some(&summary));
    assert_eq!(first.code, Some(1), "{first:?}");
    assert!(first.stderr.contains(&format!("markdown: {}", md.display())), "{}", first.stderr);
    let table = std::fs::read_to_string(&md).unwrap();
    assert!(table.starts_with("### chaosload gates: flaky — 1 failed\n"), "{table}");
    assert!(table.contains("| | gate | condition | measured | samples | verdict |"), "{table}");
    let total = &client(json, "tuned")["total"];
    let rate = Unit::Ratio.format(error_rate(&total["errors"], total["completed"].as_u64().unwrap()));
    // Samples: an error rate counts requests, a percentile latencies.
    let requests = total["completed"].as_u64().unwrap();
    assert!(table.contains(&format!("| ✅ PASS | `tuned.error_rate` | `< 50%` | {rate} | {requests} |")), "{table}");
    let p50 = p50_of(json, "default");
    let latencies = client(json, "default")["total"]["latency"]["count"].as_u64().unwrap();
    assert!(table.contains(&format!("| ❌ FAIL | `default.p50` | `< 1us` | {p50} | {latencies} |")), "{table}");
    assert_eq!(table.lines().filter(|l| l.starts_with("| ✅") || l.starts_with("| ❌")).count(), 3, "{table}");
    // Appended: the earlier step's summary stays.
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), format!("{earlier}{table}\n"));
    let xml = std::fs::read(&junit).unwrap();

    // Again: --md and --junit write beside the files already there, and say where.
    let again = chaosload_with_summary(&args, Some(&summary));
    assert_eq!(again.code, Some(1), "{again:?}");
    assert_eq!(std::fs::read_to_string(&md).unwrap(), table, "gates.md was overwritten");
    assert_eq!(std::fs::read(&junit).unwrap(), xml, "gates.xml was overwritten");
    let (md2, junit2) = (dir.join("gates-2.md"), dir.join("gates-2.xml"));
    assert!(again.stderr.contains(&format!("markdown: {}", md2.display())), "{}", again.stderr);
    assert!(again.stderr.contains(&format!("junit: {}", junit2.display())), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(&md2).unwrap(), table);
    assert!(junit_parser::from_reader(std::io::Cursor::new(std::fs::read(&junit2).unwrap())).is_ok());
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), format!("{earlier}{table}\n{table}\n"));
}

#[test]
fn regress_passes_a_rerun_and_fails_a_run_three_times_slower_and_skips_without_a_baseline() {
    let _serial = exclusive();
    let dir = scratch("gates-baseline");
    let gates = write(&dir, "regress.toml", "[gate]\n\"default.p50\" = \"regress < 50%\"\n");
    let slow = run_scenario(BASELINE_SLOW, &dir.join("slow"), &[]).1;
    // The baseline and its rerun, both on a machine quiet enough to keep their schedule.
    let runs = timed("gates-baseline", || {
        let run = |n: u32| run_scenario(BASELINE, &dir.join(format!("run-{n}")), &[]).1;
        (run(1), run(2))
    });
    let (base, rerun) = (runs.result.0.to_str().unwrap(), runs.result.1.to_str().unwrap());
    let slow = slow.to_str().unwrap();

    // Without --baseline a regress gate is not judged, and does not fail the run.
    let unjudged = chaosload(&["gate", rerun, "--gates", &gates]);
    assert_eq!(unjudged.code, Some(0), "{unjudged:?}");
    let (status, rest) = verdict(&unjudged.stdout, "default.p50 regress < 50%");
    assert_eq!((status, rest), ("SKIP", "default.p50 regress < 50%: not judged: no --baseline run was given"));

    // Three times the latency is far past the baseline's interval + 50%: exit 1, and the verdict
    // gives the baseline's p50 and its 95% interval (read here off its histogram).
    let md = dir.join("regress.md");
    let regressed = chaosload(&["gate", slow, "--gates", &gates, "--baseline", base, "--md", md.to_str().unwrap()]);
    assert_eq!(regressed.code, Some(1), "{regressed:?}");
    let (status, rest) = verdict(&regressed.stdout, "default.p50 regress < 50%");
    assert_eq!(status, "FAIL", "{rest}");
    let base_json = read_json(Path::new(base));
    let hist = chaosload::record::Hist::decode_base64(
        client(&base_json, "default")["total"]["latency"]["hdr"].as_str().unwrap(),
    )
    .unwrap();
    let ci = chaosload::stats::quantile_interval(&hist, 0.5, chaosload::stats::Z_95).unwrap();
    let base_figure = format!(
        "against baseline {} (95% {}–{})",
        p50_of(&base_json, "default"),
        Unit::Us.format(ci.lo as f64),
        Unit::Us.format(ci.hi as f64)
    );
    assert!(rest.contains(&base_figure), "{rest}\nshould hold {base_figure}");
    assert!(rest.contains("regressed"), "{rest}");
    let table = std::fs::read_to_string(&md).unwrap();
    assert!(table.contains(&format!("Baseline: `{base}` (baseline, ")), "{table}");

    runs.timing("a rerun of the baseline's scenario passes regress < 50%", |_| {
        let rerun_judged = chaosload(&["gate", rerun, "--gates", &gates, "--baseline", base]);
        assert_eq!(rerun_judged.code, Some(0), "{rerun_judged:?}");
        let (status, rest) = verdict(&rerun_judged.stdout, "default.p50 regress < 50%");
        assert_eq!(status, "PASS", "{rest}");
        assert!(rest.contains(&base_figure), "{rest}");
    });
}

#[test]
fn gate_without_a_gates_file_judges_the_gates_the_result_was_run_with() {
    let fixture = flaky();
    let (result, json) = (fixture.result.to_str().unwrap(), &fixture.json);
    assert_eq!(
        json["scenario"]["gate"],
        json!({
            "insufficient_data": "fail",
            "*.error_rate": "< 50%",
            "default.phase.warm.p50": "< 1s",
            "tuned.during.flaky.error_rate": "< 1%",
        }),
        "result.json keeps the scenario's [gate]"
    );
    let judged = chaosload(&["gate", result]);
    assert_eq!(judged.code, Some(1), "{judged:?}");
    let mut found: Vec<(&str, &str)> =
        verdicts(&judged.stdout).into_iter().map(|(s, rest)| (s, rest.split(':').next().unwrap())).collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("FAIL", "tuned.during.flaky.error_rate < 1%"),
            ("PASS", "default.error_rate < 50%"),
            ("PASS", "default.phase.warm.p50 < 1s"),
            ("PASS", "tuned.error_rate < 50%"),
        ]
    );

    // They are read from result.json, not from the scenario file: a copy with other gates in
    // scenario.gate is judged by those.
    let dir = scratch("gates-own");
    let copy = |name: &str, gate: Option<Value>| {
        let mut changed = json.clone();
        match gate {
            Some(gate) => changed["scenario"]["gate"] = gate,
            None => drop(changed["scenario"].as_object_mut().unwrap().remove("gate")),
        }
        write(&dir, name, &changed.to_string())
    };
    let other = copy("other.json", Some(json!({ "tuned.p50": "< 1s", "default.p50": ["< 1s", "< 1us"] })));
    let judged = chaosload(&["gate", &other]);
    assert_eq!(judged.code, Some(1), "{judged:?}");
    assert_eq!(verdicts(&judged.stdout).len(), 3, "{}", judged.stdout);
    assert_eq!(verdict(&judged.stdout, "tuned.p50 < 1s").0, "PASS");
    assert_eq!(verdict(&judged.stdout, "default.p50 < 1s").0, "PASS");
    let (status, rest) = verdict(&judged.stdout, "default.p50 < 1us");
    assert_eq!(status, "FAIL");
    assert!(rest.contains(&format!(": {} (95% ", p50_of(json, "default"))), "{rest}");
    let passing = copy("passing.json", Some(json!({ "*.error_rate": "< 50%" })));
    let judged = chaosload(&["gate", &passing]);
    assert_eq!(judged.code, Some(0), "{judged:?}");
    assert!(judged.stdout.starts_with("gates: 2 of 2 passed\n"), "{}", judged.stdout);

    // A result run without gates has nothing to judge, and says how to give them.
    let bare = copy("bare.json", None);
    let refused = chaosload(&["gate", &bare]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("without a [gate] table"), "{}", refused.stderr);
    assert!(refused.stderr.contains(&format!("chaosload gate {bare} --gates gates.toml")), "{}", refused.stderr);
    // A gate in it that no longer parses is refused, naming where it is.
    let broken = copy("broken.json", Some(json!({ "tuned.p50": "< 300" })));
    let refused = chaosload(&["gate", &broken]);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(
        refused.stderr.contains(&format!("{broken}: scenario.gate: gate \"tuned.p50\": \"300\" has no unit")),
        "{}",
        refused.stderr
    );
}
