# bench_common.sh — helpers shared by the bench scripts (sourced, not run).
# The sourcing script sets NAME (its name in messages) and TMP (its private directory), and
# keeps every PID it starts in PIDS so cleanup can stop exactly those, never by name.

die() { echo "$NAME: error: $*" >&2; exit 1; }
warn() { echo "$NAME: warning: $*" >&2; }
log() { echo "$NAME: $*" >&2; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || { echo "$NAME: $1 needs a value" >&2; exit 2; }; }
is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

# dur_to_s D — seconds in a wrk-style duration (N, Ns, Nm, Nh).
dur_to_s() {
  [[ $1 =~ ^([0-9]+)([smh]?)$ ]] || return 1
  local n=${BASH_REMATCH[1]}
  case ${BASH_REMATCH[2]} in m) n=$((n * 60)) ;; h) n=$((n * 3600)) ;; esac
  echo "$n"
}

PIDS=()

alive() {  # a zombie counts as dead
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  s=${s##*) }
  [[ ${s:0:1} != Z ]]
}

# stop_pids PID... — SIGTERM, up to 5 s to exit, then SIGKILL; their children (nginx workers)
# are collected first and treated the same way.
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
  [[ ${#PIDS[@]} -eq 0 ]] || stop_pids "${PIDS[@]}"
  wait 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}

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

# wait_for PID CMD... — 0 once CMD succeeds (its stderr discarded); 1 if PID (when given)
# exited; 2 after 100 tries, about 10 s.
wait_for() {
  local pid=$1 i
  shift
  for ((i = 0; i < 100; i++)); do
    if [[ -n $pid ]] && ! alive "$pid"; then return 1; fi
    "$@" 2>/dev/null && return 0
    sleep 0.1
  done
  return 2
}
port_accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$1"); }

# wait_http PID URL — until URL answers 2xx.
wait_http() { wait_for "$1" curl -kfsS -o /dev/null --max-time 1 "$2"; }
# wait_port PID PORT — until something accepts on PORT.
wait_port() { wait_for "$1" port_accepts "$2"; }
# wait_log PID FILE REGEX — until FILE has a line matching REGEX (iperf3 -s must not be
# probed with a bare connection: it would wait for that client's test).
wait_log() { wait_for "$1" grep -Eq "$3" "$2"; }

# start_server NAME LAUNCH_FN — LAUNCH_FN picks its ports, writes its config and calls start,
# setting LAST_URL. A picked port taken meanwhile by another process is retried (3 attempts).
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
    echo "$NAME: $name did not start (answering $LAST_URL); last lines of its log:" >&2
    tail -n 20 "$LAST_LOG" >&2 || true
    exit 1
  done
}

# cpu_ticks PID — user + system clock ticks of PID and its live children (nginx workers;
# threads are included in their process's figures).
cpu_ticks() {
  local pid total=0 t
  for pid in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

# parse_wrk FILE -> "rps p50_ms p99_ms requests non2xx sockerr" (NA where missing)
parse_wrk() {
  awk '
    function ms(v,   n, u) {
      n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000
      if (u == "ms") return n + 0
      if (u == "s")  return n * 1000
      if (u == "m")  return n * 60000
      return "NA"
    }
    /Latency Distribution/        { ld = 1; next }
    ld && $1 == "50%"             { p50 = ms($2) }
    ld && $1 == "99%"             { p99 = ms($2); ld = 0 }
    / requests in /               { requests = $1 }
    /^Requests\/sec:/             { rps = $2 }
    /Socket errors:/              { gsub(",", ""); se = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/   { n2 = $5 }
    END {
      printf "%s %s %s %s %d %d\n", (rps == "" ? "NA" : rps), (p50 == "" ? "NA" : p50),
             (p99 == "" ? "NA" : p99), (requests == "" ? "NA" : requests), n2, se
    }' "$1"
}

# median — the median of the numbers on stdin (NA lines ignored), or NA.
median() {
  grep -v '^NA$' | sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) { print "NA"; exit }
    if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

fmt() { [[ $2 == NA ]] && echo NA || LC_ALL=C printf "%.${1}f" "$2"; }

# haproxy_http_config THREADS PORT UPSTREAM_PORT [BIND_OPTIONS] [SERVER_OPTIONS] — the
# configuration of HAProxy as an HTTP peer (keep-alive, connections to the upstream reused)
# listening on 127.0.0.1:PORT, on stdout.
haproxy_http_config() {
  cat <<EOF_CFG
global
    nbthread $1
    maxconn 8192

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
    bind 127.0.0.1:$2 ${4:-}
    default_backend be

backend be
    server up 127.0.0.1:$3 ${5:-}
EOF_CFG
}
