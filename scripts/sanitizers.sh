#!/usr/bin/env bash
# Every test under AddressSanitizer and ThreadSanitizer, with the real DNS servers.
#
#   scripts/sanitizers.sh [address|thread|all]      (default: all)
#
# For each sanitizer: a build of the package and its tests in a scratch directory
# of its own (.build-asan, .build-tsan; git-ignored), then scripts/test.sh with
# --sanitize, which starts NSD + unbound on loopback, runs `swift test` with
# FCRDNS_INTEROP=1 and stops them. Prints the wall time of the build and of the
# run for each. Exit status non-zero when a build or a test run fails (a
# sanitizer report fails the run).
#
# The tests run one at a time (--no-parallel): on two cores, the CPU-heavy corpus
# tests under a sanitizer starve the cooperative thread pool for seconds, and the
# interop tests' 8 s deadlines then expire (seen under ASan). Each test's own
# concurrency (the resolver's tasks, event loop and responder threads) is unchanged.
# Each sanitizer runs with its suppression file: scripts/asan-suppressions.txt (a
# Foundation bug), scripts/lsan-suppressions.txt (leak checking is on; XCTest and
# Foundation leave a few objects at exit) and scripts/tsan-suppressions.txt
# (Synchronization.Mutex is invisible to ThreadSanitizer on Linux); each says why.
#
# FCRDNS_SANITIZER_JOBS: build jobs (default: all cores).
# FCRDNS_SANITIZERS_NETNS=1 (as root, with unshare(1)): run the tests in a private
# network namespace, with the servers' state in /tmp/fcrdns-sanitizer-servers, so
# that another checkout's servers on the same ports are left alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

which=${1:-all}
case "$which" in
    address|thread) sanitizers=("$which") ;;
    all) sanitizers=(address thread) ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
esac

log() { printf 'sanitizers.sh: %s\n' "$*" >&2; }

# A crashing test process must not wait on the Swift backtracer; the sanitizer prints its own report.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:suppressions=$PWD/scripts/asan-suppressions.txt}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan-suppressions.txt}
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$PWD/scripts/tsan-suppressions.txt}

jobs=()
if [ -n "${FCRDNS_SANITIZER_JOBS:-}" ]; then jobs=(-j "$FCRDNS_SANITIZER_JOBS"); fi

run_tests() {
    local sanitizer=$1 scratch=$2
    if [ "${FCRDNS_SANITIZERS_NETNS:-}" = 1 ]; then
        FCRDNS_SERVERS_DIR=/tmp/fcrdns-sanitizer-servers unshare --net -- \
            bash -c 'ip link set lo up && exec scripts/test.sh "$@"' test.sh \
            --skip-build --no-parallel --sanitize="$sanitizer" --scratch-path "$scratch"
    else
        scripts/test.sh --skip-build --no-parallel --sanitize="$sanitizer" --scratch-path "$scratch"
    fi
}

failed=0
summary=()
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in
        address) scratch=$PWD/.build-asan ;;
        thread) scratch=$PWD/.build-tsan ;;
    esac
    mkdir -p "$scratch"
    logfile=$scratch/sanitizer-build.log
    testlog=$scratch/sanitizer-test.log
    t0=$SECONDS
    log "building with --sanitize=$sanitizer in $scratch"
    if ! swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch" "${jobs[@]}" >"$logfile" 2>&1; then
        tail -n 40 "$logfile" >&2
        log "$sanitizer: build failed (log: $logfile)"
        failed=1
        summary+=("$sanitizer: build FAILED after $((SECONDS - t0)) s")
        continue
    fi
    t1=$SECONDS
    log "$sanitizer: built in $((t1 - t0)) s; running the tests (output: $testlog)"
    rc=0
    run_tests "$sanitizer" "$scratch" >"$testlog" 2>&1 || rc=$?
    t2=$SECONDS
    reports=$(grep -c -E "^(==[0-9]+==ERROR: (Address|Leak)Sanitizer|WARNING: ThreadSanitizer|SUMMARY: (Address|Thread)Sanitizer)" \
        "$testlog" || true)
    grep -E "Test run with|Executed [0-9]+ tests" "$testlog" | tail -n 3 >&2 || true
    if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then
        grep -E -A 30 "^(==[0-9]+==ERROR|WARNING: ThreadSanitizer)" "$testlog" | head -n 120 >&2 || true
        grep -E "✘|error:" "$testlog" | head -n 40 >&2 || true
        failed=1
        summary+=("$sanitizer: FAILED (exit $rc, $reports sanitizer report lines); build $((t1 - t0)) s, tests $((t2 - t1)) s")
    else
        summary+=("$sanitizer: passed; build $((t1 - t0)) s, tests $((t2 - t1)) s, total $((t2 - t0)) s")
    fi
done
for line in "${summary[@]}"; do echo "sanitizers.sh: $line"; done
exit "$failed"
