#!/usr/bin/env bash
# proxy_capacity.sh — two of the data path's goals, measured with faultline's own tools on
# loopback (127.0.0.1): bounded in time and count, every process stopped by PID.
#
#   delay:       a fixed 10 ms delay on every request at RATE req/s (open model) for
#                DURATION: the client-side p99 must stay within 10.5 ms (the delay plus
#                0.5 ms for the proxy, the upstream and the generator together). Beside it, in
#                interleaved rounds: the floor, the generator straight at the upstream's own
#                10 ms delay (`/delay/10`, no proxy), and a peer, HAProxy (nbthread 1) in
#                front of that delay. With 2+ cores the generator runs on cpu0, the proxies
#                and the upstream on cpu1 (taskset). Each target gets a warm-up run first.
#   connections: CONNS concurrent client connections (closed model), each in an upstream
#                request that takes 1 s: the proxy's peak RSS (VmHWM) must stay within 100 MiB.
#
# Usage: bench/proxy_capacity.sh [options]
#       --rate N           delay case: requests/s                 RATE=5000
#   -d, --duration D       length of each run (N, Ns)             DURATION=10s
#   -r, --rounds N         delay case: interleaved rounds         ROUNDS=3
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
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-9000}"
FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
RECORD="${RECORD:-0}"
while [[ $# -gt 0 ]]; do
  case $1 in
    --rate) need_arg "$@"; RATE=$2; shift 2 ;;
    -d|--duration) need_arg "$@"; DURATION=$2; shift 2 ;;
    -r|--rounds) need_arg "$@"; ROUNDS=$2; shift 2 ;;
    --connections) need_arg "$@"; CONNS=$2; shift 2 ;;
    --faultline-bin) need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --record) RECORD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$NAME: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -x $FAULTLINE_BIN ]] || die "no faultline binary at $FAULTLINE_BIN (make build)"
SECONDS_TOTAL=$(dur_to_s "$DURATION") || die "bad duration $DURATION"
is_uint "$ROUNDS" && [[ $ROUNDS -ge 1 ]] || die "ROUNDS must be an integer >= 1, got '$ROUNDS'"
GEN_PIN=() SERVER_PIN=() PLACEMENT="unpinned (1 core)"
if [[ $(nproc) -ge 2 ]]; then
  GEN_PIN=(taskset -c 0) SERVER_PIN=(taskset -c 1)
  PLACEMENT="delay case: generator on cpu0, proxy and upstream on cpu1 (taskset); connections case unpinned"
fi
# Each client connection needs an upstream one in the proxy: 2 descriptors per connection.
[[ $(ulimit -n) -ge $((2 * CONNS + 100)) ]] || ulimit -n $((2 * CONNS + 100)) 2>/dev/null ||
  die "open-file limit $(ulimit -n) is below the $((2 * CONNS + 100)) the connections case needs"

TMP=$(mktemp -d /tmp/faultline-capacity.XXXXXX)
trap cleanup EXIT INT TERM

start_echo() {
  read -r ECHO_PORT <<<"$(free_ports 1)"
  start echo "$TMP/echo.log" "${SERVER_PIN[@]}" "$FAULTLINE_BIN" echo --listen "127.0.0.1:$ECHO_PORT" --threads 1
  LAST_URL="http://127.0.0.1:$ECHO_PORT/"
}

# start_proxy_fn — a proxy in front of the echo server with PROFILE_TOML's faults, started
# under PROXY_PIN.
PROFILE_TOML=""
PROXY_PIN=()
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
  start faultline "$TMP/faultline.log" "${PROXY_PIN[@]}" "$FAULTLINE_BIN" proxy -c "$TMP/faultline.toml"
  LAST_URL="http://127.0.0.1:$ADMIN_PORT/healthz"
}

json_field() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {'r': r}))" "$@"; }

command -v haproxy >/dev/null 2>&1 || die "missing tool: haproxy (apt-get install haproxy)"
start_server echo start_echo
ECHO_PID=$LAST_PID

start_haproxy_fn() {
  read -r HAPROXY_PORT <<<"$(free_ports 1)"
  haproxy_http_config 1 "$HAPROXY_PORT" "$ECHO_PORT" >"$TMP/haproxy.cfg"
  start haproxy "$TMP/haproxy.log" "${SERVER_PIN[@]}" haproxy -db -f "$TMP/haproxy.cfg"
  LAST_URL="http://127.0.0.1:$HAPROXY_PORT/"
}

# ---- delay: 10 ms fixed on every request, open model ----
PROFILE_TOML='[faults]
active_profile = "slow"
[[faults.profiles.slow]]
name = "fixed 10ms"
probability = 1.0
delay = "10ms"'
PROXY_PIN=("${SERVER_PIN[@]}")
start_server faultline start_proxy_fn
PROXY_PID=$LAST_PID
start_server haproxy start_haproxy_fn
HAPROXY_PID=$LAST_PID
declare -A DELAY_URL=([faultline]="http://127.0.0.1:$PROXY_PORT/"
  [floor]="http://127.0.0.1:$ECHO_PORT/delay/10" [haproxy]="http://127.0.0.1:$HAPROXY_PORT/delay/10")
DELAY_TARGETS=(floor haproxy faultline)
# delay_run TARGET LABEL DURATION — the generator at RATE req/s; the JSON report in TMP/LABEL.json.
delay_run() {
  "${GEN_PIN[@]}" "$FAULTLINE_BIN" bench "${DELAY_URL[$1]}" --rate "$RATE" -c 1000 -d "$3" \
    --threads 1 --json "$TMP/$2.json" >"$TMP/$2.txt" 2>&1 || true
  [[ -s $TMP/$2.json ]] || die "the $1 run wrote no report: $(tail -n 3 "$TMP/$2.txt")"
}
for target in "${DELAY_TARGETS[@]}"; do delay_run "$target" "warmup-$target" 3s; done
ROUND_ROWS=""
for ((round = 1; round <= ROUNDS; round++)); do
  for target in "${DELAY_TARGETS[@]}"; do
    log "delay case, round $round/$ROUNDS, $target: $RATE req/s for $DURATION"
    delay_run "$target" "$target-$round" "$DURATION"
    ROUND_ROWS+="| $round | $target | $(json_field "$TMP/$target-$round.json" "'%d | %d | %.3f | %.3f | %.3f' % (r['requests'], r['errors'], r['latency_seconds']['p50']*1e3, r['latency_seconds']['p99']*1e3, r['latency_seconds']['p999']*1e3)") |"$'\n'
  done
done
# median_of TARGET EXPR — the median over rounds of EXPR (python, over the report r).
median_of() {
  local round
  for ((round = 1; round <= ROUNDS; round++)); do json_field "$TMP/$1-$round.json" "$2"; done | median
}
p50_ms="round(r['latency_seconds']['p50']*1e3, 3)" p99_ms="round(r['latency_seconds']['p99']*1e3, 3)"
p999_ms="round(r['latency_seconds']['p999']*1e3, 3)"
DELAY_P50=$(median_of faultline "$p50_ms") DELAY_P99=$(median_of faultline "$p99_ms")
DELAY_P999=$(median_of faultline "$p999_ms")
FLOOR_P50=$(median_of floor "$p50_ms") FLOOR_P99=$(median_of floor "$p99_ms")
FLOOR_P999=$(median_of floor "$p999_ms")
PEER_P50=$(median_of haproxy "$p50_ms") PEER_P99=$(median_of haproxy "$p99_ms")
PEER_P999=$(median_of haproxy "$p999_ms")
DELAY_REQ=$(median_of faultline "r['requests']") DELAY_ERR=$(median_of faultline "r['errors']")
stop_pids "$PROXY_PID" "$HAPROXY_PID"; forget_pid "$PROXY_PID"; forget_pid "$HAPROXY_PID"
PROXY_PIN=()

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
peer:      $(haproxy -v 2>/dev/null | head -1)
placement: $PLACEMENT
\`\`\`

| case | load | result | goal |
| --- | --- | --- | --- |
| fixed 10 ms delay | open model, $RATE req/s, $DURATION per run, medians of $ROUNDS rounds (a run: $DELAY_REQ requests, $DELAY_ERR errors) | p50 $DELAY_P50 ms, p99 $DELAY_P99 ms, p99.9 $DELAY_P999 ms | p99 ≤ 10.5 ms: $delay_ok |
| floor: the upstream's own 10 ms delay, no proxy | the same | p50 $FLOOR_P50 ms, p99 $FLOOR_P99 ms, p99.9 $FLOOR_P999 ms | — |
| peer: HAProxy in front of the upstream's 10 ms delay | the same | p50 $PEER_P50 ms, p99 $PEER_P99 ms, p99.9 $PEER_P999 ms | — |
| $CONNS connections | closed model, each request 1 s upstream, $DURATION ($CONN_REQ requests, $CONN_ERR errors, $CONN_RPS req/s) | proxy peak RSS $rss_mib MiB (VmHWM; $((RSS_BEFORE / 1024)) MiB idle, $((RSS_AFTER / 1024)) MiB after) | ≤ 100 MiB: $rss_ok |

The floor is what this machine and the generator give a 10 ms timer with no proxy in the
way; the peer adds a proxy's hop, in a second process on the upstream's core, and no timer
of its own. Above the floor at p99: faultline $(python3 -c "print(round($DELAY_P99 - $FLOOR_P99, 3))") ms, HAProxy $(python3 -c "print(round($PEER_P99 - $FLOOR_P99, 3))") ms.

| round | target | requests | errors | p50 ms | p99 ms | p99.9 ms |
| ---: | --- | ---: | ---: | ---: | ---: | ---: |
$ROUND_ROWS
MD
)
echo "$REPORT"
if [[ $RECORD == 1 ]]; then
  out="$ROOT/bench/results/proxy_capacity-$(date -u +%Y%m%d-%H%M%S).md"
  echo "$REPORT" >"$out"
  log "recorded $out"
fi
