package dev.pagestore.status;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/**
 * The manager's status region: one sealed, anonymous memfd per manager, written only by the manager and mapped
 * read-only by workers (it comes with ATTACHED) and by {@code pagestore stat} (it comes with OBSERVED). It says who runs the store (pid, start time, epoch), how it is
 * doing (counters, latency histograms per reactor, WAL figures, a row per attached worker) and, for worker page
 * caches, the page-version table.
 *
 * <pre>
 *  header, offset 0 (128 bytes)
 *  offset  size  field                meaning
 *       0     8  magic                {@link #MAGIC} "PGSTATUS" little endian
 *       8     4  layoutVersion        {@link #LAYOUT_VERSION}
 *      12     4  pageSizeBytes        4096, 8192 or 16384
 *      16     8  managerPid
 *      24     8  managerStartTicks    /proc/PID/stat start time (pid + start time name a process unambiguously)
 *      32     8  epoch                bumped on every manager start in this directory (never repeats)
 *      40     8  capacityPages
 *      48     4  reactorCount         in [1, {@link #REACTORS_MAX}]
 *      52     4  versionBucketCount   a power of two
 *      56     4  state                {@link #STATE_STARTING} .. {@link #STATE_STANDBY}, release store, written last
 *      60     4  reserved
 *      64    64  reserved
 *
 *  global counters, offset {@link #GLOBAL_OFFSET} (four cache lines, 32 x u64, each written by the manager's
 *  status thread with a release store, the recovery figures once at start)
 *       +0  attachedWorkers   +8  walDatasyncs   +16 walBatches   +24 walRecords   +32 walBytes
 *      +40  recoveryNanos    +48 recoveredPages  +56 checkpoints  +64 durableLsn
 *      +72  walWriteNanos    +80 walSyncNanos    +88 walSegmentsZeroFilled  +96 walSegmentsRecycled
 *     +104  unwrittenPages (committed pages whose data-file write failed, waiting for the checkpointer)
 *     +112  controlRefusals (control connections turned away: bad frames, handshake timeouts and evictions, peers
 *           of another user or pid namespace, refused ATTACH or OBSERVE)
 *     +120  attaches (sessions granted since start)
 *     +128  redoLsn (where recovery would start: durableLsn - redoLsn is the log a restart replays)
 *     +136  walSpareSegments (segments checkpoints handed back, waiting to be recycled)
 *     +144  lastCheckpointMillis (wall clock, ms since 1970, of the last checkpoint that completed; 0 before one)
 *     +152  managerStartMillis (wall clock, ms since 1970, of the manager's start)
 *     +160  standbyAppliedLsn (a standby's: the LSN of the primary's log it has applied through; 0 before its first
 *           record and on a primary; written by the standby's applier, not the status thread)
 *     +168  standbyCaughtUpMillis (a standby's: wall clock, ms since 1970, when it last had applied everything the
 *           ledgers confirmed, so its lag is at most now minus this; 0 on a primary; written by its applier)
 *     +176 .. +255 reserved (zero)
 *
 *  reactor blocks, offset {@link #REACTORS_OFFSET} + r x {@link #REACTOR_BLOCK_BYTES} (one writer each: reactor r)
 *       +0  readRequests      +8  writeRequests  +16 pagesRead      +24 pagesWritten   +32 errors
 *      +40  invalidRequests  +48 timeouts       +56 unmappedCompletions +64 inFlight  +72 channels
 *      +80  doorbells        +88 loops          +96 channelFaults  +104 deferredDataWrites
 *     +112  busyNanos (the length of every loop pass that found work, counted at the next pass's start: the
 *           reactor's busy fraction is its rate)
 *     +120  reaps (device polls that delivered completions or queue-pair timeouts: pages moved per reap is a
 *           batching figure)
 *     +128 .. +255 reserved (zero)
 *     +256  read latency histogram: {@link #HISTOGRAM_BUCKETS} x u64, bucket {@link LatencyBuckets#indexOf} of each
 *           read request's latency in nanoseconds (log-linear: 32 buckets per power of two, within 1.6%)
 *     +9216 write latency histogram, the same for write requests (a batch's latency counted once)
 *
 *  channel rows, offset {@link #CHANNELS_OFFSET} + i x {@link #CHANNEL_ROW_BYTES}, i &lt; {@link #CHANNEL_ROWS_MAX}:
 *  one per attached worker channel, written only by the manager's status thread every 100 ms from what the
 *  channel's reactor counted (so up to 100 ms behind the reactor blocks)
 *       +0  attachId (0: a free row; cleared first and written last, release, so a reader that reads it before and
 *           after the other fields and sees the same non-zero value read one worker's row)
 *       +8  workerPid        +16 workerStartTicks (/proc/PID/stat field 22)   +24 reactor
 *      +32  clientName: 32 bytes, printable ASCII, zero padded (the worker's own name for itself, cut short)
 *      +64  readRequests     +72 writeRequests   +80 pagesRead   +88 pagesWritten   +96 inFlight
 *     +104  timeouts        +112 invalidRequests +120 ioErrors   +128 noSpaceErrors +136 shuttingDownAnswers
 *     +144 .. +191 reserved (zero)
 *     +192  cacheHits  +200 cacheMisses  +208 cacheEvictions: what the worker's page cache says of itself (copied
 *           from the channel's worker-written words; a worker can write any number there)
 *     +216 .. +255 reserved (zero)
 *
 *  (layout version 1 had one histogram of both directions in log2 buckets; version 2 had log2 histograms per
 *  direction, 16 global counters and no channel rows)
 *
 *  page-version table, offset {@link #versionTableOffset} (4096-aligned): versionBucketCount x u64
 *           bucket {@link #bucketOf}(page) holds (epoch << 32) + writes acknowledged to pages hashing there
 * </pre>
 *
 * <h2>Page versions</h2>
 * Every acknowledged write bumps its page's bucket (atomic add) before the completion is published (release), so a
 * worker that saw the completion, or a later one, sees the bumped version. A page cache reads the bucket version
 * (acquire) <em>before</em> it issues the read of a page and stores the page with that version; the entry is valid
 * while {@code version(page)} still returns it. A write in flight while the read ran bumps the bucket later, so the
 * entry is dropped: stale data is never served after an acknowledgement, at the price of false invalidations among
 * pages sharing a bucket. Buckets start at {@code epoch << 32}, so a version never repeats across manager restarts.
 */
public final class StatusRegionDescriptor {
    public static final long MAGIC = 0x5355_5441_5453_4750L;  // "PGSTATUS" read as a little-endian u64
    public static final int LAYOUT_VERSION = 3;
    public static final int REACTORS_MAX = 64;
    public static final int HISTOGRAM_BUCKETS = LatencyBuckets.COUNT;
    public static final int CACHE_LINE = 64;

    public static final int STATE_STARTING = 1;
    public static final int STATE_RUNNING = 2;
    public static final int STATE_STOPPING = 3;
    public static final int STATE_STOPPED = 4;
    /** Serving reads only: a replicated store's standby, until it takes the store over (then RUNNING). */
    public static final int STATE_STANDBY = 5;

    public static final long MAGIC_OFFSET;
    public static final long LAYOUT_VERSION_OFFSET;
    public static final long PAGE_SIZE_OFFSET;
    public static final long MANAGER_PID_OFFSET;
    public static final long MANAGER_START_TICKS_OFFSET;
    public static final long EPOCH_OFFSET;
    public static final long CAPACITY_PAGES_OFFSET;
    public static final long REACTOR_COUNT_OFFSET;
    public static final long VERSION_BUCKET_COUNT_OFFSET;
    public static final long STATE_OFFSET;
    public static final long HEADER_BYTES;

    public static final long GLOBAL_OFFSET;
    public static final long ATTACHED_WORKERS = 0;
    public static final long WAL_DATASYNCS = 8;
    public static final long WAL_BATCHES = 16;
    public static final long WAL_RECORDS = 24;
    public static final long WAL_BYTES = 32;
    public static final long RECOVERY_NANOS = 40;
    public static final long RECOVERED_PAGES = 48;
    public static final long CHECKPOINTS = 56;
    public static final long DURABLE_LSN = 64;
    /** Nanoseconds the WAL writer has spent in the log's device writes ({@code WalMetrics.writeNanos}). */
    public static final long WAL_WRITE_NANOS = 72;
    /** Nanoseconds the WAL writer has spent in the log's fdatasync calls ({@code WalMetrics.syncNanos}). */
    public static final long WAL_SYNC_NANOS = 80;
    /** WAL segments made anew by zero-filling: checkpoints came too seldom to hand back a spare. */
    public static final long WAL_SEGMENTS_ZERO_FILLED = 88;
    /** WAL segments recycled from spares that checkpoints handed back. */
    public static final long WAL_SEGMENTS_RECYCLED = 96;
    /** Committed pages whose data-file write failed, kept in memory until a checkpoint writes them (a gauge). */
    public static final long UNWRITTEN_PAGES = 104;
    /**
     * Control connections the manager turned away since start: malformed or unexpected frames, handshakes not done in
     * time or evicted, peers of another user or of a pid namespace it cannot see, and refused ATTACH or OBSERVE
     * requests. Each kind is logged at most once a second, so this is where a flood shows.
     */
    public static final long CONTROL_REFUSALS = 112;
    /** Sessions granted since start: with {@link #ATTACHED_WORKERS}, how fast workers come and go. */
    public static final long ATTACHES = 120;
    /** The WAL's redo point: a restart replays the log from here to {@link #DURABLE_LSN}. */
    public static final long REDO_LSN = 128;
    /** WAL segments checkpoints handed back, waiting to be recycled (a gauge). */
    public static final long WAL_SPARE_SEGMENTS = 136;
    /** Wall-clock milliseconds since 1970 of the last checkpoint that completed; 0 before the first. */
    public static final long LAST_CHECKPOINT_MILLIS = 144;
    /** Wall-clock milliseconds since 1970 of the manager's start. */
    public static final long MANAGER_START_MILLIS = 152;
    /** A standby's: the LSN of the primary's log it applied through; 0 before its first record, and on a primary. */
    public static final long STANDBY_APPLIED_LSN = 160;
    /**
     * A standby's: wall-clock milliseconds since 1970 when it last had applied everything the ledgers confirmed (its
     * lag is at most now minus this); 0 on a primary.
     */
    public static final long STANDBY_CAUGHT_UP_MILLIS = 168;
    public static final long GLOBAL_BYTES = 4 * CACHE_LINE;

    public static final long REACTORS_OFFSET;
    public static final long READ_REQUESTS = 0;
    public static final long WRITE_REQUESTS = 8;
    public static final long PAGES_READ = 16;
    public static final long PAGES_WRITTEN = 24;
    public static final long ERRORS = 32;
    public static final long INVALID_REQUESTS = 40;
    public static final long TIMEOUTS = 48;
    public static final long UNMAPPED_COMPLETIONS = 56;
    public static final long IN_FLIGHT = 64;
    public static final long CHANNELS = 72;
    public static final long DOORBELLS = 80;
    public static final long LOOPS = 88;
    /** Channels no longer served because serving them failed (a broken ring, a fault in its memory, ...). */
    public static final long CHANNEL_FAULTS = 96;
    /** Data-file writes that failed after their WAL record was durable (answered OK; retried by the checkpointer). */
    public static final long DEFERRED_DATA_WRITES = 104;
    /**
     * Nanoseconds of the reactor's loop passes that found work, each pass whole (its completions' publishing and
     * wakes included), added at the start of the pass after it: per second of wall time, the busy fraction. The rest
     * went to passes that found nothing, spinning, yielding and sleeping. A manager built before this field leaves
     * it 0.
     */
    public static final long BUSY_NANOS = 112;
    /**
     * Device polls that delivered at least one completion or queue-pair timeout: with the pages answered, about how
     * many a reap brings. A manager built before this field leaves it 0.
     */
    public static final long REAPS = 120;
    public static final long READ_HISTOGRAM_OFFSET = 4 * CACHE_LINE;
    public static final long WRITE_HISTOGRAM_OFFSET = READ_HISTOGRAM_OFFSET + (long) HISTOGRAM_BUCKETS * Long.BYTES;
    public static final long REACTOR_BLOCK_BYTES;

    public static final long CHANNELS_OFFSET;
    /** Attached channels beyond this many have no row; the reactor blocks still count their requests. */
    public static final int CHANNEL_ROWS_MAX = 256;
    public static final long CHANNEL_ROW_BYTES = 4 * CACHE_LINE;
    public static final long ROW_ATTACH_ID = 0;
    public static final long ROW_WORKER_PID = 8;
    public static final long ROW_WORKER_START_TICKS = 16;
    public static final long ROW_REACTOR = 24;
    public static final long ROW_CLIENT_NAME = 32;
    public static final int ROW_CLIENT_NAME_BYTES = 32;
    public static final long ROW_READ_REQUESTS = 64;
    public static final long ROW_WRITE_REQUESTS = 72;
    public static final long ROW_PAGES_READ = 80;
    public static final long ROW_PAGES_WRITTEN = 88;
    public static final long ROW_IN_FLIGHT = 96;
    public static final long ROW_TIMEOUTS = 104;
    public static final long ROW_INVALID_REQUESTS = 112;
    public static final long ROW_IO_ERRORS = 120;
    public static final long ROW_NO_SPACE_ERRORS = 128;
    public static final long ROW_SHUTTING_DOWN = 136;
    public static final long ROW_CACHE_HITS = 192;
    public static final long ROW_CACHE_MISSES = 200;
    public static final long ROW_CACHE_EVICTIONS = 208;

    static {
        long offset = 0;
        MAGIC_OFFSET = offset;
        offset += Long.BYTES;
        LAYOUT_VERSION_OFFSET = offset;
        offset += Integer.BYTES;
        PAGE_SIZE_OFFSET = offset;
        offset += Integer.BYTES;
        MANAGER_PID_OFFSET = offset;
        offset += Long.BYTES;
        MANAGER_START_TICKS_OFFSET = offset;
        offset += Long.BYTES;
        EPOCH_OFFSET = offset;
        offset += Long.BYTES;
        CAPACITY_PAGES_OFFSET = offset;
        offset += Long.BYTES;
        REACTOR_COUNT_OFFSET = offset;
        offset += Integer.BYTES;
        VERSION_BUCKET_COUNT_OFFSET = offset;
        offset += Integer.BYTES;
        STATE_OFFSET = offset;
        offset += Integer.BYTES;
        offset += Integer.BYTES;       // reserved
        offset += CACHE_LINE;          // reserved line
        HEADER_BYTES = offset;
        GLOBAL_OFFSET = offset;
        offset += GLOBAL_BYTES;
        REACTORS_OFFSET = offset;
        REACTOR_BLOCK_BYTES = WRITE_HISTOGRAM_OFFSET + (long) HISTOGRAM_BUCKETS * Long.BYTES;
        CHANNELS_OFFSET = REACTORS_OFFSET + REACTORS_MAX * REACTOR_BLOCK_BYTES;

        assert HEADER_BYTES == 2 * CACHE_LINE : "header must be two cache lines, built " + HEADER_BYTES;
        assert EPOCH_OFFSET % 8 == 0 && CAPACITY_PAGES_OFFSET % 8 == 0 && STATE_OFFSET % 4 == 0;
        assert REACTORS_OFFSET % (2 * CACHE_LINE) == 0 && REACTOR_BLOCK_BYTES % (2 * CACHE_LINE) == 0
                : "reactor blocks (one writer each) must not share cache lines";
        assert STANDBY_CAUGHT_UP_MILLIS + 8 <= GLOBAL_BYTES && CONTROL_REFUSALS < ATTACHES
                && UNWRITTEN_PAGES < CONTROL_REFUSALS : "global counters must fit their lines";
        assert DEFERRED_DATA_WRITES < BUSY_NANOS && BUSY_NANOS < REAPS && REAPS + 8 <= READ_HISTOGRAM_OFFSET
                : "reactor counters end before the histogram";
        assert CHANNELS_OFFSET % (2 * CACHE_LINE) == 0 && ROW_CACHE_EVICTIONS + 8 <= CHANNEL_ROW_BYTES
                && ROW_CLIENT_NAME + ROW_CLIENT_NAME_BYTES == ROW_READ_REQUESTS
                && ROW_SHUTTING_DOWN < ROW_CACHE_HITS : "channel rows fit their four lines";
    }

    private StatusRegionDescriptor() {
    }

    /** Offset of reactor {@code r}'s block. */
    public static long reactorOffset(int reactor) {
        return REACTORS_OFFSET + reactor * REACTOR_BLOCK_BYTES;
    }

    /** Offset of channel row {@code row}. */
    public static long channelRowOffset(int row) {
        return CHANNELS_OFFSET + row * CHANNEL_ROW_BYTES;
    }

    /** Offset of the page-version table: after the channel rows, 4096-aligned. */
    public static long versionTableOffset() {
        long end = CHANNELS_OFFSET + CHANNEL_ROWS_MAX * CHANNEL_ROW_BYTES;
        return (end + 4095) & ~4095L;
    }

    /** Total size of a region with {@code bucketCount} version buckets. */
    public static long sizeBytes(int bucketCount) {
        return versionTableOffset() + (long) bucketCount * Long.BYTES;
    }

    /** The bucket of {@code pageNumber}: a 64-bit mix (Stafford variant 13), masked; {@code bucketCount} a power of 2. */
    public static int bucketOf(long pageNumber, int bucketCount) {
        long z = pageNumber;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z = z ^ (z >>> 31);
        return (int) z & (bucketCount - 1);
    }

    /** Checks the header of a mapped region; returns null when it is usable, else what is wrong. */
    public static String checkHeader(MemorySegment segment) {
        if (segment.byteSize() < versionTableOffset()) {
            return "status region is " + segment.byteSize() + " bytes, less than the " + versionTableOffset()
                    + "-byte fixed part";
        }
        long magic = segment.get(JAVA_LONG, MAGIC_OFFSET);
        if (magic != MAGIC) {
            return "status region magic is 0x" + Long.toHexString(magic) + ", expected 0x" + Long.toHexString(MAGIC);
        }
        int version = segment.get(JAVA_INT, LAYOUT_VERSION_OFFSET);
        if (version != LAYOUT_VERSION) {
            return "status region layout version is " + version + ", expected " + LAYOUT_VERSION;
        }
        int buckets = segment.get(JAVA_INT, VERSION_BUCKET_COUNT_OFFSET);
        if (buckets < 1 || Integer.bitCount(buckets) != 1 || sizeBytes(buckets) > segment.byteSize()) {
            return "status region version bucket count " + buckets + " is not a power of two fitting the region";
        }
        int reactors = segment.get(JAVA_INT, REACTOR_COUNT_OFFSET);
        if (reactors < 1 || reactors > REACTORS_MAX) {
            return "status region reactor count " + reactors + " is outside [1, " + REACTORS_MAX + "]";
        }
        return null;
    }
}
