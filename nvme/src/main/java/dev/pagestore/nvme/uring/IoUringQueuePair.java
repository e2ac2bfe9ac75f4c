package dev.pagestore.nvme.uring;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.nvme.IoOpcode;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.NanoClock;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.nvme.StatusDetail;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The io_uring backend of {@link QueuePair}: one {@link IoUring} per queue pair, created on the owner thread with
 * {@code IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN} (each dropped with one log line where the kernel
 * refuses it), the device's descriptor registered ({@code IOSQE_FIXED_FILE}), and optionally caller memory registered
 * as fixed buffers.
 *
 * <h2>Why it looks like this</h2>
 * The queue pair core (command ids, ownership, deadlines, fences, retries, completion mapping) is backend-neutral; this
 * class only translates. A command's cid is its SQE's caller id, so a CQE names its command without a lookup and the
 * core decides whether it maps to anything outstanding. {@link #submit()} is one {@code io_uring_enter} for the whole
 * batch; {@link #poll} drains the CQ in one pass (with {@code DEFER_TASKRUN} the kernel posts completions only when
 * the owner enters it, so an empty CQ with commands in flight costs one non-blocking {@code io_uring_enter}).
 *
 * <p>Timeouts: when the core times a command out it calls {@link #cancel}, which submits
 * {@code IORING_OP_ASYNC_CANCEL} for it. A request the device has started cannot be stopped; either way its own CQE
 * still arrives (data, or {@code -ECANCELED}) and is passed to the core, which only then releases the fence on the
 * caller's buffer. The cancel request's own CQE is housekeeping, counted here and not passed on.
 *
 * <h2>Contracts</h2>
 * <ul>
 *   <li>Ownership: the ring belongs to the thread that created it, and with {@code SINGLE_ISSUER} the kernel refuses
 *       any other submitter. When the queue pair is handed to another thread ({@link #transferOwnership}), the new
 *       owner's first call closes the old, idle ring and creates its own (registrations are redone). Handing over a
 *       queue pair with commands in the kernel is refused at the new owner's first call (the old ring cannot be
 *       drained from another thread).</li>
 *   <li>Fixed buffers: {@link #registerBuffers} registers caller memory (for example a channel's {@code /dev/shm}
 *       buffer slab) once; reads and writes whose buffer lies inside it then use {@code READ_FIXED/WRITE_FIXED}. If
 *       the kernel refuses ({@code ENOMEM} under {@code RLIMIT_MEMLOCK}, memory it cannot pin), I/O falls back to
 *       unregistered buffers, said once in the log and by {@link #bufferRegistrationFailure()}.</li>
 *   <li>Errno is mapped per operation by {@link IoStatusMapping}; the errno travels in the detail word.</li>
 *   <li>Close: after the core's bounded drain, commands still in the kernel are cancelled and the ring closes,
 *       waiting up to {@link IoUringBlockDevice.Settings#closeWaitTimeout()} for the kernel to give their buffers
 *       back; what is still out then is logged (the kernel finishes it after the ring fd closes).</li>
 * </ul>
 * Nothing is allocated per I/O: the per-slot arrays and the completion handler are made here once.
 */
public final class IoUringQueuePair extends QueuePair {
    private static final Logger LOG = LoggerFactory.getLogger(IoUringQueuePair.class);

    /** {@code FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE}: zero a range, never change the file's size. */
    static final int ZERO_RANGE_MODE = 0x01 | 0x10;
    /** The caller id of the ring's housekeeping requests (cancels); outside the 16-bit cid space. */
    static final long HOUSEKEEPING_ID = 1L << 20;
    private static final long FUTEX_WATCH_ID = HOUSEKEEPING_ID + 1;

    private final IoUringBlockDevice device;
    private final int ringEntries;
    private IoUring ring;
    private RingFile file;

    // Caller memory to register as fixed buffers (redone on a new ring after an ownership hand-off).
    private MemorySegment[] bufferRegions = new MemorySegment[0];
    private boolean buffersRegistered;
    private String bufferRegistrationFailure = "";

    // Commands the kernel holds, by slot: their cid (-1: none) and ring operation, for cancel and close.
    private final int[] kernelCid;
    private final UringOp[] kernelOp;
    private int commandsInKernel;
    /** A futex wait armed in the ring by {@link #armFutexWatch} whose completion has not been polled yet. */
    private boolean futexWatchArmed;
    private boolean futexWatchSupported = true;

    // Commands the ring refused at prepare (it cannot happen with the sizing below; kept so nothing is ever dropped).
    private final int[] refusedCid;
    private int refusedCount;

    private final CqeHandler cqeHandler = this::onCqe;

    private long cancelsSubmitted;
    private long cancelsNotFound;
    private long cancelsTooLate;
    private long programmingErrors;
    private boolean doorbellDeferred;

    IoUringQueuePair(IoUringBlockDevice device, int id, int queueDepth, NanoClock clock) throws IOException {
        super(device, id, queueDepth, clock);
        this.device = device;
        // Room for every command plus one cancel per command: the CQ (twice the SQ) never overflows.
        this.ringEntries = Integer.highestOneBit(Math.max(1, 2 * queueDepth - 1)) << 1;
        this.kernelCid = new int[queueDepth];
        Arrays.fill(kernelCid, -1);
        this.kernelOp = new UringOp[queueDepth];
        this.refusedCid = new int[queueDepth];
        this.ring = openRing();
    }

    private IoUring openRing() throws IOException {
        IoUringBlockDevice.Settings settings = device.settings();
        IoUring created = IoUring.open(new IoUringOptions(ringEntries, settings.singleIssuer(),
                settings.deferTaskrun(), settings.closeWaitTimeout()));
        boolean success = false;
        try {
            file = settings.registerFile() ? created.registerFiles(device.fd())[0]
                    : RingFile.unregistered(device.fd());
            if (bufferRegions.length > 0) {
                registerWith(created);
            }
            success = true;
            return created;
        } finally {
            if (!success) {
                created.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- registration

    /**
     * Registers {@code regions} (native memory: a buffer slab, a {@code /dev/shm} mapping) as fixed buffers of this
     * queue pair's ring; once per queue pair, owner thread only. Reads and writes whose buffer lies inside a region
     * then skip the per-I/O page pinning. The regions must stay mapped until this queue pair is closed.
     *
     * @return {@code true} when registered; {@code false} when the kernel refused and I/O uses unregistered buffers
     *         (logged once; {@link #bufferRegistrationFailure()} says why)
     * @throws OwnerThreadException when called from a thread other than the owner
     */
    public boolean registerBuffers(MemorySegment... regions) {
        checkOwnerThread();
        Objects.requireNonNull(regions, "regions");
        if (isClosed()) {
            throw new IllegalStateException(name() + " is closed");
        }
        if (bufferRegions.length > 0) {
            throw new IllegalStateException(name() + " already has " + bufferRegions.length + " registered region(s)");
        }
        if (regions.length == 0 || regions.length > IoUring.REGISTERED_BUFFERS_MAX) {
            throw new IllegalArgumentException("regions.length=" + regions.length + " must be in [1, "
                    + IoUring.REGISTERED_BUFFERS_MAX + "]");
        }
        for (int i = 0; i < regions.length; i++) {
            MemorySegment region = Objects.requireNonNull(regions[i], "regions[" + i + "]");
            if (!region.isNative() || region.byteSize() == 0
                    || region.byteSize() > IoUring.REGISTERED_BUFFER_BYTES_MAX) {
                throw new IllegalArgumentException("regions[" + i + "]=" + region + " must be native memory of 1.."
                        + IoUring.REGISTERED_BUFFER_BYTES_MAX + " bytes");
            }
        }
        bufferRegions = regions.clone();
        return registerWith(ringForCaller());
    }

    private boolean registerWith(IoUring target) {
        buffersRegistered = target.registerBuffers(bufferRegions);
        bufferRegistrationFailure = buffersRegistered ? "" : target.bufferRegistrationFailure();
        return buffersRegistered;
    }

    /** Whether {@link #registerBuffers} succeeded on the current ring. */
    public boolean buffersRegistered() {
        return buffersRegistered;
    }

    /** Why {@link #registerBuffers} fell back to unregistered buffers, or empty. */
    public String bufferRegistrationFailure() {
        return bufferRegistrationFailure;
    }

    // ---------------------------------------------------------------------------------------------- hooks

    @Override
    protected void issue(int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes) {
        IoUring r = ringForCaller();
        UringOp op;
        boolean accepted;
        switch (opcode) {
            case READ -> {
                op = UringOp.READ;
                accepted = r.prepareRead(file, buffer, lengthBytes, deviceOffset, cid);
            }
            case WRITE -> {
                op = UringOp.WRITE;
                accepted = r.prepareWrite(file, buffer, lengthBytes, deviceOffset, cid);
            }
            case FLUSH -> {
                op = UringOp.FSYNC;
                accepted = r.prepareFsync(file, true, cid);  // IORING_FSYNC_DATASYNC: fdatasync
            }
            case WRITE_ZEROES -> {
                op = UringOp.FALLOCATE;
                accepted = r.prepareFallocate(file, ZERO_RANGE_MODE, deviceOffset, lengthBytes, cid);
            }
            default -> throw new AssertionError("opcode " + opcode);
        }
        if (!accepted) {
            // The ring is sized for every command plus one cancel each, so this is a bug; still never drop it.
            assert false : name() + ": ring refused cid " + cid + " although sized for the queue depth";
            refusedCid[refusedCount++] = cid;
            return;
        }
        int slot = slotOf(cid);
        assert kernelCid[slot] == -1 : name() + ": slot " + slot + " already in the kernel as cid " + kernelCid[slot];
        kernelCid[slot] = cid;
        kernelOp[slot] = op;
        commandsInKernel++;
    }

    @Override
    protected void ringDoorbell(int issuedCount) {
        if (doorbellDeferred) {
            return;  // submitAndAwait makes the one io_uring_enter that submits and waits
        }
        // One io_uring_enter for the batch. Failures here are programming errors (closed ring, bad argument) and
        // throw; EINTR/EAGAIN/EBUSY are retried inside the ring.
        ringForCaller().submit();
    }

    @Override
    protected int drainCompletions(int max) {
        int moved = 0;
        while (refusedCount > 0 && moved < max) {
            // BUSY is transient: the retry policy issues it again.
            if (!reaped(refusedCid[--refusedCount], IoStatus.BUSY, 0, StatusDetail.NONE)) {
                refusedCount++;
                return moved;
            }
            moved++;
        }
        if (moved < max) {
            // Never more CQEs than the core has room for (max is within its raw list), so reaped() cannot refuse.
            moved += ringForCaller().reap(max - moved, cqeHandler);
        }
        return moved;
    }

    private void onCqe(long callerId, UringOp op, int res) {
        switch (op) {
            case ASYNC_CANCEL -> {
                CompletionStatus outcome = CompletionStatus.of(op, res);
                if (outcome == CompletionStatus.CANCEL_TARGET_NOT_FOUND) {
                    cancelsNotFound++;
                } else if (outcome == CompletionStatus.CANCEL_TARGET_RUNNING) {
                    cancelsTooLate++;
                }
            }
            case TIMEOUT, NOP -> {
                // never prepared on a queue pair's ring; a CQE of one names no command, so it completes nothing
            }
            case FUTEX_WAITV -> {
                futexWatchArmed = false;
                // Any outcome ends the watch; only a kernel that lacks the operation ends its use (checked by errno:
                // CompletionStatus.of throws on errors it takes for programming errors, which must not stop a loop).
                if (res == -Errno.EINVAL.number() || res == -Errno.EOPNOTSUPP.number()) {
                    futexWatchSupported = false;
                    LOG.info("{}: this kernel cannot wait on futex words through io_uring ({}); the owner polls"
                            + " instead", name(), CompletionStatus.describe(op, res));
                }
            }
            case READ, WRITE, FSYNC, FALLOCATE -> {
                int cid = (int) callerId;
                forgetInKernel(cid);
                if (IoStatusMapping.isProgrammingError(res)) {
                    programmingErrors++;
                    LOG.error("{}: {} — a programming error (a buffer or descriptor the kernel cannot use)", name(),
                            CompletionStatus.describe(op, res));
                }
                boolean recorded = reaped(cid, IoStatusMapping.of(op, res), Math.max(res, 0),
                        res < 0 ? StatusDetail.errno(-res) : StatusDetail.NONE);
                assert recorded : name() + ": reaped more CQEs than the core's raw list holds";
            }
        }
    }

    private void forgetInKernel(int cid) {
        if (cid < 0 || cid >= (1 << 16)) {
            return;  // not ours; the core reports it as unmapped
        }
        int slot = slotOf(cid);
        if (slot < kernelCid.length && kernelCid[slot] == cid) {
            kernelCid[slot] = -1;
            kernelOp[slot] = null;
            commandsInKernel--;
        }
    }

    @Override
    protected void cancel(int cid) {
        int slot = slotOf(cid);
        if (kernelCid[slot] != cid) {
            return;  // its CQE was already reaped
        }
        IoUring r = ringForCaller();
        if (r.prepareCancel(kernelOp[slot], cid, HOUSEKEEPING_ID)) {
            r.submit();
            cancelsSubmitted++;
        }
    }

    @Override
    protected void closeBackend() {
        IoUring r = ring;
        if (r == null || r.isClosed()) {
            return;
        }
        if (r.owner() != Thread.currentThread()) {
            closeOldRing(r);
            return;
        }
        if (futexWatchArmed) {
            r.submit();  // it may still be only prepared
            if (r.prepareCancel(UringOp.FUTEX_WAITV, FUTEX_WATCH_ID, HOUSEKEEPING_ID)) {
                r.submit();  // a futex wait ends only when woken: cancel it, or the close below waits for nothing
            }
        }
        if (commandsInKernel > 0) {
            // The core has already failed these to their callers; ask the kernel to stop what it has not started.
            for (int slot = 0; slot < kernelCid.length; slot++) {
                if (kernelCid[slot] >= 0 && r.prepareCancel(kernelOp[slot], kernelCid[slot], HOUSEKEEPING_ID)) {
                    cancelsSubmitted++;
                }
            }
            r.submit();
        }
        int abandoned = r.close(device.settings().closeWaitTimeout(), (callerId, op, res) -> { });
        if (abandoned > 0) {
            LOG.warn("{}: {} io_uring operation(s) still in flight at close; their buffers must not be freed until "
                    + "the kernel finishes them", name(), abandoned);
        }
        commandsInKernel = 0;
        Arrays.fill(kernelCid, -1);
    }

    // ---------------------------------------------------------------------------------------------- the ring's owner

    /** The ring, created anew on this thread if the queue pair was handed over since the ring was made. */
    private IoUring ringForCaller() {
        IoUring r = ring;
        if (r.owner() == Thread.currentThread()) {
            return r;
        }
        closeOldRing(r);
        try {
            ring = openRing();
        } catch (IOException e) {
            throw new UncheckedIOException(name() + ": creating the io_uring ring on new owner thread '"
                    + Thread.currentThread().getName() + "' failed", e);
        }
        LOG.debug("{}: ring re-created on thread '{}' after an ownership hand-off", name(),
                Thread.currentThread().getName());
        return ring;
    }

    private void closeOldRing(IoUring old) {
        try {
            old.closeIdleFromSuccessor();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(name() + " was handed from thread '" + old.owner().getName()
                    + "' to thread '" + Thread.currentThread().getName() + "' while its io_uring ring was busy ("
                    + e.getMessage() + "); hand a queue pair over only when nothing is in flight", e);
        }
    }

    // ---------------------------------------------------------------------------------------------- waiting

    /**
     * Arms a wait on futex words in the ring ({@link IoUring#prepareFutexWaitv}), so that {@link #submitAndAwait}
     * also returns when another thread or process wakes one of them: a reactor then sleeps on the device and on its
     * request rings at once. The wait stays armed until one of the words is woken (or did not hold its expected value
     * when the kernel looked), and {@link #futexWatchArmed()} turns false when that completion is polled. Owner
     * thread only.
     *
     * @return whether it is armed; false on a kernel without the operation, or when the ring is full
     */
    public boolean armFutexWatch(MemorySegment waiters, int count) {
        checkOwnerThread();
        if (futexWatchArmed) {
            return true;
        }
        if (!futexWatchSupported) {
            return false;
        }
        IoUring r = ringForCaller();
        if (!r.prepareFutexWaitv(waiters, count, FUTEX_WATCH_ID)) {
            return false;
        }
        futexWatchArmed = true;  // handed to the kernel by the next submit: submitAndAwait sleeps in that same enter
        return true;
    }

    /** Whether a futex wait armed by {@link #armFutexWatch} has not completed yet (as far as polled). */
    public boolean futexWatchArmed() {
        return futexWatchArmed;
    }

    /** Whether {@link #armFutexWatch} can work here: false once the kernel refused the operation. */
    public boolean futexWatchSupported() {
        return futexWatchSupported;
    }

    /**
     * Blocks in {@code io_uring_enter} until at least one completion is ready to {@link #poll}, or {@code timeoutNanos}
     * has passed, or at once when nothing is in the kernel; for a reactor with nothing else to do, instead of spinning
     * on {@link #poll}. The caller bounds {@code timeoutNanos} by its nearest command deadline (deadlines are checked
     * only while polling). Owner thread only; not from a completion handler. Returns the completions ready.
     */
    public int awaitCompletions(long timeoutNanos) {
        checkOwnerThread();
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("timeoutNanos=" + timeoutNanos + " is negative");
        }
        if (isClosed()) {
            throw new IllegalStateException(name() + " is closed");
        }
        IoUring r = ringForCaller();
        if (r.completionsReady() == 0 && r.inFlight() > 0) {
            r.submitAndWait(1, timeoutNanos);
        }
        return r.completionsReady();
    }

    /**
     * {@link #submit()} and {@link #awaitCompletions} in one {@code io_uring_enter}: hands every prepared command to
     * the kernel and, unless completions are already ready (or nothing is in the kernel), waits up to
     * {@code timeoutNanos} for one. The reactor's loop when it has nothing else to do between batches. Returns the
     * number of commands submitted.
     */
    public int submitAndAwait(long timeoutNanos) {
        checkOwnerThread();
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("timeoutNanos=" + timeoutNanos + " is negative");
        }
        IoUring r = ringForCaller();
        int submitted;
        doorbellDeferred = true;
        try {
            submitted = submit();  // issues into the SQ; the doorbell is the enter below
        } finally {
            doorbellDeferred = false;
        }
        boolean wait = r.completionsReady() == 0 && r.inFlight() + r.prepared() > 0;
        if (wait) {
            r.submitAndWait(1, timeoutNanos);
        } else if (r.prepared() > 0) {
            r.submit();
        }
        return submitted;
    }

    // ---------------------------------------------------------------------------------------------- observability

    /** The ring's counters ({@code io_uring_enter} calls, fixed vs plain buffer I/Os); owner thread only. */
    public IoUringStats ringStats() {
        checkOwnerThread();
        return ringForCaller().stats();
    }

    /** {@code ASYNC_CANCEL} requests submitted for timed-out (or, at close, abandoned) commands. */
    public long cancelsSubmitted() {
        return cancelsSubmitted;
    }

    /** Cancels that found their command already finished ({@code ENOENT}) or running ({@code EALREADY}). */
    public long cancelsThatMissed() {
        return cancelsNotFound + cancelsTooLate;
    }

    /** CQEs with {@code EFAULT} or {@code EBADF} (answered INVALID; should stay 0). */
    public long programmingErrors() {
        return programmingErrors;
    }

    /** Whether the kernel accepted {@code SINGLE_ISSUER} for the current ring. */
    public boolean kernelEnforcesSingleIssuer() {
        checkOwnerThread();
        return ringForCaller().singleIssuer();
    }

    /** The current ring (tests). */
    IoUring ring() {
        return ring;
    }
}
