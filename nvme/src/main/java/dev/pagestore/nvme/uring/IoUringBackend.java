package dev.pagestore.nvme.uring;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.nvme.IoOpcode;
import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.QueueBackend;
import dev.pagestore.nvme.QueuePair;
import dev.pagestore.nvme.StatusDetail;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The io_uring backend of {@link QueuePair}: one {@link IoUring} per queue pair, created on the owner thread with
 * {@code IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN} (each dropped with one log line where the kernel
 * refuses it), the device's descriptor registered ({@code IOSQE_FIXED_FILE}), and optionally caller memory registered
 * as fixed buffers.
 *
 * <h2>Why it looks like this</h2>
 * The queue pair (command ids, ownership, deadlines, fences, retries, completion mapping) is backend-neutral; this
 * class only translates. A command's SQE carries its slot and cid as the caller id, so a CQE names its command without
 * a lookup and goes straight to the queue pair, which decides whether it maps to anything outstanding. A doorbell is
 * one {@code io_uring_enter} for the whole batch; {@link #drain} reaps the CQ in one pass (with {@code DEFER_TASKRUN}
 * the kernel posts completions only when the owner enters it, and says when that is needed).
 *
 * <p>Timeouts: when the queue pair times a command out it calls {@link #cancel}, which submits
 * {@code IORING_OP_ASYNC_CANCEL} for it. A request the device has started cannot be stopped; either way its own CQE
 * still arrives (data, or {@code -ECANCELED}) and is passed to the queue pair, which only then releases the fence on the
 * caller's buffer. The cancel request's own CQE is housekeeping, counted here and not passed on.
 *
 * <h2>Contracts</h2>
 * <ul>
 *   <li>Ownership: the ring belongs to the thread that created it ({@link OwnerRing}); after
 *       {@link QueuePair#transferOwnership} the new owner's first call makes its own.</li>
 *   <li>Fixed buffers: {@link #attachBuffer} registers caller memory (for example a channel's {@code /dev/shm}
 *       buffer slab) while the queue pair runs, until {@link #detachBuffer}; reads and writes whose buffer lies
 *       inside it then use {@code READ_FIXED/WRITE_FIXED}. If
 *       the kernel refuses ({@code ENOMEM} under {@code RLIMIT_MEMLOCK}, memory it cannot pin), I/O falls back to
 *       unregistered buffers, said once in the log and by {@link #bufferRegistrationFailure()}.</li>
 *   <li>Errno is mapped per operation by {@link IoStatusMapping}; the errno travels in the detail word.</li>
 *   <li>Close: after the queue pair's bounded drain, commands still in the kernel are cancelled and the ring closes,
 *       waiting up to {@link IoUringBlockDevice.Settings#closeWaitTimeout()} for the kernel to give their buffers
 *       back; what is still out then is logged (the kernel finishes it after the ring fd closes).</li>
 * </ul>
 * Nothing is allocated per I/O: the per-slot arrays and the completion handler are made here once.
 */
public final class IoUringBackend implements QueueBackend {
    private static final Logger LOG = LoggerFactory.getLogger(IoUringBackend.class);

    /** {@code FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE}: zero a range, never change the file's size. */
    static final int ZERO_RANGE_MODE = 0x01 | 0x10;
    /** A command's caller id is its cid in the low 16 bits and its slot above them (slots are below 2^12). */
    private static final int SLOT_SHIFT = 16;
    /** The caller id of the ring's housekeeping requests (cancels); above every command's caller id. */
    static final long HOUSEKEEPING_ID = 1L << 40;
    private static final long FUTEX_WATCH_ID = HOUSEKEEPING_ID + 1;

    private final IoUringBlockDevice device;
    private final String name;
    private final OwnerRing rings;

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
    private Reaped reaped;

    private long cancelsSubmitted;
    private long cancelsNotFound;
    private long cancelsTooLate;
    private long programmingErrors;

    IoUringBackend(IoUringBlockDevice device, String name, int queueDepth) throws IOException {
        this.device = device;
        this.name = name;
        this.kernelCid = new int[queueDepth];
        Arrays.fill(kernelCid, -1);
        this.kernelOp = new UringOp[queueDepth];
        this.refusedCid = new int[queueDepth];
        // Room for every command plus one cancel per command: the CQ (twice the SQ) never overflows.
        this.rings = new OwnerRing(device, name, Integer.highestOneBit(Math.max(1, 2 * queueDepth - 1)) << 1);
    }

    // ---------------------------------------------------------------------------------------------- registration

    /** Registers {@code region} in a free entry of the ring's buffer table, also on a ring made after a hand-off. */
    @Override
    public int attachBuffer(MemorySegment region) {
        return rings.attachBuffer(region);
    }

    @Override
    public void detachBuffer(int handle) {
        rings.detachBuffer(handle);
    }

    /** Whether the current ring has a region of {@link #attachBuffer} registered. */
    public boolean buffersRegistered() {
        return rings.buffersRegistered();
    }

    @Override
    public String bufferRegistrationFailure() {
        return rings.bufferRegistrationFailure();
    }

    // ---------------------------------------------------------------------------------------------- commands

    @Override
    public void issue(int slot, int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset, int lengthBytes) {
        IoUring r = rings.forCaller();
        long callerId = (long) slot << SLOT_SHIFT | cid;
        UringOp op;
        boolean accepted;
        switch (opcode) {
            case READ -> {
                op = UringOp.READ;
                accepted = r.sq().prepareRead(rings.file(), buffer, lengthBytes, deviceOffset, callerId);
            }
            case WRITE -> {
                op = UringOp.WRITE;
                accepted = r.sq().prepareWrite(rings.file(), buffer, lengthBytes, deviceOffset, callerId);
            }
            case FLUSH -> {
                op = UringOp.FSYNC;
                accepted = r.sq().prepareFsync(rings.file(), true, callerId);  // IORING_FSYNC_DATASYNC: fdatasync
            }
            case WRITE_ZEROES -> {
                op = UringOp.FALLOCATE;
                accepted = r.sq().prepareFallocate(rings.file(), ZERO_RANGE_MODE, deviceOffset, lengthBytes, callerId);
            }
            default -> throw new AssertionError("opcode " + opcode);
        }
        if (!accepted) {
            // The ring is sized for every command plus one cancel each, so this is a bug; still never drop it.
            assert false : name + ": ring refused cid " + cid + " although sized for the queue depth";
            refusedCid[refusedCount++] = cid;
            return;
        }
        assert kernelCid[slot] == -1 : name + ": slot " + slot + " already in the kernel as cid " + kernelCid[slot];
        kernelCid[slot] = cid;
        kernelOp[slot] = op;
        commandsInKernel++;
    }

    @Override
    public void ringDoorbell(int issuedCount) {
        // One io_uring_enter for the batch. Failures here are programming errors (closed ring, bad argument) and
        // throw; EINTR/EAGAIN/EBUSY are retried inside the ring.
        rings.forCaller().submit();
    }

    @Override
    public int drain(int max, Reaped into) {
        int moved = 0;
        while (refusedCount > 0 && moved < max) {
            // BUSY is transient: the retry policy issues it again.
            if (!into.reaped(refusedCid[--refusedCount], IoStatus.BUSY, 0, StatusDetail.NONE)) {
                refusedCount++;
                return moved;
            }
            moved++;
        }
        if (moved < max) {
            // Never more CQEs than the queue pair has room for (max is its share), so into.reaped cannot refuse.
            reaped = into;
            try {
                moved += rings.forCaller().reap(max - moved, cqeHandler);
            } finally {
                reaped = null;
            }
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
            case FUTEX_WAITV -> {
                futexWatchArmed = false;
                // Any outcome ends the watch; only a kernel that lacks the operation ends its use (checked by errno:
                // CompletionStatus.of throws on errors it takes for programming errors, which must not stop a loop).
                if (res == -Errno.EINVAL.number() || res == -Errno.EOPNOTSUPP.number()) {
                    futexWatchSupported = false;
                    LOG.info("{}: this kernel cannot wait on futex words through io_uring ({}); the owner polls"
                            + " instead", name, CompletionStatus.describe(op, res));
                }
            }
            case READ, WRITE, FSYNC, FALLOCATE -> {
                int cid = (int) (callerId & 0xFFFF);
                forgetInKernel(callerId >>> SLOT_SHIFT, cid);
                if (IoStatusMapping.isProgrammingError(res)) {
                    programmingErrors++;
                    LOG.error("{}: {} — a programming error (a buffer or descriptor the kernel cannot use)", name,
                            CompletionStatus.describe(op, res));
                }
                boolean recorded = reaped.reaped(cid, IoStatusMapping.of(op, res), Math.max(res, 0),
                        res < 0 ? StatusDetail.errno(-res) : StatusDetail.NONE);
                assert recorded : name + ": reaped more CQEs than the queue pair's batch holds";
            }
        }
    }

    private void forgetInKernel(long slotBits, int cid) {
        if (slotBits >= kernelCid.length) {
            return;  // not ours; the queue pair reports it as unmapped
        }
        int slot = (int) slotBits;
        if (kernelCid[slot] == cid) {
            kernelCid[slot] = -1;
            kernelOp[slot] = null;
            commandsInKernel--;
        }
    }

    @Override
    public void cancel(int slot, int cid) {
        if (kernelCid[slot] != cid) {
            return;  // its CQE was already reaped
        }
        IoUring r = rings.forCaller();
        if (r.sq().prepareCancel(kernelOp[slot], (long) slot << SLOT_SHIFT | cid, HOUSEKEEPING_ID)) {
            r.submit();
            cancelsSubmitted++;
        }
    }

    @Override
    public void close() {
        IoUring r = rings.current();
        if (r.isClosed()) {
            return;
        }
        if (r.owner() != Thread.currentThread()) {
            rings.closeFromSuccessor(r);
            return;
        }
        if (futexWatchArmed) {
            r.submit();  // it may still be only prepared
            if (r.sq().prepareCancel(UringOp.FUTEX_WAITV, FUTEX_WATCH_ID, HOUSEKEEPING_ID)) {
                r.submit();  // a futex wait ends only when woken: cancel it, or the close below waits for nothing
            }
        }
        if (commandsInKernel > 0) {
            // The core has already failed these to their callers; ask the kernel to stop what it has not started.
            for (int slot = 0; slot < kernelCid.length; slot++) {
                if (kernelCid[slot] >= 0 && r.sq().prepareCancel(kernelOp[slot],
                        (long) slot << SLOT_SHIFT | kernelCid[slot], HOUSEKEEPING_ID)) {
                    cancelsSubmitted++;
                }
            }
            r.submit();
        }
        int abandoned = r.close(device.settings().closeWaitTimeout(), (callerId, op, res) -> { });
        if (abandoned > 0) {
            LOG.warn("{}: {} io_uring operation(s) still in flight at close; their buffers must not be freed until "
                    + "the kernel finishes them", name, abandoned);
        }
        commandsInKernel = 0;
        Arrays.fill(kernelCid, -1);
    }

    // ---------------------------------------------------------------------------------------------- waiting

    /**
     * Arms a wait on futex words in the ring ({@link IoUring#prepareFutexWaitv}); it reaches the kernel with the next
     * submission, so a {@link #ringDoorbellAndAwait} sleeps on the device and the words in one {@code io_uring_enter}.
     */
    @Override
    public boolean armFutexWatch(MemorySegment waiters, int count) {
        if (futexWatchArmed) {
            return true;
        }
        if (!futexWatchSupported) {
            return false;
        }
        if (!rings.forCaller().sq().prepareFutexWaitv(waiters, count, FUTEX_WATCH_ID)) {
            return false;
        }
        futexWatchArmed = true;
        return true;
    }

    @Override
    public boolean futexWatchArmed() {
        return futexWatchArmed;
    }

    @Override
    public boolean futexWatchSupported() {
        return futexWatchSupported;
    }

    @Override
    public void awaitCompletions(long timeoutNanos) {
        IoUring r = rings.forCaller();
        if (r.completionsReady() == 0 && r.inFlight() > 0) {
            r.submitAndWait(1, timeoutNanos);
        }
    }

    /** The issued commands (and an armed futex watch) reach the kernel in the same enter that waits. */
    @Override
    public void ringDoorbellAndAwait(int issuedCount, long timeoutNanos) {
        IoUring r = rings.forCaller();
        if (r.completionsReady() == 0 && r.inFlight() + r.prepared() > 0) {
            r.submitAndWait(1, timeoutNanos);
        } else if (r.prepared() > 0) {
            r.submit();
        }
    }

    // ---------------------------------------------------------------------------------------------- observability

    /** The ring's counters ({@code io_uring_enter} calls, fixed vs plain buffer I/Os); owner thread only. */
    public IoUringStats ringStats() {
        return rings.current().stats();  // not forCaller: a call from another thread must fail, not make a ring
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
        return rings.current().singleIssuer();
    }
}
