package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.owner.OwnerThreadException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PortableLogDirectory}: the WAL through synchronous queue pairs, same on-disk format, owner thread. */
class PortableLogDirectoryTest {
    private static final WalConfig CONFIG = WalTestSupport.smallConfig(29);

    @TempDir
    Path dir;

    @Test
    void shouldShareTheOnDiskFormatWithFileLogDirectoryInBothDirections() throws IOException {
        try (Arena arena = Arena.ofShared()) {
            try (WriteAheadLog wal = WriteAheadLog.open(new PortableLogDirectory(dir), CONFIG, PageReplayer.NONE)) {
                WalTestSupport.appendRoundRobin(wal, CONFIG, arena, 0, 300); // several 64 KiB segments: new segments prepared and switched to
            }
            WalTestSupport.assertRecoversRoundRobin(new FileLogDirectory(dir), CONFIG, 300);
            try (WriteAheadLog wal = WriteAheadLog.open(new FileLogDirectory(dir), CONFIG, PageReplayer.NONE)) {
                WalTestSupport.appendRoundRobin(wal, CONFIG, arena, 300, 400);
            }
            WalTestSupport.assertRecoversRoundRobin(new PortableLogDirectory(dir), CONFIG, 400);
        }
    }

    @Test
    void shouldRefuseAMissingNameWithoutCreatingIt() throws IOException {
        PortableLogDirectory directory = new PortableLogDirectory(dir);
        assertThrows(NoSuchFileException.class, () -> directory.open("missing", false));
        assertTrue(directory.list().isEmpty());
    }

    @Test
    void shouldCloseBothDescriptorsOfEveryHandle() throws IOException {
        PortableLogDirectory directory = new PortableLogDirectory(dir);
        long before = openDescriptors();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(4096, 4096).fill((byte) 3);
            for (int i = 0; i < 200; i++) {
                try (LogDevice device = directory.open("f" + (i % 3), true)) {
                    device.write(4096L * i, block);
                    device.datasync();
                }
            }
        }
        assertTrue(openDescriptors() <= before + 2, "200 handles leave no descriptor open: " + before + " before, "
                + openDescriptors() + " after");
    }

    @Test
    void shouldServeOnlyTheOwnerThreadOnceOwnershipIsTransferred() throws Exception {
        PortableLogDirectory directory = new PortableLogDirectory(dir);
        QueuePairLogDevice device = (QueuePairLogDevice) directory.open("segment", true);
        device.preallocate(64 << 10);
        assertNull(device.ownerThread(), "opened on a thread without pinned handles: unpinned");
        AtomicReference<Throwable> problem = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().name("wal-writer-under-test").unstarted(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment block = arena.allocate(4096, 4096).fill((byte) 1);
                device.write(0, block);
                device.datasync();
                try (LogDevice next = directory.open("next", true)) { // the writer opening its next segment
                    assertEquals(Thread.currentThread(), ((QueuePairLogDevice) next).ownerThread());
                }
                assertTrue(device.queuePairMetrics().completions() >= 2, "write and flush went through its queue pair");
                device.close();
            } catch (Throwable t) {
                problem.set(t);
            }
        });
        device.transferOwnership(writer); // the WAL's hand-off, before the writer starts
        OwnerThreadException e = assertThrows(OwnerThreadException.class,
                () -> device.write(0, MemorySegment.ofArray(new byte[4096])));
        assertTrue(e.getMessage().contains("wal-writer-under-test"), e.getMessage());
        writer.start();
        writer.join();
        assertNull(problem.get(), () -> "writer thread: " + problem.get());
        try (LogDevice again = directory.open("segment", false)) {
            assertEquals(64 << 10, again.size());
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
