#!/usr/bin/env bash
# End-to-end proof of `fcrdns policy` with the real thing: a real Postfix
# asks the policy service about real SMTP clients and delivers real mail.
#
#   scripts/postfix-e2e.sh          install postfix + swaks if missing, build fcrdns, run the cases
#
# What it does:
#  1. Installs postfix and swaks from Debian when missing (apt-get; the
#     package's own service is kept from starting by policy-rc.d, debconf
#     says "Local only"), and builds fcrdns (swift build; the scratch path
#     is ${FCRDNS_SCRATCH_PATH:-.build}).
#  2. Re-runs itself in a fresh network namespace (`unshare --net`) that has
#     only a loopback interface, so nothing any program does here can leave
#     the machine, and nothing clashes with servers others run on loopback.
#     Without unshare (or with FCRDNS_E2E_NETNS=0) it runs in the host's
#     namespace, on loopback, with Postfix configured to make no DNS lookups.
#  3. Starts the real DNS servers of scripts/dns-servers.sh (in the namespace:
#     a private instance; on the host: the running one if it answers),
#     `fcrdns policy --server 127.0.0.1:35354` on a free loopback port, and a
#     private Postfix instance (its own config, queue and data directories
#     under a temp dir) on 127.0.0.1:2525 with
#        smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:PORT,
#                                       permit_mynetworks, reject
#     delivering to mbox files (virtual(8)) under the temp dir; Postfix logs
#     to a file there (maillog_file, postlogd).
#  4. Sends one message with swaks bound to each client address of the
#     127.in-addr.arpa test zone and checks what Postfix did:
#        127.0.0.10  pass       accepted, delivered with Authentication-Results: …; iprev=pass
#        127.0.0.11  permerror  RCPT rejected 5.7.25
#        127.0.0.12  fail       RCPT rejected 5.7.25
#        127.0.0.13  temperror  RCPT deferred 4.7.25
#     plus a two-recipient message from 127.0.0.10 (one header per copy),
#     and that the policy service exits 0 on SIGTERM.
#  5. Stops Postfix, the policy service and the DNS servers it started;
#     removes the temp dir unless a case failed or FCRDNS_E2E_KEEP=1 (then
#     its path is printed).
#
# Prints PASS/FAIL per case, then "postfix-e2e: N passed, M failed" and
# the wall time; exits non-zero when any case failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

log() { printf 'postfix-e2e: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---------------------------------------------------------------- outside
if [ "${1:-}" != "--inside" ]; then
    export E2E_STARTED=${E2E_STARTED:-$(date +%s.%N)}

    # 1. Packages.
    missing=()
    [ -x /usr/sbin/postfix ] || missing+=(postfix)
    [ -x /usr/bin/swaks ] || missing+=(swaks)
    if [ "${#missing[@]}" -gt 0 ]; then
        [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
        command -v apt-get >/dev/null || die "apt-get not found; install manually: ${missing[*]}"
        policy=/usr/sbin/policy-rc.d
        created_policy=0
        if [ ! -e "$policy" ]; then
            printf '#!/bin/sh\n# temporary: installed by scripts/postfix-e2e.sh\nexit 101\n' > "$policy"
            chmod 755 "$policy"
            created_policy=1
        fi
        trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
        log "installing ${missing[*]}"
        printf '%s\n' "postfix postfix/main_mailer_type select Local only" \
                      "postfix postfix/mailname string localhost" | debconf-set-selections
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
        [ -x /usr/sbin/postfix ] && [ -x /usr/bin/swaks ] || die "postfix or swaks still missing after apt-get"
        if [ "$created_policy" = 1 ]; then rm -f "$policy"; created_policy=0; fi
        for pid in $(pgrep -x master || true); do
            log "WARNING: a Postfix master (pid $pid) is running; this script never started it"
        done
    fi

    # The DNS servers (scripts/install-dns-servers.sh is idempotent).
    if [ ! -x /usr/sbin/nsd ] || [ ! -x /usr/sbin/unbound ] || [ ! -x /usr/bin/dig ]; then
        scripts/install-dns-servers.sh >&2
    fi

    # fcrdns itself.
    scratch=${FCRDNS_SCRATCH_PATH:-.build}
    log "building fcrdns (scratch path $scratch)"
    swift build --scratch-path "$scratch" --product fcrdns ${FCRDNS_BUILD_JOBS:+-j "$FCRDNS_BUILD_JOBS"} >&2 \
        || die "swift build failed"
    FCRDNS_BIN="$(swift build --scratch-path "$scratch" --show-bin-path)/fcrdns"
    export FCRDNS_BIN
    [ -x "$FCRDNS_BIN" ] || die "no executable at $FCRDNS_BIN"

    # 2. A network namespace with loopback only, when possible.
    if [ "${FCRDNS_E2E_NETNS:-1}" != 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null \
        && unshare --net true 2>/dev/null; then
        export E2E_NETNS=1
        exec unshare --net -- bash "$0" --inside
    fi
    log "no network namespace (unshare unavailable or FCRDNS_E2E_NETNS=0): running on the host's loopback"
    export E2E_NETNS=0
    exec bash "$0" --inside
fi

# ---------------------------------------------------------------- inside
NETNS=${E2E_NETNS:-0}
if [ "$NETNS" = 1 ]; then
    ip link set lo up
fi

DOMAIN=fcrdns-e2e.test
AUTHSERV=mx.$DOMAIN
SMTP_PORT=2525
WORK=$(mktemp -d /tmp/fcrdns-postfix-e2e.XXXXXX)
chmod 755 "$WORK"
ETC=$WORK/etc
SPOOL=$WORK/spool
DATA=$WORK/data
MAIL=$WORK/mail
MAILLOG=$WORK/maillog
POLICY_LOG=$WORK/policy.log
mkdir -p "$ETC" "$SPOOL" "$DATA" "$MAIL" "$WORK/swaks"
chown postfix:postfix "$DATA"
chown nobody:nogroup "$MAIL"

passed=0
failed=0
started_dns=0
policy_pid=
postfix_started=0

pass() { passed=$((passed + 1)); printf 'PASS %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }

master_pid() {
    local f=$SPOOL/pid/master.pid pid
    [ -f "$f" ] || return 1
    pid=$(tr -dc '0-9' < "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

stop_postfix() {
    [ "$postfix_started" = 1 ] || return 0
    local pid
    pid=$(master_pid || true)
    postfix -c "$ETC" stop >/dev/null 2>&1 || true
    if [ -n "$pid" ]; then
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            log "Postfix master $pid did not stop; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    # Daemons of this instance carry MAIL_CONFIG=$ETC; none may outlive the master.
    local environ
    for environ in /proc/[0-9]*/environ; do
        if { tr '\0' '\n' < "$environ"; } 2>/dev/null | grep -qx "MAIL_CONFIG=$ETC"; then
            pid=${environ#/proc/}
            pid=${pid%/environ}
            log "Postfix process $pid outlived its master; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    postfix_started=0
}

stop_policy() {
    [ -n "$policy_pid" ] || return 0
    kill -TERM "$policy_pid" 2>/dev/null || true
    local status=0
    wait "$policy_pid" || status=$?
    policy_pid=
    return "$status"
}

cleanup() {
    local status=$?
    set +e
    stop_postfix
    stop_policy
    if [ "$started_dns" = 1 ]; then
        FCRDNS_SERVERS_DIR=$DNS_DIR scripts/dns-servers.sh stop >/dev/null 2>&1
    fi
    if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ] || [ "${FCRDNS_E2E_KEEP:-0}" = 1 ]; then
        log "kept $WORK (maillog, policy.log, swaks/*.txt, mail/)"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

show_logs() {
    log "---- policy service log (last 30 lines)"
    tail -n 30 "$POLICY_LOG" >&2 2>/dev/null || true
    log "---- Postfix log (last 40 lines)"
    tail -n 40 "$MAILLOG" >&2 2>/dev/null || true
}

# 3a. DNS servers.
if [ "$NETNS" = 1 ]; then
    DNS_DIR=$WORK/dns
    FCRDNS_SERVERS_DIR=$DNS_DIR scripts/dns-servers.sh start >"$WORK/dns-start.log" 2>&1 \
        || { cat "$WORK/dns-start.log" >&2; die "the DNS servers did not start"; }
    started_dns=1
else
    DNS_DIR=${FCRDNS_SERVERS_DIR:-/tmp/fcrdns-servers}
    if FCRDNS_SERVERS_DIR=$DNS_DIR scripts/dns-servers.sh status >/dev/null 2>&1; then
        log "using the DNS servers already running"
    else
        FCRDNS_SERVERS_DIR=$DNS_DIR scripts/dns-servers.sh start >"$WORK/dns-start.log" 2>&1 \
            || { cat "$WORK/dns-start.log" >&2; die "the DNS servers did not start"; }
        started_dns=1
    fi
fi

# 3b. The policy service, on a port the kernel picks (logged on its first line).
"$FCRDNS_BIN" policy --listen 127.0.0.1:0 --server 127.0.0.1:35354 --authserv-id "$AUTHSERV" \
    --mode enforce 2>"$POLICY_LOG" &
policy_pid=$!
POLICY_PORT=
for _ in $(seq 1 100); do
    POLICY_PORT=$(sed -n 's/.* listening listen=127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$POLICY_LOG" | head -n 1)
    [ -n "$POLICY_PORT" ] && break
    kill -0 "$policy_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$POLICY_PORT" ] || { cat "$POLICY_LOG" >&2; die "fcrdns policy did not start"; }
log "fcrdns policy (pid $policy_pid) on 127.0.0.1:$POLICY_PORT"

# 3c. A private Postfix instance.
cat > "$ETC/main.cf" <<EOF
# Private instance of scripts/postfix-e2e.sh: loopback only, no DNS, no relaying.
compatibility_level = 3.6
queue_directory = $SPOOL
data_directory = $DATA
mail_owner = postfix
setgid_group = postdrop
myhostname = $AUTHSERV
mydomain = $DOMAIN
myorigin = \$myhostname
mydestination = localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = $MAILLOG
maillog_file_prefixes = $WORK

# No DNS, ever: no reverse lookup of clients (it would use the system
# resolver), no MX/A lookups, nothing relayed or sent out.
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
relayhost =
relay_domains =
default_transport = error:5.7.1 this test instance sends no mail out
relay_transport = error:5.7.1 this test instance relays nothing
alias_maps =
alias_database =
biff = no
smtputf8_enable = no

# Local delivery: mbox files under $MAIL, written as nobody.
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_base = $MAIL
virtual_mailbox_maps = texthash:$ETC/vmailbox
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)

# The policy service under test.
smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:$POLICY_PORT, permit_mynetworks, reject
smtpd_policy_service_timeout = 30s
EOF
printf 'inbox@%s inbox\ninbox2@%s inbox2\n' "$DOMAIN" "$DOMAIN" > "$ETC/vmailbox"
cat > "$ETC/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF

postfix -c "$ETC" check >"$WORK/postfix-check.log" 2>&1 \
    || { cat "$WORK/postfix-check.log" >&2; die "postfix check failed"; }
postfix -c "$ETC" start >"$WORK/postfix-start.log" 2>&1 \
    || { cat "$WORK/postfix-start.log" "$MAILLOG" >&2; die "postfix did not start"; }
postfix_started=1
up=0
for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then up=1; break; fi
    sleep 0.1
done
[ "$up" = 1 ] || { show_logs; die "Postfix is not listening on 127.0.0.1:$SMTP_PORT"; }
log "Postfix $(postconf -h mail_version) (master pid $(master_pid || echo '?')) on 127.0.0.1:$SMTP_PORT"

# 4. The cases.
# send NAME CLIENT_IP HELO RCPT... : one message; swaks' transcript in $WORK/swaks/NAME.txt
send() {
    local name=$1 client=$2 helo=$3
    shift 3
    local to
    to=$(IFS=,; printf '%s' "$*")
    local status=0
    swaks --server 127.0.0.1 --port "$SMTP_PORT" --local-interface "$client" --helo "$helo" \
        --from "sender@$helo" --to "$to" --timeout 60 \
        --header "Subject: fcrdns e2e $name" --header "X-E2E-Case: $name" \
        --body "end-to-end test message for $name from $client" \
        >"$WORK/swaks/$name.txt" 2>&1 || status=$?
    printf '%s\n' "$status"
}

# mbox_message FILE CASE: the message of that case in an mbox file (empty if none).
mbox_message() {
    awk -v want="X-E2E-Case: $2" '
        /^From / { if (found) exit; buf = ""; inmsg = 1 }
        { buf = buf $0 "\n" }
        $0 == want { found = 1 }
        END { if (found) printf "%s", buf }' "$1" 2>/dev/null || true
}

wait_for_delivery() {  # FILE CASE
    for _ in $(seq 1 300); do
        [ -n "$(mbox_message "$1" "$2")" ] && return 0
        sleep 0.1
    done
    return 1
}

expect_header() {  # case-name mbox-file expected-count
    local name=$1 file=$2 want=$3 message count
    message=$(mbox_message "$file" "$name")
    count=$(printf '%s\n' "$message" | grep -c "^Authentication-Results: $AUTHSERV; iprev=pass (good\.mail\.example\.test) policy\.iprev=127\.0\.0\.10\$" || true)
    if [ "$count" = "$want" ]; then
        return 0
    fi
    log "$file: expected $want Authentication-Results header(s), found $count:"
    printf '%s\n' "$message" | sed -n '1,/^$/p' >&2
    return 1
}

# pass: accepted and delivered, with the header.
status=$(send pass 127.0.0.10 good.mail.example.test "inbox@$DOMAIN")
if [ "$status" = 0 ] && grep -q '<-  250 2.0.0 Ok: queued' "$WORK/swaks/pass.txt"; then
    if wait_for_delivery "$MAIL/inbox" pass && expect_header pass "$MAIL/inbox" 1; then
        pass "127.0.0.10 (iprev=pass): accepted, delivered to $MAIL/inbox with Authentication-Results: $AUTHSERV; iprev=pass (good.mail.example.test) policy.iprev=127.0.0.10"
    else
        fail "127.0.0.10 (iprev=pass): accepted but not delivered with the header"
    fi
else
    fail "127.0.0.10 (iprev=pass): not accepted (swaks exit $status, see $WORK/swaks/pass.txt)"
    sed -n '/RCPT TO/,+2p' "$WORK/swaks/pass.txt" >&2
fi

# rejected and deferred clients: the RCPT reply.
expect_rcpt_reply() {  # name client helo code enhanced description
    local name=$1 client=$2 helo=$3 code=$4 enhanced=$5 what=$6 status reply
    status=$(send "$name" "$client" "$helo" "inbox@$DOMAIN")
    reply=$(grep -A1 -- '-> RCPT TO' "$WORK/swaks/$name.txt" | sed -n 's/^<\*\* *//p' | head -n 1 || true)
    if [ "$status" != 0 ] && [[ "$reply" == "$code $enhanced "* ]]; then
        pass "$client ($what): RCPT answered '$reply'"
    else
        fail "$client ($what): expected '$code $enhanced …', got '${reply:-none}' (swaks exit $status)"
        sed -n '/RCPT TO/,+2p' "$WORK/swaks/$name.txt" >&2
    fi
}
expect_rcpt_reply permerror 127.0.0.11 unknown.example.test 554 5.7.25 "iprev=permerror, no PTR"
expect_rcpt_reply fail 127.0.0.12 elsewhere.mail.example.test 554 5.7.25 "iprev=fail, PTR name points elsewhere"
expect_rcpt_reply temperror 127.0.0.13 servfail.example.test 450 4.7.25 "iprev=temperror, SERVFAIL"

# Two recipients from the passing client: each copy carries exactly one header
# (the policy service prepends once per message, on the first RCPT).
status=$(send two-recipients 127.0.0.10 good.mail.example.test "inbox@$DOMAIN" "inbox2@$DOMAIN")
if [ "$status" = 0 ] && wait_for_delivery "$MAIL/inbox" two-recipients && wait_for_delivery "$MAIL/inbox2" two-recipients \
    && expect_header two-recipients "$MAIL/inbox" 1 && expect_header two-recipients "$MAIL/inbox2" 1; then
    pass "127.0.0.10, two recipients: both copies delivered, each with exactly one Authentication-Results header"
else
    fail "127.0.0.10, two recipients: expected both copies delivered with one header each (swaks exit $status)"
fi

# Nothing from the refused clients reached a mailbox.
leaked=
for name in permerror fail temperror; do
    [ -n "$(mbox_message "$MAIL/inbox" "$name")" ] && leaked+=" $name"
done
if [ -z "$leaked" ]; then
    pass "no message from 127.0.0.11/12/13 was delivered"
else
    fail "delivered although refused:$leaked"
fi

# The policy service logged one decision per RCPT it was asked about.
decisions=$(grep -c ' decision ' "$POLICY_LOG" || true)
if [ "$decisions" -ge 6 ] \
    && grep -q 'decision .*client=127.0.0.10 .*verdict=pass action=PREPEND' "$POLICY_LOG" \
    && grep -q 'decision .*client=127.0.0.11 .*verdict=permerror action=REJECT' "$POLICY_LOG" \
    && grep -q 'decision .*client=127.0.0.12 .*verdict=fail action=REJECT' "$POLICY_LOG" \
    && grep -q 'decision .*client=127.0.0.13 .*verdict=temperror action=DEFER_IF_PERMIT' "$POLICY_LOG"; then
    pass "policy log: $decisions decision lines with client, helo, verdict, action and time"
else
    fail "policy log lacks the expected decision lines ($decisions found)"
fi

# 5. Stop Postfix, then the policy service: SIGTERM must give exit status 0.
stop_postfix
if master_pid >/dev/null; then
    fail "Postfix master still running after 'postfix stop'"
fi
policy_status=0
stop_policy || policy_status=$?
if [ "$policy_status" = 0 ] && grep -q ' stopped' "$POLICY_LOG"; then
    pass "fcrdns policy stopped on SIGTERM with exit status 0"
else
    fail "fcrdns policy exit status $policy_status after SIGTERM"
fi

if [ "$failed" -gt 0 ]; then show_logs; fi
elapsed=$(awk -v s="$E2E_STARTED" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
echo "postfix-e2e: wall time ${elapsed}s, network namespace: $([ "$NETNS" = 1 ] && echo yes || echo no)"
echo "postfix-e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
