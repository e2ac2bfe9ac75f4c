package dev.pagestore.ipc.wait;

/**
 * Spins a fixed number of times, then calls {@link Thread#yield()} between checks until the sequence changes or the
 * deadline passes. Gives the CPU to runnable threads but still polls, so an idle end costs scheduler time.
 */
public final class SpinThenYieldWaitStrategy implements WaitStrategy {
    private final int spinIterations;

    SpinThenYieldWaitStrategy(int spinIterations) {
        if (spinIterations < 0) {
            throw new IllegalArgumentException("spinIterations=" + spinIterations + " must not be negative");
        }
        this.spinIterations = spinIterations;
    }

    @Override
    public WaitOutcome await(WaitPoint point, long seen, long deadlineNanos) {
        for (int spins = 0; spins < spinIterations; spins++) {
            if (point.sequenceAcquire() != seen) {
                return WaitOutcome.CHANGED;
            }
            Thread.onSpinWait();
        }
        while (true) {
            if (point.sequenceAcquire() != seen) {
                return WaitOutcome.CHANGED;
            }
            if (deadlineNanos - System.nanoTime() <= 0) {
                return WaitOutcome.TIMED_OUT;
            }
            Thread.yield();
        }
    }

    @Override
    public String toString() {
        return "spin-then-yield(" + spinIterations + ")";
    }
}
