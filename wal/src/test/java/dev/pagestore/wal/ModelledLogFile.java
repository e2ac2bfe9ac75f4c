package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;

/**
 * One file of a {@link QueuePairLogDirectory}: its storage, a {@link BlockDevice} of fixed capacity (the largest the
 * file can grow to), and its size, which a block device does not have and which is therefore kept here, like an
 * inode's size, with the same crash semantics as the data: the visible size changes at once, the durable size only at
 * a successful flush ({@code fdatasync} persists the size a read needs), and a power cut returns the file to its
 * durable size.
 *
 * <p>{@code writtenLimit} is the highest byte any write may have reached (volatile or not, in this life or a previous
 * one): the device reads as zeros beyond it. When a file grows over bytes below it (after a shrink or a power cut),
 * {@link QueuePairLogDevice} zeroes them first, so a grown file always reads as zeros past its old end.
 *
 * <p>Handles see it through a {@link PoweredLogFile}, which puts its size changes under the power switch.
 *
 * <p>Thread safety: all methods are {@code synchronized}; the media outlives every handle and every directory
 * incarnation.
 */
final class ModelledLogFile {
    private final String createdAs;
    private final BlockDevice device;
    private long visibleSize;
    private long durableSize;
    private long writtenLimit;
    private long queuePairsOpened;

    ModelledLogFile(String createdAs, BlockDevice device) {
        this.createdAs = createdAs;
        this.device = device;
    }

    BlockDevice device() {
        return device;
    }

    String createdAs() {
        return createdAs;
    }

    synchronized long visibleSize() {
        return visibleSize;
    }

    synchronized void visibleSize(long size) {
        visibleSize = size;
    }

    synchronized long writtenLimit() {
        return writtenLimit;
    }

    /** A write reached {@code end} on the media; it extends the file only while the power is on. */
    synchronized void written(long end, boolean powered) {
        writtenLimit = Math.max(writtenLimit, end);
        if (powered) {
            visibleSize = Math.max(visibleSize, end);
        }
    }

    /** A flush completed: the size it covered is durable. */
    synchronized void sizeDurable(long size) {
        durableSize = size;
    }

    /** A handle opened a queue pair on the device. */
    synchronized void queuePairOpened() {
        queuePairsOpened++;
    }

    /** Queue pairs opened on the device so far, by every handle of every incarnation. */
    synchronized long queuePairsOpened() {
        return queuePairsOpened;
    }

    /** The power was cut: the file is back to its durable size. */
    synchronized void powerLost() {
        visibleSize = durableSize;
    }

    /**
     * The file is cut short to {@code size}, now and durably, as a file system that lost its tail leaves it; the bytes
     * past it read as zeros if the file grows again ({@code writtenLimit} stays).
     */
    synchronized void cutShort(long size) {
        if (size < 0 || size > visibleSize) {
            throw new IllegalArgumentException("size=" + size + " is not between 0 and the size " + visibleSize);
        }
        visibleSize = size;
        durableSize = Math.min(durableSize, size);
    }
}
