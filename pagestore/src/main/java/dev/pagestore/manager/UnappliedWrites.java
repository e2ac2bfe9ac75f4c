package dev.pagestore.manager;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes that have entered the WAL and whose data-file write has not finished, so that a checkpoint can wait for
 * every write logged before its redo point to reach the data file ({@link #awaitAllBegunBefore}). Each write takes a
 * ticket before its WAL append and returns it after its data write.
 *
 * <p>Tickets in progress are a {@link LongCounts} under this object's lock: reactors take and return one per write, so
 * nothing may be allocated, and the lock is held for a hash probe. Only a checkpoint scans for the oldest.
 *
 * <p>Thread safety: any thread.
 */
final class UnappliedWrites {
    private final LongCounts inProgress = new LongCounts(4096);
    private long nextTicket;

    /** A ticket for a write about to be appended to the WAL. */
    synchronized long begin() {
        long ticket = nextTicket++;
        inProgress.increment(ticket);
        return ticket;
    }

    synchronized void end(long ticket) {
        boolean removed = inProgress.decrement(ticket);
        assert removed : "ticket " + ticket + " ended twice";
    }

    private synchronized long nextTicket() {
        return nextTicket;
    }

    private synchronized long oldestInProgress() {
        return inProgress.min();
    }

    /** Waits until every write that took a ticket before this call has ended. */
    void awaitAllBegunBefore(long timeoutNanos) throws IOException {
        long horizon = nextTicket();
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            long oldest = oldestInProgress();
            if (oldest >= horizon) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("checkpoint: data-file writes before ticket " + horizon
                        + " did not finish in time (oldest " + oldest + ")");
            }
            if (Thread.currentThread().isInterrupted()) {
                // the manager is stopping (its housekeeping is shut down): a dead reactor's writes never end, and an
                // interrupted park returns at once, so waiting on would spin for the rest of the timeout
                throw new InterruptedIOException("checkpoint: interrupted while data-file writes before"
                        + " ticket " + horizon + " were unfinished (oldest " + oldest + ")");
            }
            LockSupport.parkNanos(200_000);
        }
    }
}
