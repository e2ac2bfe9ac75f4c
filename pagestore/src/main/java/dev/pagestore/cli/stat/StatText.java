package dev.pagestore.cli.stat;

import static dev.pagestore.cli.stat.StatSample.*;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * The {@code iostat}-style view: every interval one line per reactor (requests per second, queue, latency quantiles,
 * errors), one for the WAL, one for the control socket, and a line when the data file is behind.
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
        out.printf("%n%s  %8s %8s %6s %9s %9s %9s %9s %9s %5s %10s %6s %7s %7s %8s %5s %6s%n",
                LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), "reads/s", "writes/s", "queue",
                "p50", "p99", "p99.9", "read p99", "write p99", "busy", "pages/bell", "errors", "invalid", "timeout",
                "unmapped", "chans", "faults");
        for (int r = 0; r < now.reactorCount(); r++) {
            long[] a = before.reactors()[r];
            long[] b = now.reactors()[r];
            long[] histogram = now.histogramSince(before, r);
            double perBell = now.ratioSince(before, r, new int[] {PAGES_READ_INDEX, PAGES_WRITTEN_INDEX},
                    DOORBELLS_INDEX);
            double busy = now.busyFractionSince(before, r);
            out.printf("reactor %-2d %8.0f %8.0f %6d %9s %9s %9s %9s %9s %5s %10s %6d %7d %7d %8d %5d %6d%n",
                    r,
                    (b[READS] - a[READS]) / seconds, (b[WRITES] - a[WRITES]) / seconds, b[QUEUE],
                    below(quantileNanos(histogram, 0.50)), below(quantileNanos(histogram, 0.99)),
                    below(quantileNanos(histogram, 0.999)),
                    below(quantileNanos(now.histogramSince(before, r, false), 0.99)),
                    below(quantileNanos(now.histogramSince(before, r, true), 0.99)), busy < 0 ? "-" : String.format("%.0f%%", 100 * busy),
                    perBell < 0 ? "-" : String.format("%.1f", perBell), b[ERRORS_INDEX], b[INVALID],
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
        out.printf("checkpoints %d (%d in the interval), durable LSN %d%n", g[CHECKPOINTS_INDEX],
                g[CHECKPOINTS_INDEX] - p[CHECKPOINTS_INDEX], g[DURABLE]);
        // Workers coming and going, and connections turned away (bad frames, refused attaches, foreign peers): the
        // manager logs each kind at most once a second, so a flood shows here rather than in its log.
        out.printf("control  attaches %.0f/s, refused %.0f/s (%d since start)%n",
                (g[ATTACHES_INDEX] - p[ATTACHES_INDEX]) / seconds, (g[REFUSALS] - p[REFUSALS]) / seconds,
                g[REFUSALS]);
        out.flush();
    }

    /** "write W us + fdatasync S us": the WAL writer's time in each, per commit of the interval; "-" without one. */
    static String perCommit(long batches, long writeNanos, long syncNanos) {
        if (batches == 0) {
            return "-";
        }
        return String.format("write %.0f us + fdatasync %.0f us", writeNanos / 1e3 / batches,
                syncNanos / 1e3 / batches);
    }

    /** A bucket's upper bound as "<2ms", or "-" for none. */
    static String below(long nanos) {
        return nanos < 0 ? "-" : "<" + duration(nanos);
    }

    private static String duration(long nanos) {
        if (nanos < 1_000) {
            return nanos + "ns";
        } else if (nanos < 1_000_000) {
            return nanos / 1_000 + "us";
        } else if (nanos < 1_000_000_000) {
            return nanos / 1_000_000 + "ms";
        }
        return nanos / 1_000_000_000 + "s";
    }
}
