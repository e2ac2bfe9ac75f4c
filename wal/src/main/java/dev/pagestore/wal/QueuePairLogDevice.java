package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.QueuePairMetrics;
import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.nvme.RetryPolicy;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A {@link LogDevice} whose file lives on a {@link BlockDevice} (one device per file, capacity = the largest size the
 * file may reach) and whose every read, write and flush goes through a {@link QueuePair}: prepare the commands, one
 * submit (one doorbell), poll until all complete or their deadline passes. Where the file's size lives is the
 * directory's business ({@link LogFile}): the kernel's for a regular file ({@link IoUringLogDirectory},
 * {@link PortableLogDirectory}), or kept beside a block device that is the whole file.
 *
 * <h2>Ownership: pinned and one-shot queue pairs</h2>
 * A queue pair has one owner thread (SPDK issues 3187, 3557; {@link OwnerThreadException}). The WAL hands its
 * devices between threads (the control file is written by whichever thread checkpoints, the first segment is
 * prepared by the opener and then written by the WAL writer thread), so a handle works in one of two modes:
 * <ul>
 *   <li><b>Pinned</b> to one thread, through one long-lived queue pair that thread owns: every call from another
 *       thread is refused with {@link OwnerThreadException} before anything is touched. A handle becomes pinned
 *       by {@link #transferOwnership} (the WAL calls it when it hands the current segment to the writer thread, whose
 *       queue pair is then opened by the current user and transferred with {@link QueuePair#transferOwnership}), or
 *       by being opened on a thread that already holds a pinned handle of the same directory (the writer thread
 *       opening the next segment). So the WAL writer appends and flushes through a queue pair it owns, and recovery's
 *       reader thread and its replay, which pin each segment to themselves, read it through one.</li>
 *   <li><b>Unpinned</b> (cold paths: the control file, segment preparation before the writer starts): each
 *       operation opens a queue pair on the calling thread and closes it before returning, so any thread may use the
 *       handle, one at a time, and no queue pair is ever left owned by a thread that has moved on.</li>
 * </ul>
 *
 * <h2>I/O</h2>
 * A write whose buffer is native, aligned to {@link BlockDevice#memoryAlignmentBytes()}, and whose offset and length
 * are multiples of {@link BlockDevice#offsetAlignmentBytes()} goes to the device straight from the caller's memory
 * (the WAL writer's case); anything else is copied into an aligned native staging buffer ({@link StagedTransfers}),
 * with the partly covered first and last blocks read first (read-modify-write). Transfers are split at
 * {@link BlockDevice#maxTransferBytes()} and the pieces of one call are submitted together
 * ({@link QueuePairCommands}). {@link #datasync} is one flush command; when it completes OK the file's size is durable
 * too. Every command has a deadline ({@link Settings#timeoutNanos}); {@link RetryPolicy#NONE}:
 * nothing is retried here.
 *
 * <h2>Failure</h2>
 * Any status other than OK (a {@link QueuePairIoException}; {@link QueuePairTimeoutException} for a deadline), or
 * any other failure of a command, fails the handle for good: every later call throws. That is what the WAL needs (a
 * failed write or flush is final, fsyncgate) and what a timeout requires: the device may still use the buffer of a timed-out command until
 * {@link #close()} has closed the queue pair, so neither the staging buffer nor the caller's buffer may be reused
 * before that.
 *
 * <p>Thread safety: one thread at a time (the {@link LogDevice} contract), enforced for pinned handles.
 */
public final class QueuePairLogDevice implements LogDevice {
    /**
     * @param queueDepth      commands outstanding at once per queue pair (pieces of one call beyond it wait)
     * @param timeoutNanos    the deadline of every command, from its preparation
     * @param closeDrainNanos how long closing a queue pair waits for commands still in flight
     * @param stagingBytes    the staging buffer for unaligned transfers (rounded to the device's block size)
     */
    public record Settings(int queueDepth, long timeoutNanos, long closeDrainNanos, int stagingBytes) {
        public static Settings defaults() {
            return new Settings(8, 30_000_000_000L, 100_000_000L, 64 << 10);
        }

        public Settings {
            if (queueDepth < 1 || queueDepth > 4096) {
                throw new IllegalArgumentException("queueDepth=" + queueDepth + " is outside 1..4096");
            }
            if (timeoutNanos <= 0 || closeDrainNanos < 0) {
                throw new IllegalArgumentException("timeoutNanos=" + timeoutNanos + " must be positive and closeDrainNanos="
                        + closeDrainNanos + " non-negative");
            }
            if (stagingBytes < 512) {
                throw new IllegalArgumentException("stagingBytes=" + stagingBytes + " is less than 512");
            }
        }

        public Settings withTimeoutNanos(long value) {
            return new Settings(queueDepth, value, closeDrainNanos, stagingBytes);
        }
    }

    private final String name;
    private final LogFile file;
    private final BlockDevice device;
    private final HandlePins pins;
    private final Settings settings;
    private final int block;
    private final QueuePairCommands commands;
    private final StagedTransfers staged;
    private volatile QueuePair pinned; // volatile: ownerThread() and toString() may be read by other threads
    private IOException failure;
    private boolean closed;

    QueuePairLogDevice(String name, LogFile file, HandlePins pins, Settings settings, boolean pinToCaller)
            throws IOException {
        this.name = name;
        this.file = file;
        this.device = file.device();
        this.pins = pins;
        this.settings = settings;
        this.block = device.offsetAlignmentBytes();
        this.commands = new QueuePairCommands(name, file, settings);
        this.staged = new StagedTransfers(commands, block, settings.stagingBytes());
        if (pinToCaller) {
            pinned = openQueuePair();
            pins.pinned(Thread.currentThread(), +1);
        }
    }

    // ------------------------------------------------------------------------------------------------ LogDevice

    @Override
    public void write(long offset, MemorySegment source) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("offset=" + offset + " is negative");
        }
        long length = source.byteSize();
        QueuePair qp = begin("write");
        try {
            if (length == 0) {
                return;
            }
            long end = offset + length;
            checkCapacity("write", end);
            long size = growTo(qp, end);
            if (source.isNative() && source.address() % device.memoryAlignmentBytes() == 0
                    && offset % block == 0 && length % block == 0) {
                commands.transfer(qp, true, source, offset, length);
            } else {
                staged.write(qp, offset, source, length);
                if (end % block != 0) {
                    file.restoreSize(size); // the partly covered last block was written whole
                }
            }
            file.written(end);
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        } finally {
            finish(qp);
        }
    }

    @Override
    public long read(long offset, MemorySegment destination) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("offset=" + offset + " is negative");
        }
        QueuePair qp = begin("read");
        try {
            long n = Math.max(0, Math.min(destination.byteSize(), file.visibleSize() - offset));
            if (n == 0) {
                return 0;
            }
            if (destination.isNative() && destination.address() % device.memoryAlignmentBytes() == 0
                    && offset % block == 0 && n % block == 0) {
                commands.transfer(qp, false, destination, offset, n);
            } else {
                staged.read(qp, offset, destination, n);
            }
            return n;
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        } finally {
            finish(qp);
        }
    }

    @Override
    public void datasync() throws IOException {
        QueuePair qp = begin("datasync");
        try {
            commands.flush(qp);
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        } finally {
            finish(qp);
        }
    }

    @Override
    public long size() throws IOException {
        checkUsable("size");
        return file.visibleSize();
    }

    @Override
    public void preallocate(long sizeBytes) throws IOException {
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " is negative");
        }
        QueuePair qp = begin("preallocate");
        try {
            checkCapacity("preallocate", sizeBytes);
            file.reserve(sizeBytes);
            growTo(qp, sizeBytes);
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        } finally {
            finish(qp);
        }
    }

    @Override
    public void truncate(long sizeBytes) throws IOException {
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes=" + sizeBytes + " is negative");
        }
        QueuePair qp = begin("truncate");
        try {
            checkCapacity("truncate", sizeBytes);
            if (sizeBytes < file.visibleSize()) {
                file.visibleSize(sizeBytes); // the bytes past it are zeroed if the file grows again (LogFile)
            } else {
                growTo(qp, sizeBytes);
            }
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        } finally {
            finish(qp);
        }
    }

    /**
     * Hands this handle to {@code next}, which becomes its only user: the handle is pinned to {@code next} through a
     * queue pair opened now by the caller (the current user) and transferred with
     * {@link QueuePair#transferOwnership}. The caller must then publish the handle to {@code next} safely (a thread
     * start). On a pinned handle only its owner may call this.
     */
    @Override
    public void transferOwnership(Thread next) {
        if (next == null) {
            throw new IllegalArgumentException("next owner thread is null");
        }
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        try {
            if (pinned == null) {
                pinned = openQueuePair();
            } else {
                checkOwner();
                pins.pinned(pinned.ownerThread(), -1);
            }
            pinned.transferOwnership(next);
            pins.pinned(next, +1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a queue pair on " + device.name() + " for " + name, e);
        }
    }

    /**
     * Closes the pinned queue pair (on a pinned handle only its owner may), draining commands still in flight for at
     * most {@link Settings#closeDrainNanos}; after it the device touches no buffer of this handle or its caller.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (pinned != null) {
            checkOwner();
        }
        closed = true;
        try {
            if (pinned != null) {
                pins.pinned(pinned.ownerThread(), -1);
                closeQueuePair(pinned);
            }
        } finally {
            pinned = null;
            staged.close();
            file.handleClosed();
        }
    }

    // ------------------------------------------------------------------------------------------------ queries

    /** The thread this handle is pinned to, or null when unpinned. */
    public Thread ownerThread() {
        QueuePair qp = pinned;
        return qp == null ? null : qp.ownerThread();
    }

    /** The pinned queue pair's counters (readable from any thread), or null when unpinned. */
    public QueuePairMetrics queuePairMetrics() {
        QueuePair qp = pinned;
        return qp == null ? null : qp.metrics();
    }

    /** The file name this handle was opened under. */
    public String fileName() {
        return name;
    }

    // ------------------------------------------------------------------------------------------------ internals

    private QueuePair begin(String operation) throws IOException {
        checkUsable(operation);
        return pinned != null ? pinned : openQueuePair();
    }

    private void finish(QueuePair qp) {
        if (qp != pinned) {
            closeQueuePair(qp);
        }
    }

    private void checkUsable(String operation) throws IOException {
        if (pinned != null) {
            checkOwner();
        }
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        if (failure != null) {
            throw new IOException(operation + " " + name + ": the device failed earlier and is not used again: "
                    + failure.getMessage(), failure);
        }
    }

    private void checkOwner() {
        pinned.checkOwnerThread();
    }

    /** Records the first failure (the handle is not used again) and returns it for throwing. */
    private IOException fail(Exception e) {
        if (e instanceof IllegalArgumentException | e instanceof OwnerThreadException) {
            throw (RuntimeException) e; // the caller's mistake, found before any command: nothing to fail
        }
        IOException io = e instanceof IOException x ? x : new IOException(name + ": " + e, e);
        if (failure == null) {
            failure = io;
        }
        return io;
    }

    private QueuePair openQueuePair() throws IOException {
        QueuePair qp = device.openQueuePair(settings.queueDepth());
        qp.retryPolicy(RetryPolicy.NONE);
        return qp;
    }

    private void closeQueuePair(QueuePair qp) {
        qp.close(CompletionHandler.DISCARD, settings.closeDrainNanos());
    }

    private void checkCapacity(String operation, long end) throws IOException {
        if (end > device.capacityBytes()) {
            throw new QueuePairIoException(operation + " " + name + " to " + end + " bytes: beyond the "
                    + device.capacityBytes() + "-byte capacity of " + device.name(), IoStatus.NO_SPACE, 0);
        }
    }

    /**
     * Before the file grows to {@code end}: zero what a previous life may have left between its end and there.
     *
     * @return the size after growing
     */
    private long growTo(QueuePair qp, long end) throws IOException {
        long size = file.visibleSize();
        if (end <= size) {
            return size;
        }
        long dirtyEnd = Math.min(end, file.writtenLimit());
        if (size < dirtyEnd) {
            staged.write(qp, size, null, dirtyEnd - size);
        }
        file.visibleSize(Math.max(file.visibleSize(), end));
        return end;
    }

    @Override
    public String toString() {
        return "QueuePairLogDevice[" + name + " on " + device.name() + (pinned == null ? ", unpinned"
                : ", pinned to " + pinned.ownerThread().getName()) + "]";
    }
}
