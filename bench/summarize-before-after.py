#!/usr/bin/env python3
"""Medians of a bench/before-after.sh run: one row per ring benchmark and StoreLoad configuration, BEFORE and AFTER
side by side with the ratio AFTER / BEFORE (for ns/op, lower is better). Usage: summarize-before-after.py OUTDIR..."""
import glob
import json
import os
import re
import statistics
import sys
from collections import defaultdict

ring = defaultdict(list)      # (name, params, unit, build) -> scores
store = defaultdict(list)     # (config, metric, build) -> values, in pass order (so k-th before pairs k-th after)
for out in sys.argv[1:]:
    for path in glob.glob(os.path.join(out, "ring-*-*.json")):
        build = os.path.basename(path).split("-")[1]
        for b in json.load(open(path)):
            name = b["benchmark"].split(".")[-1]
            params = ",".join(f"{k}={v}" for k, v in sorted(b.get("params", {}).items()))
            metric = b.get("secondaryMetrics", {}).get("descriptors", b["primaryMetric"])
            ring[(name, params, metric["scoreUnit"], build)].append(metric["score"])
    for build in ("before", "after"):
        path = os.path.join(out, f"store-{build}.txt")
        if not os.path.exists(path):
            continue
        for line in open(path):
            if not line.startswith("store "):
                continue
            fields = dict(f.split("=", 1) for f in line.split()[1:])
            config = f"workers={fields['workers']} depth={fields['depth']} read%={fields['read%']}"
            for metric in ("ops/s", "p50us", "p99us", "totalCpuUsPerOp", "managerCpuUsPerOp", "workerCpuUsPerOp"):
                store[(config, metric, build)].append(float(fields[metric]))

def row(label, before, after):
    b, a = statistics.median(before), statistics.median(after)
    print(f"| {label} | {b:,.1f} ({len(before)}) | {a:,.1f} ({len(after)}) | {a / b:.2f} |")

print("| ring benchmark | before, median (runs) | after, median (runs) | after / before |")
print("|---|---|---|---|")
for (name, params, unit, build) in sorted(k for k in ring if k[3] == "before"):
    after = ring.get((name, params, unit, "after"))
    if after:
        row(f"{name} {params} [{unit}]", ring[(name, params, unit, "before")], after)
print()
print("| StoreLoad | metric | before, median (runs) | after, median (runs) | after / before | median of paired"
      " ratios (range) |")
print("|---|---|---|---|---|---|")
for (config, metric, build) in sorted(k for k in store if k[2] == "before"):
    after = store.get((config, metric, "after"))
    before = store[(config, metric, "before")]
    if after:
        b, a = statistics.median(before), statistics.median(after)
        # Runs of one pass ran back to back: their ratio is the least disturbed by the machine's drift.
        pairs = [x / y for x, y in zip(after, before)]
        print(f"| {config} | {metric} | {b:,.1f} ({len(before)}) | {a:,.1f} ({len(after)}) | {a / b:.2f} "
              f"| {statistics.median(pairs):.2f} ({min(pairs):.2f}-{max(pairs):.2f}) |")
