package dev.pagestore.client;

import dev.pagestore.status.PageVersions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The thread-safe facade: each thread that calls it gets its own {@link PageStoreClient} (its own attach, channel
 * and rings), so the one-owner-thread rule of a channel holds without locks. Attaching happens on a thread's first
 * call.
 *
 * <p>Thread safety: every method from any thread; {@link #close()} once, after the callers are done.
 */
public final class PageStore implements AutoCloseable {
    private final Path directoryOrSocket;
    private final ClientOptions options;
    private final ConcurrentLinkedQueue<PageStoreClient> clients = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<PageStoreClient> perThread = new ThreadLocal<>();
    private volatile boolean closed;

    private PageStore(Path directoryOrSocket, ClientOptions options) {
        this.directoryOrSocket = directoryOrSocket;
        this.options = options;
    }

    /** Checks that a manager answers (attaching this thread), then serves every thread. */
    public static PageStore open(Path directoryOrSocket, ClientOptions options) throws IOException {
        PageStore store = new PageStore(Objects.requireNonNull(directoryOrSocket, "directoryOrSocket"),
                Objects.requireNonNull(options, "options"));
        store.client();
        return store;
    }

    /** This thread's client, attaching it on first use. */
    public PageStoreClient client() throws IOException {
        if (closed) {
            throw new PageStoreException(ErrorCode.CLOSED, "the page store facade is closed");
        }
        PageStoreClient client = perThread.get();
        if (client == null) {
            String name = options.clientName();
            String suffix = "-t" + Thread.currentThread().threadId();
            client = PageStoreClient.attach(directoryOrSocket, options.withClientName(
                    (name.length() + suffix.length() > 64 ? name.substring(0, 64 - suffix.length()) : name) + suffix));
            perThread.set(client);
            clients.add(client);
        }
        return client;
    }

    public byte[] read(long pageNumber) throws IOException {
        return client().read(pageNumber);
    }

    public byte[] read(long pageNumber, Duration timeout) throws IOException {
        return client().read(pageNumber, timeout);
    }

    public CompletableFuture<byte[]> readAsync(long pageNumber) throws IOException {
        return client().readAsync(pageNumber);
    }

    public List<byte[]> readMany(long[] pageNumbers) throws IOException {
        return client().readMany(pageNumbers);
    }

    public void write(long pageNumber, byte[] data) throws IOException {
        client().write(pageNumber, data);
    }

    public void write(long pageNumber, byte[] data, Duration timeout) throws IOException {
        client().write(pageNumber, data, timeout);
    }

    public CompletableFuture<Void> writeAsync(long pageNumber, byte[] data) throws IOException {
        return client().writeAsync(pageNumber, data);
    }

    public void writeBatch(long[] pageNumbers, byte[][] data) throws IOException {
        client().writeBatch(pageNumbers, data);
    }

    public PageVersions versions() throws IOException {
        return client().versions();
    }

    public int pageSizeBytes() throws IOException {
        return client().pageSizeBytes();
    }

    public long capacityPages() throws IOException {
        return client().capacityPages();
    }

    /** Closes every thread's client. */
    @Override
    public void close() {
        closed = true;
        PageStoreClient client;
        while ((client = clients.poll()) != null) {
            client.close();
        }
    }
}
