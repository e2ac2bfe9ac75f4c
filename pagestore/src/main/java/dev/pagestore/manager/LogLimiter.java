package dev.pagestore.manager;

/**
 * At most one log line per interval for one kind of event that a worker can cause at will (a malformed request, a
 * checksum mismatch, a broken ring): a faulting or hostile worker must not be able to fill the manager's log, or slow
 * the reactor with logging, at the rate it posts requests. The events themselves are counted in the status region; the
 * line that is let through says how many were left out since the last one.
 *
 * <p>Thread safety: one owner thread.
 */
final class LogLimiter {
    private final long intervalNanos;
    private long nextAllowedNanos;
    private long suppressed;

    LogLimiter(long intervalNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("intervalNanos=" + intervalNanos + " must be positive");
        }
        this.intervalNanos = intervalNanos;
        this.nextAllowedNanos = System.nanoTime();  // the first event is logged
    }

    /**
     * Whether this event may be logged now. When it may, {@link #suppressedSinceLast()} says how many were not; when
     * it may not, the event is counted as suppressed.
     */
    boolean allow(long nowNanos) {
        if (nowNanos - nextAllowedNanos >= 0) {
            nextAllowedNanos = nowNanos + intervalNanos;
            return true;
        }
        suppressed++;
        return false;
    }

    /** Events not logged since the last one that was; resets the count. */
    long suppressedSinceLast() {
        long n = suppressed;
        suppressed = 0;
        return n;
    }
}
