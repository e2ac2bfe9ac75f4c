package dev.pagestore.nvme.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.IoUringProbe;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link IoUringBlockDevice#ofDescriptor}: a device over a descriptor it adopts, with no lock file and no claim. */
class IoUringBlockDeviceOfDescriptorTest {

    @Test
    void shouldRejectGeometryThatCannotAddressTheFile() {
        IoUringBlockDevice.Settings settings = IoUringBlockDevice.Settings.defaults();
        assertThrows(IllegalArgumentException.class, () -> IoUringBlockDevice.ofDescriptor("f", -1, 4096, 1, 1, settings));
        assertThrows(IllegalArgumentException.class, () -> IoUringBlockDevice.ofDescriptor("f", 3, 4096, 3, 512, settings));
        assertThrows(IllegalArgumentException.class, () -> IoUringBlockDevice.ofDescriptor("f", 3, 1000, 512, 512, settings));
        assertThrows(IllegalArgumentException.class, () -> IoUringBlockDevice.ofDescriptor("f", 3, 0, 1, 1, settings));
    }

    @Test
    void shouldWriteFlushAndReadAGrowingRegularFileAndCloseTheAdoptedDescriptor() throws Exception {
        assumeTrue(IoUringProbe.run().available(), "io_uring unavailable here");
        Path directory = UringTestFiles.scratchDirectory();
        try (Arena arena = Arena.ofConfined()) {
            Path path = directory.resolve("adopted");
            int fd = (int) Libc.check(LibcFiles.open(path.toString(), LibcFiles.O_RDWR | LibcFiles.O_CREAT | LibcFiles.O_CLOEXEC, 0600),
                    "open", path.toString());
            IoUringBlockDevice device = IoUringBlockDevice.ofDescriptor(path.toString(), fd, 1L << 30, 1, 1,
                    IoUringBlockDevice.Settings.defaults());
            assertEquals(1L << 30, device.capacityBytes());
            MemorySegment written = arena.allocate(10_000, 8);
            UringTestFiles.fillRandom(written, new SplittableRandom(5));
            MemorySegment read = arena.allocate(10_000, 8);
            List<IoStatus> statuses = new ArrayList<>();
            CompletionHandler record = (tag, status, bytes, detail) -> statuses.add(status);
            try (QueuePair qp = device.openQueuePair(4)) {
                qp.prepareWrite(1, written, 123, 10_000, QueuePair.NO_DEADLINE);
                qp.submit();
                while (statuses.size() < 1) {
                    qp.poll(4, record);
                }
                qp.prepareFlush(2, QueuePair.NO_DEADLINE);
                qp.prepareRead(3, read, 123, 10_000, QueuePair.NO_DEADLINE);
                qp.submit();
                while (statuses.size() < 3) {
                    qp.poll(4, record);
                }
            }
            assertEquals(List.of(IoStatus.OK, IoStatus.OK, IoStatus.OK), statuses);
            assertEquals(-1, written.mismatch(read));
            assertEquals(10_123, Files.size(path), "a write past the end grows a regular file");
            device.close();
            assertEquals(-Errno.EBADF.number(), LibcFiles.close(fd), "closing the device closed the adopted descriptor");
        } finally {
            UringTestFiles.deleteRecursively(directory);
        }
    }
}
