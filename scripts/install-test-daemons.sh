#!/usr/bin/env bash
# Install the torrent daemons the contract tests run against, rsync for nas-sync, and ffmpeg
# and espeak-ng (speech for the voice tests) from Debian.
# Idempotent: installs only what is missing; prints what it did or why it skipped.
set -euo pipefail

packages=(transmission-daemon qbittorrent-nox deluged deluge-web rsync ffmpeg espeak-ng)
binaries=(transmission-daemon qbittorrent-nox deluged deluge-web rsync ffmpeg espeak-ng)

missing=()
for i in "${!packages[@]}"; do
    if ! command -v "${binaries[$i]}" >/dev/null 2>&1; then
        missing+=("${packages[$i]}")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-test-daemons: all present (${binaries[*]})"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-daemons: skipped, not root; missing: ${missing[*]} (daemon tests will skip)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-daemons: skipped, no apt-get; missing: ${missing[*]} (daemon tests will skip)"
    exit 0
fi

echo "install-test-daemons: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting system services: the tests run their own instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/install-test-daemons.log 2>&1; then
    apt-get update >>/tmp/install-test-daemons.log 2>&1
    apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/install-test-daemons.log 2>&1
fi
# A system transmission-daemon may have been started anyway (no policy-rc.d honoured
# under systemd); stop it so it does not hold port 9091 or its settings.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet transmission-daemon 2>/dev/null; then
    systemctl stop transmission-daemon || true
    echo "install-test-daemons: stopped the system transmission-daemon service"
fi
echo "install-test-daemons: installed ${missing[*]}"
