package dev.pagestore.wal;

import com.lmax.disruptor.Sequence;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The log's checkpoints: the redo point moves to the durable LSN once the data file reflects every record before it,
 * is recorded in the control file, and the segments wholly before it go back to the writer as spares. A failed
 * control-file write is final for checkpoints (the slot's state is unknown after a failed fdatasync), not for appends.
 *
 * <p>Thread safety: any thread; checkpoints are serialised by one lock, which also guards the control file.
 */
final class Checkpoints {
    private final LogDirectory directory;
    private final WalConfig config;
    private final ControlFile controlFile;
    private final SegmentFiles segments;
    private final WalWriter writer;
    private final Sequence durableLsn;
    private final BooleanSupplier closed;
    private final ReentrantLock lock = new ReentrantLock();
    private long oldestLiveSegment; // guarded by lock
    private WalFailedException controlFileFailure; // guarded by lock
    /** The control file's redo point, for readers that must not wait for a checkpoint under way (status). */
    private volatile long recordedRedoLsn;

    Checkpoints(LogDirectory directory, WalConfig config, ControlFile controlFile, SegmentFiles segments,
                WalWriter writer, Sequence durableLsn, long oldestLiveSegment, BooleanSupplier closed) {
        this.directory = directory;
        this.config = config;
        this.controlFile = controlFile;
        this.segments = segments;
        this.writer = writer;
        this.durableLsn = durableLsn;
        this.oldestLiveSegment = oldestLiveSegment;
        this.closed = closed;
        this.recordedRedoLsn = controlFile.current().redoLsn();
    }

    /** As {@link WriteAheadLog#checkpoint}. */
    public long checkpoint(DataPageFlusher flusher) throws IOException {
        CheckpointEvent event = new CheckpointEvent();
        boolean begun = false;
        lock.lock();
        try {
            if (closed.getAsBoolean()) {
                throw new IllegalStateException("WAL in " + directory.describe() + " is closed");
            }
            event.begin();  // after the lock and the closed log: the event is this checkpoint's own work
            begun = true;
            WalFailedException failure = writer.failure();
            if (failure != null) {
                throw failure;
            }
            if (controlFileFailure != null) {
                throw controlFileFailure;
            }
            long redoLsn = durableLsn.get();
            if (redoLsn >= writer.segmentNotMadeFromLsn()) {
                // The log resumed where a segment must begin and has had no space to make it yet: a redo point there
                // would name a file that does not exist, which recovery rightly takes for a lost one. The recorded
                // redo point stays (it is at or before that segment's start, and nothing was logged since).
                redoLsn = controlFile.current().redoLsn();
            }
            event.redoLsn = redoLsn;
            flusher.flushDataPagesUpTo(redoLsn);
            try {
                controlFile.write(redoLsn);
            } catch (IOException e) {
                // fsyncgate again: the slot's state is unknown; no later checkpoint may pretend otherwise
                controlFileFailure = new WalFailedException("control file write or fdatasync failed; checkpoints "
                        + "are refused until the log is recovered: " + e, e);
                throw controlFileFailure;
            }
            recordedRedoLsn = redoLsn;
            long redoSegment = redoLsn / config.segmentSizeBytes();
            for (long number = oldestLiveSegment; number < redoSegment; number++) {
                segments.offerSpare(number);
            }
            event.segmentsHandedBack = Math.max(0, redoSegment - oldestLiveSegment);
            oldestLiveSegment = Math.max(oldestLiveSegment, redoSegment);
            event.succeeded = true;
            return redoLsn;
        } finally {
            lock.unlock();
            if (begun) {
                event.commit();  // a failed checkpoint too, with succeeded false
            }
        }
    }

    /** The redo point in the control file; never waits for a checkpoint under way. */
    long redoLsn() {
        return recordedRedoLsn;
    }

    /** Closes the control file, after any checkpoint under way. */
    void close() throws IOException {
        lock.lock();
        try {
            controlFile.close();
        } finally {
            lock.unlock();
        }
    }
}
