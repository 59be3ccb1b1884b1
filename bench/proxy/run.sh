#!/usr/bin/env bash
# HTTP/1.1 proxying benchmark: Zenith vs nginx vs HAProxy in front of the same nginx backend.
# Run by hand (not in CI), from anywhere:   bench/proxy/run.sh
# See docs/benchmarks.md ("HTTP proxying") for the method and the last measured table.
#
# Environment (defaults in brackets):
#   ZENITH_BIN    use this zenith binary, skip the build [build/re-use .build-release/release/zenith]
#   REBUILD=1     rebuild .build-release even if its binary is there and current [0]
#   DURATION      wrk duration per run [6s]        CONNECTIONS  wrk -c [64]
#   WRK_THREADS   wrk -t [1]                       ROUNDS       interleaved rounds [3]
#   WARMUP        warm-up wrk run per target/case before round 1, 0 to skip [2s]
#   TARGETS       ["backend nginx haproxy zenith"] CASES        ["small 16k post64k"]
#   ZENITH_BASELINE_BIN  another zenith binary (say, main's before a change), measured as the
#                 target zenith-baseline in the same run: TARGETS="zenith-baseline zenith"
#   PIN=0         no CPU pinning [1]; FRONT_CPU [0], BACKEND_CPU [1], WRK_CPU [1]
#   OUT           results directory [mktemp -d /tmp/zenith-bench.XXXXXX]
# Needs: nginx (with the echo module, else POST bodies are discarded, not read), haproxy, wrk,
# curl, taskset, python3. All servers listen on free 127.0.0.1 ports and are stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY="python3 $HERE/bench.py"

DURATION=${DURATION:-6s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-1}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2s}
TARGETS=${TARGETS:-"backend nginx haproxy zenith"}
CASES=${CASES:-"small 16k post64k"}
PIN=${PIN:-1}
FRONT_CPU=${FRONT_CPU:-0}
BACKEND_CPU=${BACKEND_CPU:-1}
WRK_CPU=${WRK_CPU:-1}
REBUILD=${REBUILD:-0}
OUT=${OUT:-$(mktemp -d /tmp/zenith-bench.XXXXXX)}
mkdir -p "$OUT"/{raw,logs,www,tmp,conf}
chmod 755 "$OUT" "$OUT/www"   # nginx workers started by root run as nobody and must read www/

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
for tool in nginx haproxy wrk curl python3; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
[[ $PIN == 1 ]] && { command -v taskset >/dev/null || die "taskset not found (or PIN=0)"; }

pinned() { # pinned CPU: prints the command prefix that pins to CPU (taskset execs the command)
  if [[ $PIN == 1 ]]; then echo "taskset -c $1"; fi
}

# ---------------------------------------------------------------- zenith binary
source "$HERE/../release-binary.sh"

# ---------------------------------------------------------------- process handling
declare -A PIDS=()
cleanup() {
  local name pid i
  for name in "${!PIDS[@]}"; do
    pid=${PIDS[$name]}
    if ! kill -TERM "$pid" 2>/dev/null; then
      local st=0
      wait "$pid" 2>/dev/null || st=$?
      log "$name had already exited before the end (status $st)"
      continue
    fi
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      log "$name did not stop within 5 s of SIGTERM, killed"
    fi
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    # 143 = ended by the SIGTERM itself (HAProxy -db does that)
    [[ $rc == 0 || $rc == 143 ]] || log "$name exited with status $rc after SIGTERM"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # start NAME CPU cmd...   (background, stdout/stderr to logs/NAME.log)
  local name=$1 cpu=$2; shift 2
  # A plain command in the background, so $! is the server itself (not a subshell) and
  # cleanup's TERM reaches it.
  $(pinned "$cpu") "$@" >"$OUT/logs/$name.log" 2>&1 &
  PIDS[$name]=$!
}

wait_ready() { # wait_ready NAME URL
  local name=$1 url=$2 i
  for i in $(seq 100); do
    kill -0 "${PIDS[$name]}" 2>/dev/null || { cat "$OUT/logs/$name.log" >&2; die "$name exited at start-up"; }
    curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$OUT/logs/$name.log" >&2
  die "$name not ready at $url after 10 s"
}

render() { # render TEMPLATE OUTFILE key=value...
  local tpl=$1 out=$2; shift 2
  local args=() kv
  for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${args[@]}" "$tpl" >"$out"
}

# ---------------------------------------------------------------- backend
head -c 100 /dev/zero | tr '\0' 's' >"$OUT/www/small"
head -c 16384 /dev/zero | tr '\0' 'k' >"$OUT/www/16k"
ECHO_SO=/usr/lib/nginx/modules/ngx_http_echo_module.so
if [[ -f $ECHO_SO ]]; then
  LOADECHO="load_module $ECHO_SO;"
  POSTHANDLER='default_type text/plain; echo_read_request_body; echo "ok";'
  POST_NOTE="the backend reads the whole POST body (echo_read_request_body) and answers ok (chunked)"
else
  LOADECHO=""
  POSTHANDLER='default_type text/plain; return 200 "ok\n";'
  POST_NOTE="no nginx echo module: the backend discards the POST body (return 200) and answers ok"
fi

declare -A PORT=()
PORT[backend]=$($PY freeport)
render "$HERE/conf/backend.nginx.conf" "$OUT/conf/backend.nginx.conf" \
  PORT="${PORT[backend]}" PREFIX="$OUT" LOADECHO="$LOADECHO" POSTHANDLER="$POSTHANDLER"
BACKEND=127.0.0.1:${PORT[backend]}
start backend "$BACKEND_CPU" nginx -c "$OUT/conf/backend.nginx.conf" -p "$OUT" -e "$OUT/logs/backend-startup.log" -g 'daemon off;'
wait_ready backend "http://$BACKEND/small"

# ---------------------------------------------------------------- fronts
for t in $TARGETS; do
  case $t in
    backend) ;;
    nginx)
      PORT[nginx]=$($PY freeport)
      render "$HERE/conf/front.nginx.conf" "$OUT/conf/front.nginx.conf" \
        PORT="${PORT[nginx]}" BACKEND="$BACKEND" PREFIX="$OUT"
      start nginx "$FRONT_CPU" nginx -c "$OUT/conf/front.nginx.conf" -p "$OUT" -e "$OUT/logs/front-nginx-startup.log" -g 'daemon off;'
      ;;
    haproxy)
      PORT[haproxy]=$($PY freeport)
      render "$HERE/conf/haproxy.cfg" "$OUT/conf/haproxy.cfg" PORT="${PORT[haproxy]}" BACKEND="$BACKEND"
      start haproxy "$FRONT_CPU" haproxy -f "$OUT/conf/haproxy.cfg" -db
      ;;
    zenith | zenith-baseline)
      bin=$ZENITH_BIN
      if [[ $t == zenith-baseline ]]; then
        bin=${ZENITH_BASELINE_BIN:-}
        [[ -x $bin ]] || die "target zenith-baseline needs ZENITH_BASELINE_BIN (a zenith binary)"
      fi
      PORT[$t]=$($PY freeport)
      mkdir -p "$OUT/conf/$t"
      render "$HERE/conf/zenith.toml" "$OUT/conf/$t/zenith.toml" PORT="${PORT[$t]}" BACKEND="$BACKEND"
      cp "$HERE/conf/routes" "$OUT/conf/$t/routes"
      "$bin" check --config "$OUT/conf/$t/zenith.toml" >"$OUT/logs/$t-check.log" 2>&1 ||
        { cat "$OUT/logs/$t-check.log" >&2; die "$t check failed"; }
      start "$t" "$FRONT_CPU" "$bin" run --config "$OUT/conf/$t/zenith.toml"
      ;;
    *) die "unknown target $t" ;;
  esac
  [[ $t == backend ]] || wait_ready "$t" "http://127.0.0.1:${PORT[$t]}/small"
done

# ---------------------------------------------------------------- sanity check
head -c 65536 /dev/zero | tr '\0' 'z' >"$OUT/post64k.body"
SANITY_FAIL=""
for t in $TARGETS; do
  base="http://127.0.0.1:${PORT[$t]}"
  for spec in "small GET /small 100" "16k GET /16k 16384" "post64k POST /post 3"; do
    read -r c m p want <<<"$spec"
    if [[ $m == POST ]]; then
      got=$(curl -sS --max-time 5 -o "$OUT/raw/sanity-$t-$c.body" -w '%{http_code} %{size_download}' \
        -H 'Content-Type: application/octet-stream' --data-binary @"$OUT/post64k.body" "$base$p" 2>&1) || true
    else
      got=$(curl -sS --max-time 5 -o "$OUT/raw/sanity-$t-$c.body" -w '%{http_code} %{size_download}' "$base$p" 2>&1) || true
    fi
    if [[ $got != "200 $want" ]]; then
      SANITY_FAIL+="  $t $m $p: expected '200 $want', got '$got'"$'\n'
    fi
  done
done
[[ -z $SANITY_FAIL ]] || log "sanity check FAILED (benchmarking anyway):"$'\n'"$SANITY_FAIL"

# ---------------------------------------------------------------- wrk runs
case_env() { # prints "PATH METHOD BODYBYTES"
  case $1 in
    small) echo "/small GET 0" ;;
    16k) echo "/16k GET 0" ;;
    post64k) echo "/post POST 65536" ;;
    *) die "unknown case $1" ;;
  esac
}
dur_s() { local d=$1; case $d in *m) echo $((${d%m} * 60)) ;; *s) echo "${d%s}" ;; *) echo "$d" ;; esac; }

LOADS=""
declare -A DEAD=()
RESULTS=$OUT/results.jsonl
MEM=$OUT/mem.tsv
: >"$RESULTS"
echo "round target rss_kB hwm_kB threads processes" >"$MEM"

run_wrk() { # run_wrk TARGET CASE ROUND DURATION
  local t=$1 c=$2 r=$3 d=$4 path method body rc=0 raw json alive=1 user0 system0 user1 system1
  LOADS+=" $(cut -d' ' -f1 /proc/loadavg)"
  read -r path method body < <(case_env "$c")
  raw=$OUT/raw/$t-$c-r$r.txt
  read -r user0 system0 < <($PY cpu "${PIDS[$t]:-${PIDS[backend]}}")
  BENCH_METHOD=$method BENCH_BODY_BYTES=$body \
    timeout --kill-after=5 $(($(dur_s "$d") + 30)) \
    $(pinned "$WRK_CPU") wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$d" --timeout 5s --latency \
    -s "$HERE/wrk.lua" "http://127.0.0.1:${PORT[$t]}$path" >"$raw" 2>&1 || rc=$?
  read -r user1 system1 < <($PY cpu "${PIDS[$t]:-${PIDS[backend]}}")
  kill -0 "${PIDS[$t]:-${PIDS[backend]}}" 2>/dev/null || alive=0
  [[ $r == warmup ]] && return 0
  json=$(sed -n 's/^BENCH_JSON {//p' "$raw" | tail -1)
  [[ -n $json ]] || json='"requests":0}'
  printf '{"target":"%s","case":"%s","round":%s,"wrk_rc":%d,"front_alive":%d,"load1":%s,"cpu_user_ticks":%d,"cpu_system_ticks":%d,%s\n' \
    "$t" "$c" "$r" "$rc" "$alive" "$(cut -d' ' -f1 /proc/loadavg)" $((user1 - user0)) $((system1 - system0)) "$json" >>"$RESULTS"
  if [[ $alive == 0 ]]; then log "!! $t died during $c round $r (see $OUT/logs/$t.log)"; fi
  log "$(printf '%-8s %-8s r%s %s' "$t" "$c" "$r" "$(grep -E '^ *(Requests/sec|Non-2xx|Socket errors)' "$raw" | tr '\n' ' ')")"
}

log "results in $OUT"
log "targets: $TARGETS; cases: $CASES; $ROUNDS rounds x $DURATION, wrk -t$WRK_THREADS -c$CONNECTIONS"
if [[ $WARMUP != 0 ]]; then
  for c in $CASES; do for t in $TARGETS; do run_wrk "$t" "$c" warmup "$WARMUP"; done; done
fi
for r in $(seq "$ROUNDS"); do
  for c in $CASES; do
    for t in $TARGETS; do
      if ! kill -0 "${PIDS[$t]}" 2>/dev/null; then
        # Not restarted: a front that exits is a finding. Its remaining runs are recorded as failed.
        if [[ -z ${DEAD[$t]:-} ]]; then
          st=0; wait "${PIDS[$t]}" 2>/dev/null || st=$?
          DEAD[$t]="exited with status $st, found before $c round $r ($(date +%H:%M:%S))"
          log "!! $t ${DEAD[$t]}; its log: $(tail -3 "$OUT/logs/$t.log" | tr '\n' ' ')"
        fi
        printf '{"target":"%s","case":"%s","round":%s,"wrk_rc":0,"front_alive":0,"requests":0}\n' \
          "$t" "$c" "$r" >>"$RESULTS"
        continue
      fi
      run_wrk "$t" "$c" "$r" "$DURATION"
    done
  done
  for t in $TARGETS; do
    if kill -0 "${PIDS[$t]}" 2>/dev/null; then
      echo "$r $t $($PY mem "${PIDS[$t]}")" >>"$MEM"
    fi
  done
done

# ---------------------------------------------------------------- report
{
  echo "# Zenith proxy benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -sr), load before start: $(cut -d' ' -f1-3 /proc/loadavg)"
  [[ $ZENITH_BIN == none ]] ||
    echo "- zenith: $(zenith_build_line "$ZENITH_BIN")"
  [[ -z ${ZENITH_BASELINE_BIN:-} || " $TARGETS " != *" zenith-baseline "* ]] ||
    echo "- zenith baseline: $ZENITH_BASELINE_BIN built $(date -u -r "$ZENITH_BASELINE_BIN" +%Y-%m-%dT%H:%MZ)"
  echo "- $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(haproxy -v | head -1 | cut -d' ' -f1-3), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  if [[ $PIN == 1 ]]; then
    echo "- pinning: fronts on CPU $FRONT_CPU, backend on CPU $BACKEND_CPU, wrk on CPU $WRK_CPU (taskset)"
  else
    echo "- pinning: none"
  fi
  echo "- 1-min load average during the runs (the benchmark itself adds ~2-3): $(tr ' ' '\n' <<<"$LOADS" | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd- )"
  echo "- wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --timeout 5s --latency; $ROUNDS interleaved rounds, medians shown; warm-up $WARMUP"
  echo "- $POST_NOTE"
  for t in "${!DEAD[@]}"; do echo "- **$t stopped during the benchmark**: ${DEAD[$t]}; last log lines: \`$(tail -3 "$OUT/logs/$t.log" | tr '\n' ' ')\`"; done
  [[ -z $SANITY_FAIL ]] || { echo "- sanity check failures:"; echo '```'; printf '%s' "$SANITY_FAIL"; echo '```'; }
  echo
  $PY report "$RESULTS" "$MEM"
} >"$OUT/report.md"
cat "$OUT/report.md"
if [[ -s $OUT/logs/zenith.log ]]; then log "zenith wrote to its log:"; head -20 "$OUT/logs/zenith.log" >&2; fi
log "report: $OUT/report.md (raw wrk output in $OUT/raw, server logs in $OUT/logs)"
