package dev.pagestore.ipc.wait;

/**
 * Spins on the sequence with {@link Thread#onSpinWait()} until it changes or the deadline passes. Never sleeps, so the
 * peer's {@code wakeIfWaiting} never finds a flag raised by this end. Keeps a core at 100% while idle: choose it only
 * for pinned deployments.
 */
public final class BusySpinWaitStrategy implements WaitStrategy {
    static final BusySpinWaitStrategy INSTANCE = new BusySpinWaitStrategy();
    /** Read the clock once per this many spins: {@code nanoTime} costs about as much as a few dozen spins. */
    private static final int CLOCK_CHECK_INTERVAL = 64;

    private BusySpinWaitStrategy() {
    }

    @Override
    public WaitOutcome await(WaitPoint point, long seen, long deadlineNanos) {
        for (int spins = 0; ; spins++) {
            if (point.sequenceAcquire() != seen) {
                return WaitOutcome.CHANGED;
            }
            if ((spins & (CLOCK_CHECK_INTERVAL - 1)) == 0 && deadlineNanos - System.nanoTime() <= 0) {
                return WaitOutcome.TIMED_OUT;
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public String toString() {
        return "busy-spin";
    }
}
