package dev.pagestore.manager;

import dev.pagestore.ipc.control.LogLimiter;
import dev.pagestore.ipc.ring.CompletionDescriptor;
import dev.pagestore.ipc.ring.RequestDescriptor;
import dev.pagestore.ipc.ring.RingConsumer;
import dev.pagestore.status.StatusRegionDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes requests off a channel's ring and turns them into ops: copies each descriptor out of shared memory first,
 * validates the copy (anything malformed, a reused id or a slot already held is answered {@code INVALID}: nothing a
 * worker writes reaches the device or memory outside its channel), takes the private copy of a write's data, and
 * assembles atomic batches (BEGIN, its writes, END) into one op. Accepted ops go to {@link PageOrder}.
 *
 * <p>Reactor thread only.
 */
final class RequestIntake {
    private static final Logger LOG = LoggerFactory.getLogger(RequestIntake.class);
    private static final int DRAIN_BATCH = 32;

    private final int reactor;
    private final int pageCountMax;
    private final long capacityPages;
    private final StatusRegion status;
    private final WriteStaging staging;
    private final OpPool pool;
    private final Deadlines deadlines;
    private final PageOrder order;
    private final Answers answers;
    /** The WAL's durable LSN, a flush's answer. */
    private final LongSupplier durableLsn;
    /** Private copy of the request being handled: the worker can still write the shared entry. */
    private final MemorySegment requestCopy = Arena.ofAuto().allocate(RequestDescriptor.SIZE_BYTES, 8);
    private final LogLimiter batchLog = new LogLimiter(1_000_000_000L);

    RequestIntake(int reactor, int pageCountMax, long capacityPages, StatusRegion status, WriteStaging staging,
            OpPool pool, Deadlines deadlines, PageOrder order, Answers answers, LongSupplier durableLsn) {
        this.reactor = reactor;
        this.pageCountMax = pageCountMax;
        this.capacityPages = capacityPages;
        this.status = status;
        this.staging = staging;
        this.pool = pool;
        this.deadlines = deadlines;
        this.order = order;
        this.answers = answers;
        this.durableLsn = durableLsn;
    }

    /**
     * Takes up to a batch of requests from {@code s}'s ring, never more than its completion ring has room to answer
     * (whatever the worker publishes, the manager never owes it more answers than that). While the manager drains,
     * each is answered {@code SHUTTING_DOWN}. Returns how many were taken.
     */
    int drain(ChannelSession s, long nowNanos, boolean draining) {
        if (s.detaching) {
            return 0;
        }
        int room = s.capacity - s.load();
        if (room <= 0) {
            return 0;
        }
        RingConsumer ring = s.requests;
        int n = ring.available(Math.min(DRAIN_BATCH, room));
        if (n == 0) {
            return 0;
        }
        MemorySegment entries = ring.segment();
        for (int i = 0; i < n; i++) {
            // Copy first, then validate and use the copy: a field changed between validation and use must not reach
            // the device (time-of-check to time-of-use).
            MemorySegment.copy(entries, ring.entryOffset(i), requestCopy, 0, RequestDescriptor.SIZE_BYTES);
            onRequest(s, requestCopy, nowNanos, draining);
        }
        ring.release(n);
        return n;
    }

    /**
     * The manager is stopping: a batch still waiting for its END will not get one served, so it ends now, whole,
     * answered SHUTTING_DOWN (else the drain would wait its full timeout for it and its worker would get no answer).
     */
    void endOpenBatches(ServedChannels channels) {
        for (int i = 0; i < channels.size(); i++) {
            ChannelSession s = channels.get(i);
            Op batch = s.openBatch;
            if (batch != null && !s.detaching) {
                s.openBatch = null;
                answers.finishImmediately(batch, CompletionDescriptor.STATUS_SHUTTING_DOWN);
            }
        }
    }

    private void onRequest(ChannelSession s, MemorySegment e, long now, boolean draining) {
        RequestDescriptor.Violation violation = RequestDescriptor.validate(e, 0, s.slotCount, pageCountMax,
                capacityPages);
        byte opcode = RequestDescriptor.opcode(e, 0);
        long requestId = RequestDescriptor.requestId(e, 0);
        int slot = RequestDescriptor.bufferSlot(e, 0);
        byte flags = RequestDescriptor.flags(e, 0);
        boolean inBatch = (flags & RequestDescriptor.FLAG_IN_BATCH) != 0;
        if (violation != RequestDescriptor.Violation.VALID || s.outstandingIds.contains(requestId)) {
            answers.invalid(s, requestId, slot);
            if (s.openBatch != null && inBatch) {
                s.openBatchInvalid = true;
            }
            return;
        }
        int dataSlot = isData(opcode) ? slot : -1;
        if (draining) {
            if (s.openBatch != null) {
                Op batch = s.openBatch;  // an END arriving now would find its batch already answered
                s.openBatch = null;
                answers.finishImmediately(batch, CompletionDescriptor.STATUS_SHUTTING_DOWN);
            }
            s.complete(requestId, CompletionDescriptor.STATUS_SHUTTING_DOWN, dataSlot, 0);
            return;
        }
        if (opcode != RequestDescriptor.OPCODE_READ && opcode != RequestDescriptor.OPCODE_FLUSH && !s.mayWrite()) {
            s.complete(requestId, CompletionDescriptor.STATUS_READ_ONLY, dataSlot, 0);  // a standby's: reads only
            return;
        }
        if (s.openBatch != null) {
            inOpenBatch(s, e, opcode, requestId, slot, inBatch, now);
            return;
        }
        long page = RequestDescriptor.pageNumber(e, 0);
        int count = RequestDescriptor.pageCount(e, 0);
        long deadline = RequestDescriptor.deadlineNanos(e, 0);
        switch (opcode) {
            case RequestDescriptor.OPCODE_READ, RequestDescriptor.OPCODE_WRITE -> {
                if (inBatch) {
                    answers.invalid(s, requestId, slot);
                    return;
                }
                if (deadline != 0 && deadline <= now) {
                    s.complete(requestId, CompletionDescriptor.STATUS_TIMEOUT, slot, 0);
                    status.addReactor(reactor, StatusRegionDescriptor.TIMEOUTS, 1);
                    RequestTimeoutEvent.record(s, 1, page, "arrival");
                    return;
                }
                if (!s.holdSlots(slot, count)) {
                    answers.invalid(s, requestId, slot);  // its slots belong to a request not yet answered
                    return;
                }
                StagingBuffers.Buffer copy = null;
                if (opcode == RequestDescriptor.OPCODE_WRITE) {
                    copy = staging.copy(s, e, 0, slot, count, flags);
                    if (copy == null) {
                        s.releaseSlots(slot, count);
                        answers.invalid(s, requestId, slot);
                        return;
                    }
                }
                Op op = pool.allocate(opcode == RequestDescriptor.OPCODE_READ ? Op.READ : Op.WRITE, s, now);
                s.admit(requestId);
                op.addMember(opcode, requestId, slot, page, count, deadline);
                op.staging[0] = copy;
                deadlines.track(op);
                order.accept(op);
            }
            case RequestDescriptor.OPCODE_FLUSH ->
                // Every acknowledged write is already durable in the WAL: a flush has nothing left to wait for.
                s.complete(requestId, CompletionDescriptor.STATUS_OK, -1, durableLsn.getAsLong());
            case RequestDescriptor.OPCODE_BATCH_BEGIN -> {
                Op batch = pool.allocate(Op.WRITE, s, now);
                s.admit(requestId);
                batch.addMember(opcode, requestId, -1, 0, 0, deadline);
                deadlines.track(batch);
                s.openBatch = batch;
                s.openBatchId = RequestDescriptor.batchId(e, 0);
                s.openBatchInvalid = false;
            }
            default -> answers.invalid(s, requestId, -1);  // BATCH_END without BEGIN
        }
    }

    /** A valid request while {@code s} collects a batch: a member, its END, or anything else, which breaks it. */
    private void inOpenBatch(ChannelSession s, MemorySegment e, byte opcode, long requestId, int slot, boolean inBatch,
            long now) {
        Op batch = s.openBatch;
        byte flags = RequestDescriptor.flags(e, 0);
        long page = RequestDescriptor.pageNumber(e, 0);
        int count = RequestDescriptor.pageCount(e, 0);
        long deadline = RequestDescriptor.deadlineNanos(e, 0);
        boolean ours = inBatch && RequestDescriptor.batchId(e, 0) == s.openBatchId;
        if (opcode == RequestDescriptor.OPCODE_WRITE && ours) {
            if (batch.totalPages() + count > pageCountMax || batch.touchesAny(page, count)) {
                s.openBatchInvalid = true;
            }
            // A member whose slots are held by another request holds none itself (page count 0 here) and breaks the
            // batch; a broken batch is never logged, so its members are not copied either.
            boolean held = s.holdSlots(slot, count);
            StagingBuffers.Buffer copy = null;
            if (!held) {
                s.openBatchInvalid = true;
            } else if (!s.openBatchInvalid) {
                copy = staging.copy(s, e, 0, slot, count, flags);
                s.openBatchInvalid = copy == null;
            }
            s.admit(requestId);
            batch.addMember(opcode, requestId, slot, page, held ? count : 0, deadline);
            batch.staging[batch.memberCount - 1] = copy;
            deadlines.track(batch);
            if (batch.memberCount >= s.capacity) {
                // Its END could never be admitted (the manager never owes a worker more answers than its ring
                // holds): a batch this long would hold the channel forever. It fails now, whole.
                s.openBatch = null;
                if (batchLog.allow(now)) {
                    LOG.warn("{}: a batch of {} requests cannot end in a ring of {}; answered INVALID ({} similar"
                            + " events not logged)", s, batch.memberCount, s.capacity, batchLog.suppressedSinceLast());
                }
                answers.finishImmediately(batch, CompletionDescriptor.STATUS_INVALID);
            }
            return;
        }
        if (opcode == RequestDescriptor.OPCODE_BATCH_END && RequestDescriptor.batchId(e, 0) == s.openBatchId) {
            s.admit(requestId);
            batch.addMember(opcode, requestId, -1, 0, 0, deadline);
            deadlines.track(batch);
            s.openBatch = null;
            if (s.openBatchInvalid || batch.totalPages() == 0) {
                answers.finishImmediately(batch, CompletionDescriptor.STATUS_INVALID);
            } else {
                order.accept(batch);
            }
            return;
        }
        // Anything else inside an open batch breaks it: the batch and this request are INVALID.
        s.openBatch = null;
        answers.finishImmediately(batch, CompletionDescriptor.STATUS_INVALID);
        int dataSlot = isData(opcode) ? slot : -1;
        answers.invalid(s, requestId, dataSlot);
    }

    private static boolean isData(byte opcode) {
        return opcode == RequestDescriptor.OPCODE_READ || opcode == RequestDescriptor.OPCODE_WRITE;
    }
}
