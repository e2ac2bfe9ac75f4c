package dev.pagestore.manager;

import java.io.IOException;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Writes that have entered the WAL and whose data-file write has not finished, so that a checkpoint can wait for
 * every write logged before its redo point to reach the data file ({@link #awaitAllBegunBefore}). Each write takes a
 * ticket before its WAL append and returns it after its data write.
 *
 * <p>Thread safety: any thread.
 */
final class UnappliedWrites {
    private final ConcurrentSkipListSet<Long> inProgress = new ConcurrentSkipListSet<>();
    private long nextTicket;

    /** A ticket for a write about to be appended to the WAL. */
    synchronized long begin() {
        long ticket = nextTicket++;
        inProgress.add(ticket);
        return ticket;
    }

    void end(long ticket) {
        boolean removed = inProgress.remove(ticket);
        assert removed : "ticket " + ticket + " ended twice";
    }

    synchronized long nextTicket() {
        return nextTicket;
    }

    /** Waits until every write that took a ticket before this call has ended. */
    void awaitAllBegunBefore(long timeoutNanos) throws IOException {
        long horizon = nextTicket();
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            Long first = inProgress.isEmpty() ? null : inProgress.first();
            if (first == null || first >= horizon) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("checkpoint: data-file writes before ticket " + horizon
                        + " did not finish in time (oldest " + first + ")");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
    }
}
