package dev.pagestore.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@link LogDirectory} on a real directory whose files are {@link FileLogDevice}s (plain {@code pwrite},
 * {@code pread}, {@code fdatasync}). The names are the directory's ({@link DirectoryNamespace}): {@link #sync()} opens
 * the directory {@code O_RDONLY|O_DIRECTORY} and {@code fsync}s it, which is what makes a created or renamed segment
 * name survive a crash. {@link IoUringLogDirectory} shares the namespace and the on-disk format and moves the data
 * through io_uring instead; this one is the fallback where io_uring is unavailable ({@link LogDirectories}).
 */
public final class FileLogDirectory extends DirectoryNamespace {
    private final boolean directReads;

    /** A directory whose devices read through the page cache. */
    public FileLogDirectory(Path directory) throws IOException {
        this(directory, false);
    }

    /** With {@code directReads}, devices also read aligned ranges with {@code O_DIRECT} (recovery benchmarks). */
    public FileLogDirectory(Path directory, boolean directReads) throws IOException {
        super(directory);
        this.directReads = directReads;
    }

    @Override
    public LogDevice open(String name, boolean create) throws IOException {
        return FileLogDevice.open(resolve(name), create, directReads);
    }

    @Override
    public String toString() {
        return "FileLogDirectory[" + path() + "]";
    }
}
