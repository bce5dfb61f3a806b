#!/bin/sh
# Build the Debian package of the plugin for the Wireshark installed on this machine:
#   scripts/build-deb.sh [BUILD_DIR]        (default build-deb/)
# Writes BUILD_DIR/deb/wireshark-cmrp_<version>+ws<major.minor>_<arch>.deb and prints its path.
# Needs the build dependencies (scripts/install-deps.sh) and dpkg-dev (dpkg-shlibdeps).
set -eu
cd "$(dirname "$0")/.."
b=${1:-build-deb}
cmake -S . -B "$b" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$b" -j"$(nproc)" >/dev/null
rm -f "$b"/deb/*.deb
(cd "$b" && cpack -G DEB >/dev/null)
ls "$PWD/$b"/deb/*.deb
