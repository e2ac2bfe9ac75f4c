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
