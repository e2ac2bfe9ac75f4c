package dev.pagestore.wal;

import dev.pagestore.ipc.linux.LibcMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads the segment files of one recovery scan into one buffer, in chunks, on one helper thread, while the scanning
 * thread checks the records already read: the scan runs at the disk's sequential read rate instead of read time plus
 * CRC time. One segment at a time: {@link #open} starts the next, {@link #finish} stops reading it at the next chunk
 * (the zero-filled rest of the last segment is not read) and waits until the buffer is free again.
 *
 * <h2>One reader, one queue pair per segment</h2>
 * The helper thread opens each segment itself and takes it as its own ({@link LogDevice#transferOwnership} to itself),
 * so a queue-pair device reads the whole segment through one queue pair owned by that thread. Read from another
 * thread, an unpinned handle would set up a queue pair (an io_uring ring) for every chunk.
 *
 * <p>Thread safety: {@link #open}, {@link #awaitAvailable}, {@link #finish} and {@link #close} on the scanning thread.
 * The helper thread writes the buffer and then publishes how far it got with a release store
 * ({@link AtomicLong#setRelease}); the scanning thread reads that bound with an acquire load before touching bytes
 * below it. Segment hand-overs go through this object's monitor.
 */
final class RecoveryReader implements AutoCloseable {
    private static final long CHUNK_BYTES = 4L << 20;

    private final LogDirectory directory;
    private final Arena arena = Arena.ofShared(); // shared: the helper thread fills what the scanning thread reads
    private final MemorySegment buffer;
    private final Thread reader;
    private final AtomicLong readUpTo = new AtomicLong();
    private volatile boolean cancelled;
    private volatile Throwable failure;
    private volatile boolean finished = true;
    private volatile long length;
    // guarded by this
    private String requested;
    private long sizeBytes = -1;
    private boolean shuttingDown;

    /** A reader of the segments of {@code directory}, each read into one buffer of {@code segmentSizeBytes}. */
    RecoveryReader(LogDirectory directory, long segmentSizeBytes) throws IOException {
        this.directory = directory;
        boolean success = false;
        try {
            // touched only as far as the reads go: a scan usually ends in a segment's first chunks
            this.buffer = LibcMemory.mapAnonymous(segmentSizeBytes, arena);
            this.reader = Thread.ofPlatform().name("wal-recovery-read").daemon().start(this::run);
            success = true;
        } finally {
            if (!success) {
                arena.close();
            }
        }
    }

    /** The buffer segments are read into, valid until {@link #close}; bytes below {@link #awaitAvailable} are read. */
    MemorySegment buffer() {
        return buffer;
    }

    /**
     * Starts reading segment file {@code name} from its start, at most the buffer's size, once the previous one is
     * finished; waits until it is open.
     *
     * @return the file's size in bytes
     * @throws IOException when the file cannot be opened or its size read
     */
    long open(String name) throws IOException {
        finish();
        synchronized (this) {
            readUpTo.set(0);
            cancelled = false;
            failure = null;
            finished = false;
            sizeBytes = -1;
            requested = name;
            notifyAll();
            while (sizeBytes < 0 && !finished) {
                awaitChange();
            }
            rethrowFailure();
            return sizeBytes;
        }
    }

    /**
     * Waits until {@code [0, min(end, length))} of the open segment is in the buffer, or reading ended early.
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
        rethrowFailure();
        return available;
    }

    /**
     * Stops reading the open segment at the next chunk and waits until the helper has closed it: one chunk's read at
     * most, so not interruptible (an interrupt is kept for the caller), and it never hides the exception a scan that
     * calls it from a {@code finally} is throwing.
     */
    synchronized void finish() {
        cancelled = true;
        boolean interrupted = false;
        while (!finished) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the helper at its next chunk and frees the buffer once it has stopped. Not interruptible: the buffer may
     * be freed only after the helper's last write into it, and a reader left running would hold it for good (an
     * interrupt is kept for the caller).
     */
    @Override
    public void close() {
        synchronized (this) {
            cancelled = true;
            shuttingDown = true;
            notifyAll();
        }
        boolean interrupted = false;
        while (true) {
            try {
                reader.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        arena.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitChange() throws IOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the recovery reader", e);
        }
    }

    private void rethrowFailure() throws IOException {
        Throwable t = failure;
        if (t instanceof IOException e) {
            throw e;
        } else if (t != null) {
            throw new IOException("recovery read of a segment failed", t);
        }
    }

    private void run() {
        while (true) {
            String name;
            synchronized (this) {
                while (requested == null && !shuttingDown) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return; // only the daemon's own end: the scanning thread never interrupts it
                    }
                }
                if (requested == null) {
                    return;
                }
                name = requested;
                requested = null;
            }
            read(name);
        }
    }

    private void read(String name) {
        try (LogDevice device = directory.open(name, false)) {
            long size = device.size();
            device.transferOwnership(Thread.currentThread()); // one queue pair for all of this segment's reads
            length = Math.min(size, buffer.byteSize());
            synchronized (this) {
                sizeBytes = size;
                notifyAll();
            }
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
            synchronized (this) {
                finished = true;
                notifyAll();
            }
        }
    }
}
