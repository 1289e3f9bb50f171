#!/usr/bin/env python3
"""Async frame sizes of a Swift binary, largest first.

    python3 Benchmarks/async-frames.py .build/release/fcrdns [FILTER]

Every async function has an "async function pointer" symbol (mangled name
ending in `Tu`) holding a relative offset and the size of the context (the
frame) it allocates from its task's allocator. Frames held across a
suspension stay allocated while the task waits, and the task allocator
hands them out of ~1 KiB slabs, so big frames on the lookup path are what an
evaluation in flight costs in memory (issue 7: 10,000 in flight). FILTER
keeps the lines whose demangled name contains it.
"""
import struct, subprocess, sys


def sections(binary):
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    result = []
    for line in out.splitlines():
        parts = line.replace("[ ", "[").split()
        if "PROGBITS" in parts:
            i = parts.index("PROGBITS")
            result.append((int(parts[i + 1], 16), int(parts[i + 2], 16), int(parts[i + 3], 16)))
    return result


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary, pattern = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    data = open(binary, "rb").read()
    secs = sections(binary)
    rows = []
    for line in subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) != 3 or not parts[2].endswith("Tu"):
            continue
        address = int(parts[0], 16)
        for start, offset, size in secs:
            if start <= address < start + size:
                _, context = struct.unpack_from("<iI", data, offset + address - start)
                rows.append((context, parts[2][:-2]))
                break
    rows.sort(reverse=True)
    names = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(r[1] for r in rows),
                           capture_output=True, text=True).stdout.splitlines()
    for (context, _), name in zip(rows, names):
        if pattern in name:
            print(context, name)


if __name__ == "__main__":
    main()
