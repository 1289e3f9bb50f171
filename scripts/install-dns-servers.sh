#!/usr/bin/env bash
# Idempotently install the DNS servers and tools used by the interop tests
# (Debian/Ubuntu packages):
#   nsd            authoritative server        (/usr/sbin/nsd)
#   unbound        recursive server            (/usr/sbin/unbound)
#   bind9-dnsutils dig                         (/usr/bin/dig)
#   knot-dnsutils  kdig                        (/usr/bin/kdig)
# With --capture also the packet tools used by Fixtures/capture.sh:
#   tcpdump, tshark
#
# Nothing is installed (and `apt-get update` is not run) when every binary is
# already present. Package maintainer scripts are prevented from starting the
# distro's own nsd/unbound services on port 53: if /usr/sbin/policy-rc.d does
# not exist, a temporary one that answers 101 ("action forbidden") is put in
# place for the duration of the install and removed afterwards.
set -euo pipefail

want_capture=0
for arg in "$@"; do
    case "$arg" in
        --capture) want_capture=1 ;;
        -h|--help)
            sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "install-dns-servers.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

# binary -> package
declare -a pairs=(
    "/usr/sbin/nsd:nsd"
    "/usr/sbin/unbound:unbound"
    "/usr/bin/dig:bind9-dnsutils"
    "/usr/bin/kdig:knot-dnsutils"
)
if [ "$want_capture" = 1 ]; then
    pairs+=("/usr/bin/tcpdump:tcpdump" "/usr/bin/tshark:tshark")
fi

missing=()
for p in "${pairs[@]}"; do
    bin=${p%%:*}; pkg=${p#*:}
    if [ ! -x "$bin" ]; then
        missing+=("$pkg")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-dns-servers.sh: all tools present, nothing to install"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-dns-servers.sh: need root to install: ${missing[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-dns-servers.sh: apt-get not found; install manually: ${missing[*]}" >&2
    exit 1
fi

policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
    if [ "$created_policy" = 1 ]; then
        rm -f "$policy"
    fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary: installed by scripts/install-dns-servers.sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    created_policy=1
fi

echo "install-dns-servers.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}"

for p in "${pairs[@]}"; do
    bin=${p%%:*}
    if [ ! -x "$bin" ]; then
        echo "install-dns-servers.sh: $bin still missing after install" >&2
        exit 1
    fi
done

# The distro services must not be running (they would sit on port 53 with
# the packaged configuration). With policy-rc.d in place they are not
# started; warn if something started them anyway.
for name in nsd unbound; do
    for pid in $(pgrep -x "$name" || true); do
        if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- ' -c '; then
            echo "install-dns-servers.sh: WARNING: a system $name (pid $pid) is running; stop it with 'service $name stop'" >&2
        fi
    done
done
echo "install-dns-servers.sh: done"
