package dev.pagestore.bench.load;

import dev.pagestore.cache.PageCache;
import dev.pagestore.cache.PageCacheStats;
import dev.pagestore.client.ClientOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code depth} threads, each with its own client, each making one synchronous call at a time, the way a database
 * backend's query threads use the store: a read returns the page, a write returns once it is durable. With a page
 * cache ({@code cacheBytes > 0}) every thread reads and writes through the worker's one {@link PageCache}, which
 * answers hits itself and sends misses and writes to the calling thread's client.
 *
 * <p>Threads attach one after the other: the manager keeps at most a few handshakes of one process waiting at once
 * (docs/operations.md, "Handshakes"), and a worker's depth may be larger.
 */
final class SyncStoreLoad {
    private final Path store;
    private final ClientOptions options;
    private final Workload workload;
    private final WorkerHarness harness;

    SyncStoreLoad(Path store, ClientOptions options, Workload workload, WorkerHarness harness) {
        this.store = store;
        this.options = options;
        this.workload = workload;
        this.harness = harness;
    }

    void run() throws IOException, InterruptedException {
        PagePicker picker = PagePicker.of(workload);
        SplittableRandom seeds = new SplittableRandom(workload.seed());
        try (ThreadClients clients = new ThreadClients(store, options.withRingCapacity(16))) {
            PageCache cache = workload.cacheBytes() > 0 ? new PageCache(clients, clients, workload.cacheBytes()) : null;
            CompletableFuture<Measurement> go = new CompletableFuture<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < workload.depth(); t++) {
                int thread = t;
                SplittableRandom random = seeds.split();
                CompletableFuture<Void> attached = new CompletableFuture<>();
                Thread caller = new Thread(() -> {
                    try {
                        clients.attach(thread);
                        attached.complete(null);
                    } catch (IOException | RuntimeException e) {
                        attached.completeExceptionally(e);
                        return;
                    }
                    try {
                        call(clients, cache, picker, random, go.join());
                    } catch (RuntimeException e) {
                        failure.compareAndSet(null, e);
                    }
                }, "bench-call-" + t);
                caller.start();
                threads.add(caller);
                try {
                    attached.join();
                } catch (RuntimeException e) {
                    go.completeExceptionally(e);  // the threads already attached end without running
                    throw new IOException("thread " + t + " could not attach: " + e.getCause(), e.getCause());
                }
            }
            harness.ready();
            Measurement measurement = harness.awaitGo();
            go.complete(measurement);
            PageCacheStats before = null;
            if (cache != null) {
                measurement.awaitWindowStart();
                before = cache.stats();  // the hit ratio of the window, like every other figure
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new IOException("a call thread failed: " + failure.get(), failure.get());
            }
            if (cache != null) {
                PageCacheStats after = cache.stats();
                harness.result(measurement.report(after.hits() - before.hits(), after.misses() - before.misses()));
            } else {
                harness.result(measurement.report(0, 0));
            }
        }
    }

    /** One thread's calls until the window ends. */
    private void call(ThreadClients clients, PageCache cache, PagePicker picker, SplittableRandom random,
            Measurement measurement) {
        PageImage image = new PageImage(workload.pageSizeBytes(), random.split());
        while (measurement.issuing(System.nanoTime())) {
            long page = picker.next(random);
            boolean read = random.nextInt(100) < workload.readPercent();
            long start = System.nanoTime();
            try {
                if (read) {
                    if (cache != null) {
                        cache.read(page);
                    } else {
                        clients.client().read(page);
                    }
                } else if (cache != null) {
                    cache.write(page, image.stamp(page));
                } else {
                    clients.client().write(page, image.stamp(page));
                }
                measurement.succeeded(read, start);
            } catch (IOException e) {
                measurement.failed(Errors.name(e));
            }
        }
    }
}
