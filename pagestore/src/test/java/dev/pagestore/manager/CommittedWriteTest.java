package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.NvmeStatus;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import dev.pagestore.status.StatusFigures;
import dev.pagestore.status.StatusRegionDescriptor;
import dev.pagestore.status.StatusView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An answer means what it says: once a write's WAL record is durable the write is committed, and a data-file write
 * that fails afterwards is the checkpointer's to retry, not the writer's to hear about (issue 14, item 10).
 */
class CommittedWriteTest {
    private static final int DEVICE_WRITE_FAILURES = 1_000;

    @TempDir
    Path directory;

    private ManagerConfig config(AtomicReference<SimulatedNvmeDevice> device) {
        return ManagerConfig.defaults(directory).withCapacityPages(1024).withCheckpointIntervalMillis(0)
                .withBackend(SimulatedDevices.simulated(7, device::set));
    }

    private static int writeFault() {
        return NvmeStatus.withDoNotRetry(NvmeStatus.WRITE_FAULT);  // no retry can cure it
    }

    @Test
    void shouldAcknowledgeACommittedWriteWhoseDataWriteFailedAndServeItUntilTheCheckpointWritesIt() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        try (PageStoreManager manager = PageStoreManager.start(config(device));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(5, page(4096, 5, 1));
            device.get().faults().failNext(NvmeOpcodes.WRITE, DEVICE_WRITE_FAILURES, writeFault());

            client.write(5, page(4096, 5, 2));  // must not throw: the WAL holds it
            awaitUnwritten(manager, 1, "the failed data write waits for the checkpointer");
            assertArrayEquals(page(4096, 5, 2), client.read(5), "reads see the committed write, not the file");
            try (StatusView status = StatusView.observe(directory)) {
                assertEquals(1, StatusFigures.sumReactors(status, StatusRegionDescriptor.DEFERRED_DATA_WRITES));
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (status.global(StatusRegionDescriptor.UNWRITTEN_PAGES) != 1 && System.nanoTime() < deadline) {
                    Thread.sleep(20);  // housekeeping publishes the gauge every 100 ms
                }
                assertEquals(1, status.global(StatusRegionDescriptor.UNWRITTEN_PAGES), "pagestore stat shows it");
            }

            // The checkpoint writes through the device too: while the device still fails, the image stays.
            assertThrows(IOException.class, manager::checkpoint);
            assertEquals(1, manager.unwrittenPages(), "a checkpoint that could not write it keeps it");
            device.get().faults().clear();
            manager.checkpoint();
            assertEquals(0, manager.unwrittenPages(), "the checkpoint wrote it to the data file");
            assertArrayEquals(page(4096, 5, 2), client.read(5));
        }
        assertArrayEquals(page(4096, 5, 2), pageInDataFile(5), "the data file holds it after a clean stop");
    }

    @Test
    void shouldLetALaterWriteOfThePageWinOverTheKeptImage() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        try (PageStoreManager manager = PageStoreManager.start(config(device));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            device.get().faults().failNext(NvmeOpcodes.WRITE, 1, writeFault());
            client.write(9, page(4096, 9, 1));
            awaitUnwritten(manager, 1, "the failed data write is kept");

            client.write(9, page(4096, 9, 2));  // reaches the device
            awaitUnwritten(manager, 0, "the newer write made the kept image obsolete");
            manager.checkpoint();
            assertArrayEquals(page(4096, 9, 2), client.read(9), "the page holds the newer write");
        }
        assertArrayEquals(page(4096, 9, 2), pageInDataFile(9));
    }

    @Test
    void shouldAnswerAWriteOnceLoggedAndHoldReadsOfItsPageUntilTheDataWriteLands() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        try (PageStoreManager manager = PageStoreManager.start(config(device));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(3, page(4096, 3, 1));
            device.get().faults().holdNext(NvmeOpcodes.WRITE, 1);

            // Answered although its data write is held on the device: the log has it.
            client.writeAsync(3, page(4096, 3, 2)).get(5, TimeUnit.SECONDS);
            CompletableFuture<byte[]> read = client.readAsync(3);
            Thread.sleep(200);
            assertFalse(read.isDone(), "a read of the page waits for its data write, never reads the old image");

            device.get().faults().releaseHeld();
            assertArrayEquals(page(4096, 3, 2), read.get(5, TimeUnit.SECONDS));
        }
        assertArrayEquals(page(4096, 3, 2), pageInDataFile(3), "the data write landed before the stop");
    }

    private static void awaitUnwritten(PageStoreManager manager, long expected, String why) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (manager.unwrittenPages() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);  // a write is answered when logged; its data write ends a little later
        }
        assertEquals(expected, manager.unwrittenPages(), why);
    }

    private byte[] pageInDataFile(long pageNumber) throws Exception {
        byte[] all = Files.readAllBytes(directory.resolve(PageStoreManager.DATA_FILE));
        return java.util.Arrays.copyOfRange(all, (int) pageNumber * 4096, (int) (pageNumber + 1) * 4096);
    }
}
