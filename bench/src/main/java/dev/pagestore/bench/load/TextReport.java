package dev.pagestore.bench.load;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The results on stdout: what ran, one line per run, then a table of medians over the runs with one column per tool
 * and, with a peer, the ratio pagestore / peer (above 1 means the store has more of it: good for throughput, bad for
 * latency and CPU).
 */
final class TextReport {
    private static final String ROW = "%-30s%15s%15s%20s";

    private final BenchSettings settings;
    private final PrintWriter out;

    TextReport(BenchSettings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /** The lines that say what is measured, printed before the runs start. */
    void header(String directory, String fileSystem) {
        out.printf(Locale.ROOT, "pagestore bench: %d workers x %s, %d%% reads, %s over %,d pages of %d B (%s)%n",
                settings.workers(), settings.synchronousCalls()
                        ? settings.depth() + " threads of synchronous calls" + (settings.sync() ? ""
                        : " (the page cache's calls are synchronous)")
                        : settings.depth() + " requests outstanding (" + (settings.futures() ? "futures" : "polled")
                        + ")", settings.readPercent(),
                settings.skew() == Skew.ZIPFIAN ? "zipfian (theta " + settings.theta() + ")" : "uniform",
                settings.pages(), settings.pageSizeBytes(), bytes(settings.workingSetBytes()));
        out.printf(Locale.ROOT, "  page cache: %s; each run: %s s warm-up, %s s measured; %d run%s%s%n",
                settings.cacheMiB() > 0 ? settings.cacheMiB() + " MiB per worker" : "none",
                seconds(settings.warmupSeconds()), seconds(settings.durationSeconds()), settings.runs(),
                settings.runs() > 1 ? "s" : "", switch (settings.peer()) {
                    case NONE -> "";
                    case FIO -> ", alternating with fio (io_uring, O_DIRECT, " + (settings.readPercent() == 100
                            ? "reads only)" : settings.effectiveFioSync() == BenchSettings.FioSync.DSYNC
                            ? "O_DSYNC writes)" : "an fdatasync after each write)");
                    case ROCKSDB -> ", alternating with RocksDB (" + settings.workers() * settings.depth()
                            + " threads in one process, sync puts)";
                });
        out.printf(Locale.ROOT, "  %s on %s; %d CPUs, load average %s at start%s%n", directory, fileSystem,
                Runtime.getRuntime().availableProcessors(), ProcFs.loadAverage(),
                settings.managerOptions().isEmpty() ? "" : "; manager " + String.join(" ", settings.managerOptions()));
        out.flush();
    }

    /** Every run, then the medians. */
    void results(List<RunResult> results) {
        out.println();
        out.printf("%-5s%-11s%12s%11s%11s%13s%10s%n", "run", "tool", "ops/s", "p50 us", "p99 us", "CPU us/op",
                "errors");
        for (RunResult run : results) {
            out.printf(Locale.ROOT, "%-5d%-11s%12s%11s%11s%13s%10d%n", run.run(), run.tool(),
                    number(run.opsPerSecond(), 0), number(ToolSummary.micros(run.all(), 50), 1),
                    number(ToolSummary.micros(run.all(), 99), 1), number(run.microsPerOp(run.totalCpuNanos()), 2),
                    run.errorCount());
        }
        ToolSummary ours = ToolSummary.of("pagestore", results);
        ToolSummary peer = settings.peer() == BenchSettings.Peer.NONE ? null
                : ToolSummary.of(settings.peer().name().toLowerCase(Locale.ROOT), results);
        out.println();
        line(settings.runs() > 1 ? "medians over " + settings.runs() + " runs" : "", "pagestore",
                peer != null ? peer.tool() : "", peer != null ? "pagestore/" + peer.tool() : "");
        row("throughput ops/s", ours, peer, RunResult::opsPerSecond, 0, true);
        // fio's write latency leaves out the fdatasync that follows each write, while ours includes the WAL's: no
        // ratio then (its fdatasyncs are reported apart, below).
        boolean comparableLatency = peer == null || !peer.extraLatencies().containsKey("fdatasync");
        for (double percentile : ToolSummary.PERCENTILES) {
            row("latency " + ToolSummary.percentileName(percentile) + " us", ours, peer,
                    run -> ToolSummary.micros(run.all(), percentile), 1, comparableLatency);
        }
        if (settings.readPercent() > 0 && settings.readPercent() < 100) {
            for (double percentile : new double[] {50, 99}) {
                row("  reads " + ToolSummary.percentileName(percentile) + " us", ours, peer,
                        run -> ToolSummary.micros(run.reads(), percentile), 1, true);
            }
            for (double percentile : new double[] {50, 99}) {
                row("  writes " + ToolSummary.percentileName(percentile) + " us", ours, peer,
                        run -> ToolSummary.micros(run.writes(), percentile), 1, true);
            }
        }
        row("CPU us/op, manager", ours, peer, run -> run.hasManager() ? run.microsPerOp(run.managerCpuNanos())
                : Double.NaN, 2, false);
        row("CPU us/op, workers" + (peer != null ? " / " + peer.tool() : ""), ours, peer,
                run -> run.microsPerOp(run.workersCpuNanos()), 2, false);
        row("CPU us/op, total", ours, peer, run -> run.microsPerOp(run.totalCpuNanos()), 2, true);
        double rss = ours.median(run -> run.managerRssBytes());
        double idle = ours.median(run -> run.managerIdleRssBytes());
        out.printf(Locale.ROOT, "manager RSS %s with %d workers attached: %s per worker (idle manager %s: %+.1f MiB"
                + " per worker)%n", bytes((long) rss), settings.workers(), bytes((long) (rss / settings.workers())),
                bytes((long) idle), (rss - idle) / settings.workers() / (1 << 20));
        if (settings.cacheMiB() > 0) {
            row("cache hit ratio %", ours, peer, run -> 100 * run.cacheHitRatio(), 1, false);
        }
        if (peer != null && peer.extraLatencies().containsKey("fdatasync")) {
            out.printf(Locale.ROOT, "fio's fdatasyncs, reported apart (its write latency above excludes them): p50 %s"
                    + " us, p99 %s us, %s per write%n",
                    number(peer.median(run -> ToolSummary.micros(run.extraLatencies().get("fdatasync"), 50)), 1),
                    number(peer.median(run -> ToolSummary.micros(run.extraLatencies().get("fdatasync"), 99)), 1),
                    number(peer.median(run -> run.writes().getTotalCount() == 0 ? Double.NaN
                            : (double) run.extraLatencies().get("fdatasync").getTotalCount()
                            / run.writes().getTotalCount()), 2));
        }
        if (peer != null && peer.median(RunResult::reportedCpuNanos) >= 0) {
            out.printf(Locale.ROOT, "%s's own CPU figure (usr_cpu + sys_cpu over its runtime, a cross-check of /proc):"
                    + " %s us/op%n", peer.tool(), number(peer.median(run -> run.reportedCpuNanos() / 1e3 / run.ops()),
                    2));
        }
        errors(ours);
        if (peer != null) {
            errors(peer);
        }
        out.flush();
    }

    private void row(String label, ToolSummary ours, ToolSummary peer, ToDoubleFunction<RunResult> figure,
            int decimals, boolean ratio) {
        double mine = ours.median(figure);
        double theirs = peer != null ? peer.median(figure) : Double.NaN;
        String quotient = ratio && peer != null && theirs > 0 && !Double.isNaN(mine)
                ? String.format(Locale.ROOT, "%.2fx", mine / theirs) : "";
        line(label, number(mine, decimals), peer != null ? number(theirs, decimals) : "", quotient);
    }

    /** One row of the table, without trailing blanks when a column is empty. */
    private void line(String label, String ours, String peer, String ratio) {
        out.println(String.format(Locale.ROOT, ROW, label, ours, peer, ratio).stripTrailing());
    }

    private void errors(ToolSummary summary) {
        if (summary.errors().isEmpty()) {
            out.printf("errors, %s: none%n", summary.tool());
            return;
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Long> error : summary.errors().entrySet()) {
            parts.add(error.getKey() + " " + error.getValue());
        }
        out.printf("errors, %s (all runs): %s%n", summary.tool(), String.join(", ", parts));
    }

    static String number(double value, int decimals) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

    static String bytes(long bytes) {
        if (bytes < 0) {
            return "-";
        }
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }

    private static String seconds(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
    }
}
