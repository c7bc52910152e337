#!/usr/bin/env bash
# chaosload's benchmark (issue 5): chaosload against wrk, oha and nginx on loopback, (issue 13)
# the DNS stub against dnsmasq under dnsperf, (issue 14) slow-client cohorts against slowhttptest,
# and (issue 18) HTTP/2 against h2load and HTTPS against nginx with TLS.
# Installs what is missing (Debian's wrk, nginx, valgrind, dnsperf, dnsmasq, dig, slowhttptest,
# h2load (nghttp2-client), openssl and GNU time, oha from
# crates.io), builds chaosload in release mode, then runs bench/bench.py, which writes BENCHMARKS.md (full run) or
# bench/results/<timestamp>.md (--quick / --only N), and bench/results/<timestamp>.json.
#
# Usage: bench/run.sh [--quick] [--only N] [--repeats N] [--duration S] [--note TEXT]
#   (`just bench …` runs this; `bench/bench.py --help` lists every option.)
# A full run takes 25-35 minutes on 2 cores (section 11 alone about 8); --quick about 4 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v dnsperf >/dev/null || missing+=(dnsperf)
command -v dnsmasq >/dev/null || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq)
command -v dig >/dev/null || missing+=(dnsutils)
command -v slowhttptest >/dev/null || missing+=(slowhttptest)
command -v ss >/dev/null || missing+=(iproute2)
command -v h2load >/dev/null || missing+=(nghttp2-client)
command -v openssl >/dev/null || missing+=(openssl)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)" >&2
  as_root apt-get update -qq
  # Installing nginx or dnsmasq may start the distribution's own service (nginx on port 80,
  # dnsmasq on port 53) where an init system runs; the benchmark never uses them (it starts its
  # own, on free loopback ports, with their own configs).
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
export PATH="$PATH:/usr/sbin"
if ! command -v oha >/dev/null; then
  echo "installing oha (cargo install oha --locked; a few minutes)" >&2
  cargo install oha --locked >&2
fi

cargo build --release --quiet --bin chaosload --example bare_hyper --example timer_floor

# Every process bench.py starts is written to this file; whatever still runs when this script
# exits (Ctrl-C, a crash) is stopped here by its pid.
pidfile=$(mktemp)
export BENCH_PIDFILE=$pidfile
cleanup() {
  local pid
  while read -r pid; do
    # A run under GNU time leads a process group of its own: the group goes with it.
    [ -n "$pid" ] && { kill -KILL -- "-$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; } || true
  done < "$pidfile"
  rm -f "$pidfile"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

python3 bench/bench.py "$@"
