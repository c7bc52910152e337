//! The command line as a user meets it: exit codes, the summary, and result.json against its schema.

use crate::support::{exclusive, output_within, scratch, shared};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Runs the binary to its end; one that runs past two minutes is killed and fails the test.
fn chaosload(args: &[&str]) -> std::process::Output {
    output_within(Command::new(env!("CARGO_BIN_EXE_chaosload")).args(args).env("CHAOSLOAD_LOG", "warn"), LIMIT)
}

const LIMIT: Duration = Duration::from_secs(120);

fn result_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for scenario in std::fs::read_dir(dir).unwrap().flatten() {
        for run in std::fs::read_dir(scenario.path()).unwrap().flatten() {
            found.push(run.path().join("result.json"));
        }
    }
    found
}

pub(crate) fn check_schema(result: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schema/result.schema.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    let problems: Vec<String> =
        validator.iter_errors(result).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(problems.is_empty(), "result.json does not match schema/result.schema.json:\n{}", problems.join("\n"));
}

#[test]
fn run_writes_a_result_that_matches_the_schema() {
    let _load = shared();
    let out = scratch("cli-run");
    let output = chaosload(&["run", "scenarios/smoke.toml", "--out", out.to_str().unwrap(), "--quiet"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("keep-alive") && stdout.contains("no-keep-alive") && stdout.contains("p99"),
        "summary:\n{stdout}"
    );
    let files = result_files(&out);
    assert_eq!(files.len(), 1, "one run folder: {files:?}");
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    check_schema(&result);
    assert_eq!(result["scenario_name"], "smoke");
    assert_eq!(result["clients"].as_array().unwrap().len(), 2);
    for client in result["clients"].as_array().unwrap() {
        assert!(client["total"]["ok"].as_u64().unwrap() > 100, "{}: {}", client["name"], client["total"]);
    }
    // Beside it: the HTML report and one HdrHistogram interval log per configuration.
    let run_dir = files[0].parent().unwrap().to_path_buf();
    let html = std::fs::read_to_string(run_dir.join("report.html")).expect("report.html is written with the run");
    assert!(html.contains("no-keep-alive") && html.contains("<svg"));
    for client in ["keep-alive", "no-keep-alive"] {
        let log = std::fs::read_to_string(run_dir.join("hdr").join(format!("{client}.hlog"))).unwrap();
        assert!(log.contains("#[StartTime:") && log.lines().filter(|l| !l.starts_with('#')).count() >= 4, "{log}");
    }

    // A second run never overwrites the first.
    let again = chaosload(&[
        "run",
        "scenarios/smoke.toml",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--client",
        "keep-alive",
    ]);
    assert!(again.status.success());
    let mut files = result_files(&out);
    files.sort();
    assert_eq!(files.len(), 2);

    // The two runs compare; the configuration missing from the second is shown, not a crash.
    let (a, b) = (files[0].to_str().unwrap(), files[1].to_str().unwrap());
    let compared = chaosload(&["compare", a, b]);
    let table = String::from_utf8_lossy(&compared.stdout);
    assert!(compared.status.success(), "{}", String::from_utf8_lossy(&compared.stderr));
    assert!(table.contains("keep-alive") && table.contains("no-keep-alive") && table.contains('%'), "{table}");
    let md = chaosload(&["compare", a, b, "--md"]);
    assert!(String::from_utf8_lossy(&md.stdout).contains("| "));
    // The HTML page of the same two real runs: a chart of each configuration, with a line per run.
    let page_path = out.join("compare.html");
    let html = chaosload(&["compare", a, b, "-o", page_path.to_str().unwrap()]);
    assert!(html.status.success(), "{}", String::from_utf8_lossy(&html.stderr));
    let page = std::fs::read_to_string(&page_path).unwrap();
    for id in [
        "chart-spectrum-0",
        "chart-service-0",
        "chart-ttfb-0",
        "chart-connect-0",
        "chart-p99-time-0",
        "chart-spectrum-1",
        "chart-p99-time-1",
    ] {
        assert!(page.contains(&format!("<svg id=\"{id}\"")), "compare.html lacks {id}");
    }
    assert!(page.contains("not in this run") && !page.contains("http://"));

    // `report` renders again without touching the report the run wrote.
    let rendered = chaosload(&["report", a]);
    assert!(rendered.status.success(), "{}", String::from_utf8_lossy(&rendered.stderr));
    assert!(files[0].with_file_name("report-2.html").exists());
}

#[test]
fn compare_refuses_different_scenarios_unless_forced() {
    let dir = scratch("cli-compare");
    let write = |name: &str, scenario: &str| {
        let path = dir.join(name);
        let json = serde_json::json!({
            "schema_version": 1, "scenario_name": scenario, "scenario_file": "x.toml", "scenario": {},
            "started_at": "2026-11-22T00:00:00Z", "interrupted": false, "faults": [], "clients": [],
            "environment": { "chaosload_version": "0", "cores": 2, "os": "linux", "arch": "x86_64", "load_threads": 1 }
        });
        std::fs::write(&path, json.to_string()).unwrap();
        path.to_str().unwrap().to_string()
    };
    let (a, b) = (write("a.json", "smoke"), write("b.json", "coldstart"));
    let refused = chaosload(&["compare", &a, &b]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert!(chaosload(&["compare", &a, &b, "--force"]).status.success());
    let not_json = dir.join("c.json");
    std::fs::write(&not_json, "{}").unwrap();
    let bad = chaosload(&["compare", &a, not_json.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("schema_version"));
}

#[test]
fn compare_writes_an_html_page_and_never_overwrites() {
    let dir = scratch("cli-compare-html");
    let result = serde_json::json!({
        "schema_version": 1, "scenario_name": "smoke", "scenario_file": "x.toml", "scenario": { "seed": 9 },
        "started_at": "2026-11-22T00:00:00Z", "interrupted": false, "faults": [], "clients": [],
        "environment": { "chaosload_version": "0", "cores": 2, "os": "linux", "arch": "x86_64", "load_threads": 1 }
    });
    let (a, b) = (dir.join("a.json"), dir.join("b.json"));
    for path in [&a, &b] {
        std::fs::write(path, result.to_string()).unwrap();
    }
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    // A page that exists is left alone: the new one goes beside it.
    let existing = dir.join("compare.HTML");
    std::fs::write(&existing, "mine").unwrap();
    let written = chaosload(&["compare", a, b, "-o", existing.to_str().unwrap()]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "mine", "an existing file was overwritten");
    let page = std::fs::read_to_string(dir.join("compare-2.HTML")).expect("written beside the existing file");
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("chaosload compare — smoke"), "{page}");
    assert!(String::from_utf8_lossy(&written.stderr).contains("compare-2.HTML"));
    // The terminal table still goes to stdout.
    assert!(String::from_utf8_lossy(&written.stdout).contains("comparing smoke across 2 runs"));

    // --md and an HTML page contradict each other: a usage error, and nothing written.
    let both = dir.join("both.html");
    let refused = chaosload(&["compare", a, b, "--md", "-o", both.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--md"), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(!both.exists());

    // A Markdown file is still Markdown.
    let md = dir.join("c.md");
    assert!(chaosload(&["compare", a, b, "--md", "-o", md.to_str().unwrap()]).status.success());
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("### chaosload compare"));
}

/// Every field the schema requires, at every level a result has, is checked: the fixture (a
/// real run's result) with any one of them removed is refused, and the fixture itself, with a
/// `proxy` and a `dns` section, a sweep and an `error` added as chaosload writes them, is accepted.
#[test]
fn schema_rejects_a_result_missing_any_of_its_contract_fields() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schema/result.schema.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut valid: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/result.json").unwrap()).unwrap();
    valid["error"] = "configuration \"b\" failed: the mock did not start".into();
    valid["clients"][0]["proxy"] = serde_json::to_value(chaosload::chaos::ProxyStats::default()).unwrap();
    let dns = chaosload::dns::DnsStats {
        faults: vec![chaosload::dns::FaultHits { index: 0, kind: "delay".into(), hits: 3 }],
        ..Default::default()
    };
    valid["clients"][0]["dns"] = serde_json::to_value(dns).unwrap();
    let sweep = chaosload::result::SweepResult {
        client: "idle".into(),
        knob: "pool_idle_timeout".into(),
        values: vec!["1s".into(), "1m 30s".into()],
        members: vec!["idle-1s".into(), "idle-1m_30s".into()],
    };
    valid["sweeps"] = serde_json::to_value(vec![sweep]).unwrap();
    check_schema(&valid);

    // (where in the result, which definition describes it); "" is the result itself.
    let objects = [
        ("", None),
        ("/environment", Some("environment")),
        ("/faults/0", Some("fault")),
        ("/clients/0", Some("client")),
        ("/clients/0/total", Some("phase")),
        ("/clients/0/phases/0", Some("phase")),
        ("/clients/0/total/latency", Some("summary")),
        ("/clients/0/total/scheduler_lag", Some("summary")),
        ("/clients/0/connections", Some("connections")),
        ("/clients/0/timeline/0", Some("second")),
        ("/clients/0/mock", Some("mock")),
        ("/clients/0/mock_timeline/0", Some("mock_second")),
        ("/clients/0/cohorts/0", Some("cohort")),
        ("/clients/0/cohorts/0/timeline/0", Some("cohort_second")),
        ("/clients/0/proxy", Some("proxy")),
        ("/clients/0/dns", Some("dns")),
        ("/clients/0/dns/by_type", None),
        ("/clients/0/dns/answers", None),
        ("/clients/0/dns/faults/0", None),
        ("/gates", Some("gate_report")),
        ("/gates/verdicts/0", Some("verdict")),
        ("/sweeps/0", Some("sweep")),
    ];
    let mut checked = 0;
    for (at, def) in objects {
        let dns = &schema["$defs"]["dns"]["properties"];
        let described = match (at, def) {
            ("/clients/0/dns/by_type", _) => &dns["by_type"],
            ("/clients/0/dns/answers", _) => &dns["answers"],
            ("/clients/0/dns/faults/0", _) => &dns["faults"]["items"],
            (_, None) => &schema,
            (_, Some(def)) => &schema["$defs"][def],
        };
        let required = described["required"].as_array().unwrap_or_else(|| panic!("{def:?} has required fields"));
        assert!(!required.is_empty());
        for field in required {
            let field = field.as_str().unwrap();
            let mut broken = valid.clone();
            let object = broken.pointer_mut(at).and_then(|o| o.as_object_mut()).unwrap_or_else(|| panic!("{at}"));
            assert!(object.remove(field).is_some(), "the fixture has {at}/{field}");
            assert!(!validator.is_valid(&broken), "a result without {at}/{field} passes the schema");
            checked += 1;
        }
    }
    assert!(checked >= 80, "{checked} required fields checked");
}

/// A real run through the chaos proxy: result.json with its `proxy` section matches the schema.
#[test]
fn a_run_through_the_proxy_writes_a_result_that_matches_the_schema() {
    let _serial = exclusive();
    let dir = scratch("cli-proxy-schema");
    let scenario = dir.join("proxied.toml");
    std::fs::write(
        &scenario,
        "name = \"proxied\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\n\
         shape = { kind = \"constant\", rate = 20 }\n[[client]]\nname = \"c\"\nkeep_alive = false\n\
         [[fault]]\nkind = \"reset_peer\"\nlayer = \"proxy\"\nafter = \"0s\"\nprobability = 0.5\n",
    )
    .unwrap();
    let out = dir.join("out");
    let run = chaosload(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(run.status.success(), "{run:?}");
    let files = result_files(&out);
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    check_schema(&result);
    let (client, proxy) = (&result["clients"][0], &result["clients"][0]["proxy"]);
    assert!(proxy["faults_hit"].as_u64().unwrap() > 0, "{proxy}");
    assert_eq!(client["connections"]["opened"], proxy["connections"], "every connection counted on both sides");
}

#[test]
fn exit_codes_say_what_went_wrong() {
    let invalid = chaosload(&["validate", "scenarios/smoke.toml", "scenarios/invalid/misspelt_key.toml"]);
    assert_eq!(invalid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("scenarios/invalid/misspelt_key.toml:"));
    assert!(String::from_utf8_lossy(&invalid.stdout).contains("ok: scenarios/smoke.toml"));

    let unknown_client = chaosload(&[
        "run",
        "scenarios/smoke.toml",
        "--client",
        "nope",
        "--out",
        scratch("cli-unknown").to_str().unwrap(),
    ]);
    assert_eq!(unknown_client.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown_client.stderr).contains("keep-alive"), "lists the clients it has");

    // A URL target where nothing listens: exit 3 before any load is sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = scratch("cli-refused");
    let scenario = dir.join("refused.toml");
    let text = format!(
        "name = \"refused\"\n[target]\nurl = \"http://127.0.0.1:{port}/\"\n\
         [[phase]]\nduration = \"1s\"\nshape = {{ kind = \"constant\", rate = 10 }}\n[[client]]\nname = \"c\"\n"
    );
    std::fs::write(&scenario, text).unwrap();
    let refused = chaosload(&["run", scenario.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(3), "stderr: {}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not reachable"));
}

#[test]
fn http2_clients_are_warned_of_mock_faults_they_will_not_meet() {
    let _serial = exclusive();
    let dir = scratch("cli-h2-warning");
    let scenario = dir.join("h2warn.toml");
    let out = dir.join("out");
    std::fs::write(
        &scenario,
        "name = \"h2warn\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\nconcurrency = 2\n\
         [[client]]\nname = \"one\"\n[[client]]\nname = \"two\"\nhttp = \"2\"\n\
         [[fault]]\nkind = \"malformed\"\nform = \"bad_chunk\"\nprobability = 0.2\n",
    )
    .unwrap();
    let warning = "fault[0] (malformed, layer mock) acts on HTTP/1 connections only: \"two\"";
    let validated = chaosload(&["validate", scenario.to_str().unwrap()]);
    assert_eq!(validated.status.code(), Some(0), "a warning does not make a scenario invalid");
    assert!(String::from_utf8_lossy(&validated.stderr).contains(warning), "{validated:?}");

    let run = chaosload(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(run.status.success(), "{run:?}");
    assert!(String::from_utf8_lossy(&run.stderr).contains(&format!("warning: {warning}")), "{run:?}");
    let files = result_files(&out);
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    check_schema(&result);
    assert!(result["warnings"][0].as_str().unwrap().starts_with(warning), "{}", result["warnings"]);
    // What the warning says is so: the HTTP/1 client met broken chunks, the HTTP/2 one nothing.
    let errors = |i: usize| {
        let errors = result["clients"][i]["total"]["errors"].as_object().cloned().unwrap_or_default();
        errors.values().filter_map(serde_json::Value::as_u64).sum::<u64>()
    };
    assert!(errors(0) > 0 && errors(1) == 0, "{}", result["clients"]);
    let page = std::fs::read_to_string(files[0].with_file_name("report.html")).unwrap();
    assert!(page.contains("acts on HTTP/1 connections only"), "the report repeats the warning");

    // Running only the HTTP/1 configuration: nothing to warn of.
    let only_one =
        chaosload(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet", "--client", "one"]);
    assert!(only_one.status.success() && !String::from_utf8_lossy(&only_one.stderr).contains("warning"));
}

/// `--threads` goes through the plan's rules like the file's own `threads`: a client capped
/// below one connection per thread is refused before anything runs, located in the file.
#[test]
fn a_threads_override_that_breaks_a_clients_cap_is_refused_at_its_place() {
    let dir = scratch("cli-threads");
    let file = dir.join("capped.toml");
    let scenario = "name = \"capped\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\nconcurrency = 1\n\
                    [[client]]\nname = \"two\"\nmax_conns_per_host = 2\n";
    std::fs::write(&file, scenario).unwrap();
    let out = dir.join("reports");
    let run = |threads: &str| {
        chaosload(&["run", file.to_str().unwrap(), "--threads", threads, "--quiet", "--out", out.to_str().unwrap()])
    };
    let refused = run("4");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("capped.toml:9:22: client[0].max_conns_per_host: max_conns_per_host (2) is below --threads (4)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: each load thread has its own pool and needs at least one connection: lower --threads"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing was run or written");
}

/// Every error kind chaosload counts is one the schema accepts, and only those: a kind added to
/// `ErrorKind` without the schema fails here.
#[test]
fn the_schema_names_every_error_kind() {
    let mut result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/result.json").unwrap()).unwrap();
    let errors: serde_json::Map<String, serde_json::Value> = chaosload::record::ErrorKind::TRANSPORT
        .iter()
        .map(|k| (k.name(), serde_json::json!(1)))
        .chain([("http_503".to_string(), serde_json::json!(1))])
        .collect();
    result["clients"][0]["total"]["errors"] = serde_json::Value::Object(errors);
    check_schema(&result);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("schema/result.schema.json").unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    result["clients"][0]["total"]["errors"] = serde_json::json!({ "too_many_files": 1 });
    assert!(!validator.is_valid(&result), "a kind chaosload never writes is refused");
}

/// `chaosload report` re-renders report.html from result.json alone, gates included: the page of
/// the fixture (a real run with gates of every outcome) shows its verdicts at the top.
#[test]
fn report_shows_the_gates_result_json_keeps() {
    let dir = scratch("cli-report-gates");
    let result = dir.join("result.json");
    std::fs::copy("tests/fixtures/result.json", &result).unwrap();
    let out = chaosload(&["report", result.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    let gates: chaosload::gate::GateReport = serde_json::from_value(json["gates"].clone()).unwrap();
    let start = page.find("<section id=\"gates\">").expect("a gates section");
    assert!(start < page.find("<h2>What happened").unwrap(), "the gates come first");
    let section = &page[start..start + page[start..].find("</section>").unwrap()];
    let failing = gates.failures().count();
    assert!(failing > 0, "the fixture's run failed a gate");
    assert!(section.contains(&format!("Gates FAILED: {failing} of {} gates failed the run", gates.verdicts.len())));
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    for v in &gates.verdicts {
        let cells =
            format!("<code>{}</code></td><td class=\"name\"><code>{}</code></td>", esc(&v.key), esc(&v.condition));
        let at = section.find(&cells).unwrap_or_else(|| panic!("no row for {} {}", v.key, v.condition));
        let row_start = section[..at].rfind("<tr").unwrap();
        let row = &section[row_start..at + section[at..].find("</tr>").unwrap()];
        assert!(row.contains(&format!(">{}</span>", v.status.label())), "{row}");
        if let Some(m) = v.measured {
            assert!(row.contains(&format!("<td>{}", v.unit.format(m))), "{row}");
        }
    }
}

#[test]
fn report_and_compare_refuse_a_result_they_cannot_read_whole() {
    let dir = scratch("cli-corrupt");
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/result.json").unwrap()).unwrap();
    let write = |name: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let mut json = fixture.clone();
        change(&mut json);
        let path = dir.join(name);
        std::fs::write(&path, json.to_string()).unwrap();
        path.to_str().unwrap().to_string()
    };
    let good = write("good.json", &|_| {});
    assert!(chaosload(&["report", &good]).status.success(), "the fixture itself is readable");
    let refusals = [
        (
            write("base64.json", &|j| j["clients"][1]["phases"][0]["latency"]["hdr"] = "not base64!".into()),
            "client \"no-keep-alive\", phase \"steady\", latency.hdr: not an HdrHistogram",
        ),
        (
            write("garbage.json", &|j| j["clients"][0]["timeline"][2]["hdr"] = "AAAAAAAA".into()),
            "client \"keep-alive\", timeline second 2, latency.hdr: not an HdrHistogram",
        ),
        (
            write("swapped.json", &|j| {
                j["clients"][0]["total"]["latency"]["hdr"] = j["clients"][0]["total"]["connect_time"]["hdr"].clone()
            }),
            "client \"keep-alive\", phase \"total\", latency.hdr: the histogram holds",
        ),
        (write("future.json", &|j| j["schema_version"] = 99.into()), "has schema_version 99; this chaosload reads 1"),
    ];
    for (path, says) in &refusals {
        for args in [vec!["report", path.as_str()], vec!["compare", good.as_str(), path.as_str()]] {
            let out = chaosload(&args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(stderr.contains(says), "{args:?} should say {says:?}: {stderr}");
        }
    }
    assert!(!dir.join("report-2.html").exists() && !dir.join("report.html").with_file_name("base64.html").exists());
}

#[test]
fn report_and_compare_refuse_control_characters_in_a_result() {
    let dir = scratch("cli-controls");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/result.json").unwrap()).unwrap();
    json["clients"][0]["name"] = "evil\u{1b}]0;title\u{7}\r\nname".into();
    let path = dir.join("a.json");
    std::fs::write(&path, json.to_string()).unwrap();
    let path = path.to_str().unwrap();
    for args in [vec!["compare", path, path], vec!["report", path]] {
        let out = chaosload(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("clients[0].name holds a control character"), "{stderr}");
        let shown = format!("{}{}", stderr, String::from_utf8_lossy(&out.stdout));
        assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{args:?} shows a raw control character");
    }
}

/// `run --json` prints the summary as JSON and nothing else on stdout, with the figures of the
/// result.json it names.
#[test]
fn run_json_prints_the_summary_as_json_only() {
    let _serial = exclusive();
    let out = scratch("cli-json");
    // Two configurations, one second each: what --json prints does not depend on how long it ran
    // (`run_writes_a_result_that_matches_the_schema` runs smoke.toml itself).
    let scenario = out.join("json.toml");
    std::fs::write(
        &scenario,
        "name = \"json\"\n[target]\nmock = true\n[[phase]]\nduration = \"1s\"\n\
         shape = { kind = \"constant\", rate = 100 }\n\
         [[client]]\nname = \"keep-alive\"\n[[client]]\nname = \"no-keep-alive\"\nkeep_alive = false\n",
    )
    .unwrap();
    let output = chaosload(&["run", scenario.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet", "--json"]);
    assert!(output.status.success(), "exit {:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}):\n{}", String::from_utf8_lossy(&output.stdout)));
    let file = summary["result"].as_str().expect("the result's path");
    let result: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(summary["scenario"], "json");
    let clients = summary["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 2);
    for (shown, stored) in clients.iter().zip(result["clients"].as_array().unwrap()) {
        assert_eq!(shown["name"], stored["name"]);
        assert_eq!(shown["requests"], stored["total"]["sent"]);
        assert_eq!(shown["latency_us"]["p99"], stored["total"]["latency"]["p99_us"]);
        assert_eq!(shown["connections_opened"], stored["connections"]["opened"]);
        assert_eq!(shown["retries"], stored["total"]["retries"]);
    }
    assert!(summary["gates"].is_null(), "the scenario has no [gate]");
    assert!(String::from_utf8_lossy(&output.stderr).lines().all(|l| !l.starts_with("client ")), "no table on stderr");
}

/// `run --url URL --rate R --duration D`: the same summary and result folder as a scenario's run,
/// and `--save-scenario` writes the scenario it was, which runs again as it is.
#[test]
fn an_ad_hoc_run_loads_a_url_and_saves_itself_as_a_scenario() {
    let _serial = exclusive();
    let (mut mock, addr) = crate::standalone::start(&["mock"]);
    let out = scratch("cli-adhoc");
    let saved = out.join("adhoc.toml");
    let url = format!("http://{addr}/hello");
    let output = chaosload(&[
        "run",
        "--url",
        &url,
        "--rate",
        "100/s",
        "--duration",
        "2s",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--json",
        "--save-scenario",
        saved.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "exit {:?}: {}", output.status, String::from_utf8_lossy(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the JSON summary");
    assert_eq!(summary["scenario"], "adhoc");
    let client = &summary["clients"][0];
    assert_eq!(client["requests"], 200, "100/s for 2 s: {client}");
    assert_eq!(client["ok"], 200, "the mock answers every one: {client}");
    assert!(Path::new(summary["result"].as_str().unwrap()).starts_with(out.join("adhoc")));
    let text = std::fs::read_to_string(&saved).expect("the scenario is saved");
    assert!(text.contains(&format!("url = \"{url}\"")) && text.contains("rate = 100"), "{text}");
    // It is a scenario like any other: it validates and runs again.
    let again = chaosload(&["validate", saved.to_str().unwrap()]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    // Saving never writes over a file: the second goes beside it.
    let second = chaosload(&[
        "run",
        "--url",
        &url,
        "--concurrency",
        "2",
        "--duration",
        "1s",
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--save-scenario",
        saved.to_str().unwrap(),
    ]);
    assert!(second.status.success(), "{}", String::from_utf8_lossy(&second.stderr));
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), text, "the first file is kept");
    let beside = std::fs::read_to_string(out.join("adhoc-2.toml")).expect("written beside it");
    assert!(beside.contains("concurrency = 2"), "{beside}");
    // Flags that make no sense are usage errors.
    let bad = chaosload(&["run", "--url", &url, "--rate", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    let both = chaosload(&["run", "--url", &url, "--rate", "5", "--concurrency", "2"]);
    assert_eq!(both.status.code(), Some(2));
    let _ = mock.kill();
    let _ = mock.wait();
}

// The README generator's half of `blocks.rs` (rendering, selecting lines) is used by the
// `readme` example, not here: its own unit tests run with this binary.
#[allow(dead_code)]
#[path = "../../examples/readme/blocks.rs"]
mod readme_blocks;

/// Every README block that shows chaosload's output (a `$ chaosload` line, a summary table, a
/// run's or a gate's lines) is generated by `just readme`, none was edited since, and each summary
/// table's header is the one `chaosload run` prints now (src/summary.rs): adding or renaming a
/// column without regenerating the README fails here. Runs nothing.
#[test]
fn the_readme_s_example_outputs_are_generated_and_current() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let problems = readme_blocks::problems(&readme);
    assert!(problems.is_empty(), "README.md (`just readme` regenerates it):\n{}", problems.join("\n"));
    let parsed = readme_blocks::parse(&readme).unwrap();
    let tables: usize = parsed.blocks.iter().map(|b| readme_blocks::summary_tables(&b.fence.body).len()).sum();
    assert!(parsed.blocks.len() >= 10 && tables >= 8, "{} blocks, {tables} tables were found", parsed.blocks.len());
}
