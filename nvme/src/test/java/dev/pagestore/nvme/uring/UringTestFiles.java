package dev.pagestore.nvme.uring;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Test helpers: a scratch directory on the module's disk (not tmpfs: O_DIRECT needs a real file system). */
final class UringTestFiles {
    private UringTestFiles() {
    }

    /** A fresh directory under {@code target/uring-tests}, on the same ext4/xfs disk as the build. */
    static Path scratchDirectory() throws IOException {
        Path root = Files.createDirectories(Path.of("target", "uring-tests").toAbsolutePath());
        return Files.createTempDirectory(root, "t-");
    }

    static void deleteRecursively(Path directory) throws IOException {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** Fills {@code segment} with bytes from {@code random}. */
    static void fillRandom(MemorySegment segment, SplittableRandom random) {
        for (long i = 0; i < segment.byteSize(); i += 8) {
            segment.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
    }
}
