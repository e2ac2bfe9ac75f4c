package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.linux.IoUringProbe;
import dev.pagestore.wal.FileLogDirectory;
import dev.pagestore.wal.IoUringLogDirectory;
import dev.pagestore.wal.LogDirectory;
import dev.pagestore.wal.PortableLogDirectory;
import dev.pagestore.wal.StopReason;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager's WAL: run through the I/O asked for, an unknown one refused, a failed fdatasync stopping the manager. */
class ManagerWalTest {
    @TempDir
    Path directory;

    private ManagerConfig config() {
        return ManagerConfig.defaults(directory).withCapacityPages(1024).withCheckpointIntervalMillis(0);
    }

    @Test
    void shouldRunTheWalThroughTheIoAskedForAndKeepItsFormatAcrossThem() throws Exception {
        Assumptions.assumeTrue(IoUringProbe.run().available(),
                "io_uring unavailable here");
        AtomicReference<LogDirectory> opened =
                new AtomicReference<>();
        ManagerConfig uring = config().withBackend(DeviceFactory.named("io_uring"))
                .withWalIo(recording(WalDirectoryFactory.named("io_uring"), opened));
        try (PageStoreManager manager = PageStoreManager.start(uring);
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            assertTrue(opened.get() instanceof IoUringLogDirectory,
                    "WAL directory " + opened.get());
            for (int p = 0; p < 20; p++) {
                client.write(p, page(4096, p, 9));
            }
        }
        ManagerConfig auto = config().withBackend(DeviceFactory.named("io_uring"));
        try (PageStoreManager manager = PageStoreManager.start(auto.withWalIo(recording(auto.walIo(), opened)));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            assertTrue(opened.get() instanceof PortableLogDirectory,
                    "by default the WAL goes through a synchronous queue pair: " + opened.get());
            assertEquals(StopReason.END_OF_LOG, manager.recoveryReport().stopReason(),
                    manager.recoveryReport().detail());
            for (int p = 0; p < 20; p++) {
                assertArrayEquals(page(4096, p, 9), client.read(p));
                client.write(p, page(4096, p, 10));
            }
        }
        try (PageStoreManager manager = PageStoreManager.start(config().withBackend(DeviceFactory.portable())
                .withWalIo(recording(WalDirectoryFactory.named("file"), opened)));
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            assertTrue(opened.get() instanceof FileLogDirectory,
                    "WAL directory " + opened.get());
            assertEquals(StopReason.END_OF_LOG, manager.recoveryReport().stopReason(),
                    manager.recoveryReport().detail());
            for (int p = 0; p < 20; p++) {
                assertArrayEquals(page(4096, p, 10), client.read(p));
                client.write(p, page(4096, p, 11));
            }
        }
        try (PageStoreManager manager = PageStoreManager.start(uring);
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            assertEquals(StopReason.END_OF_LOG, manager.recoveryReport().stopReason(),
                    manager.recoveryReport().detail());
            for (int p = 0; p < 20; p++) {
                assertArrayEquals(page(4096, p, 11), client.read(p));
            }
        }
    }

    /** {@code real}, putting each directory it opens in {@code opened}: which one a start ran its WAL on. */
    private static WalDirectoryFactory recording(WalDirectoryFactory real,
            AtomicReference<LogDirectory> opened) {
        return (walDirectory, dataBackend) -> {
            LogDirectory directory = real.open(walDirectory, dataBackend);
            opened.set(directory);
            return directory;
        };
    }

    @Test
    void shouldRefuseAnUnknownWalIoNamingTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config().withWalIo(WalDirectoryFactory.named("aio")));
        assertTrue(e.getMessage().contains("io_uring, portable, file"), e.getMessage());
    }

    @Test
    void shouldStopItselfWhenTheWalFailsAndAnswerIoError() throws Exception {
        AtomicReference<FailingLogDirectory> wal =
                new AtomicReference<>();
        PageStoreManager manager = FailingLogDirectory.start(config(), wal);
        try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(1, page(4096, 1, 1));
            wal.get().failNextSegmentDatasyncs(1);
            PageStoreException failed = assertThrows(PageStoreException.class,
                    () -> client.write(2, page(4096, 2, 1)));
            assertTrue(failed.code() == ErrorCode.IO_ERROR || failed.code() == ErrorCode.MANAGER_GONE,
                    "a write the WAL could not make durable is never acknowledged: " + failed.code());
            assertTrue(manager.awaitStopped(20, TimeUnit.SECONDS),
                    "the manager stops after a WAL failure (fsyncgate)");
            assertNotNull(manager.fatalCause());
            PageStoreException gone = assertThrows(PageStoreException.class, () -> client.read(1));
            assertEquals(ErrorCode.MANAGER_GONE, gone.code());
        } finally {
            manager.close();
        }
    }
}
