package dev.pagestore.manager;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.linux.ProcessIdentity;
import dev.pagestore.ipc.linux.MemfdRegion;
import dev.pagestore.ipc.memory.OrderedAccess;
import dev.pagestore.status.LatencyBuckets;
import dev.pagestore.status.StatusRegionDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The manager's writable side of the status region ({@link StatusRegionDescriptor}). Each reactor writes only its own
 * block (single writer: plain read, release store); the version table is bumped with an atomic add, since several
 * reactors may share a bucket.
 *
 * <h2>Nobody else can write or shrink it</h2>
 * The region is an anonymous memfd ({@link MemfdRegion}), reserved up front and sealed
 * {@link MemfdRegion#READ_ONLY_SEALS} right after the manager maps it: this mapping stays writable, but no process that
 * receives the descriptor (workers with ATTACHED, tools with OBSERVED) can map it writable, {@code write(2)} it,
 * punch holes in it or change its size, so a reactor's version bump can never fault on it. It has no name:
 * nothing under {@code /dev/shm} to squat, open or truncate.
 *
 * <p>Thread safety: {@link #bumpVersion} from any thread; reactor counters from their reactor only; global counters
 * from one thread at a time (the status thread; the recovery figures at start); channel rows from the status thread.
 */
public final class StatusRegion implements AutoCloseable {
    private static final VarHandle LONG_HANDLE = JAVA_LONG.varHandle();

    private final MemfdRegion region;
    private final MemorySegment segment;
    private final int bucketCount;
    private final long tableOffset;
    private final long epoch;

    private StatusRegion(MemfdRegion region, int bucketCount, long epoch) {
        this.region = region;
        this.segment = region.segment();
        this.bucketCount = bucketCount;
        this.tableOffset = StatusRegionDescriptor.versionTableOffset();
        this.epoch = epoch;
    }

    /**
     * Creates the region (a sealed memfd, every page reserved), formats it and leaves it in state STARTING.
     *
     * @throws dev.pagestore.ipc.linux.ErrnoException ENOMEM or ENOSPC when its memory cannot be reserved
     */
    public static StatusRegion create(int pageSizeBytes, long capacityPages, int reactorCount, int bucketCount,
            long epoch) throws IOException {
        if (Integer.bitCount(bucketCount) != 1) {
            throw new IllegalArgumentException("bucketCount=" + bucketCount + " is not a power of two");
        }
        if (reactorCount < 1 || reactorCount > StatusRegionDescriptor.REACTORS_MAX) {
            throw new IllegalArgumentException("reactorCount=" + reactorCount + " is outside [1, "
                    + StatusRegionDescriptor.REACTORS_MAX + "]");
        }
        MemfdRegion region = MemfdRegion.create("pagestore-status", StatusRegionDescriptor.sizeBytes(bucketCount),
                MemfdRegion.READ_ONLY_SEALS);
        MemorySegment s = region.segment();
        ProcessIdentity self = ProcessIdentity.current();
        s.set(JAVA_LONG, StatusRegionDescriptor.MAGIC_OFFSET, StatusRegionDescriptor.MAGIC);
        s.set(JAVA_INT, StatusRegionDescriptor.LAYOUT_VERSION_OFFSET, StatusRegionDescriptor.LAYOUT_VERSION);
        s.set(JAVA_INT, StatusRegionDescriptor.PAGE_SIZE_OFFSET, pageSizeBytes);
        s.set(JAVA_LONG, StatusRegionDescriptor.MANAGER_PID_OFFSET, self.pid());
        s.set(JAVA_LONG, StatusRegionDescriptor.MANAGER_START_TICKS_OFFSET, self.startTimeTicks());
        s.set(JAVA_LONG, StatusRegionDescriptor.EPOCH_OFFSET, epoch);
        s.set(JAVA_LONG, StatusRegionDescriptor.CAPACITY_PAGES_OFFSET, capacityPages);
        s.set(JAVA_INT, StatusRegionDescriptor.REACTOR_COUNT_OFFSET, reactorCount);
        s.set(JAVA_INT, StatusRegionDescriptor.VERSION_BUCKET_COUNT_OFFSET, bucketCount);
        s.set(JAVA_LONG, StatusRegionDescriptor.GLOBAL_OFFSET + StatusRegionDescriptor.MANAGER_START_MILLIS,
                System.currentTimeMillis());
        long table = StatusRegionDescriptor.versionTableOffset();
        for (int b = 0; b < bucketCount; b++) {
            s.set(JAVA_LONG, table + (long) b * Long.BYTES, epoch << 32);
        }
        // Release, last: a reader that sees STARTING with an acquire load sees every field above.
        OrderedAccess.setIntRelease(s, StatusRegionDescriptor.STATE_OFFSET, StatusRegionDescriptor.STATE_STARTING);
        return new StatusRegion(region, bucketCount, epoch);
    }

    /** Bumps the version of {@code pageNumber}'s bucket; call before publishing the write's completion. */
    public void bumpVersion(long pageNumber) {
        int bucket = StatusRegionDescriptor.bucketOf(pageNumber, bucketCount);
        // Volatile RMW: ordered before the completion's release store that follows it in program order.
        LONG_HANDLE.getAndAdd(segment, tableOffset + (long) bucket * Long.BYTES, 1L);
    }

    public long version(long pageNumber) {
        int bucket = StatusRegionDescriptor.bucketOf(pageNumber, bucketCount);
        return OrderedAccess.getLongAcquire(segment, tableOffset + (long) bucket * Long.BYTES);
    }

    public void state(int state) {
        OrderedAccess.setIntRelease(segment, StatusRegionDescriptor.STATE_OFFSET, state);
    }

    public void setGlobal(long field, long value) {
        OrderedAccess.setLongRelease(segment, StatusRegionDescriptor.GLOBAL_OFFSET + field, value);
    }

    /** Single-writer add to reactor {@code reactor}'s counter (that reactor's thread only). */
    public void addReactor(int reactor, long field, long delta) {
        long offset = StatusRegionDescriptor.reactorOffset(reactor) + field;
        OrderedAccess.setLongRelease(segment, offset, segment.get(JAVA_LONG, offset) + delta);
    }

    public void setReactor(int reactor, long field, long value) {
        OrderedAccess.setLongRelease(segment, StatusRegionDescriptor.reactorOffset(reactor) + field, value);
    }

    /** Counts one request latency in reactor {@code reactor}'s read or write histogram (that reactor's thread only). */
    public void recordLatency(int reactor, boolean write, long latencyNanos) {
        addReactor(reactor, (write ? StatusRegionDescriptor.WRITE_HISTOGRAM_OFFSET
                : StatusRegionDescriptor.READ_HISTOGRAM_OFFSET)
                + (long) LatencyBuckets.indexOf(latencyNanos) * Long.BYTES, 1);
    }

    /**
     * Gives channel row {@code row} to a new channel: its id cleared first, its fields zeroed and written, the id
     * written last (release), so a reader that sees one id before and after reading a row read that channel's row.
     * Status thread only, as every row write.
     */
    public void openRow(int row, long attachId, long workerPid, long workerStartTicks, int reactor, String name) {
        long base = StatusRegionDescriptor.channelRowOffset(row);
        OrderedAccess.setLongRelease(segment, base + StatusRegionDescriptor.ROW_ATTACH_ID, 0);
        VarHandle.storeStoreFence();  // the zeroing below may not become visible before the id's clearing
        segment.asSlice(base + Long.BYTES, StatusRegionDescriptor.CHANNEL_ROW_BYTES - Long.BYTES).fill((byte) 0);
        segment.set(JAVA_LONG, base + StatusRegionDescriptor.ROW_WORKER_PID, workerPid);
        segment.set(JAVA_LONG, base + StatusRegionDescriptor.ROW_WORKER_START_TICKS, workerStartTicks);
        segment.set(JAVA_LONG, base + StatusRegionDescriptor.ROW_REACTOR, reactor);
        for (int i = 0; i < StatusRegionDescriptor.ROW_CLIENT_NAME_BYTES && i < name.length(); i++) {
            char c = name.charAt(i);
            segment.set(JAVA_BYTE, base + StatusRegionDescriptor.ROW_CLIENT_NAME + i,
                    (byte) (c >= 0x20 && c < 0x7f ? c : '?'));
        }
        OrderedAccess.setLongRelease(segment, base + StatusRegionDescriptor.ROW_ATTACH_ID, attachId);
    }

    /** Sets field {@code field} of channel row {@code row} (release). */
    public void setRow(int row, long field, long value) {
        OrderedAccess.setLongRelease(segment, StatusRegionDescriptor.channelRowOffset(row) + field, value);
    }

    /** Frees channel row {@code row}: readers skip it from now on. */
    public void closeRow(int row) {
        setRow(row, StatusRegionDescriptor.ROW_ATTACH_ID, 0);
    }

    public long epoch() {
        return epoch;
    }

    /** The memfd to send to workers and tools; this region keeps owning it until {@link #close()}. */
    public int descriptor() {
        return region.descriptor();
    }

    /**
     * Marks the region STOPPED and unmaps it. Workers and tools that mapped it keep their mappings (and see STOPPED);
     * the memory goes when the last of them unmaps.
     */
    @Override
    public void close() {
        state(StatusRegionDescriptor.STATE_STOPPED);
        region.close();
    }
}
