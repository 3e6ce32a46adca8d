#!/usr/bin/env bash
# loadgen_soak.sh — a long open-model run of `faultline bench` against `faultline echo`,
# sampling the generator's resident memory (VmRSS) every few seconds. It shows that a soak
# keeps RSS flat (HDR histograms and per-interval summaries, never a list of samples).
# Loopback only (127.0.0.1). See bench/README.md.
#
# Usage: bench/loadgen_soak.sh [options]        (every option also has an env variable)
#   -r, --rate R           requests/s                            RATE=2000
#   -d, --duration D       length of the run (Ns, Nm)            DURATION=10m
#   -i, --interval D       bench report interval                 INTERVAL=10s
#   -s, --sample N         seconds between RSS samples           SAMPLE=10
#       --path P           request path                          PATH_UNDER_TEST=/
#       --faultline-bin F  faultline binary                      FAULTLINE_BIN=<repo>/build/app/faultline
#       --record           write bench/results/loadgen_soak-*.md RECORD=1
#   -h, --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INVOKED="$(printf '%q ' "$0" "$@")"
INVOKED="${INVOKED% }"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "loadgen_soak: error: $*" >&2; exit 1; }

FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
RATE="${RATE:-2000}"
DURATION="${DURATION:-10m}"
INTERVAL="${INTERVAL:-10s}"
SAMPLE="${SAMPLE:-10}"
PATH_UNDER_TEST="${PATH_UNDER_TEST:-/}"
RECORD="${RECORD:-0}"

need_arg() { [[ $# -ge 2 && -n $2 ]] || { echo "loadgen_soak: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case $1 in
    -r|--rate)        need_arg "$@"; RATE=$2; shift 2 ;;
    -d|--duration)    need_arg "$@"; DURATION=$2; shift 2 ;;
    -i|--interval)    need_arg "$@"; INTERVAL=$2; shift 2 ;;
    -s|--sample)      need_arg "$@"; SAMPLE=$2; shift 2 ;;
    --path)           need_arg "$@"; PATH_UNDER_TEST=$2; shift 2 ;;
    --faultline-bin)  need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --record)         RECORD=1; shift ;;
    -h|--help)        usage; exit 0 ;;
    *) echo "loadgen_soak: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ $RATE =~ ^[0-9]+$ && $RATE -ge 1 ]] || { echo "loadgen_soak: RATE must be a positive integer" >&2; exit 2; }
[[ $SAMPLE =~ ^[0-9]+$ && $SAMPLE -ge 1 ]] || { echo "loadgen_soak: SAMPLE must be a positive integer" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+[sm]$ ]] || { echo "loadgen_soak: DURATION must look like 90s or 10m" >&2; exit 2; }
[[ -x $FAULTLINE_BIN ]] || die "no faultline binary at $FAULTLINE_BIN (make build)"
DURATION_S=${DURATION%[sm]}
[[ $DURATION == *m ]] && DURATION_S=$((DURATION_S * 60))

TMP="$(mktemp -d "${TMPDIR:-/tmp}/faultline-soak.XXXXXX")"
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

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# The upstream, on an ephemeral port read from its log.
"$FAULTLINE_BIN" echo --listen 127.0.0.1:0 --threads 1 2>"$TMP/echo.log" &
PIDS+=($!)
PORT=""
for ((i = 0; i < 100; i++)); do
  PORT=$(grep -o 'echo listening on 127\.0\.0\.1:[0-9]*' "$TMP/echo.log" 2>/dev/null | head -1 | sed 's/.*://') || true
  [[ -n $PORT ]] && break
  sleep 0.1
done
[[ -n $PORT ]] || die "echo did not start: $(cat "$TMP/echo.log")"

BENCH_CMD=("$FAULTLINE_BIN" bench "http://127.0.0.1:$PORT$PATH_UNDER_TEST" --rate "$RATE" --duration "$DURATION"
           --interval "$INTERVAL" --json "$TMP/report.json")
echo "loadgen_soak: ${BENCH_CMD[*]}" >&2
"${BENCH_CMD[@]}" >"$TMP/report.txt" 2>"$TMP/bench.err" &
BENCH_PID=$!
PIDS+=("$BENCH_PID")

# RSS samples until the run ends (bounded: duration + 60 s).
START=$(date +%s)
printf '%s %s\n' "seconds" "rss_kib" >"$TMP/rss.txt"
while kill -0 "$BENCH_PID" 2>/dev/null; do
  NOW=$(date +%s)
  (( NOW - START > DURATION_S + 60 )) && die "bench did not finish in time"
  printf '%s %s\n' "$((NOW - START))" "$(rss_kib "$BENCH_PID")" >>"$TMP/rss.txt"
  sleep "$SAMPLE"
done
wait "$BENCH_PID" || echo "loadgen_soak: bench exited with $?" >&2

SUMMARY=$(python3 - "$TMP/rss.txt" "$TMP/report.json" <<'PY'
import json, sys
rows = [line.split() for line in open(sys.argv[1]).read().splitlines()[1:]]
rows = [(int(s), int(r)) for s, r in rows if int(r) > 0]
report = json.load(open(sys.argv[2]))
print("| seconds | RSS (MiB) |")
print("| ---: | ---: |")
for s, r in rows:
    print(f"| {s} | {r / 1024:.1f} |")
if rows:
    warm = [r for s, r in rows if s >= 30] or [r for _, r in rows]
    print(f"\nRSS after warm-up (t >= 30 s): min {min(warm) / 1024:.1f} MiB, max {max(warm) / 1024:.1f} MiB, "
          f"last {rows[-1][1] / 1024:.1f} MiB; first sample {rows[0][1] / 1024:.1f} MiB.")
print(f"\nrequests {report['requests']}, errors {report['errors']}, rps {report['rps']:.1f}, "
      f"p50 {report['latency_seconds']['p50'] * 1e3:.2f} ms, p99 {report['latency_seconds']['p99'] * 1e3:.2f} ms, "
      f"max {report['latency_seconds']['max'] * 1e3:.2f} ms")
if "drift" in report:
    d = report["drift"]
    print(f"drift: p99 {d['p99_first_seconds'] * 1e3:.2f} ms -> {d['p99_last_seconds'] * 1e3:.2f} ms, "
          f"errors {d['error_rate_first']:.4%} -> {d['error_rate_last']:.4%}")
PY
)
HEADER="# loadgen_soak $(date -u +%Y-%m-%dT%H:%M:%SZ)

command: \`$INVOKED\`  
bench: \`faultline bench http://127.0.0.1:PORT$PATH_UNDER_TEST --rate $RATE --duration $DURATION --interval $INTERVAL\`  
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
OUT="$HEADER

$SUMMARY

\`\`\`
$(cat "$TMP/report.txt")
\`\`\`"
echo "$OUT"
if [[ $RECORD == 1 ]]; then
  mkdir -p "$ROOT/bench/results"
  FILE="$ROOT/bench/results/loadgen_soak-$(date -u +%Y%m%d-%H%M%S).md"
  echo "$OUT" >"$FILE"
  echo "loadgen_soak: recorded $FILE" >&2
fi
