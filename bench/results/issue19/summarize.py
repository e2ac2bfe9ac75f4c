#!/usr/bin/env python3
"""Medians of alternating `pagestore bench` runs: summarize.py DIR A B, where DIR holds A-N.txt and B-N.txt (run.sh:
base and after; watch-cost.sh: quiet and watched). Prints, per figure, A's and B's values by pass, their medians,
the ratio of the medians and the median of the per-pass ratios B / A."""
import glob
import os
import re
import statistics
import sys

FIGURES = [("ops/s", r"^throughput ops/s\s+([\d,.]+)"), ("manager CPU us/op", r"^CPU us/op, manager\s+([\d.]+)"),
           ("workers CPU us/op", r"^CPU us/op, workers\s+([\d.]+)"), ("p99 us", r"^latency p99 us\s+([\d,.]+)")]


def figures(path):
    text = open(path).read()
    found = {}
    for name, pattern in FIGURES:
        m = re.search(pattern, text, re.M)
        if m:
            found[name] = float(m.group(1).replace(",", ""))
    return found


def main(directory, a, b):
    passes = sorted(int(re.search(r"-(\d+)\.txt$", p).group(1)) for p in glob.glob(os.path.join(directory, f"{a}-*.txt")))
    runs = {k: [figures(os.path.join(directory, f"{k}-{n}.txt")) for n in passes] for k in (a, b)}
    print(f"| {directory} | {a} (passes) | {b} (passes) | {b} / {a}, medians | {b} / {a}, median of pass ratios |")
    print("|---|---|---|---|---|")
    for name, _ in FIGURES:
        va = [r.get(name) for r in runs[a]]
        vb = [r.get(name) for r in runs[b]]
        if None in va or None in vb:
            continue
        ratio = statistics.median(vb) / statistics.median(va)
        per_pass = statistics.median(y / x for x, y in zip(va, vb))
        fmt = (lambda v: f"{v:,.0f}") if name in ("ops/s", "p99 us") else (lambda v: f"{v:.2f}")
        print(f"| {name} | {', '.join(map(fmt, va))} | {', '.join(map(fmt, vb))} | {ratio:.2f} | {per_pass:.2f} |")


if __name__ == "__main__":
    main(*sys.argv[1:4])
