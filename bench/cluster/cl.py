#!/usr/bin/env python3
"""Helpers for bench/cluster/run.sh (standard library only; the generic ones, freeport, cpu and
drain, are bench/realtime/rt.py's and are called there).

  cl.py peers URL... WANT [TIMEOUT]     wait until every metrics URL says zenith_cluster_peers WANT
  cl.py received STATUS... STEP         print the messages of STEP the subscriber status files counted
  cl.py poll --url U --clients N --seconds S [--warmup W] [--pids NAME=PID,...]
                                        the polling load generator: N Engine.IO sessions, long-polling
                                        only, each a closed loop of POST (an event asking for an ack) +
                                        GET (that ack); prints one JSON line, with the CPU seconds
                                        of the named processes over the measured window
  cl.py haproxy-counts URL              HTTP responses per HAProxy server, from its stats CSV
  cl.py report OUT                      print the markdown report from OUT/*.jsonl and OUT/raw
"""
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "realtime"))
import rt  # noqa: E402  (bench/realtime/rt.py: _jsonl, _med, _spread, _ms, _n, _percentile)


def peers(*args):
    urls, want = args[:-1], int(args[-1])
    timeout = 20.0
    deadline = time.monotonic() + timeout
    for url in urls:
        while True:
            try:
                text = urllib.request.urlopen(url + "/metrics", timeout=2).read().decode()
                vals = [float(line.split()[-1]) for line in text.splitlines() if line.startswith("zenith_cluster_peers")]
                up = [float(line.split()[-1]) for line in text.splitlines() if line.startswith("zenith_cluster_redis_up")]
                if vals and vals[0] == want and len(up) == 2 and all(v == 1 for v in up):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"{url}: the node does not see {want} peers and Redis up after {timeout:.0f} s")
            time.sleep(0.1)


def received(*args):
    paths, step = args[:-1], args[-1]
    total = 0
    for d in rt._read_status(paths):
        total += d.get("steps", {}).get(step, {}).get("received", 0)
    print(total)


# ---------------------------------------------------------------- polling load generator

class Conn:
    """One keep-alive HTTP/1.1 connection (Content-Length or chunked answers)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.r = self.w = None

    async def request(self, method, target, body=b""):
        if self.w is None:
            self.r, self.w = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if method == "POST":
            head += f"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {len(body)}\r\n"
        self.w.write(head.encode() + b"\r\n" + body)
        status_line = await self.r.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.r.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            k, _, v = line.decode("latin-1").partition(":")
            k, v = k.strip().lower(), v.strip().lower()
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v:
                chunked = True
            elif k == "connection" and v == "close":
                close = True
        if chunked:
            data = b""
            while True:
                n = int((await self.r.readuntil(b"\r\n")).split(b";")[0], 16)
                data += await self.r.readexactly(n + 2)
                if n == 0:
                    break
            data = data[:-2]
        else:
            data = await self.r.readexactly(length or 0)
        if close:
            self.w.close()
            self.r = self.w = None
        return status, data.decode()


class Stats:
    def __init__(self):
        self.lat = {"post": [], "get": [], "cycle": []}
        self.cycles = 0
        self.requests = 0
        self.errors = {}
        self.measuring = False

    def error(self, why):
        self.errors[why] = self.errors.get(why, 0) + 1


async def session(host, port, path, stats, stop, index):
    c = Conn(host, port)
    base = f"{path}?EIO=4&transport=polling"
    while not stop.is_set():
        try:
            status, body = await c.request("GET", base)
            if status != 200 or not body.startswith("0{"):
                stats.error(f"handshake {status}")
                await asyncio.sleep(0.5)
                continue
            sid = json.loads(body[1:])["sid"]
            url = f"{base}&sid={sid}"
            status, body = await c.request("POST", url, b"40")
            status, body = await c.request("GET", url)
            if status != 200 or not body.startswith("40"):
                stats.error(f"connect {status} {body[:40]}")
                continue
            ack = 0
            while not stop.is_set():
                ack += 1
                t0 = time.perf_counter()
                status, body = await c.request("POST", url, f'42{ack}["subscribe","poll{index % 50}"]'.encode())
                t1 = time.perf_counter()
                if status != 200:
                    stats.error(f"post {status} {body[:40]}")
                    break
                want = f"43{ack}["
                got = False
                while not got:
                    t2 = time.perf_counter()
                    status, body = await c.request("GET", url)
                    if status != 200:
                        stats.error(f"get {status} {body[:40]}")
                        break
                    for packet in body.split("\x1e"):
                        if packet == "2":  # Engine.IO ping: answer it
                            await c.request("POST", url, b"3")
                        elif packet.startswith(want):
                            got = True
                if not got:
                    break
                t3 = time.perf_counter()
                if stats.measuring:
                    stats.lat["post"].append(t1 - t0)
                    stats.lat["get"].append(t3 - t2)
                    stats.lat["cycle"].append(t3 - t0)
                    stats.cycles += 1
                    stats.requests += 2
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            stats.error(f"{type(e).__name__}")
            c = Conn(host, port)
            await asyncio.sleep(0.1)


def _pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(-(-p / 100 * len(xs) // 1)) - 1))]


def _proc_cpu(pids):
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, pid in pids.items():
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[name] = (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            out[name] = float("nan")
    return out


async def poll_main(url, clients, seconds, warmup, pids):
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    path = "/" + path
    stats, stop = Stats(), asyncio.Event()
    tasks = [asyncio.create_task(session(host, int(port), path, stats, stop, i)) for i in range(clients)]
    await asyncio.sleep(warmup)
    cpu0, t0, others0 = os.times(), time.monotonic(), _proc_cpu(pids)
    stats.measuring = True
    await asyncio.sleep(seconds)
    stats.measuring = False
    cpu1, t1, others1 = os.times(), time.monotonic(), _proc_cpu(pids)
    stop.set()
    await asyncio.wait(tasks, timeout=5)
    wall = t1 - t0
    out = {"clients": clients, "seconds": wall, "cycles": stats.cycles, "requests": stats.requests,
           "cycles_per_s": stats.cycles / wall, "requests_per_s": stats.requests / wall,
           "cpu_s": (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system), "errors": stats.errors,
           "cpu": {k: others1[k] - others0[k] for k in pids}}
    for k, xs in stats.lat.items():
        out[f"{k}_p50_us"] = round(_pct(xs, 50) * 1e6) if xs else None
        out[f"{k}_p99_us"] = round(_pct(xs, 99) * 1e6) if xs else None
    print(json.dumps(out))
    os._exit(0)  # the sessions' sockets die with the process


def poll(*args):
    o = dict(zip(args[::2], args[1::2]))
    pids = dict(kv.split("=") for kv in o.get("--pids", "").split(",") if kv)
    asyncio.run(poll_main(o["--url"], int(o["--clients"]), float(o["--seconds"]), float(o.get("--warmup", 1)), pids))


def haproxy_counts(url):
    text = urllib.request.urlopen(url, timeout=2).read().decode()
    rows = text.lstrip("# ").splitlines()
    head = rows[0].split(",")
    out = {}
    for row in rows[1:]:
        f = dict(zip(head, row.split(",")))
        if f.get("svname") not in ("FRONTEND", "BACKEND") and f.get("pxname") == "nodes":
            out[f["svname"]] = sum(int(f.get(k) or 0) for k in ("hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"))
    print(json.dumps(out))


# ---------------------------------------------------------------- report

def _sub_steps(out, name):
    path = os.path.join(out, "raw", f"sub-{name}.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f).get("steps", {})


def fanout_records(out):
    recs = []
    for r in rt._jsonl(os.path.join(out, "fanout.jsonl")):
        step = str(r["step"])
        groups = {}
        for group, names in r["subs"].items():
            hist, got = [], 0
            for name in names:
                s = _sub_steps(out, name).get(step)
                if s:
                    got += s["received"]
                    hist += [tuple(x) for x in s["hist"]]
            groups[group] = dict(received=got, p50=rt._percentile(hist, 50), p99=rt._percentile(hist, 99))
        pub = r["pub"]
        delivered = sum(g["received"] for g in groups.values())
        cpu = r["cpu"]
        server = sum(v for k, v in cpu.items() if k.startswith("zenith") or k == "redis")
        recs.append(dict(r, groups=groups, delivered=delivered, server_cpu=server,
                         per_cpu_s=delivered / server if server > 0 else None,
                         kept_up=pub.get("achieved_rate", 0) >= 0.95 * r["rate"] and pub.get("errors", 1) == 0
                         and delivered >= 0.999 * pub.get("sent", 0) * r["ready"]))
    return recs


def _pct_of(part, whole):
    return "–" if not whole else f"{part / whole * 100:.0f}%"


def report(out):
    lines = []
    p = lines.append
    recs = fanout_records(out)
    for room, title in (("big", "one room that every client is in"), ("small", "a room of one client per subscriber process")):
        rs = [r for r in recs if r["room"] == room]
        if not rs:
            continue
        clients = rs[0]["clients"]
        p(f"### Publish → receive, {title} ({clients:,} WebSocket clients)")
        p("")
        p("Publishes go to node n0's publish API. `local`: clients connected to n0; `remote`: clients on "
          "n1 and n2 (the broadcast crossed Redis). One node: the same clients, all on one node without "
          "`[cluster]`. Median over rounds of each round's p50/p99; CPU is per second of the step "
          "(publishing + drain), in cores.")
        p("")
        p("| publishes/s | layout | deliveries/s | kept up | p50 local | p99 local | p50 remote | p99 remote "
          "| zenith CPU (per node) | redis CPU | loadgen CPU | deliveries per server CPU-s |")
        p("|---:|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|")
        ratio_rows = []
        for rate in sorted({r["rate"] for r in rs}):
            per_layout = {}
            for layout in ("single", "cluster"):
                xs = [r for r in rs if r["rate"] == rate and r["layout"] == layout]
                if not xs:
                    continue
                def med(f):
                    return rt._med([f(x) for x in xs])
                wall = lambda x: x["wall"]
                nodes = sorted(k for k in xs[0]["cpu"] if k.startswith("zenith"))
                node_cpu = " / ".join(f"{med(lambda x, k=k: x['cpu'][k] / wall(x)):.2f}" for k in nodes)
                redis_cpu = med(lambda x: x["cpu"].get("redis", 0) / wall(x)) if layout == "cluster" else None
                lg = med(lambda x: sum(v for k, v in x["cpu"].items() if k.startswith("sub")) / wall(x) + x["pub"].get("cpu_s", 0) / wall(x))
                per = med(lambda x: x["per_cpu_s"])
                per_layout[layout] = per
                g = lambda grp, k: med(lambda x: (x["groups"].get(grp) or {}).get(k))
                kept = sum(1 for x in xs if x["kept_up"])
                kept_cell = f"{kept}/{len(xs)}"
                if kept < len(xs):
                    # Every accepted publish delivered: the closed-loop publisher (PUB_CONNS in
                    # flight, each waiting for its 202) capped the rate; the CPU columns say
                    # whether the servers were saturated as well.
                    if all(x["delivered"] >= 0.999 * x["pub"].get("sent", 0) * x["ready"] and x["pub"].get("errors", 1) == 0 for x in xs):
                        kept_cell += (f" (publisher-bound: {med(lambda x: x['pub'].get('achieved_rate', 0)):.0f}/s accepted, "
                                      f"answer p99 {med(lambda x: x['pub'].get('answer_p99_us', 0)) / 1000:.0f} ms)")
                p(f"| {rate:,} | {'3 nodes + Redis' if layout == 'cluster' else 'one node'} "
                  f"| {rt._n(med(lambda x: x['delivered'] / x['pub']['duration']))} | {kept_cell} "
                  f"| {rt._ms(g('local', 'p50'))} | {rt._ms(g('local', 'p99'))} "
                  f"| {rt._ms(g('remote', 'p50')) if layout == 'cluster' else '–'} | {rt._ms(g('remote', 'p99')) if layout == 'cluster' else '–'} "
                  f"| {node_cpu} | {'–' if redis_cpu is None else f'{redis_cpu:.3f}'} | {lg:.2f} | {rt._n(per)} {rt._spread([x['per_cpu_s'] for x in xs])} |")
            if "single" in per_layout and "cluster" in per_layout and per_layout["single"]:
                ratio_rows.append((rate, per_layout["cluster"] / per_layout["single"]))
        p("")
        if ratio_rows:
            p("Deliveries per server CPU-second, cluster / one node: " +
              ", ".join(f"{rate:,}/s: {ratio:.2f}" for rate, ratio in ratio_rows) + ".")
            p("")
    polls = rt._jsonl(os.path.join(out, "poll.jsonl"))
    if polls:
        p("### Long-polling sessions: one node, HAProxy → one node, HAProxy round-robin → three nodes")
        p("")
        p("Each session is a closed loop of POST `42N[\"subscribe\",…]` (an event asking for an ack) and GET "
          "(the ack): one cycle is two requests. Median over rounds; CPU in µs per request (the load "
          "generator's too).")
        p("")
        p("| sessions | layout | cycles/s | POST p50 / p99 | GET p50 / p99 | cycle p50 / p99 | zenith µs/req (per node) "
          "| haproxy µs/req | redis µs/req | servers µs/req | loadgen µs/req | loadgen CPU | errors |")
        p("|---:|---|---:|---|---|---|---|---:|---:|---:|---:|---:|---:|")
        label = {"one": "one node", "haproxy-one": "HAProxy → one node", "haproxy-three": "HAProxy → 3 nodes (round-robin)"}
        for clients in sorted({r["clients"] for r in polls}):
            base = None
            for layout in ("one", "haproxy-one", "haproxy-three"):
                xs = [r for r in polls if r["clients"] == clients and r["layout"] == layout and r["res"].get("requests")]
                if not xs:
                    continue
                def med(f):
                    return rt._med([f(x) for x in xs])
                us = lambda x, v: v / x["res"]["requests"] * 1e6
                nodes = sorted(k for k in xs[0]["cpu"] if k.startswith("zenith"))
                node_cpu = " / ".join(f"{med(lambda x, k=k: us(x, x['cpu'][k])):.0f}" for k in nodes)
                hp = med(lambda x: us(x, x["cpu"].get("haproxy", 0)))
                rd = med(lambda x: us(x, x["cpu"].get("redis", 0)))
                servers = med(lambda x: us(x, sum(v for k, v in x["cpu"].items() if k != "loadgen")))
                lg = med(lambda x: us(x, x["res"]["cpu_s"]))
                lgc = med(lambda x: x["res"]["cpu_s"] / x["res"]["seconds"])
                lat = lambda k: f"{rt._ms(med(lambda x: x['res'][k + '_p50_us']))} / {rt._ms(med(lambda x: x['res'][k + '_p99_us']))}"
                errs = sum(sum(x["res"]["errors"].values()) for x in xs)
                cps = med(lambda x: x["res"]["cycles_per_s"])
                p(f"| {clients} | {label[layout]} | {rt._n(cps)} | {lat('post')} | {lat('get')} | {lat('cycle')} | {node_cpu} "
                  f"| {'–' if layout == 'one' else f'{hp:.0f}'} | {rd:.0f} | {servers:.0f} | {lg:.0f} | {lgc:.2f} | {errs} |")
        p("")
        spread = [r for r in polls if r["layout"] == "haproxy-three" and r.get("haproxy")]
        if spread:
            d = spread[-1]["haproxy"]
            p("HAProxy's answers per server in the last round-robin run: " + ", ".join(f"{k} {v:,}" for k, v in sorted(d.items())) + ".")
            p("")
    print("\n".join(lines))


if __name__ == "__main__":
    cmd = sys.argv[1].replace("-", "_")
    globals()[cmd](*sys.argv[2:])
