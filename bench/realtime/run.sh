#!/usr/bin/env bash
# Realtime benchmark: Zenith vs python-socketio (AsyncServer + uvicorn), same run, same load generator.
# Run by hand (not in CI), from anywhere:   bench/realtime/run.sh
# See docs/benchmarks.md ("Realtime fan-out and memory") for the method and the last measured tables.
#
#   1. memory per idle client (WebSocket, or long polling with MEM_TRANSPORTS): server RSS after N
#      clients connected and joined room "bench", minus RSS before, divided by N (N = MEM_LEVELS,
#      added incrementally)
#   2. fan-out of one room with FANOUT_CLIENTS clients at increasing publish rates (RATES, STEP
#      seconds each): delivered messages/s, publish->receive p50/p99
#   3. (CHECK=1) the load generator check: one Zenith fan-out step with the clients split over
#      two load generator processes
#
# Environment (defaults in brackets):
#   ZENITH_BIN     use this zenith binary, skip the build [build/re-use .build-release/release/zenith]
#   REBUILD=1      rebuild .build-release even if its binary is there and current [0]
#   TARGETS        ["zenith pysio"]         ROUNDS   interleaved rounds of each measurement [3]
#                  "floor" is `loadgen floor`, a server that only writes (fan-out only): the
#                  benchmark's floor on this machine, with the same clients
#   FANOUT_TRANSPORTS ["websocket"]: "websocket upgrade" also measures browser-like clients (long
#                  polling first, then upgraded to a WebSocket, as the official client connects)
#   ZENITH_BASELINE_BIN  another zenith binary (say, main's before a change), measured as the
#                  target zenith-baseline in the same run: TARGETS="zenith-baseline zenith"
#   MEM_LEVELS     ["1000 10000"]           MEM_ROUNDS  [ROUNDS]
#   MEM_TRANSPORTS ["websocket"]: "websocket polling" measures idle polling clients too (each holds
#                  a GET open on one keep-alive connection, as a browser's polling client does)
#   FANOUT_CLIENTS [1000]                   RATES    publish rates, msg/s ["10 100 1000 2000"]
#   STEP           seconds of publishing per rate [5]        PUB_CONNS  publisher connections [32]:
#                  each waits for its 202, which comes after the fan-out, so PUB_CONNS caps the
#                  offered rate at PUB_CONNS / answer time (8 offered only ~780/s at 1,000 clients)
#   WARMUP_RATE    1 s of publishing at this rate before the measured steps, 0 for none [50]
#   CHECK          load generator check, 0 to skip [1]       CHECK_RATE [1000]
#   PHASES         ["mem fanout"]
#   PIN=0          no CPU pinning [1]: server on SERVER_CPU [0], load generator on LOADGEN_CPU [1]
#   PRIO           a command prefix for the server and load generator processes, e.g.
#                  "chrt -f 10" so that other work on a shared machine does not preempt them [none]
#   PYSIO_WS       uvicorn WebSocket implementation for python-socketio [websockets]
#   VENV           virtualenv for python-socketio [~/.cache/zenith-bench/venv; created if missing]
#   OUT            results directory [mktemp -d /tmp/zenith-rtbench.XXXXXX]
# Needs: swift, python3 (+ venv, pip reaching PyPI the first time), curl, taskset.
# Everything listens on free 127.0.0.1 ports; clients use source addresses 127.0.X.1-8; every
# process is stopped on exit, and every wait is bounded.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY="python3 $HERE/rt.py"

TARGETS=${TARGETS:-"zenith pysio"}
ROUNDS=${ROUNDS:-3}
MEM_LEVELS=${MEM_LEVELS:-"1000 10000"}
MEM_ROUNDS=${MEM_ROUNDS:-$ROUNDS}
MEM_TRANSPORTS=${MEM_TRANSPORTS:-websocket}
FANOUT_CLIENTS=${FANOUT_CLIENTS:-1000}
FANOUT_TRANSPORTS=${FANOUT_TRANSPORTS:-websocket}
RATES=${RATES:-"10 100 1000 2000"}
STEP=${STEP:-5}
PUB_CONNS=${PUB_CONNS:-32}
WARMUP_RATE=${WARMUP_RATE:-50}
CHECK=${CHECK:-1}
CHECK_RATE=${CHECK_RATE:-1000}
PHASES=${PHASES:-"mem fanout"}
PIN=${PIN:-1}
PRIO=${PRIO:-}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
REBUILD=${REBUILD:-0}
VENV=${VENV:-$HOME/.cache/zenith-bench/venv}
PYSIO_WS=${PYSIO_WS:-websockets}
OUT=${OUT:-$(mktemp -d /tmp/zenith-rtbench.XXXXXX)}
mkdir -p "$OUT"/{raw,logs,conf,run}

# 10,000 clients need 10,000+ descriptors in the server and in the load generator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
log() { printf '[rtbench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
for tool in swift python3 curl; do command -v "$tool" >/dev/null || die "$tool not found"; done
[[ $PIN == 1 ]] && { command -v taskset >/dev/null || die "taskset not found (or PIN=0)"; }
pinned() { echo "$PRIO"; if [[ $PIN == 1 ]]; then echo "taskset -c $1"; fi; }
MAXCLIENTS=0; for n in $MEM_LEVELS; do MAXCLIENTS=$n; done
(( $(ulimit -n) > MAXCLIENTS + 1000 )) || die "ulimit -n is $(ulimit -n); $MAXCLIENTS clients need more"

# ---------------------------------------------------------------- zenith binary (as bench/proxy)
source "$HERE/../release-binary.sh"
source "$HERE/../subscribers.sh"
if [[ $ZENITH_BIN != none ]]; then
  # Others may rebuild .build-release meanwhile: run a private copy so every round uses one binary.
  ZENITH_LINE="$(zenith_build_line "$ZENITH_BIN") (run from a copy)"
  cp "$ZENITH_BIN" "$OUT/zenith"
  ZENITH_BIN=$OUT/zenith
fi

# ---------------------------------------------------------------- load generator, python-socketio
build_loadgen
if [[ " $TARGETS " == *" pysio "* ]]; then
  if ! "$VENV/bin/python" -c 'import socketio, uvicorn, websockets' 2>/dev/null; then
    log "creating $VENV (python-socketio, uvicorn, uvloop, httptools, websockets from PyPI)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q python-socketio uvicorn uvloop httptools websockets >"$OUT/logs/pip.log" 2>&1 ||
      { tail -20 "$OUT/logs/pip.log" >&2; die "pip install failed"; }
  fi
  PYSIO_VERSIONS=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(", ".join(f"{p} {m.version(p)}" for p in ["python-socketio","python-engineio","uvicorn","uvloop","httptools","websockets"]))')
fi

# ---------------------------------------------------------------- process handling
declare -A PIDS=()
cleanup() {
  local name pid i
  for name in "${!PIDS[@]}"; do
    pid=${PIDS[$name]}
    kill -TERM "$pid" 2>/dev/null || continue
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FINDINGS=$OUT/findings.txt
: >"$FINDINGS"
finding() { log "!! $*"; echo "- $*" >>"$FINDINGS"; }

SERVER_PID=""; PORT=""; PUBPORT=""
echo "bench-$RANDOM-$RANDOM" >"$OUT/conf/token"
start_server() { # start_server TARGET TAG
  local t=$1 tag=$2 i
  PORT=$($PY freeport)
  case $t in
    zenith | zenith-baseline)
      local bin=$ZENITH_BIN
      if [[ $t == zenith-baseline ]]; then
        bin=${ZENITH_BASELINE_BIN:-}
        [[ -x $bin ]] || die "target zenith-baseline needs ZENITH_BASELINE_BIN (a zenith binary)"
      fi
      PUBPORT=$($PY freeport)
      sed -e "s|@PORT@|$PORT|" -e "s|@PUBPORT@|$PUBPORT|" -e "s|@TOKEN@|$OUT/conf/token|" \
        "$HERE/conf/zenith.toml" >"$OUT/conf/zenith.toml"
      cp "$HERE/conf/routes" "$OUT/conf/routes"
      "$bin" check --config "$OUT/conf/zenith.toml" >"$OUT/logs/$t-check.log" 2>&1 ||
        { cat "$OUT/logs/$t-check.log" >&2; die "$t check failed"; }
      $(pinned "$SERVER_CPU") "$bin" run --config "$OUT/conf/zenith.toml" >"$OUT/logs/$t-$tag.log" 2>&1 &
      ;;
    floor)
      PUBPORT=$($PY freeport)
      $(pinned "$SERVER_CPU") "$LOADGEN" floor --port "$PORT" --pub-port "$PUBPORT" >"$OUT/logs/$t-$tag.log" 2>&1 &
      SERVER_PID=$!
      PIDS[server]=$SERVER_PID
      for i in $(seq 100); do grep -q '^LISTENING' "$OUT/logs/$t-$tag.log" && return 0; sleep 0.1; done
      die "floor not listening after 10 s"
      ;;
    pysio)
      PUBPORT=$PORT
      $(pinned "$SERVER_CPU") "$VENV/bin/python" "$HERE/pysio_server.py" --port "$PORT" \
        --token-file "$OUT/conf/token" --ws "$PYSIO_WS" >"$OUT/logs/$t-$tag.log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  PIDS[server]=$SERVER_PID
  for i in $(seq 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/logs/$t-$tag.log" >&2; die "$t exited at start-up"; }
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/socket.io/?EIO=4&transport=polling" 2>/dev/null && return 0
    sleep 0.1
  done
  die "$t not ready on port $PORT after 10 s"
}

stop_server() { # stop_server TARGET TAG
  local t=$1 tag=$2 rc=0 i
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    wait "$SERVER_PID" 2>/dev/null || rc=$?
    finding "$t ($tag) had exited before the end of its run (status $rc); log tail: $(tail -3 "$OUT/logs/$t-$tag.log" | tr '\n' ' ')"
  else
    kill -TERM "$SERVER_PID"
    for i in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && { kill -KILL "$SERVER_PID"; finding "$t ($tag) did not stop within 10 s of SIGTERM"; }
    wait "$SERVER_PID" 2>/dev/null || rc=$?
    [[ $rc == 0 || $rc == 143 || $rc == 137 ]] || finding "$t ($tag) exited with status $rc after SIGTERM"
  fi
  unset 'PIDS[server]'
  # Zenith's known shutdown warning aside, anything it logged at warning level or above is a finding.
  if [[ -s $OUT/logs/$t-$tag.log ]] && grep -v -e '^LISTENING' -e 'Cannot schedule tasks on an EventLoop that has already shut down' \
      -e 'UvicornDeprecationWarning' -e 'warnings.warn' -e '^pysio_server:' "$OUT/logs/$t-$tag.log" | grep -q .; then
    finding "$t ($tag) logged: $(grep -v -e 'Cannot schedule tasks' -e 'UvicornDeprecationWarning' -e 'warnings.warn' -e '^pysio_server:' "$OUT/logs/$t-$tag.log" | sort | uniq -c | sort -rn | head -5 | tr '\n' ' ')"
  fi
}

SRCNET=10
SUBS=()   # names of the running subscriber processes
start_subs() { # start_subs NAME CLIENTS RAMP MAXSECONDS [TRANSPORT]: one loadgen sub process, waits until it is connected
  local name=$1 n=$2 ramp=$3 maxs=$4 transport=${5:-websocket} i
  SRCNET=$((SRCNET + 1))
  rm -f "$OUT/run/$name".{stop,status}
  $(pinned "$LOADGEN_CPU") "$LOADGEN" sub --port "$PORT" --clients "$n" --ramp "$ramp" --inflight 64 \
    --sources "127.0.$SRCNET.1-127.0.$SRCNET.8" --status "$OUT/run/$name.status" --stop "$OUT/run/$name.stop" \
    --transport "$transport" --out "$OUT/raw/sub-$name.json" --max-seconds "$maxs" --connect-seconds 120 >"$OUT/logs/sub-$name.log" 2>&1 &
  PIDS[sub-$name]=$!
  SUBS+=("$name")
  await_subscriber "$name"
  grep '^READY' "$OUT/logs/sub-$name.log" >&2
  read -r _ READY _ FAILED _ < <(grep '^READY' "$OUT/logs/sub-$name.log")
  (( FAILED == 0 )) || finding "$name: $FAILED of $n clients failed to connect/subscribe: $(sleep 0.3; python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failures"])' "$OUT/run/$name.status" 2>/dev/null)"
}

LOADS=""
load1() { cut -d' ' -f1 /proc/loadavg; }

# ---------------------------------------------------------------- 1. memory per idle client
MEM=$OUT/mem.jsonl; : >"$MEM"
mem_run() { # mem_run TARGET ROUND TRANSPORT
  local t=$1 r=$2 transport=$3 prev=0 n levels="" rss0 rss
  start_server "$t" "mem-r$r"
  sleep 1
  rss0=$($PY rss "$SERVER_PID")
  for n in $MEM_LEVELS; do
    local add=$((n - prev)) ramp=2000
    [[ $t == pysio ]] && ramp=1000
    start_subs "mem-$t-$transport-r$r-$n" "$add" "$ramp" 400 "$transport"
    sleep 3   # let the server settle (buffers released, allocator caches)
    rss=$($PY rss "$SERVER_PID")
    local connected=0 s
    for s in "${SUBS[@]}"; do
      connected=$((connected + $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ready"])' "$OUT/run/$s.status")))
    done
    levels+="${levels:+,}{\"clients\":$n,\"connected\":$connected,\"rss_kb\":$rss}"
    log "memory $t $transport round $r: $connected clients, RSS $((rss0 / 1024)) -> $((rss / 1024)) MiB ($(( (rss - rss0) * 1024 / (connected > 0 ? connected : 1) )) B/client)"
    prev=$n
  done
  LOADS+=" $(load1)"
  printf '{"target":"%s","transport":"%s","round":%s,"rss0_kb":%s,"load1":%s,"levels":[%s]}\n' "$t" "$transport" "$r" "$rss0" "$(load1)" "$levels" >>"$MEM"
  stop_subs
  stop_server "$t" "mem-r$r"
}

# ---------------------------------------------------------------- 2. fan-out
FAN=$OUT/fanout.jsonl; : >"$FAN"
fanout_run() { # fanout_run TARGET ROUND PROCS RATES [TRANSPORT]: RUN name TARGET[-TRANSPORT]-rROUND or TARGET-check
  local t=$1 r=$2 procs=$3 rates=$4 transport=${5:-websocket} run k rate step=0 ramp=2000
  [[ $t == pysio ]] && ramp=1000
  run=$t; [[ $transport == websocket ]] || run+=-$transport
  if [[ $procs == 1 ]]; then run+=-r$r; else run+=-check; fi
  start_server "$t" "fanout-$run"
  local maxs=$(( $(wc -w <<<"$rates") * (STEP + 40) + 120 ))
  for k in $(seq "$procs"); do start_subs "fanout-$run-p$k" $((FANOUT_CLIENTS / procs)) "$ramp" "$maxs" "$transport"; done
  sleep 1
  local statuses="" s subpids=""
  for s in "${SUBS[@]}"; do statuses+="${statuses:+,}$OUT/run/$s.status"; subpids+=" ${PIDS[sub-$s]}"; done
  if [[ $WARMUP_RATE != 0 ]]; then
    # Warm-up (step 0, not reported): first publishes pay one-time costs (allocations, caches).
    timeout 30 $(pinned "$LOADGEN_CPU") "$LOADGEN" pub --port "$PUBPORT" --rate "$WARMUP_RATE" --duration 1 --step 0 \
      --conns "$PUB_CONNS" --token-file "$OUT/conf/token" >/dev/null 2>>"$OUT/logs/pub.log" || finding "$t warm-up publish failed"
    sleep 1
  fi
  for rate in $rates; do
    step=$((step + 1))
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then finding "$t died before $run rate $rate"; break; fi
    local before after t0 t1 pub drained
    before=$($PY cpu "$SERVER_PID" $subpids)
    t0=$(date +%s.%N)
    pub=$(timeout $((STEP + 60)) $(pinned "$LOADGEN_CPU") "$LOADGEN" pub --port "$PUBPORT" --rate "$rate" --duration "$STEP" \
      --step "$step" --conns "$PUB_CONNS" --token-file "$OUT/conf/token" 2>>"$OUT/logs/pub.log") || pub='{"sent":0,"recipients":0,"start_us":0,"errors":1}'
    local expected; expected=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("recipients",0))' "$pub")
    drained=$($PY drain "$statuses" "$step" "$expected")
    t1=$(date +%s.%N)
    after=$($PY cpu "$SERVER_PID" $subpids)
    local floor='{}'
    [[ $t == floor ]] && floor=$(curl -fsS --max-time 2 "http://127.0.0.1:$PUBPORT/stats?step=$step" 2>/dev/null || echo '{}')
    local alive=1; kill -0 "$SERVER_PID" 2>/dev/null || alive=0
    LOADS+=" $(load1)"
    python3 - "$pub" "$before" "$after" "$t0" "$t1" <<EOF >>"$FAN"
import json, sys
pub = json.loads(sys.argv[1]); b = [float(x) for x in sys.argv[2].split()]; a = [float(x) for x in sys.argv[3].split()]
print(json.dumps({"run": "$run", "target": "$t", "transport": "$transport", "round": "$r", "rate": $rate, "step": $step, "floor": $floor,
  "layout": "${procs}x$((FANOUT_CLIENTS / procs))", "clients": $FANOUT_CLIENTS, "pub": pub,
  "server_cpu": a[0] - b[0], "server_sys": a[-1] - b[-1], "loadgen_cpu": sum(a[1:-1]) - sum(b[1:-1]) + pub.get("cpu_s", 0),
  "wall": float(sys.argv[5]) - float(sys.argv[4]), "load1": $(load1), "server_alive": $alive,
  "drained": "$drained"}))
EOF
    log "$(printf 'fan-out %-6s %-12s rate %5s: ' "$t" "$run" "$rate")$(python3 -c '
import json, sys
p = json.loads(sys.argv[1]); d = sys.argv[2].split()
print("published %d/%d (%.0f/s, answer p99 %.1f ms), received %s/%d (drain %s s)" % (p.get("sent", 0), p.get("planned", 0),
      p.get("achieved_rate", 0), p.get("answer_p99_us", 0) / 1000, d[0], p.get("recipients", 0), d[1]))' "$pub" "$drained")"
  done
  stop_subs
  stop_server "$t" "fanout-$run"
}

# ---------------------------------------------------------------- run
START=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "results in $OUT; targets: $TARGETS; rounds: $ROUNDS; load: $LOAD_START"
if [[ " $PHASES " == *" mem "* ]]; then
  for r in $(seq "$MEM_ROUNDS"); do for m in $MEM_TRANSPORTS; do for t in $TARGETS; do mem_run "$t" "$r" "$m"; done; done; done
fi
if [[ " $PHASES " == *" fanout "* ]]; then
  for r in $(seq "$ROUNDS"); do
    for tr in $FANOUT_TRANSPORTS; do
      for t in $TARGETS; do
        if [[ $tr == websocket || $t != floor ]]; then fanout_run "$t" "$r" 1 "$RATES" "$tr"; fi
      done
    done
  done
  if [[ $CHECK == 1 && " $TARGETS " == *" zenith "* ]]; then fanout_run zenith 0 2 "$CHECK_RATE"; fi
fi

# ---------------------------------------------------------------- report
{
  echo "# Zenith realtime benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
  echo "- 1-min load average: $LOAD_START at the start; $(tr ' ' '\n' <<<"$LOADS" | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd- ) during the runs; took $(( $(date +%s) - START )) s"
  [[ $ZENITH_BIN == none ]] ||
    echo "- zenith: $ZENITH_LINE"
  [[ -z ${PYSIO_VERSIONS:-} ]] || echo "- python-socketio server: $PYSIO_VERSIONS; $("$VENV/bin/python" --version); uvicorn --ws $PYSIO_WS"
  if [[ $PIN == 1 ]]; then echo "- pinning: server on CPU $SERVER_CPU, load generator (subscribers + publisher) on CPU $LOADGEN_CPU"; else echo "- pinning: none"; fi
  [[ -z $PRIO ]] || echo "- every server and load generator process run under \`$PRIO\`"
  echo "- memory levels: $MEM_LEVELS clients ($MEM_TRANSPORTS), $MEM_ROUNDS rounds; fan-out: $FANOUT_CLIENTS clients ($FANOUT_TRANSPORTS), rates $RATES msg/s, $STEP s each after a 1 s warm-up at $WARMUP_RATE msg/s, $PUB_CONNS publisher connections, $ROUNDS rounds"
  if [[ -s $FINDINGS ]]; then echo; echo "Findings:"; cat "$FINDINGS"; fi
  echo
  $PY report "$OUT"
} >"$OUT/report.md"
cat "$OUT/report.md"
log "report: $OUT/report.md (raw loadgen output in $OUT/raw, server logs in $OUT/logs)"
