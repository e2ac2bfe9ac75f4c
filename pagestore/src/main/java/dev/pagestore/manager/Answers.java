package dev.pagestore.manager;

import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.status.StatusRegionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.BiConsumer;

/**
 * What the reactor tells workers: the answers to its ops (queued on each channel's session, posted in one publish per
 * channel by the loop), and the end of an op (its pages, its commit ticket and the op itself given back). A read is
 * answered once its data is in the worker's slots; a write once its WAL record is durable, while its data write may
 * still be on the device, unless {@link #WRITES_BEHIND_MAX} such writes are already behind.
 *
 * <p>Reactor thread only.
 */
final class Answers {
    /**
     * Committed writes answered before their data write landed, at most: each holds its private copy and its pages'
     * busy marks, so the data device's backlog (and the memory it pins) stays bounded when the log outpaces it.
     */
    static final int WRITES_BEHIND_MAX = 256;

    private final int reactor;
    private final int pageSizeBytes;
    private final StatusRegion status;
    private final OpPool pool;
    private final PageOrder order;
    private final UnappliedWrites unapplied;
    /** A channel whose memory faulted while a read's overlay was copied in: it is no longer served. */
    private final BiConsumer<ChannelSession, Throwable> channelFault;
    private int writesBehind;

    Answers(int reactor, int pageSizeBytes, StatusRegion status, OpPool pool, PageOrder order,
            UnappliedWrites unapplied, BiConsumer<ChannelSession, Throwable> channelFault) {
        this.reactor = reactor;
        this.pageSizeBytes = pageSizeBytes;
        this.status = status;
        this.pool = pool;
        this.order = order;
        this.unapplied = unapplied;
        this.channelFault = channelFault;
    }

    /** Answers a request that never became an op: malformed, a reused id or a slot already held. */
    void invalid(ChannelSession s, long requestId, int slot) {
        s.complete(requestId, CompletionDescriptor.STATUS_INVALID, slot, 0);
        status.addReactor(reactor, StatusRegionDescriptor.INVALID_REQUESTS, 1);
        InvalidRequestEvent.record(s, 1);
    }

    /** Completes every member with {@code statusCode} and frees the op; for ops that never started. */
    void finishImmediately(Op op, int statusCode) {
        answerUnstarted(op, statusCode);
        if (statusCode == CompletionDescriptor.STATUS_INVALID) {
            status.addReactor(reactor, StatusRegionDescriptor.INVALID_REQUESTS, op.memberCount);
            InvalidRequestEvent.record(op.session, op.memberCount);
        }
        pool.release(op);
    }

    /** A write's record is durable: answers it now unless too many data writes are already behind. */
    void committed(Op op) {
        if (writesBehind < WRITES_BEHIND_MAX) {
            answer(op);
            writesBehind++;
        }
    }

    /** A write the WAL refused or failed: answered {@code statusCode}; nothing of it reaches the data file. */
    void notCommitted(Op op, int statusCode) {
        op.status = statusCode;
        finish(op);
    }

    /** Answers the op (if not done yet), then frees its commit ticket, its pages and the op itself. */
    void finish(Op op) {
        if (op.ticket >= 0) {
            unapplied.end(op.ticket);
            op.ticket = -1;
        }
        if (op.answered) {
            writesBehind--;
        } else {
            answer(op);
        }
        order.releasePages(op);
        pool.release(op);
    }

    private void answer(Op op) {
        op.answered = true;
        ChannelSession s = op.session;
        int result = op.status == 0 ? CompletionDescriptor.STATUS_OK : op.status;
        if (op.kind == Op.WRITE && result == CompletionDescriptor.STATUS_OK) {
            // Before the completions are published: whoever sees the acknowledgement sees the new version.
            for (int m = 0; m < op.memberCount; m++) {
                for (int k = 0; k < op.pageCounts[m]; k++) {
                    status.bumpVersion(op.firstPages[m] + k);
                }
            }
        }
        if (op.kind == Op.READ && op.overlays != null && result == CompletionDescriptor.STATUS_OK
                && !s.detaching) {
            try {
                overlay(op);
            } catch (Throwable e) {
                channelFault.accept(s, e);
            }
        }
        int pages = op.totalPages();
        if (op.kind == Op.READ) {
            status.addReactor(reactor, StatusRegionDescriptor.READ_REQUESTS, op.memberCount);
            status.addReactor(reactor, StatusRegionDescriptor.PAGES_READ, pages);
            s.counters.add(ChannelCounters.READS, op.memberCount);
            s.counters.add(ChannelCounters.PAGES_READ, pages);
        } else {
            status.addReactor(reactor, StatusRegionDescriptor.WRITE_REQUESTS, op.memberCount);
            status.addReactor(reactor, StatusRegionDescriptor.PAGES_WRITTEN, pages);
            s.counters.add(ChannelCounters.WRITES, op.memberCount);
            s.counters.add(ChannelCounters.PAGES_WRITTEN, pages);
        }
        status.recordLatency(reactor, op.kind == Op.WRITE, System.nanoTime() - op.startNanos);
        for (int m = 0; m < op.memberCount; m++) {
            s.settle(op.requestIds[m]);
            s.releaseSlots(op.slots[m], op.pageCounts[m]);  // the final answer: the slot is the worker's again
            if (op.timedOut) {
                s.complete(op.requestIds[m], CompletionDescriptor.STATUS_TIMEOUT, op.slots[m],
                        CompletionDescriptor.RESULT_SLOT_RELEASED);
            } else {
                long value = op.opcodes[m] == RequestDescriptor.OPCODE_BATCH_END ? op.lsn
                        : (long) op.pageCounts[m] * pageSizeBytes;
                s.complete(op.requestIds[m], result, op.slots[m], result == CompletionDescriptor.STATUS_OK
                        ? value : 0);
            }
        }
    }

    /** Copies committed images the data file lacks over what the device read (see {@link DeviceStage}). */
    private void overlay(Op op) {
        int page = 0;
        for (int m = 0; m < op.memberCount; m++) {
            for (int k = 0; k < op.pageCounts[m]; k++, page++) {
                byte[] image = op.overlays[page];
                if (image != null) {
                    MemorySegment.copy(image, 0, op.session.channel.buffer(op.slots[m] + k),
                            ValueLayout.JAVA_BYTE, 0, pageSizeBytes);
                }
            }
        }
    }

    /**
     * Times out the ops whose deadline has passed: a batch still waiting for its END ends whole; an op not started
     * yet is cancelled (freed when it leaves the deferred queue); one in progress is answered TIMEOUT with its slots
     * fenced, and finishes normally later (a write's data write is always done, so the data file matches the log).
     */
    int expire(Deadlines deadlines, long nowNanos) {
        int expired = 0;
        Op op;
        while ((op = deadlines.pollDue(nowNanos)) != null) {
            if (settled(op)) {
                continue;
            }
            ChannelSession s = op.session;
            status.addReactor(reactor, StatusRegionDescriptor.TIMEOUTS, op.memberCount);
            RequestTimeoutEvent.record(op, op.started ? "in progress" : "waiting");
            expired++;
            if (op == s.openBatch) {
                s.openBatch = null;
                answerUnstarted(op, CompletionDescriptor.STATUS_TIMEOUT);
                pool.release(op);
            } else if (!op.started) {
                op.cancelled = true;
                answerUnstarted(op, CompletionDescriptor.STATUS_TIMEOUT);
            } else {
                answerFenced(op);
            }
        }
        return expired;
    }

    /**
     * A read whose device command the queue pair timed out: answered TIMEOUT with its slots fenced, unless it was
     * answered already; it finishes later, when the device lets go of its buffer, but gives its pages back now.
     * Returns 1 when it answered.
     */
    int timedOutOnDevice(Op op) {
        // Its pages are free at once: nobody will use what the device may still put in the fenced slots, and a lost
        // completion would otherwise keep every later write of these pages waiting until the manager restarts.
        order.releasePages(op);
        if (settled(op)) {
            return 0;
        }
        status.addReactor(reactor, StatusRegionDescriptor.TIMEOUTS, op.memberCount);
        RequestTimeoutEvent.record(op, "device");
        answerFenced(op);
        return 1;
    }

    /** Whether {@code op} was already answered in full, or TIMEOUT, or cancelled: nothing more to time out. */
    private static boolean settled(Op op) {
        return op.answered || op.timedOut || op.cancelled;
    }

    /** An op in progress past its deadline: the worker hears TIMEOUT now, its slots come back with a second answer. */
    private static void answerFenced(Op op) {
        op.timedOut = true;
        for (int m = 0; m < op.memberCount; m++) {
            op.session.complete(op.requestIds[m], CompletionDescriptor.STATUS_TIMEOUT, op.slots[m],
                    CompletionDescriptor.RESULT_SLOT_FENCED);
        }
    }

    /** An op that never reached the WAL or the device: nothing holds its slots, so they go back with the answer. */
    private static void answerUnstarted(Op op, int statusCode) {
        ChannelSession s = op.session;
        for (int m = 0; m < op.memberCount; m++) {
            s.settle(op.requestIds[m]);
            s.releaseSlots(op.slots[m], op.pageCounts[m]);
            s.complete(op.requestIds[m], statusCode, op.slots[m], 0);
        }
    }
}
