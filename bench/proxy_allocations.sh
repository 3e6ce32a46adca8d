#!/usr/bin/env bash
# proxy_allocations.sh — heap allocations per proxied request, counted by heaptrack: faultline
# (one worker thread, no fault) between wrk and a `faultline echo` upstream, one heaptrack run
# per case (body size x connections), less a baseline run that only starts, answers one
# request and stops. What a case's connections cost once (their sessions, the upstream
# connections the pool opens) is counted in its figure too.
#
#   bench/proxy_allocations.sh [options]
#       -d, --duration D     wrk's run per case (default 5s)          DURATION=5s
#       -c, --connections L  connection counts (default "10 50 200")  CONNECTION_SET="10 50 200"
#       --sizes S            small and/or 64k (default both)          SIZES="small 64k"
#       --faultline-bin F    the binary measured                      FAULTLINE_BIN=build/app/faultline
#       --record             write bench/results/proxy_allocations-*.md RECORD=1
#   -h, --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=proxy_allocations
INVOKED="$(printf '%q ' "$0" "$@")"
INVOKED="${INVOKED% }"
# shellcheck source=lib/bench_common.sh
source "$ROOT/bench/lib/bench_common.sh"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
DURATION="${DURATION:-5s}"
CONNECTION_SET="${CONNECTION_SET:-10 50 200}"
SIZES="${SIZES:-small 64k}"
RECORD="${RECORD:-0}"

while [[ $# -gt 0 ]]; do
  case $1 in
    -d|--duration)    need_arg "$@"; DURATION=$2; shift 2 ;;
    -c|--connections) need_arg "$@"; CONNECTION_SET=$2; shift 2 ;;
    --sizes)          need_arg "$@"; SIZES=$2; shift 2 ;;
    --faultline-bin)  need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --record)         RECORD=1; shift ;;
    -h|--help)        usage; exit 0 ;;
    *) echo "$NAME: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

usage_error() { echo "$NAME: $*" >&2; exit 2; }
for c in $CONNECTION_SET; do is_uint "$c" && [[ $c -ge 1 ]] || usage_error "connection counts must be integers >= 1, got '$c'"; done
for s in $SIZES; do [[ $s == small || $s == 64k ]] || usage_error "sizes are 'small' and '64k', got '$s'"; done
dur_to_s "$DURATION" >/dev/null || usage_error "DURATION must look like 5, 5s or 1m"
[[ -x $FAULTLINE_BIN ]] || die "faultline binary not found at $FAULTLINE_BIN (build it with 'make build')"
for tool in heaptrack heaptrack_print wrk curl python3; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (apt-get install heaptrack wrk curl python3)"
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/faultline-allocations.XXXXXX")"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r P_UP P_FL P_ADMIN < <(free_ports 3)
start "echo upstream" "$TMP/echo.log" "$FAULTLINE_BIN" echo --listen "127.0.0.1:$P_UP" --threads 1
wait_http "$LAST_PID" "http://127.0.0.1:$P_UP/" || die "the echo upstream did not start"
cat >"$TMP/faultline.toml" <<EOF
[server]
listen = "127.0.0.1:$P_FL"
threads = 1

[admin]
listen = "127.0.0.1:$P_ADMIN"

[[routes]]
name = "upstream"
path_prefix = "/"
upstream = "http://127.0.0.1:$P_UP"
EOF

# measured_run LABEL [WRK ARGS...] — faultline under heaptrack, wrk's load if given; prints
# "allocations requests".
measured_run() {
  local label=$1 requests=0
  shift
  start "faultline under heaptrack ($label)" "$TMP/faultline-$label.log" \
    heaptrack -o "$TMP/heaptrack-$label" "$FAULTLINE_BIN" proxy -c "$TMP/faultline.toml"
  local pid=$LAST_PID
  wait_http "" "http://127.0.0.1:$P_FL/" || die "faultline did not start under heaptrack"
  if [[ $# -gt 0 ]]; then
    wrk "$@" >"$TMP/wrk-$label.txt" 2>&1 || die "wrk failed: $(tail -n 3 "$TMP/wrk-$label.txt")"
    requests=$(parse_wrk "$TMP/wrk-$label.txt" | awk '{ print $4 }')
  fi
  # heaptrack is a script: stop the binary it runs (a process name is at most 15 characters).
  kill -TERM "$(pgrep -P "$pid" -x "$(basename "$FAULTLINE_BIN" | cut -c 1-15)" || echo "$pid")" \
    2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
  local allocations
  allocations=$(heaptrack_print -f "$TMP"/heaptrack-"$label".*zst 2>/dev/null |
    awk '/^calls to allocation functions:/ { print $5 }')
  [[ -n $allocations ]] || die "no heaptrack figures for $label (see $TMP/faultline-$label.log)"
  echo "$allocations $((requests + 1))"  # wait_http's request counts too
}

read -r BASE_ALLOCATIONS BASE_REQUESTS < <(measured_run baseline)
log "baseline: $BASE_ALLOCATIONS allocations for start-up, $BASE_REQUESTS request and shutdown"

ROWS=""
for size in $SIZES; do
  path=/
  [[ $size == 64k ]] && path=/bytes/65536
  for c in $CONNECTION_SET; do
    read -r allocations requests < <(measured_run "$size-c$c" -t 1 -c "$c" -d "$DURATION" \
      --latency "http://127.0.0.1:$P_FL$path")
    per=$(awk -v a="$allocations" -v b="$BASE_ALLOCATIONS" -v r="$requests" \
      'BEGIN { printf "%.3f", (a - b) / r }')
    log "$size c$c: $allocations allocations, $requests requests: $per per request"
    ROWS+="| $size | $c | $requests | $allocations | $per |"$'\n'
  done
done

REPORT="# proxy_allocations — $(date -u +%Y-%m-%dT%H:%M:%SZ)

\`\`\`
command:   $INVOKED
host:      nproc=$(nproc), kernel=$(uname -r)
faultline: $("$FAULTLINE_BIN" version 2>&1 | head -n 1 || true) (checkout at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo NA))
upstream:  faultline echo --threads 1; proxy threads = 1, no fault; generator: wrk -t1
baseline:  $BASE_ALLOCATIONS allocations (start-up, one request, shutdown), taken off each case
\`\`\`

| body | connections | requests | allocations (heaptrack) | per request |
| --- | ---: | ---: | ---: | ---: |
$ROWS"
echo "$REPORT"
if [[ $RECORD == 1 ]]; then
  out="$ROOT/bench/results/proxy_allocations-$(date -u +%Y%m%d-%H%M%S).md"
  echo "$REPORT" >"$out"
  log "recorded $out"
fi
