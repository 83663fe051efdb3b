#!/usr/bin/env bash
# Build the Proctor sandbox image (default tag proctor-python:latest, override
# with PROCTOR_IMAGE) from sandbox_images/python/. Uses debian:bookworm-slim when
# it is present or pullable; otherwise (no container registry reachable) builds
# an offline base image proctor-base:bookworm with debootstrap from the Debian
# mirror. Idempotent: the base is built once and Docker's cache makes reruns fast.
set -euo pipefail

IMAGE=${PROCTOR_IMAGE:-proctor-python:latest}
UPSTREAM=debian:bookworm-slim
OFFLINE=proctor-base:bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CONTEXT=$(cd "$(dirname "$0")/../sandbox_images/python" && pwd)

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

build_offline_base() {
  local dir
  dir=$(mktemp -d /var/tmp/proctor-rootfs.XXXXXX)
  # --one-file-system: never descend into anything still mounted in the chroot.
  trap "rm -rf --one-file-system '$dir'" EXIT
  debootstrap --variant=minbase --include=python3 bookworm "$dir" "$MIRROR" >/dev/null
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb \
         "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/*
  find "$dir"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  tar -C "$dir" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' \
      --exclude='./sys/*' -c . | docker import - "$OFFLINE" >/dev/null
}

args=()
if have_image "$UPSTREAM" || timeout 20 docker pull -q "$UPSTREAM" >/dev/null 2>&1; then
  echo "build-images: base $UPSTREAM (registry image)"
else
  if have_image "$OFFLINE"; then
    echo "build-images: base $OFFLINE (offline debootstrap image, already built)"
  else
    echo "build-images: base $OFFLINE (offline: building it with debootstrap from $MIRROR)"
    build_offline_base
  fi
  args=(--build-arg "BASE_IMAGE=$OFFLINE")
fi

docker build -q "${args[@]}" -t "$IMAGE" "$CONTEXT" >/dev/null
echo "build-images: built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
