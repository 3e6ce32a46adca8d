#!/usr/bin/env bash
# proxy_soak.sh — a long run of `faultline proxy` under the `flaky` profile of
# deploy/faultline.example.toml, driven by two closed-model `faultline bench` loads at once,
# both GET /api/items as tenant "test" (so every rule of the profile applies): keep-alive
# connections (90 % of --connections) and a new connection per request (10 %, "Connection:
# close"). Each connection always has one request in flight, so the proxy holds the same
# number of client connections and requests from the first second to the last: whatever it
# holds more of later is a leak. (An open-model load cannot promise that: when a stall of the
# machine delays the answers, it opens more connections to keep its rate, and the proxy's
# fds and memory follow the clients, not a leak.) Under the profile's ~63 ms mean latency,
# 128 connections make about 2,000 req/s; the table shows the rate each minute.
# Every minute it samples the proxy's RSS, open fds and /metrics; at the end it prints a
# table per minute (RSS, fds, req/s, p99, errors by cause) and checks that
#   - RSS stays within ±5 % of its value at the end of the warm-up,
#   - open fds do not grow: the fds no client or upstream connection explains (open fds
#     minus faultline_connections) stay within 8 of their value at the end of the warm-up;
#     open fds in the second half of the samples after the warm-up peak at most 5 % + 16
#     above the first half; and once the load stops they fall back to what the idle proxy
#     had plus the idle upstream connections it may keep (2 x 64),
#   - every error was injected: the only failures are the profile's 503 aborts, and the
#     clients saw no socket error, timeout or unsent request.
# Exit 0 when all hold, 1 otherwise. Loopback only (127.0.0.1). See bench/README.md.
#
# Usage: bench/proxy_soak.sh [options]          (every option also has an env variable)
#   -d, --duration D       length of the run (Ns, Nm, Nh)        DURATION=1h
#       --short            the 10-minute version (same checks)   DURATION=10m
#   -c, --connections N    client connections in all (>= 10)     CONNECTIONS=128
#   -w, --warmup D         time before RSS and fds are the base  WARMUP=DURATION/6, at least 2m
#   -s, --sample N         seconds between samples               SAMPLE=60
#       --faultline-bin F  faultline binary                      FAULTLINE_BIN=<repo>/build/app/faultline
#       --record           write bench/results/proxy_soak-*.md   RECORD=1
#       --keep DIR         keep the samples, metrics, logs and the  KEEP=DIR
#                          proxy's /proc/PID/smaps of each sample in DIR (to see what grows)
#   -h, --help
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INVOKED="$(printf '%q ' "$0" "$@")"
INVOKED="${INVOKED% }"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "proxy_soak: error: $*" >&2; exit 1; }

FAULTLINE_BIN="${FAULTLINE_BIN:-$ROOT/build/app/faultline}"
DURATION="${DURATION:-1h}"
CONNECTIONS="${CONNECTIONS:-128}"
WARMUP="${WARMUP:-}"
SAMPLE="${SAMPLE:-60}"
RECORD="${RECORD:-0}"
KEEP="${KEEP:-}"

need_arg() { [[ $# -ge 2 && -n $2 ]] || { echo "proxy_soak: $1 needs a value" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
  case $1 in
    -d|--duration)    need_arg "$@"; DURATION=$2; shift 2 ;;
    --short)          DURATION=10m; shift ;;
    -c|--connections) need_arg "$@"; CONNECTIONS=$2; shift 2 ;;
    -w|--warmup)      need_arg "$@"; WARMUP=$2; shift 2 ;;
    -s|--sample)      need_arg "$@"; SAMPLE=$2; shift 2 ;;
    --faultline-bin)  need_arg "$@"; FAULTLINE_BIN=$2; shift 2 ;;
    --record)         RECORD=1; shift ;;
    --keep)           need_arg "$@"; KEEP=$2; shift 2 ;;
    -h|--help)        usage; exit 0 ;;
    *) echo "proxy_soak: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
seconds_of() {
  [[ $1 =~ ^([0-9]+)([smh])$ ]] || { echo "proxy_soak: $2 must look like 90s, 10m or 1h" >&2; exit 2; }
  case ${BASH_REMATCH[2]} in s) echo "${BASH_REMATCH[1]}" ;; m) echo $((BASH_REMATCH[1] * 60)) ;; h) echo $((BASH_REMATCH[1] * 3600)) ;; esac
}
DURATION_S=$(seconds_of "$DURATION" DURATION)
# The allocator's and Asio's per-thread caches and the upstream pools grow to the run's
# peak concurrency, which a longer run reaches later: the hour-long record grew 12.3 ->
# 12.8 MiB in minutes 2-10, then stayed within 12.8-13.0 MiB to the end.
if [[ -z $WARMUP ]]; then
  WARMUP="$(( DURATION_S / 6 > 120 ? DURATION_S / 6 : 120 ))s"
fi
WARMUP_S=$(seconds_of "$WARMUP" WARMUP)
[[ $CONNECTIONS =~ ^[0-9]+$ && $CONNECTIONS -ge 10 ]] || { echo "proxy_soak: CONNECTIONS must be an integer of at least 10" >&2; exit 2; }
[[ $SAMPLE =~ ^[0-9]+$ && $SAMPLE -ge 1 ]] || { echo "proxy_soak: SAMPLE must be a positive integer" >&2; exit 2; }
(( WARMUP_S < DURATION_S )) || { echo "proxy_soak: the warm-up must be shorter than the run" >&2; exit 2; }
[[ -x $FAULTLINE_BIN ]] || die "no faultline binary at $FAULTLINE_BIN (make build)"
command -v curl >/dev/null || die "curl is needed (make deps)"
KEEPALIVE_CONNECTIONS=$((CONNECTIONS * 9 / 10))
CLOSE_CONNECTIONS=$((CONNECTIONS - KEEPALIVE_CONNECTIONS))

TMP="$(mktemp -d "${TMPDIR:-/tmp}/faultline-proxy-soak.XXXXXX")"
PIDS=()
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n $KEEP ]]; then mkdir -p "$KEEP" && cp -r "$TMP"/. "$KEEP"/; fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits (up to 10 s) for a "<what> listening on 127.0.0.1:PORT" line in a log; prints PORT.
port_from_log() {
  local what=$1 log=$2 port="" i
  for ((i = 0; i < 100; i++)); do
    port=$(grep -o "$what listening on 127\.0\.0\.1:[0-9]*" "$log" 2>/dev/null | head -1 | sed 's/.*://') || true
    [[ -n $port ]] && { echo "$port"; return; }
    sleep 0.1
  done
  die "$what did not start: $(cat "$log")"
}

"$FAULTLINE_BIN" echo --listen 127.0.0.1:0 --threads 1 2>"$TMP/echo.log" &
PIDS+=($!)
ECHO_PORT=$(port_from_log echo "$TMP/echo.log")

# The example's profiles, with flaky active and a fixed seed (a run can be repeated).
{
  cat <<EOF
[server]
listen = "127.0.0.1:0"
threads = 2

[admin]
listen = "127.0.0.1:0"

[[routes]]
name = "api"
path_prefix = "/"
upstream = "http://127.0.0.1:$ECHO_PORT"

EOF
  sed -n '/^\[faults\]/,$p' "$ROOT/deploy/faultline.example.toml" |
    sed 's/^active_profile = "none"/active_profile = "flaky"/; s/^seed = 0 /seed = 42/'
} >"$TMP/faultline.toml"
"$FAULTLINE_BIN" proxy -c "$TMP/faultline.toml" 2>"$TMP/proxy.log" &
PROXY_PID=$!
PIDS+=("$PROXY_PID")
PROXY_PORT=$(port_from_log proxy "$TMP/proxy.log")
ADMIN_PORT=$(port_from_log admin "$TMP/proxy.log")
grep -q '^active_profile = "flaky"' "$TMP/faultline.toml" || die "no flaky profile in the example config"

# The idle proxy, before any load: the base for the open fds after the load.
sleep 1
IDLE_FDS=$(find "/proc/$PROXY_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
IDLE_RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/$PROXY_PID/status")

# Closed model: every connection sends its next request as soon as it has the answer.
BENCH_COMMON=(--duration "${DURATION_S}s" --interval "${SAMPLE}s" --threads 1 --timeout 10s -H "x-tenant: test")
KEEPALIVE_CMD=("$FAULTLINE_BIN" bench "http://127.0.0.1:$PROXY_PORT/api/items"
               --connections "$KEEPALIVE_CONNECTIONS" "${BENCH_COMMON[@]}" --json "$TMP/keepalive.json")
CLOSE_CMD=("$FAULTLINE_BIN" bench "http://127.0.0.1:$PROXY_PORT/api/items"
           --connections "$CLOSE_CONNECTIONS" -H "Connection: close" "${BENCH_COMMON[@]}" --json "$TMP/close.json")
echo "proxy_soak: ${KEEPALIVE_CMD[*]}" >&2
echo "proxy_soak: ${CLOSE_CMD[*]}" >&2
"${KEEPALIVE_CMD[@]}" >"$TMP/keepalive.txt" 2>"$TMP/keepalive.err" &
KEEPALIVE_PID=$!
PIDS+=("$KEEPALIVE_PID")
"${CLOSE_CMD[@]}" >"$TMP/close.txt" 2>"$TMP/close.err" &
CLOSE_PID=$!
PIDS+=("$CLOSE_PID")

# One sample per SAMPLE seconds: RSS, open fds and the proxy's metrics (bounded: run + 2 min).
START=$(date +%s)
sample=0
while kill -0 "$KEEPALIVE_PID" 2>/dev/null || kill -0 "$CLOSE_PID" 2>/dev/null; do
  NOW=$(date +%s)
  (( NOW - START > DURATION_S + 120 )) && die "bench did not finish in time"
  # No sample at the very end: the clients are closing their connections then (the last
  # row is the one taken once they have exited).
  if (( NOW - START >= sample * SAMPLE && NOW - START < DURATION_S - 1 )); then
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PROXY_PID/status" 2>/dev/null || echo 0)
    fds=$(find "/proc/$PROXY_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" >"$TMP/metrics-$sample.txt" || true
    [[ -n $KEEP ]] && cp "/proc/$PROXY_PID/smaps" "$TMP/smaps-$sample.txt" 2>/dev/null
    echo "$((NOW - START)) $rss $fds" >>"$TMP/samples.txt"
    requests=$(awk '/^faultline_requests_total/ {s += $NF} END {printf "%d", s}' "$TMP/metrics-$sample.txt")
    echo "proxy_soak: $((NOW - START))s rss $((rss / 1024)) MiB, $fds fds, $requests requests so far" >&2
    sample=$((sample + 1))
  fi
  sleep 1
done
# Exit 1 is a broken threshold (none is set) or errors seen: the checks below tell; any
# other status means a bench did not run, and there is nothing to record.
for which in keepalive close; do
  pid=$KEEPALIVE_PID
  [[ $which == keepalive ]] || pid=$CLOSE_PID
  status=0
  wait "$pid" || status=$?
  (( status <= 1 )) || die "the $which bench exited with $status: $(tail -5 "$TMP/$which.err")"
done
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$PROXY_PID/status" 2>/dev/null || echo 0)
fds=$(find "/proc/$PROXY_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/metrics" >"$TMP/metrics-$sample.txt" || true
echo "$(( $(date +%s) - START )) $rss $fds" >>"$TMP/samples.txt"
kill -0 "$PROXY_PID" 2>/dev/null || die "the proxy died: $(tail -20 "$TMP/proxy.log")"
sleep 2  # the clients' connections close
AFTER_FDS=$(find "/proc/$PROXY_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
AFTER_RSS=$(awk '/^VmRSS:/ {print $2}' "/proc/$PROXY_PID/status")

set +e
SUMMARY=$(python3 - "$TMP" "$WARMUP_S" "$IDLE_FDS" "$IDLE_RSS" "$AFTER_FDS" "$AFTER_RSS" <<'PY'
import json, os, re, sys

tmp, warmup = sys.argv[1], int(sys.argv[2])
idle_fds, idle_rss, after_fds, after_rss = (int(x) for x in sys.argv[3:7])
LINE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')

def metrics(index):
    found = {}
    path = os.path.join(tmp, f"metrics-{index}.txt")
    if not os.path.exists(path):
        return found
    for line in open(path):
        m = LINE.match(line.strip())
        if m:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")))
            found[(m.group(1), labels)] = float(m.group(3))
    return found

def total(sample, name, **want):
    return sum(v for (n, labels), v in sample.items()
               if n == name and all(dict(labels).get(k) == w for k, w in want.items()))

rows = [tuple(int(x) for x in line.split()) for line in open(os.path.join(tmp, "samples.txt"))]
samples = [metrics(i) for i in range(len(rows))]
# The last row was taken when the load had ended: it counts for the totals, not the checks.
load_rows = rows[:-1]
reports = {name: json.load(open(os.path.join(tmp, f"{name}.json"))) for name in ("keepalive", "close")}

def causes(now, before):
    d = lambda name, **labels: total(now, name, **labels) - total(before, name, **labels)
    return {
        "requests": d("faultline_requests_total"),
        "injected 503": d("faultline_requests_total", code="503", outcome="injected"),
        "upstream error": d("faultline_requests_total", outcome="upstream_error"),
        "timeout": d("faultline_requests_total", outcome="timeout"),
        "other 5xx": sum(d("faultline_requests_total", code=str(c)) for c in range(500, 600))
                     - d("faultline_requests_total", code="503", outcome="injected"),
    }

# Open fds that no connection explains: listeners, the event loops, the log. The proxy's
# gauge counts client and upstream connections as it opens and closes them.
def unexplained_fds(i):
    return rows[i][2] - round(total(samples[i], "faultline_connections"))

intervals = [reports["keepalive"]["intervals"], reports["close"]["intervals"]]
print("| minute | RSS (MiB) | open fds | fds w/o a connection | req/s (proxy) | p99 keep-alive "
      "| p99 new conn. | injected 503 | upstream errors | timeouts | other 5xx |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for i in range(1, len(rows)):
    seconds = rows[i][0] - rows[i - 1][0]
    c = causes(samples[i], samples[i - 1])
    p99 = []
    for series in intervals:
        p99.append(f"{series[i - 1]['p99_seconds'] * 1e3:.1f} ms" if i - 1 < len(series) else "-")
    rate = lambda n: f"{n:.0f} ({n / c['requests']:.2%})" if c["requests"] else f"{n:.0f}"
    print(f"| {rows[i][0] / 60:.1f} | {rows[i][1] / 1024:.1f} | {rows[i][2]} | "
          f"{unexplained_fds(i)} | {c['requests'] / seconds:.0f} | {p99[0]} | {p99[1]} | {rate(c['injected 503'])} | "
          f"{rate(c['upstream error'])} | {rate(c['timeout'])} | {rate(c['other 5xx'])} |")

failures = []
after_index = [i for i, r in enumerate(load_rows) if r[0] >= warmup]
after = [load_rows[i] for i in after_index]
base = after[0]
low, high = min(r[1] for r in after), max(r[1] for r in after)
print(f"\nRSS after the warm-up ({warmup} s): base {base[1] / 1024:.1f} MiB, min {low / 1024:.1f}, "
      f"max {high / 1024:.1f} ({(low / base[1] - 1):+.1%} .. {(high / base[1] - 1):+.1%}; limit ±5 %)")
if high > base[1] * 1.05 or low < base[1] * 0.95:
    failures.append("RSS left ±5 % of its value after the warm-up")
# Open fds follow the connections in flight from one sample to the next; growth is the
# later half of the run holding more than the earlier half ever did.
half = max(1, len(after) // 2)
early_fds, late_fds = max(r[2] for r in after[:half]), max(r[2] for r in after[half:] or after)
print(f"open fds after the warm-up: min {min(r[2] for r in after)}, max of the first half "
      f"{early_fds}, of the second half {late_fds} (limit: second <= first + 5 % + 16)")
if late_fds > early_fds * 1.05 + 16:
    failures.append("open fds grew under load")
spare = [unexplained_fds(i) for i in after_index]
print(f"open fds without a connection after the warm-up: base {spare[0]}, min {min(spare)}, "
      f"max {max(spare)} (limit: base ± 8)")
if max(spare) > spare[0] + 8 or min(spare) < spare[0] - 8:
    failures.append("open fds that no connection explains changed under load")
print(f"idle proxy before the load: {idle_fds} fds, {idle_rss / 1024:.1f} MiB; 2 s after it: "
      f"{after_fds} fds, {after_rss / 1024:.1f} MiB (limit: fds <= {idle_fds} + 128 idle upstream + 8)")
if after_fds > idle_fds + 128 + 8:
    failures.append("open fds did not fall back after the load")

whole = causes(samples[-1], samples[0])
bench_kinds = {}
for name, report in reports.items():
    for kind, count in report["errors_by_kind"].items():
        bench_kinds[kind] = bench_kinds.get(kind, 0) + count
answered_requests = sum(r["requests"] for r in reports.values())
print(f"\nclients: {answered_requests} requests, errors by kind {bench_kinds}; "
      f"p99 keep-alive {reports['keepalive']['latency_seconds']['p99'] * 1e3:.1f} ms, "
      f"new connections {reports['close']['latency_seconds']['p99'] * 1e3:.1f} ms")
print(f"proxy: {whole['requests']:.0f} requests, injected 503 {whole['injected 503']:.0f}, "
      f"upstream errors {whole['upstream error']:.0f}, timeouts {whole['timeout']:.0f}, "
      f"other 5xx {whole['other 5xx']:.0f}")
not_injected = {k: v for k, v in bench_kinds.items() if k != "status_5xx" and v}
if not_injected:
    failures.append(f"clients saw errors that were not injected: {not_injected}")
if whole["upstream error"] or whole["timeout"] or whole["other 5xx"]:
    failures.append("the proxy answered errors that were not injected")
# Every 5xx a client saw is one of the injected 503s (the first sample was taken after the
# first few requests, so the clients may have seen a handful more than the deltas show).
if bench_kinds.get("status_5xx", 0) > total(samples[-1], "faultline_requests_total", code="503", outcome="injected"):
    failures.append("clients saw more 5xx than were injected")
print("\nchecks: " + ("all passed" if not failures else "FAILED: " + "; ".join(failures)))
sys.exit(1 if failures else 0)
PY
)
CHECKS=$?
set -e
HEADER="# proxy_soak $(date -u +%Y-%m-%dT%H:%M:%SZ)

command: \`$INVOKED\`  
load: \`${KEEPALIVE_CMD[*]//$TMP\//}\` and \`${CLOSE_CMD[*]//$TMP\//}\` (ports and binary path as they were in this run)  
proxy: \`faultline proxy\` with 2 threads, the \`flaky\` profile of deploy/faultline.example.toml (seed 42), upstream \`faultline echo --threads 1\`  
machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
OUT="$HEADER

$SUMMARY

keep-alive bench:
\`\`\`
$(cat "$TMP/keepalive.txt")
\`\`\`

new-connection bench:
\`\`\`
$(cat "$TMP/close.txt")
\`\`\`"
echo "$OUT"
if [[ $RECORD == 1 ]]; then
  mkdir -p "$ROOT/bench/results"
  FILE="$ROOT/bench/results/proxy_soak-$(date -u +%Y%m%d-%H%M%S).md"
  echo "$OUT" >"$FILE"
  echo "proxy_soak: recorded $FILE" >&2
fi
exit "$CHECKS"
