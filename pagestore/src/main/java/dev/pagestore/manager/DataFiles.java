package dev.pagestore.manager;

import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Making and growing the store's data file, each step durable before the next. */
final class DataFiles {
    private DataFiles() {
    }

    /** A new store's data file: made under a temporary name, owner-only, sparse, then renamed into place. */
    static void create(Path dataFile, long capacityBytes) throws IOException {
        Path temporary = dataFile.resolveSibling(dataFile.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        Files.createFile(temporary, OwnerOnly.fileAttribute());
        resize(temporary, capacityBytes);  // sparse: blocks are allocated as pages are first written
        Files.move(temporary, dataFile, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(dataFile.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Sets {@code file}'s size (never through a symbolic link) and makes it durable. */
    static void resize(Path file, long sizeBytes) throws IOException {
        int fd = (int) Libc.check(LibcFiles.open(file.toString(), LibcFiles.O_WRONLY | LibcFiles.O_CLOEXEC | LibcFiles.O_NOFOLLOW, 0),
                "open", file.toString());
        try {
            Libc.check(LibcFiles.ftruncate(fd, sizeBytes), "ftruncate", file + " to " + sizeBytes + " bytes");
            Libc.check(LibcFiles.fsync(fd), "fsync", file.toString());
        } finally {
            LibcFiles.close(fd);
        }
    }
}
