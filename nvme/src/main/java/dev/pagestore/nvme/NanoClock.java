package dev.pagestore.nvme;

/**
 * The time source for deadlines and retry back-off: {@link System#nanoTime()} in production, a manual clock in tests
 * that need deterministic timeouts ({@code dev.pagestore.nvme.sim.ManualClock}).
 */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    /** Monotonic nanoseconds, with the same meaning as {@link System#nanoTime()}. */
    long nanoTime();
}
