# chaosload tasks. Install just with `cargo install just` (Debian 12 has no just package; later releases do).

# Run a scenario with an optimized build, e.g. `just run scenarios/coldstart.toml`.
run scenario *args:
    cargo run --release -- run {{scenario}} {{args}}

# Check scenario files (all of scenarios/ by default).
validate *files="scenarios/*.toml":
    cargo run --release -- validate {{files}}

# The test suite, as CI runs it.
test:
    cargo test

# Re-run the shipped scenarios whose real results the verdict's tests read (tests/fixtures/verdict/:
# coldstart, reset, gateway-timeout; about two minutes). Run it when the result or the verdict changes.
verdict-fixtures:
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build --release
    out=$(mktemp -d)
    for s in coldstart reset gateway-timeout; do
        result=$(target/release/chaosload run "scenarios/$s.toml" --quiet --out "$out" | sed -n 's/^result: //p')
        cp "$result" "tests/fixtures/verdict/$s.json"
        echo "tests/fixtures/verdict/$s.json <- $result"
    done

# Formatting, lints and tests: what .ci/run checks.
ci:
    bash .ci/run

# README.md's example outputs run again (about 10 minutes: every shipped scenario runs): each block
# marked `<!-- generated … -->` is rewritten with what its commands print now, README.md written
# once at the end. `just readme --check` runs nothing and lists stale or unmarked blocks;
# `just readme --only coldstart.toml` regenerates the blocks whose marker names it.
readme *args:
    cargo build --release
    cargo run --release --quiet --example readme -- {{args}}

# Mutation testing of the measurement core (cargo-mutants, installed if missing): which
# hand-made bugs the tests let through. All five files take hours on 2 cores; name files to run
# fewer (`just mutants src/fault/mod.rs`). TEST_ARGS narrows the tests each mutant runs
# (`TEST_ARGS="--lib" just mutants src/record/recorder.rs`); results go to target/mutants.
mutants *files="src/load/engine.rs src/record/recorder.rs src/client/pool.rs src/mock/serverless.rs src/fault/mod.rs":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-mutants >/dev/null || cargo install cargo-mutants --locked
    filters=(); for f in {{files}}; do filters+=(-f "$f"); done
    cargo mutants "${filters[@]}" --timeout 600 --build-timeout 900 --copy-target=true \
        --output target/mutants -- ${TEST_ARGS:-}

# The benchmark: chaosload vs wrk, oha and nginx, the DNS stub vs dnsmasq, slow-client cohorts vs
# slowhttptest, on loopback; writes BENCHMARKS.md (25-35 min). `just bench --quick` is a smoke
# check; `just bench --only N` runs section N (1-13: 12 HTTP/2 vs h2load, 13 HTTPS vs wrk and oha).
bench *args:
    bash bench/run.sh {{args}}

# Two minutes against the mock through the chaos proxy, faults switching on and off: samples the
# process's memory and descriptors every 5 s and fails if either grows after warm-up.
soak:
    cargo build --release
    python3 bench/soak.py target/release/chaosload

# Fuzz each target (scenario files, result.json) for SECONDS each (default 60), on stable Rust;
# prints the executions, saves what fails under tests/fixtures/fuzz/ (replayed by `cargo test`).
fuzz seconds="60" *args:
    cargo run --release --example fuzz -- --seconds {{seconds}} {{args}}
