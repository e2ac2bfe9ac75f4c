package dev.pagestore.manager;

import dev.pagestore.wal.WriteAheadLog;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's periodic jobs, each in a {@link HousekeepingTask} (an exception would otherwise cancel it for good,
 * the directory watch too): on a daemon thread of its own, the status region's figures every 100 ms, so that they
 * stay live while a checkpoint waits for data-file writes (which is when an operator looks); on another, every
 * second, whether the directory is still the manager's ({@link DirectoryOwnership#lostReason}: a directory deleted,
 * moved or replaced stops the manager as a {@link DataDirectoryLostException}) and, while the WAL has no space for
 * its next segment, a checkpoint, which hands back every segment before the redo point for recycling (no new space
 * needed); and the periodic checkpoint when {@link ManagerConfig#checkpointIntervalMillis} asks for one.
 *
 * <p>Thread safety: {@link #start} once, {@link #close} from any thread.
 */
final class Housekeeping implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Housekeeping.class);
    /** Longer than a checkpoint may wait for data-file writes (30 s), shorter than the command's whole stop. */
    private static final long CLOSE_WAIT_SECONDS = 45;
    private static final long STATUS_PUBLISH_MILLIS = 100;
    private static final long OWNERSHIP_CHECK_MILLIS = 1000;

    private final DirectoryOwnership ownership;
    private final WriteAheadLog wal;
    private final Checkpoints checkpoints;
    private final BooleanSupplier accepting;
    private final Consumer<Throwable> onFatal;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "pagestore-housekeeping");
        thread.setDaemon(true);
        return thread;
    });
    private final ScheduledExecutorService statusExecutor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "pagestore-status");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param accepting whether the manager still takes requests (no out-of-space checkpoint once it drains)
     * @param onFatal   told when the directory is no longer the manager's
     */
    Housekeeping(DirectoryOwnership ownership, WriteAheadLog wal, Checkpoints checkpoints, BooleanSupplier accepting,
            Consumer<Throwable> onFatal) {
        this.ownership = ownership;
        this.wal = wal;
        this.checkpoints = checkpoints;
        this.accepting = accepting;
        this.onFatal = onFatal;
    }

    /** Schedules every job; {@code publisher} is the status region's. */
    void start(StatusPublisher publisher, long checkpointIntervalMillis) {
        statusExecutor.scheduleWithFixedDelay(new HousekeepingTask("publishing the status region", publisher),
                STATUS_PUBLISH_MILLIS, STATUS_PUBLISH_MILLIS, TimeUnit.MILLISECONDS);
        executor.scheduleWithFixedDelay(new HousekeepingTask("checking that the directory is still this"
                + " manager's", this::checkEverySecond), OWNERSHIP_CHECK_MILLIS, OWNERSHIP_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
        if (checkpointIntervalMillis > 0) {
            executor.scheduleWithFixedDelay(new HousekeepingTask("the periodic checkpoint",
                    () -> checkpoints.checkpointLoggingFailure("periodic")), checkpointIntervalMillis,
                    checkpointIntervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void checkEverySecond() {
        ownership.drainProbes();
        String lost = ownership.lostReason();
        if (lost != null) {
            onFatal.accept(new DataDirectoryLostException(lost));
            return;
        }
        if (wal.outOfSpace() && wal.failure() == null && accepting.getAsBoolean()) {
            try {
                long redo = checkpoints.checkpoint();
                LOG.info("checkpoint at lsn {} while the WAL has no space for its next segment ({} segment(s) to"
                        + " recycle)", redo, wal.spareSegmentCount());
            } catch (IOException | RuntimeException e) {
                LOG.warn("checkpoint while out of space failed: {}", e.toString());
            }
        }
    }

    /**
     * Stops after the task in progress, if any, has finished: a checkpoint interrupted inside its control-file write
     * (an interruptible channel closes under it) would fail the log's checkpoints, the shutdown checkpoint among them.
     */
    @Override
    public void close() {
        statusExecutor.shutdown();  // a publish is short: the region may be unmapped once it is done
        executor.shutdown();
        try {
            statusExecutor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("housekeeping still running {} s after the stop began; interrupting it", CLOSE_WAIT_SECONDS);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops now, interrupting the task in progress: after a fatal failure a checkpoint may wait for a dead reactor's
     * writes, which never end, and no shutdown checkpoint follows.
     */
    void stopNow() {
        statusExecutor.shutdownNow();
        executor.shutdownNow();
        try {
            statusExecutor.awaitTermination(1, TimeUnit.SECONDS);  // a publish is short; the region goes next
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
