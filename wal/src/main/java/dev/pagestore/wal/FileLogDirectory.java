package dev.pagestore.wal;

import dev.pagestore.ipc.linux.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A {@link LogDirectory} on a real directory. {@link #sync()} opens the directory {@code O_RDONLY|O_DIRECTORY} and
 * {@code fsync}s it, which is what makes a created or renamed segment name survive a crash.
 */
public final class FileLogDirectory implements LogDirectory {
    private final Path directory;
    private final boolean directReads;

    /** A directory whose devices read through the page cache. */
    public FileLogDirectory(Path directory) throws IOException {
        this(directory, false);
    }

    /** With {@code directReads}, devices also read aligned ranges with {@code O_DIRECT} (recovery benchmarks). */
    public FileLogDirectory(Path directory, boolean directReads) throws IOException {
        this.directory = directory;
        this.directReads = directReads;
        Files.createDirectories(directory);
    }

    public Path path() {
        return directory;
    }

    @Override
    public List<String> list() throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            List<String> names = new ArrayList<>();
            files.forEach(p -> names.add(p.getFileName().toString()));
            return names;
        }
    }

    @Override
    public LogDevice open(String name, boolean create) throws IOException {
        return FileLogDevice.open(directory.resolve(name), create, directReads);
    }

    @Override
    public void rename(String from, String to) throws IOException {
        Files.move(directory.resolve(from), directory.resolve(to), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(directory.resolve(name));
    }

    @Override
    public void sync() throws IOException {
        int fd = (int) Libc.check(Libc.open(directory.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0),
                "open", directory.toString());
        try {
            Libc.check(Libc.fsync(fd), "fsync", directory.toString());
        } finally {
            Libc.close(fd);
        }
    }

    @Override
    public String describe() {
        return directory.toString();
    }
}
