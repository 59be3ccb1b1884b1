#!/usr/bin/env python3
"""Helpers for bench/proxy/run.sh (standard library only).

  bench.py freeport                      print a free 127.0.0.1 TCP port
  bench.py mem PID                       print "VmRSS_kB VmHWM_kB" summed over PID and its children
  bench.py cpu PID                       print "user_ticks system_ticks" summed over PID and its children
  bench.py report RESULTS.jsonl MEM.tsv  print the markdown report
"""
import json
import os
import socket
import statistics
import sys
from collections import defaultdict

TARGET_ORDER = ["backend", "nginx", "haproxy", "zenith-baseline", "zenith"]
TARGET_LABEL = {
    "backend": "backend direct (nginx)",
    "nginx": "nginx proxy",
    "haproxy": "HAProxy",
    "zenith-baseline": "Zenith baseline",
    "zenith": "Zenith",
}
CASE_ORDER = ["small", "16k", "post64k"]
CASE_LABEL = {"small": "GET 100 B", "16k": "GET 16 KiB", "post64k": "POST 64 KiB"}
# Smallest plausible response size (body only) per case, to catch truncated answers.
CASE_MIN_BODY = {"small": 100, "16k": 16384, "post64k": 2}


def freeport():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def _children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


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
        todo += _children(p)
    print(rss, hwm, threads, procs)


def cpu(pid):
    """CPU time so far (all threads) of PID and its children, in clock ticks, from /proc/PID/stat."""
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
        todo += _children(p)
    print(user, system)


def fmt_us(us):
    return f"{us / 1000:.2f} ms" if us < 100_000 else f"{us / 1000:.0f} ms"


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
    cases = [c for c in CASE_ORDER if any(k[1] == c for k in runs)]

    def med(target, case, key):
        rs = runs.get((target, case), [])
        vals = [key(r) for r in rs if r.get("requests", 0) > 0]
        return statistics.median(vals) if vals else None

    def rps(r):
        return r["requests"] / (r["duration_us"] / 1e6)

    lines = []
    lines.append("| case | target | req/s | spread | p50 | p99 | req/s vs nginx | p99 vs nginx | errors |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for case in cases:
        ref_rps = med("nginx", case, rps)
        ref_p99 = med("nginx", case, lambda r: r["p99_us"])
        for target in targets:
            rs = runs.get((target, case), [])
            if not rs:
                continue
            v_rps = med(target, case, rps)
            all_rps = [rps(r) for r in rs if r.get("requests", 0) > 0]
            spread = f"±{(max(all_rps) - min(all_rps)) / 2 / v_rps * 100:.0f}%" if len(all_rps) > 1 else "–"
            v_p50 = med(target, case, lambda r: r["p50_us"])
            v_p99 = med(target, case, lambda r: r["p99_us"])
            errs = []
            for r in rs:
                e = {k[4:]: r[k] for k in r if k.startswith("err_") and r[k]}
                if r.get("wrk_rc", 0) != 0:
                    e["wrk_rc"] = r["wrk_rc"]
                if r.get("front_alive", 1) == 0:
                    e["process_exited"] = 1
                if r.get("requests", 0) == 0:
                    e["no_requests"] = 1
                elif r["bytes"] / r["requests"] < CASE_MIN_BODY[case]:
                    e["short_responses"] = round(r["bytes"] / r["requests"])
                if e:
                    errs.append(f"r{r['round']}: " + ", ".join(f"{k}={v}" for k, v in e.items()))
            err_cell = "⚠ " + "; ".join(errs) if errs else "0"
            ratio_rps = f"{v_rps / ref_rps:.2f}" if v_rps and ref_rps else "–"
            ratio_p99 = f"{v_p99 / ref_p99:.2f}" if v_p99 and ref_p99 else "–"
            if target == "backend":
                ratio_rps = ratio_p99 = "(baseline)"
            lines.append(
                f"| {CASE_LABEL[case]} | {TARGET_LABEL[target]} | "
                f"{v_rps:,.0f} | {spread} | {fmt_us(v_p50)} | {fmt_us(v_p99)} | {ratio_rps} | {ratio_p99} | {err_cell} |"
                if v_rps
                else f"| {CASE_LABEL[case]} | {TARGET_LABEL[target]} | – | – | – | – | – | – | {err_cell} |"
            )
        lines.append("| | | | | | | | | |")
    lines.pop()

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

    # CPU time per request: what each target costs, whatever limits the throughput above.
    tick_us = 1e6 / os.sysconf("SC_CLK_TCK")

    def cpu_us(r, key):
        return r[key] * tick_us / r["requests"] if key in r else None

    lines.append("")
    lines.append("CPU time per request of each target's processes (user + system, median over the rounds):")
    lines.append("")
    # Against the baseline build (ZENITH_BASELINE_BIN) when it ran: the change's cost per request.
    reference = "zenith-baseline" if "zenith-baseline" in targets else "nginx"
    lines.append("| case | " + " | ".join(TARGET_LABEL[t] for t in targets) + f" | Zenith / {TARGET_LABEL[reference]} |")
    lines.append("|---|" + "---:|" * (len(targets) + 1))
    for case in cases:
        cells, totals = [], {}
        for target in targets:
            user = med(target, case, lambda r: cpu_us(r, "cpu_user_ticks"))
            system = med(target, case, lambda r: cpu_us(r, "cpu_system_ticks"))
            if user is None or system is None:
                cells.append("–")
                continue
            totals[target] = med(target, case, lambda r: cpu_us(r, "cpu_user_ticks") + cpu_us(r, "cpu_system_ticks"))
            cells.append(f"{user:.1f} + {system:.1f} µs")
        ratio = f"{totals['zenith'] / totals[reference]:.2f}" if "zenith" in totals and reference in totals else "–"
        lines.append(f"| {CASE_LABEL[case]} | " + " | ".join(cells) + f" | {ratio} |")
    print("\n".join(lines))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "freeport":
        freeport()
    elif cmd == "mem":
        mem(sys.argv[2])
    elif cmd == "cpu":
        cpu(sys.argv[2])
    elif cmd == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
