package dev.pagestore.ipc.linux;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file descriptor that is closed only once no thread is inside a call on it.
 *
 * <h2>Why</h2>
 * A descriptor is a number. If one thread closes it while another is about to pass it to {@code recvmsg} or
 * {@code write}, the number may meanwhile name a file the process opened since, and the second call reads or writes
 * that file instead. So every call on the descriptor is bracketed by {@link #begin()} and {@link #end()}, and
 * {@link #close} only marks it closed and wakes a blocked call (by {@code shutdown(2)} for a socket): the real
 * {@code close(2)} happens when the last call in progress ends. The JDK's {@code NativeThreadSet} does the same for
 * NIO channels.
 *
 * <p>Thread safety: every method from any thread.
 */
final class GuardedDescriptor {
    private static final int CLOSED = Integer.MIN_VALUE;

    private final int fd;
    /** Calls in progress; the sign bit says closed. */
    private final AtomicInteger uses = new AtomicInteger();

    GuardedDescriptor(int fd) {
        assert fd >= 0 : "fd=" + fd;
        this.fd = fd;
    }

    /** Enters a call; the descriptor stays open until the matching {@link #end()}. */
    int begin() throws ClosedChannelException {
        while (true) {
            int now = uses.get();
            if (now < 0) {
                throw new ClosedChannelException();
            }
            if (uses.compareAndSet(now, now + 1)) {
                return fd;
            }
        }
    }

    /** Leaves a call; closes the descriptor if it was marked closed and this was the last call. */
    void end() {
        if (uses.decrementAndGet() == CLOSED) {
            LibcFiles.close(fd);
        }
    }

    /**
     * Marks the descriptor closed, runs {@code wake} on it (to end calls blocked on it) while it is still open, and
     * closes it now or when the last call in progress ends. Returns false when it was already closed.
     */
    boolean close(java.util.function.IntConsumer wake) {
        int now;
        do {
            now = uses.get();
            if (now < 0) {
                return false;
            }
        } while (!uses.compareAndSet(now, (now + 1) | CLOSED));  // closed, and this thread counts as a user
        try {
            if (now > 0) {
                wake.accept(fd);
            }
        } finally {
            end();
        }
        return true;
    }

    boolean isClosed() {
        return uses.get() < 0;
    }

    /** The number, for messages and for {@code poll(2)} by the thread that alone may close it. */
    int number() {
        return fd;
    }
}
