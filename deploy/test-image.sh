#!/usr/bin/env bash
# Builds the faultline container image with Podman and proves it works as deployed:
#
#   1. base images debian:bookworm and debian:bookworm-slim made locally with debootstrap
#      (deploy/image/make-base-images.sh; no registry is needed);
#   2. `podman build -f deploy/Dockerfile`; the image runs as uid 10001 with
#      ENTRYPOINT ["faultline"] and the default `proxy -c /etc/faultline/faultline.toml`;
#   3. on the host network: the image running `faultline echo`, and the image running its
#      default command with a config file mounted over /etc/faultline;
#   4. traffic through it, /metrics counting it, a profile switched over the admin API
#      (PUT /api/v1/profiles/active, refused without the bearer token), the injected fault seen;
#   5. SIGTERM to the container while a request is in flight: /readyz turns 503, the request
#      completes, and the container exits 0 within the drain deadline.
#
#   deploy/test-image.sh                       # compile faultline inside the image build
#   deploy/test-image.sh --prebuilt BINARY     # use BINARY (a bookworm build of this commit)
#
# Needs root, podman, runc, debootstrap and curl (`scripts/install-deps.sh deploy`).
# Ports: ephemeral, loopback only. Containers are removed by name on exit.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export CONTAINERS_CONF=${CONTAINERS_CONF:-$repo/deploy/podman/containers.conf}

prebuilt=""
if [[ "${1:-}" == "--prebuilt" ]]; then
  prebuilt=${2:?"--prebuilt needs the path of a faultline binary"}
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--prebuilt BINARY]" >&2
  exit 2
fi

log() { echo "test-image: $*"; }
fail() { echo "test-image: FAIL: $*" >&2; exit 1; }
skip() { echo "test-image: SKIPPED: $*"; exit 0; }

[[ $(id -u) -eq 0 ]] || skip "needs root (rootful Podman on the host network); run as root or in CI"
for tool in podman runc debootstrap curl; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (run: scripts/install-deps.sh deploy)"
done

image=localhost/faultline:test
suffix=$$
echo_name=faultline-test-echo-$suffix
proxy_name=faultline-test-proxy-$suffix
workdir=$(mktemp -d /tmp/faultline-image-test.XXXXXX)
cleanup() {
  podman rm --force --ignore --time 0 "$proxy_name" "$echo_name" >/dev/null 2>&1 || true
  rm -f "$repo/deploy/image/prebuilt/faultline"
  rm -rf "$workdir"
}
trap cleanup EXIT

started=$(date +%s)
elapsed() { echo $(( $(date +%s) - started )); }

# ---- 1. base images -------------------------------------------------------------------
deploy/image/make-base-images.sh

# ---- 2. build -------------------------------------------------------------------------
build_args=(--network host -f deploy/Dockerfile -t "$image")
if [[ -n "$prebuilt" ]]; then
  [[ -x "$prebuilt" ]] || fail "$prebuilt is not an executable"
  mkdir -p deploy/image/prebuilt
  cp "$prebuilt" deploy/image/prebuilt/faultline
  build_args+=(--build-arg FAULTLINE_BINARY=prebuilt)
  mode="prebuilt binary $prebuilt"
else
  # A host build of the same sources leaves objects in ccache that the image build can reuse.
  if command -v ccache >/dev/null && cache_dir=$(ccache -k cache_dir 2>/dev/null) && [[ -d "$cache_dir" ]]; then
    build_args+=(-v "$cache_dir:/ccache")
  fi
  mode="compiled from source"
fi
build_start=$(date +%s)
if ! podman build "${build_args[@]}" . >"$workdir/build.log" 2>&1; then
  tail -40 "$workdir/build.log" >&2
  fail "podman build failed"
fi
log "image built in $(( $(date +%s) - build_start )) s ($mode), $(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MB", $1 / 1e6 }')"

user=$(podman image inspect --format '{{.Config.User}}' "$image")
entrypoint=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$image")
cmd=$(podman image inspect --format '{{json .Config.Cmd}}' "$image")
[[ "$user" == "10001:10001" ]] || fail "image user is '$user', expected 10001:10001"
[[ "$entrypoint" == '["faultline"]' ]] || fail "entrypoint is $entrypoint"
[[ "$cmd" == '["proxy","-c","/etc/faultline/faultline.toml"]' ]] || fail "default command is $cmd"
podman run --rm "$image" check -c /etc/faultline/faultline.toml >/dev/null \
  || fail "the image's own /etc/faultline/faultline.toml does not pass faultline check"
log "image metadata ok: user $user, entrypoint $entrypoint, cmd $cmd; shipped config passes check"

# ---- 3. echo upstream and proxy on the host network -------------------------------------
# Waits for a "<what> listening on 127.0.0.1:PORT" line in a container's log; prints PORT.
port_from_log() {
  local name=$1 what=$2 port=""
  for _ in $(seq 100); do
    port=$(podman logs "$name" 2>&1 | sed -n "s/.*$what listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p" | head -1)
    [[ -n "$port" ]] && { echo "$port"; return 0; }
    [[ $(podman inspect --format '{{.State.Running}}' "$name") == true ]] || break
    sleep 0.1
  done
  podman logs "$name" >&2 || true
  fail "$name did not log '$what listening on ...'"
}

podman run -d --name "$echo_name" --network host "$image" echo --listen 127.0.0.1:0 --threads 1 >/dev/null
echo_port=$(port_from_log "$echo_name" echo)

token=image-test-token
mkdir -p "$workdir/config"
cat >"$workdir/config/faultline.toml" <<EOF
[server]
listen = "127.0.0.1:0"
threads = 2
drain_timeout = "5s"

[admin]
listen = "127.0.0.1:0"
token = "$token"

[[routes]]
name = "echo"
path_prefix = "/"
upstream = "http://127.0.0.1:$echo_port"

[faults]
active_profile = "none"

[[faults.profiles.broken]]
name = "outage"
abort = { status = 503, body = "injected by faultline" }
EOF
# The container user (10001) reads the mounted directory, as a Kubernetes ConfigMap volume.
chmod 755 "$workdir/config"
chmod 644 "$workdir/config/faultline.toml"
# No --init: faultline itself is PID 1, as under Kubernetes.
podman run -d --name "$proxy_name" --network host -v "$workdir/config:/etc/faultline:ro" "$image" >/dev/null
proxy_port=$(port_from_log "$proxy_name" proxy)
admin_port=$(port_from_log "$proxy_name" admin)
pid=$(podman inspect --format '{{.State.Pid}}' "$proxy_name")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[[ "$uid" == 10001 ]] || fail "faultline runs as uid $uid, expected 10001"
log "echo on :$echo_port, proxy on :$proxy_port, admin on :$admin_port (container PID 1 is host pid $pid, uid $uid)"

proxy=http://127.0.0.1:$proxy_port
admin=http://127.0.0.1:$admin_port
http_code() { curl -s -o /dev/null --max-time 10 -w '%{http_code}' "$@"; }

# ---- 4. traffic, metrics, profile switch ------------------------------------------------
[[ $(http_code "$admin/readyz") == 200 ]] || fail "/readyz is not 200"
requests=20
for i in $(seq "$requests"); do
  body=$(curl -sf --max-time 10 "$proxy/hello/$i") || fail "request $i through the proxy failed"
  [[ "$body" == ok ]] || fail "request $i: body '$body', expected 'ok'"
done
counter() {  # sum of faultline_requests_total samples whose labels contain all of "$@"
  curl -sf --max-time 10 "$admin/metrics" | awk -v want="$*" '
    /^faultline_requests_total\{/ {
      n = split(want, parts, " "); ok = 1
      for (i = 1; i <= n; i++) if (index($0, parts[i]) == 0) ok = 0
      if (ok) sum += $NF
    }
    END { print sum + 0 }'
}
# The counter is updated just after the response is written: allow it a moment.
for _ in $(seq 50); do
  counted=$(counter 'route="echo"' 'code="200"')
  [[ "$counted" -ge "$requests" ]] && break
  sleep 0.1
done
[[ "$counted" -eq "$requests" ]] || fail "/metrics counts $counted ok requests on route echo, expected $requests"
log "$requests requests through the container answered 'ok'; /metrics counts them"

switch='{"name":"broken"}'
code=$(http_code -X PUT -H 'Content-Type: application/json' -d "$switch" "$admin/api/v1/profiles/active")
[[ "$code" == 401 ]] || fail "PUT /api/v1/profiles/active without the token answered $code, expected 401"
code=$(http_code -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$switch" "$admin/api/v1/profiles/active")
[[ "$code" == 200 || "$code" == 204 ]] || fail "PUT /api/v1/profiles/active with the token answered $code"
headers=$(curl -s -D - -o "$workdir/body" --max-time 10 "$proxy/after-switch")
grep -q '^HTTP/1.1 503' <<<"$headers" || fail "after switching to 'broken' a request got: $(head -1 <<<"$headers")"
grep -qi '^x-faultline-injected: *outage' <<<"$headers" || fail "the 503 carries no 'x-faultline-injected: outage'"
grep -q 'faultline_active_profile{profile="broken"} 1' < <(curl -sf --max-time 10 "$admin/metrics") \
  || fail "faultline_active_profile does not show 'broken'"
log "profile switched to 'broken' over the admin API (refused without the token): 503 injected, metrics agree"
code=$(http_code -X PUT -H "Authorization: Bearer $token" -d '{"name":"none"}' "$admin/api/v1/profiles/active")
[[ "$code" == 200 || "$code" == 204 ]] || fail "switching back to 'none' answered $code"

# ---- 5. SIGTERM drains and exits 0 ------------------------------------------------------
drain_deadline=5  # server.drain_timeout above
curl -s -o "$workdir/inflight.body" -w '%{http_code}' --max-time 20 "$proxy/delay/1500" >"$workdir/inflight.code" &
inflight=$!
# Until the proxy holds the request (the in-flight gauge rises), a SIGTERM could beat it there.
for _ in $(seq 100); do
  curl -sf --max-time 5 "$admin/metrics" | grep -q '^faultline_inflight_requests{route="echo"} 1' && break
  sleep 0.05
done
term_sent=$(date +%s.%N)
podman kill --signal SIGTERM "$proxy_name" >/dev/null
# The signal lands asynchronously: poll /readyz while the in-flight request holds the drain open.
ready_during_drain=""
for _ in $(seq 20); do
  ready_during_drain=$(http_code "$admin/readyz" || true)
  [[ "$ready_during_drain" == 503 ]] && break
  sleep 0.05
done
exit_code=$(timeout 30 podman wait "$proxy_name") || fail "the container did not exit within 30 s of SIGTERM"
stopped_after=$(awk -v a="$term_sent" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
wait "$inflight" || true
inflight_code=$(cat "$workdir/inflight.code")
[[ "$exit_code" == 0 ]] || { podman logs "$proxy_name" 2>&1 | tail -20 >&2; fail "exit code $exit_code after SIGTERM, expected 0"; }
[[ "$inflight_code" == 200 ]] || fail "the request in flight at SIGTERM got '$inflight_code', expected 200"
awk -v s="$stopped_after" -v d="$drain_deadline" 'BEGIN { exit !(s <= d + 2) }' \
  || fail "exit took ${stopped_after} s after SIGTERM, deadline ${drain_deadline} s"
[[ "$ready_during_drain" == 503 ]] \
  || fail "/readyz answered $ready_during_drain while draining, expected 503"
log "SIGTERM: /readyz $ready_during_drain while draining, in-flight request $inflight_code, exit $exit_code after ${stopped_after} s (deadline ${drain_deadline} s)"

podman stop --time 10 "$echo_name" >/dev/null
log "passed in $(elapsed) s"
