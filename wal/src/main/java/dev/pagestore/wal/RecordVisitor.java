package dev.pagestore.wal;

import java.lang.foreign.MemorySegment;

/**
 * Sees every valid {@code PAGE_IMAGES} record of a recovery scan, in log order, before any page is applied (for
 * verification tools and tests; the page store uses {@link PageReplayer}).
 */
@FunctionalInterface
public interface RecordVisitor {
    /**
     * @param lsn    the record's LSN
     * @param record the whole record (header and payload), valid only during the call; read it with
     *               {@link WalRecordDescriptor} accessors at offset 0
     */
    void onRecord(long lsn, MemorySegment record);

    RecordVisitor NONE = (lsn, record) -> { };
}
