package dev.pagestore.wal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the group-commit path, read by anyone. A batch is one commit: one (or, at a segment switch, a few)
 * device writes followed by fdatasync.
 *
 * <p>The commit counters and the I/O times are written by the WAL writer thread only; the segment counters also by
 * the thread that prepares segments ahead, hence atomic increments there.
 *
 * <p><b>Where a commit's time goes.</b> {@link #writeNanos} and {@link #syncNanos} are the time the writer spent in
 * the device's write and fdatasync calls after open (the shape of PostgreSQL's {@code wal_write_time} and
 * {@code wal_sync_time};
 * {@code System.nanoTime} costs tens of nanoseconds here, against hundreds of microseconds per commit, so they are
 * always on). Wall time per commit minus the two is what the log spent elsewhere: waiting for appends, encoding them,
 * telling the appenders, running the after-batch tasks, and at a segment switch waiting for a segment still being
 * prepared.
 *
 * <p><b>How segments were made.</b> A segment is re-salted in place (it was past the end of the log at open),
 * recycled from a spare that a checkpoint handed back, or zero-filled anew. The counters count segments made: the one
 * made at open and the one prepared ahead count before the log writes to them. A zero fill writes the whole segment
 * once before the log does, beside the log's own fdatasync; many of them in a running log mean checkpoints come too
 * seldom for the log's rate (PostgreSQL's {@code log_checkpoints} line reports "WAL file(s) added, removed, recycled" for the same
 * reason).
 */
public final class WalMetrics {
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong datasyncs = new AtomicLong();
    private final AtomicLong segmentsPrepared = new AtomicLong();
    private final AtomicLong writeNanos = new AtomicLong();
    private final AtomicLong syncNanos = new AtomicLong();
    private final AtomicLong segmentsResalted = new AtomicLong();
    private final AtomicLong segmentsRecycled = new AtomicLong();
    private final AtomicLong segmentsZeroFilled = new AtomicLong();
    private final AtomicLong appendsRefusedForSpace = new AtomicLong();
    private final AtomicLong commitSleepsToBound = new AtomicLong();

    void onCommit(long recordsInBatch, long bytes, int datasyncCount) {
        // single writer: release stores are enough, readers use volatile reads
        batches.lazySet(batches.get() + 1);
        records.lazySet(records.get() + recordsInBatch);
        bytesWritten.lazySet(bytesWritten.get() + bytes);
        datasyncs.lazySet(datasyncs.get() + datasyncCount);
    }

    void onSegmentPrepared() {
        segmentsPrepared.lazySet(segmentsPrepared.get() + 1);
    }

    /** Writer thread: {@code nanos} spent in one device write. */
    void onWrite(long nanos) {
        writeNanos.lazySet(writeNanos.get() + nanos);
    }

    /** Writer thread: {@code nanos} spent in one commit's fdatasyncs (the current segment's, and at a switch the
     *  retired ones'). */
    void onSync(long nanos) {
        syncNanos.lazySet(syncNanos.get() + nanos);
    }

    /** Writer thread: an append failed because its segment could not be made for want of space. */
    void onNoSpace() {
        appendsRefusedForSpace.lazySet(appendsRefusedForSpace.get() + 1);
    }

    /** A thread blocked in {@code appendAndWait}: one sleep ended at its bound, not woken by the commit. */
    void onCommitSleepToBound() {
        commitSleepsToBound.incrementAndGet();
    }

    /** Any thread that makes a segment: how it was made. */
    void onSegmentMade(SegmentFiles.Made how) {
        switch (how) {
            case RESALTED -> segmentsResalted.incrementAndGet();
            case RECYCLED -> segmentsRecycled.incrementAndGet();
            case ZERO_FILLED -> segmentsZeroFilled.incrementAndGet();
        }
    }

    /** Appends that failed with {@link WalNoSpaceException}: no space for the segment they needed. */
    public long appendsRefusedForSpace() {
        return appendsRefusedForSpace.get();
    }

    /**
     * Sleeps of {@code appendAndWait} callers that lasted to their bound (100 ms) instead of ending at their commit's
     * wake-up. A commit takes micro- to milliseconds, so each one is a wake-up lost or a writer stalled that long;
     * more than a handful mean blocked appenders wait on the bound, not on the disk.
     */
    public long commitSleepsToBound() {
        return commitSleepsToBound.get();
    }

    public long batches() {
        return batches.get();
    }

    public long records() {
        return records.get();
    }

    public long bytesWritten() {
        return bytesWritten.get();
    }

    public long datasyncs() {
        return datasyncs.get();
    }

    public long segmentsPrepared() {
        return segmentsPrepared.get();
    }

    /** Nanoseconds the writer spent in device writes of the log since open (all segments). */
    public long writeNanos() {
        return writeNanos.get();
    }

    /** Nanoseconds the writer spent in fdatasync of the log since open (all segments). */
    public long syncNanos() {
        return syncNanos.get();
    }

    /** Segments found past the end of the log at open and given a new header in place. */
    public long segmentsResalted() {
        return segmentsResalted.get();
    }

    /** Segments made from a spare that a checkpoint handed back: only a header is written. */
    public long segmentsRecycled() {
        return segmentsRecycled.get();
    }

    /** Segments made anew: preallocated and zero-filled, the whole segment written once before the log uses it. */
    public long segmentsZeroFilled() {
        return segmentsZeroFilled.get();
    }

    /**
     * The counters as they are now, in a copy that no thread changes: two snapshots bound a measurement. Each counter
     * is read once; a commit under way may show in one counter of the copy and not yet in another.
     */
    public WalMetrics snapshot() {
        WalMetrics copy = new WalMetrics();
        copy.batches.set(batches());
        copy.records.set(records());
        copy.bytesWritten.set(bytesWritten());
        copy.datasyncs.set(datasyncs());
        copy.segmentsPrepared.set(segmentsPrepared());
        copy.writeNanos.set(writeNanos());
        copy.syncNanos.set(syncNanos());
        copy.segmentsResalted.set(segmentsResalted());
        copy.segmentsRecycled.set(segmentsRecycled());
        copy.segmentsZeroFilled.set(segmentsZeroFilled());
        copy.appendsRefusedForSpace.set(appendsRefusedForSpace());
        copy.commitSleepsToBound.set(commitSleepsToBound());
        return copy;
    }

    /** Records per commit, the group-commit factor; 0 before the first commit. */
    public double meanBatchSize() {
        long b = batches.get();
        return b == 0 ? 0 : (double) records.get() / b;
    }

    @Override
    public String toString() {
        return "WalMetrics[batches=" + batches() + ", records=" + records() + ", meanBatchSize="
                + String.format("%.2f", meanBatchSize()) + ", bytesWritten=" + bytesWritten() + ", datasyncs="
                + datasyncs() + ", writeMillis=" + writeNanos() / 1_000_000 + ", syncMillis=" + syncNanos() / 1_000_000
                + ", segmentsPrepared=" + segmentsPrepared() + " (resalted=" + segmentsResalted() + ", recycled="
                + segmentsRecycled() + ", zeroFilled=" + segmentsZeroFilled() + "), appendsRefusedForSpace="
                + appendsRefusedForSpace() + ", commitSleepsToBound=" + commitSleepsToBound() + "]";
    }
}
