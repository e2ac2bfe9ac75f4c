package dev.pagestore.nvme;

import java.lang.foreign.MemorySegment;

/**
 * How commands reach one device and how their completions come back: the part of a {@link QueuePair} that differs
 * between io_uring, the synchronous file backend and the simulated controller. The queue pair keeps everything else
 * (command table, owner thread, deadlines, fences, retries, matching completions to commands), so every backend
 * behaves the same under the contract tests. A backend is called only by its queue pair, on the owner thread, and
 * never calls the queue pair back except through the {@link Reaped} sink of one {@link #drain}.
 *
 * <p>The waiting methods have defaults for a backend whose doorbell runs commands to completion (nothing to wait
 * for, nothing to register); a backend with a kernel queue overrides them.
 */
public interface QueueBackend {

    /** Where {@link #drain} hands each raw completion; {@code false} when the poll's batch is full. */
    @FunctionalInterface
    interface Reaped {
        /**
         * @param cid              the command id the device reported (anything: the queue pair validates it)
         * @param status           the device's status mapped to an {@link IoStatus}
         * @param transferredBytes bytes moved, for reads and writes
         * @param detail           the backend's {@link StatusDetail}
         */
        boolean reaped(int cid, IoStatus status, int transferredBytes, int detail);
    }

    /**
     * Puts one command in the submission queue without telling the device. {@code slot} (0..depth-1) names the
     * command's table row, for the backend's own per-command state; {@code cid} is what its completion must carry.
     * {@code buffer} is null for flush and write-zeroes. May be called several times before one doorbell.
     */
    void issue(int slot, int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes);

    /**
     * Tells the device about the {@code issuedCount} commands issued since the last doorbell, at one cost (one
     * {@code io_uring_enter}, one tail write). A command the backend cannot hand to the device must still come back,
     * with an error status, through a later {@link #drain}; it is never dropped.
     */
    void ringDoorbell(int issuedCount);

    /**
     * Moves up to {@code max} completions into {@code into}, stopping early when it returns false, and returns how many
     * it moved. Completions of the backend's own housekeeping (a cancel request's own completion) are consumed here;
     * everything that claims to be a command's completion is passed on unfiltered, so that the command table, not the
     * backend, decides whether it maps to an outstanding command.
     */
    int drain(int max, Reaped into);

    /** Attempts to cancel a timed-out command; its completion (any status) must still arrive. */
    default void cancel(int slot, int cid) {
    }

    /** The command in {@code slot} is finished and its buffer no longer in the device's use. */
    default void released(int slot) {
    }

    /** Releases the device side. When it returns the device must not touch any caller buffer again. */
    void close();

    /**
     * {@link #ringDoorbell} and, unless completions are ready or nothing is outstanding, a wait of at most
     * {@code timeoutNanos} for one, in one call to the kernel where the backend can.
     */
    default void ringDoorbellAndAwait(int issuedCount, long timeoutNanos) {
        if (issuedCount > 0) {
            ringDoorbell(issuedCount);
        }
    }

    /** Waits at most {@code timeoutNanos} until a completion is ready to drain; at once when none can come. */
    default void awaitCompletions(long timeoutNanos) {
    }

    /** Registers caller memory for cheaper I/O into it: a handle for {@link #detachBuffer}, or -1 when it cannot. */
    default int attachBuffer(MemorySegment region) {
        return -1;
    }

    /** Takes back a handle of {@link #attachBuffer}. */
    default void detachBuffer(int handle) {
    }

    /** Why {@link #attachBuffer} last returned -1, or empty. */
    default String bufferRegistrationFailure() {
        return "this backend has no buffers to register";
    }

    /**
     * Makes the next wait also end when one of {@code count} futex words in {@code waiters} (a {@code futex_waitv}
     * array) is woken; {@code false} when the backend cannot (the caller then sleeps on the words itself).
     */
    default boolean armFutexWatch(MemorySegment waiters, int count) {
        return false;
    }

    /** Whether an armed futex watch has not completed yet, as far as drained. */
    default boolean futexWatchArmed() {
        return false;
    }

    /** Whether {@link #armFutexWatch} can work here at all. */
    default boolean futexWatchSupported() {
        return false;
    }
}
