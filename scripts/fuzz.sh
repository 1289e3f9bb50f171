#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs one of them (see Fuzz/README.md).
#
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER-ARG...]   fuzz TARGET for SECONDS
#   scripts/fuzz.sh TARGET runs=N [LIBFUZZER-ARG...]    fuzz TARGET for N executions
#   scripts/fuzz.sh TARGET FILE...                      run TARGET once on each FILE (reproduce a crash)
#   scripts/fuzz.sh smoke [SECONDS]                     every target in turn (default 20 s each; CI)
#   scripts/fuzz.sh build                               just build
#   scripts/fuzz.sh list                                the targets
#
# TARGET: fuzz-message fuzz-name fuzz-ip fuzz-resolvconf fuzz-capture fuzz-tcpframe
#         (the "fuzz-" may be left out).
#
# Built with -sanitize=fuzzer,address, in release mode, in .build-fuzz/ (git-ignored;
# FUZZ_SCRATCH overrides), with FUZZ_BUILD_JOBS parallel jobs (default 1: the machine has
# two cores that others share). Each run regenerates the seeds from the project's
# fixtures and ../shared/corpus into .build-fuzz/seeds/TARGET, keeps what the fuzzer
# learns in .build-fuzz/corpus/TARGET, and writes a crashing input to
# .build-fuzz/artifacts/TARGET/. Exit status: 0 clean, 1 a finding (or a build error).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

TARGETS=(fuzz-message fuzz-name fuzz-ip fuzz-resolvconf fuzz-capture fuzz-tcpframe)
SCRATCH=${FUZZ_SCRATCH:-$ROOT/.build-fuzz}
JOBS=${FUZZ_BUILD_JOBS:-1}
BIN=$SCRATCH/release

log() { printf 'fuzz.sh: %s\n' "$*" >&2; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d'; }

# The largest input each target is given. Most DNS messages are far below 4 KiB;
# the capture reader needs room for a few frames.
max_len() {
    case "$1" in
        fuzz-message) echo 4096 ;;
        fuzz-capture) echo 65536 ;;
        fuzz-tcpframe) echo 8192 ;;
        *) echo 1024 ;;
    esac
}

build() {
    local t0=$SECONDS
    mkdir -p "$SCRATCH"
    # --sanitize fuzzer tells SwiftPM the executables get their main from libFuzzer;
    # -Xswiftc -sanitize=fuzzer,address instruments every module (the library's too)
    # for coverage and ASan (two separate -sanitize= flags would keep only the last).
    if ! nice -n 10 swift build -c release --package-path Fuzz --scratch-path "$SCRATCH" -j "$JOBS" \
        --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address >"$SCRATCH/build.log" 2>&1; then
        grep -v "ld.gold: warning: Cannot export" "$SCRATCH/build.log" | tail -n 40 >&2
        log "build failed (full log: $SCRATCH/build.log)"
        exit 1
    fi
    log "built the fuzz targets in $((SECONDS - t0)) s ($BIN)"
}

resolve_target() {
    local t=$1
    [[ $t == fuzz-* ]] || t="fuzz-$t"
    local k
    for k in "${TARGETS[@]}"; do
        if [ "$k" = "$t" ]; then
            echo "$t"
            return 0
        fi
    done
    log "unknown target '$1' (targets: ${TARGETS[*]})"
    exit 2
}

# The Swift runtime's backtracer would wait on a crashing fuzz target; ASan and
# libFuzzer report the crash themselves.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:symbolize=1:detect_leaks=1}

# run_target TARGET LIMIT-ARG [LIBFUZZER-ARG...]: fuzz, then print a one-line summary
run_target() {
    local target=$1 limit=$2; shift 2
    local seeds=$SCRATCH/seeds/$target corpus=$SCRATCH/corpus/$target artifacts=$SCRATCH/artifacts/$target
    local logfile=$SCRATCH/logs/$target.log
    rm -rf "$seeds"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$logfile")"
    python3 Fuzz/make-seeds.py "$target" "$seeds" >&2
    log "running $target ($limit); log: $logfile"
    local rc=0
    nice -n 10 "$BIN/$target" "$limit" -max_len="$(max_len "$target")" -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$corpus" "$seeds" >"$logfile" 2>&1 || rc=$?
    local runs secs
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logfile" | tail -n 1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$logfile" | tail -n 1)
    local cov
    cov=$(grep -E '^#[0-9]+' "$logfile" | tail -n 1 | grep -o 'cov: [0-9]*' || true)
    if [ "$rc" -ne 0 ]; then
        grep -E "FUZZ INVARIANT|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY|Test unit written|Fatal error" "$logfile" >&2 || true
        tail -n 30 "$logfile" >&2
        log "$target: FINDING after ${runs:-?} runs (exit $rc). Reproduce: scripts/fuzz.sh $target $artifacts/<file>"
        return 1
    fi
    local rate="?"
    if [ -n "${runs:-}" ] && [ -n "${secs:-}" ] && [ "$secs" -gt 0 ]; then rate=$((runs / secs)); fi
    printf '%-16s runs %-10s seconds %-5s exec/s %-8s %s corpus %s files, findings 0\n' \
        "$target" "${runs:-?}" "${secs:-?}" "$rate" "$cov" "$(find "$corpus" -type f | wc -l)"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
case "$1" in
    -h|--help|help) usage; exit 0 ;;
    list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
    build) build; exit 0 ;;
    smoke)
        seconds=${2:-20}
        build
        failed=0
        for t in "${TARGETS[@]}"; do
            run_target "$t" "-max_total_time=$seconds" || failed=1
        done
        exit "$failed"
        ;;
esac

target=$(resolve_target "$1"); shift
[ $# -ge 1 ] || { usage >&2; exit 2; }
build
if [[ $1 =~ ^[0-9]+$ ]]; then
    seconds=$1; shift
    run_target "$target" "-max_total_time=$seconds" "$@"
elif [[ $1 =~ ^runs=[0-9]+$ ]]; then
    runs=${1#runs=}; shift
    run_target "$target" "-runs=$runs" "$@"
else
    # Reproduce: run the target once on each file, with the full report on the terminal.
    for f in "$@"; do [ -f "$f" ] || { log "no such file: $f"; exit 2; }; done
    exec "$BIN/$target" -runs=1 "$@"
fi
