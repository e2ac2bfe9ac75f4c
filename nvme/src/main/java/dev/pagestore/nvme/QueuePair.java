package dev.pagestore.nvme;

import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.ipc.owner.SingleOwner;
import java.lang.foreign.MemorySegment;

import static dev.pagestore.nvme.CommandChecks.requireArgument;

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
 *   <li>Failures the {@link RetryPolicy} calls transient are retried with back-off, within the deadline; one with
 *       no time left for its retry completes as {@link IoStatus#TIMEOUT}, not fenced.</li>
 *   <li>{@link #close(CompletionHandler, long)} fails prepared commands, drains in-flight ones for a bounded time,
 *       then fails the rest as {@link IoStatus#ABORTED}; after it returns the device touches no caller buffer.</li>
 * </ul>
 * Nothing is allocated per I/O: the command table and the completion batch are sized by the queue depth.
 *
 * <h2>Parts</h2>
 * This class checks every call (owner thread, arguments, re-entry) and hands it to its {@link CommandEngine}, which
 * runs the {@link CommandTable}'s state diagram; a {@link QueueBackend} moves commands to one kind of device and
 * brings their completions back, so every backend behaves the same under the contract test suite.
 */
public final class QueuePair implements AutoCloseable {
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
    private final QueuePairMetrics metrics = new QueuePairMetrics();
    private final QueueBackend backend;
    private final CommandEngine engine;
    private final CommandTable table;

    private QueuePairListener listener = QueuePairListener.NONE;
    private boolean inPoll;
    private boolean closed;

    /**
     * @param device     the device this queue pair belongs to; its geometry bounds every command
     * @param id         the queue pair's id on the device (NVMe queue id, io_uring ring number)
     * @param queueDepth the number of commands that may be outstanding at once, 1..4096
     * @param clock      the time source for deadlines and back-off
     * @param backend    how commands reach the device; owned by this queue pair from here on (closed with it)
     */
    public QueuePair(BlockDevice device, int id, int queueDepth, NanoClock clock, QueueBackend backend) {
        requireArgument(device != null && clock != null && backend != null, "device, clock and backend are required");
        this.backend = backend;
        this.device = device;
        this.id = id;
        this.name = "QueuePair " + id + " of " + device.name();
        this.clock = clock;
        this.owner = SingleOwner.ofCurrentThread(name, QUEUE_PAIR_ADVICE);
        this.engine = new CommandEngine(queueDepth, backend, clock, metrics);
        this.table = engine.table();
    }

    // ---------------------------------------------------------------------------------------------- preparation

    /** Prepares a read of {@code lengthBytes} at {@code deviceOffset} into {@code buffer}; false when full. */
    public boolean prepareRead(long tag, MemorySegment buffer, long deviceOffset, int lengthBytes,
            long deadlineNanos) {
        checkCall();
        CommandChecks.checkData(device, buffer, deviceOffset, lengthBytes);
        return engine.prepare(tag, IoOpcode.READ, buffer, deviceOffset, lengthBytes, deadlineNanos);
    }

    /** Prepares a write of {@code lengthBytes} from {@code buffer} to {@code deviceOffset}; false when full. */
    public boolean prepareWrite(long tag, MemorySegment buffer, long deviceOffset, int lengthBytes,
            long deadlineNanos) {
        checkCall();
        CommandChecks.checkData(device, buffer, deviceOffset, lengthBytes);
        return engine.prepare(tag, IoOpcode.WRITE, buffer, deviceOffset, lengthBytes, deadlineNanos);
    }

    /** Prepares a flush: when it completes OK, every write completed before it was submitted is durable. */
    public boolean prepareFlush(long tag, long deadlineNanos) {
        checkCall();
        return engine.prepare(tag, IoOpcode.FLUSH, null, 0, 0, deadlineNanos);
    }

    /**
     * Prepares writing zeroes over a range, without a buffer.
     *
     * @throws UnsupportedOperationException when {@link BlockDevice#supportsWriteZeroes()} is false
     */
    public boolean prepareWriteZeroes(long tag, long deviceOffset, int lengthBytes, long deadlineNanos) {
        checkCall();
        if (!device.supportsWriteZeroes()) {
            throw new UnsupportedOperationException(device.name() + " does not support write-zeroes");
        }
        CommandChecks.checkRange(device, deviceOffset, lengthBytes);
        return engine.prepare(tag, IoOpcode.WRITE_ZEROES, null, deviceOffset, lengthBytes, deadlineNanos);
    }

    // ---------------------------------------------------------------------------------------------- submission

    /** Hands every prepared command to the device with one doorbell; returns how many (0 rings none). */
    public int submit() {
        checkCall();
        int count = engine.issuePrepared();
        if (count > 0) {
            backend.ringDoorbell(count);
            metrics.doorbells++;
        }
        return count;
    }

    /**
     * {@link #submit()} and a wait of at most {@code timeoutNanos} for a completion, in one call to the kernel where
     * the backend can: the loop of an owner with nothing else to do between batches. The wait is skipped when
     * completions are ready or nothing is outstanding. Bound {@code timeoutNanos} by the nearest command deadline
     * (deadlines are checked only while polling). Returns the number of commands submitted.
     */
    public int submitAndAwait(long timeoutNanos) {
        checkCall();
        requireArgument(timeoutNanos >= 0, "timeoutNanos=%d is negative", timeoutNanos);
        int count = engine.issuePrepared();
        backend.ringDoorbellAndAwait(count, timeoutNanos);
        if (count > 0) {
            metrics.doorbells++;
        }
        return count;
    }

    /** Waits at most {@code timeoutNanos} until a completion is ready to {@link #poll}; at once when none can come. */
    public void awaitCompletions(long timeoutNanos) {
        checkCall();
        requireArgument(timeoutNanos >= 0, "timeoutNanos=%d is negative", timeoutNanos);
        backend.awaitCompletions(timeoutNanos);
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
    public int poll(int max, CompletionHandler handler) {
        checkCall();
        requireArgument(max > 0, "max=%d must be positive", max);
        requireArgument(handler != null, "handler is null");
        if (inPoll) {
            throw new IllegalStateException(name + ": poll called from inside a completion handler");
        }
        inPoll = true;
        try {
            if (engine.hasUndelivered()) {
                // a callback threw last time: finish that batch before reaping more
                return engine.deliver(id, handler, listener);
            }
            engine.collect(max);
            return engine.deliver(id, handler, listener);
        } finally {
            inPoll = false;
        }
    }

    // ---------------------------------------------------------------------------------------------- queries

    /** Whether a command with {@code tag} timed out and its buffer is still fenced (linear in the queue depth). */
    public boolean isFenced(long tag) {
        checkCall();
        return engine.isFenced(tag);
    }

    /** Commands timed out whose buffers are still fenced. */
    public int fencedCount() {
        return table.fencedCount;
    }

    /** Commands submitted and not yet completed to their callers (waiting for a retry included, fenced excluded). */
    public int inFlightCount() {
        return table.inFlightCount + table.retryWaitCount;
    }

    /** Commands prepared and not yet submitted. */
    public int preparedCount() {
        return table.preparedCount;
    }

    /** Slots free for new commands. */
    public int freeSlotCount() {
        return table.freeCount();
    }

    public int queueDepth() {
        return table.depth;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public BlockDevice device() {
        return device;
    }

    public NanoClock clock() {
        return clock;
    }

    /** Counters; readable from any thread (see {@link QueuePairMetrics}). */
    public QueuePairMetrics metrics() {
        return metrics;
    }

    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------------------------------------- configuration

    public void retryPolicy(RetryPolicy policy) {
        checkCall();
        requireArgument(policy != null, "retry policy is null (use RetryPolicy.NONE)");
        engine.retryPolicy(policy);
    }

    public void listener(QueuePairListener listener) {
        checkCall();
        requireArgument(listener != null, "listener is null (use QueuePairListener.NONE)");
        this.listener = listener;
    }

    /** The thread allowed to call this queue pair: the one that opened it, unless ownership was transferred. */
    public Thread ownerThread() {
        return owner.owner();
    }

    /**
     * Hands the queue pair to {@code next} (for example from the thread that opened it to a reactor thread). Only the
     * current owner may call it; the caller must then publish the queue pair to {@code next} safely (a thread start,
     * a volatile write, a concurrent queue).
     */
    public void transferOwnership(Thread next) {
        owner.transferTo(next);
    }

    /** Throws {@link dev.pagestore.ipc.owner.OwnerThreadException} unless the caller is the owner thread. */
    public void checkOwnerThread() {
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
    public int close(CompletionHandler handler, long drainTimeoutNanos) {
        owner.check();
        if (closed) {
            return 0;
        }
        requireArgument(handler != null, "handler is null (use CompletionHandler.DISCARD)");
        if (inPoll) {
            throw new IllegalStateException(name + ": close called from inside a completion handler");
        }
        closed = true;  // from here, failures are not retried
        CompletionHandler counting = countingHandler(handler);
        if (engine.hasUndelivered()) {
            engine.deliver(id, counting, listener);  // what a throwing handler left behind comes first
        }
        int failed = engine.abortUnsubmitted();
        inPoll = true;
        try {
            failed += engine.drainThenAbort(drainTimeoutNanos, id, counting, listener);
            metrics.abortedOnClose += failed;
        } finally {
            inPoll = false;
            backend.close();
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
    public void close() {
        close(CompletionHandler.DISCARD, DEFAULT_CLOSE_DRAIN_NANOS);
    }

    // ---------------------------------------------------------------------------------------------- the backend

    /**
     * Registers {@code region} (native memory: a buffer slab, a {@code /dev/shm} mapping, mapped until it is detached)
     * for cheaper I/O into it while this queue pair runs. Returns a handle for {@link #detachBuffer}, or -1 when the
     * backend could not (I/O into it still works; {@link #bufferRegistrationFailure()} says why).
     */
    public int attachBuffer(MemorySegment region) {
        checkCall();
        requireArgument(region != null, "region is null");
        return backend.attachBuffer(region);
    }

    /** Takes back a handle of {@link #attachBuffer}; commands in flight into the region still complete. */
    public void detachBuffer(int handle) {
        checkCall();
        backend.detachBuffer(handle);
    }

    /** Why {@link #attachBuffer} last returned -1, or empty. */
    public String bufferRegistrationFailure() {
        return backend.bufferRegistrationFailure();
    }

    /**
     * Makes the next {@link #submitAndAwait} also return when another thread or process wakes one of {@code count}
     * futex words described by {@code waiters} (a {@code futex_waitv} array): an owner then sleeps on its device and
     * on its rings at once. Stays armed until one word is woken, or did not hold its expected value; then
     * {@link #futexWatchArmed()} turns false at a poll. Returns false when the backend cannot (sleep elsewhere).
     */
    public boolean armFutexWatch(MemorySegment waiters, int count) {
        checkCall();
        return backend.armFutexWatch(waiters, count);
    }

    /** Whether a watch armed by {@link #armFutexWatch} has not completed yet, as far as polled. */
    public boolean futexWatchArmed() {
        return backend.futexWatchArmed();
    }

    /** Whether {@link #armFutexWatch} can work on this backend and kernel. */
    public boolean futexWatchSupported() {
        return backend.futexWatchSupported();
    }

    /** The backend, for its own counters and settings (the command path never needs it). */
    public QueueBackend backend() {
        return backend;
    }

    @Override
    public String toString() {
        return name + " (depth " + table.depth + ", in flight " + inFlightCount() + ", fenced " + fencedCount() + ")";
    }
}
