#!/bin/bash
# valgrind memcheck of tshark with the plugin (built without sanitizers into build-valgrind/)
# over captures/ (merged; -2 -V and no tree), captures/adversarial/ (-V) and mutated batches
# from mutate.py (-V and no tree). Prints every run's error count and the errors whose stack
# passes through the plugin; exits 1 on any error.
#
#   tests/fuzz/valgrind.sh [--batches N] [--seed S] [--no-corpus] [--no-adversarial]
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMRP_SANITIZE=OFF >/dev/null
cmake --build build-valgrind -j2 >/dev/null
exec /usr/bin/python3 tests/fuzz/memcheck.py "$@"
