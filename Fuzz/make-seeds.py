#!/usr/bin/env python3
"""Writes the seed corpus of one fuzz target into a directory, at run time.

    Fuzz/make-seeds.py TARGET OUTDIR

Seeds come from the project's own files (Fixtures/pcap/*.pcap, scripts/zones/*)
and, when present, from ../shared/corpus (its .tcpstream messages, including
the malformed set, and its small capture files). Nothing from ../shared is
copied into the project: the seeds are written to OUTDIR (under .build-fuzz/,
which git ignores) every time a target runs.
"""

import hashlib
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "Fixtures", "pcap")
ZONES = os.path.join(ROOT, "scripts", "zones")
CORPUS = os.path.normpath(os.path.join(ROOT, "..", "shared", "corpus"))

MAX_CAPTURE_SEED = 64 * 1024  # capture files larger than this are not used as seeds


# ---------------------------------------------------------------- sources


def tcpstream_messages(path):
    """The messages of a .tcpstream file: [2-byte length][message] repeated."""
    with open(path, "rb") as f:
        data = f.read()
    i = 0
    while i + 2 <= len(data):
        (n,) = struct.unpack_from(">H", data, i)
        if i + 2 + n > len(data):
            break
        yield data[i + 2 : i + 2 + n]
        i += 2 + n


def corpus_streams():
    if not os.path.isdir(CORPUS):
        return []
    return sorted(os.path.join(CORPUS, f) for f in os.listdir(CORPUS) if f.endswith(".tcpstream"))


def pcap_payloads(path):
    """UDP payloads and length-prefixed TCP payloads in a pcap (Ethernet, SLL, null, raw IP).

    Good enough for seeds: no IP fragment or TCP reassembly (a TCP segment
    carrying whole length-prefixed messages is split into them).
    """
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        return
    linktype = struct.unpack_from(endian + "I", data, 20)[0] & 0xFFFF
    i = 24
    while i + 16 <= len(data):
        incl = struct.unpack_from(endian + "I", data, i + 8)[0]
        frame = data[i + 16 : i + 16 + incl]
        i += 16 + incl
        packet = link_payload(frame, linktype)
        if packet is not None:
            yield from ip_payloads(packet)


def link_payload(frame, linktype):
    if linktype == 1:  # Ethernet (VLAN tags skipped)
        off, ethertype = 12, None
        while off + 2 <= len(frame):
            ethertype = struct.unpack_from(">H", frame, off)[0]
            if ethertype in (0x8100, 0x88A8):
                off += 4
                continue
            break
        return frame[off + 2 :] if ethertype in (0x0800, 0x86DD) else None
    if linktype == 113:  # Linux SLL
        return frame[16:]
    if linktype == 276:  # Linux SLL2
        return frame[20:]
    if linktype in (0, 108):  # BSD null / loop
        return frame[4:]
    if linktype in (101, 12, 14, 228, 229):  # raw IP
        return frame
    return None


def ip_payloads(packet):
    if not packet:
        return
    version = packet[0] >> 4
    if version == 4 and len(packet) >= 20:
        ihl = (packet[0] & 0xF) * 4
        proto = packet[9]
        body = packet[ihl:]
    elif version == 6 and len(packet) >= 40:
        proto = packet[6]
        body = packet[40:]
    else:
        return
    if proto == 17 and len(body) >= 8:
        payload = body[8:]
        if payload:
            yield payload
    elif proto == 6 and len(body) >= 20:
        payload = body[(body[12] >> 4) * 4 :]
        j = 0
        while j + 2 <= len(payload):
            (n,) = struct.unpack_from(">H", payload, j)
            if n == 0 or j + 2 + n > len(payload):
                break
            yield payload[j + 2 : j + 2 + n]
            j += 2 + n


def fixture_pcaps():
    return sorted(os.path.join(FIXTURES, f) for f in os.listdir(FIXTURES) if f.endswith(".pcap"))


def corpus_captures():
    out = []
    base = os.path.join(CORPUS, "pcaps")
    if not os.path.isdir(base):
        return out
    for dirpath, _, files in os.walk(base):
        for f in files:
            p = os.path.join(dirpath, f)
            if f.endswith((".pcap", ".pcapng", ".cap")) and os.path.getsize(p) <= MAX_CAPTURE_SEED:
                out.append(p)
    return sorted(out)


def zone_tokens():
    """Every whitespace-separated token of the zone files (names, addresses, numbers)."""
    tokens = []
    for f in sorted(os.listdir(ZONES)):
        if not f.endswith(".zone"):
            continue
        with open(os.path.join(ZONES, f), encoding="utf-8") as z:
            for line in z:
                line = line.split(";", 1)[0]
                tokens.extend(line.split())
    return tokens


# ---------------------------------------------------------------- per target


def seeds_message():
    for p in fixture_pcaps():
        yield from pcap_payloads(p)
    for s in corpus_streams():
        yield from tcpstream_messages(s)


def name_wire(text):
    """Presentation text -> uncompressed wire name (simple escapes only), or None."""
    labels, cur, i = [], bytearray(), 0
    raw = text.encode()
    while i < len(raw):
        c = raw[i]
        if c == ord("\\") and i + 1 < len(raw):
            if raw[i + 1 : i + 4].isdigit() and len(raw[i + 1 : i + 4]) == 3:
                cur.append(int(raw[i + 1 : i + 4]) & 0xFF)
                i += 4
            else:
                cur.append(raw[i + 1])
                i += 2
            continue
        if c == ord("."):
            if not cur:
                return None
            labels.append(bytes(cur))
            cur = bytearray()
        else:
            cur.append(c)
        i += 1
    if cur:
        labels.append(bytes(cur))
    wire = b"".join(bytes([len(l)]) + l for l in labels if len(l) < 64) + b"\x00"
    return wire if len(wire) <= 255 else None


def seeds_name():
    names = {t for t in zone_tokens() if re.search(r"[A-Za-z]", t) and not t.startswith("$")}
    names |= {
        ".", "example.test", "example.test.", "weird\\.label.example.test.", "space\\032label.example.test.",
        "a\\\\b.example.", "\\000.\\255.", "MiXeD.CaSe.Example.TEST.", "128/25.2.0.192.in-addr.arpa.",
        "*.wild.example.test.", "x" * 63 + ".example.", ".".join(["a" * 50] * 4) + ".",
    }
    for n in sorted(names):
        yield n.encode()
        wire = name_wire(n)
        if wire:
            yield wire


def seeds_ip():
    tokens = zone_tokens()
    addresses = {t for t in tokens if re.fullmatch(r"[0-9.]+", t) and t.count(".") == 3}
    addresses |= {t for t in tokens if ":" in t and re.fullmatch(r"[0-9a-fA-F:.]+", t)}
    addresses |= {
        "0.0.0.0", "255.255.255.255", "127.0.0.1", "::", "::1", "::ffff:192.0.2.1", "::192.0.2.1",
        "2001:db8::1:0:0:1", "2001:0db8:0000:0000:0000:ff00:0042:8329", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:1.2.3.4", "fe80::1%lo", "010.1.1.1", "1.2.3", "1.2.3.4.5", "256.1.1.1",
        "127.0.0.1:35354", "[::1]:35354", "[fe80::1%1]:53", "::1:53",
    }
    for a in sorted(addresses):
        yield a.encode()
    yield b"25.2.0.192.in-addr.arpa."
    yield b"5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
    yield b"1.0.0.127.IN-ADDR.ARPA"
    yield b"2.0.192.in-addr.arpa."


def seeds_resolvconf():
    files = [
        b"nameserver 127.0.0.1\nnameserver ::1\nsearch example.test corp.example.test\noptions ndots:2 timeout:3 attempts:2 rotate edns0\n",
        b"# comment\n; comment\ndomain example.test\nnameserver 127.0.0.53\noptions edns0 trust-ad\n",
        b"nameserver fe80::1%lo\nnameserver fe80::2%1\nnameserver 2001:db8::1 trailing\nnameserver 127.0.0.1\n",
        b"options ndots:20 timeout:0 attempts:9 -rotate use-vc single-request single-request-reopen no-aaaa\n",
        b"options no-tld-query no_tld_query no-reload debug inet6 rotatefoo ndots:x ndots:2x ndots:-1\n",
        b"  nameserver 127.0.0.1\n\tsearch a\nsortlist 130.155.160.0/255.255.240.0\nlookup file bind\nnameserver\n",
        b"search a.example # note\nnameserver 127.1\nnameserver 0x7f.0.0.1\r\nnameserver 010.0.0.1\n",
        b"search .\nsearch a b c d e f g h\n",
    ]
    for f in files:
        yield f
    yield files[0] + b"\x00local.example other.example"
    yield files[0] + b"\x00\x00ndots:3 rotate -edns0 attempts:99"
    yield files[1] + b"\x00\x00"


def seeds_capture():
    for p in fixture_pcaps():
        with open(p, "rb") as f:
            yield f.read()
    for p in corpus_captures():
        with open(p, "rb") as f:
            yield f.read()
    for s in corpus_streams():
        with open(s, "rb") as f:
            yield f.read(4096)


def seeds_tcpframe():
    streams = []
    for p in fixture_pcaps():
        msgs = list(pcap_payloads(p))
        streams.append(b"".join(struct.pack(">H", len(m)) + m for m in msgs))
    for s in corpus_streams():
        with open(s, "rb") as f:
            streams.append(f.read(2048))
    headers = [b"\x00", b"\x03\x01\x01\x05", b"\x08" + bytes([2, 0, 1, 3, 7, 0, 255, 13]), b"\x81\x40", b"\x82\x00\x01\x01"]
    for stream in streams:
        for h in headers:
            yield h + stream
    yield b"\x00"
    yield b"\x00\x00\x00"
    yield b"\x01\x01\xff\xff"


TARGETS = {
    "fuzz-message": seeds_message,
    "fuzz-name": seeds_name,
    "fuzz-ip": seeds_ip,
    "fuzz-resolvconf": seeds_resolvconf,
    "fuzz-capture": seeds_capture,
    "fuzz-tcpframe": seeds_tcpframe,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in TARGETS:
        sys.exit("usage: make-seeds.py {%s} OUTDIR" % ",".join(TARGETS))
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    count = 0
    for seed in TARGETS[target]():
        name = hashlib.sha1(seed).hexdigest()
        path = os.path.join(out, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(seed)
            count += 1
    print("%s: %d seeds in %s%s" % (target, count, out, "" if os.path.isdir(CORPUS) else " (../shared/corpus absent)"))


if __name__ == "__main__":
    main()
