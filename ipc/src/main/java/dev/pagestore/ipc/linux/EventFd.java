package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;

/**
 * An {@code eventfd(2)}: a counter another thread bumps to wake a thread sleeping in {@code poll(2)} (the control
 * server's loop is woken this way to close). Non-blocking and close-on-exec.
 *
 * <p>Thread safety: {@link #signal()} from any thread, also racing {@link #close()} (the descriptor is closed only
 * when no call is on it: {@link GuardedDescriptor}); {@link #drain()} and polling by the one owner thread.
 */
public final class EventFd implements AutoCloseable {
    private final GuardedDescriptor descriptor;

    private EventFd(int fd) {
        this.descriptor = new GuardedDescriptor(fd);
    }

    public static EventFd create() throws ErrnoException {
        return new EventFd((int) Libc.check(LibcFiles.eventfd(0, LibcFiles.EFD_CLOEXEC | LibcFiles.EFD_NONBLOCK), "eventfd", ""));
    }

    /** Makes the descriptor readable until {@link #drain()}. Does nothing once closed. */
    public void signal() {
        int fd;
        try {
            fd = descriptor.begin();
        } catch (ClosedChannelException e) {
            return;  // nobody polls it any more
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            long written = LibcFiles.write(fd, one, Long.BYTES);
            // EAGAIN: the counter is at its maximum, so the descriptor is readable already.
            assert written == Long.BYTES || written == -Errno.EAGAIN.number() : "eventfd write: " + written;
        } finally {
            descriptor.end();
        }
    }

    /** Resets the counter (owner thread, after {@code poll} reported it readable). */
    public void drain() throws IOException {
        int fd = descriptor.begin();
        try (Arena arena = Arena.ofConfined()) {
            long read = LibcFiles.read(fd, arena.allocate(JAVA_LONG), Long.BYTES);
            if (read < 0 && read != -Errno.EAGAIN.number()) {  // EAGAIN: nothing was signalled
                throw new ErrnoException("read", "eventfd", (int) -read);
            }
        } finally {
            descriptor.end();
        }
    }

    /** The number, for {@code poll(2)} by the owner thread. */
    public int pollDescriptor() {
        return descriptor.number();
    }

    @Override
    public void close() {
        descriptor.close(fd -> { });
    }
}
