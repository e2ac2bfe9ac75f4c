#!/usr/bin/env python3
"""One Markdown row per `pagestore bench --json` file: the workload, the store's and the peer's medians (ops/s, p50,
p99, CPU µs per operation of every process) and the ratios store / peer. Usage: results-table.py FILE.json..."""
import json
import sys


def workload(s):
    mode = f"{s['depth']} sync threads" if s["sync"] else f"depth {s['depth']}"
    cache = f", cache {s['cacheMiB']} MiB" if s.get("cacheMiB") else ""
    return f"{s['readPercent']}% reads, {s['workers']} worker(s), {mode}{cache}"


def main(paths):
    print("| workload | peer | ops/s store | ops/s peer | store / peer | p50 µs store / peer | p99 µs store / peer"
          " | CPU µs/op store / peer | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in paths:
        try:
            d = json.load(open(path))
            s, summary = d["settings"], d["summary"]
            ours = summary["pagestore"]["medians"]
        except (OSError, ValueError, KeyError) as e:
            sys.exit(f"results-table.py: {path}: not a pagestore bench --json file ({e})")
        peer = s.get("compare") or "none"
        theirs = summary.get(peer, {}).get("medians")
        if not theirs:
            print(f"| {workload(s)} | none | {ours['opsPerSecond']:,.0f} | | | {ours['latencyMicros']['p50']:,.0f} |"
                  f" {ours['latencyMicros']['p99']:,.0f} | {ours['cpuMicrosPerOp']['total']:.1f} | |")
            continue
        lo, lt = ours["latencyMicros"], theirs["latencyMicros"]
        co, ct = ours["cpuMicrosPerOp"]["total"], theirs["cpuMicrosPerOp"]["total"]
        print(f"| {workload(s)} | {peer} | {ours['opsPerSecond']:,.0f} | {theirs['opsPerSecond']:,.0f} "
              f"| **{ours['opsPerSecond'] / theirs['opsPerSecond']:.2f}x** | {lo['p50']:,.0f} / {lt['p50']:,.0f} "
              f"| {lo['p99']:,.0f} / {lt['p99']:,.0f} | {co:.1f} / {ct:.1f} | **{co / ct:.2f}x** |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: results-table.py FILE.json...")
    main(sys.argv[1:])
