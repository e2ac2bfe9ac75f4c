package dev.pagestore.replication;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.bookkeeper.client.api.BKException;
import org.apache.zookeeper.KeeperException;

/**
 * Which failures of ZooKeeper and the bookies a standby waits out rather than stops for: a lost connection, no
 * ZooKeeper server answering, a timed-out request, too few bookies answering, a ledger's metadata not readable or not
 * yet visible (its ZooKeeper server may lag the one the list came from). They pass when the service returns (a
 * ZooKeeper server restarting, a bookie restarting under the read), and waiting costs a standby nothing, so it waits
 * however long, with a backoff up to a second. Anything else (a ledger not ours, a damaged entry, the standby's own
 * store failing) is not retried.
 *
 * <p>Thread safety: one per thread (the applier's).
 */
final class Retries {
    private static final long BACKOFF_MIN_NANOS = Duration.ofMillis(20).toNanos();
    private static final long BACKOFF_MAX_NANOS = Duration.ofSeconds(1).toNanos();

    private int failures;

    /** What a reader saw that another ZooKeeper server's view will soon change: a ledger listed but not yet closed. */
    static final class NotYetVisible extends IOException {
        NotYetVisible(String message) {
            super(message);
        }
    }

    /** Counts {@code failure}; returns how long to wait before trying again, or rethrows it if it will not pass. */
    long onFailure(Exception failure) throws Exception {
        if (!isTransient(failure)) {
            throw failure;
        }
        failures++;
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
        if (t instanceof TimeoutException || t instanceof NotYetVisible || t instanceof ZooKeeperSession.Unreachable) {
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
                        BKException.Code.LedgerRecoveryException, BKException.Code.NoSuchLedgerExistsException,
                        BKException.Code.NoSuchLedgerExistsOnMetadataServerException -> true;
                default -> false;
            };
        }
        return false;
    }
}
