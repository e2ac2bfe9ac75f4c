package dev.pagestore.wal;

import dev.pagestore.ipc.linux.Futex;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One wake-up for every thread blocked on a commit: the writer raises the signal once per batch, after telling the
 * batch's callbacks (it is the log's first after-batch task, {@link WriteAheadLog#afterEveryBatch}), with a single
 * {@code FUTEX_WAKE} however many threads sleep on it.
 *
 * <h2>Why</h2>
 * Completing a {@code CompletableFuture} unparks its waiter: a mutex, a condition signal and a cross-CPU wake-up per
 * record, done one after another by the writer. With 64 blocked appenders on a 2-vCPU VM that was about 9 us per
 * record, a third of the commit cycle, with the writer preempted by the very threads it woke (bench/HISTORY.md). Here
 * the writer only stores each record's LSN (a volatile write) and then makes one system call; the kernel wakes the
 * sleepers and each checks its own record.
 *
 * <h2>Only the batch's sleepers</h2>
 * Each waiting thread has one of 32 wake bits ({@link BlockingAppend}); the writer ORs the bits of the batch's blocking
 * appends into a mask and wakes with {@code FUTEX_WAKE_BITSET}, so a sleeper whose record is in a later batch sleeps
 * on. Without the mask, 8 appenders in batches of 4-5 woke each other for nothing on every commit and ran 0.77x the
 * future-based path (bench/HISTORY.md). Beyond 32 threads two share a bit; a sleeper woken for its neighbour re-checks
 * and sleeps again.
 *
 * <h2>No lost wake-up</h2>
 * The writer: publish the result (volatile), advance {@code generation} (volatile), read {@code sleepers}. A waiter:
 * read {@code generation}, increment {@code sleepers}, re-check its result, then sleep only while {@code generation}
 * still holds what it read. All four are sequentially consistent, so either the writer sees the sleeper and wakes it,
 * or the sleeper sees the result and does not sleep; a generation change between the read and the sleep makes the
 * kernel refuse the sleep ({@code EAGAIN}).
 */
final class CommitSignal {
    private static final VarHandle WORD = ValueLayout.JAVA_INT.varHandle();
    /** A bound on one sleep, so a waiter re-checks even if a wake-up were lost to a bug elsewhere. */
    static final long SLEEP_BOUND_NANOS = 100_000_000L;

    /**
     * The futex word: the generation, advanced once per raise. Process-private memory (waiters and writer share the
     * process), freed by the GC: a waiter may still be reading it while the log closes.
     */
    private final MemorySegment generation = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
    private final AtomicInteger sleepers = new AtomicInteger();
    /** Counts a sleep that ends at its bound, not at a wake-up ({@link WalMetrics#commitSleepsToBound()}). */
    private final WalMetrics metrics;
    private static final VarHandle PENDING_BITS;

    static {
        try {
            PENDING_BITS = java.lang.invoke.MethodHandles.lookup().findVarHandle(CommitSignal.class, "pendingBits",
                    int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The wake bits of the appends told since the last raise: set by the writer, and by an appending thread told of an
     * already failed log at once (hence atomic, not a writer-only field).
     */
    @SuppressWarnings("unused") // through PENDING_BITS
    private volatile int pendingBits;
    private final AtomicInteger nextBit = new AtomicInteger();

    CommitSignal(WalMetrics metrics) {
        this.metrics = metrics;
    }

    /** A wake bit for a new waiting thread (spread round-robin over the 32). */
    int assignBit() {
        return 1 << (nextBit.getAndIncrement() & 31);
    }

    /** The append of the waiter with {@code bit} has been told; that waiter is woken at the next raise. */
    void told(int bit) {
        PENDING_BITS.getAndBitwiseOr(this, bit);
    }

    /** Writer thread: wakes the sleepers told since the last raise; call after their outcomes are published. */
    void raise() {
        int bits = (int) PENDING_BITS.getAndSet(this, 0);
        if (bits == 0) {
            return;
        }
        WORD.getAndAdd(generation, 0L, 1); // volatile: after the outcomes, before the sleepers read below
        if (sleepers.get() > 0) {
            Futex.wakeBits(generation, Integer.MAX_VALUE, bits);
        }
    }

    /** Once the writer has stopped (the log's close): wakes every sleeper, whatever it waits for. */
    void raiseAll() {
        told(-1);
        raise();
    }

    /** Waiter side: returns once {@code append} is told, durable or failed (told before the writer's raise). */
    void await(BlockingAppend append) {
        while (!append.isTold()) {
            int seen = (int) WORD.getVolatile(generation, 0L);
            sleepers.incrementAndGet(); // StoreLoad: announce the sleeper before the re-check of the result
            try {
                if (!append.isTold()
                        && Futex.awaitBits(generation, seen, append.wakeBit, SLEEP_BOUND_NANOS)
                                == Futex.WaitResult.TIMED_OUT) {
                    metrics.onCommitSleepToBound();
                }
            } finally {
                sleepers.decrementAndGet();
            }
        }
    }
}
