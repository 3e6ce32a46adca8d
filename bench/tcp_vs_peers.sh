#!/usr/bin/env bash
# tcp_vs_peers.sh — faultline's TCP relay against HAProxy `mode tcp` and a direct connection:
# bulk throughput (iperf3, both directions, 1 and 4 streams), small request/response
# throughput (redis-benchmark GET), pgbench -S TPS, and the round-trip latency one client
# sees (redis-benchmark PING, one connection), also through a faultline proxy with a fixed
# `delay` on the server's answers: it must add that delay to each round trip, to ±0.5 ms at
# P99. Beside it, the floor: redis-server itself sleeping that long per round trip (DEBUG
# SLEEP), no proxy. Interleaved rounds, medians; CPU-seconds of each proxy from /proc.
# Loopback only (127.0.0.1). See bench/README.md.
#
# With 2+ cores the clients (iperf3 -c, redis-benchmark, pgbench) run on cpu0 and the
# upstreams (iperf3 -s, redis-server, PostgreSQL) and both proxies on cpu1 (taskset): a
# proxy's cost shows as lost throughput rather than as a fight with the client.
#
# Usage: bench/tcp_vs_peers.sh [options]          (every option also has an env variable)
#   -d, --duration D         each iperf3 and pgbench run (N, Ns, Nm)   DURATION=10s
#   -r, --rounds N           interleaved rounds (medians; use >= 3)    ROUNDS=3
#       --cases "C…"         bulk-up bulk-down bulk-up-p4 redis pgbench latency (all by default)
#       --redis-requests N   GETs per redis-benchmark run (-c 50)      REDIS_REQUESTS=200000
#       --pg-clients N       pgbench clients                           PG_CLIENTS=8
#       --latency-requests N PINGs per latency run (one connection)    LATENCY_REQUESTS=1000
#       --delay D            the faultline delay of the latency case   DELAY=10ms
#       --no-pin             do not pin (also the default on 1 core)   PIN=0
#       --faultline-bin F    faultline binary                          FAULTLINE_BIN=<repo>/build/app/faultline
#       --syscalls           after the rounds, strace -c on each proxy  SYSCALLS=1
#                            over one redis run: system calls per GET
#       --record             write bench/results/tcp_vs_peers-*.md     RECORD=1
#   -h, --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=tcp_vs_peers
INVOKED="$(printf '%q ' "$0" "$@")"
INVOKED="${INVOKED% }"
# shellcheck source=lib/bench_common.sh
source "$ROOT/bench/lib/bench_common.sh"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

ALL_CASES="bulk-up bulk-down bulk-up-p4 redis pgbench latency"
FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
CASES="${CASES:-$ALL_CASES}"
REDIS_REQUESTS="${REDIS_REQUESTS:-200000}"
PG_CLIENTS="${PG_CLIENTS:-8}"
LATENCY_REQUESTS="${LATENCY_REQUESTS:-1000}"
DELAY="${DELAY:-10ms}"
PIN="${PIN:-1}"
SYSCALLS="${SYSCALLS:-0}"
RECORD="${RECORD:-0}"

while [[ $# -gt 0 ]]; do
  case $1 in
    -d|--duration)      need_arg "$@"; DURATION=$2; shift 2 ;;
    -r|--rounds)        need_arg "$@"; ROUNDS=$2; shift 2 ;;
    --cases)            need_arg "$@"; CASES=$2; shift 2 ;;
    --redis-requests)   need_arg "$@"; REDIS_REQUESTS=$2; shift 2 ;;
    --pg-clients)       need_arg "$@"; PG_CLIENTS=$2; shift 2 ;;
    --latency-requests) need_arg "$@"; LATENCY_REQUESTS=$2; shift 2 ;;
    --delay)            need_arg "$@"; DELAY=$2; shift 2 ;;
    --no-pin)           PIN=0; shift ;;
    --faultline-bin)    need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --syscalls)         SYSCALLS=1; shift ;;
    --record)           RECORD=1; shift ;;
    -h|--help)          usage; exit 0 ;;
    *) echo "$NAME: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

# ---- validation ---------------------------------------------------------------------------
usage_error() { echo "$NAME: $*" >&2; exit 2; }
is_uint "$ROUNDS" && [[ $ROUNDS -ge 1 ]] || usage_error "ROUNDS must be >= 1, got '$ROUNDS'"
for n in REDIS_REQUESTS PG_CLIENTS LATENCY_REQUESTS; do
  is_uint "${!n}" && [[ ${!n} -ge 1 ]] || usage_error "$n must be an integer >= 1, got '${!n}'"
done
for c in $CASES; do [[ " $ALL_CASES " == *" $c "* ]] || usage_error "unknown case '$c' (cases: $ALL_CASES)"; done
DURATION_S=$(dur_to_s "$DURATION") && [[ $DURATION_S -ge 1 ]] || usage_error "DURATION must look like 10, 10s or 1m"
[[ $DELAY =~ ^([0-9]+)ms$ ]] || usage_error "DELAY must be whole milliseconds like 10ms, got '$DELAY'"
DELAY_MS=${BASH_REMATCH[1]}
DELAY_S=$(awk -v ms="$DELAY_MS" 'BEGIN { printf "%.3f", ms / 1000 }')
[[ -x $FAULTLINE_BIN ]] || die "faultline binary not found at $FAULTLINE_BIN (build it with 'make build')"
has_case() { [[ " $CASES " == *" $1 "* ]]; }
tools=(haproxy python3 pgrep taskset timeout getconf)
if has_case bulk-up || has_case bulk-down || has_case bulk-up-p4; then tools+=(iperf3); fi
if has_case redis || has_case latency; then tools+=(redis-server redis-benchmark); fi
if [[ $SYSCALLS == 1 ]]; then
  has_case redis || usage_error "--syscalls counts over a redis run: add the redis case"
  tools+=(strace)
fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (scripts/install-deps.sh installs haproxy iperf3 redis-server redis-tools postgresql)"
done
PG_BIN=""
if has_case pgbench; then
  PG_BIN=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")
  [[ -x $PG_BIN/initdb && -x $PG_BIN/postgres && -x $PG_BIN/pgbench ]] || die "PostgreSQL not found under /usr/lib/postgresql (apt-get install postgresql)"
fi
[[ $ROUNDS -ge 3 ]] || warn "ROUNDS=$ROUNDS: medians need at least 3 rounds to mean much"
if [[ $PIN == 1 && $(nproc) -lt 2 ]]; then warn "one core: not pinning"; PIN=0; fi
CLIENT_PIN=() SERVER_PIN=()
if [[ $PIN == 1 ]]; then CLIENT_PIN=(taskset -c 0); SERVER_PIN=(taskset -c 1); fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/faultline-tcp-bench.XXXXXX")"
chmod 755 "$TMP"  # PostgreSQL runs as its own user inside
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

started_or_die() {  # NAME RC
  [[ $2 -eq 0 ]] && return 0
  echo "$NAME: $1 did not start; last lines of its log:" >&2
  tail -n 20 "$LAST_LOG" >&2 || true
  exit 1
}

# ---- upstreams (cpu1) ---------------------------------------------------------------------
read -r P_IPERF P_REDIS P_PG P_HTTP P_ADMIN P_FL_BULK P_FL_REDIS P_FL_DELAY P_FL_PG P_HP_BULK P_HP_REDIS P_HP_PG \
  < <(free_ports 12)
if has_case bulk-up || has_case bulk-down || has_case bulk-up-p4; then
  start "iperf3 server" "$TMP/iperf3.log" "${SERVER_PIN[@]}" iperf3 -s -B 127.0.0.1 -p "$P_IPERF" --forceflush
  rc=0; wait_log "$LAST_PID" "$LAST_LOG" "Server listening" || rc=$?; started_or_die "iperf3 -s" $rc
fi
if has_case redis || has_case latency; then
  start "redis-server" "$TMP/redis.log" "${SERVER_PIN[@]}" redis-server --port "$P_REDIS" --bind 127.0.0.1 \
    --save "" --appendonly no --protected-mode no --enable-debug-command local
  rc=0; wait_port "$LAST_PID" "$P_REDIS" || rc=$?; started_or_die redis-server $rc
fi
if has_case pgbench; then
  as_pg=()
  if [[ $(id -u) -eq 0 ]]; then as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups); fi
  mkdir -p "$TMP/pg"
  [[ ${#as_pg[@]} -eq 0 ]] || chown postgres: "$TMP/pg"
  log "initdb (throwaway cluster in $TMP/pg)"
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$TMP/pg/data" -U postgres --auth=trust --no-sync >"$TMP/initdb.log" 2>&1 \
    || { tail -n 20 "$TMP/initdb.log" >&2; die "initdb failed"; }
  start "postgres" "$TMP/postgres.log" "${SERVER_PIN[@]}" "${as_pg[@]}" "$PG_BIN/postgres" -D "$TMP/pg/data" \
    -p "$P_PG" -k "$TMP/pg" -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
    -c max_connections=100
  rc=0; wait_port "$LAST_PID" "$P_PG" || rc=$?; started_or_die postgres $rc
  for ((i = 0; i < 50; i++)); do  # accepting TCP before it accepts logins
    "$PG_BIN/pgbench" -i -s 1 -q -h 127.0.0.1 -p "$P_PG" -U postgres postgres >"$TMP/pgbench-init.log" 2>&1 && break
    sleep 0.2
  done
  grep -q "done" "$TMP/pgbench-init.log" || { cat "$TMP/pgbench-init.log" >&2; die "pgbench -i failed"; }
fi

# ---- proxies (cpu1) -----------------------------------------------------------------------
# faultline: one worker thread; bulk, redis and postgres proxies have no rule; redis-delay
# has one, a fixed delay on what the server sends (stream downstream, the default).
cat >"$TMP/faultline.toml" <<EOF
[server]
listen = "127.0.0.1:$P_HTTP"
threads = 1

[admin]
listen = "127.0.0.1:$P_ADMIN"

[[tcp]]
name = "bulk"
listen = "127.0.0.1:$P_FL_BULK"
upstream = "127.0.0.1:$P_IPERF"

[[tcp]]
name = "redis"
listen = "127.0.0.1:$P_FL_REDIS"
upstream = "127.0.0.1:$P_REDIS"

[[tcp]]
name = "redis-delay"
listen = "127.0.0.1:$P_FL_DELAY"
upstream = "127.0.0.1:$P_REDIS"

[[tcp]]
name = "postgres"
listen = "127.0.0.1:$P_FL_PG"
upstream = "127.0.0.1:$P_PG"

[faults]
active_profile = "bench"

[[faults.profiles.bench]]
name = "delay"
match = { tcp = "redis-delay" }
delay = "$DELAY"
EOF
start "faultline" "$TMP/faultline.log" "${SERVER_PIN[@]}" "$FAULTLINE_BIN" proxy -c "$TMP/faultline.toml"
FL_PID=$LAST_PID
rc=0; wait_port "$FL_PID" "$P_FL_REDIS" || rc=$?; started_or_die faultline $rc

cat >"$TMP/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 8192

defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s

listen bulk
    bind 127.0.0.1:$P_HP_BULK
    server up 127.0.0.1:$P_IPERF

listen redis
    bind 127.0.0.1:$P_HP_REDIS
    server up 127.0.0.1:$P_REDIS

listen postgres
    bind 127.0.0.1:$P_HP_PG
    server up 127.0.0.1:$P_PG
EOF
start "haproxy" "$TMP/haproxy.log" "${SERVER_PIN[@]}" haproxy -db -f "$TMP/haproxy.cfg"
HP_PID=$LAST_PID
rc=0; wait_port "$HP_PID" "$P_HP_REDIS" || rc=$?; started_or_die haproxy $rc

declare -A PORT
PORT[bulk/direct]=$P_IPERF PORT[bulk/haproxy]=$P_HP_BULK PORT[bulk/faultline]=$P_FL_BULK
PORT[redis/direct]=$P_REDIS PORT[redis/haproxy]=$P_HP_REDIS PORT[redis/faultline]=$P_FL_REDIS
PORT[redis/faultline-delay]=$P_FL_DELAY
PORT[pg/direct]=$P_PG PORT[pg/haproxy]=$P_HP_PG PORT[pg/faultline]=$P_FL_PG
pid_of() { case $1 in haproxy) echo "$HP_PID" ;; faultline*) echo "$FL_PID" ;; *) echo "" ;; esac; }
PORT[redis/floor]=$P_REDIS
targets_of() { [[ $1 == latency ]] && echo "direct haproxy faultline faultline-delay floor" || echo "direct haproxy faultline"; }

# ---- header -------------------------------------------------------------------------------
first_line() { sed -n 1p; }
V_HAPROXY="$(haproxy -v 2>&1 | first_line | sed 's/ - https:.*//' || true)"
V_IPERF="$(iperf3 --version 2>&1 | first_line || true)"
V_REDIS="$(redis-server --version 2>&1 | first_line | sed 's/ sha=.*//' || true)"
V_PG="$([[ -n $PG_BIN ]] && "$PG_BIN/postgres" --version 2>&1 | first_line || echo 'not used')"
V_FAULTLINE="$("$FAULTLINE_BIN" version 2>&1 | first_line || true)"
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | first_line || true)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
PLACEMENT="unpinned"
[[ $PIN == 1 ]] && PLACEMENT="clients on cpu0; iperf3 -s, redis-server, postgres, haproxy, faultline on cpu1 (taskset)"
HEADER="$(cat <<EOF
date:        $DATE
command:     $INVOKED
faultline:   commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- . 2>/dev/null || echo " (with uncommitted changes)"), $FAULTLINE_BIN
reproduce:   DURATION=$DURATION ROUNDS=$ROUNDS CASES="$CASES" REDIS_REQUESTS=$REDIS_REQUESTS PG_CLIENTS=$PG_CLIENTS LATENCY_REQUESTS=$LATENCY_REQUESTS DELAY=$DELAY PIN=$PIN bench/tcp_vs_peers.sh
host:        nproc=$(nproc), cpu=${CPU_MODEL:-unknown}, kernel=$(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)
versions:    $V_FAULTLINE | $V_HAPROXY | $V_IPERF | $V_REDIS | $V_PG
proxies:     haproxy nbthread 1, mode tcp, defaults otherwise (no splice); faultline threads = 1,
             [[tcp]] proxies without rules, and redis-delay with delay = "$DELAY" (downstream)
placement:   $PLACEMENT
cases:       bulk-up: iperf3 -t $DURATION (client to server, 1 stream); bulk-down: the same with -R;
             bulk-up-p4: -P 4; redis: redis-benchmark -c 50 -n $REDIS_REQUESTS -t get;
             pgbench: pgbench -S -n -c $PG_CLIENTS -j 1 -T $DURATION_S (scale 1);
             latency: redis-benchmark -c 1 -n $LATENCY_REQUESTS -t ping_mbulk (one round trip each);
             its floor: redis-benchmark -c 1 -n $LATENCY_REQUESTS debug sleep $DELAY straight at redis-server
rounds:      $ROUNDS interleaved round(s) of every case x target; medians
EOF
)"
echo "== faultline tcp_vs_peers =="
echo "$HEADER"
echo

# ---- runs ---------------------------------------------------------------------------------
bounded() {  # SECONDS OUT CMD... — runs CMD pinned to the client CPU, bounded by timeout
  local secs=$1 out=$2
  shift 2
  timeout -k 5 "$secs" "${CLIENT_PIN[@]}" "$@" >"$out" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  local rc=0
  wait "$pid" || rc=$?
  forget_pid "$pid"
  return "$rc"
}
# run_case CASE TARGET OUT — runs the client (in this shell, so cleanup knows its PID) and
# writes "value p50 p99 units" to OUT.fig (NA where it has none); units is what the proxy's
# CPU is counted per: bytes, requests or transactions.
run_case() {
  local case=$1 target=$2 out=$3 port
  case $case in
    bulk-*)
      port=${PORT[bulk/$target]}
      local args=()
      [[ $case == bulk-down ]] && args+=(-R)
      [[ $case == bulk-up-p4 ]] && args+=(-P 4)
      bounded $((DURATION_S + 30)) "$out" iperf3 -c 127.0.0.1 -p "$port" -t "$DURATION_S" -J "${args[@]}" \
        || warn "iperf3 failed for $case/$target"
      python3 - "$out" >"$out.fig" <<'EOF'
import json, sys
try:
    end = json.load(open(sys.argv[1]))["end"]["sum_received"]
    print(f'{end["bits_per_second"] / 8e6:.1f} NA NA {end["bytes"]}')
except Exception:
    print("NA NA NA NA")
EOF
      ;;
    redis|latency)
      port=${PORT[redis/$target]}
      local args=(-c 50 -n "$REDIS_REQUESTS" -t get)
      [[ $case == latency ]] && args=(-c 1 -n "$LATENCY_REQUESTS" -t ping_mbulk)
      [[ $target == floor ]] && args=(-c 1 -n "$LATENCY_REQUESTS" debug sleep "$DELAY_S")
      bounded 300 "$out" redis-benchmark -h 127.0.0.1 -p "$port" --csv "${args[@]}" \
        || warn "redis-benchmark failed for $case/$target"
      # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      local n=$REDIS_REQUESTS
      [[ $case == latency ]] && n=$LATENCY_REQUESTS
      awk -F'"' -v n="$n" '$2 == "GET" || $2 == "PING_MBULK" || $2 ~ /^debug sleep/ { print $4, $10, $14, n; found = 1 }
                           END { if (!found) print "NA NA NA NA" }' "$out" >"$out.fig"
      ;;
    pgbench)
      port=${PORT[pg/$target]}
      bounded $((DURATION_S + 60)) "$out" "$PG_BIN/pgbench" -S -n -c "$PG_CLIENTS" -j 1 -T "$DURATION_S" \
        -h 127.0.0.1 -p "$port" -U postgres postgres || warn "pgbench failed for $case/$target"
      awk '/^latency average/ { lat = $4 } /^tps = / { tps = $3 } /^number of transactions actually processed/ { n = $NF }
           END { if (tps == "") print "NA NA NA NA"; else print tps, lat, "NA", n }' "$out" >"$out.fig"
      ;;
  esac
}
per_unit() {  # CASE TICKS UNITS -> proxy CPU-seconds per GB (bulk) or per 100k (others)
  awk -v c="$1" -v t="$2" -v n="$3" -v hz="$CLK_TCK" 'BEGIN {
    if (n == "NA" || n + 0 == 0 || t == "NA") { print "NA"; exit }
    if (c ~ /^bulk/) printf "%.3f\n", t / hz / (n / 1e9); else printf "%.3f\n", t / hz / n * 100000 }'
}

log "warming up (every target of every case once, shortly)"
for case in $CASES; do
  for t in $(targets_of "$case"); do
    case $case in
      bulk-*) [[ $case == bulk-up ]] || continue
              bounded 40 "$TMP/warm.txt" iperf3 -c 127.0.0.1 -p "${PORT[bulk/$t]}" -t 2 -J || true ;;
      redis) bounded 60 "$TMP/warm.txt" redis-benchmark -h 127.0.0.1 -p "${PORT[redis/$t]}" -c 50 -n 20000 -t get -q || true ;;
      pgbench) bounded 60 "$TMP/warm.txt" "$PG_BIN/pgbench" -S -n -c "$PG_CLIENTS" -j 1 -T 2 -h 127.0.0.1 -p "${PORT[pg/$t]}" -U postgres postgres || true ;;
    esac
  done
done

RAW="$TMP/raw.tsv"
: >"$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
  for case in $CASES; do
    for t in $(targets_of "$case"); do
      out="$TMP/run-$r-$case-$t.txt"
      pid=$(pid_of "$t")
      before=NA
      [[ -z $pid ]] || before=$(cpu_ticks "$pid")
      run_case "$case" "$t" "$out"
      read -r value p50 p99 units <"$out.fig"
      cpu=NA
      [[ -z $pid ]] || cpu=$(per_unit "$case" $(( $(cpu_ticks "$pid") - before )) "$units")
      printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\n' "$case" "$t" "$r" "$value" "$p50" "$p99" "$cpu" >>"$RAW"
      printf 'round %d/%d  %-10s %-15s %10s  p50/avg %8s ms  p99 %8s ms  proxy CPU %7s\n' \
        "$r" "$ROUNDS" "$case" "$t" "$value" "$p50" "$p99" "$cpu"
    done
  done
done
echo

# ---- summary ------------------------------------------------------------------------------
# shellcheck source=lib/tcp_summary.sh
source "$ROOT/bench/lib/tcp_summary.sh"
SUMMARY="$(tcp_summary)"
if [[ $SYSCALLS == 1 ]]; then
  # shellcheck source=lib/tcp_syscalls.sh
  source "$ROOT/bench/lib/tcp_syscalls.sh"
  SUMMARY+=$'\n\n'"$(tcp_syscall_table)"
fi
SUMMARY+=$'\n\n'"load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"$'\n'
echo "$SUMMARY"
echo "(medians over rounds; 'direct' is the client straight at the upstream; proxy CPU is utime + stime"
echo " from /proc/PID/stat over the run, per GB relayed or per 100,000 requests or transactions)"

if [[ $RECORD == 1 ]]; then
  mkdir -p "$ROOT/bench/results"
  md="$ROOT/bench/results/tcp_vs_peers-$(date +%Y%m%d-%H%M%S).md"
  {
    echo "# tcp_vs_peers — $DATE"
    echo
    echo '```'
    echo "$HEADER"
    echo '```'
    echo
    echo "$SUMMARY"
    echo "Medians over rounds; \`direct\` is the client straight at the upstream; proxy CPU is utime +"
    echo "stime from /proc/PID/stat over the run, per GB relayed or per 100,000 requests or transactions."
    echo
    echo "## Per round"
    echo
    echo "| case | target | round | value | p50 or avg ms | p99 ms | proxy CPU |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' -v OFS=' | ' '{ $1 = $1; print "| " $0 " |" }' "$RAW"
  } >"$md"
  echo
  echo "recorded: ${md#"$ROOT"/}"
fi
