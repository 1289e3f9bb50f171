#!/usr/bin/env bash
# What one FCrDNS evaluation takes from its task's allocator, in order, at the
# moment it holds the most: the async frames (and other task allocations) it
# waits in. The task allocator hands these out of 1 KiB slabs that the task
# keeps until it ends, so this chain is most of an evaluation's memory in
# flight (see Benchmarks/README.md, "10,000 evaluations in flight").
#
#   Benchmarks/task-allocations.sh IP [--server ADDR:PORT]...   (default server 127.0.0.1:35354)
#
# Runs `fcrdns batch --no-cache --concurrency 1` on IP under gdb, with a
# breakpoint on swift_task_alloc/swift_task_dealloc that records each size,
# its caller and the current task, then replays the evaluation's task's
# allocations as a stack and prints the deepest point: size and caller per
# allocation, the total, and how many 1 KiB slabs that takes. Needs gdb and a
# release build of fcrdns; start the servers first (scripts/dns-servers.sh).
# A gdb function call sometimes fails when another thread stops; the run is
# then repeated (up to 5 times).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ip=${1:?usage: Benchmarks/task-allocations.sh IP [--server ADDR:PORT]...}
shift
servers=("$@")
[ ${#servers[@]} -eq 0 ] && servers=(--server 127.0.0.1:35354)
binary=.build/release/fcrdns
[ -x "$binary" ] || swift build -c release --product fcrdns >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "$ip" >"$scratch/input"
cat >"$scratch/gdb" <<'GDB'
set pagination off
set breakpoint pending on
break swift_task_alloc
commands
silent
printf "ALLOC %d %p ", $rdi, (void*)swift_task_getCurrent()
bt 2
continue
end
break swift_task_dealloc
commands
silent
printf "FREE %p %p\n", $rdi, (void*)swift_task_getCurrent()
continue
end
run
GDB
for _ in 1 2 3 4 5; do
    timeout 120 gdb -batch -x "$scratch/gdb" --args "$binary" batch --no-cache --format line --concurrency 1 \
        "${servers[@]}" <"$scratch/input" >"$scratch/trace" 2>&1 || true
    if python3 - "$scratch/trace" >"$scratch/chain" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().split("\n")
events = []
for i, line in enumerate(lines):
    m = re.match(r"ALLOC (\d+) (0x[0-9a-f]+) ", line)
    if m:
        caller = lines[i + 1].strip() if i + 1 < len(lines) else ""
        caller = re.sub(r"^#1\s+(0x[0-9a-f]+ in )?", "", caller).split(" (")[0]
        events.append(("A", int(m.group(1)), m.group(2), caller))
        continue
    m = re.match(r"FREE (0x[0-9a-f]+) (0x[0-9a-f]+)", line)
    if m:
        events.append(("F", 0, m.group(2), ""))
if not events or not any(e[2] != events[0][2] for e in events if e[0] == "A"):
    sys.exit(1)  # gdb gave up early: try again
main = events[0][2]
child = next(e[2] for e in events if e[0] == "A" and e[2] != main)
stack, deepest, most = [], [], 0
for kind, size, task, caller in events:
    if task != child:
        continue
    if kind == "A":
        stack.append((size, caller))
    elif stack:
        stack.pop()
    total = sum(s for s, _ in stack)
    if total > most:
        most, deepest = total, list(stack)
slabs, used = 1, 0
for size, _ in deepest:  # 1,024-byte slabs, about 984 usable; 16 bytes of header per allocation
    if used + size + 16 > 984:
        slabs, used = slabs + 1, 0
    used += size + 16
for size, caller in deepest:
    print(f"{size:6d}  {caller}")
print(f"{most} bytes in {len(deepest)} allocations at the deepest point: about {slabs} slab(s) of 1 KiB")
PY
    then
        swift demangle --simplified <"$scratch/chain" | cut -c1-160
        exit 0
    fi
done
echo "task-allocations.sh: gdb did not record the evaluation's task (see $binary under gdb)" >&2
exit 1
