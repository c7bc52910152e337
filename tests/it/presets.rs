//! Presets through the real CLI: `chaosload presets` lists every preset with its sources, and a
//! `go` preset meets a frozen serverless instance's resets as Go's transport does — a GET sent
//! again silently (counted as `hidden_retries`, never as an error), a POST failing.

use crate::support::{output_within, scratch, shared};
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

fn chaosload(args: &[&str]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chaosload"));
    command.args(args).env("CHAOSLOAD_LOG", "warn").env_remove("GITHUB_STEP_SUMMARY");
    output_within(&mut command, Duration::from_secs(120))
}

#[test]
fn presets_lists_every_preset_with_values_and_sources() {
    let listed = chaosload(&["presets"]);
    assert!(listed.status.success());
    let text = String::from_utf8_lossy(&listed.stdout);
    for name in
        ["go", "hyper-util", "reqwest", "undici", "node-agent", "python-requests", "httpx", "java-httpclient", "okhttp"]
    {
        assert!(text.lines().any(|l| l.starts_with(&format!("{name}: "))), "{name} is listed: {text}");
    }
    assert!(text.contains("  pool_max_idle_per_host = 2 "), "go's value as a scenario writes it: {text}");
    assert!(text.contains("# net/http/transport.go DefaultTransport: IdleConnTimeout: 90 * time.Second"), "{text}");
    let one = chaosload(&["presets", "undici"]);
    let one = String::from_utf8_lossy(&one.stdout);
    assert!(one.starts_with("undici: ") && !one.contains("\ngo: "), "{one}");
    let unknown = chaosload(&["presets", "curl"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown preset \"curl\""));
}

/// Instances freeze after 1 s idle and reset their connections; bursts come 2 s apart, so the
/// connections Go keeps (2 idle per host) are frozen when the next burst reuses them.
fn frozen_instances(method: &str) -> String {
    format!(
        "name = \"frozen-{method}\"\nseed = 7\n[target]\nmock = true\n\
         [mock]\nlatency = {{ dist = \"fixed\", value = \"5ms\" }}\n\
         [mock.serverless]\ninstances = 2\nconcurrency = 8\nfreeze_after = \"1s\"\n\
         init = {{ dist = \"fixed\", value = \"50ms\" }}\non_freeze = \"reset\"\n\
         [[phase]]\nname = \"bursts\"\nduration = \"9s\"\nshape = {{ kind = \"bursts\", rate = 40, on = \"1s\", off = \"2s\" }}\n\
         request = {{ method = \"{method}\", body = \"{{}}\" }}\n\
         [[client]]\nname = \"go\"\npreset = \"go\"\n\
         [[client]]\nname = \"go-unsilenced\"\npreset = \"go\"\nsilent_retry = \"none\"\n"
    )
}

fn run(method: &str) -> Value {
    let dir = scratch(&format!("presets-{method}"));
    let file = dir.join("frozen.toml");
    std::fs::write(&file, frozen_instances(method)).unwrap();
    let ran = chaosload(&["run", file.to_str().unwrap(), "--out", dir.to_str().unwrap(), "--quiet"]);
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(ran.status.success(), "{stdout}{}", String::from_utf8_lossy(&ran.stderr));
    let result = stdout.lines().find_map(|l| l.strip_prefix("result: ")).expect("a result line");
    serde_json::from_str(&std::fs::read_to_string(result).unwrap()).unwrap()
}

fn client<'r>(result: &'r Value, name: &str) -> &'r Value {
    result["clients"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()
}

fn count(total: &Value, field: &str, kind: &str) -> u64 {
    total[field][kind].as_u64().unwrap_or(0)
}

#[test]
fn go_hides_a_get_from_a_frozen_connection_and_fails_a_post() {
    let _shared = shared();
    let get = run("GET");
    let go = &client(&get, "go")["total"];
    let frozen_hits = client(&get, "go")["mock"]["frozen_connection_hits"].as_u64().unwrap();
    assert!(frozen_hits >= 2, "the bursts reuse frozen connections: {frozen_hits}");
    assert_eq!(go["errors"], serde_json::json!({}), "Go sends a GET again on a fresh connection: {go}");
    assert!(go["hidden_retries"].as_u64().unwrap() >= 2, "{go}");
    assert_eq!(count(go, "hidden_errors", "reset"), go["hidden_retries"].as_u64().unwrap(), "{go}");
    assert_eq!(go["retries"], 0, "a silent retry is not a retry the user configured");
    let unsilenced = &client(&get, "go-unsilenced")["total"];
    assert!(count(unsilenced, "errors", "reset") >= 2, "without the rule the resets show: {unsilenced}");
    assert_eq!(unsilenced["hidden_retries"], 0);
    let hidden_per_second: u64 =
        client(&get, "go")["timeline"].as_array().unwrap().iter().map(|s| s["hidden_retries"].as_u64().unwrap()).sum();
    assert_eq!(hidden_per_second, go["hidden_retries"].as_u64().unwrap(), "the timeline adds up to the total");

    let post = run("POST");
    let go = &client(&post, "go")["total"];
    assert!(count(go, "errors", "reset") >= 2, "a POST whose request was written is not replayable: {go}");
    assert_eq!(go["hidden_retries"], 0, "{go}");
}
