package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code futex(2)} wait and wake on a 32-bit word in shared memory, across processes.
 *
 * <p>Why not {@code FUTEX_PRIVATE_FLAG}: a private futex is keyed by the virtual address in one process, so a waiter
 * in the worker and a waker in the manager (which map the word at different addresses) would never meet. Without the
 * flag the kernel keys the futex by the backing page and offset, which both processes share.
 *
 * <p>The word must be 4-byte aligned and lie in a {@code MAP_SHARED} mapping (a {@code /dev/shm} region). Both calls
 * are safe from any thread and allocate nothing after a thread's first call.
 */
public final class Futex {
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final int FUTEX_WAIT_BITSET = 9;
    private static final int FUTEX_WAKE_BITSET = 10;

    /** struct timespec { long tv_sec; long tv_nsec; }, one per thread. */
    private static final ThreadLocal<MemorySegment> TIMESPEC =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    /** What ended a {@link #await} call. */
    public enum WaitResult {
        /** Woken by {@link #wake}, or a spurious wake-up: the caller re-checks its condition either way. */
        WOKEN,
        /** The word did not hold the expected value when the kernel looked (EAGAIN): no sleep happened. */
        VALUE_CHANGED,
        /** The timeout passed (ETIMEDOUT). */
        TIMED_OUT,
        /** A signal interrupted the sleep (EINTR). */
        INTERRUPTED
    }

    private Futex() {
    }

    /**
     * Sleeps while {@code word} holds {@code expected}, for at most {@code timeoutNanos} (relative).
     *
     * @param word a 4-byte aligned segment of at least 4 bytes in a shared mapping
     * @param timeoutNanos the longest sleep; zero or less returns {@link WaitResult#TIMED_OUT} without a call
     */
    public static WaitResult await(MemorySegment word, int expected, long timeoutNanos) {
        checkWord(word);
        if (timeoutNanos <= 0) {
            return WaitResult.TIMED_OUT;
        }
        MemorySegment timespec = TIMESPEC.get();
        timespec.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
        timespec.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
        long result = Libc.syscall(Arch.CURRENT.sysFutex, word.address(), FUTEX_WAIT, expected & 0xFFFF_FFFFL,
                timespec.address(), 0, 0);
        return waitResult(result, "futex wait", word);
    }

    /** Maps a {@code FUTEX_WAIT} or {@code FUTEX_WAIT_BITSET} result to what ended the wait. */
    private static WaitResult waitResult(long result, String operation, MemorySegment word) {
        if (result >= 0) {
            return WaitResult.WOKEN;
        }
        int errno = (int) -result;
        return switch (Errno.of(errno)) {
            case EAGAIN -> WaitResult.VALUE_CHANGED;  // the value moved before we slept: re-check, no lost wake-up
            case ETIMEDOUT -> WaitResult.TIMED_OUT;
            case EINTR -> WaitResult.INTERRUPTED;     // a signal; the caller re-checks and waits again if it must
            default -> throw new IllegalStateException(
                    operation + " at 0x" + Long.toHexString(word.address()) + ": " + Errno.describe(errno));
        };
    }

    /**
     * Sleeps while {@code word} holds {@code expected}, until a {@link #wakeBits} whose mask shares a bit with
     * {@code bits} (or a plain {@link #wake}), for at most {@code timeoutNanos} ({@code FUTEX_WAIT_BITSET}). Lets one
     * word carry many waiters of which a waker picks some: a waker that knows which waiters its event concerns wakes
     * only them, in one call.
     *
     * @param bits a non-zero mask naming this waiter
     */
    public static WaitResult awaitBits(MemorySegment word, int expected, int bits, long timeoutNanos) {
        checkWord(word);
        if (bits == 0) {
            throw new IllegalArgumentException("bits=0: a waiter with no bit could never be woken (EINVAL)");
        }
        if (timeoutNanos <= 0) {
            return WaitResult.TIMED_OUT;
        }
        // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, the clock System.nanoTime reads on Linux
        long now = System.nanoTime();
        long deadline = timeoutNanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + timeoutNanos; // "forever"-safe
        MemorySegment timespec = TIMESPEC.get();
        timespec.set(JAVA_LONG, 0, deadline / 1_000_000_000L);
        timespec.set(JAVA_LONG, 8, deadline % 1_000_000_000L);
        long result = Libc.syscall(Arch.CURRENT.sysFutex, word.address(), FUTEX_WAIT_BITSET, expected & 0xFFFF_FFFFL,
                timespec.address(), 0, bits & 0xFFFF_FFFFL);
        return waitResult(result, "futex wait (bitset)", word);
    }

    /**
     * Wakes up to {@code count} waiters sleeping on {@code word} whose {@link #awaitBits} mask shares a bit with
     * {@code bits} (every plain {@link #await} waiter matches any mask).
     *
     * @return how many were woken
     */
    public static int wakeBits(MemorySegment word, int count, int bits) {
        checkWord(word);
        if (count <= 0 || bits == 0) {
            throw new IllegalArgumentException("count=" + count + " must be positive and bits=" + bits
                    + " non-zero");
        }
        long result = Libc.syscall(Arch.CURRENT.sysFutex, word.address(), FUTEX_WAKE_BITSET, count, 0, 0,
                bits & 0xFFFF_FFFFL);
        if (result < 0) {
            throw new IllegalStateException("futex wake (bitset) at 0x" + Long.toHexString(word.address()) + ": "
                    + Errno.describe((int) -result));
        }
        return (int) result;
    }

    /**
     * Wakes up to {@code count} waiters sleeping on {@code word}.
     *
     * @return how many were woken
     */
    public static int wake(MemorySegment word, int count) {
        checkWord(word);
        if (count <= 0) {
            throw new IllegalArgumentException("count=" + count + " must be positive");
        }
        long result = Libc.syscall(Arch.CURRENT.sysFutex, word.address(), FUTEX_WAKE, count, 0, 0, 0);
        if (result < 0) {
            // EFAULT or EINVAL here means the word is not mapped or misaligned: a programming error.
            throw new IllegalStateException(
                    "futex wake at 0x" + Long.toHexString(word.address()) + ": " + Errno.describe((int) -result));
        }
        return (int) result;
    }

    private static void checkWord(MemorySegment word) {
        if (!word.isNative() || word.byteSize() < 4 || (word.address() & 3) != 0) {
            throw new IllegalArgumentException("futex word must be a native, 4-byte aligned segment of 4 bytes: "
                    + word);
        }
    }
}
