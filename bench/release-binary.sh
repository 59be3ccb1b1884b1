# Sourced by bench/proxy/run.sh and bench/realtime/run.sh (after they define ROOT, OUT, REBUILD,
# TARGETS, log and die): sets ZENITH_BIN to the release binary to measure, building it into
# $ROOT/.build-release with scripts/build-release when there is none, when it was built from other
# sources than the tree's (a stale binary would measure old code), or with REBUILD=1; and defines
# src_hash, the short hash of Package.swift + Sources/ that the reports print.

src_hash() { # the repository may have no commit to name
  (cd "$ROOT" && find Package.swift Package.resolved Sources -type f 2>/dev/null | LC_ALL=C sort |
    xargs sha256sum | sha256sum | cut -c1-16)
}

# One line for a report: the binary, its build time and the sources it was built from.
zenith_build_line() { # $1: the binary as given (before any private copy)
  local built; built=$(date -u -r "$1" +%Y-%m-%dT%H:%MZ)
  echo "$1 built $built; git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')$( [[ -z $(git -C "$ROOT" status --porcelain -- Package.swift Sources 2>/dev/null) ]] || echo ' + uncommitted changes in Sources/'); sources hash at build: $( [[ $1 == "$ROOT/.build-release/release/zenith" ]] && cat "$ROOT/.build-release/bench-sources.sha256" 2>/dev/null || echo unknown), now: $(src_hash)"
}

if [[ " $TARGETS " != *" zenith "* ]]; then
  ZENITH_BIN=${ZENITH_BIN:-none}
elif [[ -z ${ZENITH_BIN:-} ]]; then
  ZENITH_BIN=$ROOT/.build-release/release/zenith
  built_from=$(cat "$ROOT/.build-release/bench-sources.sha256" 2>/dev/null || true)
  if [[ ! -x $ZENITH_BIN || $REBUILD == 1 || $built_from != "$(src_hash)" ]]; then
    [[ ! -x $ZENITH_BIN || $REBUILD == 1 ]] ||
      log "the sources changed since $ZENITH_BIN was built (${built_from:-unknown} -> $(src_hash))"
    log "building zenith (release) into $ROOT/.build-release, this takes a while"
    # Others may be editing Sources/ meanwhile: SwiftPM then stops with "was modified during
    # the build"; try again (the finished parts are kept).
    for attempt in 1 2 3 4; do
      (cd "$ROOT" && scripts/build-release --scratch-path .build-release) \
        >"$OUT/logs/build.log" 2>&1 && break
      grep -q 'modified during the build' "$OUT/logs/build.log" && [[ $attempt != 4 ]] ||
        { tail -30 "$OUT/logs/build.log" >&2; die "build failed"; }
      log "sources changed during the build, building again"
    done
    src_hash >"$ROOT/.build-release/bench-sources.sha256"
  else
    log "re-using $ZENITH_BIN, built from these sources (REBUILD=1 to rebuild)"
  fi
fi
[[ $ZENITH_BIN == none || -x $ZENITH_BIN ]] || die "ZENITH_BIN=$ZENITH_BIN is not executable"
