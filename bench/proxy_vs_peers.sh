#!/usr/bin/env bash
# proxy_vs_peers.sh — faultline's reverse proxy against nginx and HAProxy: same upstream, same
# load, interleaved rounds, small and 64 KiB bodies, two connection counts; requests/s,
# latency, CPU-seconds per 100k requests of every proxy (and of the upstream), and the
# upstream connections each run opened. Loopback only (127.0.0.1). See bench/README.md.
#
# With 2+ cores, wrk runs on cpu0 and the upstream and the one-thread proxies on cpu1
# (taskset), so a proxy's cost shows as lost requests/s rather than as a fight with wrk. A
# second group, faultline `threads = 2` and HAProxy `nbthread 2`, runs unpinned.
#
# Usage: bench/proxy_vs_peers.sh [options]        (every option also has an env variable)
#   -d, --duration D       each measured wrk run (N, Ns, Nm)      DURATION=10s
#   -r, --rounds N         interleaved rounds (medians; use >= 3) ROUNDS=3
#   -c, --connections "N…" wrk connection counts                  CONNECTION_SET="50 200"
#       --sizes "S…"       bodies: small (2 bytes), 64k (65536)   SIZES="small 64k"
#       --upstream U       nginx (static, default) or echo        UPSTREAM=nginx
#       --warmup D         warm-up per target and size            WARMUP=2s
#       --wrk-threads N    wrk threads                            WRK_THREADS=1
#       --no-pin           do not pin (also the default on 1 core) PIN=0
#       --no-two-threads   skip the threads = 2 group             TWO_THREADS=0
#       --tls              TLS on both sides, one ECDSA P-256 cert TLS=1 (HAProxy only: no nginx)
#       --faultline-bin F  faultline binary                       FAULTLINE_BIN=<repo>/build/app/faultline
#       --syscalls D       then, per size at the first connection count, wrk for D with
#                          strace -c on each one-thread proxy: syscalls per request  SYSCALLS=0 (off)
#       --record           write bench/results/proxy_vs_peers-*.md RECORD=1
#   -h, --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME=proxy_vs_peers
INVOKED="$(printf '%q ' "$0" "$@")"
INVOKED="${INVOKED% }"
# shellcheck source=lib/bench_common.sh
source "$ROOT/bench/lib/bench_common.sh"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
CONNECTION_SET="${CONNECTION_SET:-50 200}"
SIZES="${SIZES:-small 64k}"
UPSTREAM="${UPSTREAM:-nginx}"
WARMUP="${WARMUP:-2s}"
WRK_THREADS="${WRK_THREADS:-1}"
PIN="${PIN:-1}"
TWO_THREADS="${TWO_THREADS:-1}"
RECORD="${RECORD:-0}"
TLS="${TLS:-0}"
SYSCALLS="${SYSCALLS:-0}"

while [[ $# -gt 0 ]]; do
  case $1 in
    -d|--duration)    need_arg "$@"; DURATION=$2; shift 2 ;;
    -r|--rounds)      need_arg "$@"; ROUNDS=$2; shift 2 ;;
    -c|--connections) need_arg "$@"; CONNECTION_SET=$2; shift 2 ;;
    --sizes)          need_arg "$@"; SIZES=$2; shift 2 ;;
    --upstream)       need_arg "$@"; UPSTREAM=$2; shift 2 ;;
    --warmup)         need_arg "$@"; WARMUP=$2; shift 2 ;;
    --wrk-threads)    need_arg "$@"; WRK_THREADS=$2; shift 2 ;;
    --no-pin)         PIN=0; shift ;;
    --no-two-threads) TWO_THREADS=0; shift ;;
    --tls)            TLS=1; shift ;;
    --faultline-bin)  need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --syscalls)       need_arg "$@"; SYSCALLS=$2; shift 2 ;;
    --record)         RECORD=1; shift ;;
    -h|--help)        usage; exit 0 ;;
    *) echo "$NAME: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

# ---- validation ---------------------------------------------------------------------------
usage_error() { echo "$NAME: $*" >&2; exit 2; }
is_uint "$ROUNDS" && [[ $ROUNDS -ge 1 ]] || usage_error "ROUNDS must be >= 1, got '$ROUNDS'"
is_uint "$WRK_THREADS" && [[ $WRK_THREADS -ge 1 ]] || usage_error "WRK_THREADS must be >= 1"
for c in $CONNECTION_SET; do
  is_uint "$c" && [[ $c -ge $WRK_THREADS ]] || usage_error "connection counts must be integers >= WRK_THREADS, got '$c'"
done
for s in $SIZES; do [[ $s == small || $s == 64k ]] || usage_error "sizes are 'small' and '64k', got '$s'"; done
[[ $UPSTREAM == nginx || $UPSTREAM == echo ]] || usage_error "UPSTREAM must be nginx or echo"
[[ $TLS == 0 || $UPSTREAM == nginx ]] || usage_error "TLS=1 needs UPSTREAM=nginx"
DURATION_S=$(dur_to_s "$DURATION") && [[ $DURATION_S -ge 1 ]] || usage_error "DURATION must look like 10, 10s or 1m"
WARMUP_S=$(dur_to_s "$WARMUP") || usage_error "WARMUP must look like 2, 2s or 1m"
SYSCALLS_S=$(dur_to_s "$SYSCALLS") || usage_error "SYSCALLS must be 0 (off) or look like 3, 3s or 1m"
[[ $SYSCALLS_S == 0 ]] || command -v strace >/dev/null 2>&1 || die "missing tool: strace (apt-get install strace)"
[[ -x $FAULTLINE_BIN ]] || die "faultline binary not found at $FAULTLINE_BIN (build it with 'make build')"
for tool in nginx haproxy wrk curl python3 pgrep taskset timeout getconf; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool (apt-get install nginx-light haproxy wrk curl python3 procps util-linux coreutils)"
done
[[ $ROUNDS -ge 3 ]] || warn "ROUNDS=$ROUNDS: medians need at least 3 rounds to mean much"
if [[ $PIN == 1 && $(nproc) -lt 2 ]]; then warn "one core: not pinning"; PIN=0; fi
WRK_PIN=() SERVER_PIN=()
if [[ $PIN == 1 ]]; then WRK_PIN=(taskset -c 0); SERVER_PIN=(taskset -c 1); fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/faultline-bench.XXXXXX")"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# shellcheck source=lib/bench_tls.sh
source "$ROOT/bench/lib/bench_tls.sh"

declare -A PORT PID_OF
TARGETS=(direct)
path_of() { [[ $1 == small ]] && echo / || echo /bytes/65536; }

# ---- upstream -----------------------------------------------------------------------------
mkdir -p "$TMP/www/bytes" "$TMP/nginx-up" "$TMP/nginx"
head -c 65536 /dev/zero | tr '\0' 'a' >"$TMP/www/bytes/65536"
NGINX_USER=""
if [[ $(id -u) -eq 0 ]]; then NGINX_USER="user $(id -un);"; fi  # else workers would run as nobody
nginx_temp_paths() {  # DIR — nginx wants writable temp paths for every module it has
  local paths="client_body_temp_path $1/body; proxy_temp_path $1/proxy;" m
  for m in fastcgi scgi uwsgi; do
    [[ $(nginx -V 2>&1) == *"--without-http_${m}_module"* ]] || paths+=" ${m}_temp_path $1/$m;"
  done
  echo "$paths"
}
launch_upstream_nginx() {
  P_UP=$(free_ports 1)
  cat >"$TMP/nginx-up.conf" <<EOF
$NGINX_USER
daemon off;
worker_processes 1;
pid $TMP/nginx-up.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    $(nginx_temp_paths "$TMP/nginx-up")
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$P_UP $NGINX_UP_TLS;
        root $TMP/www;
        location = / { default_type text/plain; return 200 "ok"; }
        location = /nginx_status { stub_status; }
        location /bytes/ { default_type application/octet-stream; }
    }
}
EOF
  start "nginx upstream" "$TMP/nginx-up.log" "${SERVER_PIN[@]}" nginx -p "$TMP/nginx-up" -c "$TMP/nginx-up.conf" -e stderr
  LAST_URL="$SCHEME://127.0.0.1:$P_UP/bytes/65536"
}
launch_upstream_echo() {
  P_UP=$(free_ports 1)
  start "echo upstream" "$TMP/echo.log" "${SERVER_PIN[@]}" "$FAULTLINE_BIN" echo --listen "127.0.0.1:$P_UP" --threads 1
  LAST_URL="http://127.0.0.1:$P_UP/bytes/65536"
}
start_server "upstream" "launch_upstream_$UPSTREAM"
UP_PID=$LAST_PID
PORT[direct]=$P_UP
# Connections the upstream accepted so far (nginx's stub_status; NA for the echo upstream).
upstream_accepts() {
  [[ $UPSTREAM == nginx ]] || { echo NA; return; }
  curl -kfsS --max-time 2 "$SCHEME://127.0.0.1:$P_UP/nginx_status" 2>/dev/null | awk 'NR == 3 { print $1 }' || echo NA
}

# ---- proxies ------------------------------------------------------------------------------
# launch_faultline_N — faultline with N worker threads (pinned when N is 1).
launch_faultline() {
  local threads=$1 pin=("${@:2}")
  read -r P_FL P_FL_ADMIN < <(free_ports 2)
  cat >"$TMP/faultline-$threads.toml" <<EOF
[server]
listen = "127.0.0.1:$P_FL"
threads = $threads
$FAULTLINE_LISTEN_TLS

[admin]
listen = "127.0.0.1:$P_FL_ADMIN"

[[routes]]
name = "upstream"
path_prefix = "/"
upstream = "$SCHEME://127.0.0.1:$P_UP"
$FAULTLINE_ROUTE_TLS
EOF
  start "faultline (threads $threads)" "$TMP/faultline-$threads.log" "${pin[@]}" "$FAULTLINE_BIN" proxy -c "$TMP/faultline-$threads.toml"
  LAST_URL="$SCHEME://127.0.0.1:$P_FL/"
}
launch_faultline_1() { launch_faultline 1 "${SERVER_PIN[@]}"; }
launch_faultline_2() { launch_faultline 2; }

launch_nginx() {
  P_NGINX=$(free_ports 1)
  cat >"$TMP/nginx.conf" <<EOF
$NGINX_USER
daemon off;
master_process on;
worker_processes 1;
pid $TMP/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
    access_log off;
    $(nginx_temp_paths "$TMP/nginx")
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    upstream up {
        server 127.0.0.1:$P_UP;
        keepalive 1024;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$P_NGINX;
        location / {
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
  start "nginx" "$TMP/nginx.log" "${SERVER_PIN[@]}" nginx -p "$TMP/nginx" -c "$TMP/nginx.conf" -e stderr
  LAST_URL="http://127.0.0.1:$P_NGINX/"
}

launch_haproxy() {
  local threads=$1 pin=("${@:2}")
  P_HAPROXY=$(free_ports 1)
  haproxy_http_config "$threads" "$P_HAPROXY" "$P_UP" "$HAPROXY_BIND_TLS" "$HAPROXY_SERVER_TLS" \
    >"$TMP/haproxy-$threads.cfg"
  start "haproxy (nbthread $threads)" "$TMP/haproxy-$threads.log" "${pin[@]}" haproxy -db -f "$TMP/haproxy-$threads.cfg"
  LAST_URL="$SCHEME://127.0.0.1:$P_HAPROXY/"
}
launch_haproxy_1() { launch_haproxy 1 "${SERVER_PIN[@]}"; }
launch_haproxy_2() { launch_haproxy 2; }

add_target() {  # NAME LAUNCH_FN
  start_server "$1" "$2"
  TARGETS+=("$1")
  PORT[$1]=${LAST_URL#"$SCHEME"://127.0.0.1:}
  PORT[$1]=${PORT[$1]%/}
  PID_OF[$1]=$LAST_PID
}
[[ $TLS == 1 ]] || add_target nginx launch_nginx
add_target haproxy launch_haproxy_1
add_target faultline launch_faultline_1
if [[ $TWO_THREADS == 1 ]]; then
  add_target haproxy-t2 launch_haproxy_2
  add_target faultline-t2 launch_faultline_2
fi

# ---- header -------------------------------------------------------------------------------
first_line() { sed -n 1p; }
V_NGINX="$(nginx -v 2>&1 | first_line | sed 's/^nginx version: //' || true)"
V_HAPROXY="$(haproxy -v 2>&1 | first_line | sed 's/ - https:.*//' || true)"
V_WRK="$(wrk --version 2>&1 | first_line | sed 's/ Copyright.*//' || true)"
V_FAULTLINE="$("$FAULTLINE_BIN" version 2>&1 | first_line || true)"
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | first_line || true)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
PLACEMENT="unpinned"
[[ $PIN == 1 ]] && PLACEMENT="wrk on cpu0; upstream, nginx, haproxy, faultline on cpu1 (taskset); the -t2 pair unpinned"
CASES=()
for s in $SIZES; do for c in $CONNECTION_SET; do CASES+=("$s/c$c"); done; done
HEADER="$(cat <<EOF
date:        $DATE
command:     $INVOKED
reproduce:   DURATION=$DURATION ROUNDS=$ROUNDS CONNECTION_SET="$CONNECTION_SET" SIZES="$SIZES" UPSTREAM=$UPSTREAM WARMUP=$WARMUP WRK_THREADS=$WRK_THREADS PIN=$PIN TWO_THREADS=$TWO_THREADS TLS=$TLS bench/proxy_vs_peers.sh
host:        nproc=$(nproc), cpu=${CPU_MODEL:-unknown}, kernel=$(uname -r), load before: $(cut -d' ' -f1-3 /proc/loadavg)
versions:    $V_FAULTLINE | $V_NGINX | $V_HAPROXY | $V_WRK
upstream:    $UPSTREAM (1 worker): / answers 2 bytes, /bytes/65536 answers 64 KiB; TLS=$TLS (1: every hop, ECDSA P-256)
proxies:     nginx worker_processes 1, upstream keepalive 1024; haproxy nbthread 1, http-reuse always;
             faultline threads = 1, defaults otherwise; -t2: haproxy nbthread 2, faultline threads = 2
placement:   $PLACEMENT
load:        wrk --latency -t $WRK_THREADS -c C -d $DURATION; cases ${CASES[*]}
             $ROUNDS interleaved round(s) of every case x (${TARGETS[*]}); $WARMUP warm-up each; medians
EOF
)"
echo "== faultline proxy_vs_peers =="
echo "$HEADER"
echo "estimated:   ~$(( ${#TARGETS[@]} * ( ${#CASES[@]} * ROUNDS * DURATION_S + $(wc -w <<<"$SIZES") * WARMUP_S ) ))s of load"
echo

# ---- runs ---------------------------------------------------------------------------------
url_of() { echo "$SCHEME://127.0.0.1:${PORT[$1]}$(path_of "$2")"; }
run_wrk() {  # OUT DURATION CONNECTIONS URL — bounded by timeout; the trap stops it
  local secs
  secs=$(dur_to_s "$2")
  timeout -k 5 $((secs + 30)) "${WRK_PIN[@]}" wrk --latency -t "$WRK_THREADS" -c "$3" -d "$2" "$4" >"$1" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  wait "$pid" || warn "wrk exited with status $? for $4"
  forget_pid "$pid"
}
per_100k() {  # TICKS REQUESTS -> CPU-seconds per 100k requests
  awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { if (n == "NA" || n + 0 == 0) print "NA"; else printf "%.3f\n", t / hz / n * 100000 }'
}

if [[ $WARMUP_S -gt 0 ]]; then
  log "warming up ($WARMUP per target and size)"
  min_c=$(tr ' ' '\n' <<<"$CONNECTION_SET" | sort -n | head -1)
  for s in $SIZES; do for t in "${TARGETS[@]}"; do run_wrk "$TMP/warm.txt" "$WARMUP" "$min_c" "$(url_of "$t" "$s")"; done; done
fi

RAW="$TMP/raw.tsv"
: >"$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
  for case in "${CASES[@]}"; do
    size=${case%/*} conns=${case#*/c}
    for t in "${TARGETS[@]}"; do
      out="$TMP/run-$r-${case/\//-}-$t.txt"
      proxy_before=NA
      [[ $t == direct ]] || proxy_before=$(cpu_ticks "${PID_OF[$t]}")
      up_before=$(cpu_ticks "$UP_PID") accepts_before=$(upstream_accepts)
      run_wrk "$out" "$DURATION" "$conns" "$(url_of "$t" "$size")"
      up_after=$(cpu_ticks "$UP_PID") accepts_after=$(upstream_accepts)
      proxy_cpu=NA
      read -r rps p50 p99 requests n2 se < <(parse_wrk "$out")
      [[ $t == direct ]] || proxy_cpu=$(per_100k $(( $(cpu_ticks "${PID_OF[$t]}") - proxy_before )) "$requests")
      up_cpu=$(per_100k $((up_after - up_before)) "$requests")
      up_conns=NA  # minus the stub_status request of the first reading
      [[ $accepts_before == NA || $accepts_after == NA ]] || up_conns=$((accepts_after - accepts_before - 1))
      [[ $rps != NA ]] || { warn "could not parse wrk output for $t, $case, round $r:"; sed 's/^/    /' "$out" >&2; }
      printf '%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n' "$case" "$t" "$r" "$rps" "$p50" "$p99" \
        "$requests" "$n2" "$se" "$proxy_cpu" "$up_cpu" "$up_conns" >>"$RAW"
      printf 'round %d/%d  %-9s %-12s %9s req/s  p50 %7s ms  p99 %7s ms  proxy %6s CPU-s/100k  upstream conns %5s  errors %d/%d\n' \
        "$r" "$ROUNDS" "$case" "$t" "$rps" "$p50" "$p99" "$proxy_cpu" "$up_conns" "$n2" "$se"
    done
  done
done
echo

# ---- summary ------------------------------------------------------------------------------
# med CASE TARGET COLUMN — median over rounds (columns: 4 rps, 5 p50, 6 p99, 10 proxy CPU,
# 11 upstream CPU, 12 upstream connections)
med() { awk -F'\t' -v k="$1" -v t="$2" -v c="$3" '$1 == k && $2 == t { print $c }' "$RAW" | median; }
errors() { awk -F'\t' -v k="$1" -v t="$2" '$1 == k && $2 == t { n += $8; s += $9 } END { printf "%d/%d", n, s }' "$RAW"; }
calc() { awk "BEGIN { a = \"$2\"; b = \"$3\"; if (a == \"NA\" || b == \"NA\" || b + 0 == 0) print \"NA\"; else printf \"%.2f\", $1 }"; }

SUMMARY="$(
  for case in "${CASES[@]}"; do
    direct_p50=$(med "$case" direct 5)
    echo "### $case"
    echo
    echo "| target | req/s | p50 ms | p99 ms | added p50 ms | proxy CPU-s/100k | upstream CPU-s/100k | upstream conns/run | errors |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for t in "${TARGETS[@]}"; do
      p50=$(med "$case" "$t" 5)
      added=NA
      [[ $t == direct || $p50 == NA || $direct_p50 == NA ]] || added=$(awk -v a="$p50" -v b="$direct_p50" 'BEGIN { printf "%.3f", a - b }')
      echo "| $t | $(fmt 0 "$(med "$case" "$t" 4)") | $(fmt 3 "$p50") | $(fmt 3 "$(med "$case" "$t" 6)") | $added |" \
           "$(fmt 2 "$(med "$case" "$t" 10)") | $(fmt 2 "$(med "$case" "$t" 11)") | $(fmt 0 "$(med "$case" "$t" 12)") | $(errors "$case" "$t") |"
    done
    echo
    fl=$(med "$case" faultline 4) ng=$(med "$case" nginx 4) hp=$(med "$case" haproxy 4)
    best=$(awk -v a="$ng" -v b="$hp" 'BEGIN { if (a == "NA") print b; else if (b == "NA" || a + 0 > b + 0) print a; else print b }')
    echo "- faultline / better peer req/s: $(calc 'a / b' "$fl" "$best") (goal >= 1.2)"
    echo "- faultline / haproxy proxy CPU-s per 100k: $(calc 'a / b' "$(med "$case" faultline 10)" "$(med "$case" haproxy 10)") (goal <= 0.8)"
    echo "- added p50 faultline - haproxy: $(calc 'a - b' "$(med "$case" faultline 5)" "$(med "$case" haproxy 5)") ms (goal <= 0)"
    if [[ $TWO_THREADS == 1 ]]; then
      echo "- threads 2, unpinned: faultline-t2 / haproxy-t2 req/s $(calc 'a / b' "$(med "$case" faultline-t2 4)" "$(med "$case" haproxy-t2 4)")," \
           "CPU-s per 100k $(calc 'a / b' "$(med "$case" faultline-t2 10)" "$(med "$case" haproxy-t2 10)")"
    fi
    echo
  done
)"
# ---- syscalls per request ----------------------------------------------------------------
# strace -c attached to each one-thread proxy (nginx: its worker) while wrk runs: every
# system call of the proxy, divided by the requests wrk completed. strace slows the proxy,
# so only the counts mean something, not the rate.
SYSCALL_TABLE=""
if [[ $SYSCALLS_S -gt 0 ]]; then
  first_c=${CONNECTION_SET%% *}
  SYSCALL_TABLE="$(
    echo "### system calls per request (strace -c over wrk -c $first_c -d $SYSCALLS)"
    echo
    echo "| size | proxy | requests | syscalls/request | the most frequent, per request |"
    echo "| --- | --- | ---: | ---: | --- |"
    for s in $SIZES; do
      for t in haproxy nginx faultline; do
        [[ -n ${PID_OF[$t]:-} ]] || continue
        pids=$(pgrep -d, -P "${PID_OF[$t]}" || true)
        [[ $t == nginx ]] || pids=${PID_OF[$t]}  # nginx: the worker, not the master
        trace="$TMP/strace-$t-$s.txt"
        timeout -k 5 $((SYSCALLS_S + 60)) strace -c -f -q -o "$trace" -p "$pids" &
        tracer=$!
        PIDS+=("$tracer")
        sleep 0.5  # attached
        run_wrk "$TMP/strace-wrk-$t-$s.txt" "$SYSCALLS" "$first_c" "$(url_of "$t" "$s")"
        kill -INT "$tracer" 2>/dev/null || true
        wait "$tracer" 2>/dev/null || true
        forget_pid "$tracer"
        read -r _ _ _ requests _ _ < <(parse_wrk "$TMP/strace-wrk-$t-$s.txt")
        awk -v size="$s" -v t="$t" -v n="$requests" '
          $1 ~ /^[0-9.]+$/ && $NF != "total" { calls[$NF] = $4 }
          $NF == "total" { total = $4 }
          END {
            if (n == "NA" || n + 0 == 0) { printf "| %s | %s | NA | NA | |\n", size, t; exit }
            top = ""
            for (k = 0; k < 5; k++) {
              best = ""; for (c in calls) if (best == "" || calls[c] + 0 > calls[best] + 0) best = c
              if (best == "") break
              top = top sprintf("%s%s %.2f", top == "" ? "" : ", ", best, calls[best] / n); delete calls[best]
            }
            printf "| %s | %s | %d | %.2f | %s |\n", size, t, n, total / n, top
          }' "$trace"
      done
    done
    echo
  )"
fi
SUMMARY+=$'\n'"$SYSCALL_TABLE"

echo "$SUMMARY"
echo "(medians over rounds; errors are non-2xx/socket totals; 'direct' is wrk straight at the upstream;"
echo " CPU-s/100k = (utime + stime from /proc/PID/stat, children included) per 100,000 requests)"

if [[ $RECORD == 1 ]]; then
  mkdir -p "$ROOT/bench/results"
  md="$ROOT/bench/results/proxy_vs_peers$([[ $TLS == 1 ]] && echo -tls)-$(date +%Y%m%d-%H%M%S).md"
  {
    echo "# proxy_vs_peers — $DATE"
    echo
    echo '```'
    echo "$HEADER"
    echo '```'
    echo
    echo "$SUMMARY"
    echo "Medians over rounds; errors are non-2xx/socket totals; \`direct\` is wrk straight at the"
    echo "upstream; CPU-s/100k is utime + stime from /proc/PID/stat (children included) per 100,000 requests."
    echo
    echo "## Per round"
    echo
    echo "| case | target | round | req/s | p50 ms | p99 ms | requests | non-2xx | socket errors | proxy CPU-s/100k | upstream CPU-s/100k | upstream conns |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' -v OFS=' | ' '{ $1 = $1; print "| " $0 " |" }' "$RAW"
  } >"$md"
  echo
  echo "recorded: ${md#"$ROOT"/}"
fi
