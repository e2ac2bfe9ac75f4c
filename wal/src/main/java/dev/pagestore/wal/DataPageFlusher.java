package dev.pagestore.wal;

import java.io.IOException;

/** The checkpoint's first step, supplied by the page store. */
@FunctionalInterface
public interface DataPageFlusher {
    /**
     * Makes durable in the data file every page write whose WAL record lies before {@code redoLsn} (write and
     * fdatasync the data file). When this returns, the log before {@code redoLsn} is no longer needed.
     */
    void flushDataPagesUpTo(long redoLsn) throws IOException;
}
