//! Every input the fuzzer ever saved (`tests/fixtures/fuzz/<target>/`) replayed through its
//! target, with its seeds and the shipped files: what once panicked stays fixed.

#[path = "../../fuzz/targets.rs"]
mod targets;

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.path().display().to_string(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn fuzz_regressions() {
    let mut replayed = 0;
    for &(name, run) in targets::TARGETS {
        let mut all = inputs(&format!("tests/fixtures/fuzz/{name}"));
        all.extend(inputs(&format!("fuzz/seeds/{name}")));
        match name {
            "scenario" => {
                all.extend(inputs("scenarios"));
                all.extend(inputs("scenarios/invalid").into_iter().filter(|(p, _)| p.ends_with(".toml")));
            }
            "dns_packet" => {}
            _ => all.push(("tests/fixtures/result.json".into(), std::fs::read("tests/fixtures/result.json").unwrap())),
        }
        for (path, bytes) in all {
            if std::panic::catch_unwind(|| run(&bytes)).is_err() {
                panic!("{name} fails on {path} (replay: cargo run --example fuzz, or this test)");
            }
            replayed += 1;
        }
    }
    assert!(replayed >= 25, "only {replayed} inputs found: run from the repository root");
}
