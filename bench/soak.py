#!/usr/bin/env python3
"""The soak: runs bench/soak.toml (2 minutes, mock target, proxy in the path, faults switching on
and off in a 20 s cycle whose last 5 s are quiet) and samples the chaosload process's resident
memory and open descriptors from /proc every second; it prints every fifth sample. What it
compares is each cycle's quiet floor: the least of the samples in its quiet window (16–19 s of
the cycle), when the faults' connections have been reaped and only the working set is open (the
least, because the requests in flight at one instant vary by a few connections of 4 fds each).
After the warm-up (the first two cycles), no quiet floor may exceed the warm-up's by more than
RSS_GROWTH_MIB or FD_GROWTH: a leak per request or per connection (36,000 requests, hundreds of
connections) would. Exits 1 when either grew, or when the run itself failed.

Usage: bench/soak.py [path to the chaosload binary, default target/release/chaosload]
"""

import os
import subprocess
import sys
import tempfile
import time

SCENARIO = "bench/soak.toml"
INTERVAL_S = 1
PRINT_EVERY_S = 5
CYCLE_S = 20
# The quiet part of each cycle that is sampled (faults end at 15 s; pool_idle_timeout is 3 s).
QUIET_S = range(16, 20)
WARM_UP_CYCLES = 2
# Memory is judged by its high-water mark, which the allocator keeps: a new peak of requests in
# flight (a hang and a latency spike meeting) can raise it by a few MiB once, with no leak (one
# run stepped 2.6 MiB at 95 s and stayed flat). 6 MiB after warm-up still catches a leak of
# ~200 bytes per request (27,000 of them) or ~7 KiB per connection (900 of them).
RSS_GROWTH_MIB = 6
# Two connections (4 fds each: client, proxy twice, mock).
FD_GROWTH = 8
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


def quiet_cycle(t):
    """The cycle whose quiet window `t` falls in, or None."""
    return t // CYCLE_S if t % CYCLE_S in QUIET_S else None


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/chaosload"
    out = tempfile.mkdtemp(prefix="chaosload-soak-")
    # Files, not pipes: a child writing more than a pipe holds while nobody reads would stall.
    stdout_file = open(os.path.join(out, "stdout.txt"), "w+")
    stderr_file = open(os.path.join(out, "stderr.txt"), "w+")
    run = subprocess.Popen([binary, "run", SCENARIO, "--quiet", "--out", out], stdout=stdout_file, stderr=stderr_file)
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
                if next_at % PRINT_EVERY_S == 0:
                    print(f"t={next_at:>4}s  rss={got[0] / 1024:7.1f} MiB  fds={got[1]:>4}", flush=True)
            next_at += INTERVAL_S
        time.sleep(0.1)
    stdout_file.seek(0)
    stderr_file.seek(0)
    stdout, stderr = stdout_file.read(), stderr_file.read()
    print(stdout, end="")
    if run.returncode != 0:
        print(f"FAIL: chaosload exited {run.returncode}\n{stderr}")
        return 1
    floors = {}
    for t, rss, fds in series:
        cycle = quiet_cycle(t)
        if cycle is not None:
            low = floors.get(cycle, (rss, fds))
            floors[cycle] = (min(low[0], rss), min(low[1], fds))
    for cycle, (rss, fds) in sorted(floors.items()):
        start = cycle * CYCLE_S
        print(f"quiet floor {start + QUIET_S[0]}-{start + QUIET_S[-1]}s: rss={rss / 1024:.1f} MiB fds={fds}")
    warm = [f for c, f in floors.items() if c < WARM_UP_CYCLES]
    after = [f for c, f in floors.items() if c >= WARM_UP_CYCLES]
    if len(warm) < WARM_UP_CYCLES or len(after) < 2:
        print(f"FAIL: too few quiet windows sampled ({len(floors)}) to judge")
        return 1
    rss_base, fd_base = max(f[0] for f in warm), max(f[1] for f in warm)
    rss_peak, fd_peak = max(f[0] for f in after), max(f[1] for f in after)
    rss_growth_mib = (rss_peak - rss_base) / 1024
    fd_growth = fd_peak - fd_base
    print(
        f"quiet floors after warm-up: highest rss {rss_peak / 1024:.1f} MiB ({rss_growth_mib:+.1f} MiB, "
        f"bound +{RSS_GROWTH_MIB}), highest fds {fd_peak} ({fd_growth:+d}, bound +{FD_GROWTH})"
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
