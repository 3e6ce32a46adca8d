#!/usr/bin/env bash
# proxy_vs_peers.sh — faultline's reverse proxy against nginx and HAProxy, same upstream,
# same load, interleaved rounds. Loopback only (127.0.0.1). See bench/README.md.
#
# Usage: bench/proxy_vs_peers.sh [options]        (every option also has an env variable)
#   -t, --threads N        worker threads for every proxy        THREADS=1  (0 = nproc)
#   -c, --connections N    wrk connections                       CONNECTIONS=64
#   -d, --duration D       length of each wrk run (N, Ns, Nm)    DURATION=10s
#   -r, --rounds N         interleaved rounds                    ROUNDS=3
#       --wrk-threads N    wrk threads                           WRK_THREADS=1
#       --path P           request path                          PATH_UNDER_TEST=/
#       --faultline-bin F  faultline binary                      FAULTLINE_BIN=<repo>/build/app/faultline
#       --upstream-port N  use an HTTP server already listening  UPSTREAM_PORT=
#                          on 127.0.0.1:N instead of `faultline echo`
#       --skip-faultline   do not benchmark faultline            SKIP_FAULTLINE=1
#       --record           write bench/results/proxy_vs_peers-*.md   RECORD=1
#   -h, --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INVOKED="$(printf '%q ' "$0" "$@")"
INVOKED="${INVOKED% }"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "proxy_vs_peers: error: $*" >&2; exit 1; }
warn() { echo "proxy_vs_peers: warning: $*" >&2; }
log() { echo "proxy_vs_peers: $*" >&2; }

FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
THREADS="${THREADS:-1}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
WRK_THREADS="${WRK_THREADS:-1}"
PATH_UNDER_TEST="${PATH_UNDER_TEST:-/}"
UPSTREAM_PORT="${UPSTREAM_PORT:-}"
SKIP_FAULTLINE="${SKIP_FAULTLINE:-0}"
RECORD="${RECORD:-0}"
WARMUP="2s"

need_arg() { [[ $# -ge 2 && -n $2 ]] || { echo "proxy_vs_peers: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case $1 in
    -t|--threads)     need_arg "$@"; THREADS=$2; shift 2 ;;
    -c|--connections) need_arg "$@"; CONNECTIONS=$2; shift 2 ;;
    -d|--duration)    need_arg "$@"; DURATION=$2; shift 2 ;;
    -r|--rounds)      need_arg "$@"; ROUNDS=$2; shift 2 ;;
    --wrk-threads)    need_arg "$@"; WRK_THREADS=$2; shift 2 ;;
    --path)           need_arg "$@"; PATH_UNDER_TEST=$2; shift 2 ;;
    --faultline-bin)  need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --upstream-port)  need_arg "$@"; UPSTREAM_PORT=$2; shift 2 ;;
    --skip-faultline) SKIP_FAULTLINE=1; shift ;;
    --record)         RECORD=1; shift ;;
    -h|--help)        usage; exit 0 ;;
    *) echo "proxy_vs_peers: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

# ---- validation ---------------------------------------------------------------------------
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for v in THREADS CONNECTIONS ROUNDS WRK_THREADS; do
  is_uint "${!v}" || { echo "proxy_vs_peers: $v must be a non-negative integer, got '${!v}'" >&2; exit 2; }
done
[[ $THREADS -eq 0 ]] && THREADS=$(nproc)
[[ $CONNECTIONS -ge 1 && $ROUNDS -ge 1 && $WRK_THREADS -ge 1 ]] \
  || { echo "proxy_vs_peers: CONNECTIONS, ROUNDS and WRK_THREADS must be >= 1" >&2; exit 2; }
[[ $CONNECTIONS -ge $WRK_THREADS ]] \
  || { echo "proxy_vs_peers: CONNECTIONS must be >= WRK_THREADS (wrk requirement)" >&2; exit 2; }
[[ $PATH_UNDER_TEST == /* ]] || { echo "proxy_vs_peers: PATH_UNDER_TEST must start with /" >&2; exit 2; }
# wrk takes plain seconds or an s/m/h suffix.
dur_to_s() {
  [[ $1 =~ ^([0-9]+)([smh]?)$ ]] || return 1
  local n=${BASH_REMATCH[1]}
  case ${BASH_REMATCH[2]} in m) n=$((n * 60)) ;; h) n=$((n * 3600)) ;; esac
  echo "$n"
}
if ! DURATION_S=$(dur_to_s "$DURATION") || [[ $DURATION_S -lt 1 ]]; then
  echo "proxy_vs_peers: DURATION must look like 10, 10s or 1m, got '$DURATION'" >&2
  exit 2
fi
WARMUP_S=$(dur_to_s "$WARMUP")
[[ -z $UPSTREAM_PORT ]] || is_uint "$UPSTREAM_PORT" || { echo "proxy_vs_peers: UPSTREAM_PORT must be a port number" >&2; exit 2; }
[[ $RECORD == 1 || $RECORD == 0 ]] || { echo "proxy_vs_peers: RECORD must be 0 or 1" >&2; exit 2; }

missing=()
command -v nginx   >/dev/null 2>&1 || missing+=("nginx (Debian package nginx-light)")
command -v haproxy >/dev/null 2>&1 || missing+=("haproxy (Debian package haproxy)")
command -v wrk     >/dev/null 2>&1 || missing+=("wrk (Debian package wrk)")
command -v curl    >/dev/null 2>&1 || missing+=("curl (Debian package curl)")
command -v python3 >/dev/null 2>&1 || missing+=("python3 (Debian package python3)")
command -v pgrep   >/dev/null 2>&1 || missing+=("pgrep (Debian package procps)")
command -v timeout >/dev/null 2>&1 || missing+=("timeout (Debian package coreutils)")
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'proxy_vs_peers: missing tool: %s\n' "${missing[@]}" >&2
  echo "proxy_vs_peers: install with: apt-get install nginx-light haproxy wrk curl python3 procps" >&2
  exit 1
fi

RUN_FAULTLINE=1
if [[ $SKIP_FAULTLINE == 1 ]]; then
  RUN_FAULTLINE=0
elif [[ ! -x $FAULTLINE_BIN ]]; then
  warn "faultline binary not found at $FAULTLINE_BIN (build it with 'make build'); benchmarking nginx and HAProxy only"
  RUN_FAULTLINE=0
fi
if [[ -z $UPSTREAM_PORT && ! -x $FAULTLINE_BIN ]]; then
  die "no upstream: the echo upstream is '$FAULTLINE_BIN echo', which does not exist; build it ('make build') or set UPSTREAM_PORT to an HTTP server already listening on 127.0.0.1"
fi

# ---- process bookkeeping ------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/faultline-bench.XXXXXX")"
PIDS=()

alive() {  # a zombie counts as dead
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [[ ${s:0:1} != Z ]]
}

# stop_pids PID... — SIGTERM, up to 5 s to exit, then SIGKILL; their children (nginx workers)
# are collected first and treated the same way. Only these PIDs, never by name.
stop_pids() {
  local pid i any all=()
  for pid in "$@"; do
    all+=("$pid")
    for i in $(pgrep -P "$pid" 2>/dev/null || true); do all+=("$i"); done
  done
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    any=0
    for pid in "${all[@]}"; do if alive "$pid"; then any=1; fi; done
    if [[ $any -eq 0 ]]; then break; fi
    sleep 0.1
  done
  for pid in "${all[@]}"; do
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
}

forget_pid() {
  local pid keep=()
  for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pids "${PIDS[@]}"
  wait 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# free_ports N — N distinct free loopback ports: bind them all to port 0 at once, then release.
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# start NAME LOGFILE CMD... — runs CMD in the background; sets LAST_PID and LAST_LOG.
start() {
  local name=$1
  LAST_LOG=$2
  shift 2
  "$@" >"$LAST_LOG" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  log "started $name (pid $LAST_PID): $*"
}

# wait_http PID URL — 0 once URL answers 2xx; 1 if PID (when given) exited; 2 after 100 tries
# (about 15 s).
wait_http() {
  local pid=$1 url=$2 i
  for ((i = 0; i < 100; i++)); do
    if [[ -n $pid ]] && ! alive "$pid"; then return 1; fi
    if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 2
}

# start_server NAME LAUNCH_FN — LAUNCH_FN picks its ports, writes its config and calls start,
# setting LAST_URL. Another process on this machine may take a picked port before the server
# binds it; then (only then) it is retried with fresh ports, at most 3 attempts.
start_server() {
  local name=$1 fn=$2 attempt rc
  for ((attempt = 1; attempt <= 3; attempt++)); do
    "$fn"
    rc=0
    wait_http "$LAST_PID" "$LAST_URL" || rc=$?
    if [[ $rc -eq 0 ]]; then return 0; fi
    stop_pids "$LAST_PID"
    forget_pid "$LAST_PID"
    if [[ $rc -eq 1 && $attempt -lt 3 ]] && grep -qi 'address already in use' "$LAST_LOG"; then
      warn "$name: a picked port was taken meanwhile; retrying with fresh ports"
      continue
    fi
    if [[ $rc -eq 1 ]]; then
      echo "proxy_vs_peers: $name exited during startup; last lines of its log:" >&2
    else
      echo "proxy_vs_peers: $name did not answer $LAST_URL in time; last lines of its log:" >&2
    fi
    tail -n 20 "$LAST_LOG" >&2 || true
    exit 1
  done
}

TARGETS=()
declare -A PORT

# ---- upstream -----------------------------------------------------------------------------
launch_echo() {
  P_ECHO=$(free_ports 1)
  start "echo upstream" "$TMP/echo.log" "$FAULTLINE_BIN" echo --listen "127.0.0.1:$P_ECHO" --threads 1
  LAST_URL="http://127.0.0.1:$P_ECHO/"
}
if [[ -n $UPSTREAM_PORT ]]; then
  P_ECHO=$UPSTREAM_PORT
  UPSTREAM_DESC="external HTTP server on 127.0.0.1:$P_ECHO (UPSTREAM_PORT)"
  wait_http "" "http://127.0.0.1:$P_ECHO/" || die "nothing answers 2xx on http://127.0.0.1:$P_ECHO/ (UPSTREAM_PORT)"
else
  UPSTREAM_DESC="faultline echo, 1 thread"
  start_server "echo upstream" launch_echo
fi

# ---- faultline ----------------------------------------------------------------------------
launch_faultline() {
  read -r P_FL P_FL_ADMIN < <(free_ports 2)
  cat >"$TMP/faultline.toml" <<EOF
[server]
listen = "127.0.0.1:$P_FL"
threads = $THREADS

[admin]
listen = "127.0.0.1:$P_FL_ADMIN"

[[routes]]
name = "echo"
path_prefix = "/"
upstream = "http://127.0.0.1:$P_ECHO"
EOF
  start "faultline" "$TMP/faultline.log" "$FAULTLINE_BIN" proxy -c "$TMP/faultline.toml"
  LAST_URL="http://127.0.0.1:$P_FL/"
}
if [[ $RUN_FAULTLINE -eq 1 ]]; then
  start_server "faultline" launch_faultline
  TARGETS+=(faultline)
  PORT[faultline]=$P_FL
fi

# ---- nginx --------------------------------------------------------------------------------
mkdir -p "$TMP/nginx"
NGINX_USER=""
if [[ $(id -u) -eq 0 ]]; then NGINX_USER="user $(id -un);"; fi  # else workers would run as nobody
nginx_v="$(nginx -V 2>&1 || true)"
NGINX_TEMP_PATHS="client_body_temp_path $TMP/nginx/body; proxy_temp_path $TMP/nginx/proxy;"
for m in fastcgi scgi uwsgi; do
  [[ $nginx_v == *"--without-http_${m}_module"* ]] || NGINX_TEMP_PATHS+=" ${m}_temp_path $TMP/nginx/$m;"
done
launch_nginx() {
  P_NGINX=$(free_ports 1)
  cat >"$TMP/nginx.conf" <<EOF
$NGINX_USER
daemon off;
master_process on;
worker_processes $THREADS;
pid $TMP/nginx.pid;
error_log stderr warn;
events {
    worker_connections $((CONNECTIONS * 2 + 1024));
}
http {
    access_log off;
    $NGINX_TEMP_PATHS
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    upstream echo {
        server 127.0.0.1:$P_ECHO;
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:$P_NGINX;
        location / {
            proxy_pass http://echo;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
  start "nginx" "$TMP/nginx.log" nginx -p "$TMP/nginx" -c "$TMP/nginx.conf" -e stderr
  LAST_URL="http://127.0.0.1:$P_NGINX/"
}
start_server "nginx" launch_nginx
TARGETS+=(nginx)
PORT[nginx]=$P_NGINX

# ---- HAProxy ------------------------------------------------------------------------------
launch_haproxy() {
  P_HAPROXY=$(free_ports 1)
  cat >"$TMP/haproxy.cfg" <<EOF
global
    nbthread $THREADS
    maxconn $((CONNECTIONS * 2 + 1024))

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s
    timeout http-keep-alive 30s

frontend fe
    bind 127.0.0.1:$P_HAPROXY
    default_backend be

backend be
    server echo 127.0.0.1:$P_ECHO
EOF
  start "haproxy" "$TMP/haproxy.log" haproxy -db -f "$TMP/haproxy.cfg"
  LAST_URL="http://127.0.0.1:$P_HAPROXY/"
}
start_server "haproxy" launch_haproxy
TARGETS+=(haproxy)
PORT[haproxy]=$P_HAPROXY

TARGETS+=(direct)
PORT[direct]=$P_ECHO

# ---- header -------------------------------------------------------------------------------
first_line() { sed -n 1p; }
V_NGINX="$(nginx -v 2>&1 | first_line | sed 's/^nginx version: //' || true)"
V_HAPROXY="$(haproxy -v 2>&1 | first_line | sed 's/ - https:.*//' || true)"
V_WRK="$(wrk --version 2>&1 | first_line | sed 's/ Copyright.*//' || true)"
V_FAULTLINE="not run"
if [[ $RUN_FAULTLINE -eq 1 ]]; then V_FAULTLINE="$("$FAULTLINE_BIN" version 2>&1 | first_line || true)"; fi
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | first_line || true)"
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
REPRO="THREADS=$THREADS CONNECTIONS=$CONNECTIONS DURATION=$DURATION ROUNDS=$ROUNDS WRK_THREADS=$WRK_THREADS PATH_UNDER_TEST=$(printf '%q' "$PATH_UNDER_TEST")"
[[ $RUN_FAULTLINE -eq 0 ]] && REPRO+=" SKIP_FAULTLINE=1"
[[ -n $UPSTREAM_PORT ]] && REPRO+=" UPSTREAM_PORT=$UPSTREAM_PORT"
REPRO+=" bench/proxy_vs_peers.sh"
EST=$(( ${#TARGETS[@]} * (WARMUP_S + ROUNDS * DURATION_S) ))

HEADER="$(cat <<EOF
date:        $DATE
command:     $INVOKED
reproduce:   $REPRO
host:        nproc=$(nproc), cpu=${CPU_MODEL:-unknown}, kernel=$(uname -r)
versions:    faultline: $V_FAULTLINE | $V_NGINX | $V_HAPROXY | $V_WRK
setup:       upstream = $UPSTREAM_DESC; proxies with $THREADS worker thread(s)/process(es);
             wrk --latency -t $WRK_THREADS -c $CONNECTIONS -d $DURATION http://127.0.0.1:PORT$PATH_UNDER_TEST
             $ROUNDS interleaved round(s) of: ${TARGETS[*]}; $WARMUP warm-up each; medians over rounds
EOF
)"
echo "== faultline proxy_vs_peers =="
echo "$HEADER"
[[ $RUN_FAULTLINE -eq 1 ]] || echo "NOTE:        faultline NOT included (binary missing or SKIP_FAULTLINE=1)"
echo "estimated:   ~${EST}s of load"
echo

# ---- runs ---------------------------------------------------------------------------------
WRK_PID=""
# run_wrk OUTFILE DURATION URL — bounded by timeout, interruptible (the trap kills it).
run_wrk() {
  local out=$1 dur=$2 url=$3 secs
  secs=$(dur_to_s "$dur")
  timeout -k 5 $((secs + 30)) wrk --latency -t "$WRK_THREADS" -c "$CONNECTIONS" -d "$dur" "$url" >"$out" 2>&1 &
  WRK_PID=$!
  PIDS+=("$WRK_PID")
  wait "$WRK_PID" || warn "wrk exited with status $? for $url (see output below)"
  WRK_PID=""
}

# parse_wrk FILE -> "rps p50_ms p99_ms non2xx sockerr" (NA where missing)
parse_wrk() {
  awk '
    function ms(v,   n, u) {
      n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000
      if (u == "ms") return n + 0
      if (u == "s")  return n * 1000
      if (u == "m")  return n * 60000
      if (u == "h")  return n * 3600000
      return "NA"
    }
    /Latency Distribution/        { ld = 1; next }
    ld && $1 == "50%"             { p50 = ms($2) }
    ld && $1 == "99%"             { p99 = ms($2); ld = 0 }
    /^Requests\/sec:/             { rps = $2 }
    /Socket errors:/              { gsub(",", ""); se = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/   { n2 = $5 }
    END {
      printf "%s %s %s %d %d\n", (rps == "" ? "NA" : rps), (p50 == "" ? "NA" : p50),
             (p99 == "" ? "NA" : p99), n2, se
    }' "$1"
}

url_of() { echo "http://127.0.0.1:${PORT[$1]}$PATH_UNDER_TEST"; }

log "warming up (${WARMUP} each)"
for t in "${TARGETS[@]}"; do
  run_wrk "$TMP/warm-$t.txt" "$WARMUP" "$(url_of "$t")"
done

RAW="$TMP/raw.tsv"
: >"$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${TARGETS[@]}"; do
    out="$TMP/run-$r-$t.txt"
    run_wrk "$out" "$DURATION" "$(url_of "$t")"
    read -r rps p50 p99 n2 se < <(parse_wrk "$out")
    if [[ $rps == NA ]]; then
      warn "could not parse wrk output for $t, round $r:"
      sed 's/^/    /' "$out" >&2
    fi
    printf '%s\t%d\t%s\t%s\t%s\t%d\t%d\n' "$t" "$r" "$rps" "$p50" "$p99" "$n2" "$se" >>"$RAW"
    printf 'round %d/%d  %-9s  %10s req/s   p50 %8s ms   p99 %8s ms   non-2xx/3xx %d   socket errors %d\n' \
      "$r" "$ROUNDS" "$t" "$rps" "$p50" "$p99" "$n2" "$se"
  done
done
echo

# ---- summary ------------------------------------------------------------------------------
# median_of TARGET COLUMN (3 rps, 4 p50, 5 p99) over rounds, NA rows ignored
median_of() {
  awk -F'\t' -v t="$1" -v c="$2" '$1 == t && $c != "NA" { print $c }' "$RAW" | sort -g |
    awk '{ a[NR] = $1 } END {
      if (NR == 0) { print "NA"; exit }
      if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
sum_of() { awk -F'\t' -v t="$1" -v c="$2" '$1 == t { s += $c } END { print s + 0 }' "$RAW"; }
fmt() { [[ $2 == NA ]] && echo NA || LC_ALL=C printf "%.${1}f" "$2"; }

declare -A MED_RPS
TABLE="$(
  printf '| %-9s | %12s | %10s | %10s | %22s |\n' target "median req/s" "p50 ms" "p99 ms" "errors (non-2xx/socket)"
  printf '| %-9s | %12s | %10s | %10s | %22s |\n' "---------" "-----------:" "---------:" "---------:" "---------------------:"
  for t in "${TARGETS[@]}"; do
    printf '| %-9s | %12s | %10s | %10s | %22s |\n' "$t" \
      "$(fmt 0 "$(median_of "$t" 3)")" "$(fmt 3 "$(median_of "$t" 4)")" "$(fmt 3 "$(median_of "$t" 5)")" \
      "$(sum_of "$t" 6)/$(sum_of "$t" 7)"
  done
)"
for t in "${TARGETS[@]}"; do MED_RPS[$t]=$(median_of "$t" 3); done

ratio() {  # faultline / peer
  local f=${MED_RPS[faultline]:-NA} p=${MED_RPS[$1]:-NA}
  if [[ $RUN_FAULTLINE -eq 0 ]]; then echo "n/a (faultline not run)"; return; fi
  awk -v f="$f" -v p="$p" 'BEGIN { if (f == "NA" || p == "NA" || p + 0 == 0) print "NA"; else printf "%.2f\n", f / p }'
}
RATIOS="$(
  echo "faultline/nginx   req/s ratio: $(ratio nginx)"
  echo "faultline/haproxy req/s ratio: $(ratio haproxy)"
)"

echo "$TABLE"
echo
echo "$RATIOS"
echo "(errors are totals over all rounds; 'direct' is wrk straight at the upstream, for reference)"

if [[ $RECORD == 1 ]]; then
  mkdir -p "$ROOT/bench/results"
  md="$ROOT/bench/results/proxy_vs_peers-$(date +%Y%m%d-%H%M%S).md"
  {
    echo "# proxy_vs_peers — $DATE"
    echo
    [[ $RUN_FAULTLINE -eq 1 ]] || { echo "**faultline NOT included** (binary missing or SKIP_FAULTLINE=1)."; echo; }
    echo '```'
    echo "$HEADER"
    echo '```'
    echo
    echo "$TABLE"
    echo
    echo "${RATIOS//$'\n'/$'  \n'}  "
    echo
    echo "Errors are totals over all rounds; \`direct\` is wrk straight at the upstream, for reference."
    echo
    echo "## Per round"
    echo
    echo "| round | target | req/s | p50 ms | p99 ms | non-2xx/3xx | socket errors |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: |"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $1, $3, $4, $5, $6, $7 }' "$RAW"
  } >"$md"
  echo
  echo "recorded: ${md#"$ROOT"/}"
fi
