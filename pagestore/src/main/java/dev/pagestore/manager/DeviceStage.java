package dev.pagestore.manager;

import dev.pagestore.ipc.control.LogLimiter;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.QueuePairListener;
import dev.pagestore.status.StatusRegionDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reactor's device stage: prepares started reads (straight into the worker's slots) and committed writes (from
 * the manager's private copy) on the reactor's queue pair, one command per op member, tagged with the op's id and the
 * member; submits them with one doorbell; reaps completions in one drain and hands out the ops that ended, for the
 * loop to answer after the drain.
 *
 * <p>Deadlines: once a read's commands are on the queue pair, its deadline is the queue pair's (which also cancels
 * the command and retries transient failures only within it), and it leaves the reactor's {@link Deadlines}. A read
 * the queue pair times out is handed out by {@link #takeTimedOut} to be answered TIMEOUT with its slots fenced; it
 * ends when the queue pair says the device has let go of its buffer. A write's data write has no deadline: its
 * record is durable, so it must land whatever the worker waits for, or the data file would not match the log.
 *
 * <p>A write reaching here is committed (its record is durable), so its answer is OK whatever the data file says: a
 * failed data write is kept in memory ({@link UnwrittenPages}) for reads and for the checkpointer to retry. A read
 * started while such pages exist keeps their images, to overlay on what the device returns. Reactor thread only.
 */
final class DeviceStage {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceStage.class);
    private static final int MEMBER_BITS = 20;

    private final int reactor;
    private final QueuePair queuePair;
    private final int queueDepth;
    private final int pageSizeBytes;
    private final StatusRegion status;
    private final OpPool pool;
    private final UnwrittenPages unwritten;
    /** Told when the data device fails write after write: the manager stops while the WAL still holds every page. */
    private final Consumer<Throwable> onFatal;
    private final ArrayDeque<Op> awaiting = new ArrayDeque<>();
    private final ArrayDeque<Op> ended = new ArrayDeque<>();
    private final ArrayDeque<Op> timedOut = new ArrayDeque<>();
    private final Deadlines deadlines;
    private final LogLimiter dataWriteLog = new LogLimiter(1_000_000_000L);
    /** Made once: a method reference written in the loop would allocate on every pass. */
    private final CompletionHandler completions = this::onCompletion;

    DeviceStage(int reactor, QueuePair queuePair, int queueDepth, int pageSizeBytes, StatusRegion status, OpPool pool,
            UnwrittenPages unwritten, Deadlines deadlines, Consumer<Throwable> onFatal) {
        this.reactor = reactor;
        this.deadlines = deadlines;
        this.queuePair = queuePair;
        this.queueDepth = queueDepth;
        this.pageSizeBytes = pageSizeBytes;
        this.status = status;
        this.pool = pool;
        this.unwritten = unwritten;
        this.onFatal = onFatal;
        queuePair.listener(new QueuePairListener() {
            @Override
            public void onUnmappedCompletion(int queuePairId, int cid, IoStatus s, int detail) {
                status.addReactor(reactor, StatusRegionDescriptor.UNMAPPED_COMPLETIONS, 1);
            }

            @Override
            public void onFenceReleased(int queuePairId, int cid, long tag, IoStatus s) {
                memberDone(pool.byId((int) (tag >>> MEMBER_BITS)));
            }
        });
    }

    /** A started read: keeps the committed images the data file lacks for its pages, then queues it. */
    void read(Op op) {
        if (!unwritten.isEmpty()) {
            snapshotOverlays(op);
        }
        awaiting.add(op);
    }

    /** A committed write: its pages' images in memory (if any) are being replaced, then it is queued. */
    void write(Op op) {
        if (!unwritten.isEmpty()) {
            for (int m = 0; m < op.memberCount; m++) {
                for (int k = 0; k < op.pageCounts[m]; k++) {
                    unwritten.beginOverwrite(op.firstPages[m] + k);
                }
            }
        }
        awaiting.add(op);
    }

    /** Prepares queued ops' commands, oldest first, while the queue pair has room; returns how many. */
    int prepare() {
        int prepared = 0;
        while (!awaiting.isEmpty()) {
            Op op = awaiting.peek();
            if (op.kind == Op.READ && op.timedOut && op.nextMemberToPrepare == 0) {
                // answered TIMEOUT while it waited for room: nobody waits for its data, so the device never sees it
                awaiting.poll();  // expire took it out of the deadlines when it answered it
                op.nextMemberToPrepare = op.memberCount;
                ended.add(op);
                continue;
            }
            while (op.nextMemberToPrepare < op.memberCount) {
                int m = op.nextMemberToPrepare;
                if (op.pageCounts[m] == 0) {
                    op.nextMemberToPrepare++;
                    continue;
                }
                long tag = ((long) op.id << MEMBER_BITS) | m;
                MemorySegment buffer = op.memberBuffer(m, pageSizeBytes);
                long offset = op.firstPages[m] * pageSizeBytes;
                int length = op.pageCounts[m] * pageSizeBytes;
                boolean ok = op.kind == Op.READ
                        ? queuePair.prepareRead(tag, buffer, offset, length,
                                op.deadlineNanos == 0 ? QueuePair.NO_DEADLINE : op.deadlineNanos)
                        : queuePair.prepareWrite(tag, buffer, offset, length, QueuePair.NO_DEADLINE);
                if (!ok) {
                    return prepared;  // queue pair full: continue after the next reap
                }
                op.devicePending++;
                op.nextMemberToPrepare++;
                prepared++;
            }
            if (op.kind == Op.READ) {
                deadlines.remove(op);  // the queue pair keeps its deadline from here
            }
            awaiting.poll();
        }
        return prepared;
    }

    /** Rings the doorbell once for everything prepared; returns 1 when it did. */
    int submit() {
        if (queuePair.submit() > 0) {
            status.addReactor(reactor, StatusRegionDescriptor.DOORBELLS, 1);
            return 1;
        }
        return 0;
    }

    /** Reaps the completions there are; the ops they ended wait in {@link #takeEnded}. Returns how many were reaped. */
    int poll() {
        return queuePair.poll(2 * queueDepth, completions);
    }

    /** The next op whose every command completed, or null. */
    Op takeEnded() {
        return ended.poll();
    }

    /** The next read a command of which the queue pair timed out (its buffer still fenced), or null. */
    Op takeTimedOut() {
        return timedOut.poll();
    }

    boolean hasAwaiting() {
        return !awaiting.isEmpty();
    }

    int inFlight() {
        return queuePair.inFlightCount();
    }

    private void onCompletion(long tag, IoStatus ioStatus, int transferredBytes, int detail) {
        Op op = pool.byId((int) (tag >>> MEMBER_BITS));
        assert op.devicePending > 0 : "completion for op " + op.id + " with nothing pending";
        if (ioStatus == IoStatus.TIMEOUT) {
            timedOut.add(op);
            if (!queuePair.isFenced(tag)) {
                memberDone(op);  // timed out waiting for a retry: the device holds nothing
            }
            return;  // else the device still holds the buffer: the member ends at the fence's release
        }
        if (op.kind == Op.WRITE) {
            onDataWritten(op, (int) (tag & ((1 << MEMBER_BITS) - 1)), ioStatus);
        } else if (!ioStatus.isOk() && op.status == 0) {
            op.status = ioStatus == IoStatus.NO_SPACE ? CompletionDescriptor.STATUS_NO_SPACE
                    : CompletionDescriptor.STATUS_IO_ERROR;
            status.addReactor(reactor, StatusRegionDescriptor.ERRORS, 1);
        }
        memberDone(op);
    }

    private void memberDone(Op op) {
        op.devicePending--;
        if (op.devicePending == 0 && op.nextMemberToPrepare == op.memberCount) {
            ended.add(op);
        }
    }

    private void onDataWritten(Op op, int m, IoStatus ioStatus) {
        if (ioStatus.isOk()) {
            if (!unwritten.isEmpty()) {
                for (int k = 0; k < op.pageCounts[m]; k++) {
                    unwritten.written(op.firstPages[m] + k, op.lsn);
                }
            }
            return;
        }
        for (int k = 0; k < op.pageCounts[m]; k++) {
            unwritten.failed(op.firstPages[m] + k, op.lsn,
                    op.staging[m].segment.asSlice((long) k * pageSizeBytes, pageSizeBytes));
        }
        status.addReactor(reactor, StatusRegionDescriptor.DEFERRED_DATA_WRITES, 1);
        if (unwritten.isFull()) {
            // Keeping every page in memory would end in the heap running out. Stop while the WAL still holds them
            // all; the next start replays them.
            onFatal.accept(new IllegalStateException(unwritten.size() + " committed pages could not be written to the"
                    + " data file (last: " + ioStatus + "); the data device is failing, so the manager stops"));
        }
        if (dataWriteLog.allow(System.nanoTime())) {
            LOG.warn("reactor {}: data-file write of pages {}..{} failed ({}) after their WAL record (lsn {}) was"
                    + " durable; the write stands, reads are served from memory and the checkpointer retries it"
                    + " ({} similar events not logged)", reactor, op.firstPages[m], op.firstPages[m] + op.pageCounts[m]
                    - 1, ioStatus, op.lsn, dataWriteLog.suppressedSinceLast());
        }
    }

    /** A read about to start: keeps the committed images the data file lacks for its pages, to overlay at the end. */
    private void snapshotOverlays(Op op) {
        int page = 0;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++, page++) {
                byte[] image = unwritten.imageOf(op.firstPages[m] + k);
                if (image != null) {
                    if (op.overlays == null) {
                        op.overlays = new byte[op.totalPages()][];
                    }
                    op.overlays[page] = image;
                }
            }
        }
    }
}
