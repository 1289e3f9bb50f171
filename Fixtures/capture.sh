#!/usr/bin/env bash
# Regenerate the packet captures in Fixtures/pcap/ (see Fixtures/README.md).
#
#   Fixtures/capture.sh [--keep-running]
#
# Installs what it needs (nsd, unbound, dig, kdig, tcpdump, tshark; only if
# missing), (re)starts the loopback DNS servers with scripts/dns-servers.sh,
# and for every fixture: empties unbound's caches, starts tcpdump on "lo",
# waits until it is capturing, sends real queries with dig/kdig to
# 127.0.0.1 / ::1 (ports 35353 = NSD authoritative, 35354 = unbound
# recursive), stops tcpdump and checks that the file decodes as DNS.
#
# Output per fixture NAME:
#   Fixtures/pcap/NAME.pcap  the capture (pcap, link type EN10MB, snaplen 262144)
#   Fixtures/pcap/NAME.txt   the commands, dig/kdig output and a tshark decode
# plus Fixtures/pcap/MANIFEST.txt (counts) and Fixtures/versions.txt.
# Re-running produces the same set of files with the same queries; only
# timestamps, message IDs, ports, cookies and TTLs differ.
#
# The servers are stopped at the end unless --keep-running is given.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/Fixtures/pcap"
SERVERS="$ROOT/scripts/dns-servers.sh"
AUTH=35353
REC=35354
FILTER="udp port $AUTH or tcp port $AUTH or udp port $REC or tcp port $REC"
TSHARK_DECODE=(-d "udp.port==$AUTH,dns" -d "tcp.port==$AUTH,dns" -d "udp.port==$REC,dns" -d "tcp.port==$REC,dns")

keep_running=0
for arg in "$@"; do
    case "$arg" in
        --keep-running) keep_running=1 ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "capture.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

log() { printf 'capture.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

TCPDUMP_PID=""
cleanup() {
    if [ -n "$TCPDUMP_PID" ] && kill -0 "$TCPDUMP_PID" 2>/dev/null; then
        kill -TERM "$TCPDUMP_PID" 2>/dev/null || true
        wait "$TCPDUMP_PID" 2>/dev/null || true
    fi
    if [ "$keep_running" = 0 ]; then
        "$SERVERS" stop || true
    fi
}
trap cleanup EXIT

"$ROOT/scripts/install-dns-servers.sh" --capture >&2
"$SERVERS" start

mkdir -p "$OUT"
rm -f "$OUT"/*.pcap "$OUT"/*.txt
TMP=$(mktemp -d)
trap 'cleanup; rm -rf "$TMP"' EXIT

CUR=""          # current fixture name
TRANSCRIPT=""
NQUERIES=0
MANIFEST_ROWS=()

# begin NAME DESCRIPTION...
begin() {
    CUR=$1; shift
    TRANSCRIPT="$TMP/$CUR.txt"
    NQUERIES=0
    "$SERVERS" flush 2>/dev/null
    {
        echo "# $CUR.pcap: $*"
        echo "# ports: $AUTH = NSD (authoritative), $REC = unbound (recursive, queries NSD on $AUTH)"
        echo "# unbound's caches were flushed just before the capture started."
        echo
    } > "$TRANSCRIPT"
    : > "$TMP/tcpdump.err"
    # --immediate-mode: without it libpcap (TPACKET_V3) hands packets over in
    # blocks and the last ones can be lost on exit. SIGTERM, not SIGINT, is
    # used to stop it: background jobs of a non-interactive shell ignore SIGINT.
    tcpdump -i lo -nn -U --immediate-mode -s 0 -Z root -w "$OUT/$CUR.pcap" "$FILTER" 2>"$TMP/tcpdump.err" &
    TCPDUMP_PID=$!
    local _
    for _ in $(seq 1 100); do
        grep -q 'listening on' "$TMP/tcpdump.err" && break
        kill -0 "$TCPDUMP_PID" 2>/dev/null || { cat "$TMP/tcpdump.err" >&2; die "tcpdump exited"; }
        sleep 0.05
    done
    grep -q 'listening on' "$TMP/tcpdump.err" || { cat "$TMP/tcpdump.err" >&2; die "tcpdump not ready"; }
}

# q TOOL ARGS...: run one dig/kdig command (no retries) and log it
q() {
    local tool=$1; shift
    local -a cmd
    case "$tool" in
        dig) cmd=(dig +tries=1 +time=3 "$@") ;;
        kdig) cmd=(kdig +retry=0 +timeout=3 "$@") ;;
        *) die "unknown tool $tool" ;;
    esac
    NQUERIES=$((NQUERIES + 1))
    {
        echo "\$ ${cmd[*]}"
        "${cmd[@]}" 2>&1 || die "query failed: ${cmd[*]}"
        echo
    } >> "$TRANSCRIPT"
}

finish() {
    sleep 0.2   # let the last packets reach the capture
    kill -TERM "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=""
    local f="$OUT/$CUR.pcap" packets messages queries bytes
    [ -s "$f" ] || die "$f is empty"
    packets=$(tcpdump -r "$f" -nn 2>/dev/null | wc -l)
    [ "$packets" -gt 0 ] || die "$f holds no packets"
    # DNS messages (one frame can hold several over TCP: count IDs)
    messages=$(tshark -n -r "$f" "${TSHARK_DECODE[@]}" -Y dns -T fields -e dns.id 2>/dev/null \
               | tr ',' '\n' | grep -c . || true)
    queries=$(tshark -n -r "$f" "${TSHARK_DECODE[@]}" -Y 'dns.flags.response == 0' -T fields -e dns.id 2>/dev/null \
               | tr ',' '\n' | grep -c . || true)
    [ "$queries" -ge "$NQUERIES" ] || die "$f: expected at least $NQUERIES DNS queries, decoded $queries"
    bytes=$(wc -c < "$f")
    {
        echo "# tshark decode (-d udp/tcp.port==$AUTH,dns -d udp/tcp.port==$REC,dns):"
        echo "# frame  proto  source -> destination  info"
        tshark -n -r "$f" "${TSHARK_DECODE[@]}" -T fields -E separator=/t \
            -e frame.number -e _ws.col.Protocol -e _ws.col.Source -e tcp.srcport -e udp.srcport \
            -e _ws.col.Destination -e tcp.dstport -e udp.dstport -e _ws.col.Info 2>/dev/null \
            | awk -F '\t' '
                function ep(a, p) { return (index(a, ":") ? "[" a "]" : a) ":" p }
                { printf "%-4s %-4s %-16s -> %-16s %s\n", $1, $2, ep($3, $4 $5), ep($6, $7 $8), $9 }'
    } >> "$TRANSCRIPT"
    cp "$TRANSCRIPT" "$OUT/$CUR.txt"
    MANIFEST_ROWS+=("$(printf '%-28s %7s %8s %8s %7s' "$CUR.pcap" "$bytes" "$packets" "$messages" "$queries")")
    log "$CUR.pcap: $packets packets, $messages DNS messages ($queries queries), $bytes bytes"
}

A4=(@127.0.0.1 -p "$AUTH")
A6=(@::1 -p "$AUTH")
R4=(@127.0.0.1 -p "$REC")
R6=(@::1 -p "$REC")

begin ptr-v4 "PTR for 192.0.2.25 over IPv4/UDP: NSD directly, then through unbound"
q dig "${A4[@]}" -x 192.0.2.25
q dig "${R4[@]}" -x 192.0.2.25
finish

begin ptr-v6 "PTR for 2001:db8::25 over IPv6/UDP: NSD directly, then through unbound"
q dig "${A6[@]}" -x 2001:db8::25
q dig "${R6[@]}" -x 2001:db8::25
finish

begin ptr-nxdomain "PTR NXDOMAIN (SOA in authority): 192.0.2.99 from NSD over IPv4, 2001:db8::99 through unbound over IPv6"
q dig "${A4[@]}" -x 192.0.2.99
q dig "${R6[@]}" -x 2001:db8::99
finish

begin ptr-nodata "PTR NODATA (name exists with TXT only): 192.0.2.98 from NSD, 2001:db8::98 through unbound, IPv4"
q dig "${A4[@]}" -x 192.0.2.98
q dig "${R4[@]}" -x 2001:db8::98
finish

begin a-aaaa-multi "multi.example.test: 4 A and 3 AAAA; NSD over IPv4, unbound over IPv6"
q dig "${A4[@]}" multi.example.test A
q dig "${A4[@]}" multi.example.test AAAA
q dig "${R6[@]}" multi.example.test A
q dig "${R6[@]}" multi.example.test AAAA
finish

begin cname-chain "CNAME chains: alias1 -> alias2 -> mail (NSD and unbound), chain198 (3 steps, unbound), dangling CNAME -> NXDOMAIN (unbound)"
q dig "${A4[@]}" alias1.example.test A
q dig "${R4[@]}" alias1.example.test A
q dig "${R4[@]}" chain198.example.test A
q dig "${R4[@]}" dangling.example.test A
finish

begin rfc2317 "RFC 2317: 130.2.0.192.in-addr.arpa CNAME 130.128/25.2.0.192.in-addr.arpa PTR (NSD, unbound); 192.0.2.129 CNAME to a missing name (unbound, NXDOMAIN)"
q dig "${A4[@]}" -x 192.0.2.130
q dig "${R4[@]}" -x 192.0.2.130
q dig "${R4[@]}" -x 192.0.2.129
finish

begin edns-options "EDNS: NSID, COOKIE, ECS, unknown option 65001, DO bit, EDNS version 1 (BADVERS), kdig padding, no EDNS"
q dig "${A4[@]}" +nsid +cookie +subnet=192.0.2.0/24 +ednsopt=65001:c0ffee mail.example.test A
q dig "${R6[@]}" +nsid +cookie +subnet=2001:db8::/48 +ednsopt=65001:c0ffee mail.example.test AAAA
q dig "${A4[@]}" +dnssec +bufsize=4096 example.test SOA
q dig "${A4[@]}" +edns=1 +noednsneg mail.example.test A
q kdig "${A6[@]}" +nsid +cookie +padding=128 mail.example.test A
q dig "${A4[@]}" +noedns mail.example.test A
finish

begin truncated-udp-then-tcp "big.example.test: UDP answer with TC=1 (EDNS 1232) then the same query over TCP; NSD over IPv4 (A), unbound over IPv6 (TXT, upstream also TC then TCP)"
q dig "${A4[@]}" big.example.test A
q dig "${R6[@]}" big.example.test TXT
finish

begin mx-soa-compression "name compression in RDATA and additional data: MX, SOA, NS, SRV, TXT from NSD; MX through unbound"
q dig "${A4[@]}" example.test MX
q dig "${A4[@]}" example.test SOA
q dig "${A4[@]}" example.test NS
q dig "${A4[@]}" _smtp._tcp.example.test SRV
q dig "${A4[@]}" example.test TXT
q dig "${R4[@]}" example.test MX
finish

begin ptr-large-tcp "192.0.2.77: 40 long PTR names (about 2.9 KB): UDP TC=1 then TCP, from NSD and through unbound"
q dig "${A4[@]}" -x 192.0.2.77
q dig "${R4[@]}" -x 192.0.2.77
finish

begin servfail "SERVFAIL: PTR 192.0.2.66 and forward servfail-fwd.example.test through unbound (IPv4; unbound retries NSD 10 times), then NSD's own SERVFAIL for 192.0.2.66 (IPv4) and 2001:db8::66 (IPv6)"
q dig "${R4[@]}" -x 192.0.2.66
q dig "${R4[@]}" servfail-fwd.example.test A
q dig "${A4[@]}" -x 192.0.2.66
q dig "${A6[@]}" -x 2001:db8::66
finish

begin ptr-escaped-labels "PTR targets with an escaped dot (weird\\.label) and a space (space\\032label), and their A records, from NSD"
q dig "${A4[@]}" -x 192.0.2.55
q dig "${A4[@]}" -x 192.0.2.56
q dig "${A4[@]}" 'weird\.label.example.test' A
q dig "${R4[@]}" 'space\032label.example.test' A
finish

begin ptr-many-names "several PTR names: 192.0.2.35 (3 names) from NSD, 192.0.2.37 (12 names) through unbound"
q dig "${A4[@]}" -x 192.0.2.35
q dig "${R4[@]}" -x 192.0.2.37
finish

begin forward-nxdomain-nodata "forward lookups that fail FCrDNS: NXDOMAIN (nonexistent), NODATA (txtonly A), NODATA (v4only AAAA), through unbound and NSD"
q dig "${R4[@]}" nonexistent.example.test A
q dig "${A4[@]}" txtonly.example.test A
q dig "${R6[@]}" v4only.example.test AAAA
finish

begin out-of-zone "outside the test zones: NSD answers REFUSED; unbound answers NXDOMAIN from its local root (it never leaves loopback)"
q dig "${A4[@]}" example.org A
q dig "${R4[@]}" example.org A
q dig "${R4[@]}" 192.0.2.40. A
finish

{
    echo "# Fixtures/pcap manifest, written by Fixtures/capture.sh"
    echo "# DNS on non-standard ports: $AUTH = NSD (authoritative), $REC = unbound (recursive)."
    echo "# messages = DNS messages decoded by tshark; queries = those with QR=0."
    printf '%-28s %7s %8s %8s %7s\n' file bytes packets messages queries
    printf '%s\n' "${MANIFEST_ROWS[@]}"
} > "$OUT/MANIFEST.txt"

{
    echo "# Tool versions used by Fixtures/capture.sh (dpkg-query -W)"
    dpkg-query -W -f='${Package} ${Version}\n' tcpdump libpcap0.8 tshark bind9-dnsutils knot-dnsutils nsd unbound 2>/dev/null || true
    echo
    echo "# tcpdump --version"
    tcpdump --version 2>&1
} > "$ROOT/Fixtures/versions.txt"

log "wrote ${#MANIFEST_ROWS[@]} captures to $OUT"
