package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The submission queue of one {@link IoUring}: operations are prepared here, each SQE written in place at the local
 * tail, and reach the kernel when the ring submits (one release store of the tail, one {@code io_uring_enter}).
 *
 * <p>Bounds: at most {@code sqEntries} operations are prepared and not yet submitted, and at most {@code cqEntries}
 * are prepared or in flight, so the CQ can never overflow; a prepare beyond that returns {@code false} and writes
 * nothing. {@code user_data} carries the operation in its top byte and the caller id in the low
 * {@value #CALLER_ID_BITS} bits. Owner thread only, like its ring: every prepare checks the caller through the ring.
 */
public final class SubmissionQueue {
    /** Bits of user_data available to the caller id; the operation code uses the byte above. */
    public static final int CALLER_ID_BITS = 56;
    /** The largest caller id. */
    public static final long CALLER_ID_MAX = (1L << CALLER_ID_BITS) - 1;
    private static final VarHandle U32 = JAVA_INT.varHandle();

    private final IoUring ring;
    private final RingRegistrations registrations;
    private final MemorySegment sqRing;
    private final MemorySegment sqes;
    private final long headOffset;
    private final long tailOffset;
    private final long flagsOffset;
    private final int mask;
    private final int entries;
    /** The CQ's size: prepared plus in-flight operations never exceed it. */
    private final int completionRoom;
    /** TIMEOUT timespecs, one per SQ slot. */

    // Owner-thread state (plain fields: one thread only).
    private int tailLocal;
    private int tailPublished;
    long fixedBufferIos;
    long plainBufferIos;
    long queueFullRefusals;

    SubmissionQueue(IoUring ring, RingRegistrations registrations, MemorySegment params, MemorySegment sqRing,
            MemorySegment sqes, int entries, int completionRoom, Arena arena) {
        this.ring = ring;
        this.registrations = registrations;
        this.sqRing = sqRing;
        this.sqes = sqes;
        this.entries = entries;
        this.completionRoom = completionRoom;
        int sq = IoUringParamsDescriptor.SQ_OFF_OFFSET;
        this.headOffset = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_HEAD);
        this.tailOffset = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_TAIL);
        this.flagsOffset = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_FLAGS);
        this.mask = sqRing.get(JAVA_INT, IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_RING_MASK));
        assert mask == entries - 1 : "sq ring_mask " + mask + " for " + entries + " entries";
        long arrayOffset = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_ARRAY);
        // The SQ index array maps ring slot i to SQE i for the ring's whole life; these plain stores are published to
        // the kernel by the first release store of the SQ tail.
        for (int i = 0; i < entries; i++) {
            sqRing.set(JAVA_INT, arrayOffset + 4L * i, i);
        }
        this.tailLocal = (int) U32.getAcquire(sqRing, tailOffset);
        this.tailPublished = tailLocal;
    }

    /**
     * Prepares a read of {@code buffer.byteSize()} bytes at {@code fileOffset} into {@code buffer}
     * ({@code READ_FIXED} when the buffer lies in a registered buffer). For an {@code O_DIRECT} file the buffer
     * address, offset and length must meet the file's {@link dev.pagestore.ipc.linux.DirectIoAlignment}.
     *
     * @return {@code false} (and nothing written) when the queue is full
     */
    public boolean prepareRead(RingFile file, MemorySegment buffer, long fileOffset, long callerId) {
        return prepareTransfer(UringOp.READ, file, buffer, checkedSize(buffer), fileOffset, callerId);
    }

    /** As {@link #prepareRead} for a write of {@code buffer} at {@code fileOffset}. */
    public boolean prepareWrite(RingFile file, MemorySegment buffer, long fileOffset, long callerId) {
        return prepareTransfer(UringOp.WRITE, file, buffer, checkedSize(buffer), fileOffset, callerId);
    }

    /**
     * As {@link #prepareRead} for the first {@code lengthBytes} of {@code buffer} (no slice object per I/O).
     *
     * @throws IllegalArgumentException when {@code lengthBytes} is not in [1, buffer size]
     */
    public boolean prepareRead(RingFile file, MemorySegment buffer, int lengthBytes, long fileOffset, long callerId) {
        return prepareTransfer(UringOp.READ, file, buffer, lengthBytes, fileOffset, callerId);
    }

    /** As {@link #prepareRead(RingFile, MemorySegment, int, long, long)} for a write. */
    public boolean prepareWrite(RingFile file, MemorySegment buffer, int lengthBytes, long fileOffset, long callerId) {
        return prepareTransfer(UringOp.WRITE, file, buffer, lengthBytes, fileOffset, callerId);
    }

    private static int checkedSize(MemorySegment buffer) {
        Objects.requireNonNull(buffer, "buffer");
        if (buffer.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer " + buffer + " is larger than " + Integer.MAX_VALUE + " bytes");
        }
        return (int) buffer.byteSize();
    }

    private boolean prepareTransfer(UringOp op, RingFile file, MemorySegment buffer, int lengthBytes, long fileOffset,
                                    long callerId) {
        checkCall(callerId);
        Objects.requireNonNull(buffer, "buffer");
        if (!buffer.isNative() || lengthBytes <= 0 || lengthBytes > buffer.byteSize()) {
            throw new IllegalArgumentException(op + " lengthBytes=" + lengthBytes + " of buffer " + buffer
                    + " must be in [1, buffer size] of native memory");
        }
        if (fileOffset < 0) {
            throw new IllegalArgumentException(op + " fileOffset=" + fileOffset + " is negative");
        }
        int fd = registrations.fileDescriptorField(file);
        byte flags = file.registered() ? SqeDescriptor.IOSQE_FIXED_FILE : 0;
        int fixed = registrations.fixedBufferIndex(buffer.address(), lengthBytes);
        if (!reserve()) {
            return false;
        }
        byte opcode;
        if (fixed >= 0) {
            opcode = op == UringOp.READ ? SqeDescriptor.IORING_OP_READ_FIXED : SqeDescriptor.IORING_OP_WRITE_FIXED;
            fixedBufferIos++;
        } else {
            opcode = op == UringOp.READ ? SqeDescriptor.IORING_OP_READ : SqeDescriptor.IORING_OP_WRITE;
            plainBufferIos++;
        }
        push(opcode, flags, fd, fileOffset, buffer.address(), lengthBytes, 0, userData(op, callerId),
                (short) Math.max(fixed, 0));
        return true;
    }

    /**
     * Prepares an fsync of {@code file}: {@code dataOnly} gives {@code IORING_FSYNC_DATASYNC} (like
     * {@code fdatasync(2)}: the data and the metadata needed to read it back), otherwise a full {@code fsync(2)}.
     *
     * @return {@code false} (and nothing written) when the queue is full
     */
    public boolean prepareFsync(RingFile file, boolean dataOnly, long callerId) {
        checkCall(callerId);
        int fd = registrations.fileDescriptorField(file);
        byte flags = file.registered() ? SqeDescriptor.IOSQE_FIXED_FILE : 0;
        if (!reserve()) {
            return false;
        }
        push(SqeDescriptor.IORING_OP_FSYNC, flags, fd, 0, 0, 0, dataOnly ? SqeDescriptor.IORING_FSYNC_DATASYNC : 0,
                userData(UringOp.FSYNC, callerId), (short) 0);
        return true;
    }

    /**
     * Prepares {@code fallocate(file, mode, offset, length)} ({@code IORING_OP_FALLOCATE}, Linux 5.6+); with
     * {@code FALLOC_FL_ZERO_RANGE} it zeroes a range without a buffer. The SQE carries the length in {@code addr} and
     * the mode in {@code len}, as the kernel's {@code io_fallocate_prep} reads them.
     *
     * @return {@code false} (and nothing written) when the queue is full
     */
    public boolean prepareFallocate(RingFile file, int mode, long fileOffset, long lengthBytes, long callerId) {
        checkCall(callerId);
        if (fileOffset < 0 || lengthBytes <= 0) {
            throw new IllegalArgumentException("FALLOCATE fileOffset=" + fileOffset + " lengthBytes=" + lengthBytes
                    + ": the offset must be non-negative and the length positive");
        }
        int fd = registrations.fileDescriptorField(file);
        byte flags = file.registered() ? SqeDescriptor.IOSQE_FIXED_FILE : 0;
        if (!reserve()) {
            return false;
        }
        push(SqeDescriptor.IORING_OP_FALLOCATE, flags, fd, fileOffset, lengthBytes, mode, 0,
                userData(UringOp.FALLOCATE, callerId), (short) 0);
        return true;
    }

    /**
     * Prepares a cancellation of the in-flight operation {@code (targetOp, targetCallerId)}. Best effort: a request
     * the device has started cannot be stopped ({@code EALREADY}); one that already completed gives {@code ENOENT};
     * a cancelled one completes with {@code ECANCELED}. Either way the target's own completion still arrives and
     * its buffer stays in use until then.
     *
     * @return {@code false} (and nothing written) when the queue is full
     */
    public boolean prepareCancel(UringOp targetOp, long targetCallerId, long callerId) {
        checkCall(callerId);
        Objects.requireNonNull(targetOp, "targetOp");
        checkCallerId(targetCallerId);
        if (!reserve()) {
            return false;
        }
        push(SqeDescriptor.IORING_OP_ASYNC_CANCEL, (byte) 0, -1, 0, userData(targetOp, targetCallerId), 0, 0,
                userData(UringOp.ASYNC_CANCEL, callerId), (short) 0);
        return true;
    }

    /**
     * Prepares a wait on {@code count} futex words ({@code IORING_OP_FUTEX_WAITV}, Linux 6.7+), described by
     * {@code waiters} as for {@code futex_waitv(2)} (24 bytes each: expected value, address, flags). It completes with
     * 0 when any of the words is woken, with {@code -EAGAIN} at once when one did not hold its expected value, with
     * {@code -ECANCELED} when cancelled, and with {@code -EINVAL} on a kernel without it. The kernel copies the
     * array while it consumes the SQE, so the array may be reused once the operation is submitted. It lets a thread
     * that waits for this ring's completions be woken, in the same {@code io_uring_enter}, by another thread or
     * process.
     *
     * @return {@code false} (and nothing written) when the queue is full
     */
    public boolean prepareFutexWaitv(MemorySegment waiters, int count, long callerId) {
        checkCall(callerId);
        Objects.requireNonNull(waiters, "waiters");
        if (count <= 0 || count > 128 || waiters.byteSize() < 24L * count) {
            throw new IllegalArgumentException("count=" + count + " must be in [1, 128] and fit the " + waiters.byteSize()
                    + "-byte array");
        }
        if (!reserve()) {
            return false;
        }
        push(SqeDescriptor.IORING_OP_FUTEX_WAITV, (byte) 0, 0, 0, waiters.address(), count, 0,
                userData(UringOp.FUTEX_WAITV, callerId), (short) 0);
        return true;
    }

    private void checkCall(long callerId) {
        ring.checkUsable();
        checkCallerId(callerId);
    }

    private static void checkCallerId(long callerId) {
        if (callerId < 0 || callerId > CALLER_ID_MAX) {
            throw new IllegalArgumentException("callerId=" + callerId + " must be in [0, 2^" + CALLER_ID_BITS + ")");
        }
    }

    /**
     * Claims room for one more prepared operation: a free SQ slot, and room in the CQ for its completion counting
     * everything prepared or in flight. Refusing here is what keeps the CQ from overflowing.
     */
    private boolean reserve() {
        int prepared = tailLocal - tailPublished;
        // Acquire: the kernel's SQ head store (release, after it finished reading the SQEs) happens-before we reuse
        // the slots it freed.
        int head = (int) U32.getAcquire(sqRing, headOffset);
        if (tailLocal - head >= entries || ring.inFlightUnchecked() + prepared >= completionRoom) {
            queueFullRefusals++;
            return false;
        }
        return true;
    }

    /** Writes the SQE at the local tail and advances it; the next submit publishes it with a release store. */
    private void push(byte opcode, byte flags, int fd, long off, long addr, int len, int opFlags, long userData,
                      short bufIndex) {
        long sqeOffset = (long) SqeDescriptor.SIZE * (tailLocal & mask);
        SqeDescriptor.write(sqes, sqeOffset, opcode, flags, fd, off, addr, len, opFlags, userData, bufIndex);
        tailLocal++;
    }

    private static long userData(UringOp op, long callerId) {
        return ((long) op.code() << CALLER_ID_BITS) | callerId;
    }

    // ------------------------------------------------------------------------------------------------ the ring's side

    /** Operations prepared and not yet published. */
    int prepared() {
        return tailLocal - tailPublished;
    }

    /** The published tail: what the kernel may consume up to. */
    int tailPublished() {
        return tailPublished;
    }

    /** Publishes what was prepared; release: every plain SQE store happens-before the kernel's acquire of the tail. */
    void publish() {
        if (tailLocal != tailPublished) {
            U32.setRelease(sqRing, tailOffset, tailLocal);
            tailPublished = tailLocal;
        }
    }

    /** The kernel's SQ head; acquire pairs with its release after it copied the consumed SQEs. */
    int head() {
        return (int) U32.getAcquire(sqRing, headOffset);
    }

    /** The SQ flags the kernel sets ({@code IORING_SQ_*}). */
    int flags() {
        return (int) U32.getAcquire(sqRing, flagsOffset);
    }

    /** Forgets what was prepared and never published (the kernel never saw it); returns how many. */
    int dropPrepared() {
        int dropped = tailLocal - tailPublished;
        tailLocal = tailPublished;
        return dropped;
    }
}
