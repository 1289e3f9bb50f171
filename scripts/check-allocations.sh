#!/usr/bin/env bash
# Builds the benchmark executable (release) and checks heap allocations per
# operation against Benchmarks/Thresholds/allocations.tsv. Allocation counts
# are deterministic, so unlike times they can gate CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../Benchmarks"
swift build -c release --product fcrdns-bench
.build/release/fcrdns-bench check-allocations Thresholds/allocations.tsv
