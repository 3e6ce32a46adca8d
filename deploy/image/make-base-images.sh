#!/usr/bin/env bash
# Makes the two base images deploy/Dockerfile starts from, without any container registry:
# a minimal Debian 12 root filesystem bootstrapped with debootstrap from the host's own apt
# mirror, imported into Podman as debian:bookworm (the build stage) and debian:bookworm-slim
# (the runtime stage). Both tags name the same minbase tree: the build stage adds its -dev
# packages itself, and a minbase tree is already as small as bookworm-slim.
#
#   deploy/image/make-base-images.sh          # no-op when both images exist
#   FORCE=1 deploy/image/make-base-images.sh  # rebuild them
#
# Needs root, debootstrap and podman (scripts/install-deps.sh deploy installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/../podman/containers.conf}

images=(localhost/debian:bookworm localhost/debian:bookworm-slim)
if [[ -z "${FORCE:-}" ]] && podman image exists "${images[0]}" && podman image exists "${images[1]}"; then
  echo "base-images: ${images[*]} already present"
  exit 0
fi

# The mirror comes from this host's apt configuration, read now.
sources=$(python3 "$here/apt_sources.py")
mirror=$(awk '$2 == "bookworm" { print $1; exit }' <<<"$sources")

rootfs=$(mktemp -d /var/tmp/faultline-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
start=$(date +%s)
echo "base-images: debootstrap --variant=minbase bookworm (mirror from the host's apt sources)"
if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
  tail -20 "$rootfs.log" >&2
  rm -f "$rootfs.log"
  exit 1
fi
rm -f "$rootfs.log"

# The image's apt reads the same suites as the host (updates and security included), so the
# build stage compiles with the same compiler and headers as a host build: ccache hits.
awk '{ print "deb " $1 " " $2 " " $3 }' <<<"$sources" >"$rootfs/etc/apt/sources.list"
# What bookworm-slim leaves out: package lists, caches, docs, man pages and translations.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
       "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
       "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/*
# Keep them out of later apt installs in the image too (as the slim image's dpkg config does),
# but keep copyright files.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG

tar --numeric-owner -C "$rootfs" -c . | podman import --quiet --change 'CMD ["bash"]' - "${images[0]}" >/dev/null
podman tag "${images[0]}" "${images[1]}"
echo "base-images: ${images[*]} ready in $(( $(date +%s) - start )) s ($(du -sh --apparent-size "$rootfs" | cut -f1))"
