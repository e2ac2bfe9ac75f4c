package dev.pagestore.nvme;

import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.ipc.owner.SingleOwner;
import java.lang.foreign.MemorySegment;

/**
 * A submission queue and a completion queue on one {@link BlockDevice}, used by exactly one thread.
 *
 * <h2>Why it looks like this</h2>
 * A queue pair has no locks. SPDK documents that one qpair may be used by one thread at a time; teams that let two
 * threads or processes share one saw {@code cpl does not map to outstanding cmd} after tens of thousands of I/Os
 * (SPDK issues 3187, 3557): the command table was torn and completions named commands nobody tracked. This class
 * makes the rule enforced rather than documented (every call checks the owner thread and throws
 * {@link OwnerThreadException} naming both threads), and makes the symptom impossible to miss (a completion
 * whose command id maps to nothing outstanding, or a second completion for one command, is counted and reported to
 * the {@link QueuePairListener}, and completes nothing).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@code prepare...} puts a command in the submission queue without telling the device; it returns
 *       {@code false} when all {@link #queueDepth()} command slots are taken (queue full: poll to free some).
 *       Arguments are checked here, with messages naming the value: the buffer must be native memory aligned to
 *       {@link BlockDevice#memoryAlignmentBytes()}, offset and length multiples of
 *       {@link BlockDevice#offsetAlignmentBytes()}, within {@link BlockDevice#capacityBytes()} and
 *       {@link BlockDevice#maxTransferBytes()}.</li>
 *   <li>{@link #submit()} hands every prepared command to the device with one doorbell.</li>
 *   <li>{@link #poll} reaps completions into a preallocated batch, matches each to its command by command id,
 *       times out commands past their deadline, schedules retries, and only then runs the handler and listener
 *       (no callback runs inside the drain; a handler may prepare and submit, not poll).</li>
 *   <li>Deadlines are absolute {@link NanoClock} times ({@link #NO_DEADLINE} for none), checked while polling.
 *       A command past its deadline is completed as {@link IoStatus#TIMEOUT} at once and cancellation is attempted,
 *       but its slot and buffer stay <em>fenced</em> until the device's real completion arrives (a started DMA
 *       cannot be recalled): the caller must not reuse the buffer until
 *       {@link QueuePairListener#onFenceReleased} or until {@link #isFenced(long)} turns false.</li>
 *   <li>Failures the {@link RetryPolicy} calls transient are retried with back-off, within the deadline.</li>
 *   <li>{@link #close(CompletionHandler, long)} fails prepared commands, drains in-flight ones for a bounded time,
 *       then fails the rest as {@link IoStatus#ABORTED}; after it returns the device touches no caller buffer.</li>
 * </ul>
 * Nothing is allocated per I/O: the command table and the completion batch are sized by the queue depth.
 *
 * <h2>Backends</h2>
 * A backend extends this class and implements the four hooks {@link #issue}, {@link #ringDoorbell},
 * {@link #drainCompletions} (calling {@link #reaped} for each raw completion) and {@link #closeBackend}, plus
 * optionally {@link #cancel} and {@link #onSlotReleased}. The command table, ownership, deadlines, retries and
 * completion mapping are all here, so every backend behaves the same under the contract test suite.
 */
public abstract class QueuePair implements AutoCloseable {
    /** A deadline that never passes. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;
    /** How long {@link #close()} waits for in-flight commands. */
    public static final long DEFAULT_CLOSE_DRAIN_NANOS = 1_000_000_000L;

    private final BlockDevice device;
    private final int id;
    private final String name;
    private final NanoClock clock;
    /** What the owner check's message tells a caller from another thread to do instead. */
    public static final String QUEUE_PAIR_ADVICE = "a queue pair must be used by its owner thread only (hand it off"
            + " with QueuePair.transferOwnership from the owner)";
    private final SingleOwner owner;
    private final CommandTable table;
    private final CompletionBatch batch;
    private final QueuePairMetrics metrics = new QueuePairMetrics();

    // Raw completions of one drain, before they are matched (preallocated, owner thread only).
    private final int[] rawCid;
    private final IoStatus[] rawStatus;
    private final int[] rawTransferredBytes;
    private final int[] rawDetail;
    private int rawCount;

    // Prepared, not yet submitted, in preparation order.
    private final int[] preparedSlots;

    private RetryPolicy retryPolicy = RetryPolicy.defaultPolicy();
    private QueuePairListener listener = QueuePairListener.NONE;
    private long earliestDeadlineNanos = NO_DEADLINE;
    private long earliestRetryNanos = NO_DEADLINE;
    private boolean inPoll;
    private boolean closed;

    /**
     * @param device     the device this queue pair belongs to; its geometry bounds every command
     * @param id         the queue pair's id on the device (NVMe queue id, io_uring ring number)
     * @param queueDepth the number of commands that may be outstanding at once, 1..4096
     * @param clock      the time source for deadlines and back-off
     */
    protected QueuePair(BlockDevice device, int id, int queueDepth, NanoClock clock) {
        if (device == null || clock == null) {
            throw new IllegalArgumentException("device and clock are required");
        }
        this.device = device;
        this.id = id;
        this.name = "QueuePair " + id + " of " + device.name();
        this.clock = clock;
        this.table = new CommandTable(queueDepth);
        this.owner = SingleOwner.ofCurrentThread(name, QUEUE_PAIR_ADVICE);
        int rawCapacity = 2 * queueDepth;
        rawCid = new int[rawCapacity];
        rawStatus = new IoStatus[rawCapacity];
        rawTransferredBytes = new int[rawCapacity];
        rawDetail = new int[rawCapacity];
        // Each raw completion yields at most one entry; each slot at most one timeout or retry expiry per poll.
        batch = new CompletionBatch(rawCapacity + 2 * queueDepth);
        preparedSlots = new int[queueDepth];
    }

    // ---------------------------------------------------------------------------------------------- preparation

    /** Prepares a read of {@code lengthBytes} at {@code deviceOffset} into {@code buffer}; false when full. */
    public final boolean prepareRead(long tag, MemorySegment buffer, long deviceOffset, int lengthBytes,
            long deadlineNanos) {
        checkCall();
        checkData(buffer, deviceOffset, lengthBytes);
        return prepare(tag, IoOpcode.READ, buffer, deviceOffset, lengthBytes, deadlineNanos);
    }

    /** Prepares a write of {@code lengthBytes} from {@code buffer} to {@code deviceOffset}; false when full. */
    public final boolean prepareWrite(long tag, MemorySegment buffer, long deviceOffset, int lengthBytes,
            long deadlineNanos) {
        checkCall();
        checkData(buffer, deviceOffset, lengthBytes);
        return prepare(tag, IoOpcode.WRITE, buffer, deviceOffset, lengthBytes, deadlineNanos);
    }

    /** Prepares a flush: when it completes OK, every write completed before it was submitted is durable. */
    public final boolean prepareFlush(long tag, long deadlineNanos) {
        checkCall();
        return prepare(tag, IoOpcode.FLUSH, null, 0, 0, deadlineNanos);
    }

    /**
     * Prepares writing zeroes over a range, without a buffer.
     *
     * @throws UnsupportedOperationException when {@link BlockDevice#supportsWriteZeroes()} is false
     */
    public final boolean prepareWriteZeroes(long tag, long deviceOffset, int lengthBytes, long deadlineNanos) {
        checkCall();
        if (!device.supportsWriteZeroes()) {
            throw new UnsupportedOperationException(device.name() + " does not support write-zeroes");
        }
        checkRange(deviceOffset, lengthBytes);
        return prepare(tag, IoOpcode.WRITE_ZEROES, null, deviceOffset, lengthBytes, deadlineNanos);
    }

    private boolean prepare(long tag, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes,
            long deadlineNanos) {
        int slot = table.allocate();
        if (slot < 0) {
            return false;
        }
        table.state[slot] = CommandTable.PREPARED;
        table.opcode[slot] = (byte) opcode.ordinal();
        table.tag[slot] = tag;
        table.buffer[slot] = buffer;
        table.deviceOffset[slot] = deviceOffset;
        table.length[slot] = lengthBytes;
        table.deadlineNanos[slot] = deadlineNanos;
        table.attempts[slot] = 0;
        preparedSlots[table.preparedCount++] = slot;
        return true;
    }

    private void checkData(MemorySegment buffer, long deviceOffset, int lengthBytes) {
        if (buffer == null) {
            throw new IllegalArgumentException("buffer is null");
        }
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("buffer " + buffer + " is heap memory; direct I/O needs native memory "
                    + "(allocate it from an Arena aligned to " + device.memoryAlignmentBytes() + ")");
        }
        int memoryAlign = device.memoryAlignmentBytes();
        if (buffer.address() % memoryAlign != 0) {
            throw new IllegalArgumentException("buffer address 0x" + Long.toHexString(buffer.address())
                    + " is not aligned to " + memoryAlign + " bytes, the memory alignment of " + device.name());
        }
        checkRange(deviceOffset, lengthBytes);
        if (buffer.byteSize() < lengthBytes) {
            throw new IllegalArgumentException("lengthBytes=" + lengthBytes + " exceeds the buffer's "
                    + buffer.byteSize() + " bytes");
        }
    }

    private void checkRange(long deviceOffset, int lengthBytes) {
        int offsetAlign = device.offsetAlignmentBytes();
        if (lengthBytes <= 0 || lengthBytes % offsetAlign != 0) {
            throw new IllegalArgumentException("lengthBytes=" + lengthBytes + " is not a positive multiple of "
                    + offsetAlign + ", the offset alignment of " + device.name());
        }
        if (lengthBytes > device.maxTransferBytes()) {
            throw new IllegalArgumentException("lengthBytes=" + lengthBytes + " exceeds the maximum transfer of "
                    + device.maxTransferBytes() + " bytes of " + device.name());
        }
        if (deviceOffset < 0 || deviceOffset % offsetAlign != 0) {
            throw new IllegalArgumentException("deviceOffset=" + deviceOffset + " is not a non-negative multiple of "
                    + offsetAlign + ", the offset alignment of " + device.name());
        }
        if (deviceOffset > device.capacityBytes() - lengthBytes) {
            throw new IllegalArgumentException("deviceOffset=" + deviceOffset + " + lengthBytes=" + lengthBytes
                    + " is beyond the capacity of " + device.name() + " (" + device.capacityBytes() + " bytes)");
        }
    }

    // ---------------------------------------------------------------------------------------------- submission

    /**
     * Hands every prepared command to the device with one doorbell. Returns how many were submitted (0 rings no
     * doorbell).
     */
    public final int submit() {
        checkCall();
        int count = table.preparedCount;
        if (count == 0) {
            return 0;
        }
        for (int i = 0; i < count; i++) {
            int slot = preparedSlots[i];
            assert table.state[slot] == CommandTable.PREPARED : "prepared list holds slot " + slot
                    + " in state " + table.state[slot];
            issueSlot(slot);
        }
        table.preparedCount = 0;
        ringDoorbell(count);
        metrics.doorbells++;
        return count;
    }

    private void issueSlot(int slot) {
        table.state[slot] = CommandTable.IN_FLIGHT;
        table.inFlightCount++;
        long deadline = table.deadlineNanos[slot];
        if (deadline < earliestDeadlineNanos) {
            earliestDeadlineNanos = deadline;
        }
        int cid = table.nextCid(slot);
        metrics.commandsSubmitted++;
        issue(cid, IoOpcode.ofOrdinal(table.opcode[slot]), table.buffer[slot], table.deviceOffset[slot],
                table.length[slot]);
    }

    // ---------------------------------------------------------------------------------------------- completion

    /**
     * Reaps up to {@code max} device completions (at most twice the queue depth), applies deadlines and retries,
     * then delivers completions to {@code handler} and events to the listener. Timeouts found by this poll are
     * delivered in addition to the {@code max} reaped completions. Returns the number of completions delivered
     * (timeouts included). Never blocks.
     *
     * @throws IllegalStateException when called from inside a handler (no re-entry)
     */
    public final int poll(int max, CompletionHandler handler) {
        checkCall();
        if (max <= 0) {
            throw new IllegalArgumentException("max=" + max + " must be positive");
        }
        if (handler == null) {
            throw new IllegalArgumentException("handler is null");
        }
        if (inPoll) {
            throw new IllegalStateException(name + ": poll called from inside a completion handler");
        }
        inPoll = true;
        try {
            if (batch.hasUndelivered()) {
                return deliver(handler);  // a callback threw last time: finish that batch before reaping more
            }
            collect(max);
            return deliver(handler);
        } finally {
            inPoll = false;
        }
    }

    private void collect(int max) {
        long now = clock.nanoTime();
        if (now >= earliestRetryNanos) {
            reissueDueRetries(now);
        }
        rawCount = 0;
        drainCompletions(Math.min(max, rawCid.length));
        for (int i = 0; i < rawCount; i++) {
            match(rawCid[i], rawStatus[i], rawTransferredBytes[i], rawDetail[i], now);
            rawStatus[i] = null;
        }
        rawCount = 0;
        if (now >= earliestDeadlineNanos) {
            expireDeadlines(now);
        }
    }

    private int deliver(CompletionHandler handler) {
        int delivered = batch.dispatch(id, handler, listener);
        metrics.completions += delivered;
        return delivered;
    }

    /**
     * Backend hook, called from {@link #drainCompletions}: records one raw completion. Returns false when this drain's
     * list is full; the backend then stops and leaves the rest in its completion queue for the next poll.
     *
     * @param cid              the command id the device reported (anything: it is validated here)
     * @param status           the backend's status mapped to an {@link IoStatus}
     * @param transferredBytes bytes moved, for reads and writes
     * @param detail           the backend's {@link StatusDetail}
     */
    protected final boolean reaped(int cid, IoStatus status, int transferredBytes, int detail) {
        if (rawCount == rawCid.length) {
            return false;
        }
        int i = rawCount++;
        rawCid[i] = cid;
        rawStatus[i] = status;
        rawTransferredBytes[i] = transferredBytes;
        rawDetail[i] = detail;
        return true;
    }

    /** Matches one raw completion to its command; anything that does not match completes nothing. */
    private void match(int cid, IoStatus status, int transferredBytes, int detail, long now) {
        if (!table.inRange(cid)) {
            unmapped(cid, status, detail);
            return;
        }
        int slot = table.slotOf(cid);
        int generation = table.generationOf(cid);
        byte state = table.state[slot];
        boolean current = generation == table.generation[slot];
        if (state == CommandTable.IN_FLIGHT && current) {
            completeInFlight(slot, cid, status, transferredBytes, detail, now);
        } else if (state == CommandTable.FENCED && current) {
            metrics.fencesReleased++;
            table.fencedCount--;
            batch.add(CompletionBatch.FENCE_RELEASED, table.tag[slot], cid, status, transferredBytes, detail, 0);
            releaseSlot(slot);
        } else if (isDuplicate(state, current, generation, slot)) {
            metrics.duplicateCompletions++;
            batch.add(CompletionBatch.DUPLICATE, table.tag[slot], cid, status, transferredBytes, detail, 0);
        } else {
            unmapped(cid, status, detail);
        }
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
        table.inFlightCount--;
        if (status != IoStatus.OK && !closed) {
            long backoff = retryPolicy.backoffNanos(opcode, status, detail, table.attempts[slot]);
            if (backoff >= 0 && now + backoff < table.deadlineNanos[slot]) {
                table.attempts[slot]++;
                table.state[slot] = CommandTable.RETRY_WAIT;
                table.retryWaitCount++;
                long retryAt = now + backoff;
                table.retryAtNanos[slot] = retryAt;
                if (retryAt < earliestRetryNanos) {
                    earliestRetryNanos = retryAt;
                }
                metrics.retries++;
                batch.add(CompletionBatch.RETRY, table.tag[slot], cid, status, table.attempts[slot], detail, backoff);
                return;
            }
        }
        batch.add(CompletionBatch.COMPLETION, table.tag[slot], cid, status,
                status == IoStatus.OK || status == IoStatus.SHORT_TRANSFER ? transferredBytes : 0, detail, 0);
        releaseSlot(slot);
    }

    private void reissueDueRetries(long now) {
        long next = NO_DEADLINE;
        int issued = 0;
        for (int slot = 0; slot < table.depth && table.retryWaitCount > 0; slot++) {
            if (table.state[slot] != CommandTable.RETRY_WAIT) {
                continue;
            }
            long retryAt = table.retryAtNanos[slot];
            if (retryAt <= now) {
                table.retryWaitCount--;
                issueSlot(slot);
                issued++;
            } else if (retryAt < next) {
                next = retryAt;
            }
        }
        earliestRetryNanos = next;
        if (issued > 0) {
            ringDoorbell(issued);
            metrics.doorbells++;
        }
    }

    private void expireDeadlines(long now) {
        long next = NO_DEADLINE;
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
                table.inFlightCount--;
                table.state[slot] = CommandTable.FENCED;
                table.fencedCount++;
                cancel(cid);
            } else {
                // Waiting for a retry: the device holds nothing, so the slot is free at once.
                table.retryWaitCount--;
                releaseSlot(slot);
            }
        }
        earliestDeadlineNanos = next;
    }

    private void releaseSlot(int slot) {
        table.release(slot);
        onSlotReleased(slot);
    }

    // ---------------------------------------------------------------------------------------------- queries

    /** Whether a command with {@code tag} timed out and its buffer is still fenced (linear in the queue depth). */
    public final boolean isFenced(long tag) {
        checkCall();
        for (int slot = 0; slot < table.depth; slot++) {
            if (table.state[slot] == CommandTable.FENCED && table.tag[slot] == tag) {
                return true;
            }
        }
        return false;
    }

    /** Commands timed out whose buffers are still fenced. */
    public final int fencedCount() {
        return table.fencedCount;
    }

    /** Commands submitted and not yet completed to their callers (waiting for a retry included, fenced excluded). */
    public final int inFlightCount() {
        return table.inFlightCount + table.retryWaitCount;
    }

    /** Commands prepared and not yet submitted. */
    public final int preparedCount() {
        return table.preparedCount;
    }

    /** Slots free for new commands. */
    public final int freeSlotCount() {
        return table.freeCount();
    }

    public final int queueDepth() {
        return table.depth;
    }

    public final int id() {
        return id;
    }

    public final String name() {
        return name;
    }

    public final BlockDevice device() {
        return device;
    }

    public final NanoClock clock() {
        return clock;
    }

    /** Counters; readable from any thread (see {@link QueuePairMetrics}). */
    public final QueuePairMetrics metrics() {
        return metrics;
    }

    public final boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------------------------------------- configuration

    public final void retryPolicy(RetryPolicy policy) {
        checkCall();
        if (policy == null) {
            throw new IllegalArgumentException("retry policy is null (use RetryPolicy.NONE)");
        }
        this.retryPolicy = policy;
    }

    public final void listener(QueuePairListener listener) {
        checkCall();
        if (listener == null) {
            throw new IllegalArgumentException("listener is null (use QueuePairListener.NONE)");
        }
        this.listener = listener;
    }

    /** The thread allowed to call this queue pair: the one that opened it, unless ownership was transferred. */
    public final Thread ownerThread() {
        return owner.owner();
    }

    /**
     * Hands the queue pair to {@code next} (for example from the thread that opened it to a reactor thread). Only the
     * current owner may call it; the caller must then publish the queue pair to {@code next} safely (a thread start,
     * a volatile write, a concurrent queue).
     */
    public final void transferOwnership(Thread next) {
        owner.transferTo(next);
    }

    /** Throws {@link dev.pagestore.ipc.owner.OwnerThreadException} unless the caller is the owner thread. */
    public final void checkOwnerThread() {
        owner.check();
    }

    private void checkCall() {
        owner.check();
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    // ---------------------------------------------------------------------------------------------- close

    /**
     * Closes the queue pair: prepared commands complete as {@link IoStatus#ABORTED}; in-flight commands are drained
     * (polled, completions delivered, no retries) for at most {@code drainTimeoutNanos} of real time; what remains
     * is completed as {@link IoStatus#ABORTED} and the backend is closed, after which the device touches no caller
     * buffer. Returns the number of commands failed by close. Idempotent.
     */
    public final int close(CompletionHandler handler, long drainTimeoutNanos) {
        owner.check();
        if (closed) {
            return 0;
        }
        if (handler == null) {
            throw new IllegalArgumentException("handler is null (use CompletionHandler.DISCARD)");
        }
        if (inPoll) {
            throw new IllegalStateException(name + ": close called from inside a completion handler");
        }
        int failed = 0;
        closed = true;  // from here, failures are not retried
        CompletionHandler counting = countingHandler(handler);
        if (batch.hasUndelivered()) {
            deliver(counting);  // what a throwing handler left behind comes first
        }
        for (int i = 0; i < table.preparedCount; i++) {
            int slot = preparedSlots[i];
            batch.add(CompletionBatch.COMPLETION, table.tag[slot], table.cid(slot), IoStatus.ABORTED, 0,
                    StatusDetail.NONE, 0);
            releaseSlot(slot);
            failed++;
        }
        table.preparedCount = 0;
        for (int slot = 0; slot < table.depth && table.retryWaitCount > 0; slot++) {
            if (table.state[slot] == CommandTable.RETRY_WAIT) {
                table.retryWaitCount--;
                batch.add(CompletionBatch.COMPLETION, table.tag[slot], table.cid(slot), IoStatus.ABORTED, 0,
                        StatusDetail.NONE, 0);
                releaseSlot(slot);
                failed++;
            }
        }
        inPoll = true;
        try {
            deliver(counting);
            long drainEnd = System.nanoTime() + Math.max(0, drainTimeoutNanos);
            // Bounded: ends when nothing is in flight or fenced, or at the drain deadline.
            while (table.inFlightCount + table.fencedCount > 0 && System.nanoTime() - drainEnd < 0) {
                collect(rawCid.length);
                if (deliver(counting) == 0 && batch.size() == 0) {
                    Thread.onSpinWait();
                }
            }
            for (int slot = 0; slot < table.depth; slot++) {
                byte state = table.state[slot];
                if (state == CommandTable.IN_FLIGHT) {
                    table.inFlightCount--;
                    batch.add(CompletionBatch.COMPLETION, table.tag[slot], table.cid(slot), IoStatus.ABORTED, 0,
                            StatusDetail.NONE, 0);
                    releaseSlot(slot);
                    failed++;
                } else if (state == CommandTable.FENCED) {
                    table.fencedCount--;  // already completed to its caller as TIMEOUT
                    releaseSlot(slot);
                }
            }
            metrics.abortedOnClose += failed;
            deliver(counting);
        } finally {
            inPoll = false;
            closeBackend();
        }
        return failed;
    }

    private CompletionHandler countingHandler(CompletionHandler handler) {
        if (handler != CompletionHandler.DISCARD) {
            return handler;
        }
        return (tag, status, transferredBytes, detail) -> metrics.discardedOnClose++;
    }

    /**
     * Closes with {@link #DEFAULT_CLOSE_DRAIN_NANOS} of drain and nobody to deliver to: drained and aborted commands
     * are counted in {@link QueuePairMetrics#discardedOnClose()}. Prefer {@link #close(CompletionHandler, long)}.
     */
    @Override
    public final void close() {
        close(CompletionHandler.DISCARD, DEFAULT_CLOSE_DRAIN_NANOS);
    }

    // ---------------------------------------------------------------------------------------------- backend hooks

    /**
     * Puts one command in the backend's submission queue without telling the device. {@code buffer} is null for
     * flush and write-zeroes. Called on the owner thread, possibly several times before one {@link #ringDoorbell}.
     */
    protected abstract void issue(int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes);

    /**
     * Tells the device about the {@code issuedCount} commands issued since the last doorbell: one doorbell (one
     * {@code io_uring_enter}, one SQ tail write). A command the backend cannot hand to the device must still be
     * completed, with an error status, through a later {@link #drainCompletions}; it must never be dropped.
     */
    protected abstract void ringDoorbell(int issuedCount);

    /**
     * Moves up to {@code max} completions from the device's completion queue into {@link #reaped}, stopping when it
     * returns false. Must not call back into this queue pair otherwise. Returns the number moved. Completions of the
     * backend's own housekeeping (for example an io_uring cancel request's own CQE) are consumed here and not
     * passed on; everything that claims to be a command's completion is passed on unfiltered, so that the command
     * table, not the backend, decides whether it maps to an outstanding command.
     */
    protected abstract int drainCompletions(int max);

    /** Attempts to cancel a timed-out command; its completion (any status) must still arrive. Default: nothing. */
    protected void cancel(int cid) {
    }

    /** A slot's command is finished and its buffer no longer in use by the device. Default: nothing. */
    protected void onSlotReleased(int slot) {
    }

    /** The command slot (0..queueDepth-1) a cid names; backends may index their own per-command state by it. */
    protected final int slotOf(int cid) {
        return table.slotOf(cid);
    }

    /** Releases the backend. When it returns the device must not touch any caller buffer again. */
    protected abstract void closeBackend();

    @Override
    public String toString() {
        return name + " (depth " + table.depth + ", in flight " + inFlightCount() + ", fenced " + fencedCount() + ")";
    }
}
