package dev.pagestore.cli.stat;

import static dev.pagestore.status.StatusRegionDescriptor.*;

import dev.pagestore.status.StatusView;

/**
 * One reading of every counter of a manager's status region, with the manager it came from. Each field is read with
 * its own acquire load, so a sample is not one instant; over an interval of a second the skew does not show.
 *
 * @param nanos    {@link System#nanoTime()} at the reading
 * @param reactors per reactor, the values of {@link #REACTOR_FIELDS} in that order
 * @param readHistograms per reactor, the read latency buckets
 * @param writeHistograms per reactor, the write latency buckets
 * @param global   the values of {@link #GLOBAL_FIELDS} in that order
 */
public record StatSample(long nanos, long managerPid, long epoch, int pageSizeBytes, long capacityPages,
        long[][] reactors, long[][] readHistograms, long[][] writeHistograms, long[] global) {
    public static final long[] REACTOR_FIELDS = {READ_REQUESTS, WRITE_REQUESTS, PAGES_READ, PAGES_WRITTEN, ERRORS,
            INVALID_REQUESTS, TIMEOUTS, UNMAPPED_COMPLETIONS, IN_FLIGHT, CHANNELS, CHANNEL_FAULTS,
            DEFERRED_DATA_WRITES, DOORBELLS, LOOPS, BUSY_NANOS, REAPS};
    static final int READS = 0;
    static final int WRITES = 1;
    static final int PAGES_READ_INDEX = 2;
    static final int PAGES_WRITTEN_INDEX = 3;
    static final int ERRORS_INDEX = 4;
    static final int INVALID = 5;
    static final int TIMEOUTS_INDEX = 6;
    static final int UNMAPPED = 7;
    static final int QUEUE = 8;
    static final int CHANNELS_INDEX = 9;
    static final int FAULTS = 10;
    static final int DEFERRED = 11;
    static final int DOORBELLS_INDEX = 12;
    static final int LOOPS_INDEX = 13;
    static final int BUSY = 14;
    static final int REAPS_INDEX = 15;

    public static final long[] GLOBAL_FIELDS = {ATTACHED_WORKERS, WAL_DATASYNCS, WAL_BATCHES, WAL_RECORDS,
            WAL_WRITE_NANOS, WAL_SYNC_NANOS, WAL_SEGMENTS_ZERO_FILLED, WAL_SEGMENTS_RECYCLED, UNWRITTEN_PAGES,
            ATTACHES, CONTROL_REFUSALS, WAL_BYTES, CHECKPOINTS, DURABLE_LSN, RECOVERY_NANOS, RECOVERED_PAGES};
    static final int WORKERS = 0;
    static final int DATASYNCS = 1;
    static final int BATCHES = 2;
    static final int RECORDS = 3;
    static final int WRITE_NANOS = 4;
    static final int SYNC_NANOS = 5;
    static final int ZERO_FILLED = 6;
    static final int RECYCLED = 7;
    static final int UNWRITTEN = 8;
    static final int ATTACHES_INDEX = 9;
    static final int REFUSALS = 10;
    static final int BYTES = 11;
    static final int CHECKPOINTS_INDEX = 12;
    static final int DURABLE = 13;
    static final int RECOVERY = 14;
    static final int RECOVERED = 15;

    /** Reads every counter of {@code status} now. */
    public static StatSample of(StatusView status) {
        int r = status.reactorCount();
        long[][] reactors = new long[r][REACTOR_FIELDS.length];
        long[][] reads = new long[r][HISTOGRAM_BUCKETS];
        long[][] writes = new long[r][HISTOGRAM_BUCKETS];
        for (int i = 0; i < r; i++) {
            for (int f = 0; f < REACTOR_FIELDS.length; f++) {
                reactors[i][f] = status.reactor(i, REACTOR_FIELDS[f]);
            }
            for (int b = 0; b < HISTOGRAM_BUCKETS; b++) {
                reads[i][b] = status.readHistogram(i, b);
                writes[i][b] = status.writeHistogram(i, b);
            }
        }
        long[] global = new long[GLOBAL_FIELDS.length];
        for (int f = 0; f < GLOBAL_FIELDS.length; f++) {
            global[f] = status.global(GLOBAL_FIELDS[f]);
        }
        return new StatSample(System.nanoTime(), status.managerPid(), status.epoch(), status.pageSizeBytes(),
                status.capacityPages(), reactors, reads, writes, global);
    }

    int reactorCount() {
        return reactors.length;
    }

    long sum(int reactorField) {
        long total = 0;
        for (long[] reactor : reactors) {
            total += reactor[reactorField];
        }
        return total;
    }

    /**
     * Reactor {@code r}'s share of the interval since {@code before} spent in passes that found work, 0 to 1; -1 when
     * it answered requests but counted no busy time (a manager built before the field, which leaves it 0).
     */
    double busyFractionSince(StatSample before, int r) {
        double elapsed = nanos - before.nanos;
        long busy = reactors[r][BUSY] - before.reactors[r][BUSY];
        long answered = reactors[r][READS] + reactors[r][WRITES] - before.reactors[r][READS]
                - before.reactors[r][WRITES];
        if (busy == 0 && answered > 0) {
            return -1;
        }
        return elapsed <= 0 ? 0 : Math.min(1, busy / elapsed);
    }

    /** {@code part} per {@code whole} of reactor {@code r} over the interval since {@code before}; -1 without any. */
    double ratioSince(StatSample before, int r, int[] part, int whole) {
        long denominator = reactors[r][whole] - before.reactors[r][whole];
        if (denominator <= 0) {
            return -1;
        }
        long numerator = 0;
        for (int field : part) {
            numerator += reactors[r][field] - before.reactors[r][field];
        }
        return (double) numerator / denominator;
    }

    /** Reactor {@code r}'s latency buckets, reads and writes, counted between {@code before} and this sample. */
    long[] histogramSince(StatSample before, int r) {
        long[] delta = new long[HISTOGRAM_BUCKETS];
        for (int b = 0; b < HISTOGRAM_BUCKETS; b++) {
            delta[b] = readHistograms[r][b] - before.readHistograms[r][b] + writeHistograms[r][b]
                    - before.writeHistograms[r][b];
        }
        return delta;
    }

    /** Reactor {@code r}'s read ({@code write} false) or write latency buckets counted since {@code before}. */
    long[] histogramSince(StatSample before, int r, boolean write) {
        long[] now = (write ? writeHistograms : readHistograms)[r];
        long[] then = (write ? before.writeHistograms : before.readHistograms)[r];
        long[] delta = new long[HISTOGRAM_BUCKETS];
        for (int b = 0; b < HISTOGRAM_BUCKETS; b++) {
            delta[b] = now[b] - then[b];
        }
        return delta;
    }

    /**
     * The upper bound in nanoseconds of the log2 bucket holding quantile {@code q} of {@code histogram}'s requests, or
     * -1 when it holds none. Bucket b counts latencies whose highest set bit is b, below 2^(b+1) ns.
     */
    static long quantileNanos(long[] histogram, double q) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        if (total == 0) {
            return -1;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen >= rank) {
                return 1L << Math.min(62, b + 1);
            }
        }
        return -1;
    }
}
