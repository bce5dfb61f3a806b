#!/bin/sh
# tests/fuzz/libfuzz.sh SECONDS — in-process, coverage-guided fuzzing of the cmrp plugin.
#
# Builds (in build-libfuzz/, with clang) the libFuzzer target tests/fuzz/libfuzz/cmrp_fuzzer.c,
# which compiles in the plugin's sources and generated files with ASan + UBSan + libFuzzer
# coverage, and cmrp_replay, the same harness with clang source-based coverage and no fuzzing;
# extracts the seed corpus from captures/ (tests/fuzz/libfuzz/seeds.py, cached until a capture
# changes) and the dictionary (dict.py); fuzzes a working copy of the seeds for SECONDS with one
# worker process per core (libFuzzer's -fork mode: the parent merges what the workers find into
# the corpus, each worker is a fresh process, so libwireshark's per-session leak never adds up);
# replays the seeds and the grown corpus through cmrp_replay and prints the line
# coverage of plugin/ and of the generated code. Prints the number of executions.
#
# Exit status: 0 no finding; 1 a finding (crash, sanitizer report, timeout, out-of-memory): the
# reproducer is in build-libfuzz/libfuzz/run/findings/ (the script names it; replay it with
# `build-libfuzz/cmrp_fuzzer FILE`); 2 a tool is missing (scripts/install-deps.sh installs them)
# or the build failed. It installs nothing.
#
# Environment: CMRP_LIBFUZZ_BUILD (build folder, default build-libfuzz), CMRP_LIBFUZZ_RUN (name
# of the run's folder under build-libfuzz/libfuzz/, default run: corpus/, findings/, fuzz.log),
# CMRP_LIBFUZZ_JOBS (worker processes, default the number of cores; 1 fuzzes in this one
# process, without -fork), CMRP_LIBFUZZ_ARGS (extra libFuzzer options).
set -eu
usage() { echo "usage: tests/fuzz/libfuzz.sh SECONDS" >&2; exit 2; }
[ $# -eq 1 ] || usage
case "$1" in ''|*[!0-9]*) usage ;; esac
SECONDS_BUDGET=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${CMRP_LIBFUZZ_BUILD:-$ROOT/build-libfuzz}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

tool() {
    for t in "$@"; do
        if command -v "$t" >/dev/null 2>&1; then command -v "$t"; return 0; fi
    done
    echo "libfuzz.sh: none of [$*] is installed (scripts/install-deps.sh installs them)" >&2
    exit 2
}
CLANG=$(tool clang clang-14)
PROFDATA=$(tool llvm-profdata llvm-profdata-14)
LLVMCOV=$(tool llvm-cov llvm-cov-14)
tool cmake >/dev/null
tool tshark >/dev/null

# ---- build -----------------------------------------------------------------------------------
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    mkdir -p "$BUILD"
    CC=$CLANG cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMRP_LIBFUZZER=ON \
        >"$BUILD/configure.log" 2>&1 || { cat "$BUILD/configure.log" >&2; exit 2; }
fi
if ! cmake --build "$BUILD" -j2 --target cmrp_fuzzer cmrp_replay >"$BUILD/build.log" 2>&1; then
    cat "$BUILD/build.log" >&2
    echo "libfuzz.sh: build failed" >&2
    exit 2
fi

# ---- seeds (cached until a capture or the extractor changes) and dictionary ----------------
WORK=$BUILD/libfuzz
SEEDS=$WORK/seeds
mkdir -p "$WORK"
stale=$(find "$ROOT/captures" "$ROOT/tests/fuzz/libfuzz/seeds.py" -newer "$SEEDS.stamp" \
        -type f 2>/dev/null | head -1 || true)
if [ ! -f "$SEEDS.stamp" ] || [ -n "$stale" ]; then
    rm -rf "$SEEDS"
    n=$("$PY" "$ROOT/tests/fuzz/libfuzz/seeds.py" "$SEEDS" 2>"$WORK/seeds.log") || {
        cat "$WORK/seeds.log" >&2; exit 2; }
    touch "$SEEDS.stamp"
fi
"$PY" "$ROOT/tests/fuzz/libfuzz/dict.py" >"$WORK/cmrp.dict"
echo "libfuzz: $(ls "$SEEDS" | wc -l) seeds from captures/, $(wc -l <"$WORK/cmrp.dict") dictionary entries"

# ---- fuzz ------------------------------------------------------------------------------------
RUN=$WORK/${CMRP_LIBFUZZ_RUN:-run}
CORPUS=$RUN/corpus
FINDINGS=$RUN/findings
rm -rf "$RUN"
mkdir -p "$CORPUS" "$FINDINGS"
cp "$SEEDS"/* "$CORPUS"/
LOG=$RUN/fuzz.log
export WIRESHARK_CONFIG_DIR="$WORK/no-config"
JOBS=${CMRP_LIBFUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
case "$JOBS" in ''|*[!0-9]*|0) JOBS=1 ;; esac
if [ "$JOBS" -gt 1 ]; then
    MODE="-fork=$JOBS"
    echo "libfuzz: fuzzing for ${SECONDS_BUDGET}s ($JOBS worker processes; log: $LOG)"
else
    MODE=
    echo "libfuzz: fuzzing for ${SECONDS_BUDGET}s (one process; log: $LOG)"
fi
set +e
# shellcheck disable=SC2086
ASAN_OPTIONS=detect_leaks=0:handle_abort=1:max_malloc_fill_size=0:quarantine_size_mb=64 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$BUILD/cmrp_fuzzer" $MODE -max_total_time="$SECONDS_BUDGET" -timeout=10 -rss_limit_mb=3072 \
    -print_final_stats=1 -dict="$WORK/cmrp.dict" -artifact_prefix="$FINDINGS/" \
    ${CMRP_LIBFUZZ_ARGS:-} "$CORPUS" >"$LOG" 2>&1
rc=$?
set -e
if [ -n "$MODE" ]; then
    # the parent's last status line: "#EXECUTIONS: cov: ... exec/s RATE ..."
    execs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$LOG" | tail -1)
    rate=$(sed -n 's/^#[0-9]*: cov:.* exec\/s \([0-9]*\).*/\1/p' "$LOG" | tail -1)
    [ -z "$execs" ] || rate=$((execs / SECONDS_BUDGET))
else
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$LOG" | tail -1)
fi
echo "libfuzz: executions: ${execs:-unknown} (${rate:-?} exec/s), corpus $(ls "$CORPUS" | wc -l) inputs"

# ---- coverage: replay seeds + grown corpus with source-based coverage -----------------------
if LLVM_PROFILE_FILE="$RUN/replay-%p.profraw" "$BUILD/cmrp_replay" "$CORPUS" \
        >"$RUN/replay.log" 2>&1; then
    "$PROFDATA" merge -sparse -o "$RUN/replay.profdata" "$RUN"/replay-*.profraw
    cover() {   # label files...: the TOTAL line's line coverage
        label=$1; shift
        "$LLVMCOV" report "$BUILD/cmrp_replay" -instr-profile="$RUN/replay.profdata" "$@" \
            | awk -v l="$label" '/^TOTAL/ { printf "libfuzz: line coverage of %s: %s (%d of %d lines)\n", l, $(NF-3), $(NF-5)-$(NF-4), $(NF-5) }'
    }
    cover "plugin/" "$ROOT"/plugin/*.c
    cover "generated code ($(cd "$BUILD" && echo gen/*.c))" "$BUILD"/gen/*.c
    echo "libfuzz: per-file report: $LLVMCOV report $BUILD/cmrp_replay -instr-profile=$RUN/replay.profdata"
else
    echo "libfuzz: the coverage replay failed (see $RUN/replay.log)" >&2
    rc=${rc:-1}
    [ "$rc" -ne 0 ] || rc=1
fi

# ---- verdict ---------------------------------------------------------------------------------
found=$(ls "$FINDINGS" 2>/dev/null | head -20)
if [ "$rc" -ne 0 ] || [ -n "$found" ] || grep -q "ERROR: AddressSanitizer\|runtime error:\|ERROR: libFuzzer" "$LOG"; then
    echo "libfuzz: FINDING (libFuzzer exit status $rc); reproducer(s) in $FINDINGS/:" >&2
    for f in $found; do echo "  $FINDINGS/$f" >&2; done
    report=$LOG
    first=$(echo "$found" | head -1)
    if [ -n "$first" ] && ! grep -q "ERROR:\|runtime error:" "$LOG"; then
        # -fork keeps the report of an input that failed while the seeds were merged in its
        # worker's log: replay the first reproducer for it
        report=$RUN/finding.log
        ASAN_OPTIONS=detect_leaks=0:handle_abort=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
            "$BUILD/cmrp_fuzzer" "$FINDINGS/$first" >"$report" 2>&1 || true
        echo "libfuzz: report of $first: $report" >&2
    fi
    grep -m5 "ERROR:\|runtime error:\|SUMMARY:" "$report" >&2 || true
    echo "libfuzz: replay one with: $BUILD/cmrp_fuzzer FILE (CMRP_FUZZ_PRINT=1 prints the tree)" >&2
    exit 1
fi
echo "libfuzz: no finding"
