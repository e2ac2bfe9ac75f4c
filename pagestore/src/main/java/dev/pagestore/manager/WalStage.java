package dev.pagestore.manager;

import dev.pagestore.wal.AppendCallback;
import dev.pagestore.wal.WriteAheadLog;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The reactor's hand-off to the WAL group commit: a started write's private copy is appended without waiting, and
 * its outcome comes back on the WAL writer thread through the op's own {@link AppendCallback}, which only records it
 * and pushes the op onto {@link DurableOps} ({@link #hasDone} tells the reactor's after-batch wake whether to wake).
 *
 * <p>The append never blocks: when the log's ring is full the write waits here, in order, and is offered again on the
 * next pass, so one slow commit never stops the reactor serving reads and other channels. Reactor thread, except
 * the callbacks.
 */
final class WalStage {
    private final WriteAheadLog wal;
    private final UnappliedWrites unapplied;
    private final int pageSizeBytes;
    private final DurableOps durable = new DurableOps();
    /** Page numbers and images of the write being appended; the WAL copies them, so one pair serves every append. */
    private final long[] pages;
    private final MemorySegment[] images;
    /** Writes the log's ring had no room for, oldest first. */
    private final ArrayDeque<Op> waiting = new ArrayDeque<>();
    /** Ops appended (or waiting to be) whose outcome has not been taken back yet. */
    private int pending;

    WalStage(WriteAheadLog wal, UnappliedWrites unapplied, int pageSizeBytes, int pageCountMax) {
        this.wal = wal;
        this.unapplied = unapplied;
        this.pageSizeBytes = pageSizeBytes;
        this.pages = new long[pageCountMax];
        this.images = new MemorySegment[pageCountMax];
    }

    /** The callback an op keeps for every write it carries; made once, with the op. */
    AppendCallback callbackFor(Op op) {
        return new Callback(op);
    }

    /** Logs a started write's pages, or keeps it until the log has room (after the writes already waiting). */
    void append(Op op) {
        op.ticket = unapplied.begin();
        pending++;
        if (!waiting.isEmpty() || !offer(op)) {
            waiting.add(op);
        }
    }

    /** Offers the waiting writes again, oldest first; returns how many the log took. */
    int retryWaiting() {
        int taken = 0;
        while (!waiting.isEmpty() && offer(waiting.peek())) {
            waiting.poll();
            taken++;
        }
        return taken;
    }

    /** Every op whose record became durable or failed since the last call, in LSN order (linked), or null. */
    Op takeDone() {
        Op first = durable.takeAll();
        for (Op op = first; op != null; op = op.nextDurable) {
            pending--;
        }
        return first;
    }

    boolean hasDone() {
        return !durable.isEmpty();
    }

    /** Writes handed to the log (or waiting for room) whose outcome has not been taken. */
    int pending() {
        return pending;
    }

    boolean hasWaiting() {
        return !waiting.isEmpty();
    }

    private boolean offer(Op op) {
        int total = 0;
        for (int m = 0; m < op.memberCount; m++) {
            MemorySegment copy = op.staging[m] == null ? null : op.staging[m].segment;
            for (int k = 0; k < op.pageCounts[m]; k++) {
                pages[total] = op.firstPages[m] + k;
                images[total] = copy.byteSize() == pageSizeBytes ? copy
                        : copy.asSlice((long) k * pageSizeBytes, pageSizeBytes);
                total++;
            }
        }
        try {
            return wal.tryAppend(pages, images, total, op.walCallback);
        } catch (RuntimeException e) {
            op.walCallback.onFailed(e);
            return true;
        } finally {
            Arrays.fill(images, 0, total, null);
        }
    }

    /**
     * An op's WAL callback: records the outcome and hands the op back to its reactor. Called on the WAL writer thread
     * (or on the reactor, for an append refused at once); the writer wakes the reactor once after the whole batch.
     */
    private final class Callback implements AppendCallback {
        private final Op op;

        Callback(Op op) {
            this.op = op;
        }

        @Override
        public void onDurable(long lsn) {
            op.lsn = lsn;
            op.walFailure = null;
            durable.push(op);  // release: the fields above are visible to the reactor that takes it
        }

        @Override
        public void onFailed(Throwable failure) {
            op.lsn = -1;
            op.walFailure = failure;
            durable.push(op);
        }
    }
}
