package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.IoUringProbe;
import dev.pagestore.ipc.owner.OwnerThreadException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link IoUringLogDirectory} with the WAL on top: same on-disk format as {@link FileLogDirectory}, owner thread. */
class IoUringLogDirectoryTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(23);

    @TempDir
    Path dir;

    @BeforeEach
    void requireIoUring() {
        Assumptions.assumeTrue(IoUringProbe.run().available(), "io_uring unavailable here");
    }

    @Test
    void shouldShareTheOnDiskFormatWithFileLogDirectoryInBothDirections() throws IOException {
        try (Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(new IoUringLogDirectory(dir), CONFIG, PageReplayer.NONE)) {
                WalTestSupport.appendRoundRobin(wal, CONFIG, arena, 0, 300); // several 64 KiB segments: new segments prepared on the writer thread
            }
            WalTestSupport.assertRecoversRoundRobin(new FileLogDirectory(dir), CONFIG, 300);
            try (WriteAheadLog wal = WriteAheadLog.open(new FileLogDirectory(dir), CONFIG, PageReplayer.NONE)) {
                WalTestSupport.appendRoundRobin(wal, CONFIG, arena, 300, 400);
            }
            WalTestSupport.assertRecoversRoundRobin(new IoUringLogDirectory(dir), CONFIG, 400);
            try (WriteAheadLog wal = WriteAheadLog.open(new IoUringLogDirectory(dir, IoUringLogDirectory.Options
                    .defaults().withDirectIo(true)), CONFIG, PageReplayer.NONE)) {
                WalTestSupport.appendRoundRobin(wal, CONFIG, arena, 400, 450);
            }
            WalTestSupport.assertRecoversRoundRobin(new FileLogDirectory(dir), CONFIG, 450);
        }
    }

    @Test
    void shouldRefuseAMissingNameWithoutCreatingIt() throws IOException {
        IoUringLogDirectory directory = new IoUringLogDirectory(dir);
        assertThrows(NoSuchFileException.class, () -> directory.open("missing", false));
        assertTrue(directory.list().isEmpty());
    }

    @Test
    void shouldServeOnlyTheOwnerThreadOnceOwnershipIsTransferred() throws Exception {
        IoUringLogDirectory directory = new IoUringLogDirectory(dir);
        QueuePairLogDevice device = (QueuePairLogDevice) directory.open("segment", true);
        device.preallocate(64 << 10);
        assertNull(device.ownerThread(), "opened on a thread without pinned handles: unpinned");
        AtomicReference<Throwable> problem = new AtomicReference<>();
        CountDownLatch refused = new CountDownLatch(1);
        Thread writer = Thread.ofPlatform().name("wal-writer-under-test").unstarted(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment block = arena.allocate(4096, 4096).fill((byte) 1);
                device.write(0, block);
                device.datasync();
                refused.await();
                try (LogDevice next = directory.open("next", true)) { // the writer opening its next segment
                    assertEquals(Thread.currentThread(), ((QueuePairLogDevice) next).ownerThread());
                    next.write(0, block);
                    next.datasync();
                }
                assertTrue(device.queuePairMetrics().completions() >= 2, "write and flush went through its queue pair");
                device.close();
            } catch (Throwable t) {
                problem.set(t);
            }
        });
        device.transferOwnership(writer); // the WAL's hand-off, before the writer starts
        writer.start();
        OwnerThreadException e = assertThrows(OwnerThreadException.class,
                () -> device.write(0, MemorySegment.ofArray(new byte[4096])));
        assertTrue(e.getMessage().contains("wal-writer-under-test"), e.getMessage());
        assertThrows(OwnerThreadException.class, device::datasync);
        try (LogDevice mine = directory.open("mine", true)) {
            assertNull(((QueuePairLogDevice) mine).ownerThread(), "this thread holds no pinned handle");
        }
        refused.countDown();
        writer.join();
        assertNull(problem.get(), () -> "writer thread: " + problem.get());
        try (LogDevice again = directory.open("segment", false)) {
            assertEquals(64 << 10, again.size());
        }
    }
}
