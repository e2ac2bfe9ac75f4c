package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client survives one bad call (issue 14, item 9): what can be checked is checked on the caller's thread, and a
 * completion that cannot be delivered fails that call only, never the thread that completes all the others.
 */
class ClientCompletionFailureTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path directory;

    @Test
    void shouldReadIntoASegmentOfTheCallersConfinedArena() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(64).withCheckpointIntervalMillis(0));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults());
                Arena arena = Arena.ofConfined()) {
            client.write(3, page(4096, 3, 1));
            MemorySegment destination = arena.allocate(4096, 4096);
            client.read(3, destination, TIMEOUT);
            assertArrayEquals(page(4096, 3, 1), destination.toArray(ValueLayout.JAVA_BYTE));

            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> client.readAsync(3, destination, TIMEOUT));
            assertTrue(refused.getMessage().contains("confined"), refused.getMessage());
            assertArrayEquals(page(4096, 3, 1), client.read(3), "the client still works");
            assertTrue(client.isConnected());
        }
    }

    @Test
    void shouldRefuseAReadOnlyOrClosedDestinationOnTheCallersThread() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(64).withCheckpointIntervalMillis(0));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            MemorySegment readOnly = MemorySegment.ofArray(new byte[4096]).asReadOnly();
            assertThrows(IllegalArgumentException.class, () -> client.read(1, readOnly, TIMEOUT));
            Arena closed = Arena.ofShared();
            MemorySegment gone = closed.allocate(4096);
            closed.close();
            assertThrows(IllegalArgumentException.class, () -> client.readAsync(1, gone, TIMEOUT));
            assertArrayEquals(new byte[4096], client.read(1));
        }
    }

    @Test
    void shouldFailOnlyTheCallWhoseDestinationWasClosedBeforeItsCompletion() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(64).withCheckpointIntervalMillis(0)
                .withBackend(SimulatedDevices.simulated(3, device::set)));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(2, page(4096, 2, 1));
            int injected = device.get().faults().injectedCount();
            device.get().faults().holdNext(NvmeOpcodes.READ, 1);
            Arena arena = Arena.ofShared();
            CompletableFuture<MemorySegment> read = client.readAsync(2, arena.allocate(4096, 4096), TIMEOUT);
            // releaseHeld frees only commands held before it: wait until the read is held, or on a busy machine
            // it reaches the device after the release, stays held for good, and the call ends TIMEOUT.
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (device.get().faults().injectedCount() == injected) {
                assertTrue(System.nanoTime() < deadline, "the read never reached the device");
                Thread.sleep(1);
            }
            arena.close();  // the caller's mistake: the page has nowhere to go when it arrives
            device.get().faults().releaseHeld();

            ExecutionException failed = assertThrows(ExecutionException.class, () -> read.get(10, TimeUnit.SECONDS));
            PageStoreException cause = assertInstanceOf(PageStoreException.class, failed.getCause());
            assertEquals(ErrorCode.INVALID, cause.code());
            // The completion thread lives on: later calls are answered, and the slot came back.
            for (int i = 0; i < 200; i++) {
                assertArrayEquals(page(4096, 2, 1), client.read(2));
            }
            assertTrue(client.isConnected());
        }
    }
}
