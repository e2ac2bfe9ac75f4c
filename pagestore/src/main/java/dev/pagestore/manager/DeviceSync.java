package dev.pagestore.manager;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A checkpoint's writes and flush through the data device, on a queue pair of the checkpointing thread's own, opened
 * for one checkpoint.
 *
 * <h2>Why through the device</h2>
 * The reactors write pages through the device. A device with a volatile write cache (an NVMe drive without power-loss
 * protection, the simulated controller) keeps those writes until a flush command reaches it; an {@code fdatasync} of
 * another descriptor of the data file flushes only where the device is a file in the same kernel. A flush command
 * covers every write the device completed before it, on any of its queue pairs, so the checkpoint may then move the
 * redo point. On a file the device's flush is an {@code fdatasync} of the device's own descriptor, held for the
 * manager's life, so a writeback error is seen by the checkpoint that follows it.
 *
 * <p>A command that passes its deadline stops the manager ({@link DataFileSyncException}): it may still reach the
 * device after a newer write of its page, and nothing forced after it could be trusted.
 *
 * <p>Thread safety: the thread that made it only.
 */
final class DeviceSync implements DataPageSink, AutoCloseable {
    private static final long TIMEOUT_NANOS = 30_000_000_000L;

    private final BlockDevice device;
    private final int pageSizeBytes;
    private final QueuePair queuePair;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer;
    private final CompletionHandler onCompletion = this::completed;
    private IoStatus status;
    private int transferred;
    private boolean timedOut;

    DeviceSync(BlockDevice device, int pageSizeBytes) throws IOException {
        this.device = device;
        this.pageSizeBytes = pageSizeBytes;
        this.buffer = arena.allocate(pageSizeBytes, Math.max(device.memoryAlignmentBytes(), 8));
        try {
            this.queuePair = device.openQueuePair(2);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public void write(long page, byte[] image) throws IOException {
        MemorySegment.copy(MemorySegment.ofArray(image), 0, buffer, 0, pageSizeBytes);
        run(queuePair.prepareWrite(0, buffer, page * pageSizeBytes, pageSizeBytes, deadline()),
                "write of page " + page);
        if (transferred != pageSizeBytes) {
            throw new IOException("write of page " + page + " on " + device.name() + " moved " + transferred + " of "
                    + pageSizeBytes + " bytes");
        }
    }

    @Override
    public void force() throws IOException {
        run(queuePair.prepareFlush(0, deadline()), "flush");
    }

    private void run(boolean prepared, String what) throws IOException {
        if (!prepared) {
            throw new IllegalStateException("a checkpoint's queue pair of depth 2 had no free slot for one command");
        }
        status = null;
        queuePair.submitAndAwait(TIMEOUT_NANOS);
        // Bounded: the command completes, or is completed as TIMEOUT at its deadline.
        while (status == null) {
            if (queuePair.poll(2, onCompletion) == 0) {
                queuePair.awaitCompletions(TIMEOUT_NANOS);
            }
        }
        if (status == IoStatus.TIMEOUT) {
            // The command may still land, after a newer write of the page: the data file can no longer be trusted,
            // and the manager must stop (the WAL holds every page) rather than go on past it.
            timedOut = true;
            throw new DataFileSyncException(what + " on " + device.name() + " did not complete within "
                    + TIMEOUT_NANOS / 1_000_000_000L + " s", new IOException("device command timed out"));
        }
        if (status != IoStatus.OK) {
            throw new IOException(what + " on " + device.name() + " failed: " + status);
        }
    }

    private void completed(long tag, IoStatus status, int transferredBytes, int detail) {
        this.status = status;
        this.transferred = transferredBytes;
    }

    private long deadline() {
        return queuePair.clock().nanoTime() + TIMEOUT_NANOS;
    }

    @Override
    public void close() {
        try {
            queuePair.close();
        } finally {
            if (!timedOut) {  // a command past its deadline may still reach the buffer: leave it allocated
                arena.close();
            }
        }
    }
}
