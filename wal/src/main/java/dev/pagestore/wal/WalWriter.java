package dev.pagestore.wal;

import static dev.pagestore.wal.WalRecordDescriptor.HEADER_LENGTH;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongPredicate;

/**
 * The WAL writer: the single consumer of the append ring and the only thread that touches the log devices.
 *
 * <h2>Design</h2>
 * Group commit without a timer. Each event is copied, as one record, into an aligned staging buffer and given the
 * next LSN (LSN order is ring order, so no appender contends for LSNs). At {@code endOfBatch} &mdash; the Disruptor's
 * signal that no further event is published yet &mdash; the writer issues one write for the whole batch and one
 * fdatasync, publishes the durable LSN with a release store, and tells the appenders' callbacks in LSN order. While
 * it syncs, new appenders queue in the ring and become the next batch: the batch size adapts to the fsync latency with
 * no artificial delay (the shape of PostgreSQL's and InnoDB's group commit, with the ring as the queue). An append
 * already published when the Disruptor's batch ends is taken into the same commit ({@link #takesInNext}): no wait,
 * only no separate fdatasync for a batch that the ring has already extended.
 *
 * <p>Writes are block aligned: the staging buffer always starts at a block boundary of the segment and the partly
 * filled last block is kept and re-written with the next batch (its bytes unchanged, so a torn re-write at sector
 * granularity cannot damage acknowledged records).
 *
 * <p>A {@link LogReplica} gets each record as sealed and each commit after its local fdatasync; the commit's appends
 * are told durable once the replica holds it too. Its failure is a failed fdatasync's.
 *
 * <p>A failed write or fdatasync puts the writer in the failed state for good (fsyncgate: never retry, never
 * pretend): every pending and later append completes with {@link WalFailedException}.
 *
 * <p>No space for the next segment is not such a failure. The writer takes the next segment before it writes the
 * current one's {@code SEGMENT_END}, so when the segment cannot be made the log is as it was: the append that needed
 * it fails with {@link WalNoSpaceException}, earlier appends of the batch commit, and the next append that needs the
 * segment tries again on this thread (with the disk full it fails in a few system calls; once space is back it is
 * one segment's preparation, or a header rewrite of a segment a checkpoint handed back).
 */
final class WalWriter implements EventHandler<AppendEvent> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WalWriter.class);
    private final WalConfig config;
    private final SegmentPreparer preparer;
    private final WalMetrics metrics;
    private final Sequence durableLsn;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment staging;
    /** The staging buffer as a ByteBuffer, made once, for the CRC (whose position and limit each record moves). */
    private final java.nio.ByteBuffer stagingView;
    private final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    /** Zeros to pad a record to the write alignment without slicing the staging buffer. */
    private final MemorySegment zeros;
    private final int align;
    private final long segmentSize;
    private final int pageSize;

    private SegmentFiles.OpenSegment current;
    private long stagingFileOffset;
    private long stagingUsed;
    private long stagingWritten;
    private long nextLsn;
    private long lastLsn;
    private long syncedLsn;
    private final List<LogDevice> retired = new ArrayList<>();
    private final int maxTakenIn;
    private LongPredicate published = sequence -> false;
    private final PendingAppends pending;
    private final LogReplica replica;
    private long batchBytes;

    private volatile WalFailedException failure;
    /** The last attempt to make the next segment found no space (cleared by the next one that succeeds). */
    private volatile boolean outOfSpace;
    /**
     * The first LSN of the segment the log resumed in without making it (no space at open), until the writer makes
     * it; {@link Long#MAX_VALUE} otherwise. Written before any record of that segment is committed, so a durable LSN
     * past it is always read with this already reset.
     */
    private volatile long segmentNotMadeFromLsn = Long.MAX_VALUE;
    private final AfterBatchTasks afterBatch = new AfterBatchTasks();
    private final CountDownLatch stopped = new CountDownLatch(1);

    WalWriter(WalConfig config, SegmentFiles segments, WalMetrics metrics, Sequence durableLsn, LogReplica replica) {
        this.config = config;
        this.replica = replica;
        this.preparer = new SegmentPreparer(segments);
        this.metrics = metrics;
        this.durableLsn = durableLsn;
        this.align = config.writeAlignmentBytes();
        this.segmentSize = config.segmentSizeBytes();
        this.pageSize = config.pageSizeBytes();
        this.staging = arena.allocate(config.stagingBufferBytes(), align);
        this.stagingView = staging.asByteBuffer();
        this.zeros = arena.allocate(align, align);
        // a commit taking in further batches holds fewer than maxTakenIn records and then at most a ring's worth
        this.maxTakenIn = Math.max(1, config.ringSize() / 4);
        this.pending = new PendingAppends(maxTakenIn + config.ringSize());
    }

    /**
     * Positions the writer after recovery: appending continues at {@code nextLsn} in {@code segment}, whose bytes
     * from the start of {@code nextLsn}'s block are loaded into the staging buffer. A null {@code segment} means the
     * segment {@code resumeLsn} starts could not be made for want of space: the first append tries again. Called
     * before the ring starts.
     */
    void resume(SegmentFiles.OpenSegment segment, long resumeLsn, long previousLsn) throws IOException {
        this.current = segment;
        this.nextLsn = resumeLsn;
        this.lastLsn = previousLsn;
        this.syncedLsn = resumeLsn;
        if (segment == null) {
            assert resumeLsn % segmentSize == WalSegmentDescriptor.HEADER_REGION_BYTES
                    : "a log resumed without its segment must start that segment: " + resumeLsn;
            segmentNotMadeFromLsn = resumeLsn;
            stagingFileOffset = WalSegmentDescriptor.HEADER_REGION_BYTES;
            stagingUsed = 0;
            stagingWritten = 0;
            staging.fill((byte) 0);
            return;
        }
        long offsetInSegment = resumeLsn - segment.number() * segmentSize;
        assert offsetInSegment >= WalSegmentDescriptor.HEADER_REGION_BYTES && offsetInSegment < segmentSize
                : "resume offset " + offsetInSegment;
        stagingFileOffset = offsetInSegment & -(long) align;
        stagingUsed = offsetInSegment - stagingFileOffset;
        staging.fill((byte) 0);
        if (stagingUsed > 0) {
            long n = segment.device().read(stagingFileOffset, staging.asSlice(0, stagingUsed));
            if (n != stagingUsed) {
                throw new IOException("segment " + segment.number() + " is shorter than its last record");
            }
        }
        stagingWritten = stagingUsed;
    }

    /** Zero-fills the segment from the resume point to its end and syncs (after a torn tail or corruption). */
    void eraseTail() throws IOException {
        long from = stagingFileOffset;
        MemorySegment block = staging.asSlice(0, align);
        current.device().write(from, block); // the kept bytes, then zeros to the block's end
        staging.asSlice(align, staging.byteSize() - align).fill((byte) 0);
        for (long at = from + align; at < segmentSize; at += staging.byteSize() - align) {
            long n = Math.min(staging.byteSize() - align, segmentSize - at);
            current.device().write(at, staging.asSlice(align, n));
        }
        current.device().datasync();
    }

    WalFailedException failure() {
        return failure;
    }

    boolean outOfSpace() {
        return outOfSpace;
    }

    /**
     * The first LSN of a segment the log needs and has not made yet (it resumed there without space for it), or
     * {@link Long#MAX_VALUE}: a checkpoint must not record a redo point at or past it.
     */
    long segmentNotMadeFromLsn() {
        return segmentNotMadeFromLsn;
    }

    /** Waits until the writer thread has released its devices after the ring halted. */
    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /**
     * Tells the writer how to see whether a ring sequence is already published (the ring's {@code isAvailable}), so
     * that a commit can take in appends that are already waiting. Called before the ring starts.
     */
    void publishedAhead(LongPredicate published) {
        this.published = published;
    }

    @Override
    public void onStart() {
        if (current != null) { // else open had no space for it: the first append tries to make it
            preparer.startAhead(current.number() + 1);
        }
    }

    @Override
    public void onEvent(AppendEvent event, long sequence, boolean endOfBatch) {
        AppendCallback callback = event.callback;
        try {
            if (failure != null) {
                PendingAppends.failed(callback, failure);
            } else {
                append(event, callback);
            }
        } catch (WalNoSpaceException e) {
            metrics.onNoSpace();
            PendingAppends.failed(callback, e); // nothing of this record was written; the log goes on
        } catch (Throwable t) {
            fail(t);
            PendingAppends.failed(callback, failure);
        } finally {
            event.clear();
        }
        if (endOfBatch && !takesInNext(sequence)) {
            if (failure == null && pending.count() > 0) {
                commit();
            }
            afterBatch.runAll(); // after every outcome of the batch, durable or failed, is told
        }
    }

    /**
     * Whether the commit due at the end of the Disruptor's batch ending at {@code sequence} waits for the next
     * event instead: only when that event is already published (the processor hands it over at once; nothing waits
     * for an appender that has claimed a slot and not yet filled it), the log works, and fewer than
     * {@link #maxTakenIn} records are pending. Without it, appends kept in flight by one thread settled into two
     * cohorts that alternated, each re-published during the other's fdatasync and committed alone: the Disruptor
     * ends a batch at the sequence that was published when the batch began (bench/HISTORY.md).
     */
    private boolean takesInNext(long sequence) {
        return failure == null && pending.count() > 0 && pending.count() < maxTakenIn && published.test(sequence + 1);
    }

    private void append(AppendEvent event, AppendCallback callback) throws IOException {
        int count = event.pageCount;
        int length = (int) WalRecordDescriptor.pageImagesLength(count, pageSize);
        long aligned = WalRecordDescriptor.alignedLength(length);
        if (current == null) { // open had no space for it
            current = takeSegment(nextLsn / segmentSize);
            segmentNotMadeFromLsn = Long.MAX_VALUE;  // durably named now; before any of its records is committed
            // the writer opened it itself: bind a queue-pair device to this thread, as one handed over at start is
            current.device().transferOwnership(Thread.currentThread());
            preparer.startAhead(current.number() + 1);
        }
        if (nextLsn - current.number() * segmentSize + aligned + HEADER_LENGTH > segmentSize) {
            switchSegment();
        }
        if (stagingUsed + aligned + HEADER_LENGTH > staging.byteSize()) {
            flushStaging();
        }
        assert stagingFileOffset + stagingUsed == nextLsn - current.number() * segmentSize : "staging out of step";
        long at = stagingUsed;
        WalRecordDescriptor.writeHeader(staging, at, length, WalRecordDescriptor.TYPE_PAGE_IMAGES,
                event.group ? WalRecordDescriptor.FLAG_GROUP : 0, nextLsn, lastLsn, syncedLsn, current.salt(),
                pageSize, count);
        for (int i = 0; i < count; i++) {
            WalRecordDescriptor.writePageNumber(staging, at, i, event.pageNumbers[i]);
            MemorySegment.copy(event.images[i], 0, staging,
                    at + WalRecordDescriptor.pageImageOffset(i, count, pageSize), pageSize);
        }
        MemorySegment.copy(zeros, 0, staging, at + length, aligned - length);
        WalRecordDescriptor.sealCrc(staging, at, stagingView, crc);
        replica.add(nextLsn, staging, at, length);
        pending.add(callback, nextLsn);
        lastLsn = nextLsn;
        nextLsn += aligned;
        stagingUsed += aligned;
        batchBytes += aligned;
    }

    private void switchSegment() throws IOException {
        long number = current.number() + 1;
        // the next segment first (prepared ahead: usually only an open(2)): without room for it, nothing is written
        SegmentFiles.OpenSegment next = takeSegment(number);
        boolean switched = false;
        try {
            long at = stagingUsed;
            // takeSegment returned a durably named file: the record says so, so recovery knows a missing one was lost
            WalRecordDescriptor.writeHeader(staging, at, HEADER_LENGTH, WalRecordDescriptor.TYPE_SEGMENT_END,
                    WalRecordDescriptor.FLAG_NEXT_SEGMENT_DURABLE, nextLsn, lastLsn, syncedLsn, current.salt(), 0, 0);
            WalRecordDescriptor.sealCrc(staging, at, stagingView, crc);
            lastLsn = nextLsn;
            stagingUsed += HEADER_LENGTH;
            batchBytes += HEADER_LENGTH;
            flushStaging();
            retired.add(current.device());
            current = next;
            switched = true;
        } finally {
            if (!switched) {
                SegmentFiles.closeQuietly(next.device());
            }
        }
        preparer.startAhead(number + 1);
        metrics.onSegmentPrepared();
        nextLsn = number * segmentSize + WalSegmentDescriptor.HEADER_REGION_BYTES;
        stagingFileOffset = WalSegmentDescriptor.HEADER_REGION_BYTES;
        stagingUsed = 0;
        stagingWritten = 0;
    }

    /**
     * Segment {@code number}, open for appending: the one prepared ahead, else made now. Without space for it this
     * throws {@link WalNoSpaceException} and the log is unchanged; any other failure is the caller's to treat as final.
     */
    private SegmentFiles.OpenSegment takeSegment(long number) throws IOException {
        SegmentFiles.OpenSegment segment;
        try {
            segment = preparer.take(number);
        } catch (IOException e) {
            if (!WalNoSpaceException.isNoSpace(e)) {
                throw e;
            }
            if (!outOfSpace) {
                outOfSpace = true;
                LOG.warn("no space for WAL segment {}: appends that need it fail (NO_SPACE) until space is freed or a"
                        + " checkpoint hands back a segment; every later append tries again ({})", number,
                        e.getMessage());
            }
            throw new WalNoSpaceException("no space for WAL segment " + number + ": " + e.getMessage(), e);
        }
        if (outOfSpace) {
            outOfSpace = false;
            LOG.info("WAL segment {} made: appends are accepted again", number);
        }
        return segment;
    }

    private void flushStaging() throws IOException {
        if (stagingUsed == stagingWritten) {
            return;
        }
        long end = (stagingUsed + align - 1) & -(long) align;
        staging.asSlice(stagingUsed, end - stagingUsed).fill((byte) 0);
        long started = System.nanoTime();
        current.device().write(stagingFileOffset, staging.asSlice(0, end));
        metrics.onWrite(System.nanoTime() - started);
        long keep = stagingUsed & -(long) align;
        if (keep > 0) {
            MemorySegment.copy(staging, keep, staging, 0, stagingUsed - keep);
            stagingFileOffset += keep;
            stagingUsed -= keep;
        }
        stagingWritten = stagingUsed;
    }

    private void commit() {
        WalCommitEvent event = WalCommitEvent.started();
        long records = pending.count();
        int syncs;
        try {
            flushStaging();
            syncs = retired.size() + 1;  // each segment the batch left, then the current one
            long started = System.nanoTime();
            for (int i = 0; i < retired.size(); i++) {  // indexed: an iterator per commit is garbage
                retired.get(i).datasync();
            }
            current.device().datasync();
            metrics.onSync(System.nanoTime() - started);
            replica.send();  // after the local sync: the replica never holds a record the local log may lack
            replica.awaitHeld();
            for (int i = 0; i < retired.size(); i++) {
                retired.get(i).close();
            }
            retired.clear();
            syncedLsn = nextLsn;
            durableLsn.set(nextLsn); // release: the records below nextLsn are durable before anyone reads the value
            metrics.onCommit(records, batchBytes, syncs);
            pending.tellDurable(); // in LSN order
        } catch (Throwable t) {
            fail(t);
            return;
        }
        event.end(records, batchBytes, syncs, syncedLsn);  // after the durable outcome is told, whatever it does
        batchBytes = 0;
    }

    /** The tasks run on this thread after every batch's outcomes are all told; added and removed by any thread. */
    AfterBatchTasks afterBatch() {
        return afterBatch;
    }

    private void fail(Throwable cause) {
        if (failure == null) {
            failure = new WalFailedException("WAL failed at lsn " + nextLsn + " (durable up to " + syncedLsn
                    + "); no append is accepted until the log is recovered: " + cause, cause);
        }
        pending.tellFailed(failure);
    }

    @Override
    public void onShutdown() {
        try {
            preparer.close();
            for (LogDevice device : retired) {
                SegmentFiles.closeQuietly(device);
            }
            retired.clear();
            if (current != null) {
                SegmentFiles.closeQuietly(current.device());
            }
            arena.close();
        } finally {
            stopped.countDown();
        }
    }
}
