package dev.pagestore.wal;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.uring.IoUringBlockDevice;
import java.io.IOException;

/**
 * One open regular file of an {@link IoUringLogDirectory} or a {@link PortableLogDirectory}: its block device for the
 * data path (an {@link IoUringBlockDevice} adopting the descriptor, or a synchronous
 * {@link dev.pagestore.nvme.portable.PortableBlockDevice} over a channel of the same file), and its size, which is the
 * kernel's, read and changed through the descriptor. Nothing is cached: {@link #visibleSize()} is
 * {@code lseek(fd, 0, SEEK_END)} (right after a rename, a crash and a reopen; one cheap syscall beside a write or an
 * {@code fdatasync}), a size change is {@code ftruncate}, a reservation {@code fallocate}. The file system zeroes
 * what a file grows over and makes the size durable with the data ({@code fdatasync} writes the size a read needs),
 * so there is no written limit and no durable size to track.
 *
 * <p>Ownership: one per handle; closing the handle closes the device and so the descriptor.
 *
 * <p>Errno mapping: {@code EINTR} from {@code ftruncate}/{@code fallocate} is retried (nothing was changed);
 * {@code EOPNOTSUPP} from {@code fallocate} falls back to {@code ftruncate} (a sparse file: later writes allocate, as
 * {@link FileLogDevice} documents for its zero fill); {@code ENOSPC}, {@code EIO} and the rest become
 * {@link dev.pagestore.ipc.linux.ErrnoException}s naming the call and the file.
 */
final class FileSystemLogFile implements LogFile {
    private final String path;
    private final int fd;
    private final BlockDevice device;
    private final boolean deviceClosesDescriptor;

    /**
     * Takes {@code device} and {@code fd}, the descriptor the size is read and changed through; closing the handle
     * closes the device and, unless the device owns it ({@code deviceClosesDescriptor}), the descriptor.
     */
    FileSystemLogFile(String path, int fd, BlockDevice device, boolean deviceClosesDescriptor) {
        this.path = path;
        this.fd = fd;
        this.device = device;
        this.deviceClosesDescriptor = deviceClosesDescriptor;
    }

    @Override
    public BlockDevice device() {
        return device;
    }

    @Override
    public long visibleSize() throws IOException {
        return Libc.check(LibcFiles.lseek(fd, 0, LibcFiles.SEEK_END), "lseek", path);
    }

    @Override
    public void visibleSize(long size) throws IOException {
        int result;
        do {
            result = LibcFiles.ftruncate(fd, size);
        } while (result == -Errno.EINTR.number()); // interrupted before the size changed: retry is safe
        Libc.check(result, "ftruncate", path + " to " + size + " bytes");
    }

    @Override
    public long writtenLimit() {
        return 0; // the file system zeroes what a file grows over
    }

    @Override
    public void written(long end) {
        // The kernel extended the file if the write reached past its end.
    }

    @Override
    public void reserve(long sizeBytes) throws IOException {
        int result;
        do {
            result = LibcFiles.fallocate(fd, 0, 0, sizeBytes);
        } while (result == -Errno.EINTR.number()); // interrupted before allocating: retry is safe
        if (result == -Errno.EOPNOTSUPP.number()) {
            return; // no preallocation here: the file grows by ftruncate and writes allocate as they go
        }
        Libc.check(result, "fallocate", path + " to " + sizeBytes + " bytes");
    }

    @Override
    public boolean readsEndAtSize() {
        return true;
    }

    @Override
    public void restoreSize(long size) throws IOException {
        if (visibleSize() > size) {
            visibleSize(size);
        }
    }

    @Override
    public void handleClosed() throws IOException {
        try {
            device.close();
        } finally {
            if (!deviceClosesDescriptor) {
                LibcFiles.close(fd);
            }
        }
    }

    @Override
    public String toString() {
        return "FileSystemLogFile[" + path + ", fd " + fd + "]";
    }
}
