package dev.pagestore.bench;

import dev.pagestore.wal.FileLogDirectory;
import dev.pagestore.wal.IoUringLogDirectory;
import dev.pagestore.wal.LogDirectory;
import dev.pagestore.wal.PortableLogDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The directories WalBench's logs live in: the {@link LogDirectory} kind chosen by
 * {@code -Dpagestore.walbench.directory}, the one the recovery scan reads through, and the clean-up of what a run made.
 */
final class WalBenchDirectories {
    static final String DIRECTORY_KIND = System.getProperty("pagestore.walbench.directory", "file");
    /**
     * fio options issuing the ceiling's writes and fdatasyncs the way the WAL's directory issues them, when that is not
     * fio's default ({@code psync}): the uring directories get a second ceiling through fio's own io_uring engine, so
     * that what io_uring itself costs on this kernel is measured apart from what the WAL costs.
     */
    static final List<String> ENGINE_CEILING = switch (DIRECTORY_KIND) {
        case "uring" -> List.of("--ioengine=io_uring");
        case "uring-direct" -> List.of("--ioengine=io_uring", "--direct=1");
        default -> List.of();
    };

    /** The WAL's directory of the kind chosen by {@code -Dpagestore.walbench.directory}. */
    static LogDirectory walDirectory(Path directory) throws IOException {
        return switch (DIRECTORY_KIND) {
            case "file" -> new FileLogDirectory(directory);
            case "portable" -> new PortableLogDirectory(directory);
            case "uring" -> new IoUringLogDirectory(directory);
            case "uring-direct" -> new IoUringLogDirectory(directory, IoUringLogDirectory.Options.defaults()
                    .withDirectIo(true));
            default -> throw new IllegalArgumentException("pagestore.walbench.directory=" + DIRECTORY_KIND
                    + " is not one of file, portable, uring, uring-direct");
        };
    }

    /** The directory the recovery scan reads through, with {@code O_DIRECT}. */
    static LogDirectory recoveryDirectory(Path directory) throws IOException {
        return DIRECTORY_KIND.equals("file") || DIRECTORY_KIND.equals("portable") ? new FileLogDirectory(directory, true)
                : new IoUringLogDirectory(directory, IoUringLogDirectory.Options.defaults().withDirectIo(true));
    }

    private WalBenchDirectories() {
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
