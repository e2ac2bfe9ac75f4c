package dev.pagestore.wal;

import dev.pagestore.nvme.QueuePair;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Transfers a device cannot take straight from the caller's memory (a buffer on the heap or not aligned to the device,
 * an offset or length not a multiple of its block): they go through an aligned native staging buffer, with the partly
 * covered first and last blocks read first (read-modify-write). The buffer is made on first use and freed by
 * {@link #close()}; a timed-out command may still use it until its queue pair is closed, so close the queue pair first.
 *
 * <p>Thread safety: one thread at a time (the buffer's arena is shared because a handle passes between threads).
 */
final class StagedTransfers implements AutoCloseable {
    private final QueuePairCommands commands;
    private final int stagingBytes;
    private final int block;
    private final int pieceUnit;
    private Arena arena;
    private MemorySegment staging;
    private MemorySegment scratch;

    StagedTransfers(QueuePairCommands commands, int block, int stagingBytes) {
        this.commands = commands;
        this.block = block;
        this.pieceUnit = commands.pieceUnit();
        this.stagingBytes = stagingBytes;
    }

    /** Writes {@code length} bytes of {@code source} (zeros when null) at {@code offset} through the staging buffer. */
    void write(QueuePair qp, long offset, MemorySegment source, long length) throws IOException {
        MemorySegment buffer = staging();
        long end = offset + length;
        long at = offset / block * block;
        while (at < end) {
            long pieceEnd = Math.min(at + buffer.byteSize(), (end + block - 1) / block * block);
            long from = Math.max(at, offset);
            long to = Math.min(pieceEnd, end);
            if (from > at) {
                commands.transfer(qp, false, buffer, at, block);
            }
            if (to < pieceEnd && (pieceEnd - block > at || from == at)) {
                commands.transfer(qp, false, scratch, pieceEnd - block, block);
                MemorySegment.copy(scratch, 0, buffer, pieceEnd - block - at, block);
            }
            if (source == null) {
                buffer.asSlice(from - at, to - from).fill((byte) 0);
            } else {
                MemorySegment.copy(source, from - offset, buffer, from - at, to - from);
            }
            commands.transfer(qp, true, buffer, at, pieceEnd - at);
            at = pieceEnd;
        }
    }

    void read(QueuePair qp, long offset, MemorySegment destination, long length) throws IOException {
        MemorySegment buffer = staging();
        long end = offset + length;
        long at = offset / block * block;
        while (at < end) {
            long pieceEnd = Math.min(at + buffer.byteSize(), (end + block - 1) / block * block);
            commands.transfer(qp, false, buffer, at, pieceEnd - at);
            long from = Math.max(at, offset);
            long to = Math.min(pieceEnd, end);
            MemorySegment.copy(buffer, from - at, destination, from - offset, to - from);
            at = pieceEnd;
        }
    }

    /**
     * The staging buffer: a multiple of {@link #pieceUnit} for data, then one aligned scratch unit where the partly
     * covered last block of a read-modify-write is read (a block inside the data area may not be memory aligned).
     */
    private MemorySegment staging() {
        if (staging == null) {
            long bytes = Math.max(pieceUnit, stagingBytes / pieceUnit * pieceUnit);
            arena = Arena.ofShared(); // the handle may be used by several threads in turn (one at a time)
            MemorySegment all = arena.allocate(bytes + pieceUnit, pieceUnit);
            staging = all.asSlice(0, bytes);
            scratch = all.asSlice(bytes, pieceUnit);
        }
        return staging;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }
}
