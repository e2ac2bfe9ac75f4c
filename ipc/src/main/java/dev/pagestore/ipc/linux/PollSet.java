package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An array of {@code struct pollfd} for {@code poll(2)}, refilled before each wait by the one thread that polls.
 *
 * <pre>
 *  struct pollfd (8 bytes): offset 0 fd (int), 4 events (short), 6 revents (short)
 * </pre>
 *
 * <p>Not thread-safe: one owner thread. It grows (doubling) when more descriptors are added than it has room for.
 */
public final class PollSet {
    private static final long POLLFD_BYTES = 8;

    private final Arena arena;
    private MemorySegment fds;
    private int capacity;
    private int count;

    /** A set with room for {@code capacity} descriptors, allocated in {@code arena}. */
    public PollSet(Arena arena, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity=" + capacity + " must be positive");
        }
        this.arena = arena;
        this.capacity = capacity;
        this.fds = arena.allocate(capacity * POLLFD_BYTES, 8);
    }

    /** Empties the set. */
    public void clear() {
        count = 0;
    }

    /** Adds {@code fd} waiting for {@code events}; returns its index for {@link #readyEvents}. */
    public int add(int fd, short events) {
        if (count == capacity) {
            MemorySegment larger = arena.allocate(2L * capacity * POLLFD_BYTES, 8);
            larger.copyFrom(fds);
            fds = larger;
            capacity *= 2;
        }
        long offset = count * POLLFD_BYTES;
        fds.set(JAVA_INT, offset, fd);
        fds.set(JAVA_SHORT, offset + 4, events);
        fds.set(JAVA_SHORT, offset + 6, (short) 0);
        return count++;
    }

    public int size() {
        return count;
    }

    /**
     * Waits until a descriptor has an event or {@code timeoutMillis} pass ({@code -1}: no timeout).
     *
     * @return how many descriptors have events; 0 at the timeout or when a signal interrupted the wait (the caller
     *         loops anyway)
     */
    public int poll(int timeoutMillis) throws ErrnoException {
        int ready = LibcFiles.poll(fds, count, timeoutMillis);
        if (ready == -Errno.EINTR.number()) {
            return 0;  // a signal: the caller re-evaluates its deadlines and polls again
        }
        if (ready < 0) {  // the message only on failure: a poller's every pass would otherwise make garbage
            Libc.check(ready, "poll", count + " descriptors");
        }
        return ready;
    }

    /** The events {@code poll} reported for entry {@code index} ({@code POLLIN}, {@code POLLHUP}, ...). */
    public short readyEvents(int index) {
        java.util.Objects.checkIndex(index, count);
        return fds.get(JAVA_SHORT, index * POLLFD_BYTES + 6);
    }
}
