package dev.pagestore.nvme;

import java.io.IOException;

/**
 * A device (an NVMe namespace, a block device, a regular file, or a simulated controller) opened for direct I/O by
 * exactly one process, which drives it through {@link QueuePair}s.
 *
 * <p>Geometry: {@link #capacityBytes()} is a multiple of {@link #offsetAlignmentBytes()}; every command's offset and
 * length must be a multiple of the offset alignment and every buffer's address a multiple of
 * {@link #memoryAlignmentBytes()} (for files: {@code statx STATX_DIOALIGN}, falling back to the block size).
 *
 * <p>Thread safety: the geometry may be read from any thread; {@link #openQueuePair} may be called from any thread and
 * binds the new queue pair to the calling thread. {@link #close()} closes the device after its queue pairs.
 */
public interface BlockDevice extends AutoCloseable {

    /** A short name for messages: the path, or the simulated controller's name. */
    String name();

    long capacityBytes();

    /** The unit of addressing (NVMe LBA size); offsets and lengths are multiples of it. */
    int logicalBlockSizeBytes();

    /** Buffer address alignment for direct I/O. */
    int memoryAlignmentBytes();

    /** Offset and length alignment for direct I/O (at least the logical block size). */
    int offsetAlignmentBytes();

    /** The largest length of one read or write. */
    int maxTransferBytes();

    /** Whether {@link QueuePair#prepareWriteZeroes} is available. */
    boolean supportsWriteZeroes();

    /**
     * Opens a queue pair with room for {@code queueDepth} outstanding commands, owned by the calling thread.
     *
     * @throws IllegalArgumentException when {@code queueDepth} is outside what the backend supports
     * @throws IOException when the backend cannot create the queues
     */
    QueuePair openQueuePair(int queueDepth) throws IOException;

    /** Closes the device and releases its exclusive ownership. Queue pairs should be closed first. */
    @Override
    void close() throws IOException;
}
