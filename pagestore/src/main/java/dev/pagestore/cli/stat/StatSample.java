package dev.pagestore.cli.stat;

import static dev.pagestore.status.StatusRegionDescriptor.*;

import dev.pagestore.status.LatencyBuckets;
import dev.pagestore.status.StatusView;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One reading of every counter of a manager's status region, with the manager it came from. Each field is read with
 * its own acquire load, so a sample is not one instant; over an interval of a second the skew does not show.
 *
 * @param nanos    {@link System#nanoTime()} at the reading
 * @param reactors per reactor, the values of {@link #REACTOR_FIELDS} in that order
 * @param readHistograms per reactor, the read latency buckets
 * @param writeHistograms per reactor, the write latency buckets
 * @param global   the values of {@link #GLOBAL_FIELDS} in that order
 * @param workers  the channel rows in use, in row order
 */
public record StatSample(long nanos, long managerPid, long epoch, int pageSizeBytes, long capacityPages,
        long[][] reactors, long[][] readHistograms, long[][] writeHistograms, long[] global, List<Worker> workers) {
    /**
     * One attached channel's row.
     *
     * @param values the values of {@link #WORKER_FIELDS} in that order
     */
    public record Worker(long attachId, long pid, int reactor, String name, long[] values) {
    }

    public static final long[] WORKER_FIELDS = {ROW_READ_REQUESTS, ROW_WRITE_REQUESTS, ROW_PAGES_READ,
            ROW_PAGES_WRITTEN, ROW_IN_FLIGHT, ROW_TIMEOUTS, ROW_INVALID_REQUESTS, ROW_IO_ERRORS, ROW_NO_SPACE_ERRORS,
            ROW_SHUTTING_DOWN, ROW_CACHE_HITS, ROW_CACHE_MISSES, ROW_CACHE_EVICTIONS};
    static final int W_READS = 0;
    static final int W_WRITES = 1;
    static final int W_PAGES_READ = 2;
    static final int W_PAGES_WRITTEN = 3;
    static final int W_IN_FLIGHT = 4;
    static final int W_TIMEOUTS = 5;
    static final int W_INVALID = 6;
    static final int W_IO_ERRORS = 7;
    static final int W_NO_SPACE = 8;
    static final int W_SHUTTING_DOWN = 9;
    static final int W_CACHE_HITS = 10;
    static final int W_CACHE_MISSES = 11;
    static final int W_CACHE_EVICTIONS = 12;

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
            ATTACHES, CONTROL_REFUSALS, WAL_BYTES, CHECKPOINTS, REDO_LSN, RECOVERY_NANOS, RECOVERED_PAGES,
            DURABLE_LSN, WAL_SPARE_SEGMENTS, LAST_CHECKPOINT_MILLIS, MANAGER_START_MILLIS, STANDBY_APPLIED_LSN,
            STANDBY_CAUGHT_UP_MILLIS};
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
    /** Read before {@link #DURABLE}, as the manager writes them: the redo point never looks past the durable LSN. */
    static final int REDO = 13;
    static final int RECOVERY = 14;
    static final int RECOVERED = 15;
    static final int DURABLE = 16;
    static final int SPARES = 17;
    static final int LAST_CHECKPOINT = 18;
    static final int STARTED = 19;
    static final int STANDBY_LSN = 20;
    static final int STANDBY_CAUGHT_UP = 21;

    /** Reads every counter of {@code status} now. */
    public static StatSample of(StatusView status) {
        // The rows first: the reactor counts a request in its block before the channel's counters, so rows read
        // before the blocks never exceed them.
        List<Worker> workers = workers(status);
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
                status.capacityPages(), reactors, reads, writes, global, workers);
    }

    /**
     * The rows in use: a row whose id reads the same before and after its fields belongs to one channel (the
     * manager clears the id before it rewrites a row and sets it last); a row changing hands meanwhile is skipped.
     */
    private static List<Worker> workers(StatusView status) {
        List<Worker> workers = new ArrayList<>();
        for (int row = 0; row < CHANNEL_ROWS_MAX; row++) {
            long id = status.channelRow(row, ROW_ATTACH_ID);
            if (id == 0) {
                continue;
            }
            long pid = status.channelRow(row, ROW_WORKER_PID);
            int reactor = (int) status.channelRow(row, ROW_REACTOR);
            String name = status.channelRowName(row);
            long[] values = new long[WORKER_FIELDS.length];
            for (int f = 0; f < WORKER_FIELDS.length; f++) {
                values[f] = status.channelRow(row, WORKER_FIELDS[f]);
            }
            for (int f = W_CACHE_HITS; f <= W_CACHE_EVICTIONS; f++) {
                values[f] = Math.max(0, values[f]);  // the worker's word: a negative count means nothing
            }
            VarHandle.loadLoadFence();  // the name's plain loads too, before the id is read again
            if (status.channelRow(row, ROW_ATTACH_ID) == id) {
                workers.add(new Worker(id, pid, reactor, name, values));
            }
        }
        return workers;
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

    /** Pages reactor {@code r} answered per {@code whole} (doorbells, reaps) since {@code before}; -1 without any. */
    double pagesPerSince(StatSample before, int r, int whole) {
        return ratioSince(before, r, new int[] {PAGES_READ_INDEX, PAGES_WRITTEN_INDEX}, whole);
    }

    /**
     * Worker {@code w}'s figure {@code field} per second since {@code before}. A channel not in {@code before}
     * attached since, from zero, unless every row was taken then: it may have had none, and the rate is not known
     * (NaN).
     */
    double workerRateSince(StatSample before, Worker w, int field) {
        double seconds = (nanos - before.nanos) / 1e9;
        for (Worker then : before.workers) {
            if (then.attachId == w.attachId) {
                return (w.values[field] - then.values[field]) / seconds;
            }
        }
        return before.workers.size() >= CHANNEL_ROWS_MAX ? Double.NaN : w.values[field] / seconds;
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
     * Quantile {@code q} of {@code histogram}'s requests in nanoseconds, within 1.6% ({@link LatencyBuckets}), or -1
     * when it holds none.
     */
    static long quantileNanos(long[] histogram, double q) {
        return LatencyBuckets.quantile(histogram, q);
    }
}
