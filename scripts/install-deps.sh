#!/bin/sh
# Debian 12 packages needed to build the plugin and run its tests. Run as root.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    build-essential cmake pkg-config libglib2.0-dev \
    tshark wireshark-common wireshark-dev libwireshark-dev libwiretap-dev libwsutil-dev \
    python3 python3-pytest python3-impacket python3-pycryptodome \
    samba-testsuite tcpdump valgrind ca-certificates >/dev/null
