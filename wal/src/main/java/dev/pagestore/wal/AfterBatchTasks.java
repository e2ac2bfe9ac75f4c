package dev.pagestore.wal;

import java.util.Arrays;

/**
 * The tasks the WAL writer runs after every batch, once each outcome of the batch has been told
 * ({@link WriteAheadLog#afterEveryBatch}). Added and removed from any thread; run by the writer without a lock and
 * without allocating, over an array that is replaced whole, never changed in place.
 *
 * <p>Thread safety: {@link #add} and {@link #remove} from any thread (synchronized); {@link #runAll} on the writer.
 */
final class AfterBatchTasks {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WalWriter.class); // the name operators know

    private volatile Runnable[] tasks = new Runnable[0];

    synchronized void add(Runnable task) {
        Runnable[] grown = Arrays.copyOf(tasks, tasks.length + 1);
        grown[tasks.length] = task;
        tasks = grown; // volatile: the writer sees the whole array or the old one
    }

    /** Removes {@code task} (the same object); it may still run once, for a batch under way. */
    synchronized void remove(Runnable task) {
        tasks = Arrays.stream(tasks).filter(t -> t != task).toArray(Runnable[]::new);
    }

    /** Writer thread: runs every task; one that throws is logged and the others still run. */
    void runAll() {
        Runnable[] now = tasks;
        for (int i = 0; i < now.length; i++) { // indexed: nothing allocated per batch
            try {
                now[i].run();
            } catch (RuntimeException e) {
                LOG.error("an after-batch listener failed; the log goes on", e);
            }
        }
    }
}
