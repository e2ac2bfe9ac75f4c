package dev.pagestore.wal;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The name operations of a {@link LogDirectory} on a real directory, the base of {@link FileLogDirectory},
 * {@link PortableLogDirectory} and {@link IoUringLogDirectory} (whose files differ only in how their data moves, so
 * each adds only {@code open}):
 * list, atomic rename, delete, and
 * {@link #sync()}, which opens the directory {@code O_RDONLY|O_DIRECTORY} and {@code fsync}s it &mdash; what makes a
 * created or renamed name survive a crash on ext4, XFS and every POSIX file system.
 *
 * <p>Thread safety: stateless beyond the path; the file system serialises the operations.
 */
abstract class DirectoryNamespace implements LogDirectory {
    private final Path directory;

    /** Creates {@code directory} (and its parents) when missing, readable and writable by its owner only. */
    DirectoryNamespace(Path directory) throws IOException {
        if (directory == null) {
            throw new IllegalArgumentException("directory is null");
        }
        this.directory = directory;
        // owner only, whatever the umask: the log holds every page written (the files themselves are made 0600)
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
    }

    public Path path() {
        return directory;
    }

    /** The path of the file named {@code name} in this directory. */
    final Path resolve(String name) {
        return directory.resolve(name);
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
        int fd = (int) Libc.check(LibcFiles.open(directory.toString(), LibcFiles.O_RDONLY | LibcFiles.O_DIRECTORY | LibcFiles.O_CLOEXEC, 0),
                "open", directory.toString());
        try {
            Libc.check(LibcFiles.fsync(fd), "fsync", directory.toString());
        } finally {
            LibcFiles.close(fd);
        }
    }

    /**
     * The descriptor {@code result} of an {@code open(2)} of {@code path}, or the error: {@link NoSuchFileException}
     * for a missing file that was not to be created, else an errno exception naming the path and {@code flags}.
     */
    static int opened(int result, Path path, boolean create, String flags) throws IOException {
        if (result == -Errno.ENOENT.number() && !create) {
            throw new NoSuchFileException(path.toString());
        }
        return (int) Libc.check(result, "open", path + " (" + flags + ")");
    }

    @Override
    public long usableSpaceBytes() throws IOException {
        return Files.getFileStore(directory).getUsableSpace();
    }

    @Override
    public String describe() {
        return directory.toString();
    }
}
