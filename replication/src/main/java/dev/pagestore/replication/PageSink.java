package dev.pagestore.replication;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** Where a standby's {@link StandbyApplier} puts the records it reads: the standby's own store. */
public interface PageSink {
    /** Applies one checked record's pages (a group atomically); may return before they are durable. */
    void apply(MemorySegment record) throws IOException;

    /** Returns once every record applied so far is durable; fails for good once an applied record failed. */
    void sync() throws IOException;

    /**
     * Told, on the applier's thread, the LSN of the primary's log applied through so far (0 before the first record),
     * and whether that is everything the ledgers confirmed.
     */
    default void progress(long appliedLsn, boolean caughtUp) {
    }
}
