#!/usr/bin/env bash
# Installs the Debian 12 packages faultline needs to build, test, fuzz (clang 14 with its
# sanitizer and libFuzzer runtimes) and benchmark (chromium, node and npm for the browser
# tests of the live page and the HTML report and for the Toxiproxy client library test),
# asking apt only for what is missing.
# `install-deps.sh deploy` adds what the deploy tests
# use (make test-deploy): Podman with runc, debootstrap, docker-compose (without the Docker
# engine it recommends), PyYAML, systemd-analyze and dpkg-shlibdeps.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  prometheus-cpp-dev libtomlplusplus-dev libspdlog-dev libcli11-dev zlib1g-dev
  libssl-dev openssl ca-certificates
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  curl wrk nginx-light haproxy prometheus
  chromium
  postgresql redis-server redis-tools iperf3
)
# The page tests drive chromium with the npm package playwright-core, and
# test_toxiproxy_client runs the npm package toxiproxy-node-client: node and npm too, unless
# a node is installed already (e.g. from another source, whose npm comes with it).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi
if [[ "${1:-}" == deploy ]]; then
  packages=(podman runc debootstrap docker-compose python3-yaml systemd dpkg-dev curl)
fi

if [[ "${1:-}" == deploy ]] && ! command -v kubectl >/dev/null 2>&1; then
  # Debian 12 ships only kubectl 1.20, whose kustomize is too old for deploy/k8s.
  echo "deps: kubectl (1.27 or newer) is not installed: the Kubernetes checks will be skipped" >&2
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=sudo
  else
    echo "deps: missing packages: ${missing[*]}" >&2
    echo "deps: run 'sudo make deps' (or install them with apt-get as root)" >&2
    exit 1
  fi
fi
${SUDO:-} apt-get update -q
# nginx and haproxy are used only as benchmark peers with private configs: do not
# let their package scripts start system-wide services where policy allows us to say so.
DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -q --no-install-recommends "${missing[@]}"
