package dev.pagestore.wal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A second home for the log's records, beyond the local segments: another machine's copy, such as a BookKeeper
 * ledger. The writer gives it each record as sealed, then, once a commit is durable locally, sends the commit and
 * waits until the replica holds it; only then is any append of the commit told durable. So the replica holds a prefix
 * of what the local log holds, never a record the local log lacks, and an acknowledged record is in both.
 *
 * <p>A log that recovers gives its replica every record it found after the redo point before it starts, so that a
 * replica that missed the end of the last run (sent but not held when the process died) holds the same records
 * again.
 *
 * <p>Thread safety: one thread at a time: the opening thread during recovery, then the WAL writer thread; except
 * {@link #checkpointed}, called by the thread that checkpoints.
 */
public interface LogReplica {
    /**
     * Takes a copy of one sealed record for the next {@link #send}: {@code length} bytes of {@code buffer} at
     * {@code offset}, valid only during the call.
     */
    void add(long lsn, MemorySegment buffer, long offset, long length) throws IOException;

    /** Sends the records added since the last send, without waiting for the replica to hold them. */
    void send() throws IOException;

    /**
     * Returns once the replica holds everything sent. A failure is final for the log, as a failed fdatasync is: the
     * writer fails every pending and later append.
     */
    void awaitHeld() throws IOException;

    /**
     * Told that a checkpoint recorded {@code redoLsn}: the local log no longer needs its records before it, so a
     * replica may start a new unit of its own (a new ledger) at its next send. Called by the checkpointing thread.
     */
    default void checkpointed(long redoLsn) {
    }

    /** No replica: the local log alone. */
    LogReplica NONE = new LogReplica() {
        @Override
        public void add(long lsn, MemorySegment buffer, long offset, long length) {
        }

        @Override
        public void send() {
        }

        @Override
        public void awaitHeld() {
        }
    };
}
