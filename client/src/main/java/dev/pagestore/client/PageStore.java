package dev.pagestore.client;

import dev.pagestore.status.PageVersions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The facade for a whole process: any number of platform or virtual threads share a fixed, small number of
 * {@link PageStoreClient}s (channels), each safe from any thread. A thread always uses the same one (chosen by its
 * thread id), so one thread's requests to one page reach the manager in the order it made them. Threads add no
 * channel, no thread and no attach: the process holds {@code channels} channels and 3 threads per channel whatever
 * the number of callers.
 *
 * <p>Thread safety: every method from any thread; {@link #close()} once, after the callers are done.
 */
public final class PageStore implements AutoCloseable {
    private final PageStoreClient[] clients;
    private volatile boolean closed;

    private PageStore(PageStoreClient[] clients) {
        this.clients = clients;
    }

    /** As {@link #open(Path, ClientOptions, int)} with {@link #defaultChannels()}. */
    public static PageStore open(Path directoryOrSocket, ClientOptions options) throws IOException {
        return open(directoryOrSocket, options, defaultChannels());
    }

    /**
     * Attaches {@code channels} clients to the manager of {@code directoryOrSocket} (all or none: a failure closes
     * those already attached).
     *
     * @param channels 1 to 64: more lets the manager's reactors and this process's completion threads work in
     *                 parallel; one is enough for a process that makes few calls
     */
    public static PageStore open(Path directoryOrSocket, ClientOptions options, int channels) throws IOException {
        Objects.requireNonNull(directoryOrSocket, "directoryOrSocket");
        Objects.requireNonNull(options, "options");
        if (channels < 1 || channels > 64) {
            throw new IllegalArgumentException("channels=" + channels + " must be in [1, 64]");
        }
        PageStoreClient[] clients = new PageStoreClient[channels];
        try {
            for (int i = 0; i < channels; i++) {
                clients[i] = PageStoreClient.attach(directoryOrSocket, channels == 1 ? options
                        : options.withClientName(suffixed(options.clientName(), "-c" + i)));
            }
        } catch (IOException | RuntimeException e) {
            for (PageStoreClient client : clients) {
                if (client != null) {
                    client.close();
                }
            }
            throw e;
        }
        return new PageStore(clients);
    }

    /** Two channels, or one on a single CPU. */
    public static int defaultChannels() {
        return Math.min(2, Runtime.getRuntime().availableProcessors());
    }

    private static String suffixed(String name, String suffix) {
        return (name.length() + suffix.length() > 64 ? name.substring(0, 64 - suffix.length()) : name) + suffix;
    }

    /** The client this thread uses. */
    public PageStoreClient client() throws PageStoreException {
        if (closed) {
            throw new PageStoreException(ErrorCode.CLOSED, "the page store facade is closed");
        }
        // Thread ids may come in strides (a pool creating threads in step): mix them before taking the remainder.
        long mixed = Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L;
        return clients[(int) Long.remainderUnsigned(mixed ^ (mixed >>> 32), clients.length)];
    }

    /** The channels this facade holds. */
    public int channels() {
        return clients.length;
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

    /** Closes every client; calls still in flight fail with {@code CLOSED}. */
    @Override
    public void close() {
        closed = true;
        for (PageStoreClient client : clients) {
            client.close();
        }
    }
}
