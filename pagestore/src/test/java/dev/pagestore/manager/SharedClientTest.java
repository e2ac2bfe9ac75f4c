package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cache.BackingStore;
import dev.pagestore.cache.ClientVersions;
import dev.pagestore.cache.PageCache;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStore;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clients shared by many platform and virtual threads: correct answers, and no channel or thread per caller. */
class SharedClientTest {
    @TempDir
    Path directory;

    private ManagerConfig config() {
        return ManagerConfig.defaults(directory).withCapacityPages(1024).withCheckpointIntervalMillis(0);
    }

    @Test
    void shouldServeHundredsOfVirtualAndPlatformThreadsThroughTwoChannelsAddingNone() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStore store = PageStore.open(directory, ClientOptions.defaults(), 2)) {
            long threadsBefore = clientThreads();
            long channelsBefore = mappedChannels();
            List<Future<?>> calls = new ArrayList<>();
            try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
                    ExecutorService platform = Executors.newFixedThreadPool(4)) {
                for (int t = 0; t < 200; t++) {
                    long p = t;
                    calls.add(virtual.submit(() -> writeThenRead(store, p, 3)));
                }
                for (int t = 200; t < 240; t++) {
                    long p = t;
                    calls.add(platform.submit(() -> writeThenRead(store, p, 5)));
                }
                for (Future<?> call : calls) {
                    call.get();  // rethrows a thread's failure
                }
            }
            assertEquals(threadsBefore, clientThreads(), "callers added client threads");
            assertEquals(channelsBefore, mappedChannels(), "callers added channels");
            assertEquals(2, store.channels());
        }
    }

    @Test
    void shouldLetAnyThreadUseAClientAttachedByAnotherAndKeepManyRequestsInFlightFromMany() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(0, page(4096, 0, 1));
            List<Future<?>> calls = new ArrayList<>();
            try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 16; t++) {
                    long first = 1 + t * 16L;
                    calls.add(virtual.submit(() -> {
                        List<CompletableFuture<Void>> writes = new ArrayList<>();
                        for (long p = first; p < first + 16; p++) {
                            long pageNumber = p;
                            // 16 threads of 16 writes each share 64 slots: an asynchronous call finding none free
                            // fails with BUSY at once, and is posted again.
                            writes.add(SelfReapingClientTest.whenRoom(() -> client.writeAsync(pageNumber,
                                    page(4096, pageNumber, 9))));
                        }
                        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
                        for (long p = first; p < first + 16; p++) {
                            assertArrayEquals(page(4096, p, 9), client.read(p), "page " + p);
                        }
                        client.writeBatch(new long[] {first, first + 1}, new byte[][] {page(4096, first, 10),
                                page(4096, first + 1, 10)});
                        assertArrayEquals(page(4096, first + 1, 10), client.read(first + 1));
                        return null;
                    }));
                }
                for (Future<?> call : calls) {
                    call.get();
                }
            }
            assertArrayEquals(page(4096, 0, 1), client.read(0), "the attaching thread still uses it");
            assertEquals(0, client.unmappedCompletions());
        }
    }

    @Test
    void shouldPostAtomicBatchesWholeWhileOtherThreadsCompeteForTheLastPermits() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory,
                        ClientOptions.defaults().withRingCapacity(16))) {
            int batch = client.batchPagesMax();  // 14: a batch and its markers take every permit
            List<Future<?>> calls = new ArrayList<>();
            try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 12; t++) {
                    long first = t * 32L;
                    boolean batches = t % 2 == 0;
                    calls.add(virtual.submit(() -> {
                        for (int round = 1; round <= 5; round++) {
                            if (batches) {
                                long[] pages = new long[batch];
                                byte[][] images = new byte[batch][];
                                for (int i = 0; i < batch; i++) {
                                    pages[i] = first + i;
                                    images[i] = page(4096, pages[i], round);
                                }
                                client.writeBatch(pages, images);
                            } else {
                                client.write(first, page(4096, first, round));
                            }
                            assertArrayEquals(page(4096, first, round), client.read(first));
                        }
                        return null;
                    }));
                }
                for (Future<?> call : calls) {
                    call.get();  // an INVALID (a batch left open, another's request inside it) fails here
                }
            }
        }
    }

    @Test
    void shouldRefuseASynchronousCallFromACompletionCallbackAtOnceAndKeepServing() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            // A callback runs on the completion thread only when the answer comes after it is attached; try until
            // one does, and check every one that did.
            int onCompletionThread = 0;
            for (int attempt = 0; attempt < 200 && onCompletionThread < 3; attempt++) {
                AtomicReference<Throwable> refused = new AtomicReference<>();
                AtomicBoolean onReaper = new AtomicBoolean();
                long start = System.nanoTime();
                client.readAsync(0).thenAccept(first -> {
                    onReaper.set(Thread.currentThread().getName().startsWith("pagestore-client-completions"));
                    try {
                        if (Thread.currentThread().getName().startsWith("pagestore-client-completions")) {
                            client.write(60, page(4096, 60, 1));  // refused before anything is sent
                        }
                        client.read(1);  // would wait for the very thread that runs this callback
                    } catch (Throwable e) {
                        refused.set(e);
                    }
                }).get();
                if (onReaper.get()) {
                    onCompletionThread++;
                    assertTrue(refused.get() instanceof IllegalStateException
                            && refused.get().getMessage().contains("completion callback"), String.valueOf(refused.get()));
                    assertTrue(System.nanoTime() - start < 2_000_000_000L, "refused at once, not at the deadline");
                } else {
                    assertEquals(null, refused.get(), "a callback on the calling thread may wait");
                }
            }
            assertTrue(onCompletionThread > 0, "no callback ran on the completion thread in 200 tries");
            assertArrayEquals(new byte[4096], client.read(60), "the refused write was never sent");
            CompletableFuture<byte[]> async = client.readAsync(0).thenCompose(first -> {
                try {
                    return client.readAsync(1);  // asynchronous from the callback: allowed, never waits
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertEquals(4096, async.get().length);
            assertEquals(4096, client.read(2).length, "the client still serves");
        }
    }

    @Test
    void shouldServeAPageCacheOverTheSharedClientsToManyVirtualThreads() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStore store = PageStore.open(directory, ClientOptions.defaults(), 2)) {
            PageCache cache = new PageCache(BackingStore.of(store), new ClientVersions(store), 1 << 20);
            List<Future<?>> calls = new ArrayList<>();
            try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 50; t++) {
                    long p = t;
                    calls.add(virtual.submit(() -> {
                        cache.write(p, page(4096, p, 4));
                        for (int i = 0; i < 3; i++) {
                            assertArrayEquals(page(4096, p, 4), cache.read(p), "page " + p);
                        }
                        return null;
                    }));
                }
                for (Future<?> call : calls) {
                    call.get();
                }
            }
            store.write(7, page(4096, 7, 5));  // past the cache: its version moves, the cached image is stale
            assertArrayEquals(page(4096, 7, 5), cache.read(7));
            assertTrue(cache.stats().hits() >= 100, "reads after a write-through hit: " + cache.stats());
        }
    }

    @Test
    void shouldFailPostersWaitingForAFreeSlotAtOnceWhenTheManagerGoes() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        // The held reads never finish: the stop waits 1 s for them, not the default 10 s.
        PageStoreManager manager = PageStoreManager.start(config().withBackend(SimulatedDevices.simulated(5,
                device::set)).withStopWaitMillis(1000));
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                .withRingCapacity(16))) {
            device.get().faults().holdNext(NvmeOpcodes.READ, 16);
            List<CompletableFuture<byte[]>> held = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                held.add(client.readAsync(i, Duration.ofSeconds(30)));  // every permit, on the device for good
            }
            List<Future<?>> waiting = new ArrayList<>();
            try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 4; t++) {
                    waiting.add(virtual.submit(() -> client.read(20, Duration.ofSeconds(30))));
                }
                Thread.sleep(300);  // they wait for a permit now
                manager.close();  // waits for the held commands a while: its going is what the waiters must hear
                long start = System.nanoTime();
                for (Future<?> call : waiting) {
                    Throwable failure = assertThrows(java.util.concurrent.ExecutionException.class, call::get)
                            .getCause();
                    assertTrue(failure instanceof PageStoreException e
                            && (e.code() == ErrorCode.MANAGER_GONE || e.code() == ErrorCode.SHUTTING_DOWN),
                            String.valueOf(failure));
                }
                assertTrue(System.nanoTime() - start < 5_000_000_000L, "the waiters failed when the manager went,"
                        + " not at their 30 s deadline");
            }
        } finally {
            manager.close();
        }
    }

    private static Void writeThenRead(PageStore store, long pageNumber, long sequence) throws IOException {
        store.write(pageNumber, page(4096, pageNumber, sequence));
        assertArrayEquals(page(4096, pageNumber, sequence), store.read(pageNumber), "page " + pageNumber);
        return null;
    }

    /** Live threads of the client library (completion threads and the manager watch), by their names. */
    private static long clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("pagestore-client") || t.getName().startsWith("pagestore-manager"))
                .count();
    }

    /** Shared-memory files this process has mapped (channels and status regions): distinct memfd inodes. */
    private static long mappedChannels() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(line -> line.contains("/memfd:")).map(line -> line.trim().split("\\s+")[4])
                .distinct().count();
    }
}
