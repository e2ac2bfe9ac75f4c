package dev.pagestore.wal;

/**
 * Told once when an append is durable or has failed: the allocation-free alternative to the {@link
 * java.util.concurrent.CompletableFuture}s of {@link WriteAheadLog#append(long, java.lang.foreign.MemorySegment)},
 * for callers that append on every I/O (the manager's reactors) and keep one callback object per request slot.
 *
 * <p>Called on the WAL writer thread, in LSN order, so it must be short and must not block or append; an append
 * refused because the log has already failed is told on the appending thread, before {@code append} returns.
 */
public interface AppendCallback {

    /** The record is durable; every record below {@code lsn} is too. */
    void onDurable(long lsn);

    /** The record will never be durable: the log failed ({@link WalFailedException}) or the append broke. */
    void onFailed(Throwable failure);
}
