#!/usr/bin/env python3
"""chaosload's benchmark harness (issue 5): chaosload against wrk, oha and nginx, on loopback.

Driven by bench/run.sh (`just bench`), which installs the tools and builds chaosload first.
Every run is bounded in time; every process this script starts is stopped when it ends, also on
Ctrl-C or failure. Runs of the compared tools are interleaved (a shuffled order per repeat) and
each figure is the median over the repeats, because the machine it was written for is a noisy
shared VM. Only the Python standard library is used.

Sections (--only N runs one):
  1  load generation, closed model, against nginx: chaosload vs wrk vs oha (16 and 64 conns)
  2  the same against `chaosload mock`
  3  the mock as a server: wrk against the mock vs against nginx
  4  the chaos proxy with no faults: wrk through the proxy vs direct
  5  open-model accuracy at high rates
  6  memory: peak RSS of a short and a long run at the same rate
  7  `chaosload validate` start-up time
  8  user-space instructions per request (valgrind's callgrind): chaosload, wrk, oha and the bare
     hyper loop against nginx; counts, unlike times, do not move with the machine's noise
  9  the DNS stub as a server: dnsperf against `chaosload dns` vs against dnsmasq, the same
     records (queries/s at dnsperf's maximum, and latency at a fixed rate both serve)
 10  what a resolver configuration costs a new connection: closed model without keep-alive
     against the mock reached by a name, uncached vs cached resolver vs a fixed address
     (skipped, saying why, while `chaosload validate` refuses the scenario's resolver keys)
 11  slow-client cohorts: 10,000 slowloris connections held against nginx by `chaosload slow`
     and by slowhttptest (RSS per held connection, CPU while holding them), and the open
     model's scheduler lag beside a 10,000-connection cohort in `chaosload run`
 12  HTTP/2 (h2c, prior knowledge), closed model, against nginx: chaosload vs h2load, one
     connection carrying 16 and 64 streams (rate, CPU per request, peak RSS)
 13  HTTPS, closed model, against nginx with TLS (a certificate and its CA made here with
     openssl): chaosload vs wrk vs oha, connections kept alive and a new connection per request,
     nginx resuming TLS sessions or refusing to (rate, CPU per request, sessions resumed)
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import resource
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release" / "chaosload"
# A bare hyper HTTP/1 loop (examples/bare_hyper.rs): the floor for a client built on hyper.
BARE_HYPER = ROOT / "target" / "release" / "examples" / "bare_hyper"
# A bare thread sleeping until each arrival of a constant rate (examples/timer_floor.rs): the
# scheduler lag this machine adds by itself, the floor for the open model's lag.
TIMER_FLOOR = ROOT / "target" / "release" / "examples" / "timer_floor"
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The mock's body for body_bytes = 61 ("abc…z" repeated); nginx serves the same bytes.
BODY = "".join(chr(ord("a") + i % 26) for i in range(61))
CONNS = (16, 64)
SECTIONS = 13

# Targets from issue 5.
T_RATE_VS_WRK = 0.9
T_CPU_VS_WRK = 1.15
T_CPU_VS_OHA = 0.75
T_MOCK_VS_NGINX = 1.0
T_PROXY_RATE = 0.7
T_PROXY_ADDED_P50_US = 100
T_OPEN_ACCURACY = 0.01
T_OPEN_LAG_P99_US = 1000
T_OPEN_UP_TO = 0.8
T_RSS_MB = 32
T_RSS_GROWTH = 0.10
# Targets from issue 13.
T_DNS_VS_DNSMASQ = 1.0
T_CACHED_VS_FIXED = 0.95  # the cached resolver's rate within 5 % of the fixed address's
# Targets from issue 14: chaosload's cohort against slowhttptest holding as many connections.
T_SLOW_RSS = 1.0  # RSS per held connection, chaosload / slowhttptest
T_SLOW_CPU = 1.0  # CPU while holding them, chaosload / slowhttptest
T_SLOW_LAG = 1.5  # open-model lag p99 beside a cohort, over the same run without one
# Targets from issue 18: HTTP/2 against h2load, one connection and as many streams.
T_H2_RSS = 1.5  # peak RSS, chaosload / h2load
T_H2_RATE = 0.9  # rate, chaosload / h2load

# Section 12: the streams one HTTP/2 connection carries (chaosload: `concurrency` on one worker).
H2_STREAMS = (16, 64)
# Section 13: connections of the kept-alive runs, and of the runs opening one per request.
TLS_CONNS = 64
TLS_NEW_CONN_CONNS = 16

# Section 9: the records both DNS servers serve (name<i>.bench.test → 127.0.0.<i+1>, TTL 30 s),
# and the rate of its latency runs when both servers' maximum allows it (else half the lower).
DNS_NAMES = 100
DNS_LATENCY_QPS = 10_000
# CPUs the DNS servers and dnsperf are pinned to (taskset), when the machine has two or more.
DNS_SERVER_CPU, DNS_CLIENT_CPU = 0, 1

# Section 11: how many slowloris connections each tool holds, how fast both open them, what
# they send each tick (slowhttptest `-x 24`: a header field `X-<name>: <value>` whose name and
# value are 1-23 random characters each, about 30 bytes on average; the cohort: exactly
# `bytes`), for how long they are held once all are open, and the descriptors both tools (and
# nginx) may open.
SLOW_CONNS = 10_000
SLOW_PER_SECOND = 1_000
SLOW_INTERVAL_S = 10
SLOW_BYTES = 24
SLOW_HOLD_S = 30
SLOW_NOFILE = 65_536
# The open model beside a cohort: section 5's 20,000/s step, for the cohort's opening and a hold.
SLOW_LAG_RATE = 20_000
SLOW_LAG_HOLD_S = 20


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Processes: everything started here is registered, and stopped on exit.

STARTED = {}  # pid -> (Popen, stop signal)
PIDFILE = os.environ.get("BENCH_PIDFILE")


def _write_pidfile():
    if PIDFILE:
        with open(PIDFILE, "w") as f:
            f.write("".join(f"{pid}\n" for pid in STARTED))


def register(proc, stop_signal=signal.SIGTERM):
    STARTED[proc.pid] = (proc, stop_signal)
    _write_pidfile()


def unregister(proc):
    STARTED.pop(proc.pid, None)
    _write_pidfile()


def stop(proc, sig=None, grace=5.0):
    """Stops one started process: its stop signal, then SIGKILL after `grace` seconds."""
    if proc.pid not in STARTED:
        return
    sig = sig or STARTED[proc.pid][1]
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass
    unregister(proc)


def stop_all():
    for proc, _ in list(STARTED.values()):
        try:
            stop(proc, grace=3.0)
        except Exception as e:  # keep stopping the others
            log(f"could not stop pid {proc.pid}: {e}")


def _on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def proc_cpu_s(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_times():
    """(steal, total, busy) jiffies of the whole machine, from /proc/stat; busy is the time some
    process or the kernel ran (neither idle, iowait nor stolen)."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice (guest is in user already)
    return vals[7], sum(vals[:8]), vals[0] + vals[1] + vals[2] + vals[5] + vals[6]


class GroupPopen(subprocess.Popen):
    """A process started in a session of its own, signalled as a whole group: GNU time ignores
    SIGINT while it waits, so a stop must reach the tool it runs too."""

    def send_signal(self, sig):
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self):
        self.send_signal(signal.SIGKILL)


# GNU time, which reports the peak RSS of the command it runs alone. wait4's ru_maxrss of a child
# of this script is never below this script's own RSS when it forked (about 25 MB): Linux carries
# the forking process's high-water mark into the child and across its exec. time is small, so
# the floor it passes on is too.
GNU_TIME = "/usr/bin/time"


def run_measured(cmd, timeout, workdir, preexec_fn=None, peak_rss=False):
    """Runs a load generator to its end; its CPU (user+sys), peak RSS, wall time and output.
    `peak_rss`: the command runs under GNU time, whose report of its peak RSS replaces wait4's
    (see GNU_TIME); CPU stays wait4's, which includes the command's."""
    out_path, err_path = workdir / "stdout", workdir / "stderr"
    rss_path = workdir / "maxrss"
    timed = peak_rss and os.access(GNU_TIME, os.X_OK)
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.perf_counter()
        if timed:
            proc = GroupPopen([GNU_TIME, "-f", "%M", "-o", str(rss_path), *cmd], stdout=out, stderr=err,
                              stdin=subprocess.DEVNULL, preexec_fn=preexec_fn, start_new_session=True)
        else:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=preexec_fn)
        register(proc, signal.SIGINT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        unregister(proc)
    maxrss_kb = ru.ru_maxrss
    if timed:
        m = re.search(r"^(\d+)$", rss_path.read_text() if rss_path.exists() else "", re.M)
        maxrss_kb = int(m.group(1)) if m else None
    return {
        "rc": proc.returncode,
        "timed_out": wall >= timeout,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "maxrss_kb": maxrss_kb,
        "maxrss_wait4_kb": ru.ru_maxrss,
        "wall_s": wall,
        "stdout": out_path.read_text(errors="replace"),
        "stderr": err_path.read_text(errors="replace"),
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raise_nofile():
    """A child's preexec_fn: its descriptor limit raised to SLOW_NOFILE (soft and hard; the bench
    runs as root), or to its hard limit where it may not be raised."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (SLOW_NOFILE, max(SLOW_NOFILE, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def vm_rss_kb(pid):
    """A process's resident set (VmRSS, kB) from /proc/PID/status; None once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def socket_fds(pid):
    """How many of a process's descriptors are sockets (/proc/PID/fd)."""
    n = 0
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    for fd in fds:
        try:
            n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n


def context_switches(pid):
    """Context switches of all a process's threads so far (voluntary and not): about how often
    it went to sleep and woke up again."""
    n = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                n += sum(int(line.split()[1]) for line in f if "ctxt_switches:" in line)
        except OSError:
            pass
    return n


def fd_limit(pid):
    """A process's descriptor limit (soft), from /proc/PID/limits; None once it has exited."""
    try:
        with open(f"/proc/{pid}/limits") as f:
            m = re.search(r"^Max open files\s+(\S+)", f.read(), re.M)
    except OSError:
        return None
    return int(m.group(1)) if m and m.group(1).isdigit() else None


def established(port):
    """TCP connections established to 127.0.0.1:`port`, counted on the server's side (`ss`), so
    that whatever opened them is counted the same way."""
    p = subprocess.run(["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
                       capture_output=True, text=True, timeout=60)
    return sum(1 for line in p.stdout.splitlines() if line.strip())


def nginx_status(port):
    """nginx's stub_status (section 11's nginx): active connections and those it is reading a
    request head from (`Reading`), writing to, or waiting on."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /nginx_status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    text = data.decode(errors="replace")
    m = re.search(r"Active connections:\s*(\d+).*Reading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)", text, re.S)
    if not m:
        raise RuntimeError(f"no stub_status in nginx's answer: {text[:200]!r}")
    return dict(zip(("active", "reading", "writing", "waiting"), map(int, m.groups())))


def wait_listening(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def response_bytes(port):
    """One whole response to `GET /` (headers and the 61-byte body), to show what is served."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < len(BODY):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def dig_answers(port, names):
    """What a DNS server on 127.0.0.1:`port` answers for `names` (dig, UDP, one try each): shows,
    and checks, that both of section 9's servers serve the same records."""
    answers = {}
    for name in names:
        p = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), name, "A", "+tries=1", "+time=2", "+noall",
                            "+answer", "+comments"], capture_output=True, text=True, timeout=10)
        status = re.search(r"status: (\w+)", p.stdout)
        records = re.findall(r"\sIN\s+A\s+(\S+)$", p.stdout, re.M)
        ttl = re.findall(r"\s(\d+)\s+IN\s+A\s", p.stdout)
        answers[name] = f"{status.group(1) if status else 'no answer'}" + (f" {', '.join(records)} (TTL {ttl[0]})" if records else "")
    return answers


class Server:
    """A server started for the whole benchmark; its CPU is read around each run."""

    def __init__(self, name, cmd, stderr_path, stop_signal, port=None, preexec_fn=None):
        self.name, self.cmd = name, cmd
        self.stderr = open(stderr_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.stderr, stdin=subprocess.DEVNULL, text=True,
                                     preexec_fn=preexec_fn)
        register(self.proc, stop_signal)
        if port is None:  # chaosload mock / proxy print the address they bound first
            ready, _, _ = select.select([self.proc.stdout], [], [], 15)
            line = self.proc.stdout.readline().strip() if ready else ""
            if not re.fullmatch(r"127\.0\.0\.1:\d+", line):
                raise RuntimeError(f"{name}: expected its address on the first line, got {line!r}")
            port = int(line.rsplit(":", 1)[1])
        self.port = port
        wait_listening(port, self.proc)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def cpu_s(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
        return proc_cpu_s(self.proc.pid)

    def stop(self):
        stop(self.proc)
        self.stderr.close()


# ---------------------------------------------------------------------------------------------
# Output parsing

UNITS_US = {"us": 1, "ms": 1e3, "s": 1e6, "m": 60e6, "h": 3600e6}


def dur_us(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    return float(m.group(1)) * UNITS_US[m.group(2)]


def parse_wrk(out):
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out).group(1))
    m = re.search(r"(\d+) requests in ([\d.]+\w+),", out)
    seconds = dur_us(m.group(2)) / 1e6
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    return {
        "requests": requests,
        "seconds": seconds,
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "errors": errors,
        "p50_us": dur_us(p50.group(1)) if p50 else None,
        "p99_us": dur_us(p99.group(1)) if p99 else None,
    }


def parse_oha(out):
    j = json.loads(out)
    s = j["summary"]
    codes = j.get("statusCodeDistribution", {})
    ok = sum(n for code, n in codes.items() if 200 <= int(code) < 400)
    errors = sum(n for code, n in codes.items() if not 200 <= int(code) < 400)
    # Requests cut off by the end of the run ("aborted due to deadline") are not errors.
    errors += sum(n for kind, n in j.get("errorDistribution", {}).items() if "deadline" not in kind)
    pct = j.get("latencyPercentiles", {})
    return {
        "requests": ok,
        "seconds": s["total"],
        "rate": ok / s["total"],
        "errors": errors,
        "error_kinds": j.get("errorDistribution", {}),
        "p50_us": pct["p50"] * 1e6 if pct.get("p50") is not None else None,
        "p99_us": pct["p99"] * 1e6 if pct.get("p99") is not None else None,
    }


def parse_h2load(out):
    m = re.search(r"^finished in ([\d.]+)(us|ms|s|m), ([\d.]+) req/s", out, re.M)
    seconds = float(m.group(1)) * UNITS_US[m.group(2)] / 1e6
    req = re.search(r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", out, re.M)
    codes = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out, re.M)
    ok = int(codes.group(1)) + int(codes.group(2))
    return {
        "requests": ok,
        "seconds": seconds,
        "rate": ok / seconds,
        "errors": int(req.group(5)) + int(req.group(6)) + int(req.group(7)) + int(codes.group(3)) + int(codes.group(4)),
        "p50_us": None,
        "p99_us": None,
    }


def parse_timer_floor(out):
    vals = {k: int(v) for k, v in re.findall(r"^(\w+) (\d+)$", out, re.M)}
    return {"requests": vals["arrivals"], "lag_p50_us": vals["lag_p50_us"], "lag_p99_us": vals["lag_p99_us"],
            "lag_max_us": vals["lag_max_us"]}


def parse_bare_hyper(out, seconds):
    requests = int(re.search(r"^requests (\d+)$", out, re.M).group(1))
    return {"requests": requests, "seconds": seconds, "rate": requests / seconds, "errors": 0,
            "p50_us": None, "p99_us": None}


def parse_dnsperf(out):
    """dnsperf's statistics; with `-v`, also the percentiles of its per-query latency lines."""
    num = lambda pattern: float(re.search(pattern, out, re.M).group(1))
    completed = int(num(r"^\s*Queries completed:\s+(\d+)"))
    codes = dict((k, int(v)) for k, v in re.findall(r"([A-Z]+) (\d+) \(", re.search(r"Response codes:(.*)$", out, re.M).group(1)))
    m = re.search(r"Average Latency \(s\):\s+([\d.]+) \(min ([\d.]+), max ([\d.]+)\)", out)
    run = {
        "requests": completed,
        "sent": int(num(r"^\s*Queries sent:\s+(\d+)")),
        "lost": int(num(r"^\s*Queries lost:\s+(\d+)")),
        "seconds": num(r"^\s*Run time \(s\):\s+([\d.]+)"),
        "rate": num(r"^\s*Queries per second:\s+([\d.]+)"),
        "rcodes": codes,
        "errors": int(num(r"^\s*Queries lost:\s+(\d+)")) + sum(n for code, n in codes.items() if code != "NOERROR"),
        "avg_us": float(m.group(1)) * 1e6,
        "min_us": float(m.group(2)) * 1e6,
        "max_us": float(m.group(3)) * 1e6,
        "stddev_us": num(r"Latency StdDev \(s\):\s+([\d.]+)") * 1e6,
    }
    wrong = {code: n for code, n in codes.items() if code != "NOERROR"}
    if wrong:  # every query names a served record: anything else means the server does not serve them
        raise RuntimeError(f"answers other than NOERROR: {wrong}")
    # `-v`: one line per answered query, "> NOERROR name A 0.000042" (latency in seconds).
    lat = sorted(float(x) * 1e6 for x in re.findall(r"^> \w+ \S+ \w+ ([\d.]+)$", out, re.M))
    if lat:
        at = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
        run.update({"p50_us": at(0.50), "p90_us": at(0.90), "p99_us": at(0.99), "p999_us": at(0.999),
                    "latency_samples": len(lat)})
    return run


def parse_chaosload(out):
    m = re.search(r"^result: (.+)$", out, re.M)
    if not m:
        raise RuntimeError("no 'result:' line in chaosload's output")
    path = Path(m.group(1).strip())
    if not path.is_absolute():
        path = ROOT / path
    j = json.loads(path.read_text())
    c = j["clients"][0]
    t = c["total"]
    seconds = t["sent"] / t["achieved_rate"] if t["achieved_rate"] else sum(p["duration_ms"] for p in c["phases"]) / 1e3
    errors = dict(t["errors"])
    return {
        "requests": t["completed"],
        "ok": t["ok"],
        "sent": t["sent"],
        "seconds": seconds,
        "rate": t["ok"] / seconds if seconds else 0.0,
        "requested_rate": t.get("requested_rate"),
        "achieved_rate": t["achieved_rate"],
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "p50_us": t["latency"]["p50_us"],
        "p99_us": t["latency"]["p99_us"],
        "lag_p50_us": t["scheduler_lag"]["p50_us"],
        "lag_p99_us": t["scheduler_lag"]["p99_us"],
        "connections": t["connections_opened"],
        # The lookups' time (issue 13), where result.json has it.
        "dns_lookups": (t.get("dns_time") or {}).get("count"),
        "dns_p50_us": (t.get("dns_time") or {}).get("p50_us"),
        "result_json": str(path),
    }


def parse_cohorts(out):
    """parse_chaosload, and what result.json says of the run's cohorts (clients[].cohorts[]):
    how many connections they held at most, and their fates."""
    run = parse_chaosload(out)
    cohorts = [c for client in json.loads(Path(run["result_json"]).read_text())["clients"]
               for c in client.get("cohorts", [])]
    run["cohort_peak_connected"] = sum(c.get("peak_connected", 0) for c in cohorts)
    fates = {}
    for c in cohorts:
        for k, v in c.get("fates", {}).items():
            fates[k] = fates.get(k, 0) + v
    run["cohort_fates"] = fates
    return run


# ---------------------------------------------------------------------------------------------
# The benchmark


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def verdict(ok):
    return "PASS" if ok else "**FAIL**"


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.duration = args.duration or (2 if self.quick else 5)
        self.repeats = args.repeats or (1 if self.quick else 5)
        self.max_steal = args.max_steal / 100
        self.steal_retries = 0 if self.quick else args.steal_retries
        self.sections = {args.only} if args.only else set(range(1, SECTIONS + 1))
        self.tmp = Path(tempfile.mkdtemp(prefix="chaosload-bench-"))
        self.runs = []  # every measured run, for the raw JSON
        self.commands = {"build (bench/run.sh)": "cargo build --release"}  # label -> exact command template
        self.files = {}  # generated file name -> contents (with $PORT placeholders)
        self.servers = {}
        self.counter = 0
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.rng = random.Random(args.seed)

    # --- servers ---

    def start_nginx(self, name="nginx", slow=False, h2=False):
        """nginx on a free port; `slow`: section 11's, which holds slow clients (NGINX_SLOW);
        `h2`: section 12's, speaking HTTP/2 without TLS to clients that know it does (h2c with
        prior knowledge: `listen … http2` on a plain port)."""
        port = free_port()
        d = self.tmp / name
        d.mkdir()
        extra = NGINX_SLOW if slow else {"main": "", "worker_connections": 4096, "http": "", "server": ""}
        conf = NGINX_CONF.format(dir=d, port="{port}", body=BODY, **extra)
        if h2:
            conf = conf.replace("listen 127.0.0.1:{port};", "listen 127.0.0.1:{port} http2;")
        self.files[f"{name}.conf"] = conf.replace(str(d), f"$TMP/{name}").replace("{port}", "$PORT")
        if slow:  # the listener /held passes requests to and that never reads them
            self.silent = socket.socket()
            self.silent.bind(("127.0.0.1", 0))
            self.silent.listen(4096)
            conf = conf.replace("$SILENT", str(self.silent.getsockname()[1]))
        (d / "nginx.conf").write_text(conf.replace("{port}", str(port)))
        cmd = ["nginx", "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")]
        label = "nginx (one worker: master_process off)" + (", section 11, its descriptor limit raised" if slow else "")
        label += ", section 12 (h2c)" if h2 else ""
        self.commands[label] = f"nginx -p $TMP/{name} -c $TMP/{name}/nginx.conf -e $TMP/{name}/error.log"
        return Server(name, cmd, d / "stderr", signal.SIGQUIT, port=port, preexec_fn=raise_nofile if slow else None)

    def start_mock(self):
        cfg = self.tmp / "mock.toml"
        text = "# the standalone mock: 61-byte body, no latency, no faults\n[mock]\nbody_bytes = 61\n"
        cfg.write_text(text)
        self.files["mock.toml"] = text
        self.commands["chaosload mock"] = "chaosload mock --config $TMP/mock.toml --listen 127.0.0.1:0"
        cmd = [str(BIN), "mock", "--config", str(cfg), "--listen", "127.0.0.1:0"]
        return Server("mock", cmd, self.tmp / "mock.stderr", signal.SIGINT)

    def start_proxy(self, upstream_port):
        self.commands["chaosload proxy"] = "chaosload proxy --upstream 127.0.0.1:$NGINX_PORT --listen 127.0.0.1:0"
        cmd = [str(BIN), "proxy", "--upstream", f"127.0.0.1:{upstream_port}", "--listen", "127.0.0.1:0"]
        return Server("proxy", cmd, self.tmp / "proxy.stderr", signal.SIGINT)

    def pinned(self, cmd, cpu):
        """`cmd` under `taskset -c cpu` when the machine has a second CPU and taskset is there."""
        if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
            return ["taskset", "-c", str(cpu), *cmd]
        return cmd

    def dns_records(self):
        return [(f"name{i}.bench.test", f"127.0.0.{i + 1}") for i in range(DNS_NAMES)]

    def start_dns_stub(self):
        cfg = self.tmp / "dns.toml"
        records = "".join(f'  {{ name = "{n}", a = "{a}", ttl = "30s" }},\n' for n, a in self.dns_records())
        text = f"# the DNS stub: {DNS_NAMES} names with A records, no faults\n[dns]\nrecords = [\n{records}]\n"
        cfg.write_text(text)
        self.files["dns.toml"] = text
        cmd = self.pinned([str(BIN), "dns", "--config", str(cfg), "--listen", "127.0.0.1:0"], DNS_SERVER_CPU)
        self.commands["chaosload dns (section 9)"] = shlex.join(cmd).replace(str(BIN), "chaosload").replace(str(self.tmp), "$TMP")
        return Server("dns", cmd, self.tmp / "dns.stderr", signal.SIGTERM)

    def start_dnsmasq(self):
        d = self.tmp / "dnsmasq"
        d.mkdir()
        # dnsmasq reads the hosts file as --user nobody once it has dropped root: the folders on the
        # way must let it (mkdtemp makes $TMP 0700).
        self.tmp.chmod(0o711)
        d.chmod(0o755)
        hosts = "".join(f"{a} {n}\n" for n, a in self.dns_records())
        (d / "hosts").write_text(hosts)
        self.files["dnsmasq/hosts"] = hosts
        port = free_port()
        # The same records from a hosts file, authoritative for bench.test (--local: any other
        # name in it is NXDOMAIN, as the stub answers), TTL 30 s as the stub's; nothing is ever
        # forwarded (--no-resolv and no --server: no upstream at all), /etc/hosts and
        # /etc/dnsmasq.conf are not read. The cache keeps its default size (150): hosts-file
        # records are answered from dnsmasq's own table whatever the cache holds.
        cmd = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", f"--port={port}",
               "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
               f"--addn-hosts={d / 'hosts'}", "--local=/bench.test/", "--local-ttl=30",
               "--user=nobody", "--group=nogroup", f"--pid-file={d / 'dnsmasq.pid'}", f"--log-facility={d / 'log'}"]
        cmd = self.pinned(cmd, DNS_SERVER_CPU)
        self.commands["dnsmasq (section 9)"] = shlex.join(cmd).replace(str(self.tmp), "$TMP").replace(f"--port={port}", "--port=$PORT")
        return Server("dnsmasq", cmd, d / "stderr", signal.SIGTERM, port=port)

    def server(self, name):
        if name not in self.servers:
            if name in ("dns", "dnsmasq"):
                srv = self.servers[name] = self.start_dns_stub() if name == "dns" else self.start_dnsmasq()
                srv.answers = dig_answers(srv.port, [self.dns_records()[0][0], self.dns_records()[-1][0], "absent.bench.test"])
                self.dns_answers[name] = srv.answers
                log(f"started {name} on 127.0.0.1:{srv.port}: {srv.answers}")
                return srv
            if name == "nginx":
                self.servers[name] = self.start_nginx()
            elif name == "nginx-slow":
                self.servers[name] = self.start_nginx(name, slow=True)
            elif name == "nginx-h2":
                self.servers[name] = self.start_nginx(name, h2=True)
                self.servers[name].response = b""
                return self.servers[name]
            elif name == "nginx-tls":
                self.servers[name] = self.start_nginx_tls()
                return self.servers[name]
            elif name == "mock":
                self.servers[name] = self.start_mock()
            elif name == "proxy":
                self.servers[name] = self.start_proxy(self.server("nginx").port)
            srv = self.servers[name]
            srv.response = response_bytes(srv.port)
            self.responses[name] = srv.response
            log(f"started {name} on 127.0.0.1:{srv.port}: a response is {len(srv.response)} bytes")
        return self.servers[name]

    @property
    def dns_answers(self):
        return self.__dict__.setdefault("_dns_answers", {})

    @property
    def responses(self):
        return self.__dict__.setdefault("_responses", {})

    def stop_servers(self):
        for s in list(self.servers.values()):
            s.stop()
        self.servers.clear()

    # --- load generators ---

    def scenario(self, name, url, body):
        path = self.tmp / f"{name}.toml"
        text = f'name = "{name}"\ndrain = "2s"\n\n[target]\nurl = "{url}"\n\n{body}'
        path.write_text(text)
        self.files[f"{name}.toml"] = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:$PORT", text)
        return path

    def closed_scenario(self, url, conns, seconds):
        return self.scenario(
            f"bench-closed-c{conns}",
            url,
            f'[[phase]]\nduration = "{seconds}s"\nconcurrency = {conns}\n\n[[client]]\nname = "chaosload"\n',
        )

    def open_scenario(self, url, rate, seconds, tag="open", conns=64):
        return self.scenario(
            f"bench-{tag}",
            url,
            f'[[phase]]\nduration = "{seconds}s"\nshape = {{ kind = "constant", rate = {rate} }}\n\n'
            f'[[client]]\nname = "chaosload"\nmax_conns_per_host = {conns}\n',
        )

    def load_cmd(self, tool, url, conns, seconds):
        if tool == "wrk":
            self.commands["wrk"] = "wrk -t1 -c$CONNS -d${SECONDS}s --latency http://127.0.0.1:$PORT/"
            return ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", url]
        if tool == "oha":
            self.commands["oha"] = (
                "oha -c $CONNS -z ${SECONDS}s --worker-threads 1 --no-tui --output-format json http://127.0.0.1:$PORT/"
            )
            return ["oha", "-c", str(conns), "-z", f"{seconds}s", "--worker-threads", "1", "--no-tui",
                    "--output-format", "json", url]
        if tool == "hyper":
            self.commands["hyper"] = "target/release/examples/bare_hyper http://127.0.0.1:$PORT/ $CONNS $SECONDS"
            return [str(BARE_HYPER), url, str(conns), str(seconds)]
        if tool == "chaosload":
            scenario = self.closed_scenario(url, conns, seconds)
            self.commands["chaosload (closed)"] = (
                "chaosload run $TMP/bench-closed-c$CONNS.toml --out $TMP/runs --quiet --threads 1"
            )
            return self.chaosload_run(scenario)
        raise ValueError(tool)

    def chaosload_run(self, scenario):
        return [str(BIN), "run", str(scenario), "--out", str(self.tmp / "runs"), "--quiet", "--threads", "1"]

    def measure(self, section, tool, cmd, seconds, parser, servers=(), once=None, **tags):
        """One run, repeated while the host steals more than `--max-steal` of the CPU (up to
        `--steal-retries` times): of the tries, the one with the least steal counts; the others
        stay in the raw data marked `superseded`. Times measured while the host takes a third of
        the machine say more about the host than about the tools. `once` makes one try
        (`measure_once` unless a section measures its runs its own way)."""
        once = once or self.measure_once
        tries = [once(section, tool, cmd, seconds, parser, servers, **tags)]
        while (tries[-1]["ok_run"] and tries[-1]["steal"] > self.max_steal
               and len(tries) <= self.steal_retries):
            log(f"  [{tries[-1]['n']}] steal {tries[-1]['steal']:.0%} > {self.max_steal:.0%}: repeating the run")
            tries.append(once(section, tool, cmd, seconds, parser, servers, **tags))
        if not tries[-1]["ok_run"]:
            keep = tries[-1]
        else:
            keep = min(tries, key=lambda r: r["steal"])
        for r in tries:
            if r is not keep:
                r["superseded"] = True
        return keep

    def measure_once(self, section, tool, cmd, seconds, parser, servers=(), preexec_fn=None, peak_rss=False, **tags):
        """One run: the load generator's own CPU and RSS, the servers' CPU, the machine's steal."""
        self.counter += 1
        work = self.tmp / f"run-{self.counter}"
        work.mkdir()
        before = {s: self.server(s).cpu_s() for s in servers}
        steal0, total0, busy0 = cpu_times()
        r = run_measured(cmd, timeout=seconds + 60, workdir=work, preexec_fn=preexec_fn, peak_rss=peak_rss)
        steal1, total1, busy1 = cpu_times()
        after = {s: self.server(s).cpu_s() for s in servers}
        run = {"n": self.counter, "section": section, "tool": tool, **tags, "cmd": shlex.join(cmd)}
        run.update({k: r[k] for k in ("rc", "timed_out", "cpu_s", "user_s", "sys_s", "maxrss_kb", "maxrss_wait4_kb", "wall_s")})
        run["steal"] = (steal1 - steal0) / max(total1 - total0, 1)
        # What else ran on the machine meanwhile (other users, builds), as a share of all its CPUs:
        # busy time minus the measured tool's and servers' own. Steal says what the host took; this
        # says what the guest's other processes took.
        ours = (r["cpu_s"] + sum(after[s] - before[s] for s in servers)) * CLK_TCK
        run["others_cpu"] = max(0.0, (busy1 - busy0) - ours) / max(total1 - total0, 1)
        try:
            if r["rc"] != 0 or r["timed_out"]:
                raise RuntimeError(f"exit code {r['rc']}{' (timed out)' if r['timed_out'] else ''}")
            parsed = parser(r["stdout"])
            assert not set(parsed) & set(tags), f"tag names collide: {set(parsed) & set(tags)}"
            run.update(parsed)
            req = max(run["requests"], 1)
            run["cpu_us_per_req"] = r["cpu_s"] * 1e6 / req
            run["server_cpu_us_per_req"] = {s: (after[s] - before[s]) * 1e6 / req for s in servers}
            run["ok_run"] = True
        except Exception as e:
            run["ok_run"] = False
            run["failure"] = f"{e}; stderr: {r['stderr'][-500:]!r}; stdout: {r['stdout'][-300:]!r}"
            log(f"  run {self.counter} failed: {run['failure']}")
        self.runs.append(run)
        if run["ok_run"]:
            desc = " ".join(f"{k}={v}" for k, v in tags.items())
            extra = "".join(f", {s} {v:.1f} µs/req" for s, v in run["server_cpu_us_per_req"].items())
            if "rate" in run:
                what = (f"{run['rate']:.0f} req/s, {run['cpu_us_per_req']:.2f} µs CPU/req{extra}, "
                        f"errors {run['errors']}")
            else:  # the timer floor
                what = f"lag p50 {run['lag_p50_us']} µs, p99 {run['lag_p99_us']} µs"
            log(f"  [{self.counter}] s{section} {tool} {desc}: {what}, steal {run['steal']:.0%}")
        time.sleep(0.3)
        return run

    def measure_rss(self, *args, **tags):
        """measure_once with the tool's own peak RSS (GNU time's, not wait4's: see GNU_TIME)."""
        return self.measure_once(*args, peak_rss=True, **tags)

    def parser_for(self, tool):
        if tool == "hyper":
            return lambda out: parse_bare_hyper(out, self.duration)
        return {"wrk": parse_wrk, "oha": parse_oha, "chaosload": parse_chaosload}[tool]

    def pick_all(self, section, **tags):
        """The counted try of every run of one case (tries repeated for steal left out)."""
        return [
            r
            for r in self.runs
            if r["section"] == section and r["ok_run"] and not r.get("superseded")
            and all(r.get(k) == v for k, v in tags.items())
        ]

    def pick(self, section, **tags):
        """The runs a case's medians are taken over: those during which the host stole at most
        `--max-steal` of the CPU, when at least half of the case's runs (and two) were such;
        otherwise all of them. Tables show how many counted (`3 of 5`)."""
        runs = self.pick_all(section, **tags)
        quiet = [r for r in runs if r.get("steal", 0) <= self.max_steal]
        return quiet if len(quiet) >= max(2, (len(runs) + 1) // 2) else runs

    def counted(self, section, **tags):
        """`n` or `n of m`: runs counted in a case's medians, of its runs."""
        n, m = len(self.pick(section, **tags)), len(self.pick_all(section, **tags))
        return f"{n}" if n == m else f"{n} of {m}"

    # --- sections 1-3: the closed-model matrix, interleaved ---

    def closed_matrix(self):
        cases = set()
        tools = [t for t in ("chaosload", "wrk", "oha") if t == "chaosload" or shutil.which(t)]
        if BARE_HYPER.exists():
            tools.append("hyper")
        self.missing_tools = sorted({"wrk", "oha"} - set(tools))
        if self.missing_tools:
            log(f"not installed, left out: {', '.join(self.missing_tools)}")
        for target, sec in (("nginx", 1), ("mock", 2)):
            if sec in self.sections:
                cases |= {(sec, target, tool, c) for tool in tools for c in CONNS}
        if 3 in self.sections:
            for target, sec in (("nginx", 1), ("mock", 2)):
                if not any(k[0] == sec and k[2] == "wrk" for k in cases):
                    cases |= {(sec, target, "wrk", c) for c in CONNS}
        if not cases:
            return
        cases = sorted(cases)
        log(f"sections 1-3: {len(cases)} cases × {self.repeats} repeats × {self.duration}s, interleaved")
        for rep in range(self.repeats):
            order = cases[:]
            self.rng.shuffle(order)
            for sec, target, tool, conns in order:
                srv = self.server(target)
                cmd = self.load_cmd(tool, srv.url, conns, self.duration)
                self.measure(sec, tool, cmd, self.duration, self.parser_for(tool), servers=(target,),
                             target=target, conns=conns, rep=rep)

    def closed_max(self):
        """chaosload's closed-model maximum against nginx (the highest median over 16/64 conns)."""
        best = None
        self.open_conns = 64
        for c in CONNS:
            m = median([r["rate"] for r in self.pick(1, tool="chaosload", conns=c)])
            if m and (best is None or m > best):
                best, self.open_conns = m, c
        if best is None:
            log("section 5: measuring chaosload's closed-model maximum against nginx first")
            srv = self.server("nginx")
            for rep in range(1 if self.quick else 3):
                cmd = self.load_cmd("chaosload", srv.url, 64, self.duration)
                self.measure(1, "chaosload", cmd, self.duration, parse_chaosload, servers=("nginx",),
                             target="nginx", conns=64, rep=rep, purpose="closed max for section 5")
            best = median([r["rate"] for r in self.pick(1, tool="chaosload", conns=64)])
        return best

    # --- section 4: proxy ---

    def proxy_section(self):
        nginx = self.server("nginx")
        proxy = self.server("proxy")
        cases = [(path, c) for path in ("direct", "proxy") for c in (1, 64)]
        log(f"section 4: {len(cases)} cases × {self.repeats} repeats × {self.duration}s, interleaved")
        for rep in range(self.repeats):
            order = cases[:]
            self.rng.shuffle(order)
            for path, conns in order:
                url = (nginx if path == "direct" else proxy).url
                cmd = self.load_cmd("wrk", url, conns, self.duration)
                servers = ("nginx",) if path == "direct" else ("nginx", "proxy")
                self.measure(4, "wrk", cmd, self.duration, parse_wrk, servers=servers, path=path, conns=conns, rep=rep)

    # --- section 5: open-model accuracy ---

    def open_section(self):
        cmax = self.closed_max()
        if not cmax:
            log("section 5 skipped: no closed-model maximum")
            return
        self.open_max = cmax
        steps = {r for r in (10_000, 20_000, 40_000, 60_000, 80_000, 100_000, 120_000, 160_000) if r < cmax * 0.95}
        steps |= {int(round(cmax * T_OPEN_UP_TO, -3)), int(round(cmax, -3))}
        if self.quick:
            steps = {10_000, int(round(cmax * T_OPEN_UP_TO, -3)), int(round(cmax, -3))}
        steps = sorted(s for s in steps if s > 0)
        self.open_steps = steps
        nginx = self.server("nginx")
        reps = 1 if self.quick else 3
        log(f"section 5: closed max {cmax:.0f}/s; steps {steps} × {reps} repeats × {self.duration}s")
        cases = [(tool, rate) for rate in steps for tool in ("chaosload", "floor")
                 if tool == "chaosload" or TIMER_FLOOR.exists()]
        for rep in range(reps):
            order = cases[:]
            self.rng.shuffle(order)
            for tool, rate in order:
                if tool == "floor":
                    self.commands["timer floor (section 5)"] = "target/release/examples/timer_floor $RATE $SECONDS"
                    cmd = [str(TIMER_FLOOR), str(rate), str(self.duration)]
                    self.measure(5, "floor", cmd, self.duration, parse_timer_floor, requested=rate, rep=rep)
                    continue
                scenario = self.open_scenario(nginx.url, rate, self.duration, conns=self.open_conns)
                self.commands["chaosload (open)"] = "chaosload run $TMP/bench-open.toml --out $TMP/runs --quiet --threads 1"
                self.measure(5, "chaosload", self.chaosload_run(scenario), self.duration, parse_chaosload,
                             servers=("nginx",), requested=rate, rep=rep)

    # --- section 6: memory ---

    def memory_section(self):
        nginx = self.server("nginx")
        short, long_ = (3, 10) if self.quick else (10, 120)
        self.mem_durations = (short, long_)
        rate = 10_000
        self.mem_rate = rate
        log(f"section 6: peak RSS at {rate}/s, {short}s, {long_}s, {short}s")
        self.commands["chaosload (memory)"] = (
            "chaosload run $TMP/bench-mem-${SECONDS}s.toml --out $TMP/runs --quiet --threads 1"
        )
        for rep, seconds in enumerate((short, long_, short)):
            scenario = self.open_scenario(nginx.url, rate, seconds, tag=f"mem-{seconds}s")
            self.measure(6, "chaosload", self.chaosload_run(scenario), seconds, parse_chaosload,
                         servers=("nginx",), once=self.measure_rss, seconds_run=seconds, rep=rep)

    # --- section 7: validate start-up ---

    def validate_section(self):
        n = 10 if self.quick else 30
        files = {
            "one file (scenarios/coldstart.toml)": ["scenarios/coldstart.toml"],
            "every file in scenarios/": sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").glob("*.toml")),
        }
        self.validate_files = files
        log(f"section 7: chaosload validate × {n}")
        self.commands["chaosload validate (from the repository root)"] = (
            "chaosload validate scenarios/coldstart.toml\nchaosload validate scenarios/*.toml"
        )
        for rep in range(n):
            for label, fs in files.items():
                cmd = [str(BIN), "validate", *fs]
                t0 = time.perf_counter()
                p = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=30)
                wall = time.perf_counter() - t0
                self.runs.append({"section": 7, "tool": "chaosload validate", "what": label, "rep": rep,
                                  "cmd": shlex.join(["chaosload", "validate", *fs]), "rc": p.returncode,
                                  "wall_ms": wall * 1e3, "ok_run": p.returncode == 0})

    # --- section 8: instruction counts ---

    def callgrind_section(self):
        """User-space instructions per request under valgrind's callgrind, for each load generator
        against nginx: a short and a long run, so start-up and shut-down cancel out."""
        if not shutil.which("valgrind"):
            log("section 8 skipped: valgrind is not installed (bench/run.sh installs it)")
            self.missing_tools = sorted(set(getattr(self, "missing_tools", [])) | {"valgrind"})
            return
        nginx = self.server("nginx")
        conns = 16
        self.callgrind_conns = conns
        self.callgrind_durations = (2, 6)
        tools = [t for t in ("chaosload", "wrk", "oha") if t == "chaosload" or shutil.which(t)]
        if BARE_HYPER.exists():
            tools.append("hyper")
        log(f"section 8: callgrind, {len(tools)} tools × {self.callgrind_durations} s against nginx, {conns} conns")
        self.commands["callgrind (section 8)"] = (
            "valgrind --tool=callgrind --callgrind-out-file=$TMP/callgrind.$TOOL.$SECONDS <the tool's command above, "
            "16 conns, $SECONDS 2 and 6>"
        )
        for tool in tools:
            for seconds in self.callgrind_durations:
                if tool == "chaosload":
                    scenario = self.scenario(
                        f"bench-callgrind-{seconds}s", nginx.url,
                        f'[[phase]]\nduration = "{seconds}s"\nconcurrency = {conns}\n\n[[client]]\nname = "chaosload"\n')
                    cmd = self.chaosload_run(scenario)
                else:
                    cmd = self.load_cmd(tool, nginx.url, conns, seconds)
                out = self.tmp / f"callgrind.{tool}.{seconds}"
                vcmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd]
                parser = (lambda o, s=seconds: parse_bare_hyper(o, s)) if tool == "hyper" else self.parser_for(tool)
                run = self.measure(8, tool, vcmd, seconds + 30, parser, target="nginx", conns=conns, seconds_run=seconds)
                if run["ok_run"]:
                    m = re.search(r"^summary: (\d+)$", out.read_text(), re.M) if out.exists() else None
                    if m:
                        run["instructions"] = int(m.group(1))
                    else:
                        run["ok_run"] = False
                        run["failure"] = f"no 'summary:' line in {out}"

    def instructions_per_request(self, tool):
        """(instructions per request, short run, long run) from section 8's two runs of `tool`."""
        runs = {r["seconds_run"]: r for r in self.pick(8, tool=tool) if "instructions" in r}
        short, long_ = self.callgrind_durations
        if short not in runs or long_ not in runs or runs[long_]["requests"] <= runs[short]["requests"]:
            return None, runs.get(short), runs.get(long_)
        a, b = runs[short], runs[long_]
        return (b["instructions"] - a["instructions"]) / (b["requests"] - a["requests"]), a, b

    # --- section 9: the DNS stub against dnsmasq ---

    def dns_query_file(self):
        path = self.tmp / "queries.txt"
        text = "".join(f"{n} A\n" for n, _ in self.dns_records())
        path.write_text(text)
        self.files["queries.txt"] = text
        return path

    def dnsperf_cmd(self, port, queries, qps=None):
        """dnsperf as one client on one thread (`-c 1 -T 1`), at most 100 queries outstanding
        (its default `-q`), for the run's length; `-Q` fixes the rate and `-v` lists every
        query's latency (only in the latency runs, it costs dnsperf CPU)."""
        cmd = ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", str(queries), "-l", str(self.duration),
               "-c", "1", "-T", "1", "-q", "100", "-t", "2"]
        if qps:
            cmd += ["-Q", str(qps), "-v"]
        return self.pinned(cmd, DNS_CLIENT_CPU)

    def dns_section(self):
        missing = [t for t in ("dnsperf", "dnsmasq") if not shutil.which(t)]
        if missing:
            log(f"section 9 skipped: {', '.join(missing)} not installed (bench/run.sh installs them)")
            self.missing_tools = sorted(set(getattr(self, "missing_tools", [])) | set(missing))
            return
        queries = self.dns_query_file()
        servers = ("dns", "dnsmasq")
        ports = {s: self.server(s).port for s in servers}
        self.dns_pinned = self.pinned(["x"], 0) != ["x"]
        template = lambda cmd, port: (shlex.join(cmd).replace(str(self.tmp), "$TMP")
                                      .replace(f"-l {self.duration}", "-l $SECONDS").replace(f"-p {port}", "-p $PORT"))
        log(f"section 9: dnsperf at its maximum, {len(servers)} servers × {self.repeats} repeats × {self.duration}s")
        for rep in range(self.repeats):
            order = list(servers)
            self.rng.shuffle(order)
            for srv in order:
                cmd = self.dnsperf_cmd(ports[srv], queries)
                self.commands["dnsperf, maximum rate (section 9)"] = template(cmd, ports[srv])
                self.measure(9, "dnsperf", cmd, self.duration, parse_dnsperf, servers=(srv,), server=srv,
                             mode="max", rep=rep)
        maxima = [median([r["rate"] for r in self.pick(9, server=s, mode="max")]) for s in servers]
        if any(m is None for m in maxima):
            log("section 9: no maximum for one of the servers; latency runs skipped")
            return
        qps = DNS_LATENCY_QPS if min(maxima) >= 2 * DNS_LATENCY_QPS else int(round(min(maxima) / 2, -2))
        self.dns_latency_qps = qps
        log(f"section 9: latency at {qps}/s, {len(servers)} servers × {self.repeats} repeats")
        for rep in range(self.repeats):
            order = list(servers)
            self.rng.shuffle(order)
            for srv in order:
                cmd = self.dnsperf_cmd(ports[srv], queries, qps=qps)
                self.commands["dnsperf, fixed rate (section 9)"] = (
                    template(cmd, ports[srv]).replace(f"-Q {qps}", "-Q $QPS"))
                self.measure(9, "dnsperf", cmd, self.duration, parse_dnsperf, servers=(srv,), server=srv,
                             mode="latency", qps=qps, rep=rep)

    # --- section 10: what a resolver configuration costs a new connection ---

    RESOLVER_CONFIGS = ("fixed", "cached", "uncached")
    RESOLVER_CONNS = 16

    def resolver_scenario(self, config, seconds):
        """One configuration a scenario: the mock, reached by its address (`fixed`) or by the name
        `upstream.test` through the DNS stub, `keep_alive = false`, so every request opens a
        connection and (uncached) resolves."""
        dns = "" if config == "fixed" else '[dns]\nmock_name = "upstream.test"\n\n'
        resolver = "" if config == "fixed" else f'resolver = {{ kind = "{config}" }}\n'
        name = f"bench-resolver-{config}"
        text = (f'name = "{name}"\ndrain = "2s"\n\n[target]\nmock = true\n\n[mock]\nbody_bytes = 61\n\n{dns}'
                f'[[phase]]\nduration = "{seconds}s"\nconcurrency = {self.RESOLVER_CONNS}\n\n'
                f'[[client]]\nname = "{config}"\nkeep_alive = false\n{resolver}')
        path = self.tmp / f"{name}.toml"
        path.write_text(text)
        self.files[f"{name}.toml"] = text
        return path

    def resolver_section(self):
        paths = {c: self.resolver_scenario(c, self.duration) for c in self.RESOLVER_CONFIGS}
        check = subprocess.run([str(BIN), "validate", *map(str, paths.values())], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            lines = (check.stdout + check.stderr).replace(str(self.tmp), "$TMP").splitlines()
            self.resolver_skipped = [l.strip() for l in lines if l.strip() and not l.startswith("ok:")][:2]
            self.resolver_skipped.insert(0, "chaosload validate refuses the scenarios")
            log(f"section 10 skipped: {self.resolver_skipped}")
            return
        # A named configuration that looked nothing up would measure the fixed address under
        # another label: one short run first must show lookups in result.json's dns_time.
        probe = self.resolver_scenario("uncached", 1)
        p = subprocess.run(self.chaosload_run(probe), capture_output=True, text=True, timeout=60)
        try:
            looked_up = parse_chaosload(p.stdout).get("dns_lookups") if p.returncode == 0 else None
        except Exception:
            looked_up = None
        paths["uncached"] = self.resolver_scenario("uncached", self.duration)
        if not looked_up:
            self.resolver_skipped = [f"a 1 s run of the uncached configuration (exit {p.returncode}) recorded "
                                     f"{looked_up or 0} lookups in dns_time: the run does not resolve the mock's name yet"]
            log(f"section 10 skipped: {self.resolver_skipped[0]}")
            return
        log(f"section 10: {len(paths)} resolver configurations × {self.repeats} repeats × {self.duration}s, interleaved")
        self.commands["chaosload (section 10)"] = "chaosload run $TMP/bench-resolver-$CONFIG.toml --out $TMP/runs --quiet --threads 1"
        for rep in range(self.repeats):
            order = list(self.RESOLVER_CONFIGS)
            self.rng.shuffle(order)
            for config in order:
                self.measure(10, "chaosload", self.chaosload_run(paths[config]), self.duration, parse_chaosload,
                             config=config, rep=rep)

    # --- section 11: slow-client cohorts against slowhttptest ---

    def slow_params(self):
        """(connections, hold seconds, repeats): 10,000 held 30 s, 3 times; --quick 2,000 for 10 s."""
        return (2_000, 10, 1) if self.quick else (SLOW_CONNS, SLOW_HOLD_S, 3)

    def slow_ramp_limit(self, conns):
        """How long the tools may take to open `conns`: three times their rate's share, and 150 s,
        because slowhttptest opens one connection per turn of a loop that walks (and polls) every
        connection it has, so its opening slows as it goes: about 70 s for 10,000 on 2 cores."""
        return conns / SLOW_PER_SECOND * 3 + 150

    def cohort_fault(self, conns):
        return (f'[[fault]]\nlayer = "clients"\nkind = "slowloris"\nconnections = {conns}\n'
                f'per_second = {SLOW_PER_SECOND}\ninterval = "{SLOW_INTERVAL_S}s"\nbytes = {SLOW_BYTES}\n')

    def slow_cmd(self, tool, conns, url):
        """The command holding `conns` slowloris connections against `url`, running long enough
        (the ramp's limit, the hold and 30 s) that the bench, not the tool, ends it."""
        seconds = int(self.slow_ramp_limit(conns) + self.slow_params()[1] + 30)
        if tool == "slowhttptest":
            self.commands["slowhttptest (section 11)"] = (
                f"slowhttptest -H -c $CONNS -r {SLOW_PER_SECOND} -i {SLOW_INTERVAL_S} -x {SLOW_BYTES} -l $SECONDS "
                "-u http://127.0.0.1:$PORT$URLPATH")
            return ["slowhttptest", "-H", "-c", str(conns), "-r", str(SLOW_PER_SECOND), "-i", str(SLOW_INTERVAL_S),
                    "-x", str(SLOW_BYTES), "-l", str(seconds), "-u", url]
        cfg = self.tmp / f"cohort-{conns}.toml"
        text = "# section 11: one slowloris cohort, as slowhttptest's -H above\n" + self.cohort_fault(conns)
        cfg.write_text(text)
        self.files[f"cohort-{conns}.toml"] = text
        self.commands["chaosload slow (section 11)"] = (
            "chaosload slow --target http://127.0.0.1:$PORT/held --config $TMP/cohort-$CONNS.toml --for ${SECONDS}s")
        return [str(BIN), "slow", "--target", url, "--config", str(cfg), "--for", f"{seconds}s"]

    def drain(self, port, timeout=60.0):
        """Waits until the server holds (almost) no connections, so the next run starts from none."""
        deadline = time.monotonic() + timeout
        while (n := established(port)) > 5 and time.monotonic() < deadline:
            time.sleep(1)
        return n

    def slow_hold_once(self, section, tool, cmd, hold_s, _parser, _servers=(), conns=SLOW_CONNS, **tags):
        """One tool holding `conns` slowloris connections against section 11's nginx: its RSS right
        after start (the last sample before it had a socket), how long it took to open them all
        (counted on nginx's side), then over `hold_s` seconds its CPU, its RSS, and how many it
        still held (ss and nginx's stub_status) at the end."""
        self.counter += 1
        work = self.tmp / f"run-{self.counter}"
        work.mkdir()
        srv = self.server("nginx-slow")
        run = {"n": self.counter, "section": section, "tool": tool, "conns": conns, **tags, "cmd": shlex.join(cmd)}
        out_path, err_path = work / "stdout", work / "stderr"
        with open(out_path, "w") as out, open(err_path, "w") as err:
            t_start = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=raise_nofile)
            register(proc, signal.SIGINT)
            try:
                # The baseline: the first sample (one a millisecond) in which the tool has a
                # socket — started up, with its first connection (or its probe) under way. A
                # sample before it would catch a process its loader has not finished mapping.
                base, first = None, None
                while time.monotonic() - t_start < 5 and proc.poll() is None:
                    sample = (vm_rss_kb(proc.pid), socket_fds(proc.pid), time.monotonic() - t_start)
                    if sample[0] is None:
                        break
                    first, base = first or sample[0], sample
                    if sample[1]:
                        break
                    time.sleep(0.001)
                if base is None:
                    raise RuntimeError(f"no RSS sample: exit code {proc.poll()}")
                run.update({"baseline_rss_kb": base[0], "baseline_sockets": base[1], "baseline_at_s": base[2],
                            "rss_at_exec_kb": first, "nofile": fd_limit(proc.pid)})
                best, best_t, limit = 0, time.monotonic(), self.slow_ramp_limit(conns)
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"exited with {proc.returncode} while opening its connections")
                    n = established(srv.port)
                    now = time.monotonic()
                    if n > best:
                        best, best_t = n, now
                    if n >= conns or now - best_t > 10 or now - t_start > limit:
                        break
                    time.sleep(0.5)
                run.update({"ramp_s": now - t_start, "open_at_hold_start": n})
                cpu0, srv0, cs0 = proc_cpu_s(proc.pid), srv.cpu_s(), context_switches(proc.pid)
                steal0, total0, busy0 = cpu_times()
                h0 = time.monotonic()
                held, rss = [n], []
                while (el := time.monotonic() - h0) < hold_s:
                    if proc.poll() is not None:
                        raise RuntimeError(f"exited with {proc.returncode} while holding its connections")
                    rss.append(vm_rss_kb(proc.pid))
                    if len(rss) % 10 == 0:
                        held.append(established(srv.port))
                    time.sleep(min(1.0, max(0.0, hold_s - el)))
                cpu1, srv1, cs1 = proc_cpu_s(proc.pid), srv.cpu_s(), context_switches(proc.pid)
                steal1, total1, busy1 = cpu_times()
                hold_wall = time.monotonic() - h0
                run["rss_kb"] = vm_rss_kb(proc.pid)
                held.append(established(srv.port))
                run["nginx_status"] = nginx_status(srv.port)
                run.update({"held": held[-1], "held_samples": held, "rss_hold_samples_kb": rss,
                            "rss_max_kb": max(rss + [run["rss_kb"]]), "hold_s": hold_wall,
                            "cpu_ramp_s": cpu0, "cpu_hold_s": cpu1 - cpu0, "nginx_cpu_hold_s": srv1 - srv0})
                run["steal"] = (steal1 - steal0) / max(total1 - total0, 1)
                ours = (cpu1 - cpu0 + srv1 - srv0) * CLK_TCK
                run["others_cpu"] = max(0.0, (busy1 - busy0) - ours) / max(total1 - total0, 1)
                if not run["held"]:
                    raise RuntimeError("held no connection")
                run["rss_per_conn_kb"] = (run["rss_kb"] - run["baseline_rss_kb"]) / run["held"]
                run["cpu_pct"] = run["cpu_hold_s"] / hold_wall
                run["switches_per_s"] = (cs1 - cs0) / hold_wall
                # CPU seconds per 1,000 connections held for a minute, over the mean held.
                conn_min = statistics.mean(held) * hold_wall / 60
                run["cpu_s_per_kconn_min"] = run["cpu_hold_s"] / (conn_min / 1000)
                run["ok_run"] = True
            except Exception as e:
                run["ok_run"] = False
                run["failure"] = str(e)
                run.setdefault("steal", 0.0)
            finally:
                stop(proc, signal.SIGINT, grace=10)
        run["rc"] = proc.returncode
        run["stdout_tail"] = out_path.read_text(errors="replace")[-1500:]
        run["stderr_tail"] = err_path.read_text(errors="replace")[-1500:]
        if not run["ok_run"]:
            run["failure"] += f"; stderr: {run['stderr_tail'][-400:]!r}; stdout: {run['stdout_tail'][-300:]!r}"
            log(f"  run {self.counter} failed: {run['failure']}")
        run["left_after_s"] = self.drain(srv.port)
        self.runs.append(run)
        if run["ok_run"]:
            log(f"  [{self.counter}] s11 {tool} {conns}: held {run['held']} (opened in {run['ramp_s']:.1f} s), "
                f"RSS {run['baseline_rss_kb'] / 1024:.1f} → {run['rss_kb'] / 1024:.1f} MB "
                f"({run['rss_per_conn_kb']:.2f} kB/conn), CPU {run['cpu_pct']:.1%} over {hold_wall:.0f} s, "
                f"nginx reading {run['nginx_status']['reading']}, steal {run['steal']:.0%}")
        return run

    # (tool, what nginx does with a probe): the cases of section 11's hold. The held connections
    # never finish their request, so they get the same treatment at either URL; only the tools'
    # probes (complete requests) differ: at /held nginx never answers them.
    SLOW_CASES = (("chaosload", "unanswered"), ("slowhttptest", "unanswered"), ("slowhttptest", "answered"))

    def slow_section(self):
        if not shutil.which("slowhttptest"):
            log("section 11: slowhttptest is not installed (bench/run.sh installs it); chaosload alone")
            self.missing_tools = sorted(set(getattr(self, "missing_tools", [])) | {"slowhttptest"})
        conns, hold_s, reps = self.slow_params()
        self.slow_conns, self.slow_hold_s, self.slow_reps = conns, hold_s, reps
        srv = self.server("nginx-slow")
        url = lambda probe: srv.url + ("held" if probe == "unanswered" else "")
        cases = [c for c in self.SLOW_CASES if c[0] == "chaosload" or shutil.which(c[0])]
        log(f"section 11: {len(cases)} cases × {reps} repeats holding {conns} slowloris connections {hold_s}s, interleaved")
        for rep in range(reps):
            # slowhttptest with its probe answered once only: it shows the spin, and no target uses it.
            order = [c for c in cases if c[1] == "unanswered" or rep == 0]
            self.rng.shuffle(order)
            for tool, probe in order:
                self.measure(11, tool, self.slow_cmd(tool, conns, url(probe)), hold_s, None, once=self.slow_hold_once,
                             conns=conns, part="hold", probe=probe, rep=rep)
        # slowhttptest holding fewer: chaosload again at the most it held, to compare like for like.
        sh = median([r["held"] for r in self.pick(11, tool="slowhttptest", conns=conns, part="hold", probe="unanswered")])
        self.slow_compare_at = conns
        if sh and sh < 0.95 * conns:
            fewer = max(100, int(sh) // 100 * 100)
            self.slow_compare_at = fewer
            log(f"section 11: slowhttptest held {sh:.0f} of {conns}; chaosload again at {fewer}")
            for rep in range(reps):
                self.measure(11, "chaosload", self.slow_cmd("chaosload", fewer, url("unanswered")), hold_s, None,
                             once=self.slow_hold_once, conns=fewer, part="hold", probe="unanswered", rep=rep)
        self.slow_lag_section(conns)

    def slow_lag_once(self, section, tool, cmd, seconds, parser, servers=(), **tags):
        """One `chaosload run` as measure_once runs it, with nginx's established connections
        counted once a second meanwhile (the cohort's, and the measured traffic's pool)."""
        port, peak, done = self.server("nginx-slow").port, [0], threading.Event()

        def sample():
            while not done.wait(1.0):
                peak[0] = max(peak[0], established(port))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            run = self.measure_once(section, tool, cmd, seconds, parser, servers, preexec_fn=raise_nofile, **tags)
        finally:
            done.set()
            sampler.join()
        run["server_established_peak"] = peak[0]
        run["left_after_s"] = self.drain(port)
        return run

    def slow_lag_section(self, conns):
        """The open model at SLOW_LAG_RATE against section 11's nginx, with and without a cohort of
        `conns` slowloris connections in the same `chaosload run` (opening, then held)."""
        srv = self.server("nginx-slow")
        seconds = int(conns / SLOW_PER_SECOND) + (5 if self.quick else SLOW_LAG_HOLD_S)
        self.slow_lag = {"rate": SLOW_LAG_RATE, "seconds": seconds}
        body = (f'[[phase]]\nduration = "{seconds}s"\nshape = {{ kind = "constant", rate = {SLOW_LAG_RATE} }}\n\n'
                f'[[client]]\nname = "chaosload"\nmax_conns_per_host = 64\n')
        paths = {"without": self.scenario("bench-lag-alone", srv.url, body),
                 "with": self.scenario("bench-lag-cohort", srv.url, body + "\n" + self.cohort_fault(conns))}
        check = subprocess.run([str(BIN), "validate", *map(str, paths.values())], capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            lines = (check.stdout + check.stderr).replace(str(self.tmp), "$TMP").splitlines()
            self.slow_lag["skipped"] = ["chaosload validate refuses the scenarios"] + [
                l.strip() for l in lines if l.strip() and not l.startswith("ok:")][:2]
            log(f"section 11 (lag beside a cohort) skipped: {self.slow_lag['skipped']}")
            return
        # A run that accepted the cohort but held none of it would measure the run without one
        # under another label: a short run with a small cohort must report it held in result.json.
        probe = self.scenario("bench-lag-probe", srv.url,
                              body.replace(f'"{seconds}s"', '"3s"').replace(str(SLOW_LAG_RATE), "100") + "\n"
                              + self.cohort_fault(50))
        p = subprocess.run(self.chaosload_run(probe), capture_output=True, text=True, timeout=60, preexec_fn=raise_nofile)
        try:
            peak = parse_cohorts(p.stdout)["cohort_peak_connected"] if p.returncode == 0 else None
        except Exception:
            peak = None
        self.drain(srv.port)
        if not peak:
            self.slow_lag["skipped"] = [f"a 3 s `chaosload run` with a 50-connection cohort (exit {p.returncode}) "
                                        f"reported {peak or 0} cohort connections held in result.json "
                                        f"(clients[].cohorts[].peak_connected): the run does not hold cohorts yet"]
            log(f"section 11 (lag beside a cohort) skipped: {self.slow_lag['skipped'][0]}")
            return
        reps = 1 if self.quick else 3
        log(f"section 11: open model at {SLOW_LAG_RATE}/s for {seconds}s with and without a {conns}-connection cohort, "
            f"{reps} repeats, interleaved")
        self.commands["chaosload run beside a cohort (section 11)"] = (
            "chaosload run $TMP/bench-lag-{alone,cohort}.toml --out $TMP/runs --quiet --threads 1")
        for rep in range(reps):
            order = list(paths)
            self.rng.shuffle(order)
            for cohort in order:
                self.measure(11, "chaosload", self.chaosload_run(paths[cohort]), seconds, parse_cohorts,
                             servers=("nginx-slow",), once=self.slow_lag_once, part="lag", cohort=cohort, rep=rep)

    # --- section 12: HTTP/2 against h2load ---

    def h2_cmd(self, tool, url, streams, seconds):
        """One HTTP/2 connection carrying `streams` requests at a time, on one thread: h2load
        `-t1 -c1 -m N`; chaosload `http = "2"` with `concurrency = N` on one worker (`--threads
        1`), whose requests share the worker's one connection."""
        if tool == "h2load":
            self.commands["h2load (section 12)"] = "h2load -t1 -c1 -m$STREAMS -D $SECONDS http://127.0.0.1:$PORT/"
            return ["h2load", "-t1", "-c1", f"-m{streams}", "-D", str(seconds), url]
        scenario = self.scenario(
            f"bench-h2-m{streams}", url,
            f'[[phase]]\nduration = "{seconds}s"\nconcurrency = {streams}\n\n[[client]]\nname = "chaosload"\nhttp = "2"\n')
        self.commands["chaosload (section 12)"] = "chaosload run $TMP/bench-h2-m$STREAMS.toml --out $TMP/runs --quiet --threads 1"
        return self.chaosload_run(scenario)

    def h2_section(self):
        if not shutil.which("h2load"):
            log("section 12: h2load is not installed (bench/run.sh installs nghttp2-client); chaosload alone")
            self.missing_tools = sorted(set(getattr(self, "missing_tools", [])) | {"h2load"})
        tools = [t for t in ("chaosload", "h2load") if t == "chaosload" or shutil.which(t)]
        srv = self.server("nginx-h2")
        cases = [(tool, m) for tool in tools for m in H2_STREAMS]
        log(f"section 12: {len(cases)} cases × {self.repeats} repeats × {self.duration}s, interleaved")
        for rep in range(self.repeats):
            order = cases[:]
            self.rng.shuffle(order)
            for tool, m in order:
                cmd = self.h2_cmd(tool, srv.url, m, self.duration)
                parser = parse_h2load if tool == "h2load" else parse_chaosload
                self.measure(12, tool, cmd, self.duration, parser, servers=("nginx-h2",), once=self.measure_rss,
                             streams=m, rep=rep)

    # --- section 13: HTTPS against nginx with TLS ---

    def make_cert(self):
        """A certificate for 127.0.0.1 (P-256 keys, 2 days) signed by a CA made for the purpose,
        both with openssl in the temporary directory: (CA certificate, server certificate, key).
        chaosload trusts the CA (`ca_file`); rustls, like browsers, refuses a self-signed
        certificate that is also marked a CA (`openssl req -x509`'s default) as a server's."""
        d = self.tmp / "tls"
        d.mkdir(exist_ok=True)
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        (d / "server.ext").write_text("basicConstraints=critical,CA:FALSE\nsubjectAltName=IP:127.0.0.1\n"
                                      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
        cmds = [
            ["openssl", "req", "-x509", *ec, "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"), "-days", "2",
             "-subj", "/CN=chaosload bench CA"],
            ["openssl", "req", *ec, "-keyout", str(d / "key.pem"), "-out", str(d / "server.csr"), "-subj", "/CN=127.0.0.1"],
            ["openssl", "x509", "-req", "-in", str(d / "server.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
             "-CAcreateserial", "-out", str(d / "cert.pem"), "-days", "2", "-extfile", str(d / "server.ext")],
        ]
        for cmd in cmds:
            subprocess.run(cmd, check=True, capture_output=True, timeout=30)
        self.commands["certificates (section 13)"] = "\n".join(shlex.join(c) for c in cmds).replace(str(self.tmp), "$TMP")
        self.files["tls/server.ext"] = (d / "server.ext").read_text()
        return d / "ca.pem", d / "cert.pem", d / "key.pem"

    def start_nginx_tls(self):
        """Section 13's nginx: one worker, three TLS server blocks on three ports — resuming
        sessions (a session cache and tickets), refusing to (neither), and a copy of the first
        that logs `$ssl_session_reused`, which the bench reads to tell whether a tool resumed."""
        _, cert, key = self.cert
        d = self.tmp / "nginx-tls"
        d.mkdir()
        ports = {"resume": free_port(), "refuse": free_port(), "probe": free_port()}
        conf = NGINX_CONF.format(dir=d, port="{port}", body=BODY, main="# Section 13: TLS (TLS_SERVERS below).\n",
                                 worker_connections=4096, http="", server="")
        start = conf.index("    server {")
        end = conf.rindex("}")
        block = conf[start:end]
        servers = ""
        for mode, port in ports.items():
            resume = mode != "refuse"
            b = block.replace("listen 127.0.0.1:{port};", f"listen 127.0.0.1:{port} ssl;").replace(
                "        location / {",
                f"        ssl_certificate {cert};\n        ssl_certificate_key {key};\n"
                "        ssl_protocols TLSv1.2 TLSv1.3;\n"
                f"        ssl_session_cache {'shared:TLS:10m' if resume else 'off'};\n"
                f"        ssl_session_tickets {'on' if resume else 'off'};\n"
                + (f"        access_log {d / 'reused.log'} reused;\n" if mode == "probe" else "")
                + "        location / {")
            servers += f"    # {mode}\n" + b
        conf = conf[:start] + "    log_format reused '$ssl_session_reused $ssl_protocol';\n" + servers + conf[end:]
        self.files["nginx-tls.conf"] = (conf.replace(str(self.tmp), "$TMP")
                                        .replace(str(ports["resume"]), "$PORT_RESUME")
                                        .replace(str(ports["refuse"]), "$PORT_REFUSE")
                                        .replace(str(ports["probe"]), "$PORT_PROBE"))
        (d / "nginx.conf").write_text(conf)
        cmd = ["nginx", "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")]
        self.commands["nginx (section 13, TLS)"] = "nginx -p $TMP/nginx-tls -c $TMP/nginx-tls/nginx.conf -e $TMP/nginx-tls/error.log"
        srv = Server("nginx-tls", cmd, d / "stderr", signal.SIGQUIT, port=ports["resume"])
        srv.ports, srv.reused_log = ports, d / "reused.log"
        for p in ports.values():
            wait_listening(p, srv.proc)
        return srv

    def tls_cmd(self, tool, url, conns, seconds, keep_alive, resumption):
        """A closed-model HTTPS run. wrk and oha trust any certificate (wrk never verifies; oha
        `--insecure`); chaosload trusts the bench's (`ca_file`). `keep_alive` false: every request
        on a new connection (wrk `Connection: close`, oha `--disable-keepalive`, chaosload
        `keep_alive = false`). `resumption` is chaosload's `tls_session_resumption`; wrk and oha
        have no such switch and resume when the server lets them (see tls_probe)."""
        if tool == "wrk":
            cmd = ["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", *([] if keep_alive else ["-H", "Connection: close"]), url]
            self.commands["wrk (section 13)"] = ("wrk -t1 -c$CONNS -d${SECONDS}s --latency [-H 'Connection: close'] "
                                                 "https://127.0.0.1:$PORT/")
            return cmd
        if tool == "oha":
            cmd = ["oha", "-c", str(conns), "-z", f"{seconds}s", "--worker-threads", "1", "--no-tui", "--output-format",
                   "json", "--insecure", *([] if keep_alive else ["--disable-keepalive"]), url]
            self.commands["oha (section 13)"] = ("oha -c $CONNS -z ${SECONDS}s --worker-threads 1 --no-tui --output-format json "
                                                 "--insecure [--disable-keepalive] https://127.0.0.1:$PORT/")
            return cmd
        ca = self.cert[0]
        name = f"bench-tls-c{conns}-{'ka' if keep_alive else 'new'}-{'resume' if resumption else 'noresume'}"
        scenario = self.scenario(
            name, url,
            f'[[phase]]\nduration = "{seconds}s"\nconcurrency = {conns}\n\n[[client]]\nname = "chaosload"\n'
            f'ca_file = "{ca}"\ntls_session_resumption = {"true" if resumption else "false"}\n'
            + ("" if keep_alive else "keep_alive = false\n"))
        self.files[f"{name}.toml"] = self.files[f"{name}.toml"].replace(str(self.tmp), "$TMP")
        self.commands["chaosload (section 13)"] = "chaosload run $TMP/bench-tls-….toml --out $TMP/runs --quiet --threads 1"
        return self.chaosload_run(scenario)

    def tls_probe(self, tool, keep_alive, resumption):
        """Runs `tool` for 1 s against the logging server block: the share of its TLS
        connections nginx saw resumed (`$ssl_session_reused` = r), and the protocol."""
        srv = self.server("nginx-tls")
        log_path = srv.reused_log
        before = log_path.read_text().splitlines() if log_path.exists() else []
        cmd = self.tls_cmd(tool, f"https://127.0.0.1:{srv.ports['probe']}/", 4, 1, keep_alive, resumption)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        time.sleep(0.3)
        lines = (log_path.read_text().splitlines() if log_path.exists() else [])[len(before):]
        if p.returncode != 0 or not lines:
            return {"rc": p.returncode, "requests": len(lines), "error": (p.stderr or p.stdout)[-300:]}
        reused = sum(1 for l in lines if l.startswith("r"))
        protocols = sorted({l.split()[1] for l in lines if len(l.split()) > 1})
        return {"rc": 0, "requests": len(lines), "reused": reused, "reused_share": reused / len(lines),
                "protocols": protocols}

    def chaosload_https(self):
        """Whether this build's chaosload runs an https:// target with the bench's certificate:
        a 1 s run, judged by its exit and result.json (never by its version)."""
        srv = self.server("nginx-tls")
        cmd = self.tls_cmd("chaosload", f"https://127.0.0.1:{srv.ports['resume']}/", 2, 1, True, True)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        try:
            ok = p.returncode == 0 and parse_chaosload(p.stdout)["ok"] > 0
        except Exception:
            ok = False
        if ok:
            return None
        first = next((l.strip() for l in (p.stderr + p.stdout).replace(str(self.tmp), "$TMP").splitlines() if l.strip()), "")
        return f"chaosload: https not available in this build (a 1 s run against nginx's TLS port: exit {p.returncode}: {first[:200]})"

    def tls_section(self):
        if not shutil.which("openssl"):
            self.tls_skipped = "openssl is not installed: no certificate"
            log(f"section 13 skipped: {self.tls_skipped}")
            return
        self.cert = self.make_cert()
        srv = self.server("nginx-tls")
        self.chaosload_tls_skipped = self.chaosload_https()
        if self.chaosload_tls_skipped:
            log(f"section 13: {self.chaosload_tls_skipped}")
        tools = [t for t in ("chaosload", "wrk", "oha")
                 if (t != "chaosload" or not self.chaosload_tls_skipped) and (t == "chaosload" or shutil.which(t))]
        missing = sorted({"wrk", "oha"} - set(tools))
        if missing:
            log(f"section 13: not installed, left out: {', '.join(missing)}")
            self.missing_tools = sorted(set(getattr(self, "missing_tools", [])) | set(missing))
        # (keep-alive, nginx resumes sessions, chaosload's tls_session_resumption): a session is
        # resumed only on a new connection, so the kept-alive runs are measured once.
        modes = [(True, True, True), (False, True, True), (False, True, False), (False, False, True)]
        self.tls_probes = {}
        for tool in tools:
            for ka, server_resumes, resumption in modes:
                if ka or not server_resumes:
                    continue
                if tool != "chaosload" and not resumption:
                    continue
                self.tls_probes[(tool, resumption)] = pr = self.tls_probe(tool, False, resumption)
                log(f"section 13: {tool} (tls_session_resumption {resumption}) against the logging port: {pr}")
        cases = []
        for tool in tools:
            for ka, server_resumes, resumption in modes:
                if tool != "chaosload" and not resumption:
                    continue  # wrk and oha have no switch: the refusing server is their "without"
                cases.append((tool, ka, server_resumes, resumption))
        log(f"section 13: {len(cases)} cases × {self.repeats} repeats × {self.duration}s, interleaved")
        for rep in range(self.repeats):
            order = cases[:]
            self.rng.shuffle(order)
            for tool, ka, server_resumes, resumption in order:
                port = srv.ports["resume" if server_resumes else "refuse"]
                conns = TLS_CONNS if ka else TLS_NEW_CONN_CONNS
                cmd = self.tls_cmd(tool, f"https://127.0.0.1:{port}/", conns, self.duration, ka, resumption)
                parser = {"wrk": parse_wrk, "oha": parse_oha, "chaosload": parse_chaosload}[tool]
                self.measure(13, tool, cmd, self.duration, parser, servers=("nginx-tls",), conns=conns,
                             keep_alive=ka, server_resumes=server_resumes, resumption=resumption, rep=rep)

    # --- driver ---

    def run(self):
        if self.sections & {1, 2, 3}:
            self.closed_matrix()
        if 4 in self.sections:
            self.proxy_section()
        if 5 in self.sections:
            self.open_section()
        if 6 in self.sections:
            self.memory_section()
        if 7 in self.sections:
            self.validate_section()
        if 8 in self.sections:
            self.callgrind_section()
        if 9 in self.sections:
            self.dns_section()
        if 10 in self.sections:
            self.resolver_section()
        if 11 in self.sections:
            self.slow_section()
        if 12 in self.sections:
            self.h2_section()
        if 13 in self.sections:
            self.tls_section()


NGINX_CONF = """# One worker (master_process off: the worker is the only process), loopback, no access log.
{main}daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections {worker_connections}; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 10000000;   # as the mock: never close a busy keep-alive connection
    keepalive_timeout 75s;
{http}    server {{
        listen 127.0.0.1:{port};
{server}        location / {{
            default_type text/plain;
            return 200 "{body}";
        }}
    }}
}}
"""

# Section 11's nginx: the same server, made to hold well over SLOW_CONNS idle connections without
# closing them — a slowloris connection is one whose request head never ends, so nginx would
# otherwise close it after client_header_timeout (60 s) — and to say through stub_status how
# many connections it is reading a request head from. `/held` passes a whole request to
# `$SILENT`, a socket the bench listens on and never reads, so it is never answered: the tools'
# probes of the service (complete requests, one every 5 s) wait there instead of being answered,
# because slowhttptest 1.8.2 polls the descriptor of an answered probe after closing it and spins
# on POLLNVAL until its next probe (see bench/bounds.md).
NGINX_SLOW = {
    "main": "# Section 11: holds slow clients (long timeouts, 16,384 connections, stub_status, /held).\n",
    "worker_connections": 16_384,
    "http": "    client_header_timeout 600s;\n    client_body_timeout 600s;\n    send_timeout 600s;\n",
    "server": "        location = /nginx_status {\n            stub_status;\n        }\n"
              "        location /held {\n            proxy_pass http://127.0.0.1:$SILENT;\n"
              "            proxy_read_timeout 600s;\n        }\n",
}


# ---------------------------------------------------------------------------------------------
# Report


def sh(cmd, default="?"):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (p.stdout + p.stderr).strip()
    except Exception:
        return default


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    commit = sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = sh(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], "")
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "memory": mem,
        "kernel": platform.release(),
        "os": sh(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
        "chaosload": sh([str(BIN), "--version"]) + f" (commit {commit}{', with local changes' if dirty else ''})",
        "rustc": sh(["rustc", "--version"]),
        "wrk": sh(["wrk", "-v"]).splitlines()[0],
        "oha": sh(["oha", "--version"]),
        "nginx": sh(["nginx", "-v"]).replace("nginx version: ", ""),
        "dnsperf": next((l for l in sh(["dnsperf", "-h"]).splitlines() if l.startswith("Version")), "?"),
        "dnsmasq": sh(["dnsmasq", "--version"]).splitlines()[0],
        "h2load": next((l for l in sh(["h2load", "--version"]).splitlines() if "nghttp2" in l), "?"),
        "slowhttptest": next((l.rsplit("version ", 1)[1] for l in sh(["slowhttptest", "-h"]).splitlines() if "version " in l), "?"),
    }


def fmt(x, digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def rng_str(xs, digits=0):
    xs = [x for x in xs if x is not None]
    if len(xs) < 2:
        return ""
    return f" ({fmt(min(xs), digits)}–{fmt(max(xs), digits)})"


class Report:
    def __init__(self, bench, info, elapsed_s, interrupted):
        self.b, self.info, self.elapsed, self.interrupted = bench, info, elapsed_s, interrupted
        self.lines = []
        self.targets = []  # (section, target, measured, pass)

    def w(self, *lines):
        self.lines.extend(lines)

    def target(self, section, text, measured, ok):
        self.targets.append((section, text, measured, ok))
        return verdict(ok)

    def med(self, section, key, **tags):
        return median([r.get(key) for r in self.b.pick(section, **tags)])

    def vals(self, section, key, **tags):
        return [r.get(key) for r in self.b.pick(section, **tags)]

    def section_loadgen(self, sec, target, title):
        b = self.b
        self.w(f"## {sec}. {title}", "")
        self.w(
            "| conns | tool | req/s, median (min–max) | CPU µs/request | server CPU µs/request | p50 latency | errors (counted runs) | runs counted |",
            "|---|---|---|---|---|---|---|---|",
        )
        for c in CONNS:
            for tool in ("chaosload", "wrk", "oha", "hyper"):
                runs = b.pick(sec, tool=tool, conns=c)
                if not runs:
                    continue
                rates = [r["rate"] for r in runs]
                cpu = [r["cpu_us_per_req"] for r in runs]
                srv = [r["server_cpu_us_per_req"][target] for r in runs]
                p50 = [r["p50_us"] for r in runs]
                self.w(
                    f"| {c} | {tool} | {fmt(median(rates))}{rng_str(rates)} | {fmt(median(cpu), 2)}{rng_str(cpu, 2)} | "
                    f"{fmt(median(srv), 2)} | {fmt(median(p50))} µs | {sum(r['errors'] for r in runs)} | {b.counted(sec, tool=tool, conns=c)} |"
                )
        self.w("")
        rows = []
        for c in CONNS:
            cr, wr, orr = (self.med(sec, "rate", tool=t, conns=c) for t in ("chaosload", "wrk", "oha"))
            cc, wc, oc = (self.med(sec, "cpu_us_per_req", tool=t, conns=c) for t in ("chaosload", "wrk", "oha"))
            if cr and wr:
                v = cr / wr
                rows.append((f"rate chaosload / wrk, {c} conns", v, f"≥ {T_RATE_VS_WRK}",
                             self.target(sec, f"{target}, {c} conns: rate ≥ {T_RATE_VS_WRK}× wrk", f"{v:.2f}×", v >= T_RATE_VS_WRK)))
            if cr and orr:
                rows.append((f"rate chaosload / oha, {c} conns", cr / orr, "—", ""))
            hc = self.med(sec, "cpu_us_per_req", tool="hyper", conns=c)
            if cc and hc:
                rows.append((f"CPU/request chaosload / bare hyper loop, {c} conns", cc / hc, "— (chaosload's own cost)", ""))
            if hc and wc:
                rows.append((f"CPU/request bare hyper loop / wrk, {c} conns", hc / wc, "— (the floor on hyper)", ""))
            if cc and wc:
                v = cc / wc
                rows.append((f"CPU/request chaosload / wrk, {c} conns", v, f"≤ {T_CPU_VS_WRK}",
                             self.target(sec, f"{target}, {c} conns: CPU/request ≤ {T_CPU_VS_WRK}× wrk's", f"{v:.2f}×", v <= T_CPU_VS_WRK)))
            if cc and oc:
                v = cc / oc
                rows.append((f"CPU/request chaosload / oha, {c} conns", v, f"≤ {T_CPU_VS_OHA}",
                             self.target(sec, f"{target}, {c} conns: CPU/request ≤ {T_CPU_VS_OHA}× oha's", f"{v:.2f}×", v <= T_CPU_VS_OHA)))
        if rows:
            self.w("| ratio (of the medians) | measured | target | result |", "|---|---|---|---|")
            for name, v, t, res in rows:
                self.w(f"| {name} | {v:.2f}× | {t} | {res} |")
            self.w("")

    def section_mock_server(self):
        self.w("## 3. The mock as a server: wrk against `chaosload mock` vs against nginx", "")
        self.w("Both serve the same 61-byte body on one thread (nginx: one worker); the wrk runs are those of sections 1 "
               "and 2. A whole response (headers included) as each server sends it:", "")
        for name, resp in self.b.responses.items():
            head = resp.split(b"\r\n\r\n", 1)[0].decode(errors="replace").replace("\r\n", " · ")
            self.w(f"- {name}: {len(resp)} bytes — `{head}`")
        self.w("")
        self.w("| conns | server | wrk req/s, median (min–max) | server CPU µs/request | wrk p50 |", "|---|---|---|---|---|")
        meds = {}
        for c in CONNS:
            for sec, target in ((1, "nginx"), (2, "mock")):
                runs = self.b.pick(sec, tool="wrk", conns=c)
                if not runs:
                    continue
                rates = [r["rate"] for r in runs]
                srv = [r["server_cpu_us_per_req"][target] for r in runs]
                meds[(target, c)] = (median(rates), median(srv))
                self.w(f"| {c} | {target} | {fmt(median(rates))}{rng_str(rates)} | {fmt(median(srv), 2)}{rng_str(srv, 2)} | "
                       f"{fmt(median([r['p50_us'] for r in runs]))} µs |")
        self.w("")
        rows = []
        for c in CONNS:
            if ("mock", c) in meds and ("nginx", c) in meds:
                (mr, mc), (nr, nc) = meds[("mock", c)], meds[("nginx", c)]
                v = mr / nr
                rows.append((f"rate mock / nginx, {c} conns", f"{v:.2f}×", f"≥ {T_MOCK_VS_NGINX}",
                             self.target(3, f"{c} conns: mock rate ≥ {T_MOCK_VS_NGINX}× nginx's", f"{v:.2f}×", v >= T_MOCK_VS_NGINX)))
                rows.append((f"server CPU/request mock / nginx, {c} conns", f"{mc / nc:.2f}×", "—", ""))
        if rows:
            self.w("| ratio (of the medians) | measured | target | result |", "|---|---|---|---|")
            for r in rows:
                self.w("| " + " | ".join(r) + " |")
            self.w("")

    def section_proxy(self):
        b = self.b
        self.w("## 4. The chaos proxy with no faults: wrk through `chaosload proxy` vs direct to nginx", "")
        self.w("Throughput at 64 connections; added latency at 1 connection (one request at a time, so the p50 "
               "difference is what the proxy adds per request rather than queueing).", "")
        self.w("| conns | path | wrk req/s, median (min–max) | p50 | p99 | proxy CPU µs/request | nginx CPU µs/request |",
               "|---|---|---|---|---|---|---|")
        for c in (64, 1):
            for path in ("direct", "proxy"):
                runs = b.pick(4, path=path, conns=c)
                if not runs:
                    continue
                rates = [r["rate"] for r in runs]
                pcpu = median([r["server_cpu_us_per_req"].get("proxy") for r in runs])
                ncpu = median([r["server_cpu_us_per_req"].get("nginx") for r in runs])
                self.w(f"| {c} | {path} | {fmt(median(rates))}{rng_str(rates)} | {fmt(self.med(4, 'p50_us', path=path, conns=c))} µs | "
                       f"{fmt(self.med(4, 'p99_us', path=path, conns=c))} µs | {fmt(pcpu, 2)} | {fmt(ncpu, 2)} |")
        self.w("")
        dr, pr = self.med(4, "rate", path="direct", conns=64), self.med(4, "rate", path="proxy", conns=64)
        d1, p1 = self.med(4, "p50_us", path="direct", conns=1), self.med(4, "p50_us", path="proxy", conns=1)
        d64, p64 = self.med(4, "p50_us", path="direct", conns=64), self.med(4, "p50_us", path="proxy", conns=64)
        self.w("| figure | measured | target | result |", "|---|---|---|---|")
        if dr and pr:
            v = pr / dr
            self.w(f"| throughput proxy / direct, 64 conns | {v:.2f}× | ≥ {T_PROXY_RATE} | "
                   f"{self.target(4, f'proxy throughput ≥ {T_PROXY_RATE}× direct', f'{v:.2f}×', v >= T_PROXY_RATE)} |")
        if d1 is not None and p1 is not None:
            v = p1 - d1
            self.w(f"| added p50, 1 conn | {v:.0f} µs | ≤ {T_PROXY_ADDED_P50_US} µs | "
                   f"{self.target(4, f'proxy added p50 ≤ {T_PROXY_ADDED_P50_US} µs (1 conn)', f'{v:.0f} µs', v <= T_PROXY_ADDED_P50_US)} |")
        if d64 is not None and p64 is not None:
            self.w(f"| added p50, 64 conns (includes queueing at the lower rate) | {p64 - d64:.0f} µs | — | |")
        self.w("")

    def section_open(self):
        b = self.b
        cmax = getattr(b, "open_max", None)
        self.w("## 5. Open-model accuracy at high rates (chaosload against nginx)", "")
        if not cmax:
            self.w("Not run.", "")
            return
        self.w(f"Closed-model maximum (chaosload against nginx, the better median of 16 and 64 connections): "
               f"**{cmax:,.0f} req/s** (at {b.open_conns} connections); {T_OPEN_UP_TO:.0%} of it: {cmax * T_OPEN_UP_TO:,.0f}/s. "
               f"Constant arrivals, at most {b.open_conns} pooled connections (`max_conns_per_host`, the closed "
               f"maximum's count), `max_in_flight` 10,000 (the default), {b.duration} s per run; medians over the "
               f"repeats. Arrivals beyond `max_in_flight` are not sent: they show as `overflow` errors and lower "
               f"the achieved rate.", "")
        self.w("| requested /s | achieved (sent) /s | achieved / requested | ok /s | lag p50 | lag p99 | floor lag p50 / p99 | latency p99 | errors (counted runs) | CPU µs/req | runs counted | within target range | result |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        worst = None
        all_ok = True
        for rate in b.open_steps:
            runs = b.pick(5, tool="chaosload", requested=rate)
            if not runs:
                continue
            floor = b.pick(5, tool="floor", requested=rate)
            floor_s = (f"{fmt(median([r['lag_p50_us'] for r in floor]))} / {fmt(median([r['lag_p99_us'] for r in floor]))} µs"
                       if floor else "—")
            ach = median([r["achieved_rate"] for r in runs])
            okr = median([r["rate"] for r in runs])
            lag50 = median([r["lag_p50_us"] for r in runs])
            lag99 = median([r["lag_p99_us"] for r in runs])
            ratio = ach / rate
            in_range = rate <= cmax * T_OPEN_UP_TO * 1.005
            good = abs(ratio - 1) <= T_OPEN_ACCURACY and lag99 <= T_OPEN_LAG_P99_US
            errs = {}
            for r in runs:
                for k, v in r["error_kinds"].items():
                    errs[k] = errs.get(k, 0) + v
            err_s = ", ".join(f"{k} {v}" for k, v in sorted(errs.items())) or "0"
            res = verdict(good) if in_range else ("(pass)" if good else "(fail)")
            if in_range:
                all_ok &= good
                if not good:
                    worst = worst or (rate, ratio, lag99)
            self.w(f"| {rate:,} | {fmt(ach)} | {ratio:.4f} | {fmt(okr)} | {fmt(lag50)} µs | {fmt(lag99)} µs | {floor_s} | "
                   f"{fmt(median([r['p99_us'] for r in runs]))} µs | {err_s} | {fmt(median([r['cpu_us_per_req'] for r in runs]), 2)} | "
                   f"{b.counted(5, tool='chaosload', requested=rate)} | {'yes' if in_range else 'no'} | {res} |")
        self.w("")
        self.w(f"Target: achieved within {T_OPEN_ACCURACY:.0%} of requested and scheduler lag p99 ≤ {T_OPEN_LAG_P99_US} µs "
               f"at every step up to {T_OPEN_UP_TO:.0%} of the closed maximum; steps above it are shown for information, "
               f"in parentheses.", "")
        if b.pick(5, tool="floor"):
            self.w("**Floor**: `examples/timer_floor` — one bare thread that sleeps until each arrival of the same "
                   "constant rate and records how late it woke, with no requests to send and no runtime, run in turn "
                   "with chaosload's runs on the same machine (nginx idle). Its lag is what this machine's timers and "
                   "wake-ups of an idle CPU cost by themselves; chaosload's lag cannot be expected below it.", "")
        measured = "all steps met it" if all_ok else f"first miss at {worst[0]:,}/s: {worst[1]:.4f}×, lag p99 {fmt(worst[2])} µs"
        self.target(5, f"open model within {T_OPEN_ACCURACY:.0%}, lag p99 ≤ 1 ms up to {T_OPEN_UP_TO:.0%} of closed max",
                     measured, all_ok)

    def section_memory(self):
        b = self.b
        self.w("## 6. Memory: peak RSS of a short and a long run at the same rate", "")
        if not b.pick(6):
            self.w("Not run.", "")
            return
        short, long_ = b.mem_durations
        self.w(f"Open model, {b.mem_rate:,}/s constant against nginx; peak RSS of the whole chaosload process "
               f"(GNU time's `%M`: wait4's own figure never falls below the bench's RSS when it forked). "
               f"Order: {short} s, {long_} s, {short} s.", "")
        self.w("| run | peak RSS MB | requests | achieved /s | lag p99 | latency p99 | errors |", "|---|---|---|---|---|---|---|")
        for r in b.pick(6):
            errs = ", ".join(f"{k} {v}" for k, v in sorted(r["error_kinds"].items())) or "0"
            self.w(f"| {r['seconds_run']} s (#{r['rep'] + 1}) | {r['maxrss_kb'] / 1024:.1f} | {r['requests']:,} | "
                   f"{fmt(r['achieved_rate'])} | {fmt(r['lag_p99_us'])} µs | {fmt(r['p99_us'])} µs | {errs} |")
        self.w("")
        s_rss = median([r["maxrss_kb"] / 1024 for r in b.pick(6, seconds_run=short)])
        l_rss = median([r["maxrss_kb"] / 1024 for r in b.pick(6, seconds_run=long_)])
        if s_rss and l_rss:
            growth = l_rss / s_rss - 1
            self.w("| figure | measured | target | result |", "|---|---|---|---|")
            self.w(f"| peak RSS of the {long_} s run | {l_rss:.1f} MB | ≤ {T_RSS_MB} MB | "
                   f"{self.target(6, f'peak RSS of the {long_} s run ≤ {T_RSS_MB} MB', f'{l_rss:.1f} MB', l_rss <= T_RSS_MB)} |")
            self.w(f"| {long_} s run vs {short} s run (median) | {growth:+.1%} | ≤ +{T_RSS_GROWTH:.0%} | "
                   f"{self.target(6, f'{long_} s run RSS within {T_RSS_GROWTH:.0%} of the {short} s run', f'{growth:+.1%}', growth <= T_RSS_GROWTH)} |")
            self.w("")
            if b.quick:
                self.w(f"(Quick mode: {short} s vs {long_} s instead of 10 s vs 120 s.)", "")
        self.w("Requests in flight, not run length, are what makes memory grow: a stall of the machine (steal) "
               "piles up in-flight requests, up to `max_in_flight` (10,000 by default); errors and lag above show "
               "whether a run met one.", "")

    def section_validate(self):
        b = self.b
        self.w("## 7. `chaosload validate` start-up time", "")
        runs = b.pick(7)
        if not runs:
            self.w("Not run.", "")
            return
        self.w("Wall time of the whole process, from the benchmark's `subprocess.run` (includes fork/exec).", "")
        self.w("| command | median ms | p90 ms | min ms | runs |", "|---|---|---|---|---|")
        for label, files in b.validate_files.items():
            ms = sorted(r["wall_ms"] for r in runs if r["what"] == label)
            p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
            self.w(f"| `chaosload validate {' '.join(files) if len(files) == 1 else 'scenarios/*.toml'}` | "
                   f"{median(ms):.1f} | {p90:.1f} | {ms[0]:.1f} | {len(ms)} |")
        self.w("", "No target was set for this figure.", "")

    def section_callgrind(self):
        b = self.b
        self.w("## 8. User-space instructions per request (valgrind's callgrind), against nginx", "")
        if not b.pick(8):
            self.w("Not run.", "")
            return
        short, long_ = b.callgrind_durations
        self.w(f"Each load generator runs twice under `valgrind --tool=callgrind` against nginx at {b.callgrind_conns} "
               f"connections, for {short} s and {long_} s; instructions per request is the difference in instructions "
               f"over the difference in requests, so start-up, shut-down and report writing cancel out. Unlike the "
               f"times above, these counts hardly move with the machine's noise. They cover user space only: the "
               f"kernel's share (the loopback TCP path of one `writev`/`write` and one `recvfrom`/`read` per request, "
               f"about half of each tool's CPU in sections 1 and 2) is not counted. Under valgrind a tool runs ~30× "
               f"slower, so work done once a second (chaosload's per-second histograms) weighs ~30× more per request "
               f"here than in a real run.", "")
        self.w(f"| tool | instructions, {short} s run | requests | instructions, {long_} s run | requests | instructions per request |",
               "|---|---|---|---|---|---|")
        per = {}
        for tool in ("chaosload", "wrk", "oha", "hyper"):
            ipr, a, c = b.instructions_per_request(tool)
            if a is None and c is None:
                continue
            per[tool] = ipr
            cell = lambda r: (f"{fmt(r['instructions'])} | {fmt(r['requests'])}" if r else "— | —")
            self.w(f"| {tool} | {cell(a)} | {cell(c)} | {fmt(ipr)} |")
        self.w("")
        rows = [("chaosload / wrk", "chaosload", "wrk"), ("chaosload / oha", "chaosload", "oha"),
                ("chaosload / bare hyper loop (chaosload's own cost)", "chaosload", "hyper"),
                ("bare hyper loop / wrk (the floor on hyper)", "hyper", "wrk")]
        rows = [(name, per[x] / per[y]) for name, x, y in rows if per.get(x) and per.get(y)]
        if rows:
            self.w("| ratio of instructions per request | measured |", "|---|---|")
            for name, v in rows:
                self.w(f"| {name} | {v:.2f}× |")
            self.w("", "No target was set for this figure: it shows where the CPU per request of sections 1 and 2 goes.", "")

    def section_dns(self):
        b = self.b
        self.w("## 9. The DNS stub as a server: dnsperf against `chaosload dns` vs against dnsmasq", "")
        if not b.pick(9):
            self.w("Not run.", "")
            return
        pinned = getattr(b, "dns_pinned", False)
        self.w(f"Both serve the same {DNS_NAMES} names (A records on 127.0.0.x, TTL 30 s) over UDP on one thread each; "
               f"dnsperf asks for them in turn as one client on one thread with at most 100 queries outstanding. "
               + (f"Each server runs pinned to CPU {DNS_SERVER_CPU} and dnsperf to CPU {DNS_CLIENT_CPU} (`taskset`). "
                  if pinned else "Nothing is pinned (one CPU, or no taskset). ")
               + "dnsmasq reads the records from a hosts file (`--addn-hosts`, `--local=/bench.test/` so other names "
               "there are NXDOMAIN as with the stub, `--local-ttl=30`, no upstream: `--no-resolv` and no `--server`), "
               "with its default cache size (150): hosts-file records are answered from its own table either way. "
               "**Maximum**: dnsperf as fast as answers come back. **Latency**: dnsperf at a fixed rate both servers "
               "serve (`-Q`), latency as dnsperf measures it (send to answer); percentiles from its per-query lines (`-v`). "
               "Server CPU is the server process's utime+stime over the run, per answered query.", "")
        for name, answers in b.dns_answers.items():
            self.w(f"- {'chaosload dns' if name == 'dns' else 'dnsmasq'} answers (dig): "
                   + "; ".join(f"`{q}` {a}" for q, a in answers.items()))
        self.w("")
        self.w("| server | queries/s at the maximum, median (min–max) | server CPU µs/query | server's use of its CPU | lost | avg latency at the maximum | other processes' CPU (of the machine) | runs counted |",
               "|---|---|---|---|---|---|---|---|")
        meds, cpus, uses = {}, {}, {}
        others = lambda runs: (f"{median([r.get('others_cpu') for r in runs]):.0%} "
                               f"({min(r.get('others_cpu', 0) for r in runs):.0%}–{max(r.get('others_cpu', 0) for r in runs):.0%})"
                               if all("others_cpu" in r for r in runs) else "—")
        for srv in ("dns", "dnsmasq"):
            runs = b.pick(9, server=srv, mode="max")
            if not runs:
                continue
            rates = [r["rate"] for r in runs]
            cpu = [r["server_cpu_us_per_req"][srv] for r in runs]
            # CPU seconds per second of the run: 100 % is the one thread's whole CPU.
            use = [r["server_cpu_us_per_req"][srv] * r["requests"] / 1e6 / r["seconds"] for r in runs]
            uses[srv] = median(use)
            meds[srv] = median(rates)
            self.w(f"| {'chaosload dns' if srv == 'dns' else 'dnsmasq'} | {fmt(median(rates))}{rng_str(rates)} | "
                   f"{fmt(median(cpu), 2)}{rng_str(cpu, 2)} | {median(use):.0%} | {sum(r['lost'] for r in runs)} | "
                   f"{fmt(median([r['avg_us'] for r in runs]))} µs | {others(runs)} | {b.counted(9, server=srv, mode='max')} |")
            cpus[srv] = median(cpu)
        self.w("")
        if "dns" in meds and "dnsmasq" in meds:
            v = meds["dns"] / meds["dnsmasq"]
            self.w("| ratio (of the medians) | measured | target | result |", "|---|---|---|---|")
            self.w(f"| queries/s chaosload dns / dnsmasq | {v:.2f}× | ≥ {T_DNS_VS_DNSMASQ} | "
                   f"{self.target(9, f'DNS stub queries/s ≥ {T_DNS_VS_DNSMASQ}× dnsmasq', f'{v:.2f}×', v >= T_DNS_VS_DNSMASQ)} |")
            self.w(f"| server CPU per query chaosload dns / dnsmasq | {cpus['dns'] / cpus['dnsmasq']:.2f}× | — | |")
            self.w("")
            if max(uses.values()) < 0.9:
                self.w("Neither server used its whole CPU at dnsperf's maximum, so the rate followed how soon each got "
                       "the CPU back after a wait (and what else ran on the machine), more than its cost per query; "
                       "the CPU per query is the steadier comparison.", "")
        qps = getattr(b, "dns_latency_qps", None)
        if qps:
            self.w(f"Latency at {qps:,} queries/s (medians over the runs; dnsperf's own figures, then percentiles of its "
                   f"per-query latencies):", "")
            self.w("| server | achieved q/s | avg | stddev | min | max | p50 | p90 | p99 | p99.9 | lost | server CPU µs/query | runs counted |",
                   "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for srv in ("dns", "dnsmasq"):
                runs = b.pick(9, server=srv, mode="latency")
                if not runs:
                    continue
                m = lambda k: fmt(median([r.get(k) for r in runs]))
                cpu = median([r["server_cpu_us_per_req"][srv] for r in runs])
                self.w(f"| {'chaosload dns' if srv == 'dns' else 'dnsmasq'} | {m('rate')} | {m('avg_us')} µs | {m('stddev_us')} µs | "
                       f"{m('min_us')} µs | {m('max_us')} µs | {m('p50_us')} µs | {m('p90_us')} µs | {m('p99_us')} µs | "
                       f"{m('p999_us')} µs | {sum(r['lost'] for r in runs)} | {fmt(cpu, 2)} | {b.counted(9, server=srv, mode='latency')} |")
            self.w("", "No target was set for the latency; it shows what a query costs each server when neither is saturated.", "")

    def section_resolver(self):
        b = self.b
        self.w("## 10. What a resolver configuration costs a new connection (closed model, no keep-alive, against the mock)", "")
        skipped = getattr(b, "resolver_skipped", None)
        if skipped:
            self.w("Not run: " + " / ".join(f"`{l}`" for l in skipped) + ".", "")
            return
        if not b.pick(10):
            self.w("Not run.", "")
            return
        self.w(f"`chaosload run --threads 1` at {b.RESOLVER_CONNS} users with `keep_alive = false`, so every request opens a "
               f"connection: **fixed** dials the mock's address, **cached** and **uncached** resolve the name "
               f"`upstream.test` through the DNS stub (`[dns] mock_name`) first, the cached one from its TTL cache after "
               f"the first lookup, the uncached one on every connection. CPU is the chaosload process's (the stub and the "
               f"mock run inside it).", "")
        self.w("| configuration | req/s, median (min–max) | CPU µs/request | p50 latency | p99 latency | lookups | DNS p50 | connections opened | errors | runs counted |",
               "|---|---|---|---|---|---|---|---|---|---|")
        meds = {}
        for config in b.RESOLVER_CONFIGS:
            runs = b.pick(10, config=config)
            if not runs:
                continue
            rates = [r["rate"] for r in runs]
            meds[config] = median(rates)
            self.w(f"| {config} | {fmt(median(rates))}{rng_str(rates)} | {fmt(self.med(10, 'cpu_us_per_req', config=config), 2)} | "
                   f"{fmt(self.med(10, 'p50_us', config=config))} µs | {fmt(self.med(10, 'p99_us', config=config))} µs | "
                   f"{fmt(self.med(10, 'dns_lookups', config=config))} | {fmt(self.med(10, 'dns_p50_us', config=config))} µs | {fmt(self.med(10, 'connections', config=config))} | "
                   f"{sum(r['errors'] for r in runs)} | {b.counted(10, config=config)} |")
        self.w("")
        if "fixed" in meds:
            self.w("| ratio (of the medians) | measured | target | result |", "|---|---|---|---|")
            if "cached" in meds:
                v = meds["cached"] / meds["fixed"]
                self.w(f"| rate cached / fixed | {v:.2f}× | ≥ {T_CACHED_VS_FIXED} | "
                       f"{self.target(10, f'cached resolver rate ≥ {T_CACHED_VS_FIXED}× a fixed address', f'{v:.2f}×', v >= T_CACHED_VS_FIXED)} |")
            if "uncached" in meds:
                self.w(f"| rate uncached / fixed | {meds['uncached'] / meds['fixed']:.2f}× | — | |")
            self.w("")

    def section_slow(self):
        b = self.b
        self.w("## 11. Slow-client cohorts: `chaosload slow` against slowhttptest, slowloris connections held by nginx", "")
        conns = getattr(b, "slow_conns", None)
        if not conns or not b.pick(11, part="hold"):
            self.w("Not run.", "")
        else:
            self.section_slow_hold(conns)
        self.section_slow_lag()

    def section_slow_hold(self, conns):
        b = self.b
        limits = sorted({r.get("nofile") for r in b.pick(11, part="hold")} - {None})
        nofile = "/".join(f"{n:,}" for n in limits) or "?"
        self.w(f"Each tool opens {conns:,} slowloris connections at {SLOW_PER_SECOND:,}/s against one nginx worker made to "
               f"hold them (`worker_connections` 16,384, `client_header_timeout` 600 s: `$TMP/nginx-slow.conf` below): "
               f"a request line and header fields, then one more header field every {SLOW_INTERVAL_S} s, never the "
               f"blank line (slowhttptest `-H -x {SLOW_BYTES}`: a made-up name and value of 1–{SLOW_BYTES - 1} "
               f"characters each, about 30 bytes a tick on average; the cohort exactly `bytes = {SLOW_BYTES}`). nginx and both tools may open {nofile} "
               f"descriptors (`setrlimit` before exec, {SLOW_NOFILE:,} asked). Connections are counted on nginx's side, the same way for both "
               f"tools: `ss -tn state established '( sport = :$PORT )'`. Once all are established (or their count has "
               f"not risen for 10 s), they are held for {b.slow_hold_s} s: **CPU** is the tool's utime+stime "
               f"(/proc/PID/stat, all threads) over the hold; **RSS per held connection** is (VmRSS at the hold's end − "
               f"VmRSS at the tool's first socket, sampled every millisecond from its start: started up, before its "
               f"connections) over the connections nginx still had established at the hold's end (a probe waiting "
               f"at that moment is one of them). nginx's **reading** (stub_status) counts the connections it "
               f"was still reading a request head from then: a slowloris connection is one of them. "
               f"{b.slow_reps} interleaved repeats (slowhttptest with its probe answered: one); figures are medians; "
               f"**context switches /s** are the tool's (all threads, /proc/PID/task/*/status) during the hold: how "
               f"often it slept and woke.", "")
        self.w("The tools' probes of the service (slowhttptest's every 5 s, `chaosload slow --probe-timeout`'s) are "
               "complete requests: at `/held` nginx passes them to a listener that never reads them, so they are never "
               "answered (**probe unanswered**), the held connections being the same at either URL. slowhttptest is also "
               "run at `/`, where nginx answers its probe at once (**probe answered**): slowhttptest 1.8.2 then keeps "
               "polling the closed probe's descriptor and spins on POLLNVAL until its next probe, a whole core's worth "
               "of CPU that says nothing about holding connections (bench/bounds.md), so the targets compare the "
               "unanswered runs.", "")
        self.w("| tool | probe | connections asked | held at the hold's end | nginx reading | all open after | RSS at first socket | RSS holding | RSS per held connection | CPU during the hold | CPU s per 1,000 connection-minutes | context switches /s | CPU while opening | nginx CPU during the hold | runs counted |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        cases = sorted({(r["tool"], r["probe"], r["conns"]) for r in b.pick(11, part="hold")}, key=lambda k: (-k[2], k[0], k[1][::-1]))
        meds = {}
        for tool, probe, n in cases:
            tags = {"tool": tool, "conns": n, "part": "hold", "probe": probe}
            runs = b.pick(11, **tags)
            m = lambda k: median([r[k] for r in runs])
            held = [r["held"] for r in runs]
            meds[(tool, probe, n)] = {k: m(k) for k in ("rss_per_conn_kb", "cpu_s_per_kconn_min", "rss_kb", "cpu_pct", "held")}
            self.w(f"| {tool} | {probe} | {n:,} | {fmt(median(held))}{rng_str(held)} | {fmt(median([r['nginx_status']['reading'] for r in runs]))} | "
                   f"{m('ramp_s'):.1f} s | {m('baseline_rss_kb') / 1024:.1f} MB | {m('rss_kb') / 1024:.1f} MB | "
                   f"{m('rss_per_conn_kb'):.2f} kB{rng_str([r['rss_per_conn_kb'] for r in runs], 2)} | "
                   f"{m('cpu_pct'):.1%} | {m('cpu_s_per_kconn_min'):.3f}{rng_str([r['cpu_s_per_kconn_min'] for r in runs], 3)} | "
                   f"{fmt(median([r.get('switches_per_s') for r in runs]))} | {m('cpu_ramp_s'):.2f} s | {m('nginx_cpu_hold_s'):.2f} s | {b.counted(11, **tags)} |")
        self.w("")
        at = getattr(b, "slow_compare_at", conns)
        c, s = meds.get(("chaosload", "unanswered", at)), meds.get(("slowhttptest", "unanswered", conns))
        if c and s:
            if at != conns:
                self.w(f"slowhttptest held {s['held']:,.0f} of the {conns:,} asked, so the ratios compare chaosload "
                       f"holding {at:,} with it; chaosload's {conns:,} are in the table above.", "")
            rss, cpu = c["rss_per_conn_kb"] / s["rss_per_conn_kb"], c["cpu_s_per_kconn_min"] / s["cpu_s_per_kconn_min"]
            self.w("| ratio (of the medians, probes unanswered) | measured | target | result |", "|---|---|---|---|")
            self.w(f"| RSS per held connection chaosload / slowhttptest | {rss:.2f}× | ≤ {T_SLOW_RSS} | "
                   f"{self.target(11, f'cohort RSS per held connection ≤ {T_SLOW_RSS}× slowhttptest', f'{rss:.2f}×', rss <= T_SLOW_RSS)} |")
            self.w(f"| CPU per connection held chaosload / slowhttptest | {cpu:.2f}× | ≤ {T_SLOW_CPU} | "
                   f"{self.target(11, f'cohort CPU while holding ≤ {T_SLOW_CPU}× slowhttptest', f'{cpu:.2f}×', cpu <= T_SLOW_CPU)} |")
            self.w(f"| total RSS holding them chaosload / slowhttptest | {c['rss_kb'] / s['rss_kb']:.2f}× | — | |")
            a = meds.get(("slowhttptest", "answered", conns))
            if a:
                self.w(f"| CPU per connection held chaosload / slowhttptest with its probe answered | "
                       f"{c['cpu_s_per_kconn_min'] / a['cpu_s_per_kconn_min']:.2f}× | — (its spin) | |")
            self.w("")
        elif not s:
            self.w("slowhttptest was not measured, so no ratio was taken.", "")

    def section_slow_lag(self):
        b = self.b
        lag = getattr(b, "slow_lag", None)
        if not lag:
            return
        self.w(f"### The open model beside a {b.slow_conns:,}-connection cohort", "")
        if lag.get("skipped"):
            self.w("Not run: " + " / ".join(lag["skipped"]) + ".", "")
            return
        self.w(f"`chaosload run --threads 1` at {lag['rate']:,}/s constant (section 5's step; at most 64 pooled "
               f"connections) against the same nginx for {lag['seconds']} s, with and without the cohort above as a "
               f"`[[fault]]` of the same scenario (opening at {SLOW_PER_SECOND:,}/s from second 0, then held). "
               f"Lag and latency are the measured traffic's (result.json `clients[].total`); nginx's established "
               f"connections were counted once a second during the run.", "")
        self.w("| run | achieved / requested | lag p50 | lag p99 | latency p99 | errors (counted runs) | nginx established, peak | cohort held (result.json peak) | cohort fates | CPU µs/request | runs counted |",
               "|---|---|---|---|---|---|---|---|---|---|---|")
        meds = {}
        for cohort in ("without", "with"):
            runs = b.pick(11, part="lag", cohort=cohort)
            if not runs:
                continue
            m = lambda k: median([r.get(k) for r in runs])
            meds[cohort] = m("lag_p99_us")
            fates = {}
            for r in runs:
                for k, v in r.get("cohort_fates", {}).items():
                    fates[k] = fates.get(k, 0) + v
            errs = {}
            for r in runs:
                for k, v in r["error_kinds"].items():
                    errs[k] = errs.get(k, 0) + v
            self.w(f"| {cohort} a cohort | {m('achieved_rate') / lag['rate']:.4f} | {fmt(m('lag_p50_us'))} µs | "
                   f"{fmt(m('lag_p99_us'))}{rng_str([r['lag_p99_us'] for r in runs])} µs | {fmt(m('p99_us'))} µs | "
                   f"{', '.join(f'{k} {v}' for k, v in sorted(errs.items())) or '0'} | {fmt(m('server_established_peak'))} | "
                   f"{fmt(m('cohort_peak_connected'))} | {', '.join(f'{k} {v}' for k, v in fates.items() if v) or '—'} | "
                   f"{fmt(m('cpu_us_per_req'), 2)} | {b.counted(11, part='lag', cohort=cohort)} |")
        self.w("")
        if "with" in meds and "without" in meds and meds["without"]:
            v = meds["with"] / meds["without"]
            self.w("| figure | measured | target | result |", "|---|---|---|---|")
            self.w(f"| lag p99 with / without a cohort | {v:.2f}× | ≤ {T_SLOW_LAG} | "
                   f"{self.target(11, f'open-model lag p99 beside a cohort ≤ {T_SLOW_LAG}× without', f'{v:.2f}×', v <= T_SLOW_LAG)} |")
            self.w(f"| lag p99 with a cohort | {fmt(meds['with'])} µs | ≤ {T_OPEN_LAG_P99_US} µs (section 5's) | "
                   f"{verdict(meds['with'] <= T_OPEN_LAG_P99_US)} (for information) |", "")
            self.w(f"The target is the run without a cohort in the same session (at most {T_SLOW_LAG}× its lag p99), "
                   f"not section 5's figure, because `--only 11` runs no section 5 and the machine's lag moves from one "
                   f"session to the next; section 5's own 1 ms target is shown beside it.", "")

    def section_h2(self):
        b = self.b
        self.w("## 12. HTTP/2 (h2c, prior knowledge), closed model, against nginx: chaosload vs h2load", "")
        if not b.pick(12):
            self.w("Not run.", "")
            return
        self.w("nginx (one worker) with `listen … http2` on a plain port; each tool opens one connection and keeps "
               "`$STREAMS` requests in flight on it, on one thread: `h2load -t1 -c1 -m$STREAMS`, chaosload `http = \"2\"`, "
               "`concurrency = $STREAMS`, `--threads 1` (each worker has one HTTP/2 connection, so one worker is one "
               "connection). **Peak RSS** is the whole process's, as GNU time reports it (`%M`; wait4's own figure never falls "
               "below the bench's RSS when it forked, about 25 MB). h2load keeps a record of "
               "every request it made, so its RSS grows with the run's length; chaosload's is bounded by its "
               f"histograms: the ratio is for runs of the same length ({b.duration} s).", "")
        self.w("| streams | tool | req/s, median (min–max) | CPU µs/request | nginx CPU µs/request | peak RSS MB | errors (counted runs) | runs counted |",
               "|---|---|---|---|---|---|---|---|")
        for m in H2_STREAMS:
            for tool in ("chaosload", "h2load"):
                runs = b.pick(12, tool=tool, streams=m)
                if not runs:
                    continue
                rates, cpu = [r["rate"] for r in runs], [r["cpu_us_per_req"] for r in runs]
                rss = [r["maxrss_kb"] / 1024 for r in runs]
                self.w(f"| {m} | {tool} | {fmt(median(rates))}{rng_str(rates)} | {fmt(median(cpu), 2)}{rng_str(cpu, 2)} | "
                       f"{fmt(median([r['server_cpu_us_per_req']['nginx-h2'] for r in runs]), 2)} | "
                       f"{fmt(median(rss), 1)}{rng_str(rss, 1)} | {sum(r['errors'] for r in runs)} | {b.counted(12, tool=tool, streams=m)} |")
        self.w("")
        rows = []
        for m in H2_STREAMS:
            c = {k: self.med(12, k, tool="chaosload", streams=m) for k in ("rate", "cpu_us_per_req", "maxrss_kb")}
            h = {k: self.med(12, k, tool="h2load", streams=m) for k in ("rate", "cpu_us_per_req", "maxrss_kb")}
            if not all(c.values()) or not all(h.values()):
                continue
            v = c["rate"] / h["rate"]
            rows.append((f"rate chaosload / h2load, {m} streams", v, f"≥ {T_H2_RATE}",
                         self.target(12, f"h2c, {m} streams: rate ≥ {T_H2_RATE}× h2load", f"{v:.2f}×", v >= T_H2_RATE)))
            rows.append((f"CPU/request chaosload / h2load, {m} streams", c["cpu_us_per_req"] / h["cpu_us_per_req"], "—", ""))
            v = c["maxrss_kb"] / h["maxrss_kb"]
            rows.append((f"peak RSS chaosload / h2load, {m} streams", v, f"≤ {T_H2_RSS}",
                         self.target(12, f"h2c, {m} streams: peak RSS ≤ {T_H2_RSS}× h2load's", f"{v:.2f}×", v <= T_H2_RSS)))
        if rows:
            self.w("| ratio (of the medians) | measured | target | result |", "|---|---|---|---|")
            for name, v, t, res in rows:
                self.w(f"| {name} | {v:.2f}× | {t} | {res} |")
            self.w("")
        elif not b.pick(12, tool="h2load"):
            self.w("h2load was not measured, so no ratio was taken.", "")

    def section_tls(self):
        b = self.b
        self.w("## 13. HTTPS, closed model, against nginx with TLS: chaosload vs wrk vs oha", "")
        if getattr(b, "tls_skipped", None):
            self.w(f"Not run: {b.tls_skipped}.", "")
            return
        if getattr(b, "chaosload_tls_skipped", None):
            self.w(f"**{b.chaosload_tls_skipped}**; its rows are left out.", "")
        if not b.pick(13):
            self.w("Not run.", "")
            return
        self.w("nginx (one worker) serves the same body over TLS with a P-256 certificate for 127.0.0.1 signed by a "
               "CA the bench makes with openssl (below), on two ports: one **resuming** sessions (a session "
               "cache and tickets), one **refusing** to (`ssl_session_cache off`, `ssl_session_tickets off`), so that "
               "every tool can be measured with and without resumption whatever switches it has. Connections are "
               f"either kept alive ({TLS_CONNS}: the handshakes happen once, at the start) or **new per request** "
               f"({TLS_NEW_CONN_CONNS}: wrk `-H 'Connection: close'`, oha `--disable-keepalive`, chaosload "
               "`keep_alive = false`), where a handshake is part of every request. chaosload trusts the "
               "CA (`ca_file`); wrk never verifies one, oha is told not to (`--insecure`). chaosload's "
               "`tls_session_resumption` is its own switch; wrk and oha have none, and resume when the server lets them.", "")
        probes = getattr(b, "tls_probes", {})
        if probes:
            self.w("Whether each tool resumed, measured rather than assumed: a 1 s run with a new connection per request "
                   "against a third port that logs nginx's `$ssl_session_reused`:", "")
            for (tool, resumption), pr in probes.items():
                knob = f" (`tls_session_resumption = {str(resumption).lower()}`)" if tool == "chaosload" else ""
                if pr.get("rc") == 0:
                    self.w(f"- {tool}{knob}: {pr['reused']:,} of {pr['requests']:,} connections resumed "
                           f"({pr['reused_share']:.0%}), {', '.join(pr['protocols'])}")
                else:
                    self.w(f"- {tool}{knob}: not measured (exit {pr.get('rc')}, {pr.get('requests', 0)} logged)")
            self.w("")
        self.w("| connections | nginx | tool | tls_session_resumption | req/s, median (min–max) | CPU µs/request | nginx CPU µs/request | errors (counted runs) | runs counted |",
               "|---|---|---|---|---|---|---|---|---|")
        cases = sorted({(r["keep_alive"], r["server_resumes"], r["tool"], r["resumption"]) for r in b.pick(13)},
                       key=lambda k: (not k[0], not k[1], ("chaosload", "wrk", "oha").index(k[2]), not k[3]))
        for ka, sr, tool, res in cases:
            tags = {"tool": tool, "keep_alive": ka, "server_resumes": sr, "resumption": res}
            runs = b.pick(13, **tags)
            rates, cpu = [r["rate"] for r in runs], [r["cpu_us_per_req"] for r in runs]
            self.w(f"| {runs[0]['conns']} {'kept alive' if ka else 'new per request'} | {'resumes' if sr else 'refuses'} | "
                   f"{tool} | {str(res).lower() if tool == 'chaosload' else '—'} | {fmt(median(rates))}{rng_str(rates)} | "
                   f"{fmt(median(cpu), 2)}{rng_str(cpu, 2)} | {fmt(median([r['server_cpu_us_per_req']['nginx-tls'] for r in runs]), 2)} | "
                   f"{sum(r['errors'] for r in runs)} | {b.counted(13, **tags)} |")
        self.w("")
        rows = []
        med = lambda k, **t: self.med(13, k, **t)
        for ka, sr, res, what in ((True, True, True, "kept alive"), (False, True, True, "new per request, resuming"),
                                  (False, False, True, "new per request, nginx refusing")):
            c = {k: med(k, tool="chaosload", keep_alive=ka, server_resumes=sr, resumption=res) for k in ("rate", "cpu_us_per_req")}
            for other in ("wrk", "oha"):
                o = {k: med(k, tool=other, keep_alive=ka, server_resumes=sr, resumption=True) for k in ("rate", "cpu_us_per_req")}
                if all(c.values()) and all(o.values()):
                    rows.append((f"rate chaosload / {other}, {what}", c["rate"] / o["rate"]))
                    rows.append((f"CPU/request chaosload / {other}, {what}", c["cpu_us_per_req"] / o["cpu_us_per_req"]))
        for tool in ("chaosload", "wrk", "oha"):
            on = med("cpu_us_per_req", tool=tool, keep_alive=False, server_resumes=True, resumption=True)
            off = med("cpu_us_per_req", tool=tool, keep_alive=False, server_resumes=False, resumption=True)
            if on and off:
                rows.append((f"CPU/request {tool}, new connections: nginx refusing / resuming", off / on))
        on = med("cpu_us_per_req", tool="chaosload", keep_alive=False, server_resumes=True, resumption=True)
        off = med("cpu_us_per_req", tool="chaosload", keep_alive=False, server_resumes=True, resumption=False)
        if on and off:
            rows.append(("CPU/request chaosload, new connections: tls_session_resumption false / true", off / on))
        if rows:
            self.w("| ratio (of the medians) | measured |", "|---|---|")
            for name, v in rows:
                self.w(f"| {name} | {v:.2f}× |")
            self.w("")
        self.w("No target was set for these figures.", "")

    def render(self):
        b, info = self.b, self.info
        body_start = len(self.lines)
        if 1 in b.sections and b.pick(1):
            self.section_loadgen(1, "nginx", "Load generation, closed model, against nginx (one worker, 61-byte body)")
        if 2 in b.sections and b.pick(2):
            self.section_loadgen(2, "mock", "Load generation, closed model, against `chaosload mock` (61-byte body)")
        if 3 in b.sections:
            self.section_mock_server()
        if 4 in b.sections:
            self.section_proxy()
        if 5 in b.sections:
            self.section_open()
        if 6 in b.sections:
            self.section_memory()
        if 7 in b.sections:
            self.section_validate()
        if 8 in b.sections:
            self.section_callgrind()
        if 9 in b.sections:
            self.section_dns()
        if 10 in b.sections:
            self.section_resolver()
        if 11 in b.sections:
            self.section_slow()
        if 12 in b.sections:
            self.section_h2()
        if 13 in b.sections:
            self.section_tls()
        body = self.lines[body_start:]
        self.lines = self.lines[:body_start]

        steals = [r["steal"] for r in b.runs if "steal" in r and not r.get("superseded")]
        superseded = [r for r in b.runs if r.get("superseded")]
        failed = [r for r in b.runs if not r.get("ok_run")]
        mode = "quick (`--quick`)" if b.quick else "full-length"
        self.w("# chaosload benchmarks", "")
        self.w(f"Written by `just bench` (`bench/run.sh` → `bench/bench.py`) on {b.started:%Y-%m-%d %H:%M} UTC; "
               f"{mode} mode, sections {', '.join(map(str, sorted(b.sections)))}, {b.duration} s per run, "
               f"{b.repeats} interleaved repeats, {self.elapsed / 60:.1f} min in all. Figures are medians over the repeats "
               f"(min–max in parentheses); ratios are ratios of the medians. Raw per-run data: `{b.raw_path_rel}`. "
               f"A run during which the host stole more than {b.max_steal:.0%} of the CPU was repeated, up to "
               f"{b.steal_retries} times, and the try with the least steal counts: {len(superseded)} "
               f"tr{'y was' if len(superseded) == 1 else 'ies were'} set aside so (kept in the raw data). "
               f"A case's medians are over its runs with at most {b.max_steal:.0%} steal when at least half of "
               "its runs were such, else over all of them; the `runs counted` columns say how many counted.", "")
        if self.interrupted:
            reason = getattr(b, "abort_reason", None)
            self.w(f"**This run {'stopped on an error (' + reason + ')' if reason else 'was interrupted'}: "
                   "the figures below are partial.**", "")
        if failed:
            self.w(f"**{len(failed)} run(s) failed** and are left out of the medians (see the raw data): "
                   + "; ".join(f"#{r.get('n', '?')} {r['tool']}: {r.get('failure', '')[:120]}" for r in failed[:5]), "")
        if getattr(b, "missing_tools", None):
            self.w(f"**Not installed, so left out: {', '.join(b.missing_tools)}.** (`bench/run.sh` installs them.)", "")
        if b.args.note:
            self.w(b.args.note, "")
        self.w("## Machine", "", "| | |", "|---|---|")
        self.w(f"| cores (`nproc`) | {info['nproc']} |", f"| CPU | {info['cpu']} |", f"| memory | {info['memory']} |",
               f"| kernel | {info['kernel']} |", f"| OS | {info['os']} |", f"| chaosload | {info['chaosload']} |",
               f"| rustc | {info['rustc']} |", f"| wrk | {info['wrk']} |", f"| oha | {info['oha']} |",
               f"| nginx | {info['nginx']} |", f"| dnsperf | {info.get('dnsperf', '?')} |",
               f"| dnsmasq | {info.get('dnsmasq', '?')} |", f"| slowhttptest | {info.get('slowhttptest', '?')} |",
               f"| h2load | {info.get('h2load', '?')} |")
        if steals:
            self.w(f"| CPU steal during the runs | median {median(steals):.0%}, max {max(steals):.0%} (from /proc/stat) |")
        load = os.getloadavg()
        self.w(f"| load average at the end | {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} |", "")
        self.w("All three load generators run on one thread: `wrk -t1`, `oha --worker-threads 1`, `chaosload run "
               "--threads 1`; servers and the proxy also run one thread each (nginx: one worker, `master_process off`). "
               "Everything runs on this one machine over loopback: the load generator and the server under test "
               "share its cores, so a figure is a property of this pair on this machine, not of either alone.", "")

        self.w("## Targets", "", "| section | target | measured | result |", "|---|---|---|---|")
        for sec, text, measured, ok in self.targets:
            self.w(f"| {sec} | {text} | {measured} | {verdict(ok)} |")
        if not self.targets:
            self.w("| — | no target was measured | | |")
        n_fail = sum(1 for t in self.targets if not t[3])
        self.w("", f"{len(self.targets) - n_fail} of {len(self.targets)} targets met.", "")
        self.w(
            "How figures are taken: **rate** is completed successful requests over the tool's own measured duration "
            "(wrk's `Requests/sec`; oha's successful responses over its total time; chaosload's `ok` over the phase's "
            "real duration from result.json). **CPU/request** is user+sys time of the load generator's whole process "
            "(from `wait4`, all threads, start-up to exit) over its completed requests — for chaosload this includes "
            "writing result.json, the HTML report and the HdrHistogram log after the run. **Server CPU/request** is "
            "the server process's utime+stime (/proc/PID/stat) across the run over the same requests. **Steal** is "
            "the machine's CPU steal share during each run (raw data).", "")
        self.lines.extend(body)

        # Written by hand from profiles (it does not change with each run): what bounds the figures.
        bounds = ROOT / "bench" / "bounds.md"
        if bounds.exists():
            self.w(bounds.read_text().rstrip(), "")

        self.w("## Exact commands", "")
        self.w("`$TMP` is a fresh temporary directory, `$PORT` a free loopback port, `$CONNS` 16 or 64 "
               "(section 4: 64 and 1), `$SECONDS` the run length, `$QPS` section 9's fixed rate; in section 11 `$CONNS` "
               "is the connections held, `$SECONDS` long enough that the bench, not the tool, ends the hold, `$URLPATH` "
               "`/held` (probe unanswered) or `/` (answered). Servers are started once and serve every run.", "")
        self.w("```")
        for label, cmd in b.commands.items():
            self.w(f"# {label}", cmd)
        self.w("```", "")
        for name, text in b.files.items():
            self.w(f"<details><summary><code>$TMP/{name}</code></summary>", "", "```" + ("nginx" if name.endswith(".conf") else "toml" if name.endswith(".toml") else "text"),
                   text.rstrip(), "```", "", "</details>", "")
        return "\n".join(self.lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 s runs, 1 repeat: a smoke check (writes under bench/results/)")
    ap.add_argument("--only", type=int, choices=range(1, SECTIONS + 1), metavar="N",
                    help=f"run only section N (1-{SECTIONS})")
    ap.add_argument("--repeats", type=int, help="interleaved repeats (default 5, quick 1)")
    ap.add_argument("--duration", type=int, help="seconds per run (default 5, quick 2)")
    ap.add_argument("--seed", type=int, default=5, help="seed of the interleaving order")
    ap.add_argument("--max-steal", type=float, default=15, metavar="PCT",
                    help="repeat a run during which the host stole more than PCT %% of the CPU (default 15)")
    ap.add_argument("--steal-retries", type=int, default=2, metavar="N",
                    help="repeat a run at most N times for steal; the try with the least steal counts "
                         "(default 2, quick 0)")
    ap.add_argument("--md", help="Markdown output (default: BENCHMARKS.md for a full run, else bench/results/<ts>.md)")
    ap.add_argument("--note", help="a paragraph to put at the top of the Markdown")
    args = ap.parse_args()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    if not BIN.exists():
        sys.exit(f"{BIN} is missing: run `cargo build --release` (bench/run.sh does)")

    bench = Bench(args)
    ts = bench.started.strftime("%Y%m%dT%H%M%SZ")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    raw_path = results / f"{ts}.json"
    bench.raw_path_rel = str(raw_path.relative_to(ROOT))
    full = not args.quick and not args.only and not args.repeats and not args.duration
    md_path = Path(args.md) if args.md else (ROOT / "BENCHMARKS.md" if full else results / f"{ts}.md")

    info = machine()
    log(f"chaosload benchmark: sections {sorted(bench.sections)}, {bench.duration}s runs, {bench.repeats} repeats; temp dir {bench.tmp}")
    t0 = time.monotonic()
    interrupted = False
    try:
        bench.run()
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: stopping everything, writing what was measured")
    except Exception as e:  # a server died, a tool is missing…: report what was measured
        import traceback

        traceback.print_exc()
        interrupted = True
        bench.abort_reason = f"{type(e).__name__}: {e}"
    finally:
        stop_all()
        bench.servers.clear()
    elapsed = time.monotonic() - t0

    raw = {"machine": info, "args": vars(args), "started": bench.started.isoformat(), "elapsed_s": elapsed,
           "interrupted": interrupted, "commands": bench.commands, "files": bench.files, "runs": bench.runs}
    raw_path.write_text(json.dumps(raw, indent=1) + "\n")
    md = Report(bench, info, elapsed, interrupted).render()
    if interrupted and md_path == ROOT / "BENCHMARKS.md":
        # A partial run must not replace the figures of the last complete one.
        md_path = results / f"{ts}.md"
    md_path.write_text(md)
    # Keep the temporary directory only when something failed (its logs say why).
    if all(r.get("ok_run") for r in bench.runs) and not getattr(bench, "abort_reason", None):
        subprocess.run(["rm", "-rf", str(bench.tmp)])
    else:
        log(f"kept {bench.tmp} for inspection")
    log(f"raw data: {raw_path}\nreport: {md_path}")
    print(md)
    return 1 if getattr(bench, "abort_reason", None) else 130 if interrupted else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stop_all()
