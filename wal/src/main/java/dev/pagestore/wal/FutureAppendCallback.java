package dev.pagestore.wal;

import java.util.concurrent.CompletableFuture;

/** The future of {@link WriteAheadLog#append(long, java.lang.foreign.MemorySegment)}: completes with the LSN. */
final class FutureAppendCallback extends CompletableFuture<Long> implements AppendCallback {

    @Override
    public void onDurable(long lsn) {
        complete(lsn);
    }

    @Override
    public void onFailed(Throwable failure) {
        completeExceptionally(failure);
    }
}
