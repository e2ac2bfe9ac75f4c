package dev.pagestore.bench.load;

import dev.pagestore.cache.BackingStore;
import dev.pagestore.cache.ClientVersions;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.status.PageVersions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One client per thread (a client has one owner thread), seen as one {@link BackingStore} and one
 * {@link PageVersions}, so that a worker's threads can share one page cache. Unlike the client's {@code PageStore}
 * facade this attaches only the threads that call {@link #attach()}, not the one that builds it: every attachment is
 * a channel the manager keeps, and the bench counts them.
 *
 * <p>Thread safety: any thread that has attached; {@link #close()} once, after they are done.
 */
final class ThreadClients implements BackingStore, PageVersions, AutoCloseable {
    private final Path store;
    private final ClientOptions options;
    private final ThreadLocal<PageStoreClient> client = new ThreadLocal<>();
    private final ThreadLocal<ClientVersions> versions = new ThreadLocal<>();
    private final Queue<PageStoreClient> all = new ConcurrentLinkedQueue<>();

    ThreadClients(Path store, ClientOptions options) {
        this.store = store;
        this.options = options;
    }

    /** Attaches the calling thread with its own client, named after the thread's number. */
    PageStoreClient attach(int thread) throws IOException {
        String suffix = "-t" + thread;
        String name = options.clientName();
        PageStoreClient attached = PageStoreClient.attach(store, options.withClientName(
                name.substring(0, Math.min(name.length(), 64 - suffix.length())) + suffix));
        all.add(attached);
        client.set(attached);
        versions.set(new ClientVersions(attached));
        return attached;
    }

    /** The calling thread's client. */
    PageStoreClient client() {
        PageStoreClient own = client.get();
        if (own == null) {
            throw new IllegalStateException(Thread.currentThread().getName() + " has not attached");
        }
        return own;
    }

    @Override
    public byte[] read(long pageNumber) throws IOException {
        return client().read(pageNumber);
    }

    @Override
    public void write(long pageNumber, byte[] data) throws IOException {
        client().write(pageNumber, data);
    }

    @Override
    public void writeBatch(long[] pageNumbers, byte[][] data) throws IOException {
        client().writeBatch(pageNumbers, data);
    }

    /** The cache's figures go to the calling thread's channel, where {@code pagestore stat --workers} shows them. */
    @Override
    public void countCacheFigures(long hits, long misses, long evictions) {
        PageStoreClient own = client.get();
        if (own != null) {
            own.figures().cacheLookups(hits, misses);
            own.figures().cacheEvictions(evictions);
        }
    }

    @Override
    public long version(long pageNumber) {
        client();  // the same check as every call: a thread without a client has no table to read
        return versions.get().version(pageNumber);
    }

    @Override
    public long epoch() {
        client();
        return versions.get().epoch();
    }

    @Override
    public void close() {
        PageStoreClient each;
        while ((each = all.poll()) != null) {
            each.close();
        }
    }
}
