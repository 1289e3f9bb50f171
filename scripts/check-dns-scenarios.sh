#!/usr/bin/env bash
# Check the FCrDNS scenario table (scripts/zones/README.md) against the
# running servers: for every client address, look up the PTR names through
# unbound (127.0.0.1:35354), look up A/AAAA for each name (at most CAP=10
# names, in answer order; names that look like IPv4 addresses are skipped as
# not being host names) and compute the RFC 8601 iprev result with dig:
#
#   pass       a PTR name has an address equal to the client address
#   fail       PTR names found, none confirms (forward NXDOMAIN/NODATA/mismatch)
#   temperror  SERVFAIL (or timeout) on the PTR lookup, or on a forward lookup
#              when no name confirmed
#   permerror  PTR lookup gave NXDOMAIN or NODATA
#
# Start the servers first: scripts/dns-servers.sh start
# Prints one line per scenario and "N passed, N failed"; exits non-zero on
# any mismatch. Only ever queries 127.0.0.1 on the recursive port.
set -euo pipefail

PORT=${FCRDNS_RECURSIVE_PORT:-35354}
CAP=${FCRDNS_PTR_CAP:-10}
DIG=(dig @127.0.0.1 -p "$PORT" +tries=1 +time=3)

# client address | expected verdict (with CAP=10) | note
SCENARIOS=(
    "192.0.2.25|pass|PTR mail.example.test, A matches"
    "192.0.2.26|pass|PTR v4only.example.test (A only)"
    "192.0.2.30|fail|PTR nonexistent.example.test: forward NXDOMAIN"
    "192.0.2.31|fail|PTR mismatch.example.test: A is 192.0.2.32"
    "192.0.2.33|fail|PTR txtonly.example.test: forward NODATA"
    "192.0.2.35|pass|3 PTR names, only multi-b confirms"
    "192.0.2.36|pass|12 PTR names, 1st (cap36-01) confirms"
    "192.0.2.37|fail|12 PTR names, only 12th (cap37-12) confirms: beyond cap 10"
    "192.0.2.40|fail|PTR 192.0.2.40. (numeric, not a host name)"
    "192.0.2.41|pass|PTR 192-0-2-41.example.test"
    "192.0.2.45|pass|PTR alias-fwd.example.test, CNAME to fwd-target"
    "192.0.2.50|pass|PTR dyn-192-0-2-50.pool.example.test"
    "192.0.2.55|pass|PTR weird\\.label.example.test (escaped dot)"
    "192.0.2.56|pass|PTR space\\032label.example.test (space)"
    "192.0.2.61|pass|PTR host.wild.example.test via wildcard"
    "192.0.2.66|temperror|PTR SERVFAIL"
    "192.0.2.67|temperror|PTR servfail-fwd.example.test: forward SERVFAIL"
    "192.0.2.77|pass|40 long PTR names, response only fits over TCP"
    "192.0.2.98|permerror|PTR NODATA (TXT only)"
    "192.0.2.99|permerror|PTR NXDOMAIN"
    "192.0.2.102|pass|PTR multi.example.test, one of 4 A"
    "192.0.2.129|permerror|RFC 2317 CNAME into child, target absent (NXDOMAIN)"
    "192.0.2.130|pass|RFC 2317 CNAME into 128/25 child, PTR classless.example.test"
    "192.0.2.131|fail|RFC 2317 child PTR classless-mismatch.example.test"
    "198.51.100.10|pass|PTR chain198.example.test, 2-step CNAME chain"
    "198.51.100.25|pass|PTR mx2.example.test"
    "198.51.100.26|fail|PTR mail.example.test (A is 192.0.2.25)"
    "198.51.100.99|permerror|PTR NXDOMAIN"
    "2001:db8::25|pass|PTR mail.example.test, AAAA matches"
    "2001:db8::26|fail|PTR v4only.example.test: AAAA NODATA"
    "2001:db8::31|fail|PTR mismatch6.example.test: AAAA is 2001:db8::32"
    "2001:db8::45|pass|PTR alias-fwd.example.test, CNAME to fwd-target"
    "2001:db8::66|temperror|PTR SERVFAIL"
    "2001:db8::98|permerror|PTR NODATA (TXT only)"
    "2001:db8::99|permerror|PTR NXDOMAIN"
    "2001:db8::102|pass|PTR multi.example.test, one of 3 AAAA"
    "127.0.0.1|pass|PTR localhost. (unbound's own localhost. A 127.0.0.1)"
    "127.0.0.10|pass|PTR good.mail.example.test"
    "127.0.0.11|permerror|PTR NXDOMAIN"
    "127.0.0.12|fail|PTR elsewhere.mail.example.test: A is 192.0.2.12"
    "127.0.0.13|temperror|PTR servfail-fwd.example.test: forward SERVFAIL"
    "127.0.0.14|temperror|PTR SERVFAIL"
)

# query NAME TYPE [opts]: sets STATUS and ANSWER (answer-section lines)
query() {
    local out
    if ! out=$("${DIG[@]}" +noall +comments +answer "$@" 2>&1); then
        STATUS=TIMEOUT; ANSWER=""; return 0
    fi
    STATUS=$(printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -n 1)
    [ -n "$STATUS" ] || STATUS=TIMEOUT
    ANSWER=$(printf '%s\n' "$out" | grep -v '^;' | grep -v '^$' || true)
}

iprev() {
    local ip=$1 type names name n=0 tempfail=0 addr
    if [[ $ip == *:* ]]; then type=AAAA; else type=A; fi
    query -x "$ip" +tcp   # TCP: the 192.0.2.77 answer does not fit in UDP
    case "$STATUS" in
        NOERROR) ;;
        NXDOMAIN) echo permerror; return ;;
        *) echo temperror; return ;;
    esac
    names=$(printf '%s\n' "$ANSWER" | awk '$4 == "PTR" { print $5 }')
    [ -n "$names" ] || { echo permerror; return; }
    while read -r name; do
        n=$((n + 1))
        [ "$n" -le "$CAP" ] || break
        # an IPv4-address-looking name is not a host name (RFC 1123 2.1)
        if [[ $name =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\.?$ ]]; then continue; fi
        query "$name" "$type"
        case "$STATUS" in
            NOERROR|NXDOMAIN) ;;
            *) tempfail=1; continue ;;
        esac
        while read -r addr; do
            [ -n "$addr" ] || continue
            # dig prints addresses in canonical form; the table uses it too
            if [ "$addr" = "$ip" ]; then
                echo pass; return
            fi
        done < <(printf '%s\n' "$ANSWER" | awk -v t="$type" '$4 == t { print $5 }')
    done <<< "$names"
    if [ "$tempfail" = 1 ]; then echo temperror; else echo fail; fi
}

passed=0; failed=0
for s in "${SCENARIOS[@]}"; do
    IFS='|' read -r ip expected note <<< "$s"
    got=$(iprev "$ip")
    if [ "$got" = "$expected" ]; then
        passed=$((passed + 1)); mark=ok
    else
        failed=$((failed + 1)); mark=MISMATCH
    fi
    printf '%-9s %-15s %-10s %s\n' "$mark" "$ip" "$got" "$note"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
