#!/usr/bin/env bash
# Peak resident memory of 10,000 FCrDNS evaluations in flight, against
# Benchmarks/Thresholds/memory.tsv. Like allocation counts (and unlike
# times), resident memory at a fixed load barely moves from run to run, so
# thresholds can gate CI: they catch a regression such as a 64 KiB buffer
# kept per query (434 MiB at 10,000 in flight) without flaking.
#
#   scripts/check-memory.sh [INFLIGHT] [INPUTS]     (default 10000 in flight, 30000 inputs)
#
# Two runs of `fcrdns batch --no-cache --concurrency INFLIGHT --format line`,
# each reading the child's peak RSS (VmHWM, polled):
#
# - silent: INFLIGHT distinct addresses against a UDP socket on loopback that
#   never answers, with a 1.5 s deadline. Every evaluation is in flight at
#   once, each waiting at its deepest point (the PTR query on the wire, or for
#   a permit to send it): the worst case, and nearly the same every run.
# - live: INPUTS lines over the client addresses of scripts/zones/README.md
#   (every verdict represented) against the project's unbound (started with
#   scripts/dns-servers.sh and stopped after). Evaluations come and go, so its
#   peak moves more (49-60 MiB seen), and its threshold leaves room for that.
#
# Exits 1 when a peak is above its threshold or an answer is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

inflight=${1:-10000}
inputs=${2:-30000}
silent_threshold=$(awk '$1 == "silent_10000_peak_rss_mib" { print $2 }' Benchmarks/Thresholds/memory.tsv)
live_threshold=$(awk '$1 == "live_10000_peak_rss_mib" { print $2 }' Benchmarks/Thresholds/memory.tsv)

swift build -c release --product fcrdns >/dev/null
log=$(mktemp)
scripts/dns-servers.sh start >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
trap 'scripts/dns-servers.sh stop >/dev/null 2>&1 || true' EXIT

python3 - "$inflight" "$inputs" "$silent_threshold" "$live_threshold" <<'EOF_PY'
import os, socket, sys, tempfile
sys.path.insert(0, "Benchmarks")
from throughput import SCENARIOS, SERVER, spawn_and_watch

inflight, count = int(sys.argv[1]), int(sys.argv[2])
silent_threshold, live_threshold = float(sys.argv[3]), float(sys.argv[4])

def batch(lines, server, extra):
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write("".join(line + "\n" for line in lines))
        f.flush()
        with open(f.name) as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            status, usage, peak_kib = spawn_and_watch(
                [".build/release/fcrdns", "batch", "--no-cache", "--format", "line",
                 "--concurrency", str(inflight), "--server", server] + extra, stdin, out, err)
            out.seek(0)
            printed = out.read().decode().splitlines()
            err.seek(0)
            summary = err.read().decode().strip().splitlines()[-1:]
    if os.waitstatus_to_exitcode(status) != 0 or len(printed) != len(lines):
        sys.exit(f"check-memory: fcrdns batch failed or lost inputs ({len(printed)} of {len(lines)} lines)")
    return peak_kib / 1024, {line.split()[1] for line in printed if len(line.split()) > 1}, " ".join(summary)

failures = []

# Silent: a bound socket that is never read answers nothing.
silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
silent.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
silent.bind(("127.0.0.1", 0))
port = silent.getsockname()[1]
addresses = [f"10.{i // 250 % 250}.{i % 250 + 1}.7" for i in range(inflight)]
peak, verdicts, summary = batch(addresses, f"127.0.0.1:{port}", ["--timeout", "1500"])
silent.close()
print(f"check-memory: silent server, {inflight} in flight: peak RSS {peak:.1f} MiB "
      f"(threshold {silent_threshold:g} MiB); {summary}")
if verdicts != {"temperror"}:
    failures.append(f"silent run: expected only temperror, got {sorted(verdicts)}")
if peak > silent_threshold:
    failures.append(f"silent run: peak RSS {peak:.1f} MiB is above {silent_threshold:g} MiB")

# Live: the project's unbound.
peak, verdicts, summary = batch([SCENARIOS[i % len(SCENARIOS)] for i in range(count)], SERVER, [])
print(f"check-memory: live unbound, {count} inputs, {inflight} in flight: peak RSS {peak:.1f} MiB "
      f"(threshold {live_threshold:g} MiB); {summary}")
if verdicts != {"pass", "fail", "permerror", "temperror"}:
    failures.append(f"live run: expected every verdict, got {sorted(verdicts)}")
if peak > live_threshold:
    failures.append(f"live run: peak RSS {peak:.1f} MiB is above {live_threshold:g} MiB")

if failures:
    sys.exit("check-memory: " + "; ".join(failures))
EOF_PY
