package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two reactors serving the same pages: writes kept in order, no device read while another reactor writes it. */
class ReactorSharingTest {
    @TempDir
    Path directory;

    private ManagerConfig config() {
        return ManagerConfig.defaults(directory).withCapacityPages(1024).withCheckpointIntervalMillis(0);
    }

    @Test
    void shouldKeepSamePageWritesOrderedAcrossTwoReactors() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config().withReactorCount(2))) {
            // Threads attach a client (a channel) each; channels alternate between the two reactors. All hammer pages 0..3.
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 4; t++) {
                int thread = t;
                Thread worker = new Thread(() -> {
                    try (PageStoreClient mine = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                        for (int s = 1; s <= 50; s++) {
                            long p = s % 4;
                            mine.write(p, page(4096, p, thread * 1000L + s));
                            byte[] back = mine.read(p);
                            ByteBuffer b = ByteBuffer.wrap(back);
                            for (int i = 0; i < 4096; i += 16) {
                                if (b.getLong(i) != p || b.getLong(i + 8) != b.getLong(8)) {
                                    throw new AssertionError("page " + p + " torn at " + i);
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                threads.add(worker);
                worker.start();
            }
            for (Thread worker : threads) {
                worker.join();
            }
            assertEquals(List.of(), failures);
        }
        // The data file and the log agree: after a restart (which replays the log) each page holds a whole write.
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            for (long p = 0; p < 4; p++) {
                ByteBuffer b = ByteBuffer.wrap(client.read(p));
                assertEquals(p, b.getLong(0));
            }
        }
    }

    @Test
    void shouldNeverHaveAReadOnTheDeviceWhileAnotherReactorWritesThePage() throws Exception {
        int pageSize = 16384;
        // The simulated controller counts commands fetched over a range another in-flight command writes (a real
        // device may return a torn image there); this machine's disk never showed a torn read either way.
        AtomicReference<SimulatedNvmeDevice> device =
                new AtomicReference<>();
        try (PageStoreManager manager = PageStoreManager.start(config().withPageSizeBytes(pageSize)
                .withReactorCount(2).withBackend(SimulatedDevices.simulated(7, device::set)))) {
            // Four threads, one channel each, alternating between the two reactors: writers on even channels, readers
            // on odd ones, all on pages 0 and 1. Every image read must be one whole write (or zeros).
            long end = System.nanoTime() + 2_000_000_000L;
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            AtomicLong reads = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean writer = t % 2 == 0;
                int thread = t;
                Thread worker = new Thread(() -> {
                    try (PageStoreClient mine = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                        for (long s = 1; System.nanoTime() < end; s++) {
                            long p = s % 2;
                            if (writer) {
                                mine.write(p, page(pageSize, p, thread * 1_000_000L + s));
                                continue;
                            }
                            ByteBuffer b = ByteBuffer.wrap(mine.read(p));
                            reads.incrementAndGet();
                            for (int i = 0; i < pageSize; i += 16) {
                                if (b.getLong(i + 8) != b.getLong(8) || b.getLong(i) != b.getLong(0)) {
                                    throw new AssertionError("page " + p + " torn at byte " + i + ": sequence "
                                            + b.getLong(i + 8) + " there, " + b.getLong(8) + " at the start");
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                threads.add(worker);
                worker.start();
            }
            for (Thread worker : threads) {
                worker.join();
            }
            assertEquals(List.of(), failures);
            assertTrue(reads.get() > 100, "the readers read (" + reads.get() + ")");
            assertEquals(0, device.get().overlappingCommands(), "commands on the device over a page being written");
        }
    }

    @Test
    void shouldServeAPageOnOneReactorWhileAnotherReactorKeepsReadingIt() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config().withReactorCount(2));
                PageStoreClient other = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            // Channels alternate between the reactors: "other" is on one, "hot" (attached by its own thread, its
            // owner) on the other. "hot" keeps 16 overlapping reads of page 7 in flight, so its reactor always has
            // work on that page's stripe.
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch attached = new CountDownLatch(1);
            CompletableFuture<Long> hotReads = new CompletableFuture<>();
            Thread hotThread = new Thread(() -> {
                try (PageStoreClient hot = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                    attached.countDown();
                    List<CompletableFuture<byte[]>> inFlight = new ArrayList<>();
                    long reads = 0;
                    while (!stop.get()) {
                        reads += inFlight.size();
                        inFlight.removeIf(CompletableFuture::isDone);
                        reads -= inFlight.size();
                        while (inFlight.size() < 16) {
                            inFlight.add(hot.readAsync(7));
                        }
                        Thread.onSpinWait();
                    }
                    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
                    hotReads.complete(reads);
                } catch (Throwable e) {
                    hotReads.completeExceptionally(e);
                }
            });
            hotThread.start();
            assertTrue(attached.await(30, TimeUnit.SECONDS));
            Thread.sleep(200);
            long slowest = 0;
            try {
                for (int s = 1; s <= 100; s++) {
                    long start = System.nanoTime();
                    other.write(7, page(4096, 7, s), Duration.ofSeconds(2));
                    assertArrayEquals(page(4096, 7, s), other.read(7, Duration.ofSeconds(2)));
                    slowest = Math.max(slowest, System.nanoTime() - start);
                }
            } finally {
                stop.set(true);
                hotThread.join();
            }
            long reads = hotReads.get(30, TimeUnit.SECONDS);
            System.out.printf("other reactor's write+read of a page read non-stop elsewhere (%,d reads): slowest"
                    + " %.2f ms%n", reads, slowest / 1e6);
            assertTrue(reads > 100, "the hot reader kept reading");
        }
    }
}
