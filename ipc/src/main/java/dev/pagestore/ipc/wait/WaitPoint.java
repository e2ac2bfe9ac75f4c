package dev.pagestore.ipc.wait;

import dev.pagestore.ipc.linux.Futex;
import dev.pagestore.ipc.memory.OrderedAccess;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * One direction of a sleep/wake handshake in shared memory: a 64-bit <b>sequence</b> that one side advances, and a
 * 32-bit <b>waiting flag</b> that the other side raises before it sleeps on that sequence.
 *
 * <h2>Design: no lost wake-up without a syscall per publish</h2>
 * The waiter raises its waiting flag, issues a StoreLoad fence, re-reads the sequence and only then sleeps in
 * {@code futex(FUTEX_WAIT)} on the sequence's low 32 bits. The advancing side stores the sequence (release), issues a
 * StoreLoad fence and reads the flag; only when it is set does it call {@code futex(FUTEX_WAKE)}. This is Dekker's
 * handshake: with both fences, at least one side sees the other's store, so either the waiter sees the new sequence and
 * does not sleep, or the advancing side sees the flag and wakes it. The window between the waiter's re-check and its
 * entry into the kernel is closed by futex itself: {@code FUTEX_WAIT} sleeps only while the word still equals the
 * value the waiter saw, and a publish always changes the low 32 bits (a ring never advances by 2^32 at once).
 * io_uring's {@code IORING_SQ_NEED_WAKEUP} is the same idea: the fast path reads a flag, the syscall is for sleepers.
 *
 * <h2>One wake per sleep, not one per publish</h2>
 * The flag is not just "waiting": it holds {@code WAITING_BIT | (seen & 0x7FFF_FFFF)}, the value the waiter is waiting
 * to see change. The advancing side wakes only if the value it has just published differs from that {@code seen}
 * (otherwise the waiter has already seen this publish and is waiting for the next one), and it first clears the flag
 * with a CAS from exactly the value it read; only the CAS winner calls {@code FUTEX_WAKE}. So a waiter that takes tens
 * of microseconds to be scheduled after its wake does not draw a syscall from every publish in the meantime. Why the
 * clearing CAS cannot lose a wake-up: the published value differs from {@code seen} and was stored before the wake, so
 * {@code futex} guarantees the sleeper on {@code seen} either is woken or finds the word changed (EAGAIN); a flag
 * raised again later with the same {@code seen} is covered by the same argument, and one raised with a new
 * {@code seen} is a new value that the CAS does not match. Sequences of one ring never differ by 2^31 or more between
 * a waiter's {@code seen} and the published value (capacity is at most 2^24), so 31 bits identify {@code seen}.
 * The waiter lowers its own flag after every sleep; that never erases another episode's flag, since only the waiter
 * raises it.
 *
 * <p>Thread safety: an instance belongs to one ring end and is used by that end's single thread. Both processes
 * build their own instance over the same shared words.
 */
public final class WaitPoint {
    /** Set in every raised flag, so that a raised flag is never 0 whatever {@code seen} is. */
    static final int WAITING_BIT = 0x8000_0000;
    private static final int SEEN_MASK = 0x7FFF_FFFF;
    private static final long ADAPTIVE_SPIN_MIN_NANOS = 1_000;

    private final MemorySegment segment;
    private final long sequenceOffset;
    private final long waitingFlagOffset;
    /** The sequence's low 32 bits, sliced once so a sleep allocates nothing. */
    private final MemorySegment futexWord;
    private long sleepCount;
    private long wakeCount;
    /** The spin a {@link BlockingWaitStrategy} allows this end next time, adapted to how its spins end; -1 unset. */
    private long spinNanos = -1;

    /**
     * @param segment           the shared segment holding both words
     * @param sequenceOffset    8-byte aligned offset of the 64-bit sequence that the other side advances
     * @param waitingFlagOffset 4-byte aligned offset of the 32-bit flag that the waiting side raises
     */
    public WaitPoint(MemorySegment segment, long sequenceOffset, long waitingFlagOffset) {
        if ((sequenceOffset & 7) != 0 || (waitingFlagOffset & 3) != 0) {
            throw new IllegalArgumentException("sequenceOffset=" + sequenceOffset + " must be 8-byte aligned and"
                    + " waitingFlagOffset=" + waitingFlagOffset + " 4-byte aligned");
        }
        this.segment = segment;
        this.sequenceOffset = sequenceOffset;
        this.waitingFlagOffset = waitingFlagOffset;
        this.futexWord = segment.asSlice(sequenceOffset, 4);  // little endian: the low half of the sequence
    }

    /** The watched sequence, acquire load: what the other side published before it is visible after this. */
    public long sequenceAcquire() {
        return OrderedAccess.getLongAcquire(segment, sequenceOffset);
    }

    /**
     * Waiter side: raises the waiting flag, naming {@code seen} (the value it waits to change), and fences, so that a
     * re-read of the sequence after this call cannot be satisfied before the flag is visible to the advancing side.
     */
    public void announceWaiting(long seen) {
        OrderedAccess.setIntRelease(segment, waitingFlagOffset, WAITING_BIT | ((int) seen & SEEN_MASK));
        VarHandle.fullFence();  // StoreLoad: publish the waiting flag before re-checking the sequence (Dekker)
    }

    /** Waiter side: lowers the waiting flag after a sleep (or a decision not to sleep). */
    public void withdrawWaiting() {
        OrderedAccess.setIntRelease(segment, waitingFlagOffset, 0);
    }

    /**
     * Waiter side: sleeps in {@code futex} while the sequence's low 32 bits equal {@code seen}'s, at most
     * {@code timeoutNanos}. Returns early on a wake, a change, a signal or a spurious wake-up; the caller re-checks.
     */
    public Futex.WaitResult sleep(long seen, long timeoutNanos) {
        sleepCount++;
        return Futex.await(futexWord, (int) seen, timeoutNanos);
    }

    /**
     * Advancing side: call right after the release store of {@code published} to the sequence. Wakes the waiter only
     * if its flag is up and names a value other than {@code published}, and only if this call clears the flag.
     *
     * @return whether a {@code futex} wake was issued
     */
    public boolean wakeIfWaiting(long published) {
        VarHandle.fullFence();  // StoreLoad: the new sequence must be visible before we read the waiting flag (Dekker)
        int flag = OrderedAccess.getIntAcquire(segment, waitingFlagOffset);
        if (flag == 0 || (flag & SEEN_MASK) == ((int) published & SEEN_MASK)) {
            return false;  // nobody waits, or the waiter already saw this value and waits for the next one
        }
        if (!OrderedAccess.compareAndSetInt(segment, waitingFlagOffset, flag, 0)) {
            return false;  // the waiter lowered or re-raised its flag: it is awake and re-checks (see class comment)
        }
        wakeCount++;
        Futex.wake(futexWord, 1);  // single consumer or single producer: at most one sleeper per flag
        return true;
    }

    /** Whether the waiting flag is currently up (diagnostics and tests). */
    public boolean waitingFlagRaised() {
        return OrderedAccess.getIntAcquire(segment, waitingFlagOffset) != 0;
    }

    /** The spin to allow next, at most {@code maxNanos} (the waiting thread's own state). */
    long spinNanos(long maxNanos) {
        if (spinNanos < 0 || spinNanos > maxNanos) {
            spinNanos = maxNanos;
        }
        return spinNanos;
    }

    /** A spin saw the sequence move: allow twice as long next time, up to {@code maxNanos}. */
    void spinPaidOff(long maxNanos) {
        spinNanos = Math.min(maxNanos, Math.max(ADAPTIVE_SPIN_MIN_NANOS, spinNanos * 2));
    }

    /** A spin ran out and the waiter slept anyway: allow half as long next time. */
    void spinWasted() {
        spinNanos = Math.max(ADAPTIVE_SPIN_MIN_NANOS, spinNanos >> 1);
    }

    /** How many times this end entered {@code futex} wait (diagnostics; counted by the owning thread). */
    public long sleepCount() {
        return sleepCount;
    }

    /** How many times this end issued {@code futex} wake (diagnostics; counted by the owning thread). */
    public long wakeCount() {
        return wakeCount;
    }
}
