package dev.pagestore.cli.doctor;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code /dev/shm}: every worker channel (rings and page buffers) is a file there (DESIGN.md §3), so it must exist,
 * be a memory file system, and have room for the buffer slabs.
 */
public final class SharedMemoryCheck {
    public static final String NAME = "/dev/shm";
    public static final Path DEFAULT_PATH = Path.of("/dev/shm");
    /**
     * Below this much free space, warn: one channel of 256 slots of 16 KiB pages needs 4 MiB, and Docker's default
     * {@code --shm-size} is 64 MiB in total.
     */
    public static final long FREE_BYTES_MIN = 128L << 20;

    private SharedMemoryCheck() {
    }

    public static Check run() {
        return of(DEFAULT_PATH);
    }

    /** The check for a shared memory directory at {@code shmDir}. */
    public static Check of(Path shmDir) {
        if (!Files.isDirectory(shmDir)) {
            return Check.fail(NAME, shmDir + " does not exist or is not a directory",
                    "mount a tmpfs there (mount -t tmpfs -o mode=1777 tmpfs " + shmDir + "); workers and the "
                            + "manager share memory through files in it");
        }
        FileStore store;
        long totalBytes;
        long freeBytes;
        try {
            store = Files.getFileStore(shmDir);
            totalBytes = store.getTotalSpace();
            freeBytes = store.getUsableSpace();
        } catch (IOException e) {
            return Check.fail(NAME, "cannot read the file system of " + shmDir + ": " + e.getMessage(),
                    "check that " + shmDir + " is mounted and readable");
        }
        String detail = shmDir + " on " + store.type() + ", " + Bytes.format(freeBytes) + " free of "
                + Bytes.format(totalBytes);
        if (!Files.isWritable(shmDir)) {
            return Check.fail(NAME, detail + ", but not writable by this user",
                    "make it world-writable with the sticky bit (chmod 1777 " + shmDir + ")");
        }
        if (!store.type().equals("tmpfs")) {
            return Check.warn(NAME, detail + ": not a tmpfs",
                    "channel files would be backed by a disk; mount a tmpfs there");
        }
        if (freeBytes < FREE_BYTES_MIN) {
            return Check.warn(NAME, detail,
                    "less than " + Bytes.format(FREE_BYTES_MIN) + " free limits the number and size of worker "
                            + "channels; in Docker pass --shm-size=1g, otherwise remount with a larger size=");
        }
        return Check.ok(NAME, detail);
    }
}
