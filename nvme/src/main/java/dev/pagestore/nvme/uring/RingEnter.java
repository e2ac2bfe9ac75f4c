package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.IoUringSyscalls;
import dev.pagestore.ipc.owner.SingleOwner;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code io_uring_enter} calls of one {@link IoUring}: publishing the SQ tail, the timed-wait argument
 * ({@code IORING_ENTER_EXT_ARG}), which failures are repeated and which are programming errors. Owner thread only.
 */
final class RingEnter {
    private static final Logger LOG = LoggerFactory.getLogger(IoUring.class);
    /** EINTR/EAGAIN/EBUSY from io_uring_enter are retried this many times before the ring gives up. */
    private static final int ENTER_RETRIES_MAX = 10_000;
    /** {@code sizeof(struct io_uring_getevents_arg)}. */
    private static final int GETEVENTS_ARG_SIZE = 24;
    /** {@code _NSIG / 8}: the signal mask size the kernel expects even when no mask is passed. */
    private static final int SIGSET_SIZE = 8;
    private static final int IORING_SQ_CQ_OVERFLOW = 2;

    /** Set by the kernel in the SQ flags when completion work waits for the owner ({@code TASKRUN_FLAG}). */
    private static final int IORING_SQ_TASKRUN = 4;
    private static final AtomicBoolean LOGGED_NO_EXT_ARG = new AtomicBoolean();

    private final int ringFd;
    private final int setupFlags;
    private final SingleOwner owner;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final MemorySegment geteventsArg;
    private final MemorySegment geteventsTimespec;
    long enterCalls;
    long enterRetries;
    long sqesSubmitted;

    RingEnter(int ringFd, int setupFlags, SingleOwner owner, SubmissionQueue sq, CompletionQueue cq, Arena arena) {
        this.ringFd = ringFd;
        this.setupFlags = setupFlags;
        this.owner = owner;
        this.sq = sq;
        this.cq = cq;
        this.geteventsArg = arena.allocate(GETEVENTS_ARG_SIZE, 8);
        this.geteventsTimespec = arena.allocate(IoUring.TIMESPEC_SIZE, 8);
    }

    /**
     * Submits and waits until {@code minComplete} completions are ready or {@code timeoutNanos} passed: one enter with
     * {@code IORING_ENTER_EXT_ARG} (Linux 5.11+), else polling every 50 us. Returns the entries the kernel consumed.
     */
    int timedWait(int minComplete, long timeoutNanos, boolean extArg) {
        if (extArg) {
            return enter(minComplete, true, timeoutNanos, true);
        }
        if (LOGGED_NO_EXT_ARG.compareAndSet(false, true)) {
            LOG.info("io_uring: kernel lacks IORING_FEAT_EXT_ARG (Linux 5.11+); timed waits poll every 50 us");
        }
        long deadline = System.nanoTime() + timeoutNanos;
        int consumed = enter(0, true, -1, true);
        while (cq.ready() < minComplete && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(50_000);
            consumed += enter(0, true, -1, true);
        }
        return consumed;
    }

    /**
     * Whether completions may be waiting for this thread to enter the kernel. With {@code DEFER_TASKRUN} the kernel
     * posts them only then; with {@code TASKRUN_FLAG} too it says when there are some, so a reap that finds the
     * queue empty makes a system call only when it will find something (a reactor polling with commands in flight
     * would otherwise make one per pass). Work one enter leaves over raises the flag again, so none is stranded.
     */
    boolean completionWorkMayWait() {
        if ((setupFlags & IoUringSyscalls.SETUP_DEFER_TASKRUN) == 0) {
            return false;
        }
        if ((setupFlags & IoUringSyscalls.SETUP_TASKRUN_FLAG) == 0) {
            return true;
        }
        return (sq.flags() & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0;
    }

    /**
     * Publishes the local SQ tail (when {@code publish}) and calls {@code io_uring_enter} until the kernel has
     * consumed every published entry (normally once). {@code timeoutNanos < 0} waits without a timeout. Returns the
     * entries the kernel consumed.
     */
    int enter(int minComplete, boolean getEvents, long timeoutNanos, boolean publish) {
        if (publish) {
            sq.publish();
        }
        int headBefore = sq.head();
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
            int pending = sq.tailPublished() - head;
            int result = argAddress == 0
                    ? IoUringSyscalls.enter(ringFd, pending, minComplete, flags)
                    : IoUringSyscalls.enter(ringFd, pending, minComplete, flags, argAddress, GETEVENTS_ARG_SIZE);
            enterCalls++;
            int newHead = sq.head();
            boolean progress = newHead != head;
            head = newHead;
            if (result >= 0) {
                if (head != sq.tailPublished() && progress && attempt < ENTER_RETRIES_MAX) {
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
                if (getEvents && cq.ready() >= minComplete) {
                    break;
                }
                continue;
            }
            throw enterFailure(errno, pending, minComplete);
        }
        int consumed = head - headBefore;
        sqesSubmitted += consumed;
        assert (sq.flags() & IORING_SQ_CQ_OVERFLOW) == 0
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

}
