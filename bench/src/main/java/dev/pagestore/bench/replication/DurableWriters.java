package dev.pagestore.bench.replication;

import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * N platform threads sharing one client, each writing whole pages in a loop with the synchronous {@code write}
 * (returns once the page is durable: here, in the local WAL and held by the bookies' ack quorum), on pages picked
 * uniformly at random, and recording each outcome in a {@link CompletionTimeline}.
 *
 * <p>One client suffices: it is safe from any number of threads, and its default capacity (the manager's ring, 64
 * slots) gives each of up to 64 writers a slot of its own, so no write waits for a slot. A failed write is counted
 * under its error code, and its thread pauses {@value #PAUSE_AFTER_ERROR_MILLIS} ms before the next one, so a manager
 * that has gone (every call failing at once) does not turn the run into a spin of errors.
 */
final class DurableWriters {
    static final long PAUSE_AFTER_ERROR_MILLIS = 10;

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    private DurableWriters() {
    }

    /** Starts {@code count} writers on {@code client}; thread i's pages and contents come from {@code seed + i}. */
    static DurableWriters start(PageStoreClient client, int count, CompletionTimeline timeline, long seed) {
        if (count < 1 || count > client.capacity()) {
            throw new IllegalArgumentException("count=" + count + " is not from 1 to the client's capacity "
                    + client.capacity());
        }
        long pages = client.capacityPages();
        int pageSizeBytes = client.pageSizeBytes();
        DurableWriters writers = new DurableWriters();
        for (int i = 0; i < count; i++) {
            SplittableRandom random = new SplittableRandom(seed + i);
            Thread thread = Thread.ofPlatform().name("durable-writer-" + i).daemon()
                    .unstarted(() -> writers.run(client, timeline, random, pages, pageSizeBytes));
            writers.threads.add(thread);
        }
        writers.threads.forEach(Thread::start);
        return writers;
    }

    private void run(PageStoreClient client, CompletionTimeline timeline, SplittableRandom random, long pages,
            int pageSizeBytes) {
        byte[] data = new byte[pageSizeBytes];
        random.nextBytes(data);
        while (!stopping) {
            long page = random.nextLong(pages);
            data[0]++;  // each image differs from the last
            try {
                client.write(page, data);
                timeline.written(System.nanoTime());
            } catch (PageStoreException e) {
                timeline.failed(System.nanoTime(), e.code().name());
                pause();
            } catch (RuntimeException e) {
                timeline.failed(System.nanoTime(), e.getClass().getSimpleName());
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(PAUSE_AFTER_ERROR_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Asks every writer to stop after its current write and waits for them: a write waits at most its deadline (the
     * client's 5 s default) and 2 s more, so {@code timeoutMillis} of 10 s is ample.
     *
     * @return true when all stopped in time
     */
    boolean stop(long timeoutMillis) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Thread thread : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !thread.join(Duration.ofNanos(left))) {
                return false;
            }
        }
        return true;
    }
}
