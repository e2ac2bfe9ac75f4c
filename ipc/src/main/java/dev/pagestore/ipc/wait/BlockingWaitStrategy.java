package dev.pagestore.ipc.wait;

/**
 * Spins briefly, then sleeps in {@code futex(FUTEX_WAIT)} on the sequence until the other side wakes it.
 *
 * <h2>Design</h2>
 * The sleep path is the waiter half of the {@link WaitPoint} handshake: raise the waiting flag (with a StoreLoad
 * fence), re-check the sequence, and only then sleep on the sequence's low 32 bits, for at most the time left until
 * the deadline. The advancing side calls {@code FUTEX_WAKE} only when it sees the flag, so a busy ring makes no
 * syscalls (io_uring's {@code NEED_WAKEUP}). See {@link WaitPoint} for why no wake-up is lost. An idle end costs no
 * CPU, which is why this is the default on 2-core machines.
 *
 * <p>A sequence corrupted to a value with the same low 32 bits as {@code seen} cannot be told apart by the kernel; the
 * waiter then sleeps until the next wake or the deadline, and the re-check after it reports the change.
 */
public final class BlockingWaitStrategy implements WaitStrategy {
    /** About a microsecond or two of spinning: covers a peer that is already running, without burning a core. */
    public static final int DEFAULT_SPIN_ITERATIONS = 200;
    static final BlockingWaitStrategy DEFAULT = new BlockingWaitStrategy(DEFAULT_SPIN_ITERATIONS);

    private final int spinIterations;

    BlockingWaitStrategy(int spinIterations) {
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
            long remainingNanos = deadlineNanos - System.nanoTime();
            if (remainingNanos <= 0) {
                return WaitOutcome.TIMED_OUT;
            }
            point.announceWaiting(seen);  // raises the flag naming seen, then StoreLoad fence
            try {
                if (point.sequenceAcquire() != seen) {
                    return WaitOutcome.CHANGED;  // published between our check and the flag: no sleep needed
                }
                // Sleeps only while the low word still equals seen; WOKEN, VALUE_CHANGED, TIMED_OUT and INTERRUPTED
                // all lead back to the re-check at the top of the loop.
                point.sleep(seen, remainingNanos);
            } finally {
                point.withdrawWaiting();
            }
        }
    }

    @Override
    public String toString() {
        return "blocking(" + spinIterations + ")";
    }
}
