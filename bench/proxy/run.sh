#!/usr/bin/env bash
# Proxying benchmark: Zenith vs nginx vs HAProxy in front of the same nginx backend, over plain
# HTTP/1.1 (wrk), TLS 1.3 with HTTP/1.1 (wrk over https) and TLS with HTTP/2 (h2load).
# Run by hand (not in CI), from anywhere:   bench/proxy/run.sh
# See docs/benchmarks.md ("HTTP proxying", "TLS and HTTP/2") for the method and the last tables.
#
# Environment (defaults in brackets):
#   ZENITH_BIN    use this zenith binary, skip the build [build/re-use .build-release/release/zenith]
#   REBUILD=1     rebuild .build-release even if its binary is there and current [0]
#   DURATION      duration of each load run [6s]   ROUNDS       interleaved rounds [3]
#   CONNECTIONS   wrk -c [64]                      WRK_THREADS  wrk -t [1]
#   H2_CLIENTS    h2load -c [32]                   H2_STREAMS   h2load -m (streams per connection) [10]
#   WARMUP        warm-up run per target/case before round 1, 0 to skip [2s]
#   TARGETS       ["backend nginx haproxy zenith"] (the backend direct has no TLS cases);
#                 "nio-floor" and "nio-floor-inline" add bench/proxy/floor (built here, its own
#                 SwiftPM package): the least a proxy on SwiftNIO spends per request (HTTP/1.1
#                 relayed byte for byte; HTTP/2 streams through a child channel each, or inline);
#                 "raw-floor" the same HTTP/1.1 relay on epoll and read/write (plain cases only)
#   CASES         ["small 16k post64k tls-small h2-small h2-16k"]; "plain" or "tls" for either half
#   ZENITH_BASELINE_BIN  another zenith binary (say, main's before a change), measured as the
#                 target zenith-baseline in the same run: TARGETS="zenith-baseline zenith"
#   PIN=0         no CPU pinning [1]; FRONT_CPU [0], BACKEND_CPU [1], LOAD_CPU (wrk, h2load) [1]
#   SYSCALLS=1    count the front's system calls per request with perf stat (costs the front a little
#                 per call, the same for every target) [0]
#   OUT           results directory [mktemp -d /tmp/zenith-bench.XXXXXX]
# Needs: nginx (with http_v2 and, else POST bodies are discarded, not read, the echo module),
# haproxy (with OpenSSL), wrk (with OpenSSL), h2load (Debian's nghttp2-client), openssl, curl,
# taskset, python3. All servers listen on free 127.0.0.1 ports and are stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY="python3 $HERE/bench.py"

DURATION=${DURATION:-6s}
CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-1}
H2_CLIENTS=${H2_CLIENTS:-32}
H2_STREAMS=${H2_STREAMS:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-2s}
TARGETS=${TARGETS:-"backend nginx haproxy zenith"}
PLAIN_CASES="small 16k post64k"
TLS_CASES="tls-small h2-small h2-16k"
CASES=$(for c in ${CASES:-plain tls}; do
  case $c in plain) echo "$PLAIN_CASES" ;; tls) echo "$TLS_CASES" ;; *) echo "$c" ;; esac
done | xargs)
PIN=${PIN:-1}
FRONT_CPU=${FRONT_CPU:-0}
BACKEND_CPU=${BACKEND_CPU:-1}
LOAD_CPU=${LOAD_CPU:-${WRK_CPU:-1}}
REBUILD=${REBUILD:-0}
SYSCALLS=${SYSCALLS:-0}
# The one TLS 1.3 suite of every run: browsers' first choice. nginx and HAProxy are held to it;
# Zenith (BoringSSL) takes the client's first, so wrk (through OPENSSL_CONF) and h2load offer only it.
CIPHERSUITES=TLS_AES_128_GCM_SHA256
OUT=${OUT:-$(mktemp -d /tmp/zenith-bench.XXXXXX)}
mkdir -p "$OUT"/{raw,logs,www,tmp,conf,tls}
chmod 755 "$OUT" "$OUT/www"   # nginx workers started by root run as nobody and must read www/

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
is_tls_case() { [[ $1 == tls-* || $1 == h2-* ]]; }
has_tls() { [[ $1 != backend && $1 != raw-floor ]]; } # the backend direct and raw-floor have no TLS listener
needed=(nginx haproxy wrk curl openssl python3)
[[ " $CASES " != *" h2-"* ]] || needed+=(h2load)
for tool in "${needed[@]}"; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
[[ $PIN == 1 ]] && { command -v taskset >/dev/null || die "taskset not found (or PIN=0)"; }
[[ $SYSCALLS == 1 ]] && { command -v perf >/dev/null || die "perf not found (or SYSCALLS=0)"; }

pinned() { # pinned CPU: prints the command prefix that pins to CPU (taskset execs the command)
  if [[ $PIN == 1 ]]; then echo "taskset -c $1"; fi
}

# ---------------------------------------------------------------- zenith binary
source "$HERE/../release-binary.sh"

if [[ " $TARGETS " == *" nio-floor"* || " $TARGETS " == *" raw-floor "* ]]; then
  log "building the floors (bench/proxy/floor, its own SwiftPM package)"
  # Built as Zenith is (scripts/release-build-flags).
  source "$HERE/../../scripts/release-build-flags"
  (cd "$HERE/floor" && swift build "${RELEASE_BUILD_FLAGS[@]}") >"$OUT/logs/floor-build.log" 2>&1 ||
    { tail -30 "$OUT/logs/floor-build.log" >&2; die "floor build failed"; }
  PROXYFLOOR=$HERE/floor/.build/release/proxyfloor
  RAWFLOOR=$HERE/floor/.build/release/rawfloor
fi

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
    curl -kfsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
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

# ---------------------------------------------------------------- certificate (P-256, this run's)
CERT=$OUT/tls/cert.pem KEY=$OUT/tls/key.pem PEM=$OUT/tls/cert+key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$KEY" -out "$CERT" 2>"$OUT/logs/openssl.log" || { cat "$OUT/logs/openssl.log" >&2; die "openssl req failed"; }
cat "$CERT" "$KEY" >"$PEM"   # HAProxy's crt takes both in one file
CLIENT_OPENSSL_CONF=$OUT/tls/client-openssl.cnf   # for wrk and openssl s_client
printf '%s\n' 'openssl_conf = client' '[client]' 'ssl_conf = ssl' '[ssl]' 'system_default = defaults' \
  '[defaults]' "Ciphersuites = $CIPHERSUITES" >"$CLIENT_OPENSSL_CONF"

# ---------------------------------------------------------------- backend
SMALLBODY=$(head -c 100 /dev/zero | tr '\0' 's')
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

declare -A PORT=() TLSPORT=()
PORT[backend]=$($PY freeport)
render "$HERE/conf/backend.nginx.conf" "$OUT/conf/backend.nginx.conf" \
  PORT="${PORT[backend]}" PREFIX="$OUT" LOADECHO="$LOADECHO" POSTHANDLER="$POSTHANDLER" SMALLBODY="$SMALLBODY"
BACKEND=127.0.0.1:${PORT[backend]}
start backend "$BACKEND_CPU" nginx -c "$OUT/conf/backend.nginx.conf" -p "$OUT" -e "$OUT/logs/backend-startup.log" -g 'daemon off;'
wait_ready backend "http://$BACKEND/small"

# ---------------------------------------------------------------- fronts
for t in $TARGETS; do
  [[ $t == backend ]] && continue
  PORT[$t]=$($PY freeport)
  TLSPORT[$t]=$($PY freeport)
  case $t in
    nginx)
      render "$HERE/conf/front.nginx.conf" "$OUT/conf/front.nginx.conf" PORT="${PORT[$t]}" \
        TLSPORT="${TLSPORT[$t]}" BACKEND="$BACKEND" PREFIX="$OUT" CERT="$CERT" KEY="$KEY" CIPHERSUITES="$CIPHERSUITES"
      start nginx "$FRONT_CPU" nginx -c "$OUT/conf/front.nginx.conf" -p "$OUT" -e "$OUT/logs/front-nginx-startup.log" -g 'daemon off;'
      ;;
    haproxy)
      render "$HERE/conf/haproxy.cfg" "$OUT/conf/haproxy.cfg" PORT="${PORT[$t]}" \
        TLSPORT="${TLSPORT[$t]}" BACKEND="$BACKEND" PEM="$PEM" CIPHERSUITES="$CIPHERSUITES"
      start haproxy "$FRONT_CPU" haproxy -f "$OUT/conf/haproxy.cfg" -db
      ;;
    nio-floor | nio-floor-inline)
      start "$t" "$FRONT_CPU" "$PROXYFLOOR" --port "${PORT[$t]}" --tls-port "${TLSPORT[$t]}" \
        --backend "$BACKEND" --cert "$CERT" --key "$KEY" --h2 "$([[ $t == nio-floor ]] && echo streams || echo inline)"
      ;;
    raw-floor)
      start "$t" "$FRONT_CPU" "$RAWFLOOR" --port "${PORT[$t]}" --backend "$BACKEND"
      ;;
    zenith | zenith-baseline)
      bin=$ZENITH_BIN
      if [[ $t == zenith-baseline ]]; then
        bin=${ZENITH_BASELINE_BIN:-}
        [[ -x $bin ]] || die "target zenith-baseline needs ZENITH_BASELINE_BIN (a zenith binary)"
      fi
      mkdir -p "$OUT/conf/$t"
      render "$HERE/conf/zenith.toml" "$OUT/conf/$t/zenith.toml" PORT="${PORT[$t]}" \
        TLSPORT="${TLSPORT[$t]}" BACKEND="$BACKEND" CERT="$CERT" KEY="$KEY"
      cp "$HERE/conf/routes" "$OUT/conf/$t/routes"
      "$bin" check --config "$OUT/conf/$t/zenith.toml" >"$OUT/logs/$t-check.log" 2>&1 ||
        { cat "$OUT/logs/$t-check.log" >&2; die "$t check failed"; }
      start "$t" "$FRONT_CPU" "$bin" run --config "$OUT/conf/$t/zenith.toml"
      ;;
    *) die "unknown target $t" ;;
  esac
  wait_ready "$t" "http://127.0.0.1:${PORT[$t]}/small"
  ! has_tls "$t" || wait_ready "$t" "https://127.0.0.1:${TLSPORT[$t]}/small"
done

# ---------------------------------------------------------------- cases
case_env() { # prints "SCHEME PATH METHOD BODYBYTES TOOL"
  case $1 in
    small) echo "http /small GET 0 wrk" ;;
    16k) echo "http /16k GET 0 wrk" ;;
    post64k) echo "http /post POST 65536 wrk" ;;
    tls-small) echo "https /small GET 0 wrk" ;;
    h2-small) echo "https /small GET 0 h2load" ;;
    h2-16k) echo "https /16k GET 0 h2load" ;;
    *) die "unknown case $1" ;;
  esac
}
case_url() { # case_url TARGET CASE
  local scheme path
  read -r scheme path _ < <(case_env "$2")
  if [[ $scheme == https ]]; then echo "https://127.0.0.1:${TLSPORT[$1]}$path"; else echo "http://127.0.0.1:${PORT[$1]}$path"; fi
}
runs_case() { has_tls "$1" || ! is_tls_case "$2"; }
for c in $CASES; do case_env "$c" >/dev/null; done

# ---------------------------------------------------------------- sanity check and TLS parameters
head -c 65536 /dev/zero | tr '\0' 'z' >"$OUT/post64k.body"
SANITY_FAIL=""
declare -A WANT=([small]="200 100 1.1" [16k]="200 16384 1.1" [post64k]="200 3 1.1"
  [tls-small]="200 100 1.1" [h2-small]="200 100 2" [h2-16k]="200 16384 2")
for t in $TARGETS; do
  for c in $CASES; do
    runs_case "$t" "$c" || continue
    read -r _ _ method _ tool < <(case_env "$c")
    args=(-ksS --max-time 5 -o "$OUT/raw/sanity-$t-$c.body" -w '%{http_code} %{size_download} %{http_version}')
    if [[ $tool == h2load ]]; then args+=(--http2); else args+=(--http1.1); fi
    [[ $method != POST ]] || args+=(-H 'Content-Type: application/octet-stream' --data-binary @"$OUT/post64k.body")
    got=$(curl "${args[@]}" "$(case_url "$t" "$c")" 2>&1) || true
    [[ $got == "${WANT[$c]}" ]] || SANITY_FAIL+="  $t $c: expected '${WANT[$c]}' (status, bytes, HTTP version), got '$got'"$'\n'
  done
done
[[ -z $SANITY_FAIL ]] || log "sanity check FAILED (benchmarking anyway):"$'\n'"$SANITY_FAIL"

# What each TLS front negotiates with an OpenSSL client offering what wrk offers.
TLS_LINES=""
if [[ " $CASES " == *" tls-"* || " $CASES " == *" h2-"* ]]; then
  for t in $TARGETS; do
    has_tls "$t" || continue
    TLS_LINES+="  - $t: $(OPENSSL_CONF=$CLIENT_OPENSSL_CONF openssl s_client -connect "127.0.0.1:${TLSPORT[$t]}" -alpn h2,http/1.1 </dev/null 2>/dev/null |
      sed -n -e 's/^New, \(.*\), Cipher is \(.*\)/\1 \2/p' -e 's/^Server Temp Key: \(.*\)/key exchange \1/p' \
        -e 's/^Peer signature type: \(.*\)/signature \1/p' -e 's/^ALPN protocol: \(.*\)/ALPN \1/p' | paste -sd, | sed 's/,/, /g')"$'\n'
  done
fi

# ---------------------------------------------------------------- load runs
dur_s() { local d=$1; case $d in *m) echo $((${d%m} * 60)) ;; *s) echo "${d%s}" ;; *) echo "$d" ;; esac; }

LOADS=""
declare -A DEAD=()
RESULTS=$OUT/results.jsonl
MEM=$OUT/mem.tsv
: >"$RESULTS"
echo "round target rss_kB hwm_kB threads processes" >"$MEM"

run_load() { # run_load TARGET CASE ROUND DURATION
  local t=$1 c=$2 r=$3 d=$4 method body tool rc=0 raw alive=1 front=${PIDS[$1]} url
  local front0 front1 back0="0 0" back1="0 0" cores0 cores1 t0 t1
  LOADS+=" $(cut -d' ' -f1 /proc/loadavg)"
  read -r _ _ method body tool < <(case_env "$c")
  url=$(case_url "$t" "$c")
  raw=$OUT/raw/$t-$c-r$r.txt
  local load=(timeout --kill-after=5 $(($(dur_s "$d") + 30)) $(pinned "$LOAD_CPU"))
  if [[ $tool == wrk ]]; then
    load+=(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$d" --timeout 5s --latency -s "$HERE/wrk.lua" "$url")
  else
    load+=(h2load -t1 -c"$H2_CLIENTS" -m"$H2_STREAMS" -D"$(dur_s "$d")" --tls13-ciphers="$CIPHERSUITES" "$url")
  fi
  front0=$($PY cpu "$front")
  [[ $t == backend ]] || back0=$($PY cpu "${PIDS[backend]}")
  cores0=$($PY cores "$FRONT_CPU" "$LOAD_CPU")
  local perf_pid="" syscalls_field=""
  if [[ $SYSCALLS == 1 ]]; then
    perf stat -x, -e raw_syscalls:sys_enter -p "$($PY pids "$front")" -o "$raw.syscalls" &
    perf_pid=$!
  fi
  t0=$(date +%s%N)
  # measured: the load generator's own CPU time goes to $raw.cpu
  OPENSSL_CONF=$CLIENT_OPENSSL_CONF BENCH_METHOD=$method BENCH_BODY_BYTES=$body $PY measured "$raw.cpu" "${load[@]}" >"$raw" 2>&1 || rc=$?
  t1=$(date +%s%N)
  if [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    syscalls_field="\"front_syscalls\":$($PY syscalls "$raw.syscalls"),"
  fi
  cores1=$($PY cores "$FRONT_CPU" "$LOAD_CPU")
  front1=$($PY cpu "$front")
  [[ $t == backend ]] || back1=$($PY cpu "${PIDS[backend]}")
  kill -0 "$front" 2>/dev/null || alive=0
  [[ $r == warmup ]] && return 0
  printf '{"target":"%s","case":"%s","round":%s,"load_rc":%d,"front_alive":%d,"load1":%s,"wall_us":%d,"cpu_us":{"front":[%s],"backend":[%s],"load":[%s]},"cores":[%s],%s%s}\n' \
    "$t" "$c" "$r" "$rc" "$alive" "$(cut -d' ' -f1 /proc/loadavg)" $(((t1 - t0) / 1000)) \
    "$($PY minus "$front1" "$front0")" "$($PY minus "$back1" "$back0")" "$(tr ' ' , <"$raw.cpu")" \
    "$($PY minus "$cores1" "$cores0")" "$syscalls_field" \
    "$($PY summary "$tool" "$raw")" >>"$RESULTS"
  if [[ $alive == 0 ]]; then log "!! $t died during $c round $r (see $OUT/logs/$t.log)"; fi
  log "$(printf '%-8s %-9s r%s %s' "$t" "$c" "$r" "$(grep -E '^ *(Requests/sec|Non-2xx|Socket errors)|^finished in|^requests:' "$raw" | tr '\n' ' ')")"
}

log "results in $OUT"
log "targets: $TARGETS; cases: $CASES; $ROUNDS rounds x $DURATION; wrk -t$WRK_THREADS -c$CONNECTIONS; h2load -t1 -c$H2_CLIENTS -m$H2_STREAMS"
if [[ $WARMUP != 0 ]]; then
  for c in $CASES; do for t in $TARGETS; do if runs_case "$t" "$c"; then run_load "$t" "$c" warmup "$WARMUP"; fi; done; done
fi
for r in $(seq "$ROUNDS"); do
  for c in $CASES; do
    for t in $TARGETS; do
      runs_case "$t" "$c" || continue
      if ! kill -0 "${PIDS[$t]}" 2>/dev/null; then
        # Not restarted: a front that exits is a finding. Its remaining runs are recorded as failed.
        if [[ -z ${DEAD[$t]:-} ]]; then
          st=0; wait "${PIDS[$t]}" 2>/dev/null || st=$?
          DEAD[$t]="exited with status $st, found before $c round $r ($(date +%H:%M:%S))"
          log "!! $t ${DEAD[$t]}; its log: $(tail -3 "$OUT/logs/$t.log" | tr '\n' ' ')"
        fi
        printf '{"target":"%s","case":"%s","round":%s,"load_rc":0,"front_alive":0,"requests":0}\n' \
          "$t" "$c" "$r" >>"$RESULTS"
        continue
      fi
      run_load "$t" "$c" "$r" "$DURATION"
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
  echo "- $(nginx -v 2>&1 | sed 's/^nginx version: //'), $(haproxy -v | head -1 | cut -d' ' -f1-3), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)$(command -v h2load >/dev/null && echo ", $(h2load --version | head -1)"), $(openssl version | cut -d' ' -f1-2)"
  if [[ $PIN == 1 ]]; then
    echo "- pinning: fronts on CPU $FRONT_CPU, backend on CPU $BACKEND_CPU, load generator on CPU $LOAD_CPU (taskset)"
  else
    echo "- pinning: none"
  fi
  echo "- 1-min load average during the runs (the benchmark itself adds ~2-3): $(tr ' ' '\n' <<<"$LOADS" | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd- )"
  echo "- $ROUNDS interleaved rounds of $DURATION, medians shown; warm-up $WARMUP; wrk -t$WRK_THREADS -c$CONNECTIONS --timeout 5s --latency; h2load -t1 -c$H2_CLIENTS -m$H2_STREAMS"
  echo "- backend: GET /small returns 100 bytes from its config, GET /16k a file kept open (open_file_cache); $POST_NOTE"
  [[ -z $TLS_LINES ]] || { echo "- TLS: a P-256 certificate made for this run, $CIPHERSUITES on every side; what openssl s_client (offering what wrk offers) negotiated:"; printf '%s' "$TLS_LINES"; }
  for t in "${!DEAD[@]}"; do echo "- **$t stopped during the benchmark**: ${DEAD[$t]}; last log lines: \`$(tail -3 "$OUT/logs/$t.log" | tr '\n' ' ')\`"; done
  [[ -z $SANITY_FAIL ]] || { echo "- sanity check failures:"; echo '```'; printf '%s' "$SANITY_FAIL"; echo '```'; }
  echo
  $PY report "$RESULTS" "$MEM"
} >"$OUT/report.md"
cat "$OUT/report.md"
if [[ -s $OUT/logs/zenith.log ]]; then log "zenith wrote to its log:"; head -20 "$OUT/logs/zenith.log" >&2; fi
log "report: $OUT/report.md (raw load generator output in $OUT/raw, server logs in $OUT/logs)"
