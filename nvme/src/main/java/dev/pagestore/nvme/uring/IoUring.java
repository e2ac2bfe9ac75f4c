package dev.pagestore.nvme.uring;

import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.ipc.owner.SingleOwner;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.IoUringSyscalls;
import dev.pagestore.ipc.linux.LibcFiles;
import dev.pagestore.ipc.linux.LibcMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One io_uring instance driven through raw system calls: the SQ and CQ rings and the SQE array mmapped, entries
 * written in place, one {@code io_uring_enter} per submitted batch, completions drained in batches.
 *
 * <h2>Why it is built this way</h2>
 * A submission/completion queue pair has no locks; used from two threads at once its head/tail bookkeeping tears and
 * completions stop mapping to what was submitted (SPDK issues 3557 and 3187 show the symptom:
 * {@code cpl does not map to outstanding cmd}). So a ring has exactly one owner, the thread that created it; every
 * method checks the calling thread and throws {@link OwnerThreadException} naming both threads. The kernel enforces
 * the same rule through {@code IORING_SETUP_SINGLE_ISSUER} (and {@code DEFER_TASKRUN}, which also keeps completion
 * work on the owner thread instead of interrupting it); where the kernel refuses a flag ({@code EINVAL}), setup
 * drops it and says so once in the log.
 *
 * <p>Memory ordering with the kernel: this thread owns the SQ tail and the CQ head; the kernel owns the SQ head and
 * the CQ tail. Every cross-owner index is read with an acquire load and written with a release store (VarHandle on
 * the aligned {@code u32}), as in liburing's {@code io_uring_smp_load_acquire/store_release}. SQE and CQE bodies are
 * plain accesses ordered by those index operations.
 *
 * <p>Bounds: at most {@code sqEntries} operations are prepared and not yet submitted, and at most {@code cqEntries}
 * are prepared or in flight, so the CQ can never overflow; a prepare beyond that returns {@code false} and writes
 * nothing. Completions are collected first and handed to the {@link CqeHandler} after the drain (TigerBeetle's
 * {@code linux.zig} loop shape), so a handler never observes a half-drained queue and cannot re-enter {@code reap}.
 *
 * <p>Buffers and files: {@link #registerBuffers} pins buffers once ({@code IORING_REGISTER_BUFFERS}) so reads and
 * writes into them use {@code READ_FIXED/WRITE_FIXED}; {@link #registerFiles} does the same for descriptors. When the
 * kernel refuses registration (for example {@code ENOMEM} from {@code RLIMIT_MEMLOCK}) the ring says so once and
 * uses plain {@code IORING_OP_READ/WRITE}; the results are the same, only slower.
 *
 * <h2>Contracts</h2>
 * Not thread-safe by design: owner thread only. A buffer passed to a read or write must stay valid and untouched
 * until its completion has been reaped. {@code user_data} carries the operation in its top byte and the caller id in
 * the low {@value #CALLER_ID_BITS} bits.
 */
public final class IoUring implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IoUring.class);

    /** Bits of user_data available to the caller id; the operation code uses the byte above. */
    public static final int CALLER_ID_BITS = 56;
    /** The largest caller id. */
    public static final long CALLER_ID_MAX = (1L << CALLER_ID_BITS) - 1;
    /** {@code IORING_MAX_REG_BUFFERS}. */
    public static final int REGISTERED_BUFFERS_MAX = 1 << 14;
    /** The kernel refuses a registered buffer larger than 1 GiB. */
    public static final long REGISTERED_BUFFER_BYTES_MAX = 1L << 30;

    private static final VarHandle U32 = JAVA_INT.varHandle();

    private static final int IORING_SQ_CQ_OVERFLOW = 2;
    /** Set by the kernel in the SQ flags when completion work waits for the owner ({@code TASKRUN_FLAG}). */
    private static final int IORING_SQ_TASKRUN = 4;
    /** EINTR/EAGAIN/EBUSY from io_uring_enter are retried this many times before the ring gives up. */
    private static final int ENTER_RETRIES_MAX = 10_000;
    /** {@code sizeof(struct io_uring_getevents_arg)}. */
    private static final int GETEVENTS_ARG_SIZE = 24;
    /** {@code sizeof(struct __kernel_timespec)}. */
    private static final int TIMESPEC_SIZE = 16;
    /** {@code _NSIG / 8}: the signal mask size the kernel expects even when no mask is passed. */
    private static final int SIGSET_SIZE = 8;

    private static final AtomicBoolean LOGGED_NO_EXT_ARG = new AtomicBoolean();

    private final SingleOwner owner;
    private final IoUringOptions options;
    private final int ringFd;
    private final int setupFlags;
    private final int features;
    private final int sqEntries;
    private final int cqEntries;

    // Mappings, unmapped by close(). cqRing == sqRing when the kernel has IORING_FEAT_SINGLE_MMAP.
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final boolean singleMmap;

    // Ring field offsets inside the mappings, as the kernel reported them.
    private final long sqHeadOffset;
    private final long sqTailOffset;
    private final long sqFlagsOffset;
    private final int sqMask;
    private final long cqHeadOffset;
    private final long cqTailOffset;
    private final int cqMask;
    private final long cqesOffset;

    /** Owned by this ring: TIMEOUT timespecs (one per SQ slot) and the getevents argument with its timespec. */
    private final Arena arena;
    private final MemorySegment timeoutSpecs;
    private final MemorySegment geteventsArg;
    private final MemorySegment geteventsTimespec;

    // Owner-thread state (plain fields: one thread only).
    private int sqTailLocal;
    private int sqTailPublished;
    private int cqHeadLocal;
    private int inFlight;
    private boolean reaping;
    private boolean closed;
    private final long[] reapUserData;
    private final int[] reapResults;

    private final RingRegistrations registrations;

    private long enterCalls;
    private long enterRetries;
    private long sqesSubmitted;
    private long cqesReaped;
    private long fixedBufferIos;
    private long plainBufferIos;
    private long queueFullRefusals;

    private IoUring(IoUringOptions options, int ringFd, int setupFlags, MemorySegment params, MemorySegment sqRing,
                    MemorySegment cqRing, MemorySegment sqes, boolean singleMmap, Arena arena) {
        this.owner = SingleOwner.ofCurrentThread("io_uring ring fd=" + ringFd,
                "a ring has one issuing thread (IORING_SETUP_SINGLE_ISSUER)");
        this.options = options;
        this.ringFd = ringFd;
        this.setupFlags = setupFlags;
        this.features = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.FEATURES_OFFSET);
        this.sqEntries = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.SQ_ENTRIES_OFFSET);
        this.cqEntries = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.CQ_ENTRIES_OFFSET);
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.singleMmap = singleMmap;
        int sq = IoUringParamsDescriptor.SQ_OFF_OFFSET;
        int cq = IoUringParamsDescriptor.CQ_OFF_OFFSET;
        this.sqHeadOffset = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_HEAD);
        this.sqTailOffset = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_TAIL);
        this.sqFlagsOffset = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_FLAGS);
        this.sqMask = sqRing.get(JAVA_INT, IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_RING_MASK));
        long sqArrayOffset = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_ARRAY);
        this.cqHeadOffset = IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_HEAD);
        this.cqTailOffset = IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_TAIL);
        this.cqMask = cqRing.get(JAVA_INT, IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_RING_MASK));
        this.cqesOffset = IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_CQES);
        assert sqMask == sqEntries - 1 : "sq ring_mask " + sqMask + " for " + sqEntries + " entries";
        assert cqMask == cqEntries - 1 : "cq ring_mask " + cqMask + " for " + cqEntries + " entries";

        // The SQ index array maps ring slot i to SQE i for the ring's whole life; these plain stores are published to
        // the kernel by the first release store of the SQ tail.
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, sqArrayOffset + 4L * i, i);
        }
        this.sqTailLocal = (int) U32.getAcquire(sqRing, sqTailOffset);
        this.sqTailPublished = sqTailLocal;
        this.cqHeadLocal = (int) U32.getAcquire(cqRing, cqHeadOffset);

        this.arena = arena;
        this.timeoutSpecs = arena.allocate((long) TIMESPEC_SIZE * sqEntries, 8);
        this.geteventsArg = arena.allocate(GETEVENTS_ARG_SIZE, 8);
        this.geteventsTimespec = arena.allocate(TIMESPEC_SIZE, 8);
        this.reapUserData = new long[cqEntries];
        this.reapResults = new int[cqEntries];
        this.registrations = new RingRegistrations(ringFd);
    }

    /**
     * Creates a ring owned by the calling thread.
     *
     * @throws IoUringUnavailableException when the kernel refuses io_uring ({@code ENOSYS}, {@code EPERM})
     * @throws ErrnoException              for any other setup or mmap failure, naming the call
     */
    public static IoUring open(IoUringOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        // Shared, not confined: a queue pair handed to a new owner thread while idle closes its old ring from that
        // thread (closeIdleFromSuccessor); nothing else touches the arena off the owner thread.
        Arena arena = Arena.ofShared();
        IoUringSetup.Mapped mapped = null;
        boolean success = false;
        try {
            mapped = IoUringSetup.create(options, arena);
            IoUring ring = new IoUring(options, mapped.ringFd(), mapped.setupFlags(), mapped.params(),
                    mapped.sqRing(), mapped.cqRing(), mapped.sqes(), mapped.singleMmap(), arena);
            LOG.debug("opened {} features=0x{}", ring, Integer.toHexString(ring.features));
            success = true;
            return ring;
        } finally {
            if (!success) {
                if (mapped != null) {
                    mapped.unmapAndClose();
                }
                arena.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ registration

    /**
     * Registers {@code fds} as the ring's file table ({@code IORING_REGISTER_FILES}); once per ring.
     *
     * @return one handle per descriptor, in order: registered ones use {@code IOSQE_FIXED_FILE}; when the kernel
     *         refuses registration the handles are unregistered and the fallback is logged once
     */
    public RingFile[] registerFiles(int... fds) {
        checkOwner();
        checkOpen();
        return registrations.registerFiles(fds);
    }

    /**
     * Registers {@code buffers} as fixed buffers ({@code IORING_REGISTER_BUFFERS}); once per ring. Any later read or
     * write whose buffer lies inside one of them uses {@code READ_FIXED/WRITE_FIXED}. Buffers may live anywhere the
     * kernel can pin: the native heap, anonymous memory, {@code /dev/shm} mappings.
     *
     * @return {@code true} when registered; {@code false} when the kernel refused (for example {@code ENOMEM} from
     *         {@code RLIMIT_MEMLOCK}, or memory it cannot pin), in which case I/O uses plain buffer addresses, the
     *         fallback is logged once and {@link #bufferRegistrationFailure()} says why
     */
    public boolean registerBuffers(MemorySegment... buffers) {
        checkOwner();
        checkOpen();
        return registrations.registerBuffers(buffers);
    }

    /** Why the last {@link #registerBuffers} fell back, or empty. */
    public String bufferRegistrationFailure() {
        return registrations.bufferRegistrationFailure();
    }

    public boolean buffersRegistered() {
        return registrations.buffersRegistered();
    }

    public boolean filesRegistered() {
        return registrations.filesRegistered();
    }

    // ------------------------------------------------------------------------------------------------ prepare

    /** Prepares a NOP; {@code false} (and nothing written) when the queue is full. */
    public boolean prepareNop(long callerId) {
        checkCall(callerId);
        if (!reserve()) {
            return false;
        }
        push(SqeDescriptor.IORING_OP_NOP, (byte) 0, -1, 0, 0, 0, 0, userData(UringOp.NOP, callerId), (short) 0);
        return true;
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
        int fd = fileDescriptorField(file);
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
        int fd = fileDescriptorField(file);
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
        int fd = fileDescriptorField(file);
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

    /**
     * Prepares a timer that completes with {@code -ETIME} ({@link CompletionStatus#TIMER_EXPIRED}) after
     * {@code delayNanos}, or {@code -ECANCELED} when cancelled first.
     *
     * @return {@code false} (and nothing written) when the queue is full
     */
    public boolean prepareTimeout(long delayNanos, long callerId) {
        checkCall(callerId);
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delayNanos=" + delayNanos + " is negative");
        }
        if (!reserve()) {
            return false;
        }
        // The kernel copies the timespec while it consumes the SQE (during the next io_uring_enter), so one slot per
        // SQ index is enough: the slot is not reused before that SQE has been consumed.
        long specOffset = (long) TIMESPEC_SIZE * (sqTailLocal & sqMask);
        timeoutSpecs.set(JAVA_LONG, specOffset, delayNanos / 1_000_000_000L);
        timeoutSpecs.set(JAVA_LONG, specOffset + 8, delayNanos % 1_000_000_000L);
        push(SqeDescriptor.IORING_OP_TIMEOUT, (byte) 0, -1, 0, timeoutSpecs.address() + specOffset, 1, 0,
                userData(UringOp.TIMEOUT, callerId), (short) 0);
        return true;
    }

    private int fileDescriptorField(RingFile file) {
        return registrations.fileDescriptorField(file);
    }

    /**
     * Claims room for one more prepared operation: a free SQ slot, and room in the CQ for its completion counting
     * everything prepared or in flight. Refusing here is what keeps the CQ from overflowing.
     */
    private boolean reserve() {
        int prepared = sqTailLocal - sqTailPublished;
        // Acquire: the kernel's SQ head store (release, after it finished reading the SQEs) happens-before we reuse
        // the slots it freed.
        int sqHead = (int) U32.getAcquire(sqRing, sqHeadOffset);
        if (sqTailLocal - sqHead >= sqEntries || inFlight + prepared >= cqEntries) {
            queueFullRefusals++;
            return false;
        }
        return true;
    }

    /** Writes the SQE at the local tail and advances it; the next submit publishes it with a release store. */
    private void push(byte opcode, byte flags, int fd, long off, long addr, int len, int opFlags, long userData,
                      short bufIndex) {
        long sqeOffset = (long) SqeDescriptor.SIZE * (sqTailLocal & sqMask);
        SqeDescriptor.write(sqes, sqeOffset, opcode, flags, fd, off, addr, len, opFlags, userData, bufIndex);
        sqTailLocal++;
    }

    private static long userData(UringOp op, long callerId) {
        return ((long) op.code() << CALLER_ID_BITS) | callerId;
    }

    // ------------------------------------------------------------------------------------------------ submit

    /**
     * Submits everything prepared with one {@code io_uring_enter} (more only when the kernel consumes part of the
     * batch or asks for a retry).
     *
     * @return the number of entries the kernel consumed
     */
    public int submit() {
        checkOwner();
        checkOpen();
        if (sqTailLocal == sqTailPublished) {
            return 0;
        }
        return enter(0, false, -1, true);
    }

    /**
     * Submits everything prepared and waits until at least {@code minComplete} completions are ready to reap, in one
     * {@code io_uring_enter}.
     *
     * @throws IllegalArgumentException when fewer than {@code minComplete} operations are in flight (it would never
     *                                  return)
     */
    public int submitAndWait(int minComplete) {
        checkOwner();
        checkOpen();
        checkWaitable(minComplete);
        return enter(minComplete, true, -1, true);
    }

    /**
     * As {@link #submitAndWait(int)}, giving up after {@code timeoutNanos} (uses {@code IORING_ENTER_EXT_ARG}, Linux
     * 5.11+; older kernels poll). Returns when {@code minComplete} completions are ready or the time is up; check
     * {@link #completionsReady()}.
     */
    public int submitAndWait(int minComplete, long timeoutNanos) {
        checkOwner();
        checkOpen();
        checkWaitable(minComplete);
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("timeoutNanos=" + timeoutNanos + " is negative");
        }
        if ((features & IoUringParamsDescriptor.FEAT_EXT_ARG) != 0) {
            return enter(minComplete, true, timeoutNanos, true);
        }
        if (LOGGED_NO_EXT_ARG.compareAndSet(false, true)) {
            LOG.info("io_uring: kernel lacks IORING_FEAT_EXT_ARG (Linux 5.11+); timed waits poll every 50 us");
        }
        long deadline = System.nanoTime() + timeoutNanos;
        int consumed = enter(0, true, -1, true);
        while (completionsReady() < minComplete && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(50_000);
            consumed += enter(0, true, -1, true);
        }
        return consumed;
    }

    private void checkWaitable(int minComplete) {
        int prepared = sqTailLocal - sqTailPublished;
        // inFlight already counts completions posted but not yet reaped, which io_uring_enter counts towards min.
        if (minComplete < 0 || minComplete > inFlight + prepared) {
            throw new IllegalArgumentException("minComplete=" + minComplete + " but only " + (inFlight + prepared)
                    + " operations are prepared or in flight on ring fd=" + ringFd + "; the wait could never end");
        }
    }

    /**
     * Publishes the local SQ tail (when {@code publish}) and calls {@code io_uring_enter} until the kernel has
     * consumed every published entry (normally once). {@code timeoutNanos < 0} waits without a timeout.
     */
    private int enter(int minComplete, boolean getEvents, long timeoutNanos, boolean publish) {
        if (publish && sqTailLocal != sqTailPublished) {
            // Release: every plain SQE store above happens-before the kernel's acquire load of the tail.
            U32.setRelease(sqRing, sqTailOffset, sqTailLocal);
            sqTailPublished = sqTailLocal;
        }
        int headBefore = (int) U32.getAcquire(sqRing, sqHeadOffset);
        int head = headBefore;
        int flags = getEvents ? IoUringSyscalls.ENTER_GETEVENTS : 0;
        long argAddress = 0;
        if (timeoutNanos >= 0) {
            geteventsTimespec.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            geteventsTimespec.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            geteventsArg.set(JAVA_LONG, 0, 0L);                     // sigmask: none
            geteventsArg.set(JAVA_INT, 8, SIGSET_SIZE);             // sigmask_sz
            geteventsArg.set(JAVA_INT, 12, 0);                      // min_wait_usec / pad
            geteventsArg.set(JAVA_LONG, 16, geteventsTimespec.address());
            flags |= IoUringSyscalls.ENTER_EXT_ARG;
            argAddress = geteventsArg.address();
        }
        for (int attempt = 0; ; attempt++) {
            int pending = sqTailPublished - head;
            int result = argAddress == 0
                    ? IoUringSyscalls.enter(ringFd, pending, minComplete, flags)
                    : IoUringSyscalls.enter(ringFd, pending, minComplete, flags, argAddress, GETEVENTS_ARG_SIZE);
            enterCalls++;
            // Acquire: pairs with the kernel's release of the SQ head after it copied the consumed SQEs.
            int newHead = (int) U32.getAcquire(sqRing, sqHeadOffset);
            boolean progress = newHead != head;
            head = newHead;
            if (result >= 0) {
                if (head != sqTailPublished && progress && attempt < ENTER_RETRIES_MAX) {
                    // Without SUBMIT_ALL the kernel stops a batch at an entry that failed preparation (that entry
                    // got its error CQE); the rest is still in the SQ, so submit it now rather than strand it.
                    continue;
                }
                break;
            }
            int errno = -result;
            if (errno == CompletionStatus.ETIME) {
                break;  // the timed wait expired: a normal outcome of submitAndWait(min, timeout)
            }
            if (errno == Errno.EINTR.number() || errno == Errno.EAGAIN.number() || errno == Errno.EBUSY.number()) {
                // EINTR: a signal interrupted the wait; what was consumed is visible in the SQ head, nothing is lost.
                // EAGAIN: the kernel could not allocate request memory for now; nothing was consumed.
                // EBUSY: the kernel's completion backlog is full; this ring never has more than cqEntries operations
                // outstanding, so the backlog drains by itself. All three are safe to repeat.
                enterRetries++;
                if (attempt >= ENTER_RETRIES_MAX) {
                    throw new UncheckedIOException(new ErrnoException("io_uring_enter",
                            "ring fd=" + ringFd + " still failing after " + attempt + " retries", errno));
                }
                if (errno != Errno.EINTR.number()) {
                    Thread.yield();
                }
                if (getEvents && completionsReady() >= minComplete) {
                    break;
                }
                continue;
            }
            throw enterFailure(errno, pending, minComplete);
        }
        int consumed = head - headBefore;
        inFlight += consumed;
        sqesSubmitted += consumed;
        assert inFlight <= cqEntries : "in flight " + inFlight + " exceeds CQ entries " + cqEntries;
        assert ((int) U32.getAcquire(sqRing, sqFlagsOffset) & IORING_SQ_CQ_OVERFLOW) == 0
                : "CQ overflowed although in-flight operations are bounded by the CQ size";
        return consumed;
    }

    private RuntimeException enterFailure(int errno, int pending, int minComplete) {
        String subject = "ring fd=" + ringFd + " toSubmit=" + pending + " minComplete=" + minComplete;
        if (errno == Errno.EEXIST.number()) {
            // SINGLE_ISSUER/DEFER_TASKRUN: the kernel saw a task other than the ring's submitter.
            return new IllegalStateException("io_uring_enter " + subject + ": " + Errno.describe(errno)
                    + " — the kernel refused a thread that is not the ring's single issuer (owner '"
                    + owner.owner().getName() + "', caller '" + Thread.currentThread().getName() + "')");
        }
        if (errno == Errno.EBADF.number() || errno == Errno.EFAULT.number() || errno == Errno.EINVAL.number()
                || errno == Errno.EOPNOTSUPP.number()) {
            return new IllegalStateException("io_uring_enter " + subject + ": " + Errno.describe(errno)
                    + " — a programming error (closed ring, bad argument), not a device fault");
        }
        return new UncheckedIOException(new ErrnoException("io_uring_enter", subject, errno));
    }

    // ------------------------------------------------------------------------------------------------ reap

    /** Completions the kernel has posted and {@link #reap} has not yet drained. */
    public int completionsReady() {
        // Acquire: pairs with the kernel's release of the CQ tail after writing the CQEs.
        return (int) U32.getAcquire(cqRing, cqTailOffset) - cqHeadLocal;
    }

    /**
     * Drains up to {@code max} completions, releases their CQ slots with one release store of the CQ head, then hands
     * each to {@code handler} in order. With {@code DEFER_TASKRUN} the kernel posts completions only when the owner
     * enters it, so when the CQ is empty but operations are in flight this makes one {@code io_uring_enter} with
     * {@code GETEVENTS} (no wait) first.
     *
     * <p>If a handler throws, the remaining completions of the batch are still delivered; the first exception is
     * rethrown afterwards with later ones suppressed.
     *
     * @return the number of completions delivered
     * @throws IllegalStateException when called from a handler (re-entry)
     */
    public int reap(int max, CqeHandler handler) {
        checkOwner();
        checkOpen();
        Objects.requireNonNull(handler, "handler");
        if (max < 1) {
            throw new IllegalArgumentException("max=" + max + " must be positive");
        }
        if (reaping) {
            throw new IllegalStateException("reap called from a completion handler on ring fd=" + ringFd
                    + "; handlers may prepare and submit but not reap (no re-entry)");
        }
        int ready = completionsReady();
        if (ready == 0 && inFlight > 0 && completionWorkMayWait()) {
            enter(0, true, -1, false);  // run the deferred completion work; prepared entries stay unsubmitted
            ready = completionsReady();
        }
        int count = Math.min(Math.min(ready, max), reapResults.length);
        int head = cqHeadLocal;
        for (int i = 0; i < count; i++) {
            long cqeOffset = cqesOffset + (long) CqeDescriptor.SIZE * ((head + i) & cqMask);
            reapUserData[i] = CqeDescriptor.userData(cqRing, cqeOffset);
            reapResults[i] = CqeDescriptor.res(cqRing, cqeOffset);
        }
        if (count > 0) {
            cqHeadLocal = head + count;
            // Release: our loads of the drained CQEs complete before the kernel may overwrite those slots.
            U32.setRelease(cqRing, cqHeadOffset, cqHeadLocal);
            inFlight -= count;
            cqesReaped += count;
            assert inFlight >= 0 : "reaped more completions than were submitted on ring fd=" + ringFd;
        }
        RuntimeException failure = null;
        reaping = true;
        try {
            for (int i = 0; i < count; i++) {
                long userData = reapUserData[i];
                UringOp op = UringOp.ofCode((int) (userData >>> CALLER_ID_BITS));
                assert op != null : "CQE user_data 0x" + Long.toHexString(userData) + " names no operation";
                try {
                    handler.onCompletion(userData & CALLER_ID_MAX, op, reapResults[i]);
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        } finally {
            reaping = false;
        }
        if (failure != null) {
            throw failure;
        }
        return count;
    }

    // ------------------------------------------------------------------------------------------------ state

    /** Operations submitted to the kernel whose completions have not been reaped. */
    public int inFlight() {
        checkOwner();
        return inFlight;
    }

    /** Operations prepared but not yet submitted. */
    public int prepared() {
        checkOwner();
        return sqTailLocal - sqTailPublished;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /**
     * Whether completions may be waiting for this thread to enter the kernel. With {@code DEFER_TASKRUN} the kernel
     * posts them only then; with {@code TASKRUN_FLAG} too it says when there are some, so a reap that finds the
     * queue empty makes a system call only when it will find something (a reactor polling with commands in flight
     * would otherwise make one per pass). Work one enter leaves over raises the flag again, so none is stranded.
     */
    private boolean completionWorkMayWait() {
        if ((setupFlags & IoUringSyscalls.SETUP_DEFER_TASKRUN) == 0) {
            return false;
        }
        if ((setupFlags & IoUringSyscalls.SETUP_TASKRUN_FLAG) == 0) {
            return true;
        }
        return ((int) U32.getAcquire(sqRing, sqFlagsOffset) & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0;
    }

    /** The setup flags the kernel accepted (after any fallback). */
    public int setupFlags() {
        return setupFlags;
    }

    /** The {@code IORING_FEAT_*} bits the kernel reported. */
    public int features() {
        return features;
    }

    public boolean singleIssuer() {
        return (setupFlags & IoUringSyscalls.SETUP_SINGLE_ISSUER) != 0;
    }

    public boolean deferTaskrun() {
        return (setupFlags & IoUringSyscalls.SETUP_DEFER_TASKRUN) != 0;
    }

    public Thread owner() {
        return owner.owner();
    }

    /** The ring's file descriptor (tests use it to show the kernel's own single-issuer check). */
    int ringFd() {
        return ringFd;
    }

    /** A snapshot of the counters. */
    public IoUringStats stats() {
        checkOwner();
        return new IoUringStats(enterCalls, enterRetries, sqesSubmitted, cqesReaped, fixedBufferIos, plainBufferIos,
                queueFullRefusals);
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkCall(long callerId) {
        checkOwner();
        checkOpen();
        checkCallerId(callerId);
    }

    private static void checkCallerId(long callerId) {
        if (callerId < 0 || callerId > CALLER_ID_MAX) {
            throw new IllegalArgumentException("callerId=" + callerId + " must be in [0, 2^" + CALLER_ID_BITS + ")");
        }
    }

    /** Throws {@link OwnerThreadException} naming both threads unless the caller is the owner. */
    private void checkOwner() {
        owner.check();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("io_uring ring fd=" + ringFd + " is closed");
        }
    }

    // ------------------------------------------------------------------------------------------------ close

    /**
     * Waits (up to {@link IoUringOptions#closeWaitTimeout()}) for operations in flight, discarding their completions,
     * then unregisters, unmaps and closes. See {@link #close(Duration, CqeHandler)}.
     */
    @Override
    public void close() {
        close(options.closeWaitTimeout(), (callerId, op, result) -> { });
    }

    /**
     * Closes the ring, idempotently: operations prepared but never submitted are dropped (the kernel never saw them);
     * operations in flight are waited for up to {@code wait} and their completions handed to {@code handler}; then
     * buffers and files are unregistered, the rings unmapped and the ring fd closed.
     *
     * @return the operations still in flight when the wait ran out (0 normally). They are reported in the log: the
     *         kernel cancels or finishes them after the ring fd closes, so their buffers must not be freed or reused
     *         until the process has confirmed they are gone (a started disk I/O cannot be stopped).
     */
    public int close(Duration wait, CqeHandler handler) {
        if (closed) {
            return 0;
        }
        checkOwner();
        Objects.requireNonNull(wait, "wait");
        Objects.requireNonNull(handler, "handler");
        if (reaping) {
            throw new IllegalStateException("close called from a completion handler on ring fd=" + ringFd);
        }
        int dropped = sqTailLocal - sqTailPublished;
        if (dropped > 0) {
            LOG.warn("io_uring ring fd={}: {} prepared operation(s) were never submitted and are dropped", ringFd,
                    dropped);
            sqTailLocal = sqTailPublished;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        int abandoned = 0;
        try {
            while (inFlight > 0 || completionsReady() > 0) {
                long remaining = deadline - System.nanoTime();
                if (completionsReady() == 0) {
                    if (remaining <= 0) {
                        break;
                    }
                    submitAndWait(1, remaining);
                }
                reap(cqEntries, handler);
            }
            abandoned = inFlight;
            if (abandoned > 0) {
                LOG.warn("io_uring ring fd={}: {} operation(s) still in flight after waiting {} ms; the kernel "
                        + "finishes or cancels them after the ring closes, so their buffers must not be reused yet",
                        ringFd, abandoned, wait.toMillis());
            }
        } finally {
            release();
        }
        return abandoned;
    }

    /**
     * Closes an idle ring from the thread its queue pair was handed to (the queue pair's new owner). Only an idle ring
     * may be closed this way: nothing prepared, nothing in flight, nothing unreaped. Registrations are not undone
     * one by one (with {@code SINGLE_ISSUER} the kernel refuses {@code io_uring_register} from another task); closing
     * the ring fd drops them.
     *
     * @throws IllegalStateException when the ring is not idle
     */
    void closeIdleFromSuccessor() {
        if (closed) {
            return;
        }
        if (inFlight != 0 || sqTailLocal != sqTailPublished || reaping) {
            throw new IllegalStateException("io_uring ring fd=" + ringFd + " owned by thread '"
                    + owner.owner().getName() + "' has " + inFlight + " operation(s) in flight and " + (sqTailLocal - sqTailPublished)
                    + " prepared; thread '" + Thread.currentThread().getName() + "' cannot close it");
        }
        closed = true;
        logIfFailed(LibcMemory.munmap(sqes.address(), sqes.byteSize()), "munmap SQEs");
        if (!singleMmap) {
            logIfFailed(LibcMemory.munmap(cqRing.address(), cqRing.byteSize()), "munmap CQ ring");
        }
        logIfFailed(LibcMemory.munmap(sqRing.address(), sqRing.byteSize()), "munmap SQ ring");
        logIfFailed(LibcFiles.close(ringFd), "close");
        arena.close();
    }

    private void release() {
        closed = true;
        registrations.unregisterAll();
        logIfFailed(LibcMemory.munmap(sqes.address(), sqes.byteSize()), "munmap SQEs");
        if (!singleMmap) {
            logIfFailed(LibcMemory.munmap(cqRing.address(), cqRing.byteSize()), "munmap CQ ring");
        }
        logIfFailed(LibcMemory.munmap(sqRing.address(), sqRing.byteSize()), "munmap SQ ring");
        logIfFailed(LibcFiles.close(ringFd), "close");
        arena.close();
    }

    private void logIfFailed(long result, String what) {
        if (result < 0) {
            LOG.warn("io_uring ring fd={}: {} failed: {}", ringFd, what, Errno.describe((int) -result));
        }
    }

    @Override
    public String toString() {
        return "IoUring[fd=" + ringFd + ", sq=" + sqEntries + ", cq=" + cqEntries + ", flags=0x"
                + Integer.toHexString(setupFlags) + ", owner=" + owner.owner().getName() + (closed ? ", closed" : "") + "]";
    }
}
