package dev.pagestore.manager;

import dev.pagestore.ipc.control.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the manager's periodic housekeeping jobs, kept running whatever it throws.
 *
 * <h2>Why</h2>
 * A job given to {@link java.util.concurrent.ScheduledExecutorService#scheduleWithFixedDelay} that throws is
 * cancelled for good, and silently: the exception waits in a future nobody reads. For the job that checks every
 * second that the data directory is still the manager's, one unexpected exception would have ended the watch, and a
 * manager whose directory was deleted afterwards would have gone on acknowledging writes nobody can read back. So
 * every job runs inside this: whatever it throws, {@code Error}s included, is logged (at most one line a minute per
 * job, which says how many were left out) and the job runs again at its next time.
 *
 * <p>Thread safety: run by the thread of its executor ({@link Housekeeping}: the status thread or the housekeeping
 * thread).
 */
final class HousekeepingTask implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(HousekeepingTask.class);
    private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final String name;
    private final Runnable job;
    private final LogLimiter limiter = new LogLimiter(LOG_INTERVAL_NANOS);

    /** {@code job}, named {@code name} in its log lines ("checking the directory every second"). */
    HousekeepingTask(String name, Runnable job) {
        this.name = java.util.Objects.requireNonNull(name, "name");
        this.job = java.util.Objects.requireNonNull(job, "job");
    }

    @Override
    public void run() {
        try {
            job.run();
        } catch (Throwable t) {  // an Error too: the next run may well succeed, and a cancelled watch never returns
            if (limiter.allow(System.nanoTime())) {
                long left = limiter.suppressedSinceLast();
                LOG.error("housekeeping: {} failed{}; it runs again at its next time", name,
                        left > 0 ? " (and " + left + " more times since the last such line)" : "", t);
            }
        }
    }
}
