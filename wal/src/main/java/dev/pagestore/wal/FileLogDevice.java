package dev.pagestore.wal;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link LogDevice} over a Linux file descriptor through {@link Libc}: {@code pwrite}, {@code pread},
 * {@code fdatasync}, {@code fallocate} (zero fill where the file system answers {@code EOPNOTSUPP}) and
 * {@code ftruncate}.
 *
 * <p>Writes go through the page cache; {@link #datasync} is the durability barrier. With {@code directReads} a second
 * descriptor is opened with {@code O_DIRECT} and used for reads whose offset, length and buffer address are 4096-byte
 * aligned, so a recovery scan measures the disk rather than the page cache; other reads use the buffered descriptor.
 *
 * <p>Errno mapping: {@code EINTR} is retried (a signal interrupted the call before it transferred anything);
 * {@code EIO}, {@code ENOSPC}, {@code EDQUOT} and every other errno become an {@link ErrnoException} naming the
 * operation and the file; {@code EBADF}/{@code EFAULT} are programming errors and asserted against.
 *
 * <p>Thread safety: one owner thread at a time (see {@link LogDevice}); close is idempotent.
 */
public final class FileLogDevice implements LogDevice {
    private static final int DIRECT_ALIGNMENT_BYTES = 4096;
    private static final int ZERO_FILL_CHUNK_BYTES = 1 << 20;

    private final Path path;
    private final int fd;
    private final int directFd;
    private boolean closed;

    private FileLogDevice(Path path, int fd, int directFd) {
        this.path = path;
        this.fd = fd;
        this.directFd = directFd;
    }

    /** Opens {@code path} read-write, creating it (mode 0600) when {@code create} is set. */
    public static FileLogDevice open(Path path, boolean create) throws IOException {
        return open(path, create, false);
    }

    /**
     * Opens {@code path} read-write; with {@code directReads} also opens it {@code O_DIRECT} for aligned reads
     * (falls back to buffered reads, silently, where the file system refuses {@code O_DIRECT}).
     */
    public static FileLogDevice open(Path path, boolean create, boolean directReads) throws IOException {
        int flags = LibcFiles.O_RDWR | LibcFiles.O_CLOEXEC | (create ? LibcFiles.O_CREAT : 0);
        int fd = (int) Libc.check(LibcFiles.open(path.toString(), flags, 0600), "open", path.toString());
        boolean success = false;
        try {
            int directFd = -1;
            if (directReads) {
                int result = LibcFiles.open(path.toString(), LibcFiles.O_RDONLY | LibcFiles.O_CLOEXEC | LibcFiles.O_DIRECT, 0);
                directFd = result >= 0 ? result : -1; // EINVAL on tmpfs: documented fallback to buffered reads
            }
            FileLogDevice device = new FileLogDevice(path, fd, directFd);
            success = true;
            return device;
        } finally {
            if (!success) {
                LibcFiles.close(fd);
            }
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public void write(long offset, MemorySegment source) throws IOException {
        ensureOpen();
        long done = 0;
        long length = source.byteSize();
        while (done < length) {
            long n = LibcFiles.pwrite(fd, done == 0 ? source : source.asSlice(done), length - done, offset + done);
            if (n == -Errno.EINTR.number()) {
                continue; // interrupted before transferring anything: retry is safe
            }
            assert n != -Errno.EBADF.number() && n != -Errno.EFAULT.number() : "pwrite programming error " + n;
            if (n < 0) {  // the message only on failure: building it for every write was garbage per record
                Libc.check(n, "pwrite", path + " @" + (offset + done));
            }
            if (n == 0) {
                throw new IOException("pwrite wrote 0 bytes to " + path + " @" + (offset + done));
            }
            done += n;
        }
    }

    @Override
    public long read(long offset, MemorySegment destination) throws IOException {
        ensureOpen();
        long length = destination.byteSize();
        boolean aligned = directFd >= 0 && offset % DIRECT_ALIGNMENT_BYTES == 0
                && length % DIRECT_ALIGNMENT_BYTES == 0 && destination.address() % DIRECT_ALIGNMENT_BYTES == 0;
        int readFd = aligned ? directFd : fd;
        long done = 0;
        while (done < length) {
            long n = LibcFiles.pread(readFd, destination.asSlice(done), length - done, offset + done);
            if (n == -Errno.EINTR.number()) {
                continue; // interrupted before transferring anything: retry is safe
            }
            Libc.check(n, "pread", path + " @" + (offset + done));
            if (n == 0) {
                break; // end of file
            }
            done += n;
            if (aligned && done % DIRECT_ALIGNMENT_BYTES != 0) {
                readFd = fd; // a short O_DIRECT read at EOF leaves an unaligned remainder
                aligned = false;
            }
        }
        return done;
    }

    @Override
    public void datasync() throws IOException {
        ensureOpen();
        int result;
        do {
            result = LibcFiles.fdatasync(fd);
        } while (result == -Errno.EINTR.number()); // EINTR: the flush did not run to completion; the kernel restarts it
        Libc.check(result, "fdatasync", path.toString());
    }

    /** {@code fsync} (data and metadata such as the size), used after preallocation and truncation. */
    public void fsync() throws IOException {
        ensureOpen();
        Libc.check(LibcFiles.fsync(fd), "fsync", path.toString());
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return Files.size(path);
    }

    @Override
    public void preallocate(long sizeBytes) throws IOException {
        ensureOpen();
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " is negative");
        }
        int result = LibcFiles.fallocate(fd, 0, 0, sizeBytes);
        if (result == -Errno.EOPNOTSUPP.number()) {
            zeroFill(size(), sizeBytes);
        } else {
            Libc.check(result, "fallocate", path + " size " + sizeBytes);
        }
    }

    private void zeroFill(long from, long to) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(ZERO_FILL_CHUNK_BYTES, DIRECT_ALIGNMENT_BYTES);
            for (long at = from; at < to; at += ZERO_FILL_CHUNK_BYTES) {
                write(at, zeros.asSlice(0, Math.min(ZERO_FILL_CHUNK_BYTES, to - at)));
            }
        }
    }

    @Override
    public void truncate(long sizeBytes) throws IOException {
        ensureOpen();
        Libc.check(LibcFiles.ftruncate(fd, sizeBytes), "ftruncate", path + " size " + sizeBytes);
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException(path + " is closed");
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (directFd >= 0) {
            LibcFiles.close(directFd);
        }
        Libc.check(LibcFiles.close(fd), "close", path.toString());
    }

    @Override
    public String toString() {
        return "FileLogDevice[" + path + "]";
    }
}
