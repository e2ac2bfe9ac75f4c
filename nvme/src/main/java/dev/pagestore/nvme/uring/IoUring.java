package dev.pagestore.nvme.uring;

import dev.pagestore.ipc.linux.IoUringSyscalls;
import dev.pagestore.ipc.owner.OwnerThreadException;
import dev.pagestore.ipc.owner.SingleOwner;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One io_uring instance driven through raw system calls: the SQ and CQ rings and the SQE array mmapped, entries
 * written and read in place, one {@code io_uring_enter} per submitted batch.
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
 * <p>Parts: operations are prepared in the {@link SubmissionQueue} ({@link #sq()}), which also keeps the CQ from
 * overflowing; completions are read in place from the {@link CompletionQueue} by {@link #reap}, and a handler cannot
 * re-enter {@code reap}; {@link RingEnter} makes the system calls; {@link RingRegistrations} ({@link #registrations()})
 * pins files and buffers, falling back to plain descriptors and addresses when the kernel refuses.
 *
 * <p>Not thread-safe by design: owner thread only. A buffer passed to a read or write must stay valid and untouched
 * until its completion has been reaped.
 */
public final class IoUring implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IoUring.class);

    /** {@code sizeof(struct __kernel_timespec)}. */
    static final int TIMESPEC_SIZE = 16;

    private final SingleOwner owner;
    private final IoUringOptions options;
    private final int ringFd;
    private final int setupFlags;
    private final int features;
    private final int sqEntries;
    private final int cqEntries;
    /** The mappings and the descriptor, released by close. */
    private final IoUringSetup.Mapped mapped;
    private final Arena arena;
    private final RingRegistrations registrations;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final RingEnter enter;

    // Owner-thread state (plain fields: one thread only).
    private int inFlight;
    private boolean reaping;
    private boolean closed;
    private long cqesReaped;
    private final Runnable released = this::released;

    private IoUring(IoUringOptions options, IoUringSetup.Mapped mapped, Arena arena) {
        this.ringFd = mapped.ringFd();
        this.owner = SingleOwner.ofCurrentThread("io_uring ring fd=" + ringFd,
                "a ring has one issuing thread (IORING_SETUP_SINGLE_ISSUER)");
        this.options = options;
        this.mapped = mapped;
        this.arena = arena;
        this.setupFlags = mapped.setupFlags();
        MemorySegment params = mapped.params();
        this.features = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.FEATURES_OFFSET);
        this.sqEntries = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.SQ_ENTRIES_OFFSET);
        this.cqEntries = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.CQ_ENTRIES_OFFSET);
        this.registrations = new RingRegistrations(this, ringFd);
        this.sq = new SubmissionQueue(this, registrations, params, mapped.sqRing(), mapped.sqes(), sqEntries,
                cqEntries, arena);
        this.cq = new CompletionQueue(params, mapped.cqRing(), cqEntries);
        this.enter = new RingEnter(ringFd, setupFlags, owner, sq, cq, arena);
    }

    /**
     * Creates a ring owned by the calling thread.
     *
     * @throws IoUringUnavailableException when the kernel refuses io_uring ({@code ENOSYS}, {@code EPERM})
     * @throws dev.pagestore.ipc.linux.ErrnoException for any other setup or mmap failure, naming the call
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
            IoUring ring = new IoUring(options, mapped, arena);
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

    /** The files and buffers registered with this ring, and the fallback when the kernel refuses. */
    public RingRegistrations registrations() {
        return registrations;
    }

    /** Where operations are prepared, each written in place; they reach the kernel at the next submit. */
    public SubmissionQueue sq() {
        return sq;
    }

    /** Throws unless the caller is the owner thread and the ring is open. */
    void checkUsable() {
        checkOwner();
        checkOpen();
    }

    /** Operations in flight, for the submission queue's room check (which the caller's check already guarded). */
    int inFlightUnchecked() {
        return inFlight;
    }

    /**
     * Submits everything prepared with one {@code io_uring_enter} (more only when the kernel consumes part of the
     * batch or asks for a retry).
     *
     * @return the number of entries the kernel consumed
     */
    public int submit() {
        checkUsable();
        if (sq.prepared() == 0) {
            return 0;
        }
        return entered(enter.enter(0, false, -1, true));
    }

    /**
     * Submits everything prepared and waits until at least {@code minComplete} completions are ready to reap, in one
     * {@code io_uring_enter}.
     *
     * @throws IllegalArgumentException when fewer than {@code minComplete} operations are in flight (it would never
     *                                  return)
     */
    public int submitAndWait(int minComplete) {
        checkUsable();
        checkWaitable(minComplete);
        return entered(enter.enter(minComplete, true, -1, true));
    }

    /**
     * As {@link #submitAndWait(int)}, giving up after {@code timeoutNanos} (uses {@code IORING_ENTER_EXT_ARG}, Linux
     * 5.11+; older kernels poll). Returns when {@code minComplete} completions are ready or the time is up; check
     * {@link #completionsReady()}.
     */
    public int submitAndWait(int minComplete, long timeoutNanos) {
        checkUsable();
        checkWaitable(minComplete);
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("timeoutNanos=" + timeoutNanos + " is negative");
        }
        return entered(enter.timedWait(minComplete, timeoutNanos, (features & IoUringParamsDescriptor.FEAT_EXT_ARG) != 0));
    }

    private void released() {
        inFlight--;
        cqesReaped++;
        assert inFlight >= 0 : "reaped more completions than were submitted on ring fd=" + ringFd;
    }

    /** Counts what the kernel consumed as in flight. */
    private int entered(int consumed) {
        inFlight += consumed;
        assert inFlight <= cqEntries : "in flight " + inFlight + " exceeds CQ entries " + cqEntries;
        return consumed;
    }

    private void checkWaitable(int minComplete) {
        int prepared = sq.prepared();
        // inFlight already counts completions posted but not yet reaped, which io_uring_enter counts towards min.
        if (minComplete < 0 || minComplete > inFlight + prepared) {
            throw new IllegalArgumentException("minComplete=" + minComplete + " but only " + (inFlight + prepared)
                    + " operations are prepared or in flight on ring fd=" + ringFd + "; the wait could never end");
        }
    }

    /** Completions the kernel has posted and {@link #reap} has not yet drained. */
    public int completionsReady() {
        return cq.ready();
    }

    /**
     * Hands up to {@code max} completions to {@code handler} in order, read straight from the CQ, then releases their
     * CQ slots with one release store of the CQ head. With {@code DEFER_TASKRUN} the kernel posts completions only when the owner
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
        checkUsable();
        Objects.requireNonNull(handler, "handler");
        if (max < 1) {
            throw new IllegalArgumentException("max=" + max + " must be positive");
        }
        if (reaping) {
            throw new IllegalStateException("reap called from a completion handler on ring fd=" + ringFd
                    + "; handlers may prepare and submit but not reap (no re-entry)");
        }
        int ready = completionsReady();
        if (ready == 0 && inFlight > 0 && enter.completionWorkMayWait()) {
            // Runs the deferred completion work; prepared entries stay unsubmitted, but published ones a failed enter
            // left behind are submitted now, so they count as in flight.
            entered(enter.enter(0, true, -1, false));
            ready = completionsReady();
        }
        int count = Math.min(ready, max);
        reaping = true;
        try {
            cq.drain(count, handler, released);
        } finally {
            reaping = false;
        }
        return count;
    }

    /** Operations submitted to the kernel whose completions have not been reaped. */
    public int inFlight() {
        checkOwner();
        return inFlight;
    }

    /** Operations prepared but not yet submitted. */
    public int prepared() {
        checkOwner();
        return sq.prepared();
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
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

    /** A snapshot of the counters. */
    public IoUringStats stats() {
        checkOwner();
        return new IoUringStats(enter.enterCalls, enter.enterRetries, enter.sqesSubmitted, cqesReaped,
                sq.fixedBufferIos, sq.plainBufferIos, sq.queueFullRefusals, cq.unknownOperations());
    }

    public boolean isClosed() {
        return closed;
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
        int dropped = sq.dropPrepared();
        if (dropped > 0) {
            LOG.warn("io_uring ring fd={}: {} prepared operation(s) were never submitted and are dropped", ringFd,
                    dropped);
        }
        try {
            long deadline = System.nanoTime() + wait.toNanos();
            while (inFlight > 0 || completionsReady() > 0) {
                long remaining = deadline - System.nanoTime();
                if (completionsReady() == 0) {
                    if (remaining <= 0) {
                        LOG.warn("io_uring ring fd={}: {} operation(s) still in flight after waiting {} ms; the kernel"
                                + " finishes or cancels them after the ring closes, so their buffers must not be reused"
                                + " yet", ringFd, inFlight, wait.toMillis());
                        break;
                    }
                    submitAndWait(1, remaining);
                }
                reap(cqEntries, handler);
            }
            return inFlight;
        } finally {
            release();
        }
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
        if (inFlight != 0 || sq.prepared() != 0 || reaping) {
            throw new IllegalStateException("io_uring ring fd=" + ringFd + " owned by thread '"
                    + owner.owner().getName() + "' has " + inFlight + " operation(s) in flight and " + sq.prepared()
                    + " prepared; thread '" + Thread.currentThread().getName() + "' cannot close it");
        }
        unmap();
    }

    private void release() {
        registrations.unregisterAll();
        unmap();
    }

    private void unmap() {
        closed = true;
        mapped.unmapAndClose();
        arena.close();
    }

    @Override
    public String toString() {
        return "IoUring[fd=" + ringFd + ", sq=" + sqEntries + ", cq=" + cqEntries + ", flags=0x"
                + Integer.toHexString(setupFlags) + ", owner=" + owner.owner().getName() + (closed ? ", closed" : "") + "]";
    }
}
