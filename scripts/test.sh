#!/usr/bin/env bash
# Runs every test of the package: starts the real DNS servers on loopback
# (NSD authoritative on 35353, unbound recursive on 35354), runs `swift test`
# (extra arguments are passed on), and stops the servers again.
#
# Interop tests need those servers. Without them (not installed), this script
# says so and the interop tests skip with a message — except under CI
# (CI=true), where a server that cannot start fails the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

interop=0
if scripts/dns-servers.sh start >/tmp/fcrdns-servers-start.log 2>&1; then
    interop=1
    trap 'scripts/dns-servers.sh stop >/dev/null 2>&1 || true' EXIT
else
    cat /tmp/fcrdns-servers-start.log >&2
    if [ -n "${CI:-}" ]; then
        echo "test.sh: the real DNS servers could not start; under CI that is a failure" >&2
        exit 1
    fi
    echo "test.sh: real DNS servers unavailable (install them: scripts/install-dns-servers.sh);" \
         "interop tests will be skipped" >&2
fi

export FCRDNS_INTEROP=$interop
swift test "$@"
