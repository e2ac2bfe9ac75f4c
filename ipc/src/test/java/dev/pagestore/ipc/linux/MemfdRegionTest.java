package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealed memfds: what the seals forbid to anyone holding the file (also through a reopen of {@code /proc/self/fd/N}),
 * what the creator keeps, and what a receiver checks before it maps.
 */
class MemfdRegionTest {
    private static final int EPERM = -Errno.EPERM.number();

    @TempDir
    Path directory;

    @Test
    void shouldFixTheSizeForEveryHolderOfTheFile() throws Exception {
        try (MemfdRegion region = MemfdRegion.create("test-size", 3 * 4096, MemfdRegion.SIZE_SEALS)) {
            assertEquals(MemfdRegion.SIZE_SEALS, region.seals());
            int fd = region.descriptor();
            assertEquals(EPERM, LibcFiles.ftruncate(fd, 0), "shrink");
            assertEquals(EPERM, LibcFiles.ftruncate(fd, 4 * 4096), "grow");
            assertEquals(EPERM, LibcFiles.fallocate(fd, 0, 0, 8 * 4096), "grow by fallocate");
            assertEquals(EPERM, LibcFiles.fcntl(fd, LibcMemory.F_ADD_SEALS, LibcMemory.F_SEAL_WRITE), "the seals are sealed");
            int reopened = (int) Libc.check(LibcFiles.open("/proc/self/fd/" + fd, LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC, 0),
                    "open", "/proc/self/fd/" + fd);
            try {
                assertEquals(EPERM, LibcFiles.ftruncate(reopened, 0), "a reopened descriptor is bound by the same seals");
            } finally {
                LibcFiles.close(reopened);
            }
            assertEquals(3 * 4096, LibcFiles.lseek(fd, 0, LibcFiles.SEEK_END));
            region.segment().set(JAVA_LONG, 3 * 4096 - 8, 42);  // every byte stays backed
        }
    }

    @Test
    void shouldLetOnlyTheCreatorsMappingWriteAReadOnlySealedRegion() throws Exception {
        try (MemfdRegion region = MemfdRegion.create("test-read-only", 4096, MemfdRegion.READ_ONLY_SEALS);
             Arena arena = Arena.ofConfined()) {
            int fd = region.descriptor();
            region.segment().set(JAVA_LONG, 0, 7);  // the creator's mapping predates the seal
            MemorySegment bytes = arena.allocate(8);
            assertEquals(EPERM, LibcFiles.pwrite(fd, bytes, 8, 0), "write(2)");
            assertEquals(-Errno.EPERM.number(), LibcMemory.mmap(0, 4096, LibcMemory.PROT_READ | LibcMemory.PROT_WRITE,
                    LibcMemory.MAP_SHARED, fd, 0), "a new writable shared mapping");
            assertEquals(EPERM, LibcFiles.fallocate(fd, 0x02 | 0x01, 0, 4096), "punching a hole");
            int reopened = (int) Libc.check(LibcFiles.open("/proc/self/fd/" + fd, LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC, 0),
                    "open", "/proc/self/fd/" + fd);
            try {
                assertEquals(EPERM, LibcFiles.pwrite(reopened, bytes, 8, 0), "write(2) through a reopen");
            } finally {
                LibcFiles.close(reopened);
            }
            int passed = (int) Libc.check(LibcFiles.fcntl(fd, LibcFiles.F_DUPFD_CLOEXEC, 0), "dup", "");
            try (MemfdRegion view = MemfdRegion.map(passed, "view", MemfdRegion.READ_ONLY_SEALS, false)) {
                assertEquals(7, view.segment().get(JAVA_LONG, 0));
                region.segment().set(JAVA_LONG, 8, 9);
                assertEquals(9, view.segment().get(JAVA_LONG, 8), "one file, two mappings");
                assertTrue(view.segment().isReadOnly(), "a Java store cannot reach the PROT_READ mapping");
                assertThrows(IllegalArgumentException.class, () -> view.segment().set(JAVA_LONG, 0, 1));
                assertEquals(-Errno.EBADF.number(), LibcFiles.fcntl(passed, LibcMemory.F_GET_SEALS, 0),
                        "the receiver closed the descriptor once mapped");
            }
        }
    }

    /**
     * The receiver's side of {@link MemfdRegion}'s promise that a read-only mapping of a {@code READ_ONLY_SEALS} region
     * can never become writable: not by {@code mprotect}, not by a forced write through {@code /proc/self/mem} (the
     * kernel's {@code FOLL_FORCE}, which debuggers use to write into read-only code), and not by a new writable shared
     * mapping of the file reopened read-write through {@code /proc/self/fd}. Each refusal is shown against a private
     * mapping of the same file, which the kernel lets both tricks write (copy on write, the file unchanged), so that
     * the test fails if the trick itself stops working rather than passing for the wrong reason.
     */
    @Test
    void shouldNeverLetAReceiversReadOnlyMappingBecomeWritable() throws Exception {
        try (MemfdRegion region = MemfdRegion.create("test-receiver", 4096, MemfdRegion.READ_ONLY_SEALS);
             Arena arena = Arena.ofConfined()) {
            region.segment().set(JAVA_LONG, 0, 7);
            // A dup is what SCM_RIGHTS gives a receiver: another descriptor on the same open file.
            int passed = (int) Libc.check(LibcFiles.fcntl(region.descriptor(), LibcFiles.F_DUPFD_CLOEXEC, 0), "dup", "");
            try (MemfdRegion view = MemfdRegion.map(passed, "view", MemfdRegion.READ_ONLY_SEALS, false)) {
                long shared = view.segment().address();
                long copy = Libc.check(LibcMemory.mmap(0, 4096, LibcMemory.PROT_READ, LibcMemory.MAP_PRIVATE, region.descriptor(), 0),
                        "mmap", "a private copy");
                try {
                    assertEquals(-Errno.EACCES.number(),
                            LibcMemory.mprotect(shared, 4096, LibcMemory.PROT_READ | LibcMemory.PROT_WRITE),
                            "mprotect of the shared read-only mapping to writable");
                    assertEquals(0, LibcMemory.mprotect(copy, 4096, LibcMemory.PROT_READ | LibcMemory.PROT_WRITE),
                            "control: a private mapping of the same file may become writable");
                    Libc.check(LibcMemory.mprotect(copy, 4096, LibcMemory.PROT_READ), "mprotect", "back to read-only");

                    int mem = (int) Libc.check(LibcFiles.open("/proc/self/mem", LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC, 0), "open",
                            "/proc/self/mem");
                    try {
                        MemorySegment bytes = arena.allocate(JAVA_LONG);
                        bytes.set(JAVA_LONG, 0, 666);
                        assertEquals(-Errno.EIO.number(), LibcFiles.pwrite(mem, bytes, 8, shared),
                                "a forced write through /proc/self/mem into the shared read-only mapping");
                        assertEquals(8, LibcFiles.pwrite(mem, bytes, 8, copy),
                                "control: a forced write into the read-only private mapping goes through");
                        assertEquals(666, MemorySegment.ofAddress(copy).reinterpret(8).get(JAVA_LONG, 0));
                    } finally {
                        LibcFiles.close(mem);
                    }
                    assertEquals(7, view.segment().get(JAVA_LONG, 0), "the file is unchanged");
                    assertEquals(7, region.segment().get(JAVA_LONG, 0));

                    int reopened = (int) Libc.check(LibcFiles.open("/proc/self/fd/" + region.descriptor(),
                            LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC, 0), "open", "/proc/self/fd/" + region.descriptor());
                    try {
                        assertEquals(-Errno.EPERM.number(), LibcMemory.mmap(0, 4096, LibcMemory.PROT_READ | LibcMemory.PROT_WRITE,
                                LibcMemory.MAP_SHARED, reopened, 0), "a writable shared mapping of a read-write reopen");
                        long readOnly = Libc.check(LibcMemory.mmap(0, 4096, LibcMemory.PROT_READ, LibcMemory.MAP_SHARED, reopened, 0),
                                "mmap", "control: a read-only shared mapping of the reopen");
                        try {
                            assertEquals(-Errno.EACCES.number(),
                                    LibcMemory.mprotect(readOnly, 4096, LibcMemory.PROT_READ | LibcMemory.PROT_WRITE),
                                    "nor can that one be made writable, although the descriptor was opened O_RDWR");
                        } finally {
                            LibcMemory.munmap(readOnly, 4096);
                        }
                    } finally {
                        LibcFiles.close(reopened);
                    }
                } finally {
                    LibcMemory.munmap(copy, 4096);
                }
            }
        }
    }

    /**
     * Root can open a mapped file through {@code /proc/PID/map_files} (it needs {@code CAP_SYS_ADMIN}), the one way
     * into a receiver's mapping that needs no descriptor: the seals bind that path too.
     */
    @Test
    void shouldRefuseAWritableMappingEvenThroughMapFiles() throws Exception {
        assumeTrue(LibcProcesses.geteuid() == 0, "opening /proc/self/map_files needs CAP_SYS_ADMIN; this test runs as uid "
                + LibcProcesses.geteuid());
        try (MemfdRegion region = MemfdRegion.create("test-map-files", 4096, MemfdRegion.READ_ONLY_SEALS)) {
            int passed = (int) Libc.check(LibcFiles.fcntl(region.descriptor(), LibcFiles.F_DUPFD_CLOEXEC, 0), "dup", "");
            try (MemfdRegion view = MemfdRegion.map(passed, "view", MemfdRegion.READ_ONLY_SEALS, false)) {
                long start = view.segment().address();
                String path = "/proc/self/map_files/" + Long.toHexString(start) + "-" + Long.toHexString(start + 4096);
                int reopened = (int) Libc.check(LibcFiles.open(path, LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC, 0), "open", path);
                try {
                    assertEquals(-Errno.EPERM.number(), LibcMemory.mmap(0, 4096, LibcMemory.PROT_READ | LibcMemory.PROT_WRITE,
                            LibcMemory.MAP_SHARED, reopened, 0), "a writable shared mapping through map_files");
                    assertEquals(-Errno.EPERM.number(), LibcFiles.ftruncate(reopened, 0), "a shrink through map_files");
                } finally {
                    LibcFiles.close(reopened);
                }
            }
        }
    }

    @Test
    void shouldRefuseToMapAFileWithoutTheSealsItNeeds() throws Exception {
        try (MemfdRegion unsealed = MemfdRegion.create("test-unsealed", 4096, 0)) {
            int passed = (int) Libc.check(LibcFiles.fcntl(unsealed.descriptor(), LibcFiles.F_DUPFD_CLOEXEC, 0), "dup", "");
            IOException e = assertThrows(IOException.class,
                    () -> MemfdRegion.map(passed, "unsealed", MemfdRegion.SIZE_SEALS, true));
            assertTrue(e.getMessage().contains("expected seals 0x7, found 0x0"), e.getMessage());
            assertEquals(-Errno.EBADF.number(), LibcFiles.fcntl(passed, LibcMemory.F_GET_SEALS, 0), "closed when refused too");
        }
        Path plain = Files.writeString(directory.resolve("plain"), "not shared memory");
        int fd = (int) Libc.check(LibcFiles.open(plain.toString(), LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC, 0), "open", "");
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> MemfdRegion.map(fd, "plain file", MemfdRegion.SIZE_SEALS, true));
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
    }

    @Test
    void shouldUnmapAndCloseOnClose() throws Exception {
        MemfdRegion region = MemfdRegion.create("test-close", 4096, MemfdRegion.SIZE_SEALS);
        int fd = region.descriptor();
        region.segment().set(JAVA_BYTE, 0, (byte) 1);
        region.close();
        region.close();
        assertThrows(IllegalStateException.class, () -> region.segment().get(JAVA_BYTE, 0));
        assertEquals(-Errno.EBADF.number(), LibcFiles.fcntl(fd, LibcMemory.F_GET_SEALS, 0));
    }
}
