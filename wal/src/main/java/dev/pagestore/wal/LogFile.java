package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import java.io.IOException;

/**
 * What a {@link QueuePairLogDevice} needs to know about the file it drives, besides the {@link BlockDevice} holding its
 * bytes: where the file's size lives. For a regular file of a real directory ({@link FileSystemLogFile}) the size is
 * the kernel's ({@code lseek(SEEK_END)} on its descriptor), so it is right after a crash and a reopen, and the file
 * system keeps it durable ({@code fdatasync} persists a size that reads need). A file that is a whole block device of
 * fixed capacity has no size of its own; whoever keeps it for such a file (in memory, with an inode's crash semantics)
 * implements this interface too.
 *
 * <p>Thread safety: as the handle using it (one thread at a time).
 */
interface LogFile {

    /** The device holding the file's bytes at offsets {@code [0, capacity)}. */
    BlockDevice device();

    /** The size a read sees now. */
    long visibleSize() throws IOException;

    /** Sets the size a read sees (cut, or extended with bytes that read as zeros once {@link #writtenLimit} allows). */
    void visibleSize(long size) throws IOException;

    /**
     * The highest byte any write may have reached on the device; past the visible size and below this limit the device
     * may hold stale bytes that must be zeroed before the file grows over them. 0 when the file system zeroes for us.
     */
    long writtenLimit();

    /** A write reached {@code end}; the file is at least that long now. */
    void written(long end);

    /**
     * Reserves space for {@code [0, sizeBytes)} before {@link QueuePairLogDevice} grows the file there; a file whose
     * capacity is its block device's has nothing to reserve.
     */
    default void reserve(long sizeBytes) throws IOException {
    }

    /**
     * Whether a read that reaches past the visible size may transfer fewer bytes than asked (a regular file ends
     * there); the missing bytes read as zeros. False for a block device, which has bytes up to its capacity.
     */
    default boolean readsEndAtSize() {
        return false;
    }

    /**
     * A block-granular write (read-modify-write of a partly covered last block) may have extended a regular file to
     * the end of that block: put its size back to {@code size}. A block device's size does not change.
     */
    default void restoreSize(long size) throws IOException {
    }

    /** The handle using this file was closed: release what belongs to that handle alone (a descriptor). */
    default void handleClosed() throws IOException {
    }
}
