package dev.pagestore.nvme;

/**
 * Decides whether a failed command is retried and after how long. Consulted on the owner thread for every failed
 * completion before it reaches the caller; a retried command keeps its slot, buffer and deadline and is resubmitted
 * by a later {@link QueuePair#poll} once its back-off has passed (never past its deadline).
 */
@FunctionalInterface
public interface RetryPolicy {

    /** Never retry: every failure reaches the caller at once. */
    RetryPolicy NONE = (opcode, status, detail, attempt) -> -1;

    /**
     * The back-off before the next attempt, or a negative number for no retry.
     *
     * @param opcode  the failed command
     * @param status  the failure
     * @param detail  the backend's {@link StatusDetail}
     * @param attempt how many times the command has been retried so far (0 after the first failure)
     */
    long backoffNanos(IoOpcode opcode, IoStatus status, int detail, int attempt);

    /**
     * Bounded exponential back-off: statuses that are {@link IoStatus#transientByDefault() transient} and not marked
     * do-not-retry are retried up to {@code maxRetries} times, waiting {@code baseNanos * 2^attempt}, at most
     * {@code maxBackoffNanos}. A failed {@link IoOpcode#FLUSH} is never retried: after a failed {@code fsync}
     * Linux may drop the dirty pages and report the next {@code fsync} as a success, so a retried flush can claim
     * durability for data that is gone (PostgreSQL's "fsyncgate", 2018). Reads, full writes and write-zeroes are
     * idempotent and safe to retry.
     */
    static RetryPolicy exponential(int maxRetries, long baseNanos, long maxBackoffNanos) {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries=" + maxRetries + " is negative");
        }
        if (baseNanos < 0 || maxBackoffNanos < baseNanos) {
            throw new IllegalArgumentException("baseNanos=" + baseNanos + " and maxBackoffNanos=" + maxBackoffNanos
                    + " must satisfy 0 <= base <= max");
        }
        return (opcode, status, detail, attempt) -> {
            if (opcode == IoOpcode.FLUSH || !status.transientByDefault() || StatusDetail.doNotRetry(detail)
                    || attempt >= maxRetries) {
                return -1;
            }
            long backoff = attempt >= 62 ? maxBackoffNanos : baseNanos << attempt;
            return backoff < 0 || backoff > maxBackoffNanos ? maxBackoffNanos : backoff;
        };
    }

    /** The default: 3 retries, 50 µs doubling to at most 5 ms. */
    static RetryPolicy defaultPolicy() {
        return exponential(3, 50_000, 5_000_000);
    }
}
