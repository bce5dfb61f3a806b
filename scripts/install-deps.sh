#!/bin/sh
# Debian packages needed to build the plugin, package it and run its tests, on Debian 12
# (Wireshark 4.0), 13 (4.4) or testing (4.6). Run as root, or as a user with sudo.
#   scripts/install-deps.sh          install them
#   scripts/install-deps.sh --list   print their names (tests/versions builds its roots from it)
set -eu
PACKAGES="build-essential cmake pkg-config libglib2.0-dev dpkg-dev file
    tshark wireshark-common wireshark-dev libwireshark-dev libwiretap-dev libwsutil-dev
    python3 python3-pytest python3-impacket python3-pycryptodome
    clang llvm libclang-rt-dev
    samba-testsuite tcpdump valgrind ca-certificates
    krb5-kdc krb5-admin-server krb5-user python3-gssapi"
# the benchmark's plots (tests/bench/bench.py -> docs/performance.md); not in --list, so the
# tests/versions roots (made from --list) stay as they are
BENCH_PACKAGES="python3-matplotlib"
if [ "${1:-}" = "--list" ]; then
    echo $PACKAGES
    exit 0
fi
if [ "$(id -u)" = 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "install-deps.sh: run as root (or install sudo)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -qq
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES $BENCH_PACKAGES >/dev/null
