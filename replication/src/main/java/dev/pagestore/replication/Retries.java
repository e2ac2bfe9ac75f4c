package dev.pagestore.replication;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.bookkeeper.client.api.BKException;
import org.apache.zookeeper.KeeperException;

/**
 * Which failures of ZooKeeper and the bookies a standby waits out rather than stops for, and for how long: a lost
 * connection, a timed-out request, too few bookies answering, a ledger's metadata not readable for a moment. They
 * pass when the service returns (a ZooKeeper server restarting, a bookie restarting under the read). Anything else
 * (an expired session, a ledger gone or not ours, a damaged entry, the standby's own store failing) is not retried.
 *
 * <p>Thread safety: one per thread (the applier's).
 */
final class Retries {
    /** How long a standby waits out one run of failures before it stops. */
    static final Duration GIVE_UP = Duration.ofSeconds(60);
    private static final long BACKOFF_MIN_NANOS = Duration.ofMillis(20).toNanos();
    private static final long BACKOFF_MAX_NANOS = Duration.ofSeconds(1).toNanos();

    private final long giveUpNanos;
    private long firstNanos;
    private int failures;

    /** Gives up once one run of failures has lasted {@code giveUp}. */
    Retries(Duration giveUp) {
        this.giveUpNanos = giveUp.toNanos();
    }

    /**
     * Counts {@code failure}; returns how long to wait before the next try, or rethrows it when it is not transient
     * or failures have lasted longer than this gives them.
     */
    long onFailure(Exception failure) throws Exception {
        long now = System.nanoTime();
        if (!isTransient(failure) || (failures > 0 && now - firstNanos > giveUpNanos)) {
            throw failure;
        }
        if (failures++ == 0) {
            firstNanos = now;
        }
        return Math.min(BACKOFF_MAX_NANOS, BACKOFF_MIN_NANOS << Math.min(failures - 1, 10));
    }

    /** A pass went through: the run of failures, if any, is over. */
    void onSuccess() {
        failures = 0;
    }

    /** Failures so far in this run (1 on the first). */
    int failures() {
        return failures;
    }

    static boolean isTransient(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TimeoutException) {
            return true;
        }
        if (t instanceof KeeperException keeper) {
            return keeper.code() == KeeperException.Code.CONNECTIONLOSS
                    || keeper.code() == KeeperException.Code.OPERATIONTIMEOUT;
        }
        if (t instanceof BKException bk) {
            return switch (bk.getCode()) {
                case BKException.Code.TimeoutException, BKException.Code.NotEnoughBookiesException,
                        BKException.Code.BookieHandleNotAvailableException, BKException.Code.ReadException,
                        BKException.Code.ZKException, BKException.Code.MetaStoreException,
                        BKException.Code.LedgerRecoveryException -> true;
                default -> false;
            };
        }
        return false;
    }
}
