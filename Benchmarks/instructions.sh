#!/usr/bin/env bash
# Instructions per message for decode (or decode + encode), counted by
# valgrind's callgrind: unlike times, the count does not move with the load
# of a shared machine, so it tells whether a change to the codec helped.
#
#   Benchmarks/instructions.sh [decode|roundtrip|reuse] [CORPUS] [ROUNDS]
#
# (reuse: decoding every message into one Message with Message.decode(_:).)
#
# Needs `swift build -c release --package-path Benchmarks` first. The binary
# is copied and its DWARF stripped (valgrind 3.19 cannot read Swift 6.3's);
# a run with 0 rounds is subtracted, so loading the corpus does not count.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
mode=${1:-decode}
corpus=${2:-../../shared/corpus/real-public.tcpstream}
rounds=${3:-20}
binary=$(mktemp)
trap 'rm -f "$binary"' EXIT
cp .build/release/fcrdns-bench "$binary"
chmod +x "$binary"
strip --strip-debug "$binary"
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "profile-$mode" "$corpus" "$1" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
base=$(count 0)
total=$(count "$rounds")
messages=$(python3 -c "
import struct, sys
data = open(sys.argv[1], 'rb').read(); i = n = 0
while i + 2 <= len(data):
    i += 2 + struct.unpack('>H', data[i:i + 2])[0]; n += 1
print(n)" "$corpus")
python3 -c "print('$mode: %.0f instructions per message (%s messages, %s rounds)' % (($total - $base) / ($rounds * $messages), $messages, $rounds))"
