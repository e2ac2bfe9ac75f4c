package dev.pagestore.torture;

/**
 * One operation on one page as a worker recorded it, for {@link RegisterChecker}: what it did, the value written or
 * read, and when it was invoked and completed on one clock ({@link System#nanoTime()}, which is
 * {@code CLOCK_MONOTONIC} and shared by every process of the machine).
 *
 * <p>Values name writes: every write of a history writes a value no other write of that page writes (a worker
 * stamps each page image with its process, its thread and a sequence), and {@link #INITIAL} is the value of a page
 * never written.
 *
 * @param process       the worker process (for messages)
 * @param page          the page
 * @param write         a write (else a read)
 * @param value         the value written, or the value the read returned
 * @param invokeNanos   when the call was made
 * @param completeNanos when its outcome was known (for {@link Outcome#UNKNOWN}: when the worker gave up on it)
 * @param outcome       what became of it
 */
public record PageOperation(int process, long page, boolean write, long value, long invokeNanos, long completeNanos,
        Outcome outcome) {
    /** The value of a page that was never written. */
    public static final long INITIAL = 0;

    /** What became of an operation. */
    public enum Outcome {
        /** Acknowledged: a write is durable, a read returned {@link #value}. */
        OK,
        /** Refused before anything was sent (a full ring, an argument): certainly not applied. */
        FAILED,
        /** No answer (a timeout, the manager's death): a write may or may not have happened; a read tells nothing. */
        UNKNOWN
    }

    public PageOperation {
        if (completeNanos < invokeNanos) {
            throw new IllegalArgumentException("completeNanos=" + completeNanos + " before invokeNanos="
                    + invokeNanos);
        }
        if (write && value == INITIAL) {
            throw new IllegalArgumentException("a write of value " + INITIAL + ", which names the unwritten page");
        }
        java.util.Objects.requireNonNull(outcome, "outcome");
    }

    public static PageOperation write(int process, long page, long value, long invokeNanos, long completeNanos,
            Outcome outcome) {
        return new PageOperation(process, page, true, value, invokeNanos, completeNanos, outcome);
    }

    public static PageOperation read(int process, long page, long value, long invokeNanos, long completeNanos) {
        return new PageOperation(process, page, false, value, invokeNanos, completeNanos, Outcome.OK);
    }
}
