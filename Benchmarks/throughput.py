#!/usr/bin/env python3
"""FCrDNS evaluation throughput, side by side: `fcrdns batch` and the Go
peer in Benchmarks/peers/go-fcrdns (miekg/dns) doing the same PTR + forward
lookups with the same concurrency against the local unbound (warm cache).

    python3 Benchmarks/throughput.py [--inputs N] [--concurrency C] [--reps R]

Needs the project's DNS servers (scripts/dns-servers.sh start) and a release
build of fcrdns (swift build -c release --product fcrdns). Loopback only.
Prints one JSON line per run and a median table.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = "127.0.0.1:35354"
# Client addresses of scripts/zones/README.md, every verdict represented.
SCENARIOS = """192.0.2.25 192.0.2.26 192.0.2.30 192.0.2.31 192.0.2.33 192.0.2.35 192.0.2.36 192.0.2.37
192.0.2.40 192.0.2.41 192.0.2.45 192.0.2.50 192.0.2.55 192.0.2.56 192.0.2.61 192.0.2.66 192.0.2.67
192.0.2.98 192.0.2.99 192.0.2.102 192.0.2.130 192.0.2.131 198.51.100.10 198.51.100.25 198.51.100.26
198.51.100.99 2001:db8::25 2001:db8::26 2001:db8::31 2001:db8::45 2001:db8::66 2001:db8::98
2001:db8::99 2001:db8::102 127.0.0.10 127.0.0.11 127.0.0.12 127.0.0.13""".split()


def spawn_and_watch(command, stdin, stdout, stderr, interval=0.02):
    """Runs `command` to its end. Returns (status, rusage, peak RSS in KiB).

    The peak is the child's VmHWM from /proc, read until it exits: wait4's
    ru_maxrss cannot be used, because it includes the resident size of this
    Python process at the moment the child was forked (Linux carries the
    pre-exec high-water mark over exec), about 40 MiB."""
    child = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr)
    peak = 0
    status_path = f"/proc/{child.pid}/status"
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid == child.pid:
            return status, usage, peak
        try:
            with open(status_path) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
                        break
        except OSError:
            pass
        time.sleep(interval)


def run(name, command, input_path):
    """Runs one peer over the inputs; wall time, the child's own CPU time (wait4) and its peak RSS."""
    with open(input_path) as stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        status, usage, peak = spawn_and_watch(command, stdin, out, err)
        wall = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        lines = out.read().decode().splitlines()
        if code not in (0, 1):
            err.seek(0)
            sys.exit(f"{name} failed ({code}): {err.read().decode()[-500:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"peer": name, "inputs": len(lines), "seconds": round(wall, 3),
            "verdicts_per_s": round(len(lines) / wall), "cpu_us_per_verdict": round(cpu * 1e6 / len(lines), 1),
            "peak_rss_mib": round(peak / 1024, 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--peers", default="fcrdns,fcrdns-nocache,fcrdns-json-nocache,go-miekg")
    args = parser.parse_args()

    fcrdns = os.path.join(ROOT, ".build", "release", "fcrdns")
    go_peer = os.path.join(ROOT, "Benchmarks", "peers", "go-fcrdns", "go-fcrdns")
    if not os.path.exists(fcrdns):
        sys.exit("build fcrdns first: swift build -c release --product fcrdns")
    if not os.path.exists(go_peer):
        env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode")
        subprocess.run(["go", "build", "-o", go_peer, "."], cwd=os.path.dirname(go_peer), env=env, check=True)

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for i in range(args.inputs):
            f.write(SCENARIOS[i % len(SCENARIOS)] + "\n")
        inputs = f.name
    c = str(args.concurrency)
    commands = {
        # --format line prints 'IP VERDICT REASON', like the Go peer's 'IP VERDICT';
        # the -json peers print the full JSON result (trace, evidence, findings).
        "fcrdns": [fcrdns, "batch", "--concurrency", c, "--format", "line", "--server", SERVER],
        "fcrdns-nocache": [fcrdns, "batch", "--concurrency", c, "--format", "line", "--no-cache", "--server", SERVER],
        "fcrdns-json": [fcrdns, "batch", "--concurrency", c, "--server", SERVER],
        "fcrdns-json-nocache": [fcrdns, "batch", "--concurrency", c, "--no-cache", "--server", SERVER],
        "go-miekg": [go_peer, "-server", SERVER, "-concurrency", c],
    }
    peers = args.peers.split(",")
    # Warm unbound's cache.
    run("warm-up", commands["fcrdns-nocache"], inputs)
    results = {p: [] for p in peers}
    for _ in range(args.reps):
        for p in peers:
            r = run(p, commands[p], inputs)
            r["concurrency"] = args.concurrency
            print(json.dumps(r), flush=True)
            results[p].append(r)
    print(f"\n| peer | inputs | concurrency | verdicts/s | CPU µs/verdict | peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    for p in peers:
        rs = results[p]
        print(f"| {p} | {args.inputs} | {args.concurrency} | {statistics.median(r['verdicts_per_s'] for r in rs):,.0f} | "
              f"{statistics.median(r['cpu_us_per_verdict'] for r in rs):.1f} | {max(r['peak_rss_mib'] for r in rs):.1f} |")
    os.unlink(inputs)


if __name__ == "__main__":
    main()
