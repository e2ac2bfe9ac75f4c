package dev.pagestore.cache;

import dev.pagestore.client.PageStore;
import dev.pagestore.client.PageStoreClient;
import java.io.IOException;

/**
 * What a {@link PageCache} reads from and writes through: the page store itself. A write returns only once it is
 * acknowledged (durable); failures are {@link IOException}s (the client's {@code PageStoreException}s).
 */
public interface BackingStore {
    byte[] read(long pageNumber) throws IOException;

    void write(long pageNumber, byte[] data) throws IOException;

    /** All pages or none after any crash. */
    void writeBatch(long[] pageNumbers, byte[][] data) throws IOException;

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
        };
    }
}
