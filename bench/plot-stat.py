#!/usr/bin/env python3
"""SVG charts over time of a `pagestore stat --format json` capture, with nothing but Python 3's standard library.

Usage: bench/plot-stat.py OUTDIR CAPTURE.jsonl

CAPTURE is what `bin/pagestore stat --dir DIR --format json > CAPTURE.jsonl` printed (or the `logs/stat.jsonl` of
`pagestore demo`): one object per interval. The charts land in OUTDIR (made if missing):

  stat-throughput.svg   reads and writes per second (all reactors) against the seconds since the first report
  stat-latency.svg      p50, p99 and p99.9 of all requests, and the p99 of reads and of writes apart (each the
                        highest over the reactors, within 1.6% of the exact quantile) against time
  stat-workers.svg      requests per second of each worker channel (the eight busiest), when the capture has
                        workers (a manager built before per-worker rows has none: no chart, a note)

A manager restart (a new epoch; `stat` follows the next manager) is drawn as a gap: the lines break, and the legend
notes each epoch's first second. Intervals without requests have no latency point, and the line breaks there.

Prints the files it wrote, one a line. Exit 0; 2 with a one-line message for a bad command line, a missing or
unreadable file, or a line that is not a `stat --format json` object.
"""
import json
import os
import re
import sys
from datetime import datetime

import plot  # bench/plot.py: the chart, the scales and the styles


class CaptureError(Exception):
    pass


def load(file):
    try:
        with open(file, encoding="utf-8") as f:
            lines = [line for line in f.read().splitlines() if line.strip()]
    except OSError as e:
        raise CaptureError(f"{file}: {e.strerror}")
    reports = []
    for number, line in enumerate(lines, 1):
        try:
            report = json.loads(line)
            # Java writes nanoseconds; fromisoformat before Python 3.11 takes at most microseconds
            when = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", report["time"]).replace("Z", "+00:00"))
            reactors = report["reactors"]
            reports.append({
                "time": when,
                "epoch": int(report["epoch"]),
                "reads": sum(float(r["readsPerSecond"]) for r in reactors),
                "writes": sum(float(r["writesPerSecond"]) for r in reactors),
                "p50": micros(slowest(reactors, "p50Nanos")),
                "p99": micros(slowest(reactors, "p99Nanos")),
                "p999": micros(slowest(reactors, "p999Nanos")),
                "readP99": micros(slowest(reactors, "readP99Nanos")),
                "writeP99": micros(slowest(reactors, "writeP99Nanos")),
            })
            for w in report.get("workers", []):
                rate = None
                if w.get("readsPerSecond") is not None and w.get("writesPerSecond") is not None:
                    rate = float(w["readsPerSecond"]) + float(w["writesPerSecond"])
                # By name and pid, not by attachment: a worker that re-attaches to the next manager keeps its line
                key = f"worker {w['name']} {int(w['pid'])}"
                names = reports[-1].setdefault("workerNames", {})
                # a worker's channels add up; one rate not known makes the sum not known
                reports[-1][key] = None if rate is None or (key in names and reports[-1][key] is None) \
                    else (reports[-1].get(key) or 0) + rate
                names[key] = (w["name"], int(w["pid"]))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise CaptureError(f"{file}:{number}: not a `pagestore stat --format json` object ({e})")
    if not reports:
        raise CaptureError(f"{file}: no reports")
    return reports


def slowest(reactors, field):
    values = [float(r[field]) for r in reactors if r.get(field) is not None]
    return max(values) if values else None


def micros(nanos):
    return None if nanos is None else nanos / 1000


def runs_of(points):
    """Splits [(x, y, epoch)] where the epoch changes or a value is missing: one polyline per stretch."""
    runs, current, epoch = [], [], None
    for x, y, e in points:
        if (e != epoch or y is None) and current:
            runs.append(current)
            current = []
        epoch = e
        if y is not None:
            current.append((x, y))
    if current:
        runs.append(current)
    return runs


def busiest_workers(reports, most):
    """[(label, key)] of the worker channels with the most requests over the capture, at most `most`."""
    totals, names = {}, {}
    for r in reports:
        for key, name in r.get("workerNames", {}).items():
            names[key] = name
            totals[key] = totals.get(key, 0) + (r.get(key) or 0)
    ranked = sorted(totals, key=lambda k: -totals[k])[:most]
    shared = {names[k][0] for k in ranked if sum(names[j][0] == names[k][0] for j in ranked) > 1}
    # the name alone where it names one worker (the legend is narrow), with the pid where two share it
    return [(names[k][0] if names[k][0] not in shared else f"{names[k][0]} ({names[k][1]})", k) for k in ranked]


def chart(title, reports, series, y_label, log):
    start = reports[0]["time"]
    xs = [(r["time"] - start).total_seconds() for r in reports]
    values = [r.get(key) for _, key in series for r in reports if r.get(key) is not None]
    if not values:
        return None
    epochs = sorted({r["epoch"] for r in reports})
    subtitle = (f"{len(reports)} reports from {start.isoformat(timespec='seconds')}; manager epoch"
                f"{'s' if len(epochs) > 1 else ''} {', '.join(map(str, epochs))}")
    y = plot.LogScale(values) if log else plot.LinearScale(values)
    figure = plot.Chart(title, "pagestore stat --format json", [subtitle], plot.LinearScale(xs), y,
                        "seconds since the first report", y_label)
    for i, (name, key) in enumerate(series):
        colour = plot.SERIES_COLOURS[i % len(plot.SERIES_COLOURS)]
        for run in runs_of([(x, r.get(key), r["epoch"]) for x, r in zip(xs, reports)]):
            figure.line(run, colour, None, "circle")
        figure.legend(name, colour, None, "circle")
    previous = None
    for x, r in zip(xs, reports):
        if previous is not None and r["epoch"] != previous:
            figure.note(f"epoch {r['epoch']} from {x:.0f} s (the manager restarted)")
        previous = r["epoch"]
    return figure


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print("usage: bench/plot-stat.py OUTDIR CAPTURE.jsonl (pagestore stat --format json)", file=sys.stderr)
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    out_dir, file = argv[1], argv[2]
    try:
        reports = load(file)
        if os.path.exists(out_dir) and not os.path.isdir(out_dir):
            raise CaptureError(f"{out_dir}: exists and is not a directory")
        os.makedirs(out_dir, exist_ok=True)
    except CaptureError as e:
        print(f"plot-stat.py: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"plot-stat.py: {out_dir}: cannot make the directory: {e.strerror}", file=sys.stderr)
        return 2
    charts = {
        "throughput": chart("Requests per second", reports, [("reads/s", "reads"), ("writes/s", "writes")],
                            ("requests per second", None), log=False),
        "latency": chart("Latency", reports, [("p50", "p50"), ("p99", "p99"), ("p99.9", "p999"),
                                              ("read p99", "readP99"), ("write p99", "writeP99")],
                         ("latency", "µs"), log=True),
        "workers": chart("Requests per second by worker channel", reports, busiest_workers(reports, 8),
                         ("requests per second", None), log=False),
    }
    for kind, figure in charts.items():
        if figure is None:
            print(f"plot-stat.py: note: no figures for the {kind} chart", file=sys.stderr)
            continue
        plot.write_chart(os.path.join(out_dir, f"stat-{kind}.svg"), figure)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
