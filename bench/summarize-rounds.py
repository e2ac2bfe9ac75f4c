#!/usr/bin/env python3
"""Medians of a bench/store-rounds.sh run: per StoreLoad configuration, each build's median ops/s, p50, p99 and CPU
per operation, and the median of its per-pass ratios to the first build named (runs of one pass ran back to back).
Usage: summarize-rounds.py OUTDIR BASELINE_NAME"""
import glob
import os
import statistics
import sys
from collections import defaultdict

out, baseline = sys.argv[1], sys.argv[2]
runs = defaultdict(list)  # (config, build) -> [fields], in pass order
for path in sorted(glob.glob(os.path.join(out, "store-*.txt"))):
    build = os.path.basename(path)[len("store-"):-len(".txt")]
    for line in open(path):
        if line.startswith("store "):
            f = dict(x.split("=", 1) for x in line.split()[1:])
            runs[(f"workers={f['workers']} depth={f['depth']} read%={f['read%']}", build)].append(f)
metrics = ("ops/s", "p50us", "p99us", "managerCpuUsPerOp", "workerCpuUsPerOp", "totalCpuUsPerOp")
print("| configuration | build | runs | " + " | ".join(metrics) + f" | ops/s ÷ {baseline}, paired | CPU/op ÷ {baseline}, paired |")
print("|---|---|---|" + "---|" * len(metrics) + "---|---|")
for config in sorted({c for c, _ in runs}):
    base = runs.get((config, baseline), [])
    for build in sorted({b for c, b in runs if c == config}, key=lambda b: (b != baseline, b)):
        rs = runs[(config, build)]
        cells = [f"{statistics.median(float(r[m]) for r in rs):,.1f}" for m in metrics]
        pairs = list(zip(rs, base))
        ops = statistics.median(float(a["ops/s"]) / float(b["ops/s"]) for a, b in pairs) if pairs else float("nan")
        cpu = statistics.median(float(a["totalCpuUsPerOp"]) / float(b["totalCpuUsPerOp"]) for a, b in pairs) \
            if pairs else float("nan")
        print(f"| {config} | {build} | {len(rs)} | " + " | ".join(cells) + f" | {ops:.2f} | {cpu:.2f} |")
