# Shared by bench/realtime/run.sh and bench/cluster/run.sh (sourced): building the load generator,
# and waiting for and stopping the `loadgen sub` processes a run starts. They use the caller's OUT (logs/, raw/, run/), PIDS
# (pids by name; a subscriber is "sub-NAME"), SUBS (names of the running subscribers), FINDINGS
# (the findings file), and its log and die functions.

SUBSCRIBERS_BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# build_loadgen: builds the load generator (bench/realtime/loadgen, its own SwiftPM package) and
# sets LOADGEN to its binary.
build_loadgen() {
  local package=$SUBSCRIBERS_BENCH_DIR/realtime/loadgen
  log "building the load generator (bench/realtime/loadgen, its own SwiftPM package)"
  (cd "$package" && swift build -c release) >"$OUT/logs/loadgen-build.log" 2>&1 ||
    { tail -30 "$OUT/logs/loadgen-build.log" >&2; die "loadgen build failed"; }
  LOADGEN=$package/.build/release/loadgen
}

# await_subscriber NAME: waits until subscriber NAME has connected and subscribed its clients
# (its log says READY), at most 130 s; stops the run if it exits first.
await_subscriber() {
  local name=$1 i
  for i in $(seq 1300); do
    grep -q '^READY' "$OUT/logs/sub-$name.log" 2>/dev/null && return 0
    kill -0 "${PIDS[sub-$name]}" 2>/dev/null || die "loadgen $name exited: $(tail -3 "$OUT/logs/sub-$name.log")"
    sleep 0.1
  done
  die "loadgen $name not connected after 130 s"
}

# stop_subs: stops every running subscriber (each writes raw/sub-NAME.json), and records as
# findings the clients the server disconnected and the ticks that came without their fields.
stop_subs() {
  local name i
  for name in "${SUBS[@]}"; do touch "$OUT/run/$name.stop"; done
  for name in "${SUBS[@]}"; do
    for i in $(seq 300); do kill -0 "${PIDS[sub-$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -0 "${PIDS[sub-$name]}" 2>/dev/null && { kill -KILL "${PIDS[sub-$name]}"; log "loadgen $name killed (did not stop)"; }
    wait "${PIDS[sub-$name]}" 2>/dev/null || true
    unset "PIDS[sub-$name]"
    python3 - "$OUT/raw/sub-$name.json" "$name" <<'EOF' >>"$FINDINGS" || true
import json, sys
d = json.load(open(sys.argv[1]))
if d.get("disconnected"):
    print(f"- {sys.argv[2]}: {d['disconnected']} of {d['ready']} clients were disconnected by the server during the run")
if d.get("malformed_ticks"):
    print(f"- {sys.argv[2]}: {d['malformed_ticks']} tick messages without t/s fields")
EOF
  done
  SUBS=()
}
