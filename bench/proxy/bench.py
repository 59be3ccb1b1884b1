#!/usr/bin/env python3
"""Helpers for bench/proxy/run.sh (standard library only).

  bench.py freeport                      print a free 127.0.0.1 TCP port
  bench.py mem PID                       print "VmRSS_kB VmHWM_kB threads processes" summed over PID and its children
  bench.py cpu PID                       print "user_us system_us" summed over PID and its children
  bench.py pids PID                      print PID and its children, comma-separated (for perf stat -p)
  bench.py syscalls PERF_STAT_OUT        print the count in a "perf stat -x," output (0 if none)
  bench.py cores CPU...                  print "busy total" jiffies of each CPU (all processes, /proc/stat)
  bench.py minus "A1 B1 .." "A0 B0 .."   print "A1-A0,B1-B0,.." (a JSON array's inside)
  bench.py measured OUT CMD...           run CMD, write its (and its children's) "user_us system_us" to OUT,
                                         exit with its status
  bench.py summary wrk|h2load RAW        print a load run's figures from its output, as JSON fields
  bench.py report RESULTS.jsonl MEM.tsv  print the markdown report
"""
import json
import os
import re
import resource
import statistics
import subprocess
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from processes import children, freeport  # noqa: E402

TARGET_ORDER = ["backend", "nginx", "haproxy", "raw-floor", "nio-floor", "nio-floor-inline", "zenith-baseline", "zenith"]
FLOORS = ["raw-floor", "nio-floor", "nio-floor-inline"]
TARGET_LABEL = {
    "backend": "backend direct (nginx)",
    "nginx": "nginx proxy",
    "haproxy": "HAProxy",
    "raw-floor": "epoll floor",
    "nio-floor": "NIO floor",
    "nio-floor-inline": "NIO floor, HTTP/2 inline",
    "zenith-baseline": "Zenith baseline",
    "zenith": "Zenith",
}
CASE_ORDER = ["small", "16k", "post64k", "tls-small", "h2-small", "h2-16k"]
CASE_LABEL = {
    "small": "GET 100 B",
    "16k": "GET 16 KiB",
    "post64k": "POST 64 KiB",
    "tls-small": "TLS HTTP/1.1 GET 100 B",
    "h2-small": "HTTP/2 GET 100 B",
    "h2-16k": "HTTP/2 GET 16 KiB",
}
# Smallest plausible response size per case (wrk counts heads too, h2load bodies only), to catch
# truncated answers.
CASE_MIN_BODY = {"small": 100, "16k": 16384, "post64k": 2, "tls-small": 100, "h2-small": 100, "h2-16k": 16384}
# A front below this share of its core at its highest rate was not what limited the rate.
SATURATED = 0.95
LOAD_TOOL = {"h2-small": "h2load", "h2-16k": "h2load"}  # the others: wrk

def _status(pid):
    vals = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "Threads"):
                    vals[k] = int(v.split()[0])
    except OSError:
        pass
    return vals


def mem(pid):
    todo, rss, hwm, threads, procs = [int(pid)], 0, 0, 0, 0
    while todo:
        p = todo.pop()
        st = _status(p)
        if st:
            procs += 1
            rss += st.get("VmRSS", 0)
            hwm += st.get("VmHWM", 0)
            threads += st.get("Threads", 0)
        todo += children(p)
    print(rss, hwm, threads, procs)


def _tree(pid):
    todo, out = [int(pid)], []
    while todo:
        p = todo.pop()
        if os.path.exists(f"/proc/{p}"):
            out.append(p)
        todo += children(p)
    return out


def pids(pid):
    print(",".join(str(p) for p in _tree(pid)))


def syscalls(path):
    try:
        with open(path) as f:
            for line in f:
                fields = line.strip().split(",")
                if len(fields) > 2 and fields[2].startswith("raw_syscalls:sys_enter") and fields[0].isdigit():
                    print(fields[0])
                    return
    except OSError:
        pass
    print(0)


def cpu(pid):
    """CPU time so far (all threads) of PID and its children, in µs, from /proc/PID/stat."""
    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
    todo, user, system = [int(pid)], 0, 0
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            user += int(fields[11])  # utime, field 14 of stat(5)
            system += int(fields[12])  # stime, field 15
        except (OSError, IndexError, ValueError):
            pass
        todo += children(p)
    print(round(user * tick_us), round(system * tick_us))


def cores(cpus):
    """Busy and total jiffies of each CPU, whoever ran there: steal counts as busy (the core was
    not ours), idle and iowait as free."""
    stat = {}
    with open("/proc/stat") as f:
        for line in f:
            name, *values = line.split()
            if name.startswith("cpu") and name != "cpu":
                user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in values[:8])
                busy = user + nice + system + irq + softirq + steal
                stat[name[3:]] = (busy, busy + idle + iowait)
    print(" ".join(f"{stat[c][0]} {stat[c][1]}" for c in cpus))


def minus(after, before):
    a, b = [int(x) for x in after.split()], [int(x) for x in before.split()]
    print(",".join(str(x - y) for x, y in zip(a, b)))


def measured(out, cmd):
    """Runs cmd; its CPU time and that of every process it waited for (wrk under timeout and
    taskset) is what this process's children used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rc = subprocess.call(cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        f.write(f"{round((after.ru_utime - before.ru_utime) * 1e6)} {round((after.ru_stime - before.ru_stime) * 1e6)}\n")
    sys.exit(rc)


def _duration_us(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]


def summary(tool, raw_path):
    """The figures of one load run as JSON fields: requests, duration_us, bytes, err_*, latency."""
    with open(raw_path, errors="replace") as f:
        text = f.read()
    if tool == "wrk":  # wrk.lua's done() prints them
        found = re.findall(r"^BENCH_JSON \{(.*)\}$", text, re.M)
        print(found[-1] if found else '"requests":0')
        return
    # h2load: "finished in 6.00s, ...", "requests: N total, N started, N done, N succeeded, N failed,
    # N errored, N timeout", "status codes: N 2xx, ...", "traffic: ... (N) data",
    # "time for request: min max mean sd +/- sd"
    finished = re.search(r"^finished in ([\d.]+(?:us|ms|s)),", text, re.M)
    requests = re.search(r"^requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                         r"(\d+) errored, (\d+) timeout", text, re.M)
    status = re.search(r"^status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text, re.M)
    data = re.search(r"^traffic: .*\((\d+)\) data", text, re.M)
    latency = re.search(r"^time for request:\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
    tls = [m for m in re.findall(r"^(?:TLS Protocol|Cipher|Server Temp Key|Application protocol): (.*)$", text, re.M)]
    if not (finished and requests and status and data and latency):
        print('"requests":0')
        return
    done, succeeded, failed, errored, timeout = (int(x) for x in requests.groups()[1:])
    fields = {
        "requests": succeeded,
        "duration_us": round(_duration_us(finished.group(1))),
        "bytes": int(data.group(1)),
        "err_failed": failed, "err_errored": errored, "err_timeout": timeout,
        "err_status": sum(int(x) for x in status.groups()),
        "mean_us": _duration_us(latency.group(3)), "max_us": _duration_us(latency.group(2)),
        "tls": ", ".join(tls),
    }
    print(json.dumps(fields)[1:-1])


def fmt_us(us):
    if us is None:
        return "–"
    return f"{us / 1000:.2f} ms" if us < 100_000 else f"{us / 1000:.0f} ms"


def fmt_pct(x):
    return f"{x * 100:.0f}%"


def report(results_path, mem_path):
    runs = defaultdict(list)  # (target, case) -> [record]
    with open(results_path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs[(r["target"], r["case"])].append(r)
    mem_rows = defaultdict(list)  # target -> [(round, rss_kB, hwm_kB)]
    threads = {}
    with open(mem_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and parts[0] != "round":
                rnd, target, rss, hwm, thr, procs = parts[:6]
                mem_rows[target].append((rnd, int(rss), int(hwm)))
                threads[target] = (int(thr), int(procs))

    targets = [t for t in TARGET_ORDER if any(k[0] == t for k in runs)]
    fronts = [t for t in targets if t != "backend"]
    cases = [c for c in CASE_ORDER if any(k[1] == c for k in runs)]

    def ok(r):
        return r.get("requests", 0) > 0

    def med(target, case, key):
        vals = [key(r) for r in runs.get((target, case), []) if ok(r) and key(r) is not None]
        return statistics.median(vals) if vals else None

    def rps(r):
        return r["requests"] / (r["duration_us"] / 1e6)

    def per_request(process):  # CPU µs per request of one process: user + system
        return lambda r: sum(r["cpu_us"][process]) / r["requests"]

    def share(process):  # share of one core over the run's wall time
        return lambda r: sum(r["cpu_us"][process]) / r["wall_us"]

    def cpu1(r):  # what of ours ran on the backend's and load generator's core
        return share("load")(r) + share("front" if r["target"] == "backend" else "backend")(r)

    def core_busy(index):  # share of CPU 0 (index 0) or CPU 1 (index 1) busy, whoever ran there
        return lambda r: r["cores"][2 * index] / r["cores"][2 * index + 1] if r["cores"][2 * index + 1] else 0

    def limit(r, target):
        """What capped this run's rate: the core that was full, and whether it was the front's."""
        if target != "backend" and share("front")(r) >= SATURATED:
            return "front (CPU 0)"
        if target != "backend" and core_busy(0)(r) >= SATURATED:
            return f"**CPU 0 shared**: other processes took {fmt_pct(core_busy(0)(r) - share('front')(r))}"
        if cpu1(r) >= SATURATED:
            return "CPU 1 (backend + load generator)" + (", not the front" if target != "backend" else "")
        if core_busy(1)(r) >= SATURATED:
            return f"**CPU 1 shared**: other processes took {fmt_pct(core_busy(1)(r) - cpu1(r))}"
        return "**neither core full**"

    lines = []
    # 1. CPU time per request of the front: what each proxy costs, whatever limits the rate.
    reference = "zenith-baseline" if "zenith-baseline" in targets else "nginx"
    compare = [reference] + (["haproxy"] if "haproxy" in fronts and reference != "haproxy" else [])
    compare += [t for t in FLOORS if t in fronts]
    # What the least a proxy on SwiftNIO spends costs against nginx.
    floors = [t for t in FLOORS if t in fronts and "nginx" in fronts]
    lines.append("CPU time per request of the front's processes (user + system, median over the rounds):")
    lines.append("")
    lines.append("| case | " + " | ".join(TARGET_LABEL[t] for t in fronts) + " | "
                 + " | ".join(f"Zenith / {TARGET_LABEL[t]}" for t in compare)
                 + "".join(f" | {TARGET_LABEL[t]} / nginx proxy" for t in floors) + " |")
    lines.append("|---|" + "---:|" * (len(fronts) + len(compare) + len(floors)))
    for case in cases:
        cells, totals = [], {}
        for target in fronts:
            user = med(target, case, lambda r: r["cpu_us"]["front"][0] / r["requests"])
            system = med(target, case, lambda r: r["cpu_us"]["front"][1] / r["requests"])
            totals[target] = med(target, case, per_request("front"))
            cells.append(f"{user + system:.1f} µs ({user:.1f} + {system:.1f})" if user is not None else "–")
        ratios = [f"{totals['zenith'] / totals[t]:.2f}" if totals.get("zenith") and totals.get(t) else "–"
                  for t in compare]
        ratios += [f"{totals[t] / totals['nginx']:.2f}" if totals.get(t) and totals.get("nginx") else "–"
                   for t in floors]
        lines.append(f"| {CASE_LABEL[case]} | " + " | ".join(cells + ratios) + " |")

    if any("front_syscalls" in r for rs in runs.values() for r in rs):
        lines.append("")
        lines.append("System calls per request of the front (perf stat -e raw_syscalls:sys_enter, median over the rounds):")
        lines.append("")
        lines.append("| case | " + " | ".join(TARGET_LABEL[t] for t in fronts) + " |")
        lines.append("|---|" + "---:|" * len(fronts))
        for case in cases:
            cells = []
            for target in fronts:
                v = med(target, case, lambda r: r["front_syscalls"] / r["requests"] if r.get("front_syscalls") else None)
                cells.append(f"{v:.2f}" if v is not None else "–")
            lines.append(f"| {CASE_LABEL[case]} | " + " | ".join(cells) + " |")

    # 2. Throughput and latency.
    lines.append("")
    lines.append("| case | target | req/s | spread | p50 | p99 | mean | req/s vs nginx | p99 vs nginx | front CPU | errors |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for case in cases:
        ref_rps = med("nginx", case, rps)
        ref_p99 = med("nginx", case, lambda r: r.get("p99_us"))
        for target in targets:
            rs = runs.get((target, case), [])
            if not rs:
                continue
            errs = []
            for r in rs:
                e = {k[4:]: r[k] for k in r if k.startswith("err_") and r[k]}
                if r.get("load_rc", 0) != 0:
                    e["exit_status"] = r["load_rc"]
                if r.get("front_alive", 1) == 0:
                    e["process_exited"] = 1
                if not ok(r):
                    e["no_requests"] = 1
                elif r["bytes"] / r["requests"] < CASE_MIN_BODY[case]:
                    e["short_responses"] = round(r["bytes"] / r["requests"])
                if e:
                    errs.append(f"r{r['round']}: " + ", ".join(f"{k}={v}" for k, v in e.items()))
            err_cell = "⚠ " + "; ".join(errs) if errs else "0"
            v_rps = med(target, case, rps)
            if not v_rps:
                lines.append(f"| {CASE_LABEL[case]} | {TARGET_LABEL[target]} |" + " – |" * 8 + f" {err_cell} |")
                continue
            all_rps = [rps(r) for r in rs if ok(r)]
            spread = f"±{(max(all_rps) - min(all_rps)) / 2 / v_rps * 100:.0f}%" if len(all_rps) > 1 else "–"
            v_p99 = med(target, case, lambda r: r.get("p99_us"))
            ratio_rps = f"{v_rps / ref_rps:.2f}" if ref_rps else "–"
            ratio_p99 = f"{v_p99 / ref_p99:.2f}" if v_p99 and ref_p99 else "–"
            if target == "backend":
                ratio_rps = ratio_p99 = "(baseline)"
            lines.append(
                f"| {CASE_LABEL[case]} | {TARGET_LABEL[target]} | {v_rps:,.0f} | {spread} | "
                f"{fmt_us(med(target, case, lambda r: r.get('p50_us')))} | {fmt_us(v_p99)} | "
                f"{fmt_us(med(target, case, lambda r: r.get('mean_us')))} | {ratio_rps} | {ratio_p99} | "
                f"{fmt_pct(med(target, case, share('front')))} | {err_cell} |"
            )
        lines.append("|" + " |" * 11)
    lines.pop()
    lines.append("")
    lines.append("(h2load gives no percentiles: its cases show the mean time per request only.)")
    negotiated = sorted({(r["target"], r["tls"]) for rs in runs.values() for r in rs if r.get("tls")})
    if negotiated:
        lines.append("")
        lines.append("What h2load negotiated: " + "; ".join(f"{TARGET_LABEL[t]}: {tls}" for t, tls in negotiated) + ".")

    # 3. Every process's CPU, and what saturated.
    lines.append("")
    lines.append("CPU of every process (share of one core over the run, and µs per request; medians over the rounds). "
                 "CPU 0 holds the front, CPU 1 the backend and the load generator:")
    lines.append("")
    lines.append("| case | target | front | backend | load generator | CPU 0 busy | CPU 1: ours / busy | "
                 "limit (median round) |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---|")
    remarks = []
    for case in cases:
        tool = LOAD_TOOL.get(case, "wrk")
        for target in targets:
            good = [r for r in runs.get((target, case), []) if ok(r)]
            if not good:
                continue

            def cell(process):
                return (f"{fmt_pct(med(target, case, share(process)))}, "
                        f"{med(target, case, per_request(process)):.1f} µs")

            median_round = sorted(good, key=rps)[(len(good) - 1) // 2]
            lines.append(
                f"| {CASE_LABEL[case]} | {TARGET_LABEL[target]} | {cell('front')} | "
                f"{'(is the front)' if target == 'backend' else cell('backend')} | {tool} {cell('load')} | "
                f"{fmt_pct(med(target, case, core_busy(0)))} | "
                f"{fmt_pct(med(target, case, cpu1))} / {fmt_pct(med(target, case, core_busy(1)))} | "
                f"{limit(median_round, target)} |")
            # The round with the highest rate: was the front using its whole core there?
            best = max(good, key=rps)
            if target != "backend" and share("front")(best) < SATURATED:
                remarks.append(
                    f"- {TARGET_LABEL[target]}, {CASE_LABEL[case]}: at its highest rate ({rps(best):,.0f} req/s, "
                    f"round {best['round']}) the front used {fmt_pct(share('front')(best))} of CPU 0 "
                    f"(CPU 0 busy {fmt_pct(core_busy(0)(best))}); CPU 1: backend {fmt_pct(share('backend')(best))}, "
                    f"{tool} {fmt_pct(share('load')(best))}, busy {fmt_pct(core_busy(1)(best))}. "
                    f"Limit: {limit(best, target)}.")
        lines.append("|" + " |" * 8)
    lines.pop()
    lines.append("")
    if remarks:
        lines.append(f"Fronts below {fmt_pct(SATURATED)} of their core at their highest rate (that rate "
                     "understates what the front can do):")
        lines.append("")
        lines += remarks
    else:
        lines.append(f"Every front used at least {fmt_pct(SATURATED)} of its core at its highest rate.")

    # 4. Memory.
    lines.append("")
    nrounds = max((len(v) for v in mem_rows.values()), default=0)
    head = "| process | threads / processes | peak RSS (VmHWM) | " + " | ".join(
        f"RSS after round {i + 1}" for i in range(nrounds)) + " |"
    lines.append(head)
    lines.append("|---|---:|---:|" + "---:|" * nrounds)
    for target in TARGET_ORDER:
        if target not in mem_rows:
            continue
        rows = mem_rows[target]
        label = "backend nginx" if target == "backend" else TARGET_LABEL[target]
        thr, procs = threads[target]
        cells = [f"{rss / 1024:.1f} MiB" for _, rss, _ in rows]
        cells = " | ".join(cells + ["(exited)"] * (nrounds - len(cells)))
        lines.append(f"| {label} | {thr} / {procs} | {rows[-1][2] / 1024:.1f} MiB | {cells} |")
    print("\n".join(lines))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "freeport":
        freeport()
    elif cmd == "mem":
        mem(sys.argv[2])
    elif cmd == "cpu":
        cpu(sys.argv[2])
    elif cmd == "pids":
        pids(sys.argv[2])
    elif cmd == "syscalls":
        syscalls(sys.argv[2])
    elif cmd == "cores":
        cores(sys.argv[2:])
    elif cmd == "minus":
        minus(sys.argv[2], sys.argv[3])
    elif cmd == "measured":
        measured(sys.argv[2], sys.argv[3:])
    elif cmd == "summary":
        summary(sys.argv[2], sys.argv[3])
    elif cmd == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
