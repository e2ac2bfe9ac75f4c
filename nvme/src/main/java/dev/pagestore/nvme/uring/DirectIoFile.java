package dev.pagestore.nvme.uring;

import dev.pagestore.ipc.linux.DirectIoAlignment;
import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A regular file or block device opened for direct I/O ({@code O_DIRECT}: no page cache, DMA into the caller's
 * buffer), the data file an {@link IoUring} reads and writes.
 *
 * <p>A regular file is created (mode 0600) when asked and grown to the requested size with {@code fallocate(2)}, so
 * later writes never allocate blocks (falling back to {@code ftruncate(2)} where the file system cannot allocate). A
 * block device has the size the kernel reports in {@code /sys/dev/block/MAJOR:MINOR/size}. The alignment for buffers,
 * offsets and lengths comes from {@code statx} {@code DIOALIGN} with the block-size fallback
 * ({@link DirectIoAlignment}).
 *
 * <p>Thread safety: immutable after open; {@link #close()} once, after every ring using the descriptor is closed.
 */
public final class DirectIoFile implements AutoCloseable {
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;
    private static final int MODE_OWNER_READ_WRITE = 0600;

    private final Path path;
    private final int fd;
    private final long sizeBytes;
    private final boolean blockDevice;
    private final DirectIoAlignment alignment;
    private boolean closed;

    private DirectIoFile(Path path, int fd, long sizeBytes, boolean blockDevice, DirectIoAlignment alignment) {
        this.path = path;
        this.fd = fd;
        this.sizeBytes = sizeBytes;
        this.blockDevice = blockDevice;
        this.alignment = alignment;
    }

    /**
     * Opens {@code path} read-write with {@code O_DIRECT}.
     *
     * @param sizeBytes for a regular file, the size to grow it to (0 keeps its size; it is never shrunk); must be a
     *                  multiple of the direct I/O offset alignment. Ignored for a block device.
     * @param create    create a missing regular file
     * @throws IOException naming the path and the failing call; {@code EINVAL} from open says the file system has no
     *                     {@code O_DIRECT} (tmpfs, {@code /dev/shm})
     */
    public static DirectIoFile open(Path path, long sizeBytes, boolean create) throws IOException {
        Objects.requireNonNull(path, "path");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " is negative");
        }
        int flags = LibcFiles.O_RDWR | LibcFiles.O_DIRECT | LibcFiles.O_CLOEXEC | (create ? LibcFiles.O_CREAT : 0);
        int fd = LibcFiles.open(path.toString(), flags, MODE_OWNER_READ_WRITE);
        if (fd < 0) {
            if (-fd == Errno.EINVAL.number()) {
                throw new IOException("open " + path + " with O_DIRECT: " + Errno.describe(-fd) + " — the file system "
                        + "does not support direct I/O (tmpfs and /dev/shm do not); put the data file on a disk file "
                        + "system or a block device");
            }
            throw new ErrnoException("open", path + " (O_RDWR|O_DIRECT)", -fd);
        }
        boolean success = false;
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            boolean block = (mode & S_IFMT) == S_IFBLK;
            if (!block && (mode & S_IFMT) != S_IFREG) {
                throw new IOException(path + " is neither a regular file nor a block device (mode 0"
                        + Integer.toOctalString(mode) + ")");
            }
            DirectIoAlignment alignment = DirectIoAlignment.of(path);
            if (!alignment.directIoSupported()) {
                throw new IOException(path + ": the file system reports no direct I/O support (statx DIOALIGN 0)");
            }
            long size;
            if (block) {
                size = blockDeviceSize(path);
            } else {
                if (sizeBytes % alignment.offsetAlignBytes() != 0) {
                    throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " is not a multiple of the direct "
                            + "I/O offset alignment " + alignment.offsetAlignBytes() + " of " + path);
                }
                size = Files.size(path);
                if (sizeBytes > size) {
                    grow(fd, path, sizeBytes);
                    size = sizeBytes;
                }
            }
            DirectIoFile file = new DirectIoFile(path, fd, size, block, alignment);
            success = true;
            return file;
        } finally {
            if (!success) {
                LibcFiles.close(fd);
            }
        }
    }

    private static void grow(int fd, Path path, long sizeBytes) throws ErrnoException {
        int result = LibcFiles.fallocate(fd, 0, 0, sizeBytes);
        if (result == -Errno.EOPNOTSUPP.number()) {
            // The file system cannot preallocate: a sparse file still works, writes allocate as they go.
            Libc.check(LibcFiles.ftruncate(fd, sizeBytes), "ftruncate", path + " to " + sizeBytes + " bytes");
            return;
        }
        if (result == -Errno.ENOSPC.number() || result == -Errno.EDQUOT.number()) {
            throw new ErrnoException("fallocate", path + " to " + sizeBytes + " bytes (the disk is full)", -result);
        }
        Libc.check(result, "fallocate", path + " to " + sizeBytes + " bytes");
    }

    /** Reads {@code /sys/dev/block/MAJOR:MINOR/size} (512-byte sectors, whatever the logical block size). */
    private static long blockDeviceSize(Path path) throws IOException {
        long rdev = (Long) Files.getAttribute(path, "unix:rdev");
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        Path sectors = Path.of("/sys/dev/block/" + major + ":" + minor + "/size");
        try {
            return Long.parseLong(Files.readString(sectors).trim()) * 512;
        } catch (NumberFormatException e) {
            throw new IOException("cannot read the size of block device " + path + " from " + sectors, e);
        }
    }

    public Path path() {
        return path;
    }

    /** The descriptor (valid until {@link #close()}). */
    public int fd() {
        return fd;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public boolean blockDevice() {
        return blockDevice;
    }

    public DirectIoAlignment alignment() {
        return alignment;
    }

    /** Closes the descriptor; idempotent. */
    @Override
    public void close() throws ErrnoException {
        if (closed) {
            return;
        }
        closed = true;
        int result = LibcFiles.close(fd);
        // EIO from close can report a failed earlier write on some file systems; O_DIRECT writes reported theirs.
        Libc.check(result, "close", path.toString());
    }

    @Override
    public String toString() {
        return "DirectIoFile[" + path + ", " + sizeBytes + " bytes" + (blockDevice ? ", block device" : "") + ", "
                + alignment + "]";
    }
}
