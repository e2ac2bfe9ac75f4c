package dev.pagestore.ipc.control;

/**
 * At most a few log lines per interval for one kind of event that a peer can cause at will: a malformed frame, a
 * refused attach, a false pid claim, a broken ring, even a routine attach repeated in a loop. A faulting or hostile
 * worker must not be able to fill the manager's log, or slow the thread that serves it with logging, at the rate it
 * can connect or post requests. The events themselves are counted where {@code pagestore stat} shows them; the line
 * that is let through says how many were left out since the last one.
 *
 * <p>Each kind of event has its own limiter, so a flood of one kind hides no line of another. Intervals are fixed
 * windows: at most {@code linesPerInterval} lines from the first event of a window until {@code intervalNanos} later.
 *
 * <p>Thread safety: one owner thread (the control thread, or a reactor).
 */
public final class LogLimiter {
    private final long intervalNanos;
    private final int linesPerInterval;
    private boolean started;
    private long windowStartNanos;
    private int linesInWindow;
    private long suppressed;

    /** One line per {@code intervalNanos}. */
    public LogLimiter(long intervalNanos) {
        this(intervalNanos, 1);
    }

    /** {@code linesPerInterval} lines per {@code intervalNanos}, for routine events that come in bursts. */
    public LogLimiter(long intervalNanos, int linesPerInterval) {
        if (intervalNanos <= 0 || linesPerInterval <= 0) {
            throw new IllegalArgumentException("intervalNanos=" + intervalNanos + " and linesPerInterval="
                    + linesPerInterval + " must be positive");
        }
        this.intervalNanos = intervalNanos;
        this.linesPerInterval = linesPerInterval;
    }

    /**
     * Whether this event may be logged now. When it may, {@link #suppressedSinceLast()} says how many were not; when
     * it may not, the event is counted as suppressed.
     */
    public boolean allow(long nowNanos) {
        if (!started || nowNanos - windowStartNanos >= intervalNanos) {  // a difference: nanoTime may be negative
            started = true;
            windowStartNanos = nowNanos;
            linesInWindow = 0;
        }
        if (linesInWindow < linesPerInterval) {
            linesInWindow++;
            return true;
        }
        suppressed++;
        return false;
    }

    /**
     * For the end of the line let through: {@code ""} when no event was left out since the last line, else
     * {@code " (N more WHAT)"}, for example {@code leftOut("protocol errors not logged")}. Resets the count.
     */
    public String leftOut(String what) {
        long n = suppressedSinceLast();
        return n == 0 ? "" : " (" + n + " more " + what + ")";
    }

    /** Events not logged since the last one that was; resets the count. */
    public long suppressedSinceLast() {
        long n = suppressed;
        suppressed = 0;
        return n;
    }
}
