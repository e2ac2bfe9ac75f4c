package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A writer that follows failovers: one thread writing pages {@code 0..pages-1} in turn through a client that knows
 * the store's other directories, each write a {@link WorkerMain#stamp} of its own sequence number. It remembers, per
 * page, the last sequence acknowledged and the last attempted (a write that failed may still have been applied), so
 * that {@link #check} can tell whether a manager holds every acknowledged write and nothing else.
 */
final class FollowingWriter implements AutoCloseable {
    private static final int PAGE = 4096;

    private final PageStoreClient client;
    private final int pages;
    private final long[] lastAcknowledged;
    private final long[] lastAttempted;
    private final AtomicLong acknowledged = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;

    private FollowingWriter(PageStoreClient client, int pages) {
        this.client = client;
        this.pages = pages;
        this.lastAcknowledged = new long[pages];
        this.lastAttempted = new long[pages];
        this.thread = new Thread(this::run, "following-writer");
    }

    /** Starts writing to the primary in {@code primary}, following it to any of {@code others}. */
    static FollowingWriter start(Path primary, List<Path> others, int pages) throws java.io.IOException {
        FollowingWriter writer = new FollowingWriter(PageStoreClient.attach(primary, ClientOptions.defaults()
                .withAutoReattach(true).withFailoverDirectories(others)), pages);
        writer.thread.start();
        return writer;
    }

    private void run() {
        try {
            for (long sequence = 1; !stopping; sequence++) {
                int page = (int) (sequence % pages);
                lastAttempted[page] = sequence;
                try {
                    client.write(page, WorkerMain.stamp(PAGE, page, sequence), Duration.ofSeconds(5));
                    lastAcknowledged[page] = sequence;
                    acknowledged.incrementAndGet();
                } catch (PageStoreException e) {
                    Thread.sleep(2);  // MANAGER_GONE or READ_ONLY while the store fails over: unknown, go on
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    long acknowledged() {
        return acknowledged.get();
    }

    /** Stops writing; fails if the writer's thread failed. */
    void stop() throws InterruptedException {
        stopping = true;
        thread.join(30_000);
        assertTrue(!thread.isAlive(), "the writer did not stop");
        assertEquals(null, failure, "the writer failed");
    }

    /**
     * Reads every page in {@code directory} and checks it holds a whole stamp of its own, at least its last
     * acknowledged write and at most its last attempt.
     */
    void check(Path directory) throws java.io.IOException {
        try (PageStoreClient reader = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            for (int page = 0; page < pages; page++) {
                ByteBuffer image = ByteBuffer.wrap(reader.read(page));
                long sequence = image.getLong(8);
                for (int at = 0; at + 16 <= PAGE; at += 16) {
                    assertEquals(page, image.getLong(at), "page " + page + " is torn or foreign at byte " + at);
                    assertEquals(sequence, image.getLong(at + 8), "page " + page + " is torn at byte " + at);
                }
                assertTrue(sequence >= lastAcknowledged[page] && sequence <= lastAttempted[page],
                        "page " + page + " holds write " + sequence + ": its last acknowledged is "
                                + lastAcknowledged[page] + ", its last attempted " + lastAttempted[page]);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(30_000);
        client.close();
    }
}
