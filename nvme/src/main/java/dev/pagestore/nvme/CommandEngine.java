package dev.pagestore.nvme;

import java.lang.foreign.MemorySegment;

/**
 * What happens to commands between a {@link QueuePair}'s checked calls: preparing and issuing them, matching each
 * drained completion to its command straight into the poll's batch, retries after back-off, deadlines and fences,
 * and failing what is left at close. The queue pair checks the caller (owner thread, arguments, re-entry) and then
 * calls here; nothing here checks again. Owner thread only.
 */
final class CommandEngine {
    private final CommandTable table;
    private final CompletionBatch batch;
    private final QueueBackend backend;
    private final NanoClock clock;
    private final QueuePairMetrics metrics;
    /** The most completions one drain may hand over: the batch has room for them plus every slot's timeout. */
    private final int drainMax;
    private final QueueBackend.Reaped matcher = this::match;
    // Prepared, not yet submitted, in preparation order.
    private final int[] preparedSlots;

    private RetryPolicy retryPolicy = RetryPolicy.defaultPolicy();
    private boolean retrying = true;
    private long earliestDeadlineNanos = QueuePair.NO_DEADLINE;
    private long earliestRetryNanos = QueuePair.NO_DEADLINE;
    private long pollNanos;
    private int reapedThisPoll;

    CommandEngine(int queueDepth, QueueBackend backend, NanoClock clock, QueuePairMetrics metrics) {
        this.table = new CommandTable(queueDepth);
        this.backend = backend;
        this.clock = clock;
        this.metrics = metrics;
        drainMax = 2 * queueDepth;
        // Each drained completion yields at most one entry; each slot at most one timeout or retry expiry per poll.
        batch = new CompletionBatch(drainMax + 2 * queueDepth);
        preparedSlots = new int[queueDepth];
    }

    CommandTable table() {
        return table;
    }

    void retryPolicy(RetryPolicy policy) {
        this.retryPolicy = policy;
    }

    // ---------------------------------------------------------------------------------------------- submission

    /** Takes a slot for the command; false when every slot is in use. */
    boolean prepare(long tag, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes,
            long deadlineNanos) {
        int slot = table.prepare(opcode, tag, buffer, deviceOffset, lengthBytes, deadlineNanos);
        if (slot < 0) {
            return false;
        }
        preparedSlots[table.preparedCount - 1] = slot;
        return true;
    }

    /**
     * Hands every prepared command to the backend, without a doorbell; returns how many. When the backend throws, the
     * command it refused and those after it stay prepared, in order, for the next submit or for close.
     */
    int issuePrepared() {
        int count = table.preparedCount;
        int issued = 0;
        try {
            for (; issued < count; issued++) {
                issueSlot(preparedSlots[issued]);
            }
        } finally {
            if (issued < count) {
                System.arraycopy(preparedSlots, issued, preparedSlots, 0, count - issued);
            }
        }
        return count;
    }

    private void issueSlot(int slot) {
        long deadline = table.deadlineNanos[slot];
        if (deadline < earliestDeadlineNanos) {
            earliestDeadlineNanos = deadline;
        }
        byte from = table.state[slot];
        int cid = table.issue(slot);
        try {
            backend.issue(slot, cid, IoOpcode.ofOrdinal(table.opcode[slot]), table.buffer[slot],
                    table.deviceOffset[slot], table.length[slot]);
        } catch (RuntimeException | Error e) {
            table.unissue(slot, from);
            throw e;
        }
        metrics.commandsSubmitted++;
    }

    // ---------------------------------------------------------------------------------------------- completion

    /** Re-issues due retries, drains the backend once into the batch, then times out what passed its deadline. */
    void collect(int max) {
        long now = clock.nanoTime();
        if (now >= earliestRetryNanos) {
            reissueDueRetries(now);
        }
        pollNanos = now;
        reapedThisPoll = 0;
        backend.drain(Math.min(max, drainMax), matcher);
        if (now >= earliestDeadlineNanos) {
            expireDeadlines(now);
        }
    }

    /** Runs the callbacks of the batch; returns the completions delivered. */
    int deliver(int queuePairId, CompletionHandler handler, QueuePairListener listener) {
        int delivered = batch.dispatch(queuePairId, handler, listener);
        metrics.completions += delivered;
        return delivered;
    }

    /** Whether a callback threw during the last delivery and left entries behind. */
    boolean hasUndelivered() {
        return batch.hasUndelivered();
    }

    /**
     * Matches one drained completion to its command, straight into the batch; anything that does not match completes
     * nothing. Refuses once a drain handed over its share, leaving the rest in the device's queue for the next poll.
     */
    private boolean match(int cid, IoStatus status, int transferredBytes, int detail) {
        if (reapedThisPoll == drainMax) {
            return false;
        }
        reapedThisPoll++;
        if (!table.inRange(cid)) {
            unmapped(cid, status, detail);
            return true;
        }
        int slot = table.slotOf(cid);
        int generation = table.generationOf(cid);
        byte state = table.state[slot];
        boolean current = generation == table.generation[slot];
        if (state == CommandTable.IN_FLIGHT && current) {
            completeInFlight(slot, cid, status, transferredBytes, detail, pollNanos);
        } else if (state == CommandTable.FENCED && current) {
            metrics.fencesReleased++;
            batch.add(CompletionBatch.FENCE_RELEASED, table.tag[slot], cid, status, transferredBytes, detail, 0);
            table.releaseFence(slot);
            backend.released(slot);
        } else if (isDuplicate(state, current, generation, slot)) {
            metrics.duplicateCompletions++;
            batch.add(CompletionBatch.DUPLICATE, table.tag[slot], cid, status, transferredBytes, detail, 0);
        } else {
            unmapped(cid, status, detail);
        }
        return true;
    }

    /** A completion for the slot's last finished attempt, or for its previous use while it is busy again. */
    private boolean isDuplicate(byte state, boolean current, int generation, int slot) {
        int issues = table.issues[slot];
        return switch (state) {
            case CommandTable.FREE, CommandTable.RETRY_WAIT, CommandTable.PREPARED -> current && issues >= 1;
            case CommandTable.IN_FLIGHT, CommandTable.FENCED ->
                    generation == table.previousGeneration(slot) && issues >= 2;
            default -> false;
        };
    }

    private void unmapped(int cid, IoStatus status, int detail) {
        metrics.unmappedCompletions++;
        batch.add(CompletionBatch.UNMAPPED, 0, cid, status, 0, detail, 0);
    }

    private void completeInFlight(int slot, int cid, IoStatus status, int transferredBytes, int detail, long now) {
        IoOpcode opcode = IoOpcode.ofOrdinal(table.opcode[slot]);
        if (status == IoStatus.OK && opcode.hasBuffer() && transferredBytes < table.length[slot]) {
            status = IoStatus.SHORT_TRANSFER;
        }
        if (status != IoStatus.OK && retrying) {
            long backoff = retryPolicy.backoffNanos(opcode, status, detail, table.attempts[slot]);
            if (backoff >= 0 && now + backoff < table.deadlineNanos[slot]) {
                long retryAt = now + backoff;
                table.awaitRetry(slot, retryAt);
                if (retryAt < earliestRetryNanos) {
                    earliestRetryNanos = retryAt;
                }
                metrics.retries++;
                batch.add(CompletionBatch.RETRY, table.tag[slot], cid, status, table.attempts[slot], detail, backoff);
                return;
            }
            if (backoff >= 0) {
                // A failure the policy would retry, with no time left to: the command did not complete within its
                // deadline, and says so, as it would had it waited for the retry (the device holds nothing now).
                metrics.timeouts++;
                status = IoStatus.TIMEOUT;
            }
        }
        batch.add(CompletionBatch.COMPLETION, table.tag[slot], cid, status,
                status == IoStatus.OK || status == IoStatus.SHORT_TRANSFER ? transferredBytes : 0, detail, 0);
        table.complete(slot);
        backend.released(slot);
    }

    private void reissueDueRetries(long now) {
        long next = QueuePair.NO_DEADLINE;
        int issued = 0;
        for (int slot = 0; slot < table.depth && table.retryWaitCount > 0; slot++) {
            if (table.state[slot] != CommandTable.RETRY_WAIT) {
                continue;
            }
            long retryAt = table.retryAtNanos[slot];
            if (retryAt <= now) {
                issueSlot(slot);
                issued++;
            } else if (retryAt < next) {
                next = retryAt;
            }
        }
        earliestRetryNanos = next;
        if (issued > 0) {
            backend.ringDoorbell(issued);
            metrics.doorbells++;
        }
    }

    private void expireDeadlines(long now) {
        long next = QueuePair.NO_DEADLINE;
        for (int slot = 0; slot < table.depth; slot++) {
            byte state = table.state[slot];
            if (state != CommandTable.IN_FLIGHT && state != CommandTable.RETRY_WAIT) {
                continue;
            }
            long deadline = table.deadlineNanos[slot];
            if (deadline > now) {
                next = Math.min(next, deadline);
                continue;
            }
            metrics.timeouts++;
            int cid = table.cid(slot);
            batch.add(CompletionBatch.TIMEOUT, table.tag[slot], cid, IoStatus.TIMEOUT, 0, StatusDetail.NONE, 0);
            if (state == CommandTable.IN_FLIGHT) {
                // The device still owns the buffer: fence the slot until its real completion arrives.
                table.fence(slot);
                backend.cancel(slot, cid);
            } else {
                // Waiting for a retry: the device holds nothing, so the slot is free at once.
                table.drop(slot);
                backend.released(slot);
            }
        }
        earliestDeadlineNanos = next;
    }

    // ---------------------------------------------------------------------------------------------- close

    /**
     * Stops retrying, then completes every command the device does not hold (prepared, waiting for a retry) as
     * ABORTED; returns how many.
     */
    int abortUnsubmitted() {
        retrying = false;
        int failed = 0;
        for (int i = 0, prepared = table.preparedCount; i < prepared; i++) {
            failed += abort(preparedSlots[i]);
        }
        for (int slot = 0; slot < table.depth && table.retryWaitCount > 0; slot++) {
            if (table.state[slot] == CommandTable.RETRY_WAIT) {
                failed += abort(slot);
            }
        }
        return failed;
    }

    /**
     * Polls and delivers until nothing is in flight or fenced, or until {@code drainTimeoutNanos} of real time have
     * passed; then completes what is still in flight as ABORTED and frees fenced slots (their callers already heard
     * TIMEOUT). Returns how many commands it failed. The backend must be closed next.
     */
    int drainThenAbort(long drainTimeoutNanos, int queuePairId, CompletionHandler handler,
            QueuePairListener listener) {
        deliver(queuePairId, handler, listener);
        long drainEnd = System.nanoTime() + Math.max(0, drainTimeoutNanos);
        // Bounded: ends when nothing is in flight or fenced, or at the drain deadline.
        while (table.inFlightCount + table.fencedCount > 0 && System.nanoTime() - drainEnd < 0) {
            collect(drainMax);
            if (deliver(queuePairId, handler, listener) == 0 && batch.size() == 0) {
                Thread.onSpinWait();
            }
        }
        int failed = 0;
        for (int slot = 0; slot < table.depth; slot++) {
            byte state = table.state[slot];
            if (state == CommandTable.IN_FLIGHT) {
                failed += abort(slot);
            } else if (state == CommandTable.FENCED) {
                table.abandon(slot);
                backend.released(slot);
            }
        }
        deliver(queuePairId, handler, listener);
        return failed;
    }

    /** Completes the command in {@code slot} as ABORTED and frees it; returns 1, the count of commands failed. */
    private int abort(int slot) {
        batch.add(CompletionBatch.COMPLETION, table.tag[slot], table.cid(slot), IoStatus.ABORTED, 0,
                StatusDetail.NONE, 0);
        if (table.state[slot] == CommandTable.IN_FLIGHT) {
            table.abandon(slot);
        } else {
            table.drop(slot);
        }
        backend.released(slot);
        return 1;
    }

    /** Whether a command with {@code tag} timed out and its buffer is still fenced (linear in the queue depth). */
    boolean isFenced(long tag) {
        for (int slot = 0; slot < table.depth; slot++) {
            if (table.state[slot] == CommandTable.FENCED && table.tag[slot] == tag) {
                return true;
            }
        }
        return false;
    }
}
