package dev.pagestore.wal;

import dev.pagestore.ipc.linux.IoUringProbe;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Chooses the {@link LogDirectory} for a WAL on a real directory: {@link IoUringLogDirectory} (data through io_uring
 * queue pairs owned by the WAL writer thread) where io_uring works, {@link FileLogDirectory} (plain {@code pwrite} and
 * {@code fdatasync}) where it does not. Both use the same names and on-disk format, so a log moves freely between them.
 */
public final class LogDirectories {
    private LogDirectories() {
    }

    /** How a WAL directory's files move their data (the same names and on-disk format for all three). */
    public enum Kind {
        /** {@link IoUringLogDirectory}: an io_uring queue pair owned by the WAL writer thread. */
        IO_URING("io_uring"),
        /** {@link PortableLogDirectory}: a synchronous queue pair owned by the WAL writer thread. */
        PORTABLE("portable"),
        /** {@link FileLogDirectory}: plain {@code pwrite} and {@code fdatasync}, no queue pair. */
        FILE("file");

        private final String cliName;

        Kind(String cliName) {
            this.cliName = cliName;
        }

        /** The name used on command lines: {@code io_uring}, {@code portable} or {@code file}. */
        public String cliName() {
            return cliName;
        }

        /** The kind named {@code name} ({@link #cliName()}); the message lists the names accepted. */
        public static Kind named(String name) {
            for (Kind kind : values()) {
                if (kind.cliName.equals(name)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("WAL I/O '" + name + "' is not one of io_uring, portable, file");
        }
    }

    /** A directory of {@code kind} with its defaults. */
    public static LogDirectory open(Path directory, Kind kind) throws IOException {
        return switch (kind) {
            case IO_URING -> new IoUringLogDirectory(directory);
            case PORTABLE -> new PortableLogDirectory(directory);
            case FILE -> new FileLogDirectory(directory);
        };
    }

    /** {@link IoUringLogDirectory} with its defaults when {@code ioUring}, else {@link FileLogDirectory}. */
    public static LogDirectory open(Path directory, boolean ioUring) throws IOException {
        return ioUring ? new IoUringLogDirectory(directory) : new FileLogDirectory(directory);
    }

    /**
     * {@link IoUringLogDirectory} when {@link IoUringProbe} says this kernel sets up rings, else {@link FileLogDirectory}.
     * Probes with a tiny ring on every call: call it once at start-up. The choice shows in the result's
     * {@code toString()}; {@link IoUringProbe#unavailableReason()} says why io_uring was not used.
     */
    public static LogDirectory preferIoUring(Path directory) throws IOException {
        return open(directory, IoUringProbe.run().available());
    }
}
