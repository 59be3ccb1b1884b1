#!/usr/bin/env python3
"""Helpers for bench/realtime/run.sh (standard library only).

  rt.py freeport                          print a free 127.0.0.1 TCP port
  rt.py rss PID                           print VmRSS in kB of PID and its children
  rt.py cpu PID...                        print the CPU seconds (user+system) of each PID
  rt.py drain STATUS STEP EXPECTED        wait until the subscriber status file STATUS shows
                                          EXPECTED messages of STEP (or no progress for 1.5 s,
                                          at most 15 s); print "received waited_s"
  rt.py report OUT                        print the markdown report from OUT/*.jsonl
"""
import glob
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from processes import children, freeport  # noqa: E402


def rss(pid):
    todo, total = [int(pid)], 0
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
        todo += children(p)
    print(total)


def cpu(*pids):
    """User+system CPU seconds of each PID, then the system seconds of the first PID."""
    tick = os.sysconf("SC_CLK_TCK")
    out, first_sys = [], "nan"
    for i, pid in enumerate(pids):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out.append(f"{(int(fields[11]) + int(fields[12])) / tick:.2f}")
            if i == 0:
                first_sys = f"{int(fields[12]) / tick:.2f}"
        except OSError:
            out.append("nan")
    print(" ".join(out + [first_sys]))


def _read_status(paths):
    for p in paths:
        try:
            with open(p) as f:
                d = json.load(f)
        except (OSError, ValueError):
            continue
        yield d


def drain(status, step, expected):
    paths = status.split(",")
    expected = int(expected)
    start = time.monotonic()
    last_change, last = start, -1
    while True:
        got = 0
        for d in _read_status(paths):
            got += d.get("steps", {}).get(str(step), {}).get("received", 0)
        now = time.monotonic()
        if got != last:
            last, last_change = got, now
        if got >= expected or now - last_change > 1.5 or now - start > 15:
            print(got, f"{now - start:.1f}")
            return
        time.sleep(0.1)


# ---------------------------------------------------------------- report

LABEL = {"floor": "floor (loadgen floor)", "zenith-baseline": "Zenith baseline", "zenith": "Zenith", "pysio": "python-socketio"}
# The order of the report's rows; zenith-baseline is another zenith binary (ZENITH_BASELINE_BIN),
# floor the load generator's own write-only server.
SERVERS = ("floor", "zenith-baseline", "zenith", "pysio")
TRANSPORT_LABEL = {"websocket": "", "upgrade": ", polling → WebSocket"}


def _label(target, transport):
    return LABEL[target] + TRANSPORT_LABEL.get(transport, f", {transport}")


def _jsonl(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _spread(xs):
    xs = [x for x in xs if x is not None]
    if len(xs) < 2 or not statistics.median(xs):
        return ""
    return f"±{(max(xs) - min(xs)) / 2 / statistics.median(xs) * 100:.0f}%"


def _ms(us):
    if us is None:
        return "–"
    return f"{us / 1000:.2f} ms" if us < 100_000 else f"{us / 1000:.0f} ms"


def _n(x):
    return "–" if x is None else f"{x:,.0f}"


def _percentile(hist, p):
    total = sum(c for _, c in hist)
    if not total:
        return None
    rank, seen = max(1, int(-(-p / 100 * total // 1))), 0
    for v, c in sorted(hist):
        seen += c
        if seen >= rank:
            return v
    return hist[-1][0]


def fanout_runs(out):
    """One record per (target, round, rate, layout) with the subscriber side merged in."""
    pubs = _jsonl(os.path.join(out, "fanout.jsonl"))
    subs = {}
    for path in glob.glob(os.path.join(out, "raw", "sub-fanout-*.json")):
        with open(path) as f:
            d = json.load(f)
        key = os.path.basename(path)[len("sub-fanout-"):-len(".json")].rsplit("-p", 1)[0]
        subs.setdefault(key, []).append(d)
    runs = []
    for r in pubs:
        parts = subs.get(r["run"], [])
        step = str(r["step"])
        received, last, hist = 0, 0, []
        for d in parts:
            s = d.get("steps", {}).get(step)
            if s:
                received += s["received"]
                last = max(last, s["last_us"])
                hist += [tuple(x) for x in s["hist"]]
        pub = r["pub"]
        expected = pub.get("recipients", 0)
        window = (last - pub["start_us"]) / 1e6 if last else None
        rec = dict(
            target=r["target"], transport=r.get("transport", "websocket"), floor=r.get("floor") or {},
            round=r["round"], rate=r["rate"], layout=r.get("layout", "1x"),
            sent=pub.get("sent", 0), planned=pub.get("planned", 0),
            achieved=pub.get("achieved_rate", 0), expected=expected, received=received,
            delivered=received / window if window and window > 0 else None,
            p50=_percentile(hist, 50), p99=_percentile(hist, 99), max=max((v for v, _ in hist), default=None),
            answer_p99=pub.get("answer_p99_us"), errors=pub.get("errors", 0),
            server_cpu=r.get("server_cpu"), server_sys=r.get("server_sys"), loadgen_cpu=r.get("loadgen_cpu"), wall=r.get("wall"),
            load1=r.get("load1"), clients=r.get("clients"), server_alive=r.get("server_alive", 1),
        )
        rec["kept_up"] = (rec["achieved"] >= 0.95 * rec["rate"] and expected > 0
                          and received >= 0.999 * expected and rec["errors"] == 0)
        runs.append(rec)
    return runs


def report(out):
    lines = []
    p = lines.append
    mem = _jsonl(os.path.join(out, "mem.jsonl"))
    transports = [t for t in ("websocket", "polling") if any(m.get("transport", "websocket") == t for m in mem)]
    for transport in transports:
        runs = [m for m in mem if m.get("transport", "websocket") == transport]
        p(f"### Memory per idle {'WebSocket' if transport == 'websocket' else 'polling'} client")
        p("")
        p("RSS of the server process after N clients connected and joined room `bench`, minus its RSS "
          "before the first client, divided by N. Median over rounds (one fresh server per round)."
          + (" Each polling client holds a GET open on one keep-alive connection." if transport == "polling" else ""))
        p("")
        p("| server | clients | connected (min of rounds) | RSS before | RSS after | KiB per client | spread | rounds |")
        p("|---|---:|---:|---:|---:|---:|---:|---:|")
        targets = [t for t in SERVERS if any(m["target"] == t for m in runs)]
        per_client = {}
        for t in targets:
            levels = sorted({lv["clients"] for m in runs if m["target"] == t for lv in m["levels"]})
            for n in levels:
                rows = [(m["rss0_kb"], lv) for m in runs if m["target"] == t for lv in m["levels"] if lv["clients"] == n]
                kib = [(lv["rss_kb"] - r0) / lv["connected"] for r0, lv in rows if lv["connected"]]
                per_client[(t, n)] = _med(kib)
                p(f"| {LABEL[t]} | {n:,} | {min(lv['connected'] for _, lv in rows):,} | "
                  f"{_med([r0 for r0, _ in rows]) / 1024:.1f} MiB | {_med([lv['rss_kb'] for _, lv in rows]) / 1024:.1f} MiB | "
                  f"{_med(kib):.1f} | {_spread(kib)} | {len(rows)} |")
        p("")
        for n in sorted({n for _, n in per_client}):
            z, y = per_client.get(("zenith", n)), per_client.get(("pysio", n))
            if z and y:
                p(f"- {n:,} clients: python-socketio uses {y / z:.1f}× Zenith's memory per client.")
            z, b = per_client.get(("zenith", n)), per_client.get(("zenith-baseline", n))
            if z and b:
                p(f"- {n:,} clients: Zenith uses {z / b:.2f}× the baseline's memory per client.")
        p("")
    runs = fanout_runs(out)
    main = [r for r in runs if r["layout"].startswith("1x")]
    if main:
        clients = _med([r["clients"] for r in main])
        p(f"### Fan-out of one room ({_n(clients)} clients)")
        p("")
        p("Median over rounds. *publishes/s*: POSTs the server accepted per second of the publishing "
          "window (target rate in the first column). *delivered msgs/s*: tick messages received by all "
          "clients, divided by the time from the first publish to the last receipt. Latency: publish "
          "(POST written) to receipt by a client, over every message received. *CPU*: CPU seconds of "
          "the process per wall second of the step (publishing + drain); *server CPU µs/msg*: the "
          "server's CPU time divided by the messages delivered, which does not depend on the load "
          "generator. *POST answer*: time from writing a publish request to its 202.")
        p("")
        p("| rate/s | server | publishes/s | received / expected | delivered msgs/s | spread | p50 | p99 | max | POST answer p99 | server CPU | server CPU µs/msg | loadgen CPU | kept up |")
        p("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        best = {}
        rates = sorted({r["rate"] for r in main})
        transports = [tr for tr in TRANSPORT_LABEL if any(r["transport"] == tr for r in main)]
        for rate in rates:
            for t, tr in [(t, tr) for t in SERVERS for tr in transports]:
                rs = [r for r in main if r["target"] == t and r["transport"] == tr and r["rate"] == rate]
                if not rs:
                    continue
                d = [r["delivered"] for r in rs]
                md = _med(d)
                if tr == "websocket":
                    best[t] = max(best.get(t, 0), md or 0)
                kept = sum(r["kept_up"] for r in rs)
                scpu = _med([r["server_cpu"] / r["wall"] for r in rs if r["server_cpu"] is not None and r["wall"]])
                per_msg = _med([r["server_cpu"] / r["received"] * 1e6 for r in rs if r["server_cpu"] is not None and r["received"]])
                lcpu = _med([r["loadgen_cpu"] / r["wall"] for r in rs if r["loadgen_cpu"] is not None and r["wall"]])
                recv = sum(r["received"] for r in rs)
                exp = sum(r["expected"] for r in rs)
                p(f"| {rate:,.0f} | {_label(t, tr)} | {_n(_med([r['achieved'] for r in rs]))} | "
                  f"{recv / exp * 100 if exp else 0:.2f}% of {_n(exp / len(rs))} | {_n(md)} | {_spread(d)} | "
                  f"{_ms(_med([r['p50'] for r in rs]))} | {_ms(_med([r['p99'] for r in rs]))} | {_ms(_med([r['max'] for r in rs]))} | "
                  f"{_ms(_med([r['answer_p99'] for r in rs]))} | "
                  f"{'–' if scpu is None else f'{scpu:.2f}'} | {'–' if per_msg is None else f'{per_msg:.2f}'} | {'–' if lcpu is None else f'{lcpu:.2f}'} | "
                  f"{'yes' if kept == len(rs) else ('no' if kept == 0 else f'{kept}/{len(rs)} rounds')} |")
            p("| | | | | | | | | | | | | | |")
        lines.pop()
        p("")
        if best.get("zenith") and best.get("pysio"):
            p(f"- Highest delivered msgs/s (median over rounds): Zenith {_n(best['zenith'])}, python-socketio "
              f"{_n(best['pysio'])}: **{best['zenith'] / best['pysio']:.1f}×**.")
        for t in SERVERS:
            behind = [rate for rate in rates if any(r["target"] == t and r["rate"] == rate and not r["kept_up"] for r in main)]
            if behind:
                lagging = [r for r in main if r["target"] == t and r["rate"] in behind and not r["kept_up"]]
                bound = all(r["received"] >= 0.999 * r["expected"] and r["errors"] == 0 for r in lagging)
                p(f"- {LABEL[t]} fell behind (publishes accepted < 95% of the rate, or messages lost) from "
                  f"{behind[0]:,.0f} msg/s on in at least one round" +
                  (": every accepted publish was delivered; the publisher (PUB_CONNS requests in flight, each "
                   "waiting for its 202) capped the rate, and the server CPU column says whether the server "
                   "was saturated as well." if bound else "."))
        for t in SERVERS:
            top = [r for r in main if r["target"] == t and r["rate"] == rates[-1] and r.get("server_sys") and r["server_cpu"]]
            if top:
                share = _med([r["server_sys"] / r["server_cpu"] for r in top])
                p(f"- {LABEL[t]} at {rates[-1]:,.0f} msg/s: {share * 100:.0f}% of its CPU time was system time (kernel: socket writes, epoll).")
        floors = [r for r in main if r["target"] == "floor" and r["floor"].get("publishes")]
        if floors:
            p("")
            p("Inside the floor server (`loadgen floor`, medians over rounds): *read*: from the tick's `t` (the "
              "publisher writing the POST) to the server reading it; *fan-out*: from there to the last "
              "recipient's write and flush. The rest of a tick's latency is the load generator reading it.")
            p("")
            p("| rate/s | read p50 | read p99 | fan-out p50 | fan-out p99 | fan-out max |")
            p("|---:|---:|---:|---:|---:|---:|")
            for rate in rates:
                rs = [r["floor"] for r in floors if r["rate"] == rate]
                if rs:
                    p(f"| {rate:,.0f} | " + " | ".join(_ms(_med([f.get(k) for f in rs])) for k in
                      ("read_p50_us", "read_p99_us", "fanout_p50_us", "fanout_p99_us", "fanout_max_us")) + " |")
        errs = [r for r in main if r["errors"] or not r["server_alive"]]
        for r in errs:
            p(f"- {LABEL[r['target']]} round {r['round']} rate {r['rate']}: {r['errors']} publish errors, server alive: {bool(r['server_alive'])}")
        p("")
    check = [r for r in runs if not r["layout"].startswith("1x")]
    if check:
        p("### Load generator check")
        p("")
        p("The same Zenith fan-out with the clients split over several load generator processes. If "
          "the single process were the bottleneck, the split would deliver more.")
        p("")
        p("| rate/s | server | load generators | delivered msgs/s | p50 | p99 | loadgen CPU | server CPU |")
        p("|---:|---|---|---:|---:|---:|---:|---:|")
        for r in check + [r for r in main if r["target"] in {c["target"] for c in check}
                          and r["rate"] in {c["rate"] for c in check}]:
            p(f"| {r['rate']:,.0f} | {LABEL[r['target']]} | {r['layout']} (round {r['round']}) | {_n(r['delivered'])} | "
              f"{_ms(r['p50'])} | {_ms(r['p99'])} | {r['loadgen_cpu'] / r['wall']:.2f} | {r['server_cpu'] / r['wall']:.2f} |")
        p("")
    print("\n".join(lines))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"freeport": freeport, "rss": rss, "cpu": cpu, "drain": drain, "report": report}[cmd](*args)
