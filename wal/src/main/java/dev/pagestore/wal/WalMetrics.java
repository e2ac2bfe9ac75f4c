package dev.pagestore.wal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the group-commit path, written by the WAL writer thread only and read by anyone. A batch is one
 * commit: one (or, at a segment switch, a few) device writes followed by fdatasync.
 */
public final class WalMetrics {
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong datasyncs = new AtomicLong();
    private final AtomicLong segmentsPrepared = new AtomicLong();

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

    /** Records per commit, the group-commit factor; 0 before the first commit. */
    public double meanBatchSize() {
        long b = batches.get();
        return b == 0 ? 0 : (double) records.get() / b;
    }

    @Override
    public String toString() {
        return "WalMetrics[batches=" + batches() + ", records=" + records() + ", meanBatchSize="
                + String.format("%.2f", meanBatchSize()) + ", bytesWritten=" + bytesWritten() + ", datasyncs="
                + datasyncs() + ", segmentsPrepared=" + segmentsPrepared() + "]";
    }
}
