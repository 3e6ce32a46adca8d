#!/usr/bin/env bash
# proxy_capacity.sh — two of the data path's goals, measured with faultline's own tools on
# loopback (127.0.0.1): bounded in time and count, every process stopped by PID.
#
#   delay:       a fixed 10 ms delay on every request at RATE req/s (open model) for
#                DURATION: the client-side p99 must stay within 10.5 ms (the delay plus
#                0.5 ms for the proxy, the upstream and the generator together).
#   connections: CONNS concurrent client connections (closed model), each in an upstream
#                request that takes 1 s: the proxy's peak RSS (VmHWM) must stay within 100 MiB.
#
# Usage: bench/proxy_capacity.sh [options]
#       --rate N           delay case: requests/s                 RATE=5000
#   -d, --duration D       length of each run (N, Ns)             DURATION=10s
#       --connections N    connections case: client connections   CONNS=9000
#       --faultline-bin F  faultline binary                       FAULTLINE_BIN=<repo>/build/app/faultline
#       --record           write bench/results/proxy_capacity-*.md RECORD=1
#   -h, --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=proxy_capacity
# shellcheck source=bench/lib/bench_common.sh
source "$ROOT/bench/lib/bench_common.sh"
INVOKED="$(printf '%q ' "$0" "$@")"
INVOKED="${INVOKED% }"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

RATE="${RATE:-5000}"
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-9000}"
FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
RECORD="${RECORD:-0}"
while [[ $# -gt 0 ]]; do
  case $1 in
    --rate) need_arg "$@"; RATE=$2; shift 2 ;;
    -d|--duration) need_arg "$@"; DURATION=$2; shift 2 ;;
    --connections) need_arg "$@"; CONNS=$2; shift 2 ;;
    --faultline-bin) need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --record) RECORD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$NAME: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -x $FAULTLINE_BIN ]] || die "no faultline binary at $FAULTLINE_BIN (make build)"
SECONDS_TOTAL=$(dur_to_s "$DURATION") || die "bad duration $DURATION"
# Each client connection needs an upstream one in the proxy: 2 descriptors per connection.
[[ $(ulimit -n) -ge $((2 * CONNS + 100)) ]] || ulimit -n $((2 * CONNS + 100)) 2>/dev/null ||
  die "open-file limit $(ulimit -n) is below the $((2 * CONNS + 100)) the connections case needs"

TMP=$(mktemp -d /tmp/faultline-capacity.XXXXXX)
trap cleanup EXIT INT TERM

start_echo() {
  read -r ECHO_PORT <<<"$(free_ports 1)"
  start echo "$TMP/echo.log" "$FAULTLINE_BIN" echo --listen "127.0.0.1:$ECHO_PORT" --threads 1
  LAST_URL="http://127.0.0.1:$ECHO_PORT/"
}

# start_proxy PROFILE_TOML — a proxy in front of the echo server with the given faults.
PROFILE_TOML=""
start_proxy_fn() {
  read -r PROXY_PORT ADMIN_PORT <<<"$(free_ports 2)"
  cat >"$TMP/faultline.toml" <<TOML
[server]
listen = "127.0.0.1:$PROXY_PORT"
threads = 1
max_body_bytes = "1MiB"
[admin]
listen = "127.0.0.1:$ADMIN_PORT"
[[routes]]
name = "all"
path_prefix = "/"
upstream = "http://127.0.0.1:$ECHO_PORT"
$PROFILE_TOML
TOML
  start faultline "$TMP/faultline.log" "$FAULTLINE_BIN" proxy -c "$TMP/faultline.toml"
  LAST_URL="http://127.0.0.1:$ADMIN_PORT/healthz"
}

json_field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'r': r}))" "$@"; }

start_server echo start_echo
ECHO_PID=$LAST_PID

# ---- delay: 10 ms fixed on every request, open model ----
PROFILE_TOML='[faults]
active_profile = "slow"
[[faults.profiles.slow]]
name = "fixed 10ms"
probability = 1.0
delay = "10ms"'
start_server faultline start_proxy_fn
PROXY_PID=$LAST_PID
log "delay case: $RATE req/s for $DURATION through a fixed 10 ms delay"
"$FAULTLINE_BIN" bench "http://127.0.0.1:$PROXY_PORT/" --rate "$RATE" -c 1000 -d "$DURATION" \
  --threads 1 --json "$TMP/delay.json" >"$TMP/delay.txt" 2>&1 || true
DELAY_P50=$(json_field "$TMP/delay.json" "round(r['latency_seconds']['p50']*1e3, 3)")
DELAY_P99=$(json_field "$TMP/delay.json" "round(r['latency_seconds']['p99']*1e3, 3)")
DELAY_P999=$(json_field "$TMP/delay.json" "round(r['latency_seconds']['p999']*1e3, 3)")
DELAY_REQ=$(json_field "$TMP/delay.json" "r['requests']")
DELAY_ERR=$(json_field "$TMP/delay.json" "r['errors']")
DELAY_RPS=$(json_field "$TMP/delay.json" "round(r['rps'])")
stop_pids "$PROXY_PID"; forget_pid "$PROXY_PID"

# ---- connections: CONNS clients, each in a 1 s upstream request ----
PROFILE_TOML=""
start_server faultline start_proxy_fn
PROXY_PID=$LAST_PID
RSS_BEFORE=$(awk '/VmRSS/ {print $2}' "/proc/$PROXY_PID/status")
log "connections case: $CONNS connections, each in a 1 s upstream request, for $DURATION"
"$FAULTLINE_BIN" bench "http://127.0.0.1:$PROXY_PORT/delay/1000" -c "$CONNS" -d "$DURATION" \
  --threads 2 --timeout 30s --json "$TMP/conns.json" >"$TMP/conns.txt" 2>&1 || true
PEAK_KIB=$(awk '/VmHWM/ {print $2}' "/proc/$PROXY_PID/status")
RSS_AFTER=$(awk '/VmRSS/ {print $2}' "/proc/$PROXY_PID/status")
CONN_REQ=$(json_field "$TMP/conns.json" "r['requests']")
CONN_ERR=$(json_field "$TMP/conns.json" "r['errors']")
CONN_RPS=$(json_field "$TMP/conns.json" "round(r['rps'])")
stop_pids "$PROXY_PID"; forget_pid "$PROXY_PID"

delay_ok=$(python3 -c "print('met' if $DELAY_P99 <= 10.5 else 'not met')")
rss_mib=$(python3 -c "print(round($PEAK_KIB / 1024, 1))")
rss_ok=$(python3 -c "print('met' if $PEAK_KIB <= 100 * 1024 else 'not met')")
REPORT=$(cat <<MD
# proxy_capacity — $(date -u +%Y-%m-%dT%H:%M:%SZ)

\`\`\`
command:   $INVOKED
host:      nproc=$(nproc), kernel=$(uname -r)
faultline: $("$FAULTLINE_BIN" version 2>/dev/null | head -1)
upstream:  faultline echo --threads 1; proxy threads = 1; generator: faultline bench
\`\`\`

| case | load | result | goal |
| --- | --- | --- | --- |
| fixed 10 ms delay | open model, $RATE req/s, $DURATION ($DELAY_REQ requests, $DELAY_ERR errors, $DELAY_RPS req/s) | p50 $DELAY_P50 ms, p99 $DELAY_P99 ms, p99.9 $DELAY_P999 ms | p99 ≤ 10.5 ms: $delay_ok |
| $CONNS connections | closed model, each request 1 s upstream, $DURATION ($CONN_REQ requests, $CONN_ERR errors, $CONN_RPS req/s) | proxy peak RSS $rss_mib MiB (VmHWM; $((RSS_BEFORE / 1024)) MiB idle, $((RSS_AFTER / 1024)) MiB after) | ≤ 100 MiB: $rss_ok |
MD
)
echo "$REPORT"
if [[ $RECORD == 1 ]]; then
  out="$ROOT/bench/results/proxy_capacity-$(date -u +%Y%m%d-%H%M%S).md"
  echo "$REPORT" >"$out"
  log "recorded $out"
fi
