#!/bin/bash
# Sanitizer run: build the plugin with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ and run Debian's tshark with it (ASan runtime preloaded) over
#   - every capture in captures/ and captures/adversarial/ (-V, no tree, -2 -V),
#   - editcap -E mutants of each capture (seeds 1,2,3 x rates 0.005,0.02,0.1),
#   - structure-aware mutants from tests/fuzz/mutate.py (40 batches of 150 calls, or as many
#     as fit in --budget SECONDS).
# Fails (exit 1) on any sanitizer report, crash, abort, dissector bug, too-many-items abort,
# glib warning or timeout; bounds errors ("Malformed Packet") are fine.
#
#   tests/fuzz/sanitize.sh [--budget SECONDS] [--save] [other tests/fuzz/fuzz.py options]
#
# How tshark is run (see tests/fuzz/fuzzlib.py):
#   LD_PRELOAD=$(gcc -print-file-name=libasan.so) \
#   ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_odr_violation=0 \
#   UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
#   WIRESHARK_DEBUG_WMEM_OVERRIDE=simple WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 \
#   WIRESHARK_ABORT_ON_TOO_MANY_ITEMS=1 WIRESHARK_PLUGIN_DIR=build-asan/plugins tshark -r X -V
# (as an unprivileged user when run as root: setpriv --reuid=65534 --regid=65534 --clear-groups).
set -euo pipefail
cd "$(dirname "$0")/../.."
budget=""
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --budget) budget="$2"; shift 2 ;;
        --budget=*) budget="${1#--budget=}"; shift ;;
        *) args+=("$1"); shift ;;
    esac
done
cmake -S . -B build-asan -DCMRP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-asan -j2 >/dev/null
if [ -n "$budget" ]; then
    set -- --budget "$budget"
else
    set -- --batches 40
fi
exec /usr/bin/python3 tests/fuzz/fuzz.py --phases corpus,editcap,mutate "$@" ${args[@]+"${args[@]}"}
