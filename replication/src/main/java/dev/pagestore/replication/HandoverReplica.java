package dev.pagestore.replication;

import dev.pagestore.wal.LogReplica;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A standby's replica: none while it applies the primary's ledgers (its log's records are already in them), then,
 * from its promotion, the ledger it writes as the new primary. Handed over while nothing is being written: the
 * standby's workers may not write, and its applier has drained.
 */
public final class HandoverReplica implements LogReplica {
    private volatile LogReplica delegate = LogReplica.NONE;

    /** From now on, every record goes to {@code replica}. Call only while no write is in flight. */
    public void handOver(LogReplica replica) {
        delegate = replica;
    }

    @Override
    public void add(long lsn, MemorySegment buffer, long offset, long length) throws IOException {
        delegate.add(lsn, buffer, offset, length);
    }

    @Override
    public void send() throws IOException {
        delegate.send();
    }

    @Override
    public void awaitHeld() throws IOException {
        delegate.awaitHeld();
    }

    @Override
    public void checkpointed(long redoLsn) {
        delegate.checkpointed(redoLsn);
    }
}
