package dev.pagestore.cache;

import dev.pagestore.client.PageStore;
import dev.pagestore.client.PageStoreClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a {@link PageCache} reads from and writes through: the page store itself. A write returns only once it is
 * acknowledged (durable); failures are {@link IOException}s (the client's {@code PageStoreException}s).
 */
public interface BackingStore {
    byte[] read(long pageNumber) throws IOException;

    void write(long pageNumber, byte[] data) throws IOException;

    /** All pages or none after any crash. */
    void writeBatch(long[] pageNumbers, byte[][] data) throws IOException;

    /** Several pages, all asked for before the first is awaited where the store can; in {@code pageNumbers} order. */
    default List<byte[]> readMany(long[] pageNumbers) throws IOException {
        List<byte[]> pages = new ArrayList<>(pageNumbers.length);
        for (long page : pageNumbers) {
            pages.add(read(page));
        }
        return pages;
    }

    /** A page, later: the store's asynchronous read where it has one. */
    default CompletableFuture<byte[]> readAsync(long pageNumber) throws IOException {
        return CompletableFuture.completedFuture(read(pageNumber));
    }

    /**
     * Counts a cache's lookups and evictions where the store reports them: a client's go to its channel, for
     * {@code pagestore stat --workers}. Cheap, and never throws.
     */
    default void countCacheFigures(long hits, long misses, long evictions) {
    }

    /** A whole process's store: any thread, through the facade's shared clients. */
    static BackingStore of(PageStore store) {
        return new ClientStore(store::client);
    }

    /** A client's store. */
    static BackingStore of(PageStoreClient client) {
        return new ClientStore(() -> client);
    }
}
