#!/usr/bin/env bash
# Installs the Debian packages TCP Lens needs that are missing: `demo` (code-server's native
# build deps and ripgrep) or `test` (also Chromium, sshd, iproute2, the socket tools and the
# aarch64 cross compiler for the linux-arm64 package, Prometheus and node_exporter).
# Used by .ci/run and by `npm run demo`, so both work on a fresh machine when run as root.
set -euo pipefail

DEMO=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep)
TEST=("${DEMO[@]}" chromium openssh-server openssh-client iproute2 net-tools procps lsof util-linux python3 gcc-aarch64-linux-gnu libc6-dev-arm64-cross prometheus prometheus-node-exporter)

case "${1:-test}" in
  demo) wanted=("${DEMO[@]}") ;;
  test) wanted=("${TEST[@]}") ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
timeout 600 apt-get update -qq
timeout 1200 apt-get install -y -qq --no-install-recommends "${missing[@]}"
