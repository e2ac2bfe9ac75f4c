#!/usr/bin/env python3
"""SVG charts of `pagestore bench --json` reports, with nothing but Python 3's standard library.

Usage: bench/plot.py OUTDIR FILE.json...

Give one report per worker count (bench/scaling.sh writes them), with or without a peer (--compare fio|rocksdb).
Reports are grouped by workload (read percent, depth, sync or async, page size, working set, skew, cache, manager
options); for each workload four charts land in OUTDIR (made if missing), named after the workload:

  SLUG-throughput.svg   operations per second against workers (log2 axis), pagestore and each peer
  SLUG-p99.svg          p99 latency of all operations against workers
  SLUG-cpu.svg          CPU microseconds per operation (every process of the tool) against workers
  SLUG-percentiles.svg  latency at each percentile the report has (p50 ... max), one line per tool and worker count

A point of the first three is the median over the report's runs (what the text report prints); with several runs a
bar spans the lowest to the highest run. The percentile curves are the report's `mergedLatencyMicros.all`: the
percentiles of all its runs' histograms merged. Two reports of the same workload and worker count pool their runs;
the percentile curve then comes from the first of them (a note on stderr says so).

Prints the files it wrote, one a line. Exit 0; 2 with a one-line message for a bad command line, a missing or
unreadable file, or JSON that is not a `pagestore bench --json` report (formatVersion 1, docs/operations.md).
"""
import json
import math
import os
import re
import statistics
import sys
from xml.sax.saxutils import escape

FORMAT_VERSION = 1
OURS = "pagestore"
# Per tool: colour, dash pattern, marker (the lines stay apart in grey print too).
TOOL_STYLE = {
    "pagestore": ("#1f77b4", None, "circle"),
    "fio": ("#d95f02", "7 4", "square"),
    "rocksdb": ("#1b9e77", "2 3", "triangle"),
}
OTHER_TOOL_STYLE = ("#7570b3", "10 3 2 3", "diamond")
# Per worker count on the percentile chart (colour-blind-safe order).
SERIES_COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442",
                  "#999999", "#882255"]

WIDTH, HEIGHT = 860, 520
LEFT, RIGHT, TOP, BOTTOM = 92, 190, 104, 62  # margins around the plot area; the legend sits in the right one
FONT = "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""


class ReportError(Exception):
    """A file that cannot be read as a `pagestore bench --json` report; the message names the file."""


# ----------------------------------------------------------------------------------------------------- reading

def need(node, path, file):
    """node[path[0]][path[1]]..., or ReportError naming the file and the missing field."""
    for i, key in enumerate(path):
        if not isinstance(node, dict) or key not in node:
            raise ReportError(f"{file}: no field {'.'.join(path[:i + 1])}: not a `pagestore bench --json` report")
        node = node[key]
    return node


def number_or_none(value):
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def load(file):
    """The report in `file`, checked for every field the charts read."""
    try:
        with open(file, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ReportError(f"{file}: no such file")
    except OSError as e:
        raise ReportError(f"{file}: cannot be read: {e.strerror}")
    except UnicodeDecodeError:
        raise ReportError(f"{file}: not JSON (not UTF-8 text)")
    try:
        report = json.loads(text)
    except ValueError as e:
        raise ReportError(f"{file}: not JSON ({e})")
    version = need(report, ["formatVersion"], file)
    if version != FORMAT_VERSION:
        raise ReportError(f"{file}: formatVersion {version}, this script reads {FORMAT_VERSION}")
    for key in ("workers", "depth", "readPercent", "pageSizeBytes", "pages", "compare"):
        need(report, ["settings", key], file)
    if not isinstance(report["settings"]["workers"], int) or report["settings"]["workers"] < 1:
        raise ReportError(f"{file}: settings.workers={report['settings']['workers']!r} is not a worker count")
    runs = need(report, ["runs"], file)
    if not isinstance(runs, list) or not runs:
        raise ReportError(f"{file}: runs is empty: not a `pagestore bench --json` report")
    for i, run in enumerate(runs):
        for path in (["tool"], ["opsPerSecond"], ["latencyMicros", "all", "p99"], ["cpuMicrosPerOp", "total"]):
            need(run, path, f"{file}: runs[{i}]")
    for tool in {run["tool"] for run in runs}:
        need(report, ["summary", tool, "mergedLatencyMicros", "all"], file)
    return report


def workload_key(settings):
    """What makes two reports points of one curve: everything but the worker count, timing, runs and the peer."""
    return (settings["readPercent"], settings["depth"], sync_calls(settings), settings["pageSizeBytes"],
            settings["pages"], settings.get("skew", "uniform"), settings.get("theta"), settings.get("cacheMiB", 0),
            tuple(settings.get("managerOptions") or ()))


def sync_calls(settings):
    # `synchronousCalls` is what ran (a page cache implies it); older reports may have `sync` alone.
    return bool(settings.get("synchronousCalls", settings.get("sync", False)))


def slug(settings):
    parts = [f"r{settings['readPercent']}", "sync" if sync_calls(settings) else "async", f"d{settings['depth']}",
             f"{settings['pageSizeBytes'] // 1024}k" if settings["pageSizeBytes"] % 1024 == 0
             else f"{settings['pageSizeBytes']}b"]
    if settings["pages"] != 65536:
        parts.append(f"p{settings['pages']}")
    if settings.get("skew", "uniform") != "uniform":
        parts.append(f"zipf{settings.get('theta')}")
    if settings.get("cacheMiB"):
        parts.append(f"cache{settings['cacheMiB']}m")
    if settings.get("managerOptions"):
        parts.append("m" + re.sub(r"[^A-Za-z0-9]+", "", "".join(settings["managerOptions"]))[:24])
    return "-".join(parts)


def describe(settings):
    """The workload in words for a chart's title."""
    read = settings["readPercent"]
    mix = "reads only" if read == 100 else "durable writes only" if read == 0 else f"{read}% reads, {100 - read}% writes"
    depth = settings["depth"]
    calls = (f"sync, {depth} thread{'s' if depth != 1 else ''} per worker" if sync_calls(settings)
             else f"async, depth {depth} per worker")
    size = settings["pageSizeBytes"]
    page = f"{size // 1024} KiB pages" if size % 1024 == 0 else f"{size} B pages"
    return f"{mix}; {calls}; {page}"


def describe_more(settings, files_settings, tools, fio_syncs, cpus_and_fs):
    """The second line under a title: working set, skew, cache, timing, machine."""
    parts = [f"{settings['pages']:,} pages"]
    if settings.get("skew", "uniform") != "uniform":
        parts[-1] += f", zipfian θ={settings.get('theta')}"
    else:
        parts[-1] += ", uniform"
    if settings.get("cacheMiB"):
        parts.append(f"{settings['cacheMiB']} MiB page cache per worker")
    if settings.get("managerOptions"):
        parts.append("manager " + " ".join(settings["managerOptions"]))
    warmups = sorted({s.get("warmupSeconds") for s in files_settings if s.get("warmupSeconds") is not None})
    durations = sorted({s.get("durationSeconds") for s in files_settings if s.get("durationSeconds") is not None})
    if warmups and durations:
        parts.append(f"{span(warmups)} s warm-up + {span(durations)} s measured per run")
    if cpus_and_fs:
        parts.append(cpus_and_fs)
    peers = [t for t in tools if t != OURS]
    if "fio" in peers and fio_syncs:
        parts.append("fio writes: " + "/".join(
            {"dsync": "O_DSYNC", "fdatasync": "fdatasync after each, not in its latency"}.get(s, s) for s in fio_syncs))
    return "; ".join(parts)


def span(values):
    text = [f"{v:g}" for v in values]
    return text[0] if len(text) == 1 else f"{text[0]}–{text[-1]}"


class Workload:
    """The reports of one workload: per worker count and tool, every run, and one merged percentile curve."""

    def __init__(self, settings):
        self.settings = settings
        self.files_settings = []
        self.runs = {}  # (workers, tool) -> [run]
        self.merged = {}  # (workers, tool) -> {"p50": ..., ..., "max": ...}
        self.merged_from = {}  # (workers, tool) -> file
        self.fio_syncs = set()
        self.machines = set()

    def add(self, file, report):
        settings = report["settings"]
        workers = settings["workers"]
        self.files_settings.append(settings)
        if settings.get("fioSync") and settings.get("compare") == "fio":
            self.fio_syncs.add(settings["fioSync"])
        machine = report.get("machine") or {}
        if machine.get("cpus") or machine.get("fileSystem"):
            self.machines.add((machine.get("cpus"), machine.get("fileSystem")))
        for run in report["runs"]:
            self.runs.setdefault((workers, run["tool"]), []).append(run)
        for tool in {run["tool"] for run in report["runs"]}:
            key = (workers, tool)
            if key in self.merged:
                print(f"plot.py: note: {file} and {self.merged_from[key]} both hold {tool} at {workers} workers: "
                      f"their runs are pooled, the percentile curve is {self.merged_from[key]}'s", file=sys.stderr)
                continue
            self.merged[key] = report["summary"][tool]["mergedLatencyMicros"]["all"]
            self.merged_from[key] = file

    def tools(self):
        found = {tool for _, tool in self.runs}
        return sorted(found, key=lambda t: (t != OURS, t))

    def workers(self):
        return sorted({w for w, _ in self.runs})

    def run_counts(self):
        return sorted({len(runs) for runs in self.runs.values()})

    def machine_text(self):
        if len(self.machines) != 1:
            return ""
        cpus, fs = next(iter(self.machines))
        return ", ".join(x for x in (f"{cpus} CPUs" if cpus else "", fs or "") if x)

    def series(self, figure):
        """Per tool: [(workers, median, lowest, highest)] of figure(run) over its runs (None figures skipped)."""
        out = {}
        for tool in self.tools():
            points = []
            for workers in self.workers():
                values = [v for v in (figure(run) for run in self.runs.get((workers, tool), [])) if v is not None]
                if values:
                    points.append((workers, statistics.median(values), min(values), max(values)))
            if points:
                out[tool] = points
        return out


# ----------------------------------------------------------------------------------------------------- scales

def nice_step(rough):
    exponent = math.floor(math.log10(rough))
    for mantissa in (1, 2, 2.5, 5, 10):
        if mantissa * 10 ** exponent >= rough:
            return mantissa * 10 ** exponent
    return 10 ** (exponent + 1)


def decimals_of(step):
    text = f"{step:.10f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def label(value, decimals=None):
    if decimals is None:
        decimals = 0 if value >= 100 or value == int(value) else decimals_of(float(f"{value:.3g}"))
    return f"{value:,.{decimals}f}"


class LinearScale:
    """0 to a round number above the data, about five ticks."""

    def __init__(self, values):
        top = max(values) if values else 1.0
        top = top if top > 0 else 1.0
        self.step = nice_step(top / 5)
        self.lo, self.hi = 0.0, self.step * math.ceil(top * 1.04 / self.step)

    def fraction(self, value):
        return (value - self.lo) / (self.hi - self.lo)

    def ticks(self):
        count = int(round((self.hi - self.lo) / self.step))
        decimals = decimals_of(self.step)
        return [(self.lo + i * self.step, label(self.lo + i * self.step, decimals)) for i in range(count + 1)]


class LogScale:
    """Base 10, from a tick below the data to a tick above it; ticks at 1-2-5 (every integer mantissa when the data
    spans less than a factor of 4, powers of ten alone past four decades)."""

    def __init__(self, values):
        positive = [v for v in values if v > 0] or [1.0]
        low, high = min(positive), max(positive)
        decades = math.log10(max(high / low, 1.0))
        self.mantissas = (1,) if decades > 4 else (1, 2, 5) if decades > 0.6 else (1, 2, 3, 4, 5, 6, 7, 8, 9)
        below = [t for t in self._candidates(low / 10, low) if t <= low]
        above = [t for t in self._candidates(high, high * 10) if t >= high]
        # A tick on either side of the data, and a little room so that no point sits on the frame.
        self.lo = min(below[-1], low / 1.12)
        self.hi = max(above[0], high * 1.12)

    def _candidates(self, lo=None, hi=None):
        lo, hi = lo or self.lo, hi or self.hi
        out = []
        for exponent in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1):
            for mantissa in self.mantissas:
                value = mantissa * 10.0 ** exponent
                if lo <= value * (1 + 1e-9) and value <= hi * (1 + 1e-9):
                    out.append(value)
        return out

    def fraction(self, value):
        return math.log10(value / self.lo) / math.log10(self.hi / self.lo)

    def ticks(self):
        return [(t, label(t, max(0, -math.floor(math.log10(t) + 1e-9)))) for t in self._candidates()]


def y_scale(values):
    """Linear from 0, unless the values span more than a factor of 20 (tails often do): then logarithmic."""
    positive = [v for v in values if v > 0]
    if positive and max(positive) / min(positive) > 20:
        return LogScale(positive)
    return LinearScale(values)


class Log2Scale:
    """Worker counts: log2, ticks at the powers of two in range and at every count the data has."""

    def __init__(self, workers):
        self.workers = sorted(set(workers))
        lo, hi = math.log2(self.workers[0]), math.log2(self.workers[-1])
        pad = 0.35 if hi > lo else 1.0
        self.lo, self.hi = lo - pad, hi + pad

    def fraction(self, value):
        return (math.log2(value) - self.lo) / (self.hi - self.lo)

    def ticks(self):
        powers = {2 ** k for k in range(math.ceil(self.lo), math.floor(self.hi) + 1)
                  if self.workers[0] <= 2 ** k <= self.workers[-1]}
        return [(w, f"{w:,}") for w in sorted(powers | set(self.workers))]


class CategoryScale:
    """Percentiles by their nines: p50, p90, p99, p99.9 a step apart each (−log10 of the fraction above), max last."""

    def __init__(self, names):
        self.names = names
        self.positions = {}
        last = 0.0
        for name in names:
            if name == "max":
                continue
            self.positions[name] = -math.log10(1 - float(name[1:]) / 100)
            last = max(last, self.positions[name])
        if "max" in names:
            self.positions["max"] = last + 1
        self.lo = min(self.positions.values()) - 0.25
        self.hi = max(self.positions.values()) + 0.25

    def fraction(self, name):
        return (self.positions[name] - self.lo) / (self.hi - self.lo)

    def ticks(self):
        return [(name, name) for name in self.names]


def percentile_names(curve):
    names = [k for k in curve if re.fullmatch(r"p\d+(\.\d+)?", k) and number_or_none(curve[k]) is not None]
    names.sort(key=lambda k: float(k[1:]))
    if number_or_none(curve.get("max")) is not None:
        names.append("max")
    return names


# ----------------------------------------------------------------------------------------------------- drawing

class Chart:
    """One SVG: a title, a subtitle, a plot area with axes, ticks and grid, lines with markers, and a legend."""

    def __init__(self, title, workload, subtitles, x_scale, y_scale, x_label, y_label):
        self.x, self.y = x_scale, y_scale
        self.plot_w, self.plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
        self.parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" {FONT}>',
            f'<title>{escape(title)}: {escape(workload)}</title>',
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
            text(LEFT, 26, title, size=16, weight="bold"),
            text(LEFT, 48, workload, size=13.5),
        ]
        for i, subtitle in enumerate(s for s in subtitles if s):
            self.parts.append(text(LEFT, 68 + 15 * i, subtitle, size=11, fill="#4a4a4a"))
        y_label = (f"{y_label[0]} ({y_label[1]}, log scale)" if isinstance(y_scale, LogScale)
                   else f"{y_label[0]} ({y_label[1]})" if y_label[1] else y_label[0])
        self.legend_rows = []
        self._axes(x_label, y_label)

    def px(self, value):
        return LEFT + self.x.fraction(value) * self.plot_w

    def py(self, value):
        return TOP + (1 - self.y.fraction(value)) * self.plot_h

    def _axes(self, x_label, y_label):
        bottom, right = TOP + self.plot_h, LEFT + self.plot_w
        for value, name in self.y.ticks():
            y = self.py(value)
            self.parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e3e3e3"/>')
            self.parts.append(f'<line x1="{LEFT - 5}" y1="{y:.1f}" x2="{LEFT}" y2="{y:.1f}" stroke="#333333"/>')
            self.parts.append(text(LEFT - 8, y + 4, name, size=11.5, anchor="end"))
        for value, name in self.x.ticks():
            x = self.px(value)
            self.parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="#f0f0f0"/>')
            self.parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}" stroke="#333333"/>')
            self.parts.append(text(x, bottom + 19, name, size=11.5, anchor="middle"))
        self.parts.append(f'<rect x="{LEFT}" y="{TOP}" width="{self.plot_w}" height="{self.plot_h}" '
                          f'fill="none" stroke="#333333"/>')
        self.parts.append(text(LEFT + self.plot_w / 2, HEIGHT - 16, x_label, size=13, anchor="middle"))
        cy = TOP + self.plot_h / 2
        self.parts.append(text(22, cy, y_label, size=13, anchor="middle", rotate=(-90, 22, cy)))

    def line(self, points, colour, dash, marker, bars=()):
        """points: [(x, y)]; bars: [(x, low, high)] drawn as whiskers."""
        for x, low, high in bars:
            if high > low:
                cx, y1, y2 = self.px(x), self.py(low), self.py(high)
                self.parts.append(f'<path d="M{cx:.1f} {y1:.1f}V{y2:.1f}M{cx - 4:.1f} {y1:.1f}h8M{cx - 4:.1f} '
                                  f'{y2:.1f}h8" stroke="{colour}" stroke-width="1.2" fill="none" opacity="0.8"/>')
        coords = " ".join(f"{self.px(x):.1f},{self.py(y):.1f}" for x, y in points)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(points) > 1:
            self.parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"'
                              f'{dash_attr} stroke-linejoin="round"/>')
        for x, y in points:
            self.parts.append(marker_svg(marker, self.px(x), self.py(y), colour))

    def legend(self, name, colour, dash, marker):
        self.legend_rows.append((name, colour, dash, marker))

    def note(self, words):
        self.legend_rows.append((words, None, None, None))

    def svg(self):
        x0, y = LEFT + self.plot_w + 18, TOP + 8
        for name, colour, dash, marker in self.legend_rows:
            if colour is None:  # a note: small grey text, wrapped
                for row in wrap(name, 26):
                    self.parts.append(text(x0, y + 4, row, size=10.5, fill="#555555"))
                    y += 14
                y += 6
                continue
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            self.parts.append(f'<line x1="{x0}" y1="{y}" x2="{x0 + 34}" y2="{y}" stroke="{colour}" '
                              f'stroke-width="2"{dash_attr}/>')
            if marker:
                self.parts.append(marker_svg(marker, x0 + 17, y, colour))
            self.parts.append(text(x0 + 42, y + 4, name, size=12))
            y += 21
        return "\n".join(self.parts + ["</svg>", ""])


def wrap(words, width):
    rows, row = [], ""
    for word in words.split():
        if row and len(row) + 1 + len(word) > width:
            rows.append(row)
            row = word
        else:
            row = f"{row} {word}" if row else word
    return rows + ([row] if row else [])


def text(x, y, content, size=12, anchor="start", weight=None, fill="#222222", rotate=None):
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if rotate:
        attrs += f' transform="rotate({rotate[0]} {rotate[1]:.1f} {rotate[2]:.1f})"'
    return f"<text {attrs}>{escape(content)}</text>"


def marker_svg(kind, x, y, colour):
    if kind == "square":
        return f'<rect x="{x - 3.6:.1f}" y="{y - 3.6:.1f}" width="7.2" height="7.2" fill="{colour}"/>'
    if kind == "triangle":
        return (f'<path d="M{x:.1f} {y - 4.6:.1f}L{x + 4.4:.1f} {y + 3.2:.1f}L{x - 4.4:.1f} {y + 3.2:.1f}Z" '
                f'fill="{colour}"/>')
    if kind == "diamond":
        return f'<path d="M{x:.1f} {y - 5:.1f}L{x + 4.5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}L{x - 4.5:.1f} {y:.1f}Z" ' \
               f'fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.8" fill="{colour}"/>'


def tool_style(tool):
    return TOOL_STYLE.get(tool, OTHER_TOOL_STYLE)


# ----------------------------------------------------------------------------------------------------- charts

def subtitles(workload):
    tools = workload.tools()
    counts = workload.run_counts()
    versus = " vs ".join(tools)
    method = (f"{versus}: median of {span(counts)} runs per point, bar from the lowest to the highest run"
              if counts[-1] > 1 else f"{versus}: one run per point")
    more = describe_more(workload.settings, workload.files_settings, tools, sorted(workload.fio_syncs),
                         workload.machine_text())
    return [more, method]


def x_label(settings):
    if sync_calls(settings):
        depth = settings["depth"]
        return f"worker processes, {depth} calling thread{'s' if depth != 1 else ''} each (log2 scale)"
    return "worker processes (log2 scale)"


def by_workers_chart(workload, what, y_label, figure, extra_note=None):
    series = workload.series(figure)
    if not series:
        return None
    values = [v for points in series.values() for _, med, low, high in points for v in (med, low, high)]
    chart = Chart(what, describe(workload.settings), subtitles(workload), Log2Scale(workload.workers()),
                  y_scale(values), x_label(workload.settings), y_label)
    for tool, points in series.items():
        colour, dash, marker = tool_style(tool)
        chart.line([(w, med) for w, med, _, _ in points], colour, dash, marker,
                   bars=[(w, low, high) for w, _, low, high in points])
        chart.legend(tool, colour, dash, marker)
    if extra_note:
        chart.note(extra_note)
    return chart


def percentile_chart(workload):
    curves = {key: curve for key, curve in workload.merged.items()}
    names = []
    for curve in curves.values():
        for name in percentile_names(curve):
            if name not in names:
                names.append(name)
    names.sort(key=lambda k: float("inf") if k == "max" else float(k[1:]))
    if not names:
        return None
    values = [number_or_none(curve.get(n)) for curve in curves.values() for n in names]
    chart = Chart("Latency percentiles", describe(workload.settings), subtitles(workload)[:1] + [
        "all operations, each tool's runs merged into one histogram per worker count; colour: workers, line: tool"],
        CategoryScale(names), LogScale([v for v in values if v]), "percentile", ("latency", "µs"))
    workers_list = workload.workers()
    for i, workers in enumerate(workers_list):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        for tool in workload.tools():
            curve = curves.get((workers, tool))
            if not curve:
                continue
            _, dash, marker = tool_style(tool)
            points = [(n, number_or_none(curve.get(n))) for n in names]
            chart.line([(n, v) for n, v in points if v is not None and v > 0], colour, dash, marker)
        chart.legend(f"{workers} worker{'s' if workers != 1 else ''}", colour, None, None)
    for tool in workload.tools():
        _, dash, marker = tool_style(tool)
        chart.legend(tool, "#555555", dash, marker)
    return chart


def charts(workload):
    whose = {"pagestore": "pagestore: its manager and workers", "fio": "fio: its processes",
             "rocksdb": "rocksdb: its process"}
    cpu_note = ("; ".join(whose.get(tool, f"{tool}: its processes") for tool in workload.tools())
                + ". utime + stime from /proc over the window, per operation")
    return [
        ("throughput", by_workers_chart(workload, "Throughput against workers", ("operations per second", ""),
                                        lambda run: number_or_none(run["opsPerSecond"]))),
        ("p99", by_workers_chart(workload, "p99 latency against workers", ("p99 latency of all operations", "µs"),
                                 lambda run: number_or_none(run["latencyMicros"]["all"]["p99"]))),
        ("cpu", by_workers_chart(workload, "CPU per operation against workers", ("CPU per operation", "µs"),
                                 lambda run: number_or_none(run["cpuMicrosPerOp"]["total"]), cpu_note)),
        ("percentiles", percentile_chart(workload)),
    ]


# ----------------------------------------------------------------------------------------------------- main

def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print("usage: bench/plot.py OUTDIR FILE.json... (pagestore bench --json reports)", file=sys.stderr)
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    out_dir, files = argv[1], argv[2:]
    try:
        workloads = {}
        for file in files:
            report = load(file)
            key = workload_key(report["settings"])
            workloads.setdefault(key, Workload(report["settings"])).add(file, report)
        if os.path.exists(out_dir) and not os.path.isdir(out_dir):
            raise ReportError(f"{out_dir}: exists and is not a directory")
        os.makedirs(out_dir, exist_ok=True)
    except ReportError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"plot.py: {out_dir}: cannot make the directory: {e.strerror}", file=sys.stderr)
        return 2
    names = {}
    for workload in workloads.values():
        name = slug(workload.settings)
        names[name] = names.get(name, 0) + 1
        if names[name] > 1:  # two workloads that differ only where the slug is silent
            name = f"{name}-{names[name]}"
        for kind, chart in charts(workload):
            if chart is None:
                print(f"plot.py: note: {name}: no figures for the {kind} chart", file=sys.stderr)
                continue
            write_chart(os.path.join(out_dir, f"{name}-{kind}.svg"), chart)
    return 0


def write_chart(path, chart):
    """Writes one chart as an SVG file and prints its path (also for plot-stat.py)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write(chart.svg())
    print(path)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
