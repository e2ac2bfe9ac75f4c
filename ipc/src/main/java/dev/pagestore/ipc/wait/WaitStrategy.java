package dev.pagestore.ipc.wait;

/**
 * How a ring end waits for the other process to move a shared sequence.
 *
 * <p>Contract: {@link #await} returns {@link WaitOutcome#CHANGED} as soon as it observes the sequence holding a value
 * other than {@code seen} (any value: the caller validates it), and {@link WaitOutcome#TIMED_OUT} once
 * {@code System.nanoTime()} has reached {@code deadlineNanos} without such an observation. It never returns early for
 * any other reason and never loops past the deadline by more than one sleep slice. Strategies hold configuration only,
 * so one instance may be shared by many threads; per-end state lives in the {@link WaitPoint}.
 *
 * <p>Choice: {@link #blocking()} is the default, because it does not keep a core busy when idle (2-core machines);
 * {@link #busySpin()} is for pinned deployments with a core to spare; {@link #spinThenYield(int)} sits between.
 */
public interface WaitStrategy {

    /**
     * Waits until the sequence at {@code point} differs from {@code seen}, or until {@code deadlineNanos}
     * ({@link System#nanoTime()} based; compared overflow-safe as {@code deadlineNanos - now <= 0}).
     */
    WaitOutcome await(WaitPoint point, long seen, long deadlineNanos);

    /** Spins on the sequence with {@link Thread#onSpinWait()}; lowest latency, burns a core while waiting. */
    static WaitStrategy busySpin() {
        return BusySpinWaitStrategy.INSTANCE;
    }

    /** Spins {@code spinIterations} times, then yields the CPU between checks. */
    static WaitStrategy spinThenYield(int spinIterations) {
        return new SpinThenYieldWaitStrategy(spinIterations);
    }

    /** Spins briefly, then sleeps in {@code futex} until woken: idle costs no CPU. The default. */
    static WaitStrategy blocking() {
        return BlockingWaitStrategy.DEFAULT;
    }

    /** Blocking with a chosen spin budget; {@code 0} sleeps at the first miss (tests use it to force the sleep path). */
    static WaitStrategy blocking(int spinIterations) {
        return new BlockingWaitStrategy(spinIterations);
    }

    /** The strategy to use when nobody chose one: {@link #blocking()}. */
    static WaitStrategy defaultStrategy() {
        return blocking();
    }
}
