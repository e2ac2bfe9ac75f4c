package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The commands of one {@link QueuePairLogDevice} call on a queue pair: a transfer split into pieces of at most
 * {@link BlockDevice#maxTransferBytes()}, or one flush; prepared, submitted with one doorbell, polled until each
 * completes or passes its deadline ({@link QueuePairLogDevice.Settings#timeoutNanos}). A status other than OK is
 * thrown as {@link QueuePairIoException} ({@link QueuePairTimeoutException} for a deadline); nothing is retried here.
 *
 * <p>Thread safety: the owner thread of the queue pair it is given, one call at a time.
 */
final class QueuePairCommands {
    private final String name;
    private final LogFile file;
    private final BlockDevice device;
    private final QueuePairLogDevice.Settings settings;
    /** Transfers are split into pieces of a multiple of this, so every piece's buffer stays aligned. */
    private final int pieceUnit;
    private final CommandCompletions completions = new CommandCompletions();

    QueuePairCommands(String name, LogFile file, QueuePairLogDevice.Settings settings) {
        this.name = name;
        this.file = file;
        this.device = file.device();
        this.settings = settings;
        this.pieceUnit = Math.max(device.offsetAlignmentBytes(), device.memoryAlignmentBytes());
        if (device.maxTransferBytes() < pieceUnit) {
            throw new IllegalArgumentException("maxTransferBytes=" + device.maxTransferBytes() + " of " + device.name()
                    + " is less than its block and memory alignment " + pieceUnit + ": transfers cannot be split");
        }
    }

    /** The unit every piece of a transfer is a multiple of: the device's block and memory alignment. */
    int pieceUnit() {
        return pieceUnit;
    }

    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int FLUSH = 2;

    /**
     * Moves {@code length} bytes between {@code buffer} and the device at {@code offset}: the pieces (at most
     * {@link BlockDevice#maxTransferBytes()} each) are prepared, submitted with one doorbell, and awaited. Nothing
     * is allocated unless a command fails.
     */
    void transfer(QueuePair qp, boolean write, MemorySegment buffer, long offset, long length)
            throws IOException {
        int kind = write ? WRITE : READ;
        completions.reset();
        if (!write && file.readsEndAtSize()) {
            long size = file.visibleSize();
            if (offset + length > size) {
                // A block read across the end of a regular file transfers only what exists: the rest reads as zeros.
                buffer.asSlice(Math.max(0, size - offset), length - Math.max(0, size - offset)).fill((byte) 0);
                completions.shortReadIsEnd = true;
            }
        }
        int max = device.maxTransferBytes() / pieceUnit * pieceUnit;
        for (long done = 0; done < length; ) {
            int piece = (int) Math.min(max, length - done);
            prepareOrPoll(qp, kind, buffer.asSlice(done, piece), offset + done, piece);
            done += piece;
        }
        submitAndAwait(qp, kind, offset, length);
    }

    void flush(QueuePair qp) throws IOException {
        completions.reset();
        prepareOrPoll(qp, FLUSH, null, 0, 0);
        submitAndAwait(qp, FLUSH, 0, 0);
    }

    /** Prepares one command; when the queue is full, submits what is prepared and polls for room first. */
    private void prepareOrPoll(QueuePair qp, int kind, MemorySegment slice, long offset, int length)
            throws IOException {
        // Bounded: every submitted command completes or times out, freeing a slot.
        while (!prepare(qp, kind, slice, offset, length)) {
            qp.submit();
            qp.poll(2 * qp.queueDepth(), completions);
            throwIfFailed(kind, offset, length);
        }
        completions.outstanding++;
    }

    private boolean prepare(QueuePair qp, int kind, MemorySegment slice, long offset, int length) {
        long deadline = deadline(qp);
        return switch (kind) {
            case WRITE -> qp.prepareWrite(0, slice, offset, length, deadline);
            case READ -> qp.prepareRead(0, slice, offset, length, deadline);
            default -> qp.prepareFlush(0, deadline);
        };
    }

    /**
     * Submits and waits for the first completion in one call (one {@code io_uring_enter} on io_uring, where a
     * submit and a separate wait took two), then polls until every command of this call has completed (or timed out).
     */
    private void submitAndAwait(QueuePair qp, int kind, long offset, long length) throws IOException {
        qp.submitAndAwait(settings.timeoutNanos());
        // Bounded: each command completes, or is completed as TIMEOUT at its deadline.
        while (completions.outstanding > 0) {
            if (qp.poll(2 * qp.queueDepth(), completions) == 0) {
                awaitCompletion(qp);
            }
        }
        throwIfFailed(kind, offset, length);
    }

    /**
     * Waits for a completion without burning a core: an io_uring queue pair blocks in {@code io_uring_enter} (an
     * {@code fdatasync} takes milliseconds, and the WAL writer shares a 2-core machine with the reactors); deadlines
     * are still enforced by the next poll, since the wait is bounded by the command timeout. Other backends complete
     * in memory or at submit: a spin hint is enough.
     */
    private void awaitCompletion(QueuePair qp) {
        qp.awaitCompletions(settings.timeoutNanos());  // returns at once where nothing can be waited for
        Thread.onSpinWait();
    }

    private String describe(int kind, long offset, long length) {
        return switch (kind) {
            case WRITE -> "write " + length + " bytes @" + offset + " of " + name;
            case READ -> "read " + length + " bytes @" + offset + " of " + name;
            default -> "flush of " + name;
        };
    }

    private void throwIfFailed(int kind, long offset, long length) throws IOException {
        IoStatus status = completions.failedStatus;
        if (status == null) {
            return;
        }
        String what = describe(kind, offset, length) + " on " + device.name();
        if (status == IoStatus.TIMEOUT) {
            throw new QueuePairTimeoutException(what, settings.timeoutNanos());
        }
        throw new QueuePairIoException(what, status, completions.failedDetail);
    }

    private long deadline(QueuePair qp) {
        long now = qp.clock().nanoTime();
        return now + settings.timeoutNanos() < now ? QueuePair.NO_DEADLINE : now + settings.timeoutNanos();
    }
}
