#!/usr/bin/env bash
# Cluster benchmark (issue 14): three Zenith nodes over one redis-server against one node alone,
# same run, same clients, on this one machine.
# Run by hand (not in CI), from anywhere:   bench/cluster/run.sh
# See docs/benchmarks.md ("Cluster over Redis") for the method and the last measured tables.
#
#   fanout  CLIENTS WebSocket clients in one room, split over three subscriber processes; in the
#           cluster layout one process per node (n0, n1, n2), in the one-node layout all three on
#           one node without [cluster]. Publishes go to n0's publish API at each of RATES for
#           STEP seconds: publish->receive p50/p99 for n0's clients ("local") and for n1/n2's
#           ("remote": the broadcast crossed Redis), deliveries/s, and the CPU of every process
#           (3 zenith + redis-server, or the one zenith; the load generators)
#   small   the same with one client per subscriber process (a room of 3): each publish costs a
#           Redis round trip and delivers 3 messages, the worst case for the cluster (SMALL_RATES)
#   poll    long-polling sessions (cl.py poll, Python asyncio) through: one node directly;
#           HAProxy in front of that one node; HAProxy round-robin in front of three cluster
#           nodes (2 in 3 requests land on a node that does not own the session and are sent on
#           to the owner): requests/s, latency, CPU per request of every process
#
# Environment (defaults in brackets):
#   ZENITH_BIN     zenith binary to measure [bench/release-binary.sh: build/re-use .build-release]
#   REBUILD=1      rebuild .build-release even if current [0]
#   ROUNDS         rounds of every measurement, layouts interleaved [3]
#   CLIENTS        WebSocket clients of the fanout phase, a multiple of 3 [999]
#   RATES          publishes/s of the fanout phase ["10 100 500"]
#   SMALL_RATES    publishes/s of the small phase ["100 1000"]
#   STEP           seconds of publishing per rate [5]     PUB_CONNS  publisher connections [32]:
#                  each waits for its 202; with RECOVERY that comes after the broadcast was read
#                  back from the stream, so 8 offered only ~250/s at 999 clients
#   RECOVERY       [realtime] recovery of every node, e.g. 2m: in the cluster, broadcasts then go
#                  through the Redis stream, the publishing node's own clients included [0s: off]
#   WARMUP_RATE    1 s of publishing at this rate before the measured steps, 0 for none [50]
#   POLL_SESSIONS  concurrent polling sessions, one measurement each ["1 16"]
#   POLL_SECONDS   seconds measured per level (after 1 s of warm-up) [5]
#   PHASES         ["fanout small poll"]
#   PIN=0          no CPU pinning [1]: every server process (zenith nodes, redis-server, HAProxy)
#                  on SERVER_CPU [0], load generators on LOADGEN_CPU [1]
#   OUT            results directory [mktemp -d /tmp/zenith-clbench.XXXXXX]
# Needs: swift (the load generator, bench/realtime/loadgen), python3, curl, redis-server,
# redis-cli, haproxy, taskset. Everything listens on free 127.0.0.1 ports; every process is stopped
# on exit, and every wait is bounded.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY="python3 $HERE/cl.py"
RT="python3 $ROOT/bench/realtime/rt.py"

ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-999}
RATES=${RATES:-"10 100 500"}
SMALL_RATES=${SMALL_RATES:-"100 1000"}
STEP=${STEP:-5}
PUB_CONNS=${PUB_CONNS:-32}
WARMUP_RATE=${WARMUP_RATE:-50}
POLL_SESSIONS=${POLL_SESSIONS:-"1 16"}
POLL_SECONDS=${POLL_SECONDS:-5}
PHASES=${PHASES:-"fanout small poll"}
PIN=${PIN:-1}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
REBUILD=${REBUILD:-0}
TARGETS=zenith   # for release-binary.sh
OUT=${OUT:-$(mktemp -d /tmp/zenith-clbench.XXXXXX)}
mkdir -p "$OUT"/{raw,logs,conf,run}

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
log() { printf '[clbench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
for tool in swift python3 curl redis-server redis-cli haproxy; do command -v "$tool" >/dev/null || die "$tool not found"; done
[[ $PIN == 1 ]] && { command -v taskset >/dev/null || die "taskset not found (or PIN=0)"; }
pinned() { if [[ $PIN == 1 ]]; then echo "taskset -c $1"; fi; }
(( CLIENTS % 3 == 0 )) || die "CLIENTS must be a multiple of 3"

# ---------------------------------------------------------------- binaries
source "$ROOT/bench/release-binary.sh"
source "$ROOT/bench/subscribers.sh"
ZENITH_LINE="$(zenith_build_line "$ZENITH_BIN") (run from a copy)"
cp "$ZENITH_BIN" "$OUT/zenith"
ZENITH_BIN=$OUT/zenith

build_loadgen

# ---------------------------------------------------------------- processes
declare -A PIDS=()   # name -> pid of every process this script started and has not stopped
stop_pid() { # stop_pid NAME: SIGTERM, 10 s, SIGKILL
  local name=$1 pid=${PIDS[$1]} i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; finding "$name did not stop within 10 s of SIGTERM"; }
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$name]"
}
cleanup() {
  local name
  for name in "${!PIDS[@]}"; do stop_pid "$name" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FINDINGS=$OUT/findings.txt
: >"$FINDINGS"
finding() { log "!! $*"; echo "- $*" >>"$FINDINGS"; }

echo "bench-$RANDOM-$RANDOM" >"$OUT/conf/token"
cp "$ROOT/bench/realtime/conf/routes" "$OUT/conf/routes"
REDIS_PORT=""
start_redis() { # start_redis TAG
  local i
  REDIS_PORT=$($RT freeport)
  $(pinned "$SERVER_CPU") redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$OUT/run" --logfile "$OUT/logs/redis-$1.log" >/dev/null 2>&1 &
  PIDS[redis]=$!
  for i in $(seq 100); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    kill -0 "${PIDS[redis]}" 2>/dev/null || die "redis-server exited at start-up: $(tail -3 "$OUT/logs/redis-$1.log")"
    sleep 0.1
  done
  die "redis-server not ready after 10 s"
}

declare -A PORT=() PUBPORT=() MPORT=()
start_node() { # start_node NAME CLUSTER(0|1) TAG
  local name=$1 cluster=$2 tag=$3 conf i
  PORT[$name]=$($RT freeport); PUBPORT[$name]=$($RT freeport); MPORT[$name]=$($RT freeport)
  conf=$OUT/conf/$name.toml
  cat >"$conf" <<EOF
# node $name of bench/cluster/run.sh ($tag)
routes = "routes"
[listen]
http = ["127.0.0.1:${PORT[$name]}"]
[realtime]
allow_missing_origin = true
# far above what a step can queue: a lagging client is measured, not disconnected
max_queued_packets = 200000
# every client comes from a few loopback addresses (or HAProxy's one)
max_sessions_per_ip = 100000
recovery = "${RECOVERY:-0s}"
[publish]
listen = "127.0.0.1:${PUBPORT[$name]}"
token_file = "$OUT/conf/token"
[metrics]
listen = "127.0.0.1:${MPORT[$name]}"
[log]
level = "warning"
access = false
EOF
  if [[ $cluster == 1 ]]; then
    cat >>"$conf" <<EOF
[proxy]
# the other nodes send a session's requests on to its owner
trusted_proxies = ["127.0.0.1"]
[cluster]
redis = "redis://127.0.0.1:$REDIS_PORT/0"
node = "$name"
advertise = "127.0.0.1:${PORT[$name]}"
EOF
  fi
  "$ZENITH_BIN" check --config "$conf" >"$OUT/logs/check-$name-$tag.log" 2>&1 ||
    { cat "$OUT/logs/check-$name-$tag.log" >&2; die "zenith check failed for $conf"; }
  $(pinned "$SERVER_CPU") "$ZENITH_BIN" run --config "$conf" >"$OUT/logs/zenith-$name-$tag.log" 2>&1 &
  PIDS[zenith-$name]=$!
  for i in $(seq 100); do
    kill -0 "${PIDS[zenith-$name]}" 2>/dev/null || { cat "$OUT/logs/zenith-$name-$tag.log" >&2; die "zenith $name exited at start-up"; }
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:${PORT[$name]}/socket.io/?EIO=4&transport=polling" 2>/dev/null &&
      curl -s -o /dev/null --max-time 1 "http://127.0.0.1:${PUBPORT[$name]}/" && return 0
    sleep 0.1
  done
  die "zenith $name not ready after 10 s"
}

HAPROXY_PORT=""; HAPROXY_STATS=""
start_haproxy() { # start_haproxy TAG NODE...
  local tag=$1 i n servers=""; shift
  HAPROXY_PORT=$($RT freeport); HAPROXY_STATS=$($RT freeport)
  for n in "$@"; do servers+="    server $n 127.0.0.1:${PORT[$n]}"$'\n'; done
  # As in the integration tests (integration/tests/harness/haproxy.py), but keeping connections
  # to the nodes alive (HAProxy's default): each request is still balanced on its own.
  cat >"$OUT/conf/haproxy-$tag.cfg" <<EOF
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 120s
frontend front
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend nodes
backend nodes
    balance roundrobin
$servers
listen stats
    bind 127.0.0.1:$HAPROXY_STATS
    stats enable
    stats uri /stats
EOF
  $(pinned "$SERVER_CPU") haproxy -db -f "$OUT/conf/haproxy-$tag.cfg" >"$OUT/logs/haproxy-$tag.log" 2>&1 &
  PIDS[haproxy]=$!
  for i in $(seq 100); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$HAPROXY_PORT/socket.io/?EIO=4&transport=polling" 2>/dev/null && return 0
    kill -0 "${PIDS[haproxy]}" 2>/dev/null || die "haproxy exited at start-up: $(tail -3 "$OUT/logs/haproxy-$tag.log")"
    sleep 0.1
  done
  die "haproxy not ready after 10 s"
}

start_layout() { # start_layout single|cluster TAG: one node n0 without [cluster], or redis + n0 n1 n2
  if [[ $1 == single ]]; then
    start_node n0 0 "$2"
  else
    start_redis "$2"
    start_node n0 1 "$2"; start_node n1 1 "$2"; start_node n2 1 "$2"
    $PY peers "http://127.0.0.1:${MPORT[n0]}" "http://127.0.0.1:${MPORT[n1]}" "http://127.0.0.1:${MPORT[n2]}" 2 ||
      die "the nodes did not find each other"
  fi
}

stop_servers() { # stop_servers TAG: every zenith, redis, haproxy; anything they logged is a finding
  local tag=$1 name f
  for name in "${!PIDS[@]}"; do
    case $name in
      zenith-* | redis | haproxy)
        kill -0 "${PIDS[$name]}" 2>/dev/null || finding "$name ($tag) had exited before the end of its run"
        stop_pid "$name" ;;
    esac
  done
  for f in "$OUT"/logs/zenith-*-"$tag".log; do
    [[ -f $f ]] || continue
    if grep -v -e 'Cannot schedule tasks on an EventLoop that has already shut down' "$f" | grep -q .; then
      finding "$(basename "$f" .log) logged: $(sort "$f" | uniq -c | sort -rn | head -5 | cut -c1-300 | tr '\n' ' ')"
    fi
  done
}

SRCNET=10
SUBS=()
start_subs() { # start_subs NAME NODE CLIENTS MAXSECONDS: one loadgen sub process on NODE's port, waits until connected
  local name=$1 node=$2 n=$3 maxs=$4 i
  SRCNET=$(( SRCNET >= 250 ? 11 : SRCNET + 1 ))
  rm -f "$OUT/run/$name".{stop,status}
  $(pinned "$LOADGEN_CPU") "$LOADGEN" sub --port "${PORT[$node]}" --clients "$n" --ramp 2000 --inflight 64 \
    --sources "127.0.$SRCNET.1-127.0.$SRCNET.8" --status "$OUT/run/$name.status" --stop "$OUT/run/$name.stop" \
    --out "$OUT/raw/sub-$name.json" --max-seconds "$maxs" --connect-seconds 120 >"$OUT/logs/sub-$name.log" 2>&1 &
  PIDS[sub-$name]=$!
  SUBS+=("$name")
  await_subscriber "$name"
  local ready failed
  read -r _ ready _ failed _ < <(grep '^READY' "$OUT/logs/sub-$name.log")
  (( failed == 0 )) || finding "$name: $failed of $n clients failed to connect/subscribe"
  READY=$((READY + ready))
}

# the names and pids of the running processes, for rt.py cpu
proc_names() { local n; for n in "${!PIDS[@]}"; do echo "$n"; done | LC_ALL=C sort | paste -sd' '; }
proc_pids() { local n; for n in $1; do printf '%s ' "${PIDS[$n]}"; done; }

LOADS=""
load1() { cut -d' ' -f1 /proc/loadavg; }

# ---------------------------------------------------------------- fanout and small
FAN=$OUT/fanout.jsonl; : >"$FAN"
fanout_run() { # fanout_run single|cluster ROUND big|small PER_SUB RATES
  local layout=$1 r=$2 room=$3 per=$4 rates=$5 tag rate step=0 groups
  tag=$room-$layout-r$r
  start_layout "$layout" "$tag"
  READY=0
  local maxs=$(( $(wc -w <<<"$rates") * (STEP + 40) + 120 ))
  if [[ $layout == cluster ]]; then
    start_subs "$tag-n0" n0 "$per" "$maxs"; start_subs "$tag-n1" n1 "$per" "$maxs"; start_subs "$tag-n2" n2 "$per" "$maxs"
    groups="{\"local\":[\"$tag-n0\"],\"remote\":[\"$tag-n1\",\"$tag-n2\"]}"
  else
    start_subs "$tag-a" n0 "$per" "$maxs"; start_subs "$tag-b" n0 "$per" "$maxs"; start_subs "$tag-c" n0 "$per" "$maxs"
    groups="{\"local\":[\"$tag-a\",\"$tag-b\",\"$tag-c\"]}"
  fi
  sleep 1
  local statuses="" s
  for s in "${SUBS[@]}"; do statuses+="${statuses:+,}$OUT/run/$s.status"; done
  if [[ $WARMUP_RATE != 0 ]]; then
    timeout 30 $(pinned "$LOADGEN_CPU") "$LOADGEN" pub --port "${PUBPORT[n0]}" --rate "$WARMUP_RATE" --duration 1 --step 0 \
      --conns "$PUB_CONNS" --token-file "$OUT/conf/token" >/dev/null 2>>"$OUT/logs/pub.log" || finding "warm-up publish failed ($tag)"
    sleep 1
  fi
  local names; names=$(proc_names)
  for rate in $rates; do
    step=$((step + 1))
    local before after t0 t1 pub drained expected
    before=$($RT cpu $(proc_pids "$names"))
    t0=$(date +%s.%N)
    pub=$(timeout $((STEP + 60)) $(pinned "$LOADGEN_CPU") "$LOADGEN" pub --port "${PUBPORT[n0]}" --rate "$rate" --duration "$STEP" \
      --step "$step" --conns "$PUB_CONNS" --token-file "$OUT/conf/token" 2>>"$OUT/logs/pub.log") || pub='{"sent":0,"recipients":0,"start_us":0,"errors":1,"duration":1}'
    # The publish API counts n0's own recipients only: every client should get every publish.
    expected=$(( $(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("sent",0))' "$pub") * READY ))
    drained=$($RT drain "$statuses" "$step" "$expected")
    t1=$(date +%s.%N)
    after=$($RT cpu $(proc_pids "$names"))
    LOADS+=" $(load1)"
    python3 - "$pub" "$names" "$before" "$after" "$t0" "$t1" <<EOF >>"$FAN"
import json, sys
pub = json.loads(sys.argv[1]); names = sys.argv[2].split()
b = [float(x) for x in sys.argv[3].split()][:len(names)]; a = [float(x) for x in sys.argv[4].split()][:len(names)]
print(json.dumps({"room": "$room", "layout": "$layout", "round": $r, "rate": $rate, "step": $step,
  "clients": 3 * $per, "ready": $READY, "pub": pub, "subs": $groups,
  "cpu": {n: y - x for n, x, y in zip(names, b, a)}, "wall": float(sys.argv[6]) - float(sys.argv[5]),
  "load1": $(load1), "drained": "$drained"}))
EOF
    log "$(printf '%-5s %-7s r%s rate %5s: ' "$room" "$layout" "$r" "$rate")$(python3 -c '
import json, sys
p = json.loads(sys.argv[1]); d = sys.argv[2].split()
print("published %d/%d (%.0f/s, answer p99 %.1f ms), received %s/%s (drain %s s)" % (p.get("sent", 0), p.get("planned", 0),
      p.get("achieved_rate", 0), p.get("answer_p99_us", 0) / 1000, d[0], sys.argv[3], d[1]))' "$pub" "$drained" "$expected")"
    [[ ${drained%% *} -ge $expected ]] || finding "$tag rate $rate: received ${drained%% *} of $expected"
  done
  stop_subs
  stop_servers "$tag"
}

# ---------------------------------------------------------------- poll
POLL=$OUT/poll.jsonl; : >"$POLL"
poll_run() { # poll_run one|haproxy-one|haproxy-three ROUND
  local layout=$1 r=$2 tag=poll-$1-r$2 url n
  case $layout in
    one) start_layout single "$tag"; url=http://127.0.0.1:${PORT[n0]}/socket.io/ ;;
    haproxy-one) start_layout single "$tag"; start_haproxy "$tag" n0; url=http://127.0.0.1:$HAPROXY_PORT/socket.io/ ;;
    haproxy-three) start_layout cluster "$tag"; start_haproxy "$tag" n0 n1 n2; url=http://127.0.0.1:$HAPROXY_PORT/socket.io/ ;;
  esac
  local names pids="" res counts=null
  for n in $(proc_names); do pids+="${pids:+,}$n=${PIDS[$n]}"; done
  for n in $POLL_SESSIONS; do
    res=$(timeout $((POLL_SECONDS + 30)) $(pinned "$LOADGEN_CPU") python3 "$HERE/cl.py" poll --url "$url" --clients "$n" \
      --seconds "$POLL_SECONDS" --warmup 1 --pids "$pids" 2>>"$OUT/logs/poll.log") || { finding "$tag: poll load generator failed"; continue; }
    [[ $layout == one ]] || counts=$($PY haproxy-counts "http://127.0.0.1:$HAPROXY_STATS/stats;csv" 2>/dev/null || echo null)
    LOADS+=" $(load1)"
    python3 - "$res" "$counts" <<EOF >>"$POLL"
import json, sys
res = json.loads(sys.argv[1])
print(json.dumps({"layout": "$layout", "round": $r, "clients": $n, "res": res, "cpu": res.pop("cpu"),
  "haproxy": json.loads(sys.argv[2]), "load1": $(load1)}))
EOF
    log "$(printf 'poll %-13s r%s %3s sessions: ' "$layout" "$r" "$n")$(python3 -c '
import json, sys
d = json.loads(sys.argv[1]); c = d["cpu"]
print("%.0f cycles/s, cycle p50 %.2f ms p99 %.2f ms, loadgen %.0f%% CPU, errors %s; CPU s: %s" % (d["cycles_per_s"], (d["cycle_p50_us"] or 0) / 1000,
      (d["cycle_p99_us"] or 0) / 1000, d["cpu_s"] / d["seconds"] * 100, d["errors"], " ".join("%s %.2f" % kv for kv in sorted(c.items()))))' "$res")"
    python3 -c 'import json,sys; e=json.loads(sys.argv[1])["errors"]; sys.exit(1 if e else 0)' "$res" ||
      finding "$tag $n sessions: errors $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["errors"])' "$res")"
  done
  stop_servers "$tag"
}

# ---------------------------------------------------------------- run
START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "results in $OUT; rounds: $ROUNDS; phases: $PHASES; load: $LOAD_START"
for r in $(seq "$ROUNDS"); do
  if [[ " $PHASES " == *" fanout "* ]]; then
    for layout in single cluster; do fanout_run "$layout" "$r" big $((CLIENTS / 3)) "$RATES"; done
  fi
  if [[ " $PHASES " == *" small "* ]]; then
    for layout in single cluster; do fanout_run "$layout" "$r" small 1 "$SMALL_RATES"; done
  fi
  if [[ " $PHASES " == *" poll "* ]]; then
    for layout in one haproxy-one haproxy-three; do poll_run "$layout" "$r"; done
  fi
done

{
  echo "# Zenith cluster benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
  echo "- 1-min load average: $LOAD_START at the start; $(tr ' ' '\n' <<<"$LOADS" | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd- ) during the runs; took $(( $(date +%s) - START )) s"
  echo "- zenith: $ZENITH_LINE"
  echo "- $(redis-server --version | cut -d' ' -f1-3); $(haproxy -v | head -1 | cut -d' ' -f1-3); $(python3 --version)"
  if [[ $PIN == 1 ]]; then echo "- pinning: zenith nodes, redis-server and HAProxy on CPU $SERVER_CPU; load generators on CPU $LOADGEN_CPU"; else echo "- pinning: none"; fi
  echo "- rounds: $ROUNDS; fanout: $CLIENTS clients, rates $RATES/s; small: 3 clients, rates $SMALL_RATES/s; $STEP s per rate after 1 s at $WARMUP_RATE/s, $PUB_CONNS publisher connections; poll: $POLL_SESSIONS sessions, $POLL_SECONDS s each"
  if [[ -s $FINDINGS ]]; then echo; echo "Findings:"; cat "$FINDINGS"; fi
  echo
  $PY report "$OUT"
} >"$OUT/report.md"
cat "$OUT/report.md"
log "report: $OUT/report.md (raw loadgen output in $OUT/raw, logs in $OUT/logs)"
