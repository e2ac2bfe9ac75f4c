package dev.pagestore.cli;

import static dev.pagestore.status.StatusRegionDescriptor.*;

import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pagestore stat --dir DIR}: a live view of a running manager from its status region, like {@code iostat}. The
 * region has no name: the manager sends it over its control socket (OBSERVE), read-only, to a process of its own user.
 * every interval one line per reactor (IOPS as deltas of its counters, requests in flight, latency percentiles from
 * the interval's histogram buckets, errors) and one line for the manager (attached workers, WAL fdatasyncs per
 * second, mean records per group commit, the WAL writer's time in write and in fdatasync per commit, and segments
 * zero-filled or recycled in the interval), and one for the control socket (attaches per second, connections turned
 * away per second and since start).
 */
@Command(name = "stat",
        mixinStandardHelpOptions = true,
        description = {"Show a running manager's figures every interval, from its read-only status region: per"
                + " reactor IOPS, in-flight requests, latency p50/p99/p99.9, errors, invalid requests, timeouts and"
                + " unmapped completions; attached workers, WAL fdatasyncs/s, mean group-commit size, the WAL"
                + " writer's time in write and fdatasync per commit, and WAL segments zero-filled (checkpoints too"
                + " seldom for the log's rate) or recycled; attaches per second and control connections refused"
                + " (bad frames, refused attaches, foreign peers) per second and since start.",
                "Latencies come from log2 buckets: a figure is the upper bound of its bucket."})
public final class StatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, description = "The manager's data directory.")
    Path directory;

    @Option(names = "--interval", defaultValue = "1s",
            description = "Time between reports: 500ms, 1s, 2s... (default ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--count", defaultValue = "0", description = "Reports to print, then exit (0: until Ctrl-C).")
    long count;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long intervalMillis;
        try {
            intervalMillis = parseMillis(interval);
        } catch (IllegalArgumentException e) {
            err.println("pagestore stat: " + e.getMessage());
            return 2;
        }
        if (!Files.isDirectory(directory)) {
            err.println("pagestore stat: " + directory + " is not a directory");
            return 1;
        }
        StatusView status;
        try {
            status = StatusView.observe(directory);
        } catch (IOException e) {
            err.println("pagestore stat: no manager runs on " + directory + " (" + e.getMessage()
                    + "); start one with 'pagestore manager --dir " + directory + "'");
            return 1;
        }
        try (status) {
            long pid = status.managerPid();
            if (status.state() == STATE_STOPPED || ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                err.println("pagestore stat: no manager runs on " + directory + " (the status region names pid " + pid
                        + ", which is " + (status.state() == STATE_STOPPED ? "stopped" : "gone") + ")");
                return 1;
            }
            out.printf("manager pid %d on %s: epoch %d, %d reactor(s), page %d B, %,d pages%n", pid, directory,
                    status.epoch(), status.reactorCount(), status.pageSizeBytes(), status.capacityPages());
            Sample previous = Sample.of(status);
            for (long n = 0; count == 0 || n < count; n++) {
                Thread.sleep(intervalMillis);
                if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                    err.println("pagestore stat: manager pid " + pid + " is gone");
                    return 1;
                }
                Sample now = Sample.of(status);
                print(out, previous, now, status.reactorCount());
                previous = now;
            }
        }
        return 0;
    }

    /** One reading of every counter. */
    private record Sample(long nanos, long[][] reactors, long[][] histograms, long[] global) {
        static final long[] REACTOR_FIELDS = {READ_REQUESTS, WRITE_REQUESTS, PAGES_READ, PAGES_WRITTEN, ERRORS,
                INVALID_REQUESTS, TIMEOUTS, UNMAPPED_COMPLETIONS, IN_FLIGHT, CHANNELS, CHANNEL_FAULTS,
                DEFERRED_DATA_WRITES};
        static final long[] GLOBAL_FIELDS = {ATTACHED_WORKERS, WAL_DATASYNCS, WAL_BATCHES, WAL_RECORDS,
                WAL_WRITE_NANOS, WAL_SYNC_NANOS, WAL_SEGMENTS_ZERO_FILLED, WAL_SEGMENTS_RECYCLED, UNWRITTEN_PAGES,
                ATTACHES, CONTROL_REFUSALS};

        static Sample of(StatusView status) {
            int r = status.reactorCount();
            long[][] reactors = new long[r][REACTOR_FIELDS.length];
            long[][] histograms = new long[r][HISTOGRAM_BUCKETS];
            for (int i = 0; i < r; i++) {
                for (int f = 0; f < REACTOR_FIELDS.length; f++) {
                    reactors[i][f] = status.reactor(i, REACTOR_FIELDS[f]);
                }
                for (int b = 0; b < HISTOGRAM_BUCKETS; b++) {
                    histograms[i][b] = status.histogram(i, b);
                }
            }
            long[] global = new long[GLOBAL_FIELDS.length];
            for (int f = 0; f < GLOBAL_FIELDS.length; f++) {
                global[f] = status.global(GLOBAL_FIELDS[f]);
            }
            return new Sample(System.nanoTime(), reactors, histograms, global);
        }
    }

    private static void print(PrintWriter out, Sample before, Sample now, int reactorCount) {
        double seconds = (now.nanos - before.nanos) / 1e9;
        out.printf("%n%s  %8s %8s %6s %9s %9s %9s %6s %7s %7s %8s %5s %6s%n",
                LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), "reads/s", "writes/s", "queue",
                "p50", "p99", "p99.9", "errors", "invalid", "timeout", "unmapped", "chans", "faults");
        for (int r = 0; r < reactorCount; r++) {
            long[] a = before.reactors[r];
            long[] b = now.reactors[r];
            long[] histogram = new long[HISTOGRAM_BUCKETS];
            for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
                histogram[i] = now.histograms[r][i] - before.histograms[r][i];
            }
            out.printf("reactor %-2d %8.0f %8.0f %6d %9s %9s %9s %6d %7d %7d %8d %5d %6d%n", r,
                    (b[0] - a[0]) / seconds, (b[1] - a[1]) / seconds, b[8], percentile(histogram, 0.50),
                    percentile(histogram, 0.99), percentile(histogram, 0.999), b[4], b[5], b[6], b[7], b[9], b[10]);
        }
        long deferred = 0;
        for (int r = 0; r < reactorCount; r++) {
            deferred += now.reactors[r][11];
        }
        if (deferred > 0 || now.global[8] > 0) {
            // Committed writes whose data-file write failed: the WAL holds them and reads are served from memory, but
            // the data file is behind until a checkpoint writes them (docs/operations.md).
            out.printf("data file behind: %d committed page(s) wait for the checkpointer (%d failed data-file writes"
                    + " since start)%n", now.global[8], deferred);
        }
        long datasyncs = now.global[1] - before.global[1];
        long batches = now.global[2] - before.global[2];
        long records = now.global[3] - before.global[3];
        out.printf("workers %d  WAL %.0f fdatasyncs/s, mean batch %s records, per commit %s, segments zero-filled %d"
                        + " recycled %d%n", now.global[0], datasyncs / seconds,
                batches == 0 ? "-" : String.format("%.1f", (double) records / batches),
                perCommit(batches, now.global[4] - before.global[4], now.global[5] - before.global[5]),
                now.global[6] - before.global[6], now.global[7] - before.global[7]);
        // Workers coming and going, and connections turned away (bad frames, refused attaches, foreign peers): the
        // manager logs each kind at most once a second, so a flood shows here rather than in its log.
        out.printf("control  attaches %.0f/s, refused %.0f/s (%d since start)%n",
                (now.global[9] - before.global[9]) / seconds, (now.global[10] - before.global[10]) / seconds,
                now.global[10]);
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

    /** The upper bound of the log2 bucket holding quantile {@code q} of the interval's requests, or "-". */
    static String percentile(long[] histogram, double q) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        if (total == 0) {
            return "-";
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen >= rank) {
                return "<" + duration(1L << Math.min(62, b + 1));
            }
        }
        return "-";
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

    static long parseMillis(String text) {
        String t = text.trim();
        try {
            if (t.endsWith("ms")) {
                return positive(Long.parseLong(t.substring(0, t.length() - 2)), text);
            } else if (t.endsWith("s")) {
                return positive(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000), text);
            }
            return positive(Duration.parse(t).toMillis(), text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("interval=" + text + " is not a duration like 500ms or 1s");
        }
    }

    private static long positive(long millis, String text) {
        if (millis <= 0) {
            throw new IllegalArgumentException("interval=" + text + " must be positive");
        }
        return millis;
    }
}
