package dev.pagestore.wal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One log file as the WAL writer sees it: positional writes, an explicit durability barrier, reads for recovery.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>One owner thread.</b> A device is used by one thread at a time: the WAL writer thread while the log runs,
 *       the recovering thread before it starts, the checkpointing thread for the control file. Implementations may
 *       enforce it (a QueuePair-backed device must: SPDK issue 3557). Nothing here is required to be thread-safe.</li>
 *   <li><b>{@link #write} is volatile until {@link #datasync}.</b> A returned write is visible to later reads of this
 *       device but may be lost, or survive only as a prefix of whole 512-byte sectors, if power fails before the next
 *       successful {@code datasync}. The WAL relies on nothing more than that.</li>
 *   <li><b>A failed {@code datasync} is final</b> (PostgreSQL's 2018 "fsyncgate"): after it the state of earlier
 *       writes is unknown, and callers must not retry and must not assume they are durable.</li>
 *   <li><b>Alignment.</b> The WAL issues writes whose offset and length are multiples of
 *       {@link WalConfig#writeAlignmentBytes()} from buffers aligned to it, so an {@code O_DIRECT} or NVMe-queue-pair
 *       implementation (one whose owner thread is the WAL writer thread) can be added without changing the writer.</li>
 *   <li>Failures are {@link IOException}s whose message names the operation, the file and the errno.</li>
 * </ul>
 */
public interface LogDevice extends AutoCloseable {

    /** Writes all of {@code source} at byte {@code offset} (positional; the file grows as needed). */
    void write(long offset, MemorySegment source) throws IOException;

    /**
     * Reads up to {@code destination.byteSize()} bytes at {@code offset}.
     *
     * @return the bytes read; fewer than asked only at the end of the file
     */
    long read(long offset, MemorySegment destination) throws IOException;

    /** Makes every completed write durable (fdatasync semantics). Never retried by the WAL after a failure. */
    void datasync() throws IOException;

    /** The current size in bytes. */
    long size() throws IOException;

    /** Allocates {@code [0, sizeBytes)} so later writes inside it cannot fail for space (fallocate or zero fill). */
    void preallocate(long sizeBytes) throws IOException;

    /** Sets the size to {@code sizeBytes}, cutting or extending with zeros. */
    void truncate(long sizeBytes) throws IOException;

    /**
     * Hands the device to {@code next}, which becomes its only user (the WAL calls it, on the thread that prepared the
     * current segment, for the WAL writer thread before that thread starts). A device bound to an owner thread (a
     * {@link QueuePairLogDevice}, whose queue pair enforces it) moves its binding; the default does nothing.
     */
    default void transferOwnership(Thread next) {
    }

    /** Releases the device. Does not imply {@link #datasync}. */
    @Override
    void close() throws IOException;
}
