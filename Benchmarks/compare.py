#!/usr/bin/env python3
"""Decode and decode+encode time per message, fcrdns beside the peers of
../shared/peers (libknot, ldns, miekg/dns, trust-dns-proto and the C
skip-walk floor), interleaved on the same corpus in one run.

    python3 Benchmarks/compare.py CORPUS.tcpstream [REPS]

The peers must be built once with ../shared/peers/run_all.sh (it installs
their Debian packages); fcrdns-bench with
`swift build -c release --package-path Benchmarks`.
"""
import json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS_DIR = os.path.normpath(os.path.join(ROOT, "..", "shared", "peers"))
BUILD = os.path.join(PEERS_DIR, "build")


def peers():
    runs = {
        "floor": [os.path.join(BUILD, "bench_floor")],
        "libknot": [os.path.join(BUILD, "bench_knot")],
        "libknot+arena": [os.path.join(BUILD, "bench_knot"), "arena"],
        "trust-dns-proto": [os.path.join(BUILD, "bench_trustdns")],
        "ldns": [os.path.join(BUILD, "bench_ldns")],
        "miekg/dns": [os.path.join(BUILD, "bench_miekg")],
        "fcrdns": [os.path.join(ROOT, "Benchmarks", ".build", "release", "fcrdns-bench"), "decode"],
        "fcrdns+reuse": [os.path.join(ROOT, "Benchmarks", ".build", "release", "fcrdns-bench"), "decode-reuse"],
    }
    return {name: cmd for name, cmd in runs.items() if os.path.exists(cmd[0])}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    corpus = os.path.abspath(sys.argv[1])
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    results = {}
    for rep in range(reps):
        for name, cmd in peers().items():
            args = cmd[:1] + ([cmd[1], corpus] if name.startswith("fcrdns") else [corpus] + cmd[1:])
            out = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, BENCH_TARGET_S="1.5"))
            lines = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
            if not lines:
                print(f"{name}: no result ({out.stderr.strip()[-200:]})", file=sys.stderr)
                continue
            data = {}
            for part in lines:  # fcrdns-bench prints its encode figures on a second line
                data.update(part)
            load = os.getloadavg()[0]
            print(json.dumps({"rep": rep, "name": name, "load1": round(load, 2), **data}), flush=True)
            results.setdefault(name, []).append((data, load))
    print(f"\ncorpus {os.path.basename(corpus)}, median of {reps} interleaved runs")
    print("| library | decode_ok | decode ns/msg | decode+encode ns/msg | out/in bytes | max load1 |")
    print("|---|---|---|---|---|---|")
    for name, rows in results.items():
        datas = [d for d, _ in rows]
        ratio = "-"
        if "reencode_out_bytes" in datas[0] and datas[0].get("reencode_in_bytes"):
            ratio = f"{datas[0]['reencode_out_bytes'] / datas[0]['reencode_in_bytes']:.3f}"
        print(f"| {name} | {datas[0]['decode_ok']} | {statistics.median(d['decode_ns_per_msg'] for d in datas):,.0f} | "
              f"{statistics.median(d['roundtrip_ns_per_msg'] for d in datas):,.0f} | {ratio} | "
              f"{max(l for _, l in rows):.2f} |")


if __name__ == "__main__":
    main()
