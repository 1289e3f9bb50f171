#!/usr/bin/env python3
"""The driver behind scripts/soak.sh: generate inputs, run `fcrdns batch`, watch it, check every line.

    scripts/soak.py --fcrdns PATH --server 127.0.0.1:35354 [--inputs 100000] [--concurrency 1000]
                    [--faulty-share 0.3] [--timeout 2000] [--seed 1] [--workdir DIR]

Inputs are 'IP [HELO]' lines: the FCrDNS scenarios of scripts/check-dns-scenarios.sh
(served by NSD through unbound; their expected verdicts are exact), and addresses
of 203.0.113.0/24 and 198.18.0.0/16 served by scripts/fault-responder.py (expected:
the verdict its table gives, or temperror where unbound may give up on it).

While fcrdns runs, its VmRSS/VmHWM and open descriptors (/proc/PID/fd) are sampled
every 100 ms. Checks: exactly one output line per input, in input order (none lost,
none duplicated); each line's verdict allowed for its input; peak RSS under
--max-rss-mb; the descriptor count does not grow with the number of inputs done
(the second half of the run never holds more than the first half plus a margin).
Prints throughput, peak RSS and the descriptor profile. Exit status 0 when all hold.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# fault-responder.py's table: behaviour (key % 10) -> allowed verdicts
FAULT_ALLOWED = {
    0: {"pass", "temperror"},
    1: {"temperror"},
    2: {"pass", "temperror"},
    3: {"pass", "temperror"},
    4: {"temperror"},
    5: {"temperror"},
    6: {"pass", "temperror"},
    7: {"temperror"},
    8: {"permerror", "temperror"},
    9: {"fail", "temperror"},
}
FAULT_NAMES = {
    0: "correct", 1: "drop-all", 2: "delay-250ms", 3: "tc+tcp-ok", 4: "tc+tcp-close",
    5: "servfail", 6: "drop-half", 7: "forward-servfail", 8: "ptr-nxdomain", 9: "forward-mismatch",
}


def scenarios():
    """(ip, expected verdict) from scripts/check-dns-scenarios.sh, the project's table."""
    text = open(os.path.join(HERE, "check-dns-scenarios.sh"), encoding="utf-8").read()
    block = text.split("SCENARIOS=(", 1)[1].split("\n)", 1)[0]
    out = []
    for ip, verdict in re.findall(r'"([0-9a-fA-F:.]+)\|(pass|fail|permerror|temperror)\|', block):
        out.append((ip, verdict))
    if len(out) < 40:
        sys.exit("soak.py: found only %d scenarios in check-dns-scenarios.sh" % len(out))
    return out


def faulty_address(rng):
    if rng.random() < 0.3:
        d = rng.randrange(256)
        return "203.0.113.%d" % d, d % 10
    c, d = rng.randrange(256), rng.randrange(256)
    return "198.18.%d.%d" % (c, d), (c * 256 + d) % 10


def generate(n, share, seed):
    rng = random.Random(seed)
    table = scenarios()
    items = []  # (ip, category, allowed set)
    for _ in range(n):
        if rng.random() < share:
            ip, b = faulty_address(rng)
            items.append((ip, "fault:" + FAULT_NAMES[b], FAULT_ALLOWED[b]))
        else:
            ip, verdict = rng.choice(table)
            items.append((ip, "zone:" + verdict, {verdict}))
    return items


def fd_kinds(pid):
    """What the process's descriptors are: {'socket': n, 'anon_inode:[eventpoll]': n, ...}."""
    kinds = {}
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            kind = target.split(":", 1)[0] + ":" if target.startswith(("socket:", "pipe:")) else target
            kinds[kind] = kinds.get(kind, 0) + 1
    except OSError:
        pass
    return kinds


def read_proc(pid):
    rss = hwm = None
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        fds = len(os.listdir("/proc/%d/fd" % pid))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return rss, hwm, fds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fcrdns", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--inputs", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=1000)
    ap.add_argument("--faulty-share", type=float, default=0.3)
    ap.add_argument("--timeout", type=int, default=2000, help="fcrdns --timeout (ms per try)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-rss-mb", type=int, default=1024)
    ap.add_argument("--workdir", default="/tmp/fcrdns-soak-run")
    args = ap.parse_args()

    host = args.server.rsplit(":", 1)[0].strip("[]")
    if host not in ("127.0.0.1", "::1"):
        sys.exit("soak.py: --server must be on loopback (got %s)" % args.server)

    os.makedirs(args.workdir, exist_ok=True)
    items = generate(args.inputs, args.faulty_share, args.seed)
    input_path = os.path.join(args.workdir, "inputs.txt")
    rng = random.Random(args.seed + 1)
    with open(input_path, "w") as f:
        for ip, _, _ in items:
            f.write(ip + (" mail.example.test\n" if rng.random() < 0.25 else "\n"))
    output_path = os.path.join(args.workdir, "outputs.jsonl")
    stderr_path = os.path.join(args.workdir, "fcrdns.stderr")

    cmd = [args.fcrdns, "batch", input_path, "--concurrency", str(args.concurrency),
           "--server", args.server, "--timeout", str(args.timeout)]
    print("soak: %d inputs (%d zone scenarios, %.0f%% on the fault responder), concurrency %d" % (
        len(items), len(scenarios()), 100 * args.faulty_share, args.concurrency))
    print("soak: " + " ".join(cmd))

    lines = []
    samples = []  # (seconds, outputs so far, rss kB, hwm kB, fds)
    with open(stderr_path, "w") as err:
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1 << 16)

        def reader():
            for line in proc.stdout:
                lines.append(line)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        start_kinds = fd_kinds(proc.pid)
        done_kinds = None
        while proc.poll() is None:
            done = len(lines)
            s = read_proc(proc.pid)
            if s is not None:
                samples.append((time.monotonic() - started, done) + s)
                if done >= len(items):
                    done_kinds = fd_kinds(proc.pid) or done_kinds
            time.sleep(0.1)
        t.join()
        elapsed = time.monotonic() - started
    with open(output_path, "w") as f:
        f.writelines(lines)
    stderr_text = open(stderr_path).read().strip()

    # ---- per-line checks
    problems = []
    tally = {}
    lost = max(0, len(items) - len(lines))
    extra = max(0, len(lines) - len(items))
    out_of_place = 0
    for i, line in enumerate(lines[: len(items)]):
        ip, category, allowed = items[i]
        try:
            obj = json.loads(line)
        except ValueError:
            problems.append("line %d is not JSON: %r" % (i + 1, line[:120]))
            continue
        if obj.get("original_ip") != ip:
            out_of_place += 1
            if out_of_place <= 5:
                problems.append("line %d is for %s, input was %s" % (i + 1, obj.get("original_ip"), ip))
            continue
        verdict = obj.get("verdict")
        tally.setdefault(category, {}).setdefault(verdict, 0)
        tally[category][verdict] += 1
        if verdict not in allowed:
            if len(problems) < 20:
                problems.append("line %d: %s (%s) got %s, expected %s; reason: %s" % (
                    i + 1, ip, category, verdict, "/".join(sorted(allowed)), obj.get("reason")))
            else:
                problems.append("...")

    wrong = sum(1 for p in problems if " got " in p)
    # ---- memory and descriptors
    peak_rss = max((s[3] or 0) for s in samples) if samples else 0
    last_rss = samples[-1][2] if samples else 0
    fd_start = samples[0][4] if samples else 0
    fd_max = max(s[4] for s in samples) if samples else 0
    n = len(items)
    first_half = [s[4] for s in samples if s[1] < n / 2]
    second_half = [s[4] for s in samples if s[1] >= n / 2]
    done_samples = [s for s in samples if s[1] >= n]
    fd_at_done = done_samples[-1][4] if done_samples else None
    deciles = []
    for k in range(10):
        lo, hi = n * k / 10, n * (k + 1) / 10
        window = [s for s in samples if lo <= s[1] < hi]
        if window:
            deciles.append("%d%%:%d/%d" % (k * 10, max(s[4] for s in window), max(s[2] or 0 for s in window) // 1024))
    margin = 64
    fd_grows = bool(first_half and second_half and max(second_half) > max(first_half) + margin)

    print("soak: fcrdns said: " + stderr_text.splitlines()[-1] if stderr_text else "soak: fcrdns printed nothing on stderr")
    print("soak: exit status %d, %d output lines for %d inputs: lost %d, extra %d, out of place %d" % (
        proc.returncode, len(lines), n, lost, extra, out_of_place))
    print("soak: throughput %.0f evaluations/s (%d in %.1f s, wall clock of the fcrdns process)" % (
        n / elapsed, n, elapsed))
    print("soak: peak RSS (VmHWM) %.1f MiB, RSS at the last sample %.1f MiB, %d samples" % (
        peak_rss / 1024, last_rss / 1024, len(samples)))
    print("soak: open descriptors: %d at start, %d at most, %s once every output was written; "
          "max per decile of inputs done (fds/RSS MiB): %s" % (
              fd_start, fd_max, "?" if fd_at_done is None else str(fd_at_done), " ".join(deciles)))
    def kinds_text(k):
        return ", ".join("%s %d" % kv for kv in sorted(k.items())) if k else "?"
    print("soak: descriptors at start: %s; once every output was written: %s" % (
        kinds_text(start_kinds), kinds_text(done_kinds)))
    for category in sorted(tally):
        print("soak:   %-24s %s" % (category, ", ".join("%s %d" % kv for kv in sorted(tally[category].items()))))
    ok = True
    if proc.returncode != 0:
        ok = False
        print("soak: FAIL: fcrdns exited with %d" % proc.returncode)
    if lost or extra or out_of_place:
        ok = False
        print("soak: FAIL: lost %d, extra %d, out of place %d" % (lost, extra, out_of_place))
    if wrong or problems:
        ok = False
        print("soak: FAIL: %d lines with a verdict of the wrong kind:" % wrong)
        for p in problems[:25]:
            print("soak:   " + p)
    if peak_rss > args.max_rss_mb * 1024:
        ok = False
        print("soak: FAIL: peak RSS %.1f MiB over %d MiB" % (peak_rss / 1024, args.max_rss_mb))
    if fd_grows:
        ok = False
        print("soak: FAIL: descriptors grow with the inputs: first half at most %d, second half at most %d" % (
            max(first_half), max(second_half)))
    print("soak: %s" % ("OK: every input got exactly one verdict of the right kind" if ok else "FAILED"))
    print("soak: inputs %s, outputs %s, fcrdns stderr %s" % (input_path, output_path, stderr_path))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
