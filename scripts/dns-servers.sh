#!/usr/bin/env bash
# Real DNS servers for the interop tests, on loopback only.
#
#   scripts/dns-servers.sh [--install] start    start (or restart) NSD + unbound
#   scripts/dns-servers.sh stop                 stop both, leave nothing running
#   scripts/dns-servers.sh status               report pids and whether they answer
#   scripts/dns-servers.sh env                  print FCRDNS_* variables
#   scripts/dns-servers.sh flush                empty unbound's caches
#
#   NSD (authoritative)  127.0.0.1:35353 and [::1]:35353
#   unbound (recursive)  127.0.0.1:35354 and [::1]:35354
#
# All state (configs, zone copies, pid files, logs, control socket) lives in
# ${FCRDNS_SERVERS_DIR:-/tmp/fcrdns-servers}. Zones come from scripts/zones/;
# the scenarios they encode are listed in scripts/zones/README.md.
#
# unbound can only ever talk to loopback: every zone is a stub-zone pointing
# at NSD, "." is a local-zone (static: NXDOMAIN for anything else), the root
# hints are replaced by a stub for "." that points at NSD, outgoing sockets
# are bound to 127.0.0.1/::1, and every non-loopback address is listed in
# do-not-query-address.
#
# SERVFAIL names (servfail.test., servfail-fwd.example.test.,
# 66.2.0.192.in-addr.arpa., the reverse name of 2001:db8::66 and
# 14.0.0.127.in-addr.arpa.) are zones NSD is configured to serve but has no
# zone file for; NSD answers SERVFAIL for them at once, and so does unbound
# (its upstream answered SERVFAIL) in a few milliseconds.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ZONES_SRC="$HERE/zones"
RUN_DIR=${FCRDNS_SERVERS_DIR:-/tmp/fcrdns-servers}
AUTH_PORT=${FCRDNS_AUTH_PORT:-35353}
REC_PORT=${FCRDNS_RECURSIVE_PORT:-35354}
START_TIMEOUT=${FCRDNS_START_TIMEOUT:-15}   # seconds per server

NSD=/usr/sbin/nsd
NSD_CHECKCONF=/usr/sbin/nsd-checkconf
NSD_CHECKZONE=/usr/sbin/nsd-checkzone
UNBOUND=/usr/sbin/unbound
UNBOUND_CHECKCONF=/usr/sbin/unbound-checkconf
UNBOUND_CONTROL=/usr/sbin/unbound-control
DIG=/usr/bin/dig

# zone name | zone file in scripts/zones ("" = configured but deliberately
# not loadable, so NSD answers SERVFAIL)
ZONES=(
    "example.test.|example.test.zone"
    "2.0.192.in-addr.arpa.|2.0.192.in-addr.arpa.zone"
    "128/25.2.0.192.in-addr.arpa.|128-25.2.0.192.in-addr.arpa.zone"
    "100.51.198.in-addr.arpa.|100.51.198.in-addr.arpa.zone"
    "8.b.d.0.1.0.0.2.ip6.arpa.|8.b.d.0.1.0.0.2.ip6.arpa.zone"
    "127.in-addr.arpa.|127.in-addr.arpa.zone"
    "servfail.test.|"
    "servfail-fwd.example.test.|"
    "66.2.0.192.in-addr.arpa.|"
    "6.6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.|"
    "14.0.0.127.in-addr.arpa.|"
)
# Zones unbound must not block with its built-in local zones (RFC 6761 test.,
# RFC 6303/5737/3849 reverse zones, 127.in-addr.arpa.): made transparent.
TRANSPARENT=(
    "example.test."
    "servfail.test."
    "2.0.192.in-addr.arpa."
    "100.51.198.in-addr.arpa."
    "8.b.d.0.1.0.0.2.ip6.arpa."
    "127.in-addr.arpa."
)

# Soak mode only (scripts/soak.sh): with FCRDNS_FAULT_PORT=N set, unbound also
# gets stub zones pointing at scripts/fault-responder.py on 127.0.0.1:N (which
# the caller starts), room for more queries in flight, and nothing else
# changes. Unset (the default, and always for scripts/test.sh), the
# configuration is exactly as above.
FAULT_PORT=${FCRDNS_FAULT_PORT:-}
FAULT_ZONES=(
    "113.0.203.in-addr.arpa."
    "18.198.in-addr.arpa."
    "faulty.test."
)

log() { printf 'dns-servers.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { sed -n '2,27p' "$0"; }

# ---------------------------------------------------------------- helpers

# pids of processes whose command line is exactly "<bin> -c <conf>"
# (i.e. the instances this script started for this run dir)
pids_for() {
    local bin=$1 conf=$2 p cmd
    for p in /proc/[0-9]*; do
        cmd=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
        if [ "$cmd" = "$bin -c $conf " ]; then
            printf '%s\n' "${p#/proc/}"
        fi
    done
}

pid_from_file() {
    local f=$1 pid
    [ -s "$f" ] || return 1
    pid=$(tr -dc '0-9' < "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

# alive PID...: the pids that still exist and are not zombies
alive() {
    local p state
    for p in "$@"; do
        state=$(awk '{ print $3 }' 2>/dev/null < "/proc/$p/stat") || continue
        [ "$state" = Z ] || printf '%s\n' "$p"
    done
}

# stop_one NAME BIN CONF PIDFILE
stop_one() {
    local name=$1 bin=$2 conf=$3 pidfile=$4 pids i
    pids=$( { pid_from_file "$pidfile" || true; pids_for "$bin" "$conf"; } | sort -u)
    if [ -z "$pids" ]; then
        rm -f "$pidfile"
        return 0
    fi
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    # wait until the processes are really gone (an exiting process loses its
    # command line before it disappears, so check the pids themselves)
    for i in $(seq 1 100); do
        # shellcheck disable=SC2086
        pids=$(alive $pids)
        [ -z "$pids" ] && break
        sleep 0.05
    done
    if [ -n "$pids" ]; then
        log "$name did not exit after SIGTERM; sending SIGKILL to $pids"
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$pidfile"
}

# port_users PORT: lines of "ss" output for listeners on PORT (tcp or udp)
port_users() {
    ss -Hlntup "( sport = :$1 )" 2>/dev/null || true
}

# probe SERVER PORT NAME TYPE [dig options...]: succeed if the server answers
# with a response that has an answer section
probe() {
    local server=$1 port=$2 name=$3 type=$4; shift 4
    local out
    out=$("$DIG" @"$server" -p "$port" +tries=1 +time=1 +short "$@" "$name" "$type" 2>/dev/null) || return 1
    [ -n "$out" ]
}

wait_for() {
    local what=$1 logfile=$2; shift 2
    local deadline=$((SECONDS + START_TIMEOUT))
    while ! probe "$@"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            log "$what did not answer within ${START_TIMEOUT}s ($*)"
            if [ -f "$logfile" ]; then
                log "last lines of $logfile:"
                tail -n 30 "$logfile" >&2
            fi
            return 1
        fi
        sleep 0.05
    done
}

check_installed() {
    local missing=() b
    for b in "$NSD" "$NSD_CHECKCONF" "$NSD_CHECKZONE" "$UNBOUND" "$UNBOUND_CHECKCONF" "$UNBOUND_CONTROL" "$DIG"; do
        [ -x "$b" ] || missing+=("$b")
    done
    if [ "${#missing[@]}" -ne 0 ]; then
        if [ "$INSTALL" = 1 ]; then
            "$HERE/install-dns-servers.sh"
        else
            die "not installed: ${missing[*]} (run scripts/install-dns-servers.sh or pass --install)"
        fi
    fi
}

# IPv6 prefixes that together cover every address except ::1 (the
# complement of ::1/128): for each bit i, the prefix of length i+1 that
# matches ::1 in the first i bits and differs in bit i.
ipv6_complement_of_loopback() {
    local i g b v groups j
    for i in $(seq 0 127); do
        if [ "$i" -eq 127 ]; then
            echo "::/128"
            continue
        fi
        g=$((i / 16)); b=$((15 - i % 16)); v=$((1 << b))
        groups=""
        for j in 0 1 2 3 4 5 6 7; do
            if [ "$j" -eq "$g" ]; then
                groups="$groups$(printf '%x' "$v")"
            else
                groups="${groups}0"
            fi
            [ "$j" -lt 7 ] && groups="$groups:"
        done
        echo "$groups/$((i + 1))"
    done
}

# ---------------------------------------------------------------- configs

write_nsd_conf() {
    local conf="$RUN_DIR/nsd.conf" z name file
    {
        cat <<EOF
# generated by scripts/dns-servers.sh -- do not edit
server:
    ip-address: 127.0.0.1@$AUTH_PORT
    ip-address: ::1@$AUTH_PORT
    port: $AUTH_PORT
    do-ip4: yes
    do-ip6: yes
    reuseport: no
    server-count: 1
    tcp-count: 64
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$RUN_DIR/zones"
    zonelistfile: "$RUN_DIR/nsd-state/zone.list"
    xfrdfile: "$RUN_DIR/nsd-state/xfrd.state"
    xfrdir: "$RUN_DIR/nsd-state/xfr"
    pidfile: "$RUN_DIR/nsd.pid"
    logfile: "$RUN_DIR/nsd.log"
    verbosity: 1
    hide-version: no
    identity: "fcrdns-nsd"
    nsid: "ascii_fcrdns-nsd"
    round-robin: no
    refuse-any: no
    zonefiles-write: 0

remote-control:
    control-enable: no

EOF
        for z in "${ZONES[@]}"; do
            name=${z%%|*}; file=${z#*|}
            echo "zone:"
            echo "    name: \"$name\""
            if [ -n "$file" ]; then
                echo "    zonefile: \"$file\""
            else
                # deliberately missing: NSD serves SERVFAIL for this zone
                echo "    zonefile: \"unloadable-servfail.zone\""
            fi
            echo
        done
    } > "$conf"
}

write_unbound_conf() {
    local conf="$RUN_DIR/unbound.conf" z name n
    {
        cat <<EOF
# generated by scripts/dns-servers.sh -- do not edit
server:
    verbosity: 1
    num-threads: 1
    interface: 127.0.0.1@$REC_PORT
    interface: ::1@$REC_PORT
    port: $REC_PORT
    do-ip4: yes
    do-ip6: yes
    do-udp: yes
    do-tcp: yes
    so-reuseport: no
    # The test suite runs many TCP queries at once (TC fallback, TCP-only
    # tests); unbound's default of 10 incoming TCP connections closes the rest.
    incoming-num-tcp: 256
    access-control: 0.0.0.0/0 refuse
    access-control: ::/0 refuse
    access-control: 127.0.0.0/8 allow
    access-control: ::1/128 allow

    username: ""
    chroot: ""
    directory: "$RUN_DIR"
    pidfile: "$RUN_DIR/unbound.pid"
    logfile: "$RUN_DIR/unbound.log"
    use-syslog: no
    log-time-ascii: yes
    log-servfail: yes
    do-daemonize: yes

    # no DNSSEC: iterator only, no trust anchor
    module-config: "iterator"
    trust-anchor-signaling: no

    identity: "fcrdns-unbound"
    hide-identity: no
    nsid: "ascii_fcrdns-unbound"
    edns-buffer-size: 1232
    # one query per lookup upstream, stable RRset order (tests compare order)
    qname-minimisation: no
    rrset-roundrobin: no
    msg-cache-size: 4m
    rrset-cache-size: 8m
    infra-host-ttl: 60
    # both stub addresses are configured; always use 127.0.0.1 upstream so
    # captured traffic is the same from run to run
    prefer-ip4: yes

    # ---- loopback only ----
    do-not-query-localhost: no
    outgoing-interface: 127.0.0.1
    outgoing-interface: ::1
    # every IPv4 address outside 127.0.0.0/8
    do-not-query-address: 0.0.0.0/2
    do-not-query-address: 64.0.0.0/3
    do-not-query-address: 96.0.0.0/4
    do-not-query-address: 112.0.0.0/5
    do-not-query-address: 120.0.0.0/6
    do-not-query-address: 124.0.0.0/7
    do-not-query-address: 126.0.0.0/8
    do-not-query-address: 128.0.0.0/1
    # every IPv6 address except ::1
EOF
        while read -r n; do
            echo "    do-not-query-address: $n"
        done < <(ipv6_complement_of_loopback)
        cat <<EOF

    # Anything outside our zones: answered locally (NXDOMAIN), never iterated.
    local-zone: "." static
    local-data: ". 86400 IN SOA localhost. nobody.invalid. 1 3600 1200 604800 3600"
    local-data: ". 86400 IN NS localhost."
    # Our zones: override unbound's built-in blocking local zones
    # (test., 127.in-addr.arpa., 2.0.192/100.51.198.in-addr.arpa.,
    # 8.b.d.0.1.0.0.2.ip6.arpa.) and the "." zone above.
EOF
        for z in "${TRANSPARENT[@]}"; do
            echo "    local-zone: \"$z\" transparent"
        done
        if [ -n "$FAULT_PORT" ]; then
            echo "    # soak mode: zones of scripts/fault-responder.py, and room for its slow queries"
            for z in "${FAULT_ZONES[@]}"; do
                echo "    local-zone: \"$z\" transparent"
            done
            echo "    num-queries-per-thread: 4096"
        fi
        cat <<EOF

remote-control:
    control-enable: yes
    control-interface: "$RUN_DIR/unbound.ctl"
    control-use-cert: no

# Replaces the built-in root hints: the iterator can only ever reach NSD.
stub-zone:
    name: "."
    stub-addr: 127.0.0.1@$AUTH_PORT

EOF
        for z in "${ZONES[@]}"; do
            name=${z%%|*}
            echo "stub-zone:"
            echo "    name: \"$name\""
            echo "    stub-addr: 127.0.0.1@$AUTH_PORT"
            echo "    stub-addr: ::1@$AUTH_PORT"
            echo
        done
        if [ -n "$FAULT_PORT" ]; then
            for z in "${FAULT_ZONES[@]}"; do
                echo "stub-zone:"
                echo "    name: \"$z\""
                echo "    stub-addr: 127.0.0.1@$FAULT_PORT"
                echo
            done
        fi
    } > "$conf"
}

# ---------------------------------------------------------------- commands

cmd_stop() {
    stop_one unbound "$UNBOUND" "$RUN_DIR/unbound.conf" "$RUN_DIR/unbound.pid"
    stop_one nsd "$NSD" "$RUN_DIR/nsd.conf" "$RUN_DIR/nsd.pid"
    rm -f "$RUN_DIR/unbound.ctl"
}

cmd_start() {
    local t0=$SECONDS z file users
    check_installed
    [ -d "$ZONES_SRC" ] || die "zone directory $ZONES_SRC not found"

    cmd_stop

    for port in "$AUTH_PORT" "$REC_PORT"; do
        users=$(port_users "$port")
        if [ -n "$users" ]; then
            log "port $port is already in use by something this script did not start:"
            printf '%s\n' "$users" >&2
            die "free port $port (or set FCRDNS_AUTH_PORT/FCRDNS_RECURSIVE_PORT)"
        fi
    done

    mkdir -p "$RUN_DIR"
    rm -rf "$RUN_DIR/zones" "$RUN_DIR/nsd-state"
    mkdir -p "$RUN_DIR/zones" "$RUN_DIR/nsd-state/xfr"
    for z in "${ZONES[@]}"; do
        file=${z#*|}
        [ -z "$file" ] && continue
        [ -f "$ZONES_SRC/$file" ] || die "missing zone file $ZONES_SRC/$file"
        "$NSD_CHECKZONE" "${z%%|*}" "$ZONES_SRC/$file" >/dev/null \
            || die "nsd-checkzone rejected $ZONES_SRC/$file"
        cp "$ZONES_SRC/$file" "$RUN_DIR/zones/$file"
    done
    : > "$RUN_DIR/nsd.log"
    : > "$RUN_DIR/unbound.log"

    write_nsd_conf
    write_unbound_conf
    "$NSD_CHECKCONF" "$RUN_DIR/nsd.conf" || die "nsd-checkconf rejected $RUN_DIR/nsd.conf"
    "$UNBOUND_CHECKCONF" "$RUN_DIR/unbound.conf" >/dev/null \
        || die "unbound-checkconf rejected $RUN_DIR/unbound.conf"

    # NSD forks into the background and writes its pid file itself.
    # 9>&- : the daemons must not inherit (and so hold) the lock below
    if ! "$NSD" -c "$RUN_DIR/nsd.conf" 9>&-; then
        tail -n 30 "$RUN_DIR/nsd.log" >&2 || true
        die "nsd failed to start"
    fi
    wait_for "nsd (udp, 127.0.0.1)" "$RUN_DIR/nsd.log" 127.0.0.1 "$AUTH_PORT" example.test. SOA +norecurse \
        || { cmd_stop; die "nsd is not answering"; }
    wait_for "nsd (tcp, ::1)" "$RUN_DIR/nsd.log" ::1 "$AUTH_PORT" example.test. SOA +norecurse +tcp \
        || { cmd_stop; die "nsd is not answering on ::1"; }
    # check every loadable zone was loaded
    for z in "${ZONES[@]}"; do
        file=${z#*|}
        [ -z "$file" ] && continue
        probe 127.0.0.1 "$AUTH_PORT" "${z%%|*}" SOA +norecurse \
            || { tail -n 30 "$RUN_DIR/nsd.log" >&2; cmd_stop; die "nsd did not load zone ${z%%|*}"; }
    done

    if ! "$UNBOUND" -c "$RUN_DIR/unbound.conf" 9>&-; then
        tail -n 30 "$RUN_DIR/unbound.log" >&2 || true
        cmd_stop
        die "unbound failed to start"
    fi
    wait_for "unbound (udp, 127.0.0.1)" "$RUN_DIR/unbound.log" 127.0.0.1 "$REC_PORT" mail.example.test. A \
        || { cmd_stop; die "unbound is not answering"; }
    wait_for "unbound (tcp, ::1)" "$RUN_DIR/unbound.log" ::1 "$REC_PORT" 25.2.0.192.in-addr.arpa. PTR +tcp \
        || { cmd_stop; die "unbound is not answering on ::1"; }

    log "nsd     pid $(cat "$RUN_DIR/nsd.pid") on 127.0.0.1:$AUTH_PORT [::1]:$AUTH_PORT"
    log "unbound pid $(cat "$RUN_DIR/unbound.pid") on 127.0.0.1:$REC_PORT [::1]:$REC_PORT"
    log "state in $RUN_DIR; started in $((SECONDS - t0))s"
}

cmd_status() {
    local rc=0 pid
    if pid=$(pid_from_file "$RUN_DIR/nsd.pid"); then
        if probe 127.0.0.1 "$AUTH_PORT" example.test. SOA +norecurse; then
            echo "nsd: running (pid $pid), answering on 127.0.0.1:$AUTH_PORT"
        else
            echo "nsd: running (pid $pid) but NOT answering on 127.0.0.1:$AUTH_PORT"; rc=1
        fi
    else
        echo "nsd: not running"; rc=1
    fi
    if pid=$(pid_from_file "$RUN_DIR/unbound.pid"); then
        if probe 127.0.0.1 "$REC_PORT" mail.example.test. A; then
            echo "unbound: running (pid $pid), answering on 127.0.0.1:$REC_PORT"
        else
            echo "unbound: running (pid $pid) but NOT answering on 127.0.0.1:$REC_PORT"; rc=1
        fi
    else
        echo "unbound: not running"; rc=1
    fi
    echo "state directory: $RUN_DIR"
    return "$rc"
}

cmd_env() {
    echo "FCRDNS_AUTH=127.0.0.1:$AUTH_PORT"
    echo "FCRDNS_RECURSIVE=127.0.0.1:$REC_PORT"
    echo "FCRDNS_AUTH_V6=[::1]:$AUTH_PORT"
    echo "FCRDNS_RECURSIVE_V6=[::1]:$REC_PORT"
    echo "FCRDNS_SERVERS_DIR=$RUN_DIR"
    if [ -n "$FAULT_PORT" ]; then echo "FCRDNS_FAULT_PORT=$FAULT_PORT"; fi
}

cmd_flush() {
    pid_from_file "$RUN_DIR/unbound.pid" >/dev/null || die "unbound is not running"
    "$UNBOUND_CONTROL" -c "$RUN_DIR/unbound.conf" flush_zone . >/dev/null
    "$UNBOUND_CONTROL" -c "$RUN_DIR/unbound.conf" flush_infra all >/dev/null
    "$UNBOUND_CONTROL" -c "$RUN_DIR/unbound.conf" flush_bogus >/dev/null
    "$UNBOUND_CONTROL" -c "$RUN_DIR/unbound.conf" flush_negative >/dev/null
    log "unbound caches flushed"
}

# ---------------------------------------------------------------- main

INSTALL=0
CMD=""
for arg in "$@"; do
    case "$arg" in
        --install) INSTALL=1 ;;
        start|stop|status|env|flush) CMD=$arg ;;
        -h|--help|help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
[ -n "$CMD" ] || { usage >&2; exit 2; }

case "$CMD" in
    env) cmd_env; exit 0 ;;
esac

# serialise start/stop/status/flush for this run directory
mkdir -p "$(dirname "$RUN_DIR")"
exec 9>"${RUN_DIR%/}.lock"
flock -w 60 9 || die "could not lock ${RUN_DIR%/}.lock"

case "$CMD" in
    start) cmd_start ;;
    stop) cmd_stop; log "stopped" ;;
    status) cmd_status ;;
    flush) cmd_flush ;;
esac
