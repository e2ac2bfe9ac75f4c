package dev.pagestore.nvme;

/**
 * Receives the completions {@link QueuePair#poll} reaps, on the queue pair's owner thread, after the drain of the
 * completion queue has finished (so a handler may prepare and submit new commands, but may not call
 * {@code poll} again). A handler should not throw; if it does, the exception propagates out of {@code poll} and the
 * rest of that poll's batch is delivered by the next {@code poll}, before anything new is reaped.
 */
@FunctionalInterface
public interface CompletionHandler {

    /** Discards completions; used where the caller has nobody to tell (counted in the metrics). */
    CompletionHandler DISCARD = (tag, status, transferredBytes, detail) -> { };

    /**
     * One command finished.
     *
     * @param tag              the caller's tag given when the command was prepared
     * @param status           the outcome; {@link IoStatus#TIMEOUT}: not done within its deadline, and the buffer may
     *                         still be fenced ({@link QueuePair#isFenced}, {@link QueuePairListener#onFenceReleased})
     * @param transferredBytes bytes moved for reads and writes that reached the device, else 0
     * @param detail           the backend's own status, decoded by {@link StatusDetail}
     */
    void onCompletion(long tag, IoStatus status, int transferredBytes, int detail);
}
