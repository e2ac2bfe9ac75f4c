package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code futex_waitv(2)} (Linux 5.16+): sleep until any of up to 128 shared 32-bit words is woken or changes. A reactor
 * serving several channels sleeps on all their request rings at once, so a worker's ordinary {@code FUTEX_WAKE} on its
 * own ring wakes it, whichever channel it is.
 *
 * <p>Goes through {@link Libc#syscall}; the syscall number is {@link Arch#sysFutexWaitv} (449 on both x86_64 and
 * aarch64: it was added after the generic syscall table was unified). On an older kernel the first call
 * reports {@code ENOSYS} and {@link #available()} turns false; the reactor then falls back to one ring with a short
 * timeout.
 *
 * <p>Thread safety: one instance per reactor thread (the waiter array is reused).
 */
public final class FutexWaitv {
    public static final int WAITERS_MAX = 128;
    private static final int FUTEX2_SIZE_U32 = 0x02;
    private static final int CLOCK_MONOTONIC = 1;
    /** struct futex_waitv { u64 val; u64 uaddr; u32 flags; u32 reserved; } */
    private static final int WAITER_BYTES = 24;

    private final MemorySegment waiters = Arena.ofAuto().allocate((long) WAITERS_MAX * WAITER_BYTES, 8);
    private final MemorySegment timespec = Arena.ofAuto().allocate(16, 8);
    private int count;
    private boolean available = true;

    /** Whether the kernel has {@code futex_waitv} (as far as known). */
    public boolean available() {
        return available;
    }

    public void clear() {
        count = 0;
    }

    /** The words added so far, as the {@code struct futex_waitv} array the kernel reads (io_uring takes it too). */
    public MemorySegment array() {
        return waiters;
    }

    /** How many words are added. */
    public int count() {
        return count;
    }

    /** Adds a word to wait on while it holds {@code expected}; false when the array is full. */
    public boolean add(MemorySegment word, int expected) {
        if (count == WAITERS_MAX) {
            return false;
        }
        assert (word.address() & 3) == 0 : "futex words are 4-byte aligned";
        long offset = (long) count * WAITER_BYTES;
        waiters.set(JAVA_LONG, offset, expected & 0xFFFF_FFFFL);
        waiters.set(JAVA_LONG, offset + 8, word.address());
        waiters.set(JAVA_INT, offset + 16, FUTEX2_SIZE_U32);  // shared (no FUTEX2_PRIVATE): the words are in /dev/shm
        waiters.set(JAVA_INT, offset + 20, 0);
        count++;
        return true;
    }

    /**
     * Sleeps until a wake on any added word, a change of one, a signal, or {@code deadlineNanos}
     * ({@link System#nanoTime()}, which is {@code CLOCK_MONOTONIC} on Linux).
     */
    public void await(long deadlineNanos) {
        if (count == 0) {
            return;
        }
        timespec.set(JAVA_LONG, 0, deadlineNanos / 1_000_000_000L);
        timespec.set(JAVA_LONG, 8, deadlineNanos % 1_000_000_000L);
        long result = Libc.syscall(Arch.CURRENT.sysFutexWaitv, waiters.address(), count, 0, timespec.address(),
                CLOCK_MONOTONIC, 0);
        if (result >= 0) {
            return;
        }
        int errno = (int) -result;
        if (errno == Errno.ENOSYS.number() || errno == Errno.EPERM.number()) {
            available = false;  // no such call, or a seccomp filter (a container's) that predates it
            return;
        }
        if (errno == Errno.EAGAIN.number() || errno == Errno.ETIMEDOUT.number() || errno == Errno.EINTR.number()) {
            return;  // a word changed before we slept, the deadline passed, or a signal: the caller re-checks
        }
        throw new IllegalStateException("futex_waitv on " + count + " words: " + Errno.describe(errno));
    }
}
