#!/bin/bash
# Long fuzzing campaign with a time budget:
#
#   tests/fuzz/campaign.sh --budget 3600 [--seed N] [--no-coverage] [--json report.json]
#
# Runs the sanitizer pass of sanitize.sh (corpus, editcap mutants) and then structure-aware
# mutants (tests/fuzz/mutate.py, a new seed per batch of 150 calls) until the budget is spent.
# Every input is also replayed through a gcov build (build-cov/) to count the plugin lines and
# branch outcomes reached (--no-coverage skips it, ~30% faster). Prints the PDUs tried, the
# coverage, and the findings; every failing input is reduced and kept as a regression capture
# captures/adversarial/crash-<sha1>.pcap with a .txt sidecar (the sanitizer report).
# Each run starts from a new seed (the clock) unless --seed N is given; the report prints the
# seeds it used, so `--seed N --budget ...` replays a run.
set -euo pipefail
cd "$(dirname "$0")/../.."
budget=3600
cov=--coverage
args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --budget) budget="$2"; shift 2 ;;
        --budget=*) budget="${1#--budget=}"; shift ;;
        --no-coverage) cov=""; shift ;;
        *) args+=("$1"); shift ;;
    esac
done
cmake -S . -B build-asan -DCMRP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-asan -j2 >/dev/null
exec /usr/bin/python3 tests/fuzz/fuzz.py --phases corpus,editcap,mutate --budget "$budget" \
    --seed "$(( $(date +%s) % 100000000 * 10 ))" --save $cov ${args[@]+"${args[@]}"}
