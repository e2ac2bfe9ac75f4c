package dev.pagestore.manager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * A {@code @TempDir} in memory ({@code /dev/shm}, where it exists): for tests that measure something other than the
 * disk but make the manager write its WAL, whose every commit would otherwise wait for an ext4 {@code fdatasync}.
 */
public final class MemoryTempDir implements TempDirFactory {
    private static final Path SHM = Path.of("/dev/shm");

    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension) throws IOException {
        return Files.isDirectory(SHM) && Files.isWritable(SHM) ? Files.createTempDirectory(SHM, "pagestore-test-")
                : Files.createTempDirectory("pagestore-test-");
    }
}
