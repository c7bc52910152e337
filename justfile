# chaosload tasks. Install just with `cargo install just` (or `apt-get install just`).

# Run a scenario with an optimized build, e.g. `just run scenarios/coldstart.toml`.
run scenario *args:
    cargo run --release -- run {{scenario}} {{args}}

# Check scenario files (all of scenarios/ by default).
validate *files="scenarios/*.toml":
    cargo run --release -- validate {{files}}

# The test suite, as CI runs it.
test:
    cargo test

# Formatting, lints and tests: what .ci/run checks.
ci:
    bash .ci/run

# The benchmark: chaosload vs wrk, oha and nginx on loopback; writes BENCHMARKS.md (15-20 min).
# `just bench --quick` is a 2-minute smoke check; `just bench --only N` runs section N (1-8).
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
