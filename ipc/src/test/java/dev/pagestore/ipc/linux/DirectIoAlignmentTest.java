package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DirectIoAlignmentTest {
    /** Under target/, which is on the project's disk (ext4 here), not on a tmpfs like /tmp may be. */
    private static final Path DISK_DIR = Path.of("target");

    @Test
    void shouldReportAPowerOfTwoAlignmentForAFileOnDisk() throws Exception {
        Path file = Files.createTempFile(Files.createDirectories(DISK_DIR), "dioalign", ".dat");
        try {
            DirectIoAlignment alignment = DirectIoAlignment.of(file);
            assertTrue(alignment.directIoSupported(), alignment.toString());
            assertEquals(0, alignment.memoryAlignBytes() & (alignment.memoryAlignBytes() - 1), alignment.toString());
            assertEquals(0, alignment.offsetAlignBytes() & (alignment.offsetAlignBytes() - 1), alignment.toString());
            assertTrue(alignment.offsetAlignBytes() <= 4096, alignment.toString());
            alignment.checkPageSize(4096);
            assertThrows(IOException.class, () -> alignment.checkPageSize(alignment.offsetAlignBytes() + 1));
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void shouldFailWithErrnoForAMissingPath() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> DirectIoAlignment.of(Path.of("/nonexistent/x")));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("statx", e.operation());
    }
}
