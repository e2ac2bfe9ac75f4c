package dev.pagestore.wal;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Prepares the next segment file while the writer fills the current one.
 *
 * <h2>Why</h2>
 * A new segment is preallocated, zero-filled, fdatasync'ed, renamed and its directory fsync'ed ({@link SegmentFiles}):
 * about 130 ms for 64 MiB on this machine's disk. Done at the switch, on the writer thread, that stalled every
 * appender for 130 ms once per segment: with 64 appenders of 4 KiB pages, every 0.4 s (bench/HISTORY.md). Here the
 * writer asks for segment {@code n + 1} as soon as it starts on {@code n}, and at the switch only opens the file
 * (PostgreSQL's checkpointer preallocates WAL segments ahead of need the same way).
 *
 * <p>The zeros are made durable a 1 MiB chunk at a time ({@link SegmentFiles#create} {@code paced}): prepared with one
 * fdatasync at the end, the 64 MiB flush held the log's own fdatasync just as long (max latency 127-153 ms, no better
 * than the synchronous switch); paced, the log waits behind at most one chunk (max 12-48 ms). Smaller chunks made
 * preparation slower than the log fills a segment. Once checkpoints recycle segments, preparing one is a header
 * rewrite and none of this costs anything.
 *
 * <h2>Crash safety</h2>
 * A segment prepared ahead is a durable, empty segment past the end of the log. At open, every segment after the last
 * one that holds records is kept only for its own number and gets a new salt before the log appends to it
 * ({@link SegmentFiles#offerPastTheEnd}), so it can never hold a record that looks acknowledged.
 *
 * <p>Thread safety: {@link #startAhead} and {@link #take} are called by the log's writer (the opener before the writer
 * starts); one preparation runs at a time, on this class's own daemon thread.
 */
final class SegmentPreparer implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SegmentPreparer.class);
    private static final long CLOSE_WAIT_SECONDS = 10;

    private final SegmentFiles segments;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread t = new Thread(runnable, "wal-segment-preparer");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean closing;
    private long aheadNumber = -1;
    private Future<Integer> ahead;

    SegmentPreparer(SegmentFiles segments) {
        this.segments = segments;
    }

    /** Starts preparing segment {@code number} in the background. */
    void startAhead(long number) {
        assert ahead == null : "segment " + aheadNumber + " is still being prepared";
        aheadNumber = number;
        ahead = thread.submit(() -> segments.create(number, true, () -> closing)); // paced: beside a running log
    }

    /**
     * Segment {@code number}, open for appending on the calling thread: the one prepared ahead (waiting for it if it
     * is not ready), else prepared now on this thread. A preparation ahead that failed is tried once more here: it
     * failed on another file than the log's (a full disk that has since been freed, say), so retrying it is safe.
     *
     * @throws IOException both attempts failed (the log cannot continue past this segment)
     */
    SegmentFiles.OpenSegment take(long number) throws IOException {
        Future<Integer> prepared = ahead;
        long preparedNumber = aheadNumber;
        ahead = null;
        aheadNumber = -1;
        if (prepared == null) {
            return segments.prepare(number);
        }
        int salt;
        try {
            salt = await(prepared, preparedNumber);
        } catch (IOException ahead) {
            LOG.warn("preparing segment {} ahead failed; preparing it again at the switch", preparedNumber, ahead);
            try {
                return segments.prepare(number);
            } catch (IOException again) {
                again.addSuppressed(ahead);
                throw new IOException("preparing segment " + number + " failed ahead and again at the switch: "
                        + again.getMessage(), again);
            }
        }
        if (preparedNumber != number) { // the salt belongs to the prepared segment: never open another with it
            throw new IllegalStateException("prepared segment " + preparedNumber + " but the writer needs " + number);
        }
        return segments.open(number, salt);
    }

    private static int await(Future<Integer> prepared, long number) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return prepared.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the switch cannot be abandoned half way: wait, then restore the flag
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException("preparing segment " + number + " failed: " + io.getMessage(), io);
            }
            throw new IOException("preparing segment " + number + " failed: " + cause, cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Cancels a preparation in progress (at its next 1 MiB chunk; its temporary file is deleted) and returns only when
     * the thread has stopped: once the log is closed nothing may rename a file in its directory, or a reopened log
     * could find its open segment replaced. A preparation that had finished leaves its segment on disk, empty; the
     * next open keeps it past the end of the log and re-salts it when the log reaches it.
     */
    @Override
    public void close() {
        closing = true;
        thread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (thread.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    break;
                }
                LOG.warn("still waiting for the preparation of segment {} to stop", aheadNumber);
            } catch (InterruptedException e) {
                interrupted = true; // the directory must be left alone before this returns: wait on
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
