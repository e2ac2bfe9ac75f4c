package dev.pagestore.nvme.uring;

/**
 * Receives completions from {@link IoUring#reap(int, CqeHandler)}, on the ring's owner thread, after the
 * whole batch has been drained from the completion queue (no re-entry: a handler may prepare and submit, but must not
 * reap or close the ring).
 */
@FunctionalInterface
public interface CqeHandler {
    /**
     * @param callerId the id passed when the operation was prepared
     * @param op       the operation that completed
     * @param result   bytes transferred (READ/WRITE), 0 (FSYNC, a woken futex wait, a cancel that found its target), or {@code -errno}; classify with
     *                 {@link CompletionStatus#of(UringOp, int)}
     */
    void onCompletion(long callerId, UringOp op, int result);
}
