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
 * <h2>Adaptive spin</h2>
 * The time-bounded part of the spin adapts per ring end, as adaptive mutexes do: halved each time it runs out (the
 * other side was not about to publish, or was not even running: with more runnable threads than cores a spin only
 * takes the core from the thread that would publish), doubled each time it sees the sequence move, between 1 us and
 * the configured bound. A busy ping-pong keeps the whole spin; an end whose peer is slow stops burning CPU for it.
 *
 * <p>A sequence corrupted to a value with the same low 32 bits as {@code seen} cannot be told apart by the kernel; the
 * waiter then sleeps until the next wake or the deadline, and the re-check after it reports the change.
 */
public final class BlockingWaitStrategy implements WaitStrategy {
    /** The shortest spin before a sleep, in checks of the sequence. */
    public static final int DEFAULT_SPIN_ITERATIONS = 200;
    /**
     * How long the default spins before it sleeps: longer than a round trip to a peer that is awake (about a
     * microsecond between two cores), so a busy ping-pong never pays for a futex sleep and wake, and short enough that
     * an idle end goes to sleep at once in human terms. Measured by RingRoundTripBench (bench/HISTORY.md).
     */
    public static final long DEFAULT_SPIN_NANOS = 20_000;
    static final BlockingWaitStrategy DEFAULT = new BlockingWaitStrategy(DEFAULT_SPIN_ITERATIONS, DEFAULT_SPIN_NANOS);

    private final int spinIterations;
    private final long spinNanos;

    BlockingWaitStrategy(int spinIterations) {
        this(spinIterations, 0);
    }

    BlockingWaitStrategy(int spinIterations, long spinNanos) {
        if (spinIterations < 0 || spinNanos < 0) {
            throw new IllegalArgumentException("spinIterations=" + spinIterations + " and spinNanos=" + spinNanos
                    + " must not be negative");
        }
        this.spinIterations = spinIterations;
        this.spinNanos = spinNanos;
    }

    @Override
    public WaitOutcome await(WaitPoint point, long seen, long deadlineNanos) {
        long spinStart = spinNanos > 0 ? System.nanoTime() : 0;
        long spinFor = spinNanos > 0 ? point.spinNanos(spinNanos) : 0;
        for (int spins = 0; ; spins++) {
            if (point.sequenceAcquire() != seen) {
                if (spinNanos > 0) {
                    point.spinPaidOff(spinNanos);
                }
                return WaitOutcome.CHANGED;
            }
            // Spin at least spinIterations checks, then for at most spinFor (the clock is read every 64 checks).
            if (spins >= spinIterations && (spinFor == 0
                    || ((spins & 63) == 0 && System.nanoTime() - spinStart >= spinFor))) {
                break;
            }
            Thread.onSpinWait();
        }
        if (spinNanos > 0) {
            point.spinWasted();
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
        return "blocking(" + spinIterations + " spins, " + spinNanos + " ns)";
    }
}
