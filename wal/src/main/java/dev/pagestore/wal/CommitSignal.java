package dev.pagestore.wal;

import dev.pagestore.ipc.linux.Futex;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One wake-up for every thread blocked on a commit: the writer raises the signal once per batch, after telling the
 * batch's callbacks, with a single {@code FUTEX_WAKE} however many threads sleep on it.
 *
 * <h2>Why</h2>
 * Completing a {@code CompletableFuture} unparks its waiter: a mutex, a condition signal and a cross-CPU wake-up per
 * record, done one after another by the writer. With 64 blocked appenders on a 2-vCPU VM that was about 9 us per
 * record, a third of the commit cycle, with the writer preempted by the very threads it woke (bench/RESULTS.md). Here
 * the writer only stores each record's LSN (a volatile write) and then makes one system call; the kernel wakes the
 * sleepers and each checks its own record. A sleeper whose record is in a later batch goes back to sleep.
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

    /** Writer side: wakes every sleeper; call after the results of the batch are published. */
    void raise() {
        WORD.getAndAdd(generation, 0L, 1); // volatile: after the results, before the sleepers read below
        if (sleepers.get() > 0) {
            Futex.wake(generation, Integer.MAX_VALUE);
        }
    }

    /** Waiter side: returns once {@code append} is told, durable or failed (told before the writer's raise). */
    void await(BlockingAppend append) {
        while (!append.isTold()) {
            int seen = (int) WORD.getVolatile(generation, 0L);
            sleepers.incrementAndGet(); // StoreLoad: announce the sleeper before the re-check of the result
            try {
                if (!append.isTold()) {
                    Futex.await(generation, seen, SLEEP_BOUND_NANOS);
                }
            } finally {
                sleepers.decrementAndGet();
            }
        }
    }
}
