#!/usr/bin/env bash
# Prepares a Debian machine (as root) to build, run and test the plugin:
# build tools and headers, a Docker daemon, and a tiny local image.
# Idempotent: safe to run again.
set -euo pipefail

packages=(docker.io podman busybox-static rapidjson-dev g++ make python3 clang libclang-rt-14-dev clang-format openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd (log: /var/log/dockerd-setup.log)"
  nohup dockerd >/var/log/dockerd-setup.log 2>&1 &
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/dockerd-setup.log" >&2; tail -20 /var/log/dockerd-setup.log >&2; exit 1; }
fi

if ! docker image inspect local/busybox >/dev/null 2>&1; then
  echo "setup: importing local/busybox from busybox-static"
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in sh sleep true false echo cat kill; do ln -s busybox "$rootfs/bin/$applet"; done
  tar -C "$rootfs" -c . | docker import - local/busybox:latest >/dev/null
  rm -rf "$rootfs"
fi
echo "setup: ready (Docker $(docker version --format '{{.Server.Version}}'), image local/busybox)"
