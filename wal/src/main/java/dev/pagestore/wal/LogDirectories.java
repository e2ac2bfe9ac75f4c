package dev.pagestore.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens the {@link LogDirectory} of a {@link Kind} on a real directory: {@link PortableLogDirectory} and
 * {@link IoUringLogDirectory} (data through a queue pair owned by the WAL writer thread, synchronous or io_uring) or
 * {@link FileLogDirectory} (plain {@code pwrite} and {@code fdatasync}). All three use the same names and on-disk
 * format, so a log moves freely between them.
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
}
