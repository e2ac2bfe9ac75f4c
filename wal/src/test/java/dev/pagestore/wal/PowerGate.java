package dev.pagestore.wal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The power switch of one {@link QueuePairLogDirectory} incarnation: every device step (a submit or a poll of a
 * {@link PoweredBackend}, a size change through a {@link PoweredLogFile}, a directory operation) runs under the read
 * lock and only while the power is on; a power cut takes the write
 * lock, so it falls <em>between</em> two steps and never inside one. Why: a simulated controller executes a command
 * during its queue pair's poll, and a cut racing with that execution could drop the cache and then let a flush that
 * was fetched before the cut report success (an acknowledged record that was never durable). With the gate a cut is
 * atomic with respect to every step, and commands in flight at the cut are aborted by the controller, unrun.
 *
 * <p>Once cut, an incarnation stays off: a restarted machine is a new directory ({@link SimulatedLogDirectory#reopen}).
 */
final class PowerGate {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean off;
    private final AtomicLong stepsUntilArmedCut = new AtomicLong(Long.MAX_VALUE);
    private volatile Runnable armedCut;

    /** Enters a step: read lock held on return; throws when the power is off. Pair with {@link #exit()}. */
    void enter(String operation) throws IOException {
        lock.readLock().lock();
        if (off) {
            lock.readLock().unlock();
            throw new IOException("power lost: " + operation);
        }
    }

    /** Enters a step that must run even without power (closing a queue pair): excludes a concurrent cut only. */
    void enterUnpowered() {
        lock.readLock().lock();
    }

    void exit() {
        lock.readLock().unlock();
    }

    /**
     * Arms a cut after {@code steps} more device steps (submits and polls, counted with {@link #stepDone()}), so a test
     * can land it anywhere, in particular between a write's submission and its completion.
     */
    void armCut(long steps, Runnable cut) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps=" + steps + " must be positive");
        }
        armedCut = cut;
        stepsUntilArmedCut.set(steps);
    }

    /** A step has finished (the read lock is released): runs an armed cut whose count has run out. */
    void stepDone() {
        Runnable cut = armedCut;
        if (cut != null && stepsUntilArmedCut.decrementAndGet() == 0) {
            armedCut = null;
            cut.run();
        }
    }

    boolean isOff() {
        return off;
    }

    /** Cuts the power between two steps, running {@code cut} (the media's own power loss) while nothing else runs. */
    void cut(Runnable cut) {
        lock.writeLock().lock();
        try {
            if (!off) {
                off = true;
                cut.run();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
