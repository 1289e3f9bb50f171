#!/usr/bin/env bash
# Fault and load soak (not a timed test; not run by CI): `fcrdns batch` with 1,000
# evaluations in flight over 100,000 inputs against the real servers on loopback,
# with a share of the zones served by a fault-injecting responder.
#
#   scripts/soak.sh [--inputs N] [--concurrency N] [--faulty-share F] [--timeout MS] [--seed N]
#
# What runs (all on loopback):
#   NSD       127.0.0.1:35353  the project's zones (scripts/zones/)
#   unbound   127.0.0.1:35354  recursive; plus, in soak mode (FCRDNS_FAULT_PORT), stub zones
#                              113.0.203.in-addr.arpa., 18.198.in-addr.arpa. and faulty.test.
#                              pointing at the fault responder
#   scripts/fault-responder.py 127.0.0.1:35355  drops, delays, truncates (TC=1, with TCP
#                              answering or closing), SERVFAILs, NXDOMAINs, mismatches
#   fcrdns batch --concurrency 1000 --server 127.0.0.1:35354
#
# As root with unshare(1), the whole soak runs in a network namespace of its own
# (a private loopback and no other interface): nothing can leave the machine, and
# its servers cannot collide with those of scripts/test.sh on the same ports.
# Set FCRDNS_SOAK_NO_NETNS=1 to run in the current namespace instead (then ports
# 35353-35355 must be free). State goes to /tmp/fcrdns-soak-*; nothing is left running.
#
# scripts/soak.py does the work and the checks (see its header): one output line per
# input in order, verdicts of the right kind per scenario, bounded RSS, descriptors
# that do not grow with the inputs; it prints throughput and peak RSS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
SCRATCH=${FCRDNS_SOAK_SCRATCH:-$ROOT/.build-soak}
FAULT_PORT=35355
SERVER=127.0.0.1:35354

log() { printf 'soak.sh: %s\n' "$*" >&2; }

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,/^set -euo/p' "$0" | sed '$d'
    exit 0
fi

if [ -z "${FCRDNS_SOAK_IN_NETNS:-}" ]; then
    # Build outside the namespace (same files either way), with one job: the machine is shared.
    t0=$SECONDS
    mkdir -p "$SCRATCH"
    nice -n 10 swift build -c release --product fcrdns --scratch-path "$SCRATCH" -j "${FCRDNS_SOAK_BUILD_JOBS:-1}" \
        >"$SCRATCH/soak-build.log" 2>&1 || { tail -n 40 "$SCRATCH/soak-build.log" >&2; log "build failed"; exit 1; }
    log "built fcrdns (release) in $((SECONDS - t0)) s"
    if [ "${FCRDNS_SOAK_NO_NETNS:-}" != 1 ] && [ "$(id -u)" = 0 ] && unshare --net true 2>/dev/null; then
        log "entering a private network namespace (loopback only)"
        exec unshare --net -- env FCRDNS_SOAK_IN_NETNS=1 bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
    fi
    log "no private network namespace: using this one's loopback"
fi

FCRDNS=$SCRATCH/release/fcrdns
[ -x "$FCRDNS" ] || { log "missing $FCRDNS"; exit 1; }

export FCRDNS_SERVERS_DIR=/tmp/fcrdns-soak-servers
export FCRDNS_FAULT_PORT=$FAULT_PORT
STATS=/tmp/fcrdns-soak-fault-stats.txt
responder_pid=""

cleanup() {
    scripts/dns-servers.sh stop >/dev/null 2>&1 || true
    if [ -n "$responder_pid" ]; then
        kill -TERM "$responder_pid" 2>/dev/null || true
        wait "$responder_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

rm -f "$STATS"
python3 scripts/fault-responder.py --port "$FAULT_PORT" --stats "$STATS" &
responder_pid=$!
scripts/dns-servers.sh start
log "servers up; fault responder pid $responder_pid on 127.0.0.1:$FAULT_PORT"

rc=0
python3 scripts/soak.py --fcrdns "$FCRDNS" --server "$SERVER" --workdir /tmp/fcrdns-soak-run "$@" || rc=$?

# Stop the responder first so it writes its counters.
kill -TERM "$responder_pid" 2>/dev/null || true
wait "$responder_pid" 2>/dev/null || true
responder_pid=""
if [ -s "$STATS" ]; then
    echo "soak: fault responder counters: $(tr '\n' ' ' < "$STATS")"
fi
exit "$rc"
