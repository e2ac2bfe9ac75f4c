package dev.pagestore.torture.loop;

/**
 * How long a loop runs: until {@code iterations} are done, or until {@code deadlineNanos} ({@link System#nanoTime()})
 * passes, whichever comes first; an iteration in progress is always finished.
 */
record Budget(long iterations, long deadlineNanos) {
    static final long UNBOUNDED = Long.MAX_VALUE;

    /** Whether iteration {@code done + 1} may start. */
    boolean allowsAnother(long done) {
        return done < iterations && System.nanoTime() - deadlineNanos < 0;
    }
}
