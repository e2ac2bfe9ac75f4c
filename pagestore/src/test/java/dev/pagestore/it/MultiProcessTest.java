package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.ManagerAlreadyRunningException;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.status.StatusFigures;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real worker JVMs (and a real manager JVM where the manager must die) against one data directory. */
class MultiProcessTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final long CAPACITY = 4096;
    private static final long[] BATCH_PAGES = {1000, 1001, 1002, 1003};

    @TempDir
    Path directory;

    private ManagerConfig config() {
        return ManagerConfig.defaults(directory).withCapacityPages(CAPACITY).withCheckpointIntervalMillis(0);
    }

    private ChildJvm loadWorker(long first, int count, long millis, long seed) throws Exception {
        return loadWorker(first, count, millis, seed, Long.MAX_VALUE);
    }

    /** A load worker that only reads, without checking, the pages at or above {@code foreignFrom}. */
    private ChildJvm loadWorker(long first, int count, long millis, long seed, long foreignFrom) throws Exception {
        ChildJvm child = ChildJvm.start(WorkerMain.class, directory.toString(), "load", Long.toString(first),
                Integer.toString(count), Long.toString(millis), Long.toString(seed), Long.toString(foreignFrom));
        assertEquals("READY", child.awaitLine(STARTUP), "worker " + first + " did not attach");
        return child;
    }

    private static void assertDone(ChildJvm child, String what) throws Exception {
        String line = child.awaitLine(STARTUP);
        assertNotNull(line, what + " printed nothing");
        assertTrue(line.startsWith("DONE"), what + ": " + line);
        assertEquals(0, child.awaitExit(STARTUP), what + " exit code");
    }

    private ChildJvm managerProcess(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("manager", "--dir", directory.toString(), "--create",
                "--capacity-pages", Long.toString(CAPACITY), "--checkpoint-interval-ms", "0"));
        args.addAll(List.of(extra));
        ChildJvm manager = ChildJvm.start(PageStoreCli.class, args.toArray(String[]::new));
        String line = manager.awaitLineStartingWith("pagestore manager pid", STARTUP);
        assertNotNull(line, "the manager process did not start");
        return manager;
    }

    @Test
    void shouldServeConcurrentWorkerProcessesWithContentChecks() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                ChildJvm a = loadWorker(0, 64, 3000, 1);
                ChildJvm b = loadWorker(64, 64, 3000, 2)) {
            assertDone(a, "worker a");
            assertDone(b, "worker b");
            try (StatusView status = StatusView.observe(directory)) {
                assertTrue(StatusFigures.sumReactors(status, StatusRegionDescriptor.WRITE_REQUESTS) > 0);
                assertEquals(0, StatusFigures.sumReactors(status, StatusRegionDescriptor.ERRORS));
                assertEquals(0, StatusFigures.sumReactors(status, StatusRegionDescriptor.INVALID_REQUESTS));
            }
        }
    }

    @Test
    void shouldAnswerInvalidToGarbageDescriptorsWhileOthersKeepWorking() throws Exception {
        long descriptors = Long.getLong("pagestore.fuzz.descriptors", 100_000);
        try (PageStoreManager manager = PageStoreManager.start(config());
                // The fuzzer's valid writes land at CAPACITY / 2 and above, with whatever its slots hold.
                ChildJvm good = loadWorker(0, 64, 4000, 3, CAPACITY / 2);
                ChildJvm garbage = ChildJvm.start(GarbageWorkerMain.class, directory.toString(),
                        Long.toString(descriptors), "77", Long.toString(CAPACITY / 2), Long.toString(CAPACITY),
                        "4096")) {
            assertEquals("READY", garbage.awaitLine(STARTUP));
            String line = garbage.awaitLine(Duration.ofSeconds(120));
            assertNotNull(line, "the garbage worker printed nothing");
            assertTrue(line.startsWith("DONE"), line);
            System.out.println("fuzz: " + line);
            assertEquals(0, garbage.awaitExit(STARTUP));
            assertDone(good, "the well-behaved worker");
            try (StatusView status = StatusView.observe(directory);
                    PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                assertTrue(StatusFigures.sumReactors(status, StatusRegionDescriptor.INVALID_REQUESTS) > descriptors / 4,
                        "most garbage is INVALID");
                client.write(1, WorkerMain.stamp(4096, 1, 99));
                assertArrayEquals(WorkerMain.stamp(4096, 1, 99), client.read(1), "the manager still serves");
            }
        }
    }

    @Test
    void shouldReclaimKilledWorkersChannelAndKeepOthersWorking() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                ChildJvm victim = loadWorker(0, 64, 20_000, 4);
                ChildJvm survivor = loadWorker(64, 64, 4000, 5)) {
            assertEquals(2, manager.attachedWorkers());
            Thread.sleep(1000);
            victim.kill9();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (manager.attachedWorkers() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, manager.attachedWorkers(), "the killed worker's session ends");
            try (StatusView status = StatusView.observe(directory)) {
                deadline = System.nanoTime() + 10_000_000_000L;
                while (StatusFigures.sumReactors(status, StatusRegionDescriptor.CHANNELS) > 1
                        && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(1, StatusFigures.sumReactors(status, StatusRegionDescriptor.CHANNELS),
                        "the killed worker's channel is reclaimed");
            }
            assertDone(survivor, "the surviving worker");
        }
    }

    @Test
    void shouldFailPendingCallsWithManagerGoneAndLoseNoAcknowledgedWriteAcrossKill() throws Exception {
        ChildJvm manager = managerProcess();
        Map<Long, Long> acknowledged = new ConcurrentHashMap<>();
        Map<Long, Long> issued = new HashMap<>();
        AtomicLong lastFailureNanos = new AtomicLong();
        AtomicLong managerGoneFailures = new AtomicLong();
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            List<CompletableFuture<Void>> inFlight = new ArrayList<>();
            long killAt = System.nanoTime() + 1_500_000_000L;
            long killedAt = 0;
            long sequence = 0;
            while (true) {
                if (killedAt == 0 && System.nanoTime() > killAt) {
                    killedAt = System.nanoTime();
                    manager.kill9();
                    break;
                }
                inFlight.removeIf(CompletableFuture::isDone);
                if (inFlight.size() >= 32) {
                    Thread.onSpinWait();
                    continue;
                }
                long page = sequence % 200;
                long seq = ++sequence;
                CompletableFuture<Void> f;
                if (seq % 8 == 0) {
                    // An atomic batch over the same four pages each time: after recovery all four must agree.
                    byte[][] images = new byte[BATCH_PAGES.length][];
                    for (int i = 0; i < images.length; i++) {
                        images[i] = WorkerMain.stamp(4096, BATCH_PAGES[i], seq);
                        issued.put(BATCH_PAGES[i], seq);
                    }
                    f = client.writeBatchAsync(BATCH_PAGES, images, Duration.ofSeconds(5));
                    page = BATCH_PAGES[0];
                } else {
                    issued.put(page, seq);
                    f = client.writeAsync(page, WorkerMain.stamp(4096, page, seq));
                }
                long acknowledgedPage = page;
                f.whenComplete((v, e) -> {
                    if (e == null) {
                        if (acknowledgedPage == BATCH_PAGES[0]) {
                            for (long batchPage : BATCH_PAGES) {
                                acknowledged.merge(batchPage, seq, Math::max);
                            }
                        } else {
                            acknowledged.merge(acknowledgedPage, seq, Math::max);
                        }
                    } else {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                        if (cause instanceof PageStoreException p && p.code() == ErrorCode.MANAGER_GONE) {
                            managerGoneFailures.incrementAndGet();
                        }
                        lastFailureNanos.accumulateAndGet(System.nanoTime(), Math::max);
                    }
                });
                inFlight.add(f);
            }
            for (CompletableFuture<Void> f : inFlight) {
                try {
                    f.get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException expected) {
                    // MANAGER_GONE (or acknowledged just before the kill)
                }
            }
            long pendingFailedAfterMillis = lastFailureNanos.get() == 0 ? 0
                    : (lastFailureNanos.get() - killedAt) / 1_000_000;
            System.out.println("manager kill: " + acknowledged.size() + " pages acknowledged, "
                    + managerGoneFailures.get() + " pending writes failed MANAGER_GONE, the last "
                    + pendingFailedAfterMillis + " ms after SIGKILL was sent");
            assertTrue(pendingFailedAfterMillis < 5000, "pending calls must fail promptly, took "
                    + pendingFailedAfterMillis + " ms");
            PageStoreException gone = assertThrows(PageStoreException.class, () -> client.read(0));
            assertEquals(ErrorCode.MANAGER_GONE, gone.code());
            assertTrue(!acknowledged.isEmpty(), "some writes were acknowledged before the kill");

            ChildJvm restarted = managerProcess();
            try {
                client.reattach(Duration.ofSeconds(30));
                long batchSequence = -1;
                for (long batchPage : BATCH_PAGES) {
                    long seq = ByteBuffer.wrap(client.read(batchPage)).getLong(8);
                    if (batchSequence >= 0) {
                        assertEquals(batchSequence, seq, "atomic batch pages disagree after recovery: page "
                                + batchPage);
                    }
                    batchSequence = seq;
                }
                for (Map.Entry<Long, Long> entry : acknowledged.entrySet()) {
                    byte[] data = client.read(entry.getKey());
                    long seq = ByteBuffer.wrap(data).getLong(8);
                    WorkerMain.check(data, entry.getKey(), entry.getValue(), issued.get(entry.getKey()));
                    assertTrue(seq >= entry.getValue(), "page " + entry.getKey() + " lost acknowledged write "
                            + entry.getValue() + " (has " + seq + ")");
                }
            } finally {
                restarted.process().destroy();  // SIGTERM: drain, checkpoint, exit 0
                assertEquals(0, restarted.awaitExit(STARTUP), "SIGTERM exits 0");
            }
        } finally {
            manager.close();
        }
        // After the clean stop the checkpoint covers everything: a new start replays nothing.
        try (PageStoreManager again = PageStoreManager.start(config())) {
            assertEquals(0, again.recoveryReport().pagesApplied(), "a clean stop leaves nothing to replay");
            try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                for (Map.Entry<Long, Long> entry : acknowledged.entrySet()) {
                    WorkerMain.check(client.read(entry.getKey()), entry.getKey(), entry.getValue(),
                            issued.get(entry.getKey()));
                }
            }
        }
    }

    @Test
    void shouldRefuseSecondManagerOnTheSameDirectoryNamingThePid() throws Exception {
        ChildJvm manager = managerProcess();
        try {
            ManagerAlreadyRunningException refused = assertThrows(ManagerAlreadyRunningException.class,
                    () -> PageStoreManager.start(config()));
            assertTrue(refused.getMessage().contains("pid " + manager.pid()), refused.getMessage());
            try (ChildJvm second = ChildJvm.start(PageStoreCli.class, "manager", "--dir", directory.toString())) {
                assertEquals(1, second.awaitExit(STARTUP), "a second manager process exits 1");
            }
        } finally {
            manager.process().destroy();
            assertEquals(0, manager.awaitExit(STARTUP));
        }
    }
}
