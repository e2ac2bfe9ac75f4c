package dev.pagestore.cache;

import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.WorkerFigures;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A {@link BackingStore} over the page store's client: one client, or the one a facade gives the calling thread. */
final class ClientStore implements BackingStore {
    /** Where each call finds its client. */
    @FunctionalInterface
    interface Source {
        PageStoreClient client() throws IOException;
    }

    private final Source source;

    ClientStore(Source source) {
        this.source = source;
    }

    @Override
    public byte[] read(long pageNumber) throws IOException {
        return source.client().read(pageNumber);
    }

    @Override
    public void write(long pageNumber, byte[] data) throws IOException {
        source.client().write(pageNumber, data);
    }

    @Override
    public void writeBatch(long[] pageNumbers, byte[][] data) throws IOException {
        source.client().writeBatch(pageNumbers, data);
    }

    @Override
    public List<byte[]> readMany(long[] pageNumbers) throws IOException {
        return source.client().readMany(pageNumbers);
    }

    @Override
    public void countCacheFigures(long hits, long misses, long evictions) {
        try {
            WorkerFigures figures = source.client().figures();
            figures.cacheLookups(hits, misses);
            figures.cacheEvictions(evictions);
        } catch (IOException e) {
            // A closed store counts nothing; the call that follows says why.
        }
    }

    @Override
    public CompletableFuture<byte[]> readAsync(long pageNumber) throws IOException {
        return source.client().readAsync(pageNumber);
    }
}
