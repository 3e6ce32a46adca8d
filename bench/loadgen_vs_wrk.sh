#!/usr/bin/env bash
# loadgen_vs_wrk.sh — `faultline bench` (closed model) against wrk: same upstream
# (`faultline echo`), same connections, one thread each, interleaved rounds. Reports the
# median requests/s of each and faultline/wrk. Loopback only (127.0.0.1). See bench/README.md.
#
# Usage: bench/loadgen_vs_wrk.sh [options]        (every option also has an env variable)
#   -c, --connections N    connections of both generators        CONNECTIONS=64
#   -d, --duration D       length of each run (N, Ns, Nm)        DURATION=10s
#   -r, --rounds N         interleaved rounds                    ROUNDS=3
#       --echo-threads N   threads of the echo upstream          ECHO_THREADS=1
#       --path P           request path                          PATH_UNDER_TEST=/
#       --faultline-bin F  faultline binary                      FAULTLINE_BIN=<repo>/build/app/faultline
#       --record           write bench/results/loadgen_vs_wrk-*.md   RECORD=1
#   -h, --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INVOKED="$(printf '%q ' "$0" "$@")"
INVOKED="${INVOKED% }"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "loadgen_vs_wrk: error: $*" >&2; exit 1; }
log() { echo "loadgen_vs_wrk: $*" >&2; }

FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
ECHO_THREADS="${ECHO_THREADS:-1}"
PATH_UNDER_TEST="${PATH_UNDER_TEST:-/}"
RECORD="${RECORD:-0}"

need_arg() { [[ $# -ge 2 && -n $2 ]] || { echo "loadgen_vs_wrk: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case $1 in
    -c|--connections) need_arg "$@"; CONNECTIONS=$2; shift 2 ;;
    -d|--duration)    need_arg "$@"; DURATION=$2; shift 2 ;;
    -r|--rounds)      need_arg "$@"; ROUNDS=$2; shift 2 ;;
    --echo-threads)   need_arg "$@"; ECHO_THREADS=$2; shift 2 ;;
    --path)           need_arg "$@"; PATH_UNDER_TEST=$2; shift 2 ;;
    --faultline-bin)  need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --record)         RECORD=1; shift ;;
    -h|--help)        usage; exit 0 ;;
    *) echo "loadgen_vs_wrk: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
for v in CONNECTIONS ROUNDS ECHO_THREADS; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -ge 1 ]] || { echo "loadgen_vs_wrk: $v must be a positive integer" >&2; exit 2; }
done
[[ $DURATION =~ ^[0-9]+[sm]?$ ]] || { echo "loadgen_vs_wrk: DURATION must look like 10, 10s or 1m" >&2; exit 2; }
[[ $PATH_UNDER_TEST == /* ]] || { echo "loadgen_vs_wrk: PATH_UNDER_TEST must start with /" >&2; exit 2; }
[[ $DURATION =~ [sm]$ ]] || DURATION="${DURATION}s"
DURATION_S=${DURATION%[sm]}
[[ $DURATION == *m ]] && DURATION_S=$((DURATION_S * 60))
command -v wrk >/dev/null || die "wrk is not installed (Debian package 'wrk')"
[[ -x $FAULTLINE_BIN ]] || die "no faultline binary at $FAULTLINE_BIN (make build)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/faultline-vs-wrk.XXXXXX")"
PIDS=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

"$FAULTLINE_BIN" echo --listen 127.0.0.1:0 --threads "$ECHO_THREADS" 2>"$TMP/echo.log" &
PIDS+=($!)
PORT=""
for ((i = 0; i < 100; i++)); do
  PORT=$(grep -o 'echo listening on 127\.0\.0\.1:[0-9]*' "$TMP/echo.log" 2>/dev/null | head -1 | sed 's/.*://') || true
  [[ -n $PORT ]] && break
  sleep 0.1
done
[[ -n $PORT ]] || die "echo did not start: $(cat "$TMP/echo.log")"
URL="http://127.0.0.1:$PORT$PATH_UNDER_TEST"

# Each run is bounded: duration + 30 s.
run_faultline() {  # OUT
  timeout $((DURATION_S + 30)) "$FAULTLINE_BIN" bench "$URL" --connections "$CONNECTIONS" --threads 1 \
    --duration "$DURATION" --json "$1.json" >"$1.txt" 2>&1 || true
  python3 - "$1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
l = d["latency_seconds"]
print(f"{d['rps']:.0f} {l['p50'] * 1e3:.2f} {l['p99'] * 1e3:.2f} {d['errors']}")
PY
}
to_ms() {  # wrk latency like 1.23ms, 950.00us, 1.02s
  python3 - "$1" <<'PY'
import re, sys
m = re.match(r"([\d.]+)(us|ms|s)$", sys.argv[1])
print(f"{float(m.group(1)) * {'us': 1e-3, 'ms': 1.0, 's': 1e3}[m.group(2)]:.2f}")
PY
}
run_wrk() {  # OUT
  timeout $((DURATION_S + 30)) wrk --latency -t1 -c "$CONNECTIONS" -d "$DURATION" "$URL" >"$1.txt" 2>&1 || true
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1.txt")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$1.txt")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$1.txt")")
  errors=$(awk '/Non-2xx|Socket errors/ {n++} END {print n + 0}' "$1.txt")
  echo "$rps $p50 $p99 $errors"
}

log "warming up (2 s each)"
timeout 30 wrk -t1 -c "$CONNECTIONS" -d 2s "$URL" >/dev/null 2>&1 || true
timeout 30 "$FAULTLINE_BIN" bench "$URL" -c "$CONNECTIONS" -t 1 -d 2s >/dev/null 2>&1 || true

: >"$TMP/faultline.rows"
: >"$TMP/wrk.rows"
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS: faultline"
  run_faultline "$TMP/f$round" | tee -a "$TMP/faultline.rows" >&2
  log "round $round/$ROUNDS: wrk"
  run_wrk "$TMP/w$round" | tee -a "$TMP/wrk.rows" >&2
done

TABLE=$(python3 - "$TMP/faultline.rows" "$TMP/wrk.rows" <<'PY'
import statistics, sys
def rows(path):
    return [list(map(float, line.split())) for line in open(path) if line.strip()]
f, w = rows(sys.argv[1]), rows(sys.argv[2])
print("| round | faultline req/s | wrk req/s | faultline/wrk |")
print("| ---: | ---: | ---: | ---: |")
for i, (a, b) in enumerate(zip(f, w), 1):
    print(f"| {i} | {a[0]:.0f} | {b[0]:.0f} | {a[0] / b[0]:.2f} |")
mf, mw = statistics.median(r[0] for r in f), statistics.median(r[0] for r in w)
print()
print("| generator | median req/s | median p50 ms | median p99 ms | errors |")
print("| --- | ---: | ---: | ---: | ---: |")
print(f"| faultline bench | {mf:.0f} | {statistics.median(r[1] for r in f):.2f} | {statistics.median(r[2] for r in f):.2f} | {sum(r[3] for r in f):.0f} |")
print(f"| wrk | {mw:.0f} | {statistics.median(r[1] for r in w):.2f} | {statistics.median(r[2] for r in w):.2f} | {sum(r[3] for r in w):.0f} |")
print()
print(f"faultline/wrk (median req/s): {mf / mw:.2f}")
PY
)
OUT="# loadgen_vs_wrk $(date -u +%Y-%m-%dT%H:%M:%SZ)

command: \`$INVOKED\`  
reproduce: CONNECTIONS=$CONNECTIONS DURATION=$DURATION ROUNDS=$ROUNDS ECHO_THREADS=$ECHO_THREADS PATH_UNDER_TEST=$PATH_UNDER_TEST bench/loadgen_vs_wrk.sh  
runs: \`faultline bench URL --connections $CONNECTIONS --threads 1 --duration $DURATION\` and \`wrk --latency -t1 -c$CONNECTIONS -d$DURATION URL\`, interleaved  
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)  
versions: $("$FAULTLINE_BIN" version), $( { wrk -v 2>&1 || true; } | head -1 | cut -d" " -f1-2)

$TABLE"
echo "$OUT"
if [[ $RECORD == 1 ]]; then
  mkdir -p "$ROOT/bench/results"
  FILE="$ROOT/bench/results/loadgen_vs_wrk-$(date -u +%Y%m%d-%H%M%S).md"
  echo "$OUT" >"$FILE"
  log "recorded $FILE"
fi
