package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.nvme.sim.NvmeOpcodes;
import dev.pagestore.nvme.sim.SimulatedNvmeDevice;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How long a stop waits for requests in progress: bounded, as configured, and what is left is told MANAGER_GONE. */
class StopWaitTest {
    @TempDir
    Path directory;

    @Test
    void shouldRefuseAStopWaitOutsideZeroToAnHour() {
        ManagerConfig config = ManagerConfig.defaults(directory);
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> config.withStopWaitMillis(-1));
        assertTrue(negative.getMessage().contains("stopWaitMillis=-1 must be in [0, 3600000]"), negative.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> config.withStopWaitMillis(ManagerConfig.STOP_WAIT_MILLIS_MAX + 1));
        assertThrows(IllegalArgumentException.class, () -> config.withStopWaitMillis(Long.MAX_VALUE));
        assertEquals(0, config.withStopWaitMillis(0).stopWaitMillis());
        assertEquals(ManagerConfig.DEFAULT_STOP_WAIT_MILLIS, config.stopWaitMillis());
    }

    @Test
    void shouldStopAfterTheConfiguredWaitWhenAReadNeverFinishes() throws Exception {
        AtomicReference<SimulatedNvmeDevice> device = new AtomicReference<>();
        PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory).withCapacityPages(64)
                .withCheckpointIntervalMillis(0).withBackend(SimulatedDevices.simulated(7, device::set))
                .withStopWaitMillis(300));
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            device.get().faults().holdNext(NvmeOpcodes.READ, 1);
            CompletableFuture<byte[]> held = client.readAsync(3, Duration.ofSeconds(60));
            // On the device, not still in the ring: a stop answers what it has not started SHUTTING_DOWN at once.
            long onDevice = System.nanoTime() + 10_000_000_000L;
            while (device.get().faults().injectedCount() < 1) {
                assertTrue(System.nanoTime() < onDevice, "the read never reached the device");
                Thread.sleep(1);
            }
            long start = System.nanoTime();
            manager.close();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 250 && millis < 5_000, "the stop waited " + millis + " ms for a 300 ms stop wait");
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> held.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(failed.getCause() instanceof PageStoreException e && e.code() == ErrorCode.MANAGER_GONE,
                    String.valueOf(failed.getCause()));
        } finally {
            manager.close();
        }
    }
}
