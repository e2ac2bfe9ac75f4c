package dev.pagestore.cli.stat;

import static dev.pagestore.cli.stat.StatSample.*;

import dev.pagestore.status.StatusRegionDescriptor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.Locale;
import java.time.format.DateTimeFormatter;

/**
 * The {@code iostat}-style view: every interval one line per reactor (requests per second, queue, latency quantiles,
 * errors), one for the WAL, one for checkpoints, one for the control socket, a line when the data file is behind,
 * and with {@code --workers} a table of the attached workers' channels.
 */
final class StatText {
    private StatText() {
    }

    static void manager(PrintWriter out, StatSample first, Path directory) {
        out.printf("manager pid %d on %s: epoch %d, %d reactor(s), page %d B, %,d pages; recovery took %s and"
                        + " applied %,d page(s)%n", first.managerPid(), directory, first.epoch(),
                first.reactorCount(), first.pageSizeBytes(), first.capacityPages(),
                duration(first.global()[RECOVERY]), first.global()[RECOVERED]);
        out.flush();
    }

    static void interval(PrintWriter out, StatSample before, StatSample now) {
        double seconds = (now.nanos() - before.nanos()) / 1e9;
        out.printf("%n%s  %8s %8s %6s %9s %9s %9s %9s %9s %5s %10s %10s %6s %7s %7s %8s %5s %6s%n",
                LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), "reads/s", "writes/s", "queue",
                "p50", "p99", "p99.9", "read p99", "write p99", "busy", "pages/bell", "pages/reap", "errors", "invalid",
                "timeout", "unmapped", "chans", "faults");
        for (int r = 0; r < now.reactorCount(); r++) {
            long[] a = before.reactors()[r];
            long[] b = now.reactors()[r];
            long[] histogram = now.histogramSince(before, r);
            double perBell = now.pagesPerSince(before, r, DOORBELLS_INDEX);
            double perReap = now.pagesPerSince(before, r, REAPS_INDEX);
            double busy = now.busyFractionSince(before, r);
            out.printf("reactor %-2d %8.0f %8.0f %6d %9s %9s %9s %9s %9s %5s %10s %10s %6d %7d %7d %8d %5d %6d%n",
                    r,
                    (b[READS] - a[READS]) / seconds, (b[WRITES] - a[WRITES]) / seconds, b[QUEUE],
                    latency(quantileNanos(histogram, 0.50)), latency(quantileNanos(histogram, 0.99)),
                    latency(quantileNanos(histogram, 0.999)),
                    latency(quantileNanos(now.histogramSince(before, r, false), 0.99)),
                    latency(quantileNanos(now.histogramSince(before, r, true), 0.99)),
                    busy < 0 ? "-" : String.format("%.0f%%", 100 * busy),
                    perBell < 0 ? "-" : String.format("%.1f", perBell),
                    perReap < 0 ? "-" : String.format("%.1f", perReap), b[ERRORS_INDEX], b[INVALID],
                    b[TIMEOUTS_INDEX], b[UNMAPPED], b[CHANNELS_INDEX], b[FAULTS]);
        }
        long[] g = now.global();
        long[] p = before.global();
        long deferred = now.sum(DEFERRED);
        if (deferred > 0 || g[UNWRITTEN] > 0) {
            // Committed writes whose data-file write failed: the WAL holds them and reads are served from memory, but
            // the data file is behind until a checkpoint writes them (docs/operations.md).
            out.printf("data file behind: %d committed page(s) wait for the checkpointer (%d failed data-file writes"
                    + " since start)%n", g[UNWRITTEN], deferred);
        }
        long batches = g[BATCHES] - p[BATCHES];
        long records = g[RECORDS] - p[RECORDS];
        out.printf("workers %d  WAL %.0f fdatasyncs/s, mean batch %s records, per commit %s, segments zero-filled %d"
                        + " recycled %d%n", g[WORKERS], (g[DATASYNCS] - p[DATASYNCS]) / seconds,
                batches == 0 ? "-" : String.format("%.1f", (double) records / batches),
                perCommit(batches, g[WRITE_NANOS] - p[WRITE_NANOS], g[SYNC_NANOS] - p[SYNC_NANOS]),
                g[ZERO_FILLED] - p[ZERO_FILLED], g[RECYCLED] - p[RECYCLED]);
        out.printf("checkpoints %d (%d in the interval, last %s), durable LSN %d, %s of log to replay, %d spare"
                        + " segment(s)%n", g[CHECKPOINTS_INDEX], g[CHECKPOINTS_INDEX] - p[CHECKPOINTS_INDEX],
                g[LAST_CHECKPOINT] == 0 ? "none yet" : age(System.currentTimeMillis() - g[LAST_CHECKPOINT]) + " ago",
                g[DURABLE], bytes(Math.max(0, g[DURABLE] - g[REDO])), g[SPARES]);
        if (g[STANDBY_LSN] != 0 || g[STANDBY_CAUGHT_UP] != 0) {
            // A standby: how far behind the primary it may be (its reads may lag by as much)
            out.printf("standby  applied through LSN %d of the primary's log, %s%n", g[STANDBY_LSN],
                    g[STANDBY_CAUGHT_UP] == 0 ? "not yet caught up"
                            : "caught up " + age(System.currentTimeMillis() - g[STANDBY_CAUGHT_UP]) + " ago");
        }
        // Workers coming and going, and connections turned away (bad frames, refused attaches, foreign peers): the
        // manager logs each kind at most once a second, so a flood shows here rather than in its log.
        out.printf("control  attaches %.0f/s, refused %.0f/s (%d since start)%n",
                (g[ATTACHES_INDEX] - p[ATTACHES_INDEX]) / seconds, (g[REFUSALS] - p[REFUSALS]) / seconds,
                g[REFUSALS]);
        out.flush();
    }

    /**
     * One line per attached worker channel (the manager's rows are refreshed every 100 ms): rates over the interval,
     * requests in flight, totals of timeouts, invalid requests and errors, and the page cache's hit rate and
     * evictions as the worker reports them.
     */
    static void workers(PrintWriter out, StatSample before, StatSample now, long attachedWorkers) {
        out.printf("%-8s %-24s %7s %3s %8s %8s %9s %10s %6s %7s %7s %6s %6s %9s%n", "pid", "worker", "attach", "r",
                "reads/s", "writes/s", "read MB/s", "write MB/s", "queue", "timeout", "invalid", "errors", "cache",
                "evicted");
        double pageMb = now.pageSizeBytes() / 1e6;
        for (StatSample.Worker w : now.workers()) {
            long[] v = w.values();
            out.printf(Locale.ROOT, "%-8d %-24s %7d %3d %8s %8s %9s %10s %6d %7d %7d %6d %6s %9d%n", w.pid(),
                    cut(w.name(), 24), w.attachId(), w.reactor(),
                    rate("%.0f", now.workerRateSince(before, w, W_READS)),
                    rate("%.0f", now.workerRateSince(before, w, W_WRITES)),
                    rate("%.1f", now.workerRateSince(before, w, W_PAGES_READ) * pageMb),
                    rate("%.1f", now.workerRateSince(before, w, W_PAGES_WRITTEN) * pageMb),
                    v[W_IN_FLIGHT], v[W_TIMEOUTS], v[W_INVALID], v[W_IO_ERRORS] + v[W_NO_SPACE] + v[W_SHUTTING_DOWN],
                    hitRate(v[W_CACHE_HITS], v[W_CACHE_MISSES]), v[W_CACHE_EVICTIONS]);
        }
        if (now.workers().size() >= StatusRegionDescriptor.CHANNEL_ROWS_MAX && attachedWorkers > now.workers().size()) {
            out.printf("(%d more attached channel(s) have no row: the region holds %d)%n",
                    attachedWorkers - now.workers().size(), StatusRegionDescriptor.CHANNEL_ROWS_MAX);
        }
        out.flush();
    }

    /** A rate, or "-" when it is not known (NaN). */
    private static String rate(String format, double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, format, value) : "-";
    }

    /** The worker's own figures as a hit rate: "-" without lookups, "?" when they do not add up. */
    private static String hitRate(long hits, long misses) {
        long lookups = hits + misses;
        if (lookups == 0) {
            return "-";
        }
        if (lookups < 0 || hits > lookups) {
            return "?";
        }
        return String.format(Locale.ROOT, "%.0f%%", 100.0 * hits / lookups);
    }

    private static String cut(String text, int width) {
        return text.length() <= width ? text : text.substring(0, width - 1) + "~";
    }

    /** "write W us + fdatasync S us": the WAL writer's time in each, per commit of the interval; "-" without one. */
    static String perCommit(long batches, long writeNanos, long syncNanos) {
        if (batches == 0) {
            return "-";
        }
        return String.format("write %.0f us + fdatasync %.0f us", writeNanos / 1e3 / batches,
                syncNanos / 1e3 / batches);
    }

    /** A latency with three significant digits, as "87.3us", or "-" for none. */
    static String latency(long nanos) {
        return nanos < 0 ? "-" : duration(nanos);
    }

    static String duration(long nanos) {
        if (nanos < 1_000) {
            return nanos + "ns";
        }
        double value = nanos;
        String unit = "s";
        if (nanos < 1_000_000) {
            value /= 1e3;
            unit = "us";
        } else if (nanos < 1_000_000_000) {
            value /= 1e6;
            unit = "ms";
        } else {
            value /= 1e9;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.2f%s" : value < 100 ? "%.1f%s" : "%.0f%s", value, unit);
    }

    private static String age(long millis) {
        return millis < 120_000 ? Math.max(0, millis / 1000) + "s" : millis / 60_000 + "min";
    }

    private static String bytes(long count) {
        return count < 1 << 20 ? count / 1024 + " KiB" : count / (1 << 20) + " MiB";
    }
}
