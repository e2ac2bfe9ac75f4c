package dev.pagestore.bench.replication;

import dev.pagestore.bench.replication.CompletionTimeline.Gap;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one bookie-kill run shows, read from its {@link CompletionTimeline} and {@link StatusSampler}: the median
 * writes/s before the kill, during the outage and after the bookie's return (each the median of its
 * {@value CompletionTimeline#BUCKET_MILLIS} ms buckets, times ten); the time from the return until a rolling 500 ms
 * window again reaches 90% of the pre-kill median (the target's measure) and of the after-return median (a stricter one
 * when the pre-kill figure is low); the stalls (gaps with no write acknowledged), each with the local WAL's fdatasync
 * time and group commits over the buckets it spans; the manager's checkpoints; and the errors. Writes the CSV too.
 *
 * <p>Immutable once made; made after the writers and the sampler have stopped.
 */
final class TimelineSummary {
    static final long PRE_KILL_FROM_MILLIS = 3_000;
    static final long DURING_FROM_AFTER_KILL_MILLIS = 1_000;
    static final long DURING_TO_BEFORE_RESTART_MILLIS = 1_000;
    static final long AFTER_FROM_AFTER_RETURN_MILLIS = 1_000;
    static final int RECOVERY_WINDOW_BUCKETS = 5;  // 500 ms
    static final double RECOVERY_FRACTION = 0.9;
    private static final double BUCKETS_PER_SECOND = 1000.0 / CompletionTimeline.BUCKET_MILLIS;

    /** The bookie's kill and return, in ms since the start. */
    record KillEvents(double killMillis, double killedMillis, double restartMillis, double returnMillis) {
    }

    private final long[] writes;
    private final long[] errors;
    private final long[] walBatches;
    private final double[] walSyncMillis;
    private final List<Gap> gaps;
    private final Map<String, Long> errorsByName;
    private final List<Double> checkpointEndMillis;
    private final KillEvents events;
    private final long endMillis;
    private final int buckets;

    /**
     * @param endMillis when the writers were asked to stop, in ms since the start: later buckets are not read
     */
    TimelineSummary(CompletionTimeline timeline, StatusSampler sampler, KillEvents events, long endMillis) {
        this.writes = timeline.writesPerBucket();
        this.errors = timeline.errorsPerBucket();
        this.buckets = (int) Math.min(writes.length, endMillis / CompletionTimeline.BUCKET_MILLIS);
        this.walBatches = new long[buckets];
        this.walSyncMillis = new double[buckets];
        for (int b = 0; b < buckets; b++) {
            walBatches[b] = sampler.walBatchesIn(b);
            walSyncMillis[b] = sampler.walSyncMillisIn(b);
        }
        this.gaps = timeline.gaps();
        this.errorsByName = timeline.errorsByName();
        this.checkpointEndMillis = sampler.checkpointEndMillis();
        this.events = events;
        this.endMillis = endMillis;
    }

    /** Median writes/s of the whole buckets within [fromMillis, toMillis). */
    double medianRate(double fromMillis, double toMillis) {
        int first = (int) Math.ceil(fromMillis / CompletionTimeline.BUCKET_MILLIS);
        int last = (int) Math.min(Math.floor(toMillis / CompletionTimeline.BUCKET_MILLIS), buckets);
        if (last <= first) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOfRange(writes, first, last);
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] * BUCKETS_PER_SECOND;
    }

    double preKillRate() {
        return medianRate(PRE_KILL_FROM_MILLIS, events.killMillis());
    }

    double duringRate() {
        return medianRate(events.killMillis() + DURING_FROM_AFTER_KILL_MILLIS,
                events.restartMillis() - DURING_TO_BEFORE_RESTART_MILLIS);
    }

    double afterRate() {
        return medianRate(events.returnMillis() + AFTER_FROM_AFTER_RETURN_MILLIS, endMillis);
    }

    /**
     * The start of the first bucket at or after the return from which {@value #RECOVERY_WINDOW_BUCKETS} buckets
     * together reach {@code targetRate}, in ms after the return; empty when none does within the run.
     */
    Optional<Double> recoveryMillis(double targetRate) {
        int first = (int) Math.ceil(events.returnMillis() / CompletionTimeline.BUCKET_MILLIS);
        for (int b = first; b + RECOVERY_WINDOW_BUCKETS <= buckets; b++) {
            long sum = 0;
            for (int i = b; i < b + RECOVERY_WINDOW_BUCKETS; i++) {
                sum += writes[i];
            }
            if (sum * BUCKETS_PER_SECOND / RECOVERY_WINDOW_BUCKETS >= targetRate) {
                return Optional.of((double) b * CompletionTimeline.BUCKET_MILLIS - events.returnMillis());
            }
        }
        return Optional.empty();
    }

    Optional<Gap> longestGap() {
        return gaps.stream().max(Comparator.comparingDouble(Gap::lengthMillis));
    }

    long errorCount() {
        return errorsByName.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Where {@code millis} falls: after which event, and how long after it (before the kill: negative). */
    String relativeToEvents(double millis) {
        if (millis >= events.returnMillis()) {
            return String.format("return%+.0f ms", millis - events.returnMillis());
        } else if (millis >= events.restartMillis()) {
            return String.format("restart%+.0f ms", millis - events.restartMillis());
        }
        return String.format("kill%+.0f ms", millis - events.killMillis());
    }

    /** The local WAL's fdatasync ms and group commits over the buckets that {@code gap} spans. */
    private String localLogDuring(Gap gap) {
        int first = (int) (gap.startMillis() / CompletionTimeline.BUCKET_MILLIS);
        int last = (int) Math.min(gap.endMillis() / CompletionTimeline.BUCKET_MILLIS, buckets - 1);
        double syncMillis = 0;
        long batches = 0;
        for (int b = first; b <= last; b++) {
            syncMillis += walSyncMillis[b];
            batches += walBatches[b];
        }
        return String.format("local fdatasync %.0f ms and %d group commits over its %d buckets", syncMillis, batches,
                last - first + 1);
    }

    /**
     * One line per bucket up to the end: ms since the start, writes acknowledged in it, errors in it, and the
     * manager's group commits and milliseconds in the local WAL's fdatasync in it (from its status region).
     */
    void writeCsv(Path csv) throws IOException {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv))) {
            out.println("ms,writes,errors,wal_batches,wal_fdatasync_ms");
            for (int b = 0; b < buckets; b++) {
                out.printf("%d,%d,%d,%d,%.1f%n", (long) b * CompletionTimeline.BUCKET_MILLIS, writes[b], errors[b],
                        walBatches[b], walSyncMillis[b]);
            }
        }
    }

    void print(PrintStream out) {
        out.printf("bookie 2 killed (SIGKILL) at T=%.3f s (gone at %.3f); restarted at T=%.3f s; writable again"
                + " (\"the return\") at T=%.3f s, %.0f ms after the restart; writers stopped at T=%.3f s%n",
                events.killMillis() / 1e3, events.killedMillis() / 1e3, events.restartMillis() / 1e3,
                events.returnMillis() / 1e3, events.returnMillis() - events.restartMillis(), endMillis / 1e3);
        out.printf("writes/s, median of 100 ms buckets: pre-kill (T 3-%.0f s) %.0f; during (T %.0f-%.0f s) %.0f;"
                + " after the return (T %.1f-%.1f s) %.0f%n", events.killMillis() / 1e3, preKillRate(),
                (events.killMillis() + DURING_FROM_AFTER_KILL_MILLIS) / 1e3,
                (events.restartMillis() - DURING_TO_BEFORE_RESTART_MILLIS) / 1e3, duringRate(),
                (events.returnMillis() + AFTER_FROM_AFTER_RETURN_MILLIS) / 1e3, endMillis / 1e3, afterRate());
        out.printf("writes/s, median of 100 ms buckets: first second after the kill %.0f; restart to return %.0f;"
                + " first second after the return %.0f%n",
                medianRate(events.killMillis(), events.killMillis() + 1000),
                medianRate(events.restartMillis(), events.returnMillis()),
                medianRate(events.returnMillis(), events.returnMillis() + 1000));
        printRecovery(out, "recovery", "pre-kill", preKillRate());
        printRecovery(out, "recovery, strict", "after-return", afterRate());
        out.println("longest stall: " + longestGap().map(g -> String.format("%.0f ms, T %.3f-%.3f s (starts at"
                + " %s)", g.lengthMillis(), g.startMillis() / 1e3, g.endMillis() / 1e3,
                relativeToEvents(g.startMillis()))).orElse("none of " + CompletionTimeline.GAP_REPORTED_MILLIS
                + " ms or more"));
        for (Gap g : gaps) {
            out.printf("  stall %.0f ms, T %.3f-%.3f s (starts at %s); %s%n", g.lengthMillis(), g.startMillis() / 1e3,
                    g.endMillis() / 1e3, relativeToEvents(g.startMillis()), localLogDuring(g));
        }
        out.println("manager checkpoints ended at T (s): " + (checkpointEndMillis.isEmpty() ? "none"
                : checkpointEndMillis.stream().map(ms -> String.format("%.3f", ms / 1e3)).toList()));
        out.println("errors: " + errorCount() + (errorsByName.isEmpty() ? "" : " " + errorsByName));
    }

    private void printRecovery(PrintStream out, String label, String reference, double referenceRate) {
        double target = RECOVERY_FRACTION * referenceRate;
        out.println(label + ": " + recoveryMillis(target).map(ms -> String.format("a 500 ms window reaches 90%% of"
                + " the %s median (%.0f/s) from the bucket at T=%.1f s, %.0f ms after the return", reference, target,
                (events.returnMillis() + ms) / 1e3, ms)).orElse(String.format("no 500 ms window after the return"
                + " reaches 90%% of the %s median (%.0f/s)", reference, target)));
    }
}
