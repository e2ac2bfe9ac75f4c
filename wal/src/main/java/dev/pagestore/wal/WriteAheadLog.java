package dev.pagestore.wal;

import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The write-ahead log (DESIGN.md §5): full page images, atomic multi-page groups, group commit on a Disruptor ring,
 * checkpoints and crash recovery.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li>Appenders (any thread) claim a slot in a multi-producer Disruptor ring, publish the page images and get a
 *       {@link CompletableFuture} of the record's LSN, tell an {@link AppendCallback}, or block in
 *       {@link #appendAndWait(long, MemorySegment)}, once the record is durable. The single
 *       {@link WalWriter} thread turns each Disruptor batch into one write and one fdatasync.</li>
 *   <li>The durable LSN is a {@link Sequence} (release store by the writer, acquire read by anyone), the value reactors
 *       watch: every record below it is on stable storage.</li>
 *   <li>{@link #open} first recovers ({@link WalRecovery}), then appends after the last valid record; a torn tail or
 *       a damaged region is zero-filled first so it can never be mistaken for records later. Recovery only reads the
 *       log; when the log ends where a new segment must begin and there is no space to make it, open succeeds
 *       without it (a start must succeed whenever recovery can) and the writer makes it when an append needs it.
 *       A new log is the exception: it needs its first segment, made before its control file, so that a control
 *       file always names a redo point in a segment that was made (a missing one is a lost file).</li>
 *   <li>No space for the next segment is not a failure of the log: the append that needed it fails with
 *       {@link WalNoSpaceException}, nothing is written, and the next append that needs the segment tries again
 *       ({@link #outOfSpace()}), so appends succeed again once space is freed or a checkpoint frees a segment.</li>
 *   <li>A write or fdatasync failure is final for this instance (PostgreSQL fsyncgate, 2018): see
 *       {@link WalFailedException}.</li>
 * </ul>
 *
 * <h2>Contract</h2>
 * An append's page images must stay unchanged until its future completes (the writer copies them). Futures are
 * completed on the writer thread; attach only cheap actions, or use the {@code ...Async} variants. Checkpoints may be
 * called from any thread (serialised internally). {@link #close} waits for every published append to complete.
 */
public final class WriteAheadLog implements AutoCloseable {
    /**
     * How the writer waits for appends: a short spin, a short yield, then a lock. Appends that arrive while a commit
     * is on the device join the next commit without any wait; what is left is the gap after a commit until the next
     * append, a round trip to a worker process, longer still when workers outnumber cores. A long spin or yield
     * through that gap costs more CPU per durable write than the wake-up it saves. (Disruptor 4.0 reads the clock
     * only every 10,000 spins, so the bounds below are lower limits.) Not a delay: an event is taken the moment it
     * is seen.
     */
    private static final java.util.function.Supplier<com.lmax.disruptor.WaitStrategy> WAIT_STRATEGY_FACTORY =
            () -> PhasedBackoffWaitStrategy.withLock(2, 5, java.util.concurrent.TimeUnit.MICROSECONDS);

    private final LogDirectory directory;
    private final WalConfig config;
    private final SegmentFiles segments;
    private final WalWriter writer;
    private final WalMetrics metrics;
    private final Sequence durableLsn = new Sequence(0);
    private final CommitSignal commitSignal;
    private final ThreadLocal<BlockingAppend> blockingAppends;
    private final Disruptor<AppendEvent> disruptor;
    private final RingBuffer<AppendEvent> ring;
    private final RecoveryReport recoveryReport;
    private final Checkpoints checkpoints;
    private final LogReplica replica;
    private final AtomicInteger appendersInside = new AtomicInteger();
    private volatile boolean closed;

    /** The log {@link WalOpening} recovered, resuming at {@code nextLsn} in {@code current} (null: not made yet). */
    WriteAheadLog(LogDirectory directory, WalConfig config, ControlFile controlFile, SegmentFiles segments,
                  RecoveryReport report, SegmentFiles.OpenSegment current, long nextLsn, long lastLsn,
                  boolean eraseTail, long oldestLiveSegment, WalMetrics metrics, LogReplica replica)
            throws IOException {
        this.directory = directory;
        this.metrics = metrics;
        this.commitSignal = new CommitSignal(metrics);
        this.blockingAppends = ThreadLocal.withInitial(() -> new BlockingAppend(commitSignal));
        this.config = config;
        this.segments = segments;
        this.recoveryReport = report;
        this.replica = replica;
        this.writer = new WalWriter(config, segments, metrics, durableLsn, replica);
        this.checkpoints = new Checkpoints(directory, config, controlFile, segments, writer, durableLsn,
                oldestLiveSegment, () -> closed);
        writer.afterBatch().add(commitSignal::raise); // appendAndWait's sleepers: one wake for the batch's threads
        writer.resume(current, nextLsn, lastLsn);
        if (eraseTail) {
            writer.eraseTail();
        }
        durableLsn.set(nextLsn);
        this.disruptor = new Disruptor<>(() -> new AppendEvent(config.maxPagesPerGroup()), config.ringSize(),
                runnable -> {
                    Thread thread = new Thread(runnable, "wal-writer");
                    thread.setDaemon(true);
                    if (current != null) {
                        current.device().transferOwnership(thread); // before start: the writer owns the segment
                    }
                    return thread;
                }, ProducerType.MULTI, WAIT_STRATEGY_FACTORY.get());
        disruptor.handleEventsWith(writer);
        writer.publishedAhead(disruptor.getRingBuffer()::isAvailable);
        this.ring = disruptor.start();
    }

    /**
     * Opens (creating if empty) the log in {@code directory}, recovers it through {@code replayer}, and starts the
     * writer. The report is available from {@link #recoveryReport()}; the caller decides whether a
     * {@link StopReason#CORRUPTION} is acceptable (the log continues after the last valid record either way).
     */
    public static WriteAheadLog open(LogDirectory directory, WalConfig config, PageReplayer replayer)
            throws IOException {
        return open(directory, config, replayer, WalOpenOptions.lenient());
    }

    /**
     * As {@link #open(LogDirectory, WalConfig, PageReplayer)}, with the checks of {@code options} made before the log
     * is changed: the owner's id against the control file's, and whether a {@link StopReason#CORRUPTION} stop refuses
     * to open (with nothing applied or changed).
     *
     * @throws LogIdMismatchException when the control file names another owner
     * @throws WalCorruptionException when recovery found corruption and {@code options.refuseCorruption()}
     * @throws WalNoSpaceException when a new log has no room for its first segment (nothing is left of it)
     */
    public static WriteAheadLog open(LogDirectory directory, WalConfig config, PageReplayer replayer,
            WalOpenOptions options) throws IOException {
        return WalOpening.open(directory, config, replayer, options);
    }

    /** Logs a full image of one page; the future completes with the record's LSN once it is durable. */
    public CompletableFuture<Long> append(long pageNumber, MemorySegment image) {
        FutureAppendCallback future = new FutureAppendCallback();
        publish(new long[] {pageNumber}, new MemorySegment[] {image}, 1, false, future);
        return future;
    }

    /**
     * Logs several pages as one atomic group: after any crash either all of them are recovered or none. The future
     * completes with the group's LSN once it is durable.
     */
    public CompletableFuture<Long> appendGroup(long[] pageNumbers, MemorySegment[] images) {
        if (pageNumbers.length != images.length) {
            throw new IllegalArgumentException("pageNumbers.length=" + pageNumbers.length + " but images.length="
                    + images.length);
        }
        FutureAppendCallback future = new FutureAppendCallback();
        publish(pageNumbers, images, pageNumbers.length, true, future);
        return future;
    }

    /**
     * Logs the first {@code count} pages of the arrays (one page: a single record; more: one atomic group) and tells
     * {@code whenDurable}; allocates nothing. The arrays are copied before this returns and may be reused at once;
     * the images must stay unchanged until the callback.
     */
    public void append(long[] pageNumbers, MemorySegment[] images, int count, AppendCallback whenDurable) {
        if (whenDurable == null || count > pageNumbers.length || count > images.length) {
            throw new IllegalArgumentException("count=" + count + " with " + pageNumbers.length + " page numbers and "
                    + images.length + " images, callback " + whenDurable);
        }
        publish(pageNumbers, images, count, count > 1, whenDurable);
    }

    /**
     * As {@link #append(long[], MemorySegment[], int, AppendCallback)}, but never waits for room in the log's ring:
     * false (and nothing logged, the callback not told) when the ring is full. For a thread that serves others and
     * must not stall on one slow commit (a manager's reactor): it keeps the write and offers it again later.
     */
    public boolean tryAppend(long[] pageNumbers, MemorySegment[] images, int count, AppendCallback whenDurable) {
        if (whenDurable == null || count > pageNumbers.length || count > images.length) {
            throw new IllegalArgumentException("count=" + count + " with " + pageNumbers.length + " page numbers and "
                    + images.length + " images, callback " + whenDurable);
        }
        return publish(pageNumbers, images, count, count > 1, whenDurable, false);
    }

    /**
     * Logs a full image of one page and blocks the calling thread until the record is durable; allocates nothing.
     * For threads that wait for each append anyway: the writer wakes every such thread of a batch with one system
     * call ({@link CommitSignal}) instead of one wake-up per record. Not interruptible (the record is in the ring once
     * this is called; like a {@code write(2)}, the call returns when it is durable or the log has failed). Meant for
     * platform threads: each calling thread keeps one small callback, and a virtual thread would pin its carrier
     * while it sleeps in {@code futex(2)}; virtual threads should use {@link #append(long, MemorySegment)}.
     *
     * @return the record's LSN
     * @throws WalFailedException if the log failed before the record was durable
     */
    public long appendAndWait(long pageNumber, MemorySegment image) throws WalFailedException {
        BlockingAppend waiter = blockingAppends.get();
        waiter.onePageNumber[0] = pageNumber;
        waiter.oneImage[0] = image;
        try {
            return appendAndWait(waiter, waiter.onePageNumber, waiter.oneImage, 1);
        } finally {
            waiter.oneImage[0] = null; // do not keep the caller's buffer alive
        }
    }

    /**
     * Logs the first {@code count} pages (one page: a single record; more: one atomic group) and blocks the calling
     * thread until they are durable, as {@link #appendAndWait(long, MemorySegment)}. The arrays may be reused once this
     * returns.
     *
     * @return the record's LSN
     * @throws WalFailedException if the log failed before the record was durable
     */
    public long appendAndWait(long[] pageNumbers, MemorySegment[] images, int count) throws WalFailedException {
        if (count > pageNumbers.length || count > images.length) {
            throw new IllegalArgumentException("count=" + count + " with " + pageNumbers.length + " page numbers and "
                    + images.length + " images");
        }
        return appendAndWait(blockingAppends.get(), pageNumbers, images, count);
    }

    private long appendAndWait(BlockingAppend waiter, long[] pageNumbers, MemorySegment[] images, int count)
            throws WalFailedException {
        waiter.arm();
        try {
            publish(pageNumbers, images, count, count > 1, waiter);
            commitSignal.await(waiter);
        } catch (RuntimeException | Error e) {
            // the writer may still hold this callback: never reuse it, or a later call could read this record's LSN
            blockingAppends.remove();
            throw e;
        }
        return waiter.lsnOrThrow();
    }

    private void publish(long[] pageNumbers, MemorySegment[] images, int count, boolean group,
                         AppendCallback whenDurable) {
        publish(pageNumbers, images, count, group, whenDurable, true);
    }

    /** False only when {@code waitForRoom} is false and the ring is full; then nothing is published. */
    private boolean publish(long[] pageNumbers, MemorySegment[] images, int count, boolean group,
                            AppendCallback whenDurable, boolean waitForRoom) {
        if (count < 1 || count > config.maxPagesPerGroup()) {
            throw new IllegalArgumentException("pageCount=" + count + " outside [1, " + config.maxPagesPerGroup() + "]");
        }
        for (int i = 0; i < count; i++) {
            if (pageNumbers[i] < 0) {
                throw new IllegalArgumentException("pageNumber=" + pageNumbers[i] + " is negative");
            }
            if (images[i].byteSize() != config.pageSizeBytes()) {
                throw new IllegalArgumentException("image " + i + " is " + images[i].byteSize() + " bytes, pageSize="
                        + config.pageSizeBytes());
            }
        }
        appendersInside.incrementAndGet();
        try {
            if (closed) {
                throw new IllegalStateException("WAL in " + directory.describe() + " is closed");
            }
            WalFailedException failure = writer.failure();
            if (failure != null) {
                whenDurable.onFailed(failure);
                return true;
            }
            long sequence;
            if (waitForRoom) {
                sequence = ring.next();
            } else {
                try {
                    sequence = ring.tryNext();
                } catch (InsufficientCapacityException full) {
                    return false;  // the Disruptor's one shared instance: nothing allocated
                }
            }
            try {
                ring.get(sequence).set(pageNumbers, images, count, group, whenDurable);
            } finally {
                ring.publish(sequence);
            }
            return true;
        } finally {
            appendersInside.decrementAndGet();
        }
    }

    /** A task added by {@link #afterEveryBatch}; closing it removes the task. */
    public interface AfterBatch extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Runs {@code afterBatch} on the WAL writer thread after each batch, once every {@link AppendCallback} of the
     * batch has been told (durable or failed). For callers that append through callbacks on behalf of one thread (the
     * manager's reactors): the callback only records the outcome, and this wakes the thread once per batch instead of
     * once per record. Like a callback, it must be short and must not block or append; one that throws is logged and
     * the log goes on. Close the returned handle to remove the task (it may run once more, for a batch under way).
     */
    public AfterBatch afterEveryBatch(Runnable afterBatch) {
        writer.afterBatch().add(java.util.Objects.requireNonNull(afterBatch, "afterBatch"));
        return () -> writer.afterBatch().remove(afterBatch);
    }

    /** Every record below this LSN is durable (acquire read of the writer's release store). */
    public long durableLsn() {
        return durableLsn.get();
    }

    /**
     * Checkpoint: takes the durable LSN as the redo point, lets {@code flusher} make the data file reflect every
     * record before it, records the redo point durably in the control file, then hands the segments wholly before it
     * to the writer for recycling. A failed control-file write or fdatasync is final: it and every later checkpoint
     * throw {@link WalFailedException} (appends continue: the previous redo point is still valid).
     *
     * @return the redo point recorded
     */
    public long checkpoint(DataPageFlusher flusher) throws IOException {
        long redoLsn = checkpoints.checkpoint(flusher);
        replica.checkpointed(redoLsn);
        return redoLsn;
    }

    /**
     * The owner's id in the control file of {@code directory}, read without changing anything: empty when there is no
     * control file yet or it carries no id (written before ids).
     */
    public static Optional<java.util.UUID> readLogId(LogDirectory directory) throws IOException {
        return ControlFile.readLogId(directory);
    }

    /**
     * The segment size the log in {@code directory} was made with, read without changing anything: what its control
     * file records, or, before there is one (a creation cut short after its first segment), what the valid header of
     * its lowest segment does; empty for a new log. A log must be opened with its own size.
     */
    public static Optional<Long> readSegmentSizeBytes(LogDirectory directory) throws IOException {
        return WalOpening.recordedSegmentSize(directory);
    }


    /**
     * Whether the last attempt to make the next segment found no space: appends that need it fail with
     * {@link WalNoSpaceException} until an attempt succeeds (space freed, or a checkpoint handing a segment back).
     */
    public boolean outOfSpace() {
        return writer.outOfSpace();
    }

    /** The redo point in the control file. */
    public long redoLsn() {
        return checkpoints.redoLsn();
    }

    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public WalMetrics metrics() {
        return metrics;
    }

    /** The failure that stopped the log, or null while it works. */
    public WalFailedException failure() {
        return writer.failure();
    }

    public WalConfig config() {
        return config;
    }

    /** Segment files waiting to be recycled. */
    public int spareSegmentCount() {
        return segments.spareCount();
    }

    /** Stops accepting appends, lets every published append complete, stops the writer and releases the files. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        while (appendersInside.get() > 0) {
            Thread.onSpinWait(); // an appender between its closed check and publish: let it publish
        }
        disruptor.shutdown();
        try {
            writer.awaitStopped();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while closing the WAL writer", e);
        } finally {
            commitSignal.raiseAll(); // the writer has stopped: no blocked appender may sleep on
            checkpoints.close();
        }
    }
}
