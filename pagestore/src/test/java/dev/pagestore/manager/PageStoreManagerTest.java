package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStore;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.NvmeStatus;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import dev.pagestore.status.StatusFigures;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager and the client in one JVM: the API's contract, deadlines, batches, restart with recovery. */
class PageStoreManagerTest {
    @TempDir
    Path directory;

    private ManagerConfig config() {
        return ManagerConfig.defaults(directory).withCapacityPages(1024).withCheckpointIntervalMillis(0);
    }

    static byte[] page(int size, long pageNumber, long sequence) {
        byte[] data = new byte[size];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(data);
        for (int i = 0; i + 16 <= size; i += 16) {
            b.putLong(i, pageNumber);
            b.putLong(i + 8, sequence);
        }
        return data;
    }

    @Test
    void shouldReadZerosThenWhatWasWritten() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            assertEquals(4096, client.pageSizeBytes());
            assertEquals(1024, client.capacityPages());
            assertArrayEquals(new byte[4096], client.read(5));
            long before = client.versions().version(5);
            client.write(5, page(4096, 5, 1));
            assertNotEquals(before, client.versions().version(5), "an acknowledged write bumps the page version");
            assertArrayEquals(page(4096, 5, 1), client.read(5));
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int p = 0; p < 40; p++) {
                writes.add(client.writeAsync(p, page(4096, p, 2)));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
            List<byte[]> pages = client.readMany(new long[] {0, 7, 39});
            assertArrayEquals(page(4096, 0, 2), pages.get(0));
            assertArrayEquals(page(4096, 7, 2), pages.get(1));
            assertArrayEquals(page(4096, 39, 2), pages.get(2));
            assertTrue(client.flush() > 0);
            assertEquals(0, client.unmappedCompletions());
            try (StatusView status = StatusView.observe(directory)) {
                assertEquals(StatusRegionDescriptor.STATE_RUNNING, status.state());
                assertEquals(ProcessHandle.current().pid(), status.managerPid());
                assertEquals(manager.epoch(), status.epoch());
                assertTrue(StatusFigures.sumReactors(status, StatusRegionDescriptor.WRITE_REQUESTS) >= 41);
                assertTrue(StatusFigures.sumReactors(status, StatusRegionDescriptor.READ_REQUESTS) >= 5);
                long p50 = StatusFigures.latencyPercentileNanos(status, 0.5);
                long p99 = StatusFigures.latencyPercentileNanos(status, 0.99);
                assertTrue(p50 > 0 && p50 <= p99, "p50=" + p50 + " p99=" + p99);
                System.out.println("in-process latency: p50 " + p50 + " ns, p99 " + p99
                        + " ns");
            }
            long start = System.nanoTime();
            for (int i = 0; i < 2000; i++) {
                client.read(i % 40);
            }
            long readMicros = (System.nanoTime() - start) / 2000 / 1000;
            start = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                client.write(i % 40, page(4096, i % 40, 3));
            }
            long writeMicros = (System.nanoTime() - start) / 50 / 1000;
            System.out.println("sequential round trips (portable backend, informational): read " + readMicros
                    + " us, write " + writeMicros + " us");
            for (int p = 0; p < 10; p++) {
                assertArrayEquals(page(4096, p, 3), client.read(p));
            }
        }
    }

    @Test
    void shouldKeepWritesToOnePageInOrder() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int s = 1; s <= 50; s++) {
                writes.add(client.writeAsync(3, page(4096, 3, s)));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
            assertArrayEquals(page(4096, 3, 50), client.read(3), "the last accepted write wins");
        }
    }

    @Test
    void shouldApplyAtomicBatchAndRejectBrokenOne() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.writeBatch(new long[] {10, 11, 12}, new byte[][] {page(4096, 10, 1), page(4096, 11, 1),
                    page(4096, 12, 1)});
            for (int p = 10; p <= 12; p++) {
                assertArrayEquals(page(4096, p, 1), client.read(p));
            }
            PageStoreException duplicate = assertThrows(PageStoreException.class, () -> client.writeBatch(
                    new long[] {20, 20}, new byte[][] {page(4096, 20, 1), page(4096, 20, 2)}));
            assertEquals(ErrorCode.INVALID, duplicate.code());
            assertArrayEquals(new byte[4096], client.read(20), "an INVALID batch writes nothing");
        }
    }

    @Test
    void shouldRecoverAcknowledgedWritesAfterRestart() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            for (int p = 0; p < 20; p++) {
                client.write(p, page(4096, p, 7));
            }
        }
        long epoch;
        try (PageStoreManager manager = PageStoreManager.start(config());
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            epoch = manager.epoch();
            for (int p = 0; p < 20; p++) {
                assertArrayEquals(page(4096, p, 7), client.read(p));
            }
            assertEquals(epoch, client.epoch());
            assertEquals(epoch << 32, client.versions().version(1000) & ~0xFFFF_FFFFL,
                    "versions start at epoch << 32");
        }
    }

    @Test
    void shouldAnswerTimeoutForHeldCommandAndReleaseSlotLater() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        ManagerConfig config = config().withBackend(SimulatedDevices.simulated(42, device::set));
        try (PageStoreManager manager = PageStoreManager.start(config);
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(1, page(4096, 1, 1));
            device.get().faults().holdNext(NvmeOpcodes.READ, 1);
            long start = System.nanoTime();
            PageStoreException timeout = assertThrows(PageStoreException.class,
                    () -> client.read(1, Duration.ofMillis(200)));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(ErrorCode.TIMEOUT, timeout.code());
            assertTrue(tookMillis < 2000, "TIMEOUT came after " + tookMillis + " ms for a 200 ms deadline");
            device.get().faults().releaseHeld();
            assertArrayEquals(page(4096, 1, 1), client.read(1), "the store works after the held command");
            try (StatusView status = StatusView.observe(directory)) {
                assertTrue(StatusFigures.sumReactors(status, StatusRegionDescriptor.TIMEOUTS) >= 1);
            }
        }
    }

    @Test
    void shouldRefuseSecondManagerNamingThePid() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(config())) {
            ManagerAlreadyRunningException refused = assertThrows(ManagerAlreadyRunningException.class,
                    () -> PageStoreManager.start(config()));
            assertTrue(refused.getMessage().contains("pid " + ProcessHandle.current().pid()), refused.getMessage());
        }
    }

    @Test
    void shouldFailWithManagerGoneThenReattachAutomaticallyWhenManagerIsBack() throws Exception {
        PageStoreManager first = PageStoreManager.start(config());
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                .withAutoReattach(true))) {
            client.write(2, page(4096, 2, 1));
            long firstEpoch = client.epoch();
            first.close();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (client.isConnected() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            PageStoreException gone = assertThrows(PageStoreException.class, () -> client.read(2));
            assertEquals(ErrorCode.MANAGER_GONE, gone.code());
            try (PageStoreManager second = PageStoreManager.start(config())) {
                byte[] back = null;
                deadline = System.nanoTime() + 10_000_000_000L;
                while (back == null && System.nanoTime() < deadline) {
                    try {
                        back = client.read(2);
                    } catch (PageStoreException e) {
                        assertEquals(ErrorCode.MANAGER_GONE, e.code());
                        Thread.sleep(20);
                    }
                }
                assertArrayEquals(page(4096, 2, 1), back, "the re-attached client reads the new manager's store");
                assertEquals(firstEpoch + 1, client.epoch());
            }
        } finally {
            first.close();
        }
    }

    @Test
    void shouldNeverSendTheDeviceAReadAnsweredTimeoutWhileItWaitedForRoom() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        ManagerConfig config = config().withQueueDepth(1).withBackend(SimulatedDevices.simulated(11, device::set));
        try (PageStoreManager manager = PageStoreManager.start(config);
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(3, page(4096, 3, 1));
            device.get().faults().holdNext(NvmeOpcodes.READ, 1);
            CompletableFuture<byte[]> held = client.readAsync(1, Duration.ofSeconds(10));
            PageStoreException late = assertThrows(PageStoreException.class,
                    () -> client.read(2, Duration.ofMillis(200)), "its read waits behind the held one");
            assertEquals(ErrorCode.TIMEOUT, late.code());
            // The next read command the device executes fails. Had the timed-out read been sent once room came, it
            // would be that command; it must not be sent, so the next read of the store meets the failure.
            device.get().faults().failNext(NvmeOpcodes.READ, 1,
                    NvmeStatus.withDoNotRetry(NvmeStatus.DATA_TRANSFER_ERROR));
            device.get().faults().releaseHeld();
            held.get(10, java.util.concurrent.TimeUnit.SECONDS);
            PageStoreException failed = assertThrows(PageStoreException.class, () -> client.read(3));
            assertEquals(ErrorCode.IO_ERROR, failed.code(), "the failure was left for this read");
            assertArrayEquals(page(4096, 3, 1), client.read(3));
        }
    }

    @Test
    void shouldFenceTheSlotOfATimedOutReadUntilTheDeviceFinishes() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        ManagerConfig config = config().withBackend(SimulatedDevices.simulated(7, device::set));
        try (PageStoreManager manager = PageStoreManager.start(config);
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults()
                        .withRingCapacity(16))) {
            client.write(4, page(4096, 4, 1));
            device.get().faults().holdNext(NvmeOpcodes.READ, 1);
            PageStoreException timeout = assertThrows(PageStoreException.class,
                    () -> client.read(4, Duration.ofMillis(200)));
            assertEquals(ErrorCode.TIMEOUT, timeout.code());
            // The device still reads into the timed-out read's slot: only 15 of 16 requests can be outstanding
            // (the reads are held too, so that they stay outstanding).
            device.get().faults().holdNext(NvmeOpcodes.READ, 15);
            List<CompletableFuture<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                reads.add(client.readAsync(100 + i, Duration.ofSeconds(5)));
            }
            CompletableFuture<byte[]> full = client.readAsync(200, Duration.ofMillis(100));
            assertTrue(full.isCompletedExceptionally(), "no slot may be handed out while one is fenced");
            assertEquals(ErrorCode.BUSY, ((PageStoreException) full.exceptionNow()).code());
            assertThrows(PageStoreException.class, () -> client.read(200, Duration.ofMillis(100)),
                    "a synchronous call waits for a slot, until its deadline");
            device.get().faults().releaseHeld();
            for (CompletableFuture<byte[]> read : reads) {
                read.get();
            }
            // The held read completes: its slot comes back.
            assertArrayEquals(page(4096, 4, 1), client.read(4));
            List<CompletableFuture<byte[]>> all = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                all.add(client.readAsync(100 + i, Duration.ofSeconds(5)));
            }
            for (CompletableFuture<byte[]> read : all) {
                read.get();
            }
        }
    }
}
