#!/usr/bin/env bash
# Peak resident memory of many FCrDNS evaluations in flight, against
# Benchmarks/Thresholds/memory.tsv. Like allocation counts (and unlike
# times), resident memory at a fixed load barely moves from run to run, so a
# generous threshold can gate CI: it catches a regression such as a 64 KiB
# buffer kept per query (434 MiB at 10,000 in flight) without flaking.
#
#   scripts/check-memory.sh [INFLIGHT] [INPUTS]     (default 10000 in flight, 30000 inputs)
#
# Builds fcrdns (release) if needed, starts the project's DNS servers on
# loopback (scripts/dns-servers.sh), runs `fcrdns batch --no-cache
# --concurrency INFLIGHT --format line` over the client addresses of
# scripts/zones/README.md (every verdict represented) against the local
# unbound, reads the child's peak RSS (VmHWM, polled), stops the servers, and
# exits 1 when the peak is above the threshold or a verdict is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

inflight=${1:-10000}
inputs=${2:-30000}
threshold=$(awk '$1 == "inflight_10000_peak_rss_mib" { print $2 }' Benchmarks/Thresholds/memory.tsv)

swift build -c release --product fcrdns >/dev/null
log=$(mktemp)
scripts/dns-servers.sh start >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
trap 'scripts/dns-servers.sh stop >/dev/null 2>&1 || true' EXIT

python3 - "$inflight" "$inputs" "$threshold" <<'EOF'
import os, subprocess, sys, tempfile
sys.path.insert(0, "Benchmarks")
from throughput import SCENARIOS, SERVER, spawn_and_watch

inflight, count, threshold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
    for i in range(count):
        f.write(SCENARIOS[i % len(SCENARIOS)] + "\n")
    f.flush()
    with open(f.name) as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        status, usage, peak_kib = spawn_and_watch(
            [".build/release/fcrdns", "batch", "--no-cache", "--format", "line",
             "--concurrency", str(inflight), "--server", SERVER], stdin, out, err)
        out.seek(0)
        lines = out.read().decode().splitlines()
        err.seek(0)
        summary = err.read().decode().strip().splitlines()[-1:]
peak = peak_kib / 1024
verdicts = {line.split()[1] for line in lines if len(line.split()) > 1}
print(f"check-memory: {count} inputs, {inflight} in flight: peak RSS {peak:.1f} MiB "
      f"(threshold {threshold:g} MiB); {' '.join(summary)}")
if os.waitstatus_to_exitcode(status) != 0 or len(lines) != count:
    sys.exit(f"check-memory: fcrdns batch failed or lost inputs ({len(lines)} of {count} lines)")
if verdicts != {"pass", "fail", "permerror", "temperror"}:
    sys.exit(f"check-memory: expected every verdict, got {sorted(verdicts)}")
if peak > threshold:
    sys.exit(f"check-memory: peak RSS {peak:.1f} MiB is above the threshold of {threshold:g} MiB")
EOF
