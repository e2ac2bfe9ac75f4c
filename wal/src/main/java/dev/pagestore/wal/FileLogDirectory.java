package dev.pagestore.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link LogDirectory} on a real directory whose files are {@link FileLogDevice}s (plain {@code pwrite},
 * {@code pread}, {@code fdatasync}). The names are the directory's ({@link DirectoryNamespace}): {@link #sync()} opens
 * the directory {@code O_RDONLY|O_DIRECTORY} and {@code fsync}s it, which is what makes a created or renamed segment
 * name survive a crash. {@link IoUringLogDirectory} shares the namespace and the on-disk format and moves the data
 * through io_uring instead; this one is the fallback where io_uring is unavailable ({@link LogDirectories}).
 */
public final class FileLogDirectory implements LogDirectory {
    private final DirectoryNamespace names;
    private final boolean directReads;

    /** A directory whose devices read through the page cache. */
    public FileLogDirectory(Path directory) throws IOException {
        this(directory, false);
    }

    /** With {@code directReads}, devices also read aligned ranges with {@code O_DIRECT} (recovery benchmarks). */
    public FileLogDirectory(Path directory, boolean directReads) throws IOException {
        this.names = new DirectoryNamespace(directory);
        this.directReads = directReads;
    }

    public Path path() {
        return names.path();
    }

    @Override
    public List<String> list() throws IOException {
        return names.list();
    }

    @Override
    public LogDevice open(String name, boolean create) throws IOException {
        return FileLogDevice.open(names.resolve(name), create, directReads);
    }

    @Override
    public void rename(String from, String to) throws IOException {
        names.rename(from, to);
    }

    @Override
    public void delete(String name) throws IOException {
        names.delete(name);
    }

    @Override
    public void sync() throws IOException {
        names.sync();
    }

    @Override
    public String describe() {
        return names.path().toString();
    }

    @Override
    public String toString() {
        return "FileLogDirectory[" + names.path() + "]";
    }
}
