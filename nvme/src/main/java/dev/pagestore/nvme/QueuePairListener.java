package dev.pagestore.nvme;

/**
 * Events a {@link QueuePair} reports besides completions: the things that must never pass silently. Called on the
 * owner thread, outside the completion-queue drain, in the order they were found. Every event is also counted in
 * {@link QueuePairMetrics}. All methods default to doing nothing.
 */
public interface QueuePairListener {

    QueuePairListener NONE = new QueuePairListener() { };

    /**
     * A completion carried a command id that maps to no outstanding command (SPDK's {@code cpl does not map to
     * outstanding cmd}). No command was completed by it.
     *
     * @param queuePairId the queue pair's id
     * @param cid         the command id the device reported
     * @param status      the status the completion carried
     * @param detail      its {@link StatusDetail}
     */
    default void onUnmappedCompletion(int queuePairId, int cid, IoStatus status, int detail) {
    }

    /** A second completion arrived for a command that had already completed. No command was completed by it. */
    default void onDuplicateCompletion(int queuePairId, int cid, long tag) {
    }

    /** A command passed its deadline and was completed to its caller as {@link IoStatus#TIMEOUT}. */
    default void onTimeout(int queuePairId, int cid, long tag) {
    }

    /**
     * The device's real completion for a timed-out command arrived: its buffer is no longer fenced and may be reused.
     *
     * @param status the status the device finally reported
     */
    default void onFenceReleased(int queuePairId, int cid, long tag, IoStatus status) {
    }

    /** A transient failure will be retried after {@code backoffNanos}. */
    default void onRetry(int queuePairId, int cid, long tag, IoStatus status, int attempt, long backoffNanos) {
    }
}
