package dev.pagestore.wal;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads one segment file into a buffer in chunks on a helper thread while recovery checks the records already read,
 * so the scan runs at the disk's sequential read rate instead of read time plus CRC time. {@link #close} stops the
 * reading at the next chunk: the zero-filled rest of the last segment is not read.
 *
 * <p>Thread safety: the helper thread writes the buffer and then publishes how far it got with a release store
 * ({@link AtomicLong#setRelease}); the scanning thread reads that bound with an acquire load before touching bytes
 * below it. The device is used only by the helper thread while it runs.
 */
final class SegmentPrefetcher implements AutoCloseable {
    private static final long CHUNK_BYTES = 4L << 20;

    private final LogDevice device;
    private final MemorySegment buffer;
    private final long length;
    private final AtomicLong readUpTo = new AtomicLong();
    private final Thread reader;
    private volatile boolean cancelled;
    private volatile Throwable failure;
    private volatile boolean finished;

    /** Starts reading {@code [0, length)} of {@code device} into {@code buffer} (which must be shared memory). */
    SegmentPrefetcher(LogDevice device, MemorySegment buffer, long length) {
        this.device = device;
        this.buffer = buffer;
        this.length = length;
        this.reader = Thread.ofPlatform().name("wal-recovery-read").daemon().start(this::run);
    }

    private void run() {
        try {
            long at = 0;
            while (at < length && !cancelled) {
                long n = Math.min(CHUNK_BYTES, length - at);
                long got = device.read(at, buffer.asSlice(at, n));
                at += got;
                readUpTo.setRelease(at); // release: the chunk's bytes are in the buffer before the bound moves
                if (got < n) {
                    break; // the file is shorter than it said: the scan sees the real end
                }
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            finished = true;
        }
    }

    /**
     * Waits until {@code [0, min(end, length))} is in the buffer, or reading ended early.
     *
     * @return how many bytes from the start are readable now
     */
    long awaitAvailable(long end) throws IOException {
        long wanted = Math.min(end, length);
        long available;
        while ((available = readUpTo.getAcquire()) < wanted) {
            if (finished) {
                available = readUpTo.getAcquire(); // acquire: a last chunk published just before finishing
                break;
            }
            LockSupport.parkNanos(20_000); // a chunk takes milliseconds to read: no need to spin
        }
        Throwable t = failure;
        if (t instanceof IOException e) {
            throw e;
        } else if (t != null) {
            throw new IOException("recovery read of a segment failed", t);
        }
        return available;
    }

    @Override
    public void close() throws IOException {
        cancelled = true;
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the recovery reader", e);
        }
    }
}
