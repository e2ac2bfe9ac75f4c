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

    /** A whole process's store: any thread, through the facade's shared clients. */
    static BackingStore of(PageStore store) {
        return new BackingStore() {
            @Override
            public byte[] read(long pageNumber) throws IOException {
                return store.read(pageNumber);
            }

            @Override
            public void write(long pageNumber, byte[] data) throws IOException {
                store.write(pageNumber, data);
            }

            @Override
            public void writeBatch(long[] pageNumbers, byte[][] data) throws IOException {
                store.writeBatch(pageNumbers, data);
            }

            @Override
            public List<byte[]> readMany(long[] pageNumbers) throws IOException {
                return store.readMany(pageNumbers);
            }

            @Override
            public CompletableFuture<byte[]> readAsync(long pageNumber) throws IOException {
                return store.readAsync(pageNumber);
            }
        };
    }

    /** A client's store. */
    static BackingStore of(PageStoreClient client) {
        return new BackingStore() {
            @Override
            public byte[] read(long pageNumber) throws IOException {
                return client.read(pageNumber);
            }

            @Override
            public void write(long pageNumber, byte[] data) throws IOException {
                client.write(pageNumber, data);
            }

            @Override
            public void writeBatch(long[] pageNumbers, byte[][] data) throws IOException {
                client.writeBatch(pageNumbers, data);
            }

            @Override
            public List<byte[]> readMany(long[] pageNumbers) throws IOException {
                return client.readMany(pageNumbers);
            }

            @Override
            public CompletableFuture<byte[]> readAsync(long pageNumber) throws IOException {
                return client.readAsync(pageNumber);
            }
        };
    }
}
