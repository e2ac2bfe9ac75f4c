package dev.pagestore.wal;

import dev.pagestore.nvme.BlockDevice;
import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.QueuePairMetrics;
import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.nvme.RetryPolicy;
import dev.pagestore.nvme.uring.IoUringQueuePair;
import java.io.IOException;
import java.lang.foreign.Arena;
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
 * devices between threads (recovery reads on a helper thread, the control file is written by whichever thread
 * checkpoints, the first segment is prepared by the opener and then written by the WAL writer thread), so a handle
 * works in one of two modes:
 * <ul>
 *   <li><b>Pinned</b> to one thread, through one long-lived queue pair that thread owns: every call from another
 *       thread is refused with {@link OwnerThreadException} before anything is touched. A handle becomes pinned
 *       by {@link #transferOwnership} (the WAL calls it when it hands the current segment to the writer thread, whose
 *       queue pair is then opened by the current user and transferred with {@link QueuePair#transferOwnership}), or
 *       by being opened on a thread that already holds a pinned handle of the same directory (the writer thread
 *       opening the next segment). So the WAL writer appends and flushes through a queue pair it owns.</li>
 *   <li><b>Unpinned</b> (cold paths: recovery, the control file, segment preparation before the writer starts): each
 *       operation opens a queue pair on the calling thread and closes it before returning, so any thread may use the
 *       handle, one at a time, and no queue pair is ever left owned by a thread that has moved on.</li>
 * </ul>
 *
 * <h2>I/O</h2>
 * A write whose buffer is native, aligned to {@link BlockDevice#memoryAlignmentBytes()}, and whose offset and length
 * are multiples of {@link BlockDevice#offsetAlignmentBytes()} goes to the device straight from the caller's memory
 * (the WAL writer's case); anything else is copied into an aligned native staging buffer, with the partly covered
 * first and last blocks read first (read-modify-write). Transfers are split at {@link BlockDevice#maxTransferBytes()}
 * and the pieces of one call are submitted together. {@link #datasync} is one flush command; when it completes OK the
 * file's size is durable too. Every command has a deadline ({@link Settings#timeoutNanos}); {@link RetryPolicy#NONE}:
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
    /** Transfers are split into pieces of a multiple of this, so every piece's buffer stays aligned. */
    private final int pieceUnit;
    private final Completions completions = new Completions();
    private Arena arena;
    private MemorySegment staging;
    private MemorySegment scratch;
    private volatile QueuePair pinned; // volatile: ownerThread() and toString() may be read by other threads
    private IOException failure;
    private boolean closed;

    /** Counts the outstanding commands of one call and keeps its first failure. Owner thread only. */
    private static final class Completions implements CompletionHandler {
        int outstanding;
        IoStatus failedStatus;
        int failedDetail;
        /** A read reaching past the end of a regular file: fewer bytes than asked is its end, not a failure. */
        boolean shortReadIsEnd;

        void reset() {
            outstanding = 0;
            failedStatus = null;
            failedDetail = 0;
            shortReadIsEnd = false;
        }

        @Override
        public void onCompletion(long tag, IoStatus status, int transferredBytes, int detail) {
            outstanding--;
            boolean ok = status.isOk() || (shortReadIsEnd && status == IoStatus.SHORT_TRANSFER);
            if (!ok && failedStatus == null) {
                failedStatus = status;
                failedDetail = detail;
            }
        }
    }

    QueuePairLogDevice(String name, LogFile file, HandlePins pins, Settings settings, boolean pinToCaller)
            throws IOException {
        this.name = name;
        this.file = file;
        this.device = file.device();
        this.pins = pins;
        this.settings = settings;
        this.block = device.offsetAlignmentBytes();
        this.pieceUnit = Math.max(block, device.memoryAlignmentBytes());
        if (device.maxTransferBytes() < pieceUnit) {
            throw new IllegalArgumentException("maxTransferBytes=" + device.maxTransferBytes() + " of " + device.name()
                    + " is less than its block and memory alignment " + pieceUnit + ": transfers cannot be split");
        }
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
                transfer(qp, true, source, offset, length);
            } else {
                stagedWrite(qp, offset, source, length);
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
                transfer(qp, false, destination, offset, n);
            } else {
                stagedRead(qp, offset, destination, n);
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
            flush(qp);
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
            if (arena != null) {
                arena.close();
            }
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

    /** The pinned queue pair, or null when unpinned (tests: which ring the owner thread drives). */
    QueuePair pinnedQueuePair() {
        return pinned;
    }

    /** The file name this handle was opened under. */
    public String fileName() {
        return name;
    }

    /** The block device holding the file. */
    public BlockDevice blockDevice() {
        return device;
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

    private long deadline(QueuePair qp) {
        long now = qp.clock().nanoTime();
        return now + settings.timeoutNanos() < now ? QueuePair.NO_DEADLINE : now + settings.timeoutNanos();
    }

    /**
     * The staging buffer: a multiple of {@link #pieceUnit} for data, then one aligned scratch unit where the partly
     * covered last block of a read-modify-write is read (a block inside the data area may not be memory aligned).
     */
    private MemorySegment staging() {
        if (staging == null) {
            long bytes = Math.max(pieceUnit, settings.stagingBytes() / pieceUnit * pieceUnit);
            arena = Arena.ofShared(); // the handle may be used by several threads in turn (one at a time)
            MemorySegment all = arena.allocate(bytes + pieceUnit, pieceUnit);
            staging = all.asSlice(0, bytes);
            scratch = all.asSlice(bytes, pieceUnit);
        }
        return staging;
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
            stagedWrite(qp, size, null, dirtyEnd - size);
        }
        file.visibleSize(Math.max(file.visibleSize(), end));
        return end;
    }

    /** Writes {@code length} bytes of {@code source} (zeros when null) at {@code offset} through the staging buffer. */
    private void stagedWrite(QueuePair qp, long offset, MemorySegment source, long length) throws IOException {
        MemorySegment buffer = staging();
        long end = offset + length;
        long at = offset / block * block;
        while (at < end) {
            long pieceEnd = Math.min(at + buffer.byteSize(), (end + block - 1) / block * block);
            long from = Math.max(at, offset);
            long to = Math.min(pieceEnd, end);
            if (from > at) {
                transfer(qp, false, buffer, at, block);
            }
            if (to < pieceEnd && (pieceEnd - block > at || from == at)) {
                transfer(qp, false, scratch, pieceEnd - block, block);
                MemorySegment.copy(scratch, 0, buffer, pieceEnd - block - at, block);
            }
            if (source == null) {
                buffer.asSlice(from - at, to - from).fill((byte) 0);
            } else {
                MemorySegment.copy(source, from - offset, buffer, from - at, to - from);
            }
            transfer(qp, true, buffer, at, pieceEnd - at);
            at = pieceEnd;
        }
    }

    private void stagedRead(QueuePair qp, long offset, MemorySegment destination, long length) throws IOException {
        MemorySegment buffer = staging();
        long end = offset + length;
        long at = offset / block * block;
        while (at < end) {
            long pieceEnd = Math.min(at + buffer.byteSize(), (end + block - 1) / block * block);
            transfer(qp, false, buffer, at, pieceEnd - at);
            long from = Math.max(at, offset);
            long to = Math.min(pieceEnd, end);
            MemorySegment.copy(buffer, from - at, destination, from - offset, to - from);
            at = pieceEnd;
        }
    }

    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int FLUSH = 2;

    /**
     * Moves {@code length} bytes between {@code buffer} and the device at {@code offset}: the pieces (at most
     * {@link BlockDevice#maxTransferBytes()} each) are prepared, submitted with one doorbell, and awaited. Nothing
     * is allocated unless a command fails.
     */
    private void transfer(QueuePair qp, boolean write, MemorySegment buffer, long offset, long length)
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

    private void flush(QueuePair qp) throws IOException {
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

    /** Submits, then polls until every command of this call has completed (or timed out). */
    private void submitAndAwait(QueuePair qp, int kind, long offset, long length) throws IOException {
        qp.submit();
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
        if (qp instanceof IoUringQueuePair uring) {
            uring.awaitCompletions(settings.timeoutNanos());
        } else {
            Thread.onSpinWait();
        }
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

    @Override
    public String toString() {
        return "QueuePairLogDevice[" + name + " on " + device.name() + (pinned == null ? ", unpinned"
                : ", pinned to " + pinned.ownerThread().getName()) + "]";
    }
}
