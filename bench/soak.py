#!/usr/bin/env python3
"""The soak: runs bench/soak.toml (2 minutes, mock target, proxy in the path, faults switching on
and off) and samples the chaosload process's resident memory and open descriptors every 5 s from
/proc. After the warm-up (the first 30 s: every fault has switched on and off at least once), no
sample may exceed the warm-up's peak by more than RSS_GROWTH_MIB or FD_GROWTH. Prints the series;
exits 1 when either grew, or when the run itself failed.

Usage: bench/soak.py [path to the chaosload binary, default target/release/chaosload]
"""

import os
import subprocess
import sys
import tempfile
import time

SCENARIO = "bench/soak.toml"
INTERVAL_S = 5
WARM_UP_S = 30
# The bounds on growth after warm-up: small next to what a per-request or per-connection leak
# adds over 90 s at 300 requests/s (27,000 requests, thousands of connections).
RSS_GROWTH_MIB = 8
FD_GROWTH = 16
# The run is 2 minutes plus a drain; anything past this is a hang.
TIME_LIMIT_S = 180


def sample(pid):
    """(rss in KiB, open descriptors) of `pid`, or None once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as status:
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        return rss, fds
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return None


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/chaosload"
    out = tempfile.mkdtemp(prefix="chaosload-soak-")
    run = subprocess.Popen(
        [binary, "run", SCENARIO, "--quiet", "--out", out], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    started = time.monotonic()
    series = []
    next_at = INTERVAL_S
    while run.poll() is None:
        elapsed = time.monotonic() - started
        if elapsed > TIME_LIMIT_S:
            run.kill()
            print(f"FAIL: the run did not end within {TIME_LIMIT_S} s")
            return 1
        if elapsed >= next_at:
            got = sample(run.pid)
            if got:
                series.append((next_at, *got))
                print(f"t={next_at:>4}s  rss={got[0] / 1024:7.1f} MiB  fds={got[1]:>4}", flush=True)
            next_at += INTERVAL_S
        time.sleep(0.2)
    stdout, stderr = run.communicate()
    print(stdout, end="")
    if run.returncode != 0:
        print(f"FAIL: chaosload exited {run.returncode}\n{stderr}")
        return 1
    warm = [s for s in series if s[0] <= WARM_UP_S]
    after = [s for s in series if s[0] > WARM_UP_S]
    if not warm or not after:
        print(f"FAIL: too few samples ({len(series)}) to judge")
        return 1
    rss_base, fd_base = max(s[1] for s in warm), max(s[2] for s in warm)
    rss_peak, fd_peak = max(s[1] for s in after), max(s[2] for s in after)
    rss_growth_mib = (rss_peak - rss_base) / 1024
    fd_growth = fd_peak - fd_base
    print(
        f"after warm-up: rss peak {rss_peak / 1024:.1f} MiB ({rss_growth_mib:+.1f} MiB, bound +{RSS_GROWTH_MIB}), "
        f"fds peak {fd_peak} ({fd_growth:+d}, bound +{FD_GROWTH})"
    )
    failed = False
    if rss_growth_mib > RSS_GROWTH_MIB:
        print(f"FAIL: resident memory grew {rss_growth_mib:.1f} MiB after warm-up")
        failed = True
    if fd_growth > FD_GROWTH:
        print(f"FAIL: open descriptors grew by {fd_growth} after warm-up")
        failed = True
    if not failed:
        print("soak: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
