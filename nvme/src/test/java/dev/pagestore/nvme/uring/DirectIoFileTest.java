package dev.pagestore.nvme.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DirectIoFileTest {
    private Path directory;

    @BeforeEach
    void createDirectory() throws Exception {
        directory = UringTestFiles.scratchDirectory();
    }

    @AfterEach
    void deleteDirectory() throws Exception {
        UringTestFiles.deleteRecursively(directory);
    }

    @Test
    void shouldCreateAndPreallocateAFileOfTheRequestedSize() throws Exception {
        Path path = directory.resolve("data");
        try (DirectIoFile file = DirectIoFile.open(path, 1 << 20, true)) {
            assertEquals(1 << 20, file.sizeBytes());
            assertEquals(1 << 20, Files.size(path));
            assertFalse(file.blockDevice());
            assertTrue(file.alignment().directIoSupported());
            assertTrue(file.fd() >= 0);
        }
    }

    @Test
    void shouldNeverShrinkAnExistingFile() throws Exception {
        Path path = directory.resolve("data");
        DirectIoFile.open(path, 64 * 1024, true).close();
        try (DirectIoFile file = DirectIoFile.open(path, 4096, false)) {
            assertEquals(64 * 1024, file.sizeBytes());
        }
    }

    @Test
    void shouldRejectASizeThatIsNotAMultipleOfTheOffsetAlignment() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DirectIoFile.open(directory.resolve("data"), 1000, true));
        assertTrue(e.getMessage().contains("sizeBytes=1000"), e.getMessage());
    }

    @Test
    void shouldNameThePathAndErrnoWhenTheFileIsMissing() {
        Path path = directory.resolve("missing");
        ErrnoException e = assertThrows(ErrnoException.class, () -> DirectIoFile.open(path, 0, false));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
    }

    @Test
    void shouldCloseIdempotently() throws Exception {
        DirectIoFile file = DirectIoFile.open(directory.resolve("data"), 4096, true);
        file.close();
        file.close();
    }
}
