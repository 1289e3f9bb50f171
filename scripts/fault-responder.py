#!/usr/bin/env python3
"""A deliberately faulty authoritative DNS server, for scripts/soak.sh. Loopback only.

    scripts/fault-responder.py [--port 35355] [--stats FILE]

Listens on 127.0.0.1:PORT (UDP and TCP) and is authoritative for

    113.0.203.in-addr.arpa.   reverse of 203.0.113.0/24 (TEST-NET-3)
    18.198.in-addr.arpa.      reverse of 198.18.0.0/16 (benchmarking range)
    faulty.test.              the forward names

The PTR of a.b.c.d is h-a-b-c-d.faulty.test., whose A record is a.b.c.d, so
with no fault every address would pass. The fault is chosen by the address:
key = d for 203.0.113.d, and c*256+d for 198.18.c.d; behaviour = key % 10:

    0  answers correctly                          -> pass
    1  drops every query (PTR and A)              -> temperror
    2  answers after 250 ms                       -> pass (or temperror)
    3  UDP: TC=1 and nothing else; TCP: answers   -> pass (or temperror)
    4  UDP: TC=1; TCP: closes without answering   -> temperror
    5  SERVFAIL                                   -> temperror
    6  drops half the queries at random           -> pass (or temperror)
    7  PTR fine, the forward A query SERVFAILs    -> temperror
    8  PTR NXDOMAIN                               -> permerror (or temperror)
    9  PTR fine, A is a.b.c.(d+1): a mismatch     -> fail (or temperror)

"(or temperror)" because unbound, between the client and this server, may
give up on it (retries, timeouts, its infrastructure cache marking the server
down) and answer SERVFAIL. scripts/soak.sh checks exactly this table.

unbound reaches this server through stub zones that scripts/dns-servers.sh
adds only when FCRDNS_FAULT_PORT is set. It binds 127.0.0.1 only and answers
only the address a query came from. SIGTERM/SIGINT stop it; it then writes
its counters to --stats.
"""

import argparse
import heapq
import random
import selectors
import signal
import socket
import struct
import sys
import threading
import time

ZONES = [
    ("113", "0", "203", "in-addr", "arpa"),
    ("18", "198", "in-addr", "arpa"),
    ("faulty", "test"),
]
SOA_MINIMUM = 30
TTL = 60
DELAY_SECONDS = 0.25

T_A, T_NS, T_SOA, T_PTR, T_AAAA = 1, 2, 6, 12, 28
NOERROR, SERVFAIL, NXDOMAIN, REFUSED, FORMERR = 0, 2, 3, 5, 1

stats_lock = threading.Lock()
stats = {}


def count(key, n=1):
    with stats_lock:
        stats[key] = stats.get(key, 0) + n


# ---------------------------------------------------------------- wire format


def encode_name(labels):
    out = bytearray()
    for label in labels:
        raw = label.encode("ascii")
        out.append(len(raw))
        out += raw
    out.append(0)
    return bytes(out)


def parse_query(data):
    """(id, flags, labels, qtype, qclass, question bytes) or None."""
    if len(data) < 12:
        return None
    qid, flags, qd = struct.unpack_from(">HHH", data, 0)
    if flags & 0x8000 or qd != 1:
        return None
    i, labels = 12, []
    while True:
        if i >= len(data):
            return None
        n = data[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0 or i + 1 + n > len(data):
            return None
        labels.append(data[i + 1 : i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 4 > len(data):
        return None
    qtype, qclass = struct.unpack_from(">HH", data, i)
    return qid, flags, labels, qtype, qclass, data[12 : i + 4]


def rr(owner, rtype, rdata, ttl=TTL):
    return encode_name(owner) + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def soa_record(zone):
    rdata = encode_name(("ns",) + zone) + encode_name(("hostmaster",) + zone) + struct.pack(
        ">IIIII", 1, 3600, 900, 604800, SOA_MINIMUM
    )
    return rr(zone, T_SOA, rdata)


def response(query, rcode, answers=(), authority=(), truncated=False):
    qid, flags, _, _, _, question = query
    out_flags = 0x8000 | 0x0400 | (flags & 0x0100) | rcode  # QR, AA, RD copied
    if truncated:
        out_flags |= 0x0200
        answers, authority = (), ()
    header = struct.pack(">HHHHHH", qid, out_flags, 1, len(answers), len(authority), 0)
    return header + question + b"".join(answers) + b"".join(authority)


# ---------------------------------------------------------------- the zones


def zone_of(labels):
    low = tuple(l.lower() for l in labels)
    for zone in ZONES:
        if len(low) >= len(zone) and low[len(low) - len(zone) :] == zone:
            return zone, low[: len(low) - len(zone)]
    return None, None


def address_of_reverse(zone, prefix):
    """The IPv4 address whose reverse name is prefix + zone, or None."""
    octets_rev = list(prefix) + list(zone[:-2])  # d.c.b.a without in-addr.arpa
    if len(octets_rev) != 4:
        return None
    try:
        octets = [int(x) for x in reversed(octets_rev)]
    except ValueError:
        return None
    if any(o < 0 or o > 255 for o in octets) or any(len(x) > 1 and x[0] == "0" for x in octets_rev):
        return None
    return octets


def address_of_forward(prefix):
    """h-a-b-c-d -> [a, b, c, d], for addresses in our two ranges."""
    if len(prefix) != 1 or not prefix[0].startswith("h-"):
        return None
    parts = prefix[0][2:].split("-")
    try:
        octets = [int(x) for x in parts]
    except ValueError:
        return None
    if len(octets) != 4 or not in_range(octets):
        return None
    return octets


def in_range(octets):
    return octets[:3] == [203, 0, 113] or octets[:2] == [198, 18]


def behaviour(octets):
    key = octets[3] if octets[0] == 203 else octets[2] * 256 + octets[3]
    return key % 10


def answer(query, transport):
    """What to do with a query: ("send", bytes), ("drop",), ("delay", bytes), ("close",)."""
    _, _, labels, qtype, qclass, _ = query
    zone, prefix = zone_of(labels)
    if zone is None or qclass != 1:
        count("refused")
        return ("send", response(query, REFUSED))
    owner = tuple(labels)
    if not prefix:  # the apex
        if qtype == T_SOA:
            return ("send", response(query, NOERROR, [soa_record(zone)]))
        if qtype == T_NS:
            return ("send", response(query, NOERROR, [rr(zone, T_NS, encode_name(("ns",) + zone))]))
        return ("send", response(query, NOERROR, authority=[soa_record(zone)]))

    forward = zone == ("faulty", "test")
    octets = address_of_forward(prefix) if forward else address_of_reverse(zone, prefix)
    if octets is None:
        count("nxdomain-unknown")
        return ("send", response(query, NXDOMAIN, authority=[soa_record(zone)]))
    b = behaviour(octets)
    count("behaviour-%d" % b)

    if b == 1:
        count("dropped")
        return ("drop",)
    if b == 6 and random.random() < 0.5:
        count("dropped")
        return ("drop",)
    if b in (3, 4) and transport == "udp":
        count("truncated")
        return ("send", response(query, NOERROR, truncated=True))
    if b == 4:
        count("tcp-closed")
        return ("close",)
    if b == 5:
        count("servfail")
        return ("send", response(query, SERVFAIL))

    if forward:
        if qtype != T_A:
            return ("send", response(query, NOERROR, authority=[soa_record(zone)]))
        if b == 7:
            count("servfail")
            return ("send", response(query, SERVFAIL))
        a = list(octets)
        if b == 9:
            a[3] = (a[3] + 1) % 256
        body = response(query, NOERROR, [rr(owner, T_A, bytes(a))])
    else:
        if b == 8:
            count("nxdomain")
            return ("send", response(query, NXDOMAIN, authority=[soa_record(zone)]))
        if qtype != T_PTR:
            return ("send", response(query, NOERROR, authority=[soa_record(zone)]))
        target = encode_name(("h-%d-%d-%d-%d" % tuple(octets), "faulty", "test"))
        body = response(query, NOERROR, [rr(owner, T_PTR, target)])
    if b == 2:
        count("delayed")
        return ("delay", body)
    return ("send", body)


# ---------------------------------------------------------------- servers


def serve_tcp_connection(conn):
    conn.settimeout(5)
    try:
        while True:
            head = recv_exactly(conn, 2)
            if head is None:
                return
            (n,) = struct.unpack(">H", head)
            data = recv_exactly(conn, n)
            if data is None:
                return
            count("tcp-queries")
            query = parse_query(data)
            if query is None:
                return
            action = answer(query, "tcp")
            if action[0] in ("drop", "close"):
                return
            if action[0] == "delay":
                time.sleep(DELAY_SECONDS)
            conn.sendall(struct.pack(">H", len(action[1])) + action[1])
    except OSError:
        pass
    finally:
        conn.close()


def recv_exactly(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=35355)
    parser.add_argument("--stats", default=None, help="write counters here on exit")
    args = parser.parse_args()

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    udp.bind(("127.0.0.1", args.port))
    udp.setblocking(False)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("127.0.0.1", args.port))
    tcp.listen(256)
    tcp.setblocking(False)

    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sel = selectors.DefaultSelector()
    sel.register(udp, selectors.EVENT_READ, "udp")
    sel.register(tcp, selectors.EVENT_READ, "tcp")
    delayed = []  # heap of (due, seq, bytes, peer)
    seq = 0
    print("fault-responder: listening on 127.0.0.1:%d (udp, tcp)" % args.port, file=sys.stderr, flush=True)
    while not stopping.is_set():
        timeout = 0.5
        if delayed:
            timeout = max(0.0, min(timeout, delayed[0][0] - time.monotonic()))
        for key, _ in sel.select(timeout):
            if key.data == "tcp":
                try:
                    conn, _ = tcp.accept()
                except OSError:
                    continue
                conn.setblocking(True)
                threading.Thread(target=serve_tcp_connection, args=(conn,), daemon=True).start()
                continue
            for _ in range(256):  # drain a burst
                try:
                    data, peer = udp.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                count("udp-queries")
                query = parse_query(data)
                if query is None:
                    count("unparsable")
                    continue
                action = answer(query, "udp")
                if action[0] == "send":
                    try:
                        udp.sendto(action[1], peer)
                    except OSError:
                        count("send-errors")
                elif action[0] == "delay":
                    seq += 1
                    heapq.heappush(delayed, (time.monotonic() + DELAY_SECONDS, seq, action[1], peer))
        now = time.monotonic()
        while delayed and delayed[0][0] <= now:
            _, _, body, peer = heapq.heappop(delayed)
            try:
                udp.sendto(body, peer)
            except OSError:
                count("send-errors")

    if args.stats:
        with stats_lock, open(args.stats, "w") as f:
            for k in sorted(stats):
                f.write("%s %d\n" % (k, stats[k]))


if __name__ == "__main__":
    main()
