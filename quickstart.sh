#!/bin/sh
# Install what the plugin needs on Debian 12, build it, install it into Wireshark's system plugin
# folder and decode a bundled capture. Run as root (sudo ./quickstart.sh).
set -eu
cd "$(dirname "$0")"
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
cmake --install build
tshark -G plugins | grep -F cmrp.so
tshark -r captures/smbtorture-anon.pcapng -Y cmrp
