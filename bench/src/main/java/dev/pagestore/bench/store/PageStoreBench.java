package dev.pagestore.bench.store;

import dev.pagestore.cache.BackingStore;
import dev.pagestore.cache.ClientVersions;
import dev.pagestore.cache.PageCache;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageClaims;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PollHandler;
import dev.pagestore.client.Poller;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The store's throughput through its public client, as JMH measures it: the starting point for a team's own JMH
 * suite against pagestore (copy this class, keep the {@link Store} and {@link Worker} states, replace the
 * {@code @Benchmark} methods with your own access pattern).
 *
 * <h2>Running it</h2>
 * From the repository root, after {@code ./mvnw -q -pl bench -am package -DskipTests}:
 * <pre>
 * $(bin/find-jdk)/bin/java -jar bench/target/benchmarks.jar PageStoreBench -f 1 -wi 3 -w 2s -i 5 -r 2s -t 2
 * </pre>
 * {@code -t} is the number of JMH threads, each a worker with its own client; JMH adds their throughputs.
 * One benchmark: {@code 'PageStoreBench.read$'}. Other values of a parameter: {@code -p outstanding=1,4,32
 * -p pageSizeBytes=4096,16384}. Allocation per operation: add {@code -prof gc} and read
 * {@code gc.alloc.rate.norm} (bytes per operation; the benchmark code itself allocates nothing per operation,
 * so the figure is the client's, and the page cache's in {@link #mixCached}). Each trial (one benchmark and one
 * set of parameters) makes a fresh store, so a trial costs its warm-up and measurement plus the manager's start
 * and the pre-write of the working set (6.3 to 6.8 s for the default 65,536 pages on a 2-vCPU VM).
 *
 * <h2>What runs where</h2>
 * The manager is its own JVM, as in production: the {@code pagestore manager} command ({@code PageStoreCli}) on a
 * fresh store with a capacity of exactly the working set, in a new directory under {@code bench/target} (or
 * {@code target} when run from the bench module; {@code -Dpagestore.jmh.dir=DIR} elsewhere: a directory on the
 * file system to be measured, not a tmpfs). It starts in {@link Store#start} ({@code @Setup(Level.Trial)}), which
 * then writes every page of the working set once (a page never written is a hole in the data file: reading it would
 * not touch the device), and stops in {@link Store#stop} with SIGTERM (a clean stop: drain and checkpoint; an exit
 * code other than 0 fails the trial); the directory is then removed, but kept with the manager's log when the
 * manager failed. {@code --exit-with-parent} stops the manager when the JMH fork dies without a tear-down.
 *
 * <p>Each JMH thread is a worker: its {@link Worker} state ({@code Scope.Thread}) attaches its own
 * {@link PageStoreClient}, so each thread has a channel of its own, as separate worker processes do. (A client may
 * also be shared by many threads; {@code SharedClientBench} measures that.)
 *
 * <h2>Benchmarks (operations per second; each counts completed operations)</h2>
 * <ul>
 * <li>{@link #read}: a uniformly random page of the working set, read into a reused {@code MemorySegment}.
 * <li>{@link #write}: a uniformly random page, written durably (in the WAL when the write completes).
 * <li>{@link #readPolled}: {@link #read} with {@code outstanding} in flight through the client's {@link Poller}.
 * <li>{@link #writeInPlace}: a synchronous write built in the request's own slot ({@link PageClaims}).
 * <li>{@link #batch}: an atomic batch of two distinct random pages (both or neither after a crash); one operation
 *     is one batch, i.e. two pages.
 * <li>{@link #mix}: 70% reads, 30% durable writes, random pages.
 * <li>{@link #mixCached}: the same mix through a {@link PageCache} per thread (Caffeine, kept coherent by the
 *     manager's page-version table), synchronous calls only: the cache has no asynchronous API. Reads that hit
 *     never reach the manager; writes go through.
 * </ul>
 *
 * <h2>Parameters</h2>
 * <ul>
 * <li>{@code outstanding} (read, write, batch, mix): requests each thread keeps in flight. 1 is the synchronous call
 *     ({@code read}, {@code write}, {@code writeBatch}); n &gt; 1 keeps n asynchronous requests in flight: each
 *     invocation waits for the oldest, then issues the next in its place, so throughput counts completions. A
 *     client's ring holds the manager's ring capacity (64 entries by default; a batch of two takes four): beyond
 *     it, calls wait for a free entry.
 * <li>{@code pageSizeBytes}: the store's page size ({@code --page-size}: 4096, 8192 or 16384).
 * <li>{@code backend}: the manager's {@code --backend}: io_uring, portable, auto (io_uring where the kernel offers
 *     it) or simulated (a simulated NVMe controller over the data file, for tests).
 * <li>{@code workingSetPages}: pages the benchmarks touch, uniformly; also the store's capacity, all written in set-up.
 * <li>{@code cachePercent} (mixCached only): each thread's cache holds this share of the working set's bytes.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class PageStoreBench {
    /** The deadline of every call: far beyond any healthy answer, so a timeout means a stuck store. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    static final int PERCENT_READS = 70;

    /** The manager process and its store, shared by all threads of a trial. */
    @State(Scope.Benchmark)
    public static class Store {
        static final long DETACH_WAIT_MILLIS = 60_000;

        @Param({"io_uring"})
        public String backend;

        @Param({"4096"})
        public int pageSizeBytes;

        @Param({"65536"})
        public long workingSetPages;

        ManagerProcess manager;
        Path store;
        /**
         * Worker states attached and not yet detached. JMH's first thread to finish tears this state down right after
         * its own worker, while the others may still be detaching: {@link #stop} waits for them.
         */
        final AtomicInteger attachedWorkers = new AtomicInteger();

        @Setup(Level.Trial)
        public void start() throws IOException, InterruptedException {
            if (workingSetPages < 2) {
                throw new IllegalArgumentException("workingSetPages=" + workingSetPages + " must be at least 2"
                        + " (a batch takes two distinct pages)");
            }
            manager = ManagerProcess.start(backend, pageSizeBytes, workingSetPages);
            store = manager.store;
            Prefill.everyPage(store, backend, pageSizeBytes, workingSetPages);
        }

        /** Waits for the workers to detach, then stops the manager ({@link ManagerProcess#stop}). */
        @TearDown(Level.Trial)
        public void stop() throws IOException, InterruptedException {
            long detachDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DETACH_WAIT_MILLIS);
            while (attachedWorkers.get() > 0 && System.nanoTime() < detachDeadline) {
                Thread.sleep(1);
            }
            manager.stop();
        }
    }

    /** One JMH thread as a worker: its own client, buffers made once, up to {@code outstanding} requests in flight. */
    @State(Scope.Thread)
    public static class Worker {
        @Param({"1", "16"})
        public int outstanding;

        PageStoreClient client;
        Store store;
        Arena arena;
        long workingSetPages;
        Pages pages;
        /** One destination per request in flight: the client's completion thread fills it (a shared arena). */
        MemorySegment[] readPages;
        /** The bytes every write sends: the client copies them into a ring slot before the call returns. */
        MemorySegment writePage;
        final long[] batchPageNumbers = new long[2];
        byte[][] batchData;
        CompletableFuture<?>[] inFlight;
        /** For {@link #readPolled}: the read buffers not in flight (their index is the request's tag). */
        int[] freeBuffers;
        int freeCount;
        long lastTag;
        /** Made once: a polled completion frees its buffer. */
        PollHandler onPolled;
        /** The slot of {@link #inFlight} whose request is the oldest, and the next to be replaced. */
        int oldest;

        @Setup(Level.Trial)
        public void attach(Store store) throws IOException {
            if (outstanding < 1) {
                throw new IllegalArgumentException("outstanding=" + outstanding + " must be at least 1");
            }
            client = PageStoreClient.attach(store.store, options("jmh-" + Thread.currentThread().getName()));
            this.store = store;
            store.attachedWorkers.incrementAndGet();
            arena = Arena.ofShared();
            workingSetPages = store.workingSetPages;
            pages = new Pages(workingSetPages, Thread.currentThread().threadId());
            int pageSize = client.pageSizeBytes();
            readPages = new MemorySegment[outstanding];
            for (int i = 0; i < outstanding; i++) {
                readPages[i] = arena.allocate(pageSize, pageSize);
            }
            SplittableRandom random = new SplittableRandom(Thread.currentThread().threadId());
            writePage = randomPage(arena, pageSize, random);
            batchData = new byte[][] {randomPage(arena, pageSize, random).toArray(ValueLayout.JAVA_BYTE),
                    randomPage(arena, pageSize, random).toArray(ValueLayout.JAVA_BYTE)};
            inFlight = new CompletableFuture<?>[outstanding];
            freeBuffers = new int[outstanding];
            for (int i = 0; i < outstanding; i++) {
                freeBuffers[freeCount++] = i;
            }
            onPolled = (tag, error) -> {
                if (error != null) {
                    throw new IllegalStateException("a polled read failed: " + error);
                }
                freeBuffers[freeCount++] = (int) tag;
                lastTag = tag;
            };
        }

        /** Keeps {@code outstanding} reads in flight through the client's {@link Poller}; one call, one completion. */
        long readPolled() throws IOException {
            Poller poller = client.poller();
            while (freeCount > 0 && poller.trySubmitRead(pages.next(), readPages[freeBuffers[freeCount - 1]],
                    freeBuffers[freeCount - 1], CALL_TIMEOUT)) {
                freeCount--;
            }
            if (poller.poll(onPolled, 1, CALL_TIMEOUT) == 0) {
                throw new IllegalStateException("no read completed within " + CALL_TIMEOUT);
            }
            return readPages[(int) lastTag].get(ValueLayout.JAVA_LONG, 0);
        }

        /** A synchronous write built in the request's own slot ({@link PageClaims}); the copy stands for building. */
        void writeInPlace() throws IOException {
            PageClaims claims = client.claims();
            long claim = claims.claimWrite(pages.next(), CALL_TIMEOUT);
            claims.page(claim).copyFrom(writePage);
            claims.commit(claim);
        }

        long read() throws IOException {
            if (outstanding == 1) {
                client.read(pages.next(), readPages[0], CALL_TIMEOUT);
                return readPages[0].get(ValueLayout.JAVA_LONG, 0);
            }
            long done = awaitOldest();
            inFlight[oldest] = client.readAsync(pages.next(), readPages[oldest], CALL_TIMEOUT);
            advance();
            return done;
        }

        void write() throws IOException {
            if (outstanding == 1) {
                client.write(pages.next(), writePage, CALL_TIMEOUT);
                return;
            }
            awaitOldest();
            inFlight[oldest] = client.writeAsync(pages.next(), writePage, CALL_TIMEOUT);
            advance();
        }

        void batch() throws IOException {
            pages.distinctPair(batchPageNumbers);
            if (outstanding == 1) {
                client.writeBatch(batchPageNumbers, batchData, CALL_TIMEOUT);
                return;
            }
            awaitOldest();
            inFlight[oldest] = client.writeBatchAsync(batchPageNumbers, batchData, CALL_TIMEOUT);
            advance();
        }

        long mix() throws IOException {
            if (pages.percent() < PERCENT_READS) {
                return read();
            }
            write();
            return 0;
        }

        /**
         * Waits for the request in the oldest slot, if any (the first {@code outstanding} calls of a trial find it
         * empty: they fill the pipeline during warm-up); a read's answer is the first 8 bytes of its page.
         */
        private long awaitOldest() {
            CompletableFuture<?> request = inFlight[oldest];
            if (request == null) {
                return 0;
            }
            return request.join() instanceof MemorySegment page ? page.get(ValueLayout.JAVA_LONG, 0) : 0;
        }

        private void advance() {
            oldest = oldest + 1 == outstanding ? 0 : oldest + 1;
        }

        /** Waits for what is still in flight, then detaches; {@link Store#stop} waits for this. */
        @TearDown(Level.Trial)
        public void detach() {
            try {
                long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
                while (freeCount < outstanding && System.nanoTime() < deadline) {
                    client.poller().poll(onPolled, outstanding, Duration.ofMillis(100));
                }
                for (CompletableFuture<?> request : inFlight) {
                    if (request != null) {
                        request.join();
                    }
                }
            } finally {
                client.close();
                arena.close();
                store.attachedWorkers.decrementAndGet();
            }
        }
    }

    /** A worker thread with a page cache: synchronous calls (the cache's API), its own client. */
    @State(Scope.Thread)
    public static class CachedWorker {
        @Param({"50"})
        public int cachePercent;

        PageStoreClient client;
        Store store;
        PageCache cache;
        Pages pages;
        byte[] writePage;

        @Setup(Level.Trial)
        public void attach(Store store) throws IOException {
            if (cachePercent < 0 || cachePercent > 100) {
                throw new IllegalArgumentException("cachePercent=" + cachePercent + " must be in [0, 100]");
            }
            client = PageStoreClient.attach(store.store, options("jmh-cached-" + Thread.currentThread().getName()));
            this.store = store;
            store.attachedWorkers.incrementAndGet();
            long capacityBytes = store.workingSetPages * client.pageSizeBytes() * cachePercent / 100;
            cache = new PageCache(BackingStore.of(client), new ClientVersions(client), capacityBytes);
            pages = new Pages(store.workingSetPages, Thread.currentThread().threadId());
            writePage = new byte[client.pageSizeBytes()];
            new SplittableRandom(Thread.currentThread().threadId()).nextBytes(writePage);
        }

        @TearDown(Level.Trial)
        public void detach() {
            try {
                System.out.printf("%n[PageStoreBench] %s cache: %s%n", Thread.currentThread().getName(),
                        cache.stats());
                client.close();
            } finally {
                store.attachedWorkers.decrementAndGet();
            }
        }
    }

    @Benchmark
    public long read(Worker worker) throws IOException {
        return worker.read();
    }

    @Benchmark
    public void write(Worker worker) throws IOException {
        worker.write();
    }

    @Benchmark
    public long readPolled(Worker worker) throws IOException {
        return worker.readPolled();
    }

    @Benchmark
    public void writeInPlace(Worker worker) throws IOException {
        worker.writeInPlace();
    }

    @Benchmark
    public void batch(Worker worker) throws IOException {
        worker.batch();
    }

    @Benchmark
    public long mix(Worker worker) throws IOException {
        return worker.mix();
    }

    /** Returns the page read (a copy the cache made), or null after a write. */
    @Benchmark
    public byte[] mixCached(CachedWorker worker) throws IOException {
        long page = worker.pages.next();
        if (worker.pages.percent() < PERCENT_READS) {
            return worker.cache.read(page);
        }
        worker.cache.write(page, worker.writePage);
        return null;
    }

    static ClientOptions options(String name) {
        String clientName = name.length() > 64 ? name.substring(0, 64) : name;
        return ClientOptions.defaults().withClientName(clientName).withDefaultTimeout(CALL_TIMEOUT);
    }

    static MemorySegment randomPage(Arena arena, int pageSizeBytes, SplittableRandom random) {
        byte[] bytes = new byte[pageSizeBytes];
        random.nextBytes(bytes);  // nothing on the way can compress it
        MemorySegment page = arena.allocate(pageSizeBytes, pageSizeBytes);
        MemorySegment.copy(bytes, 0, page, ValueLayout.JAVA_BYTE, 0, pageSizeBytes);
        return page;
    }
}
