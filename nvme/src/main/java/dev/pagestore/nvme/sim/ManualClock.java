package dev.pagestore.nvme.sim;

import dev.pagestore.nvme.NanoClock;

/**
 * A {@link NanoClock} that moves only when told to: deadlines and retry back-off become deterministic in tests.
 * Thread-safe.
 */
public final class ManualClock implements NanoClock {
    private volatile long nanos;

    public ManualClock(long startNanos) {
        this.nanos = startNanos;
    }

    public ManualClock() {
        this(1_000_000_000L);
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    /** Moves the clock forward. */
    public synchronized void advanceNanos(long deltaNanos) {
        if (deltaNanos < 0) {
            throw new IllegalArgumentException("deltaNanos=" + deltaNanos + " is negative: time does not go back");
        }
        nanos += deltaNanos;
    }
}
