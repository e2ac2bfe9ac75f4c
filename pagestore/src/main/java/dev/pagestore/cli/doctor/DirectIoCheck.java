package dev.pagestore.cli.doctor;

import dev.pagestore.ipc.linux.DirectIoAlignment;
import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.LibcFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Whether the data directory can hold the store's files: it exists, this user can create files in it, and its file
 * system does {@code O_DIRECT} I/O (DESIGN.md §4: the io_uring backend reads and writes pages with {@code O_DIRECT}),
 * with the alignment the kernel reports through {@code statx(STATX_DIOALIGN)}.
 *
 * <p>The check is real, not inferred from the file system's name: it creates a temporary file in the directory with
 * {@code open(O_DIRECT | O_CREAT | O_EXCL | O_RDWR)}, asks statx for the alignment, writes one aligned page with
 * {@code pwrite}, and deletes the file whatever happens (some kernels create the file before refusing
 * {@code O_DIRECT} with {@code EINVAL}).
 */
public final class DirectIoCheck {
    public static final String NAME = "data directory";
    /** The page size the store uses by default (DESIGN.md §6). */
    public static final int PAGE_SIZE_BYTES = 4096;

    private static final Set<String> MEMORY_FILE_SYSTEMS = Set.of("tmpfs", "ramfs");
    private static final String PASS_DIR = "pass --dir with a directory on a local disk (ext4 or xfs)";

    private DirectIoCheck() {
    }

    /**
     * The check for {@code dataDir}.
     *
     * @param dataDir   the directory the store would keep its files in
     * @param mustExist true when the user named the directory: a missing one fails. False for the default directory,
     *                  which the store creates on first start: then its nearest existing ancestor is tested instead.
     */
    public static Check of(Path dataDir, boolean mustExist) {
        Path dir = dataDir.toAbsolutePath().normalize();
        if (Files.isDirectory(dir)) {
            return probe(dir, dir.toString());
        }
        if (Files.exists(dir)) {
            return Check.fail(NAME, "data directory " + dir + " is not a directory", PASS_DIR);
        }
        if (mustExist) {
            return Check.fail(NAME, "data directory " + dir + " does not exist",
                    "create it with mkdir -p " + dir + " or pass --dir");
        }
        Path ancestor = dir.getParent();
        while (ancestor != null && !Files.isDirectory(ancestor)) {
            ancestor = ancestor.getParent();
        }
        if (ancestor == null) {
            return Check.fail(NAME, "data directory " + dir + " does not exist and has no existing parent",
                    "create it with mkdir -p " + dir + " or pass --dir");
        }
        return probe(ancestor, dir + " (not created yet) in " + ancestor);
    }

    /** Creates, probes and deletes a temporary file in {@code dir}; {@code subject} names it in the detail. */
    private static Check probe(Path dir, String subject) {
        String fileSystem = fileSystemType(dir);
        String where = subject + " on " + fileSystem;
        Path temp = dir.resolve(".pagestore-doctor-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        int fd = LibcFiles.open(temp.toString(),
                LibcFiles.O_RDWR | LibcFiles.O_CREAT | LibcFiles.O_EXCL | LibcFiles.O_DIRECT | LibcFiles.O_CLOEXEC, 0600);
        try {
            if (fd < 0) {
                return openFailed(dir, where, -fd);
            }
            DirectIoAlignment alignment = DirectIoAlignment.of(temp);
            if (!alignment.directIoSupported()) {
                return Check.fail(NAME, where + ": statx reports no direct I/O alignment for its files", PASS_DIR);
            }
            long written = writeOneAlignedPage(fd, alignment);
            if (written < 0) {
                return Check.fail(NAME, where + ": O_DIRECT open works but an aligned " + PAGE_SIZE_BYTES
                        + "-byte write fails: " + Errno.describe((int) -written), PASS_DIR);
            }
            String detail = where + ": O_DIRECT works; " + describe(alignment);
            try {
                alignment.checkPageSize(PAGE_SIZE_BYTES);
            } catch (IOException e) {
                return Check.warn(NAME, detail, "the default page size does not fit: " + e.getMessage()
                        + "; choose a page size that is a multiple of " + alignment.offsetAlignBytes());
            }
            if (MEMORY_FILE_SYSTEMS.contains(fileSystem)) {
                return Check.warn(NAME, detail + ", but " + fileSystem + " keeps data in memory",
                        "fine for tests; data is lost at reboot, so for real data " + PASS_DIR);
            }
            return Check.ok(NAME, detail);
        } catch (ErrnoException e) {
            return Check.fail(NAME, where + ": " + e.getMessage(), PASS_DIR);
        } finally {
            if (fd >= 0) {
                LibcFiles.close(fd);
            }
            deleteQuietly(temp);
        }
    }

    private static Check openFailed(Path dir, String where, int errno) {
        Errno named = Errno.of(errno);
        String error = Errno.describe(errno);
        return switch (named) {
            case EINVAL -> Check.fail(NAME, where + " refuses O_DIRECT (open: " + error + ")", PASS_DIR);
            case EACCES, EPERM, EROFS -> Check.fail(NAME, where + " is not writable by this user (open: " + error
                    + ")", "give this user write access (chown or chmod " + dir + ") or pass --dir");
            case ENOSPC, EDQUOT -> Check.fail(NAME, where + " is full (open: " + error + ")",
                    "free space there or pass --dir");
            default -> Check.fail(NAME, "cannot create a file in " + where + " (open: " + error + ")", PASS_DIR);
        };
    }

    /** One page of zeros at offset 0, from memory aligned for direct I/O; bytes written or {@code -errno}. */
    private static long writeOneAlignedPage(int fd, DirectIoAlignment alignment) {
        long sizeBytes = Math.max(PAGE_SIZE_BYTES, alignment.offsetAlignBytes());
        long memoryAlignBytes = Math.max(PAGE_SIZE_BYTES, alignment.memoryAlignBytes());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(sizeBytes, memoryAlignBytes);
            long written = LibcFiles.pwrite(fd, page, sizeBytes, 0);
            if (written >= 0 && written != sizeBytes) {
                return -Errno.EIO.number();
            }
            return written;
        }
    }

    private static String describe(DirectIoAlignment alignment) {
        String source = alignment.source() == DirectIoAlignment.Source.STATX_DIOALIGN
                ? "statx DIOALIGN" : "block size; the kernel does not report DIOALIGN here";
        return "alignment: memory " + Bytes.format(alignment.memoryAlignBytes()) + ", offset and length "
                + Bytes.format(alignment.offsetAlignBytes()) + " (" + source + ")";
    }

    private static String fileSystemType(Path dir) {
        try {
            return Files.getFileStore(dir).type();
        } catch (IOException e) {
            return "an unknown file system";
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            // Nothing more to do: the name starts with a dot and says what left it behind.
        }
    }
}
