#!/usr/bin/env bash
# Spine benchmark: chaosload's own rate, CPU and peak memory against its built-in mock
# (both on loopback, sharing this machine). Prints a Markdown table.
# Usage: bench/spine.sh [long-seconds]   (default 60: the memory comparison run length)
set -euo pipefail
cd "$(dirname "$0")/.."
long=${1:-60}
cargo build --release --quiet
bin=target/release/chaosload
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # scenario-file label
  local scenario=$1 label=$2
  /usr/bin/time -f "%U %S %M" -o "$out/time" "$bin" run "$scenario" --out "$out" --quiet > "$out/summary" 2>/dev/null
  read -r user sys rss_kb < "$out/time"
  local result; result=$(ls -t "$out"/*/*/result.json | head -n 1)
  python3 - "$result" "$label" "$user" "$sys" "$rss_kb" <<'PY'
import json, sys
result, label, user, sys_s, rss_kb = sys.argv[1:]
t = json.load(open(result))["clients"][0]["total"]
cpu_us = (float(user) + float(sys_s)) * 1e6 / max(t["sent"], 1)
print(f"| {label} | {t['sent']} | {t['achieved_rate']:.0f} | {t['error_rate']*100:.2f}% | "
      f"{t['latency']['p50_us']} | {t['latency']['p99_us']} | {t['scheduler_lag']['p99_us']} | "
      f"{cpu_us:.1f} | {int(rss_kb)/1024:.1f} |")
PY
}

echo "| run | requests | rate/s | errors | p50 µs | p99 µs | lag p99 µs | CPU µs/request (chaosload + mock) | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|"
run bench/closed-64.toml "closed, 64 users, 10 s"
run bench/open-30k.toml "open, 30k/s, 10 s"
# Memory against run length, at a rate this machine sustains without overflow (in-flight
# requests, not run length, are what a stall makes memory grow with).
sed "s/rate = 30000/rate = 10000/" bench/open-30k.toml > "$out/open-10k.toml"
run "$out/open-10k.toml" "open, 10k/s, 10 s"
sed "s/duration = \"10s\"/duration = \"${long}s\"/" "$out/open-10k.toml" > "$out/open-10k-long.toml"
run "$out/open-10k-long.toml" "open, 10k/s, ${long} s"
