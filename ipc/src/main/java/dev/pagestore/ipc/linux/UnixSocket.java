package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;

/**
 * A connected {@code AF_UNIX} stream socket on FFM, for what the JDK's Unix socket channels cannot do: pass file
 * descriptors ({@code SCM_RIGHTS}) and tell who is at the other end ({@code SO_PEERCRED}).
 *
 * <h2>Calls</h2>
 * Each call either waits ({@code wait = true}: blocks until it can proceed) or not ({@code MSG_DONTWAIT}: returns
 * {@link #WOULD_BLOCK}). {@link #receive} asks the kernel to install received descriptors close-on-exec
 * ({@code MSG_CMSG_CLOEXEC}) and hands them to the caller, who must close every one it does not keep; if they did
 * not fit ({@code MSG_CTRUNC}) the kernel closed the rest and the result says so.
 *
 * <h2>Closing</h2>
 * {@link #close()} may be called from any thread, also while another thread is blocked in {@link #receive}: it shuts
 * the socket down ({@code shutdown(2)}, which wakes that thread with end of stream) and the descriptor is closed once
 * the last call on it has returned ({@link GuardedDescriptor}), so a call never runs on a number that meanwhile names
 * another file. Calls after the close throw {@link ClosedChannelException}.
 *
 * <p>Thread safety: one thread may receive while another sends; {@link #close()} from any thread. Each direction is
 * for one thread at a time (the buffers in {@link Received} and the message headers are per call).
 */
public final class UnixSocket implements AutoCloseable {
    /** What a non-waiting call returns when it would have had to wait. */
    public static final long WOULD_BLOCK = -1;
    private static final int DESCRIPTORS_MAX = 8;

    private final GuardedDescriptor descriptor;
    private final String description;

    private UnixSocket(int fd, String description) {
        this.descriptor = new GuardedDescriptor(fd);
        this.description = description;
    }

    /** Takes ownership of a connected socket descriptor (from {@code accept4} or {@code socketpair}). */
    static UnixSocket adopt(int fd, String description) {
        return new UnixSocket(fd, description);
    }

    /**
     * Connects to {@code address}, waiting at most {@code timeout} when the listener's backlog is full (a manager that
     * stopped accepting). Later sends wait at most {@code timeout} too ({@code SO_SNDTIMEO}), so a peer that stops
     * reading cannot block this side for ever.
     *
     * @throws ErrnoException ECONNREFUSED (nothing listens: a stale socket file), ENOENT (no such socket), EACCES,
     *         EAGAIN (the backlog stayed full for {@code timeout})
     */
    public static UnixSocket connect(UnixSocketAddress address, Duration timeout) throws IOException {
        Objects.requireNonNull(address, "address");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout=" + timeout + " must be positive");
        }
        int fd = (int) Libc.check(LibcSockets.socket(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC, 0), "socket",
                address.toString());
        boolean success = false;
        try (Arena arena = Arena.ofConfined()) {
            // For AF_UNIX, SO_SNDTIMEO also bounds connect(2) waiting for room in a full backlog (unix(7)).
            MemorySegment timeval = arena.allocate(16, 8);
            timeval.set(JAVA_LONG, 0, timeout.toSeconds());
            timeval.set(JAVA_LONG, 8, Math.max(1, timeout.toNanosPart() / 1_000));
            Libc.check(LibcSockets.setsockopt(fd, LibcSockets.SOL_SOCKET, LibcSockets.SO_SNDTIMEO, timeval, 16), "setsockopt",
                    "SO_SNDTIMEO");
            MemorySegment sockaddr = address.allocate(arena);
            int result;
            do {
                result = LibcSockets.connect(fd, sockaddr, address.length());
            } while (result == -Errno.EINTR.number());  // a signal interrupted the wait: try again
            Libc.check(result, "connect", address.toString());
            UnixSocket socket = new UnixSocket(fd, address.toString());
            success = true;
            return socket;
        } finally {
            if (!success) {
                LibcFiles.close(fd);
            }
        }
    }

    /** Two connected sockets ({@code socketpair(2)}), for tests and in-process peers. */
    public static UnixSocket[] pair() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            Libc.check(LibcSockets.socketpair(LibcSockets.AF_UNIX, LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC, 0, fds), "socketpair",
                    "");
            return new UnixSocket[] {new UnixSocket(fds.get(JAVA_INT, 0), "socketpair"),
                    new UnixSocket(fds.getAtIndex(JAVA_INT, 1), "socketpair")};
        }
    }

    /** Who is at the other end, as the kernel recorded it when the connection was made. */
    public PeerCredentials peerCredentials() throws IOException {
        int fd = descriptor.begin();
        try {
            return PeerCredentials.of(fd);
        } finally {
            descriptor.end();
        }
    }

    /**
     * Sends {@code length} bytes of {@code data} (native memory) and, with the first byte, {@code descriptors} as
     * {@code SCM_RIGHTS} (the kernel duplicates them into the receiver; this process keeps its own).
     *
     * @return bytes sent (possibly fewer than {@code length}; the descriptors went with the first of them), or
     *         {@link #WOULD_BLOCK} without {@code wait} when nothing could be sent (the descriptors were not sent)
     * @throws ErrnoException EPIPE or ECONNRESET when the peer is gone, EAGAIN when a waiting send timed out
     */
    public long send(MemorySegment data, long length, boolean wait, int... descriptors) throws IOException {
        if (length <= 0 || length > data.byteSize()) {
            throw new IllegalArgumentException("length=" + length + " must be in [1, " + data.byteSize() + "]");
        }
        int fd = descriptor.begin();
        try (Arena arena = Arena.ofConfined()) {
            MessageHeader header = MessageHeader.allocate(arena, data, Math.max(descriptors.length, 1));
            header.buffer(data, length);
            header.descriptors(descriptors);
            int flags = LibcSockets.MSG_NOSIGNAL | (wait ? 0 : LibcSockets.MSG_DONTWAIT);
            while (true) {
                long sent = LibcSockets.sendmsg(fd, header.segment(), flags);
                if (sent >= 0) {
                    return sent;
                }
                if (sent == -Errno.EINTR.number()) {
                    continue;  // interrupted before anything was sent: send again
                }
                if (sent == -Errno.EAGAIN.number() && !wait) {
                    return WOULD_BLOCK;
                }
                throw new ErrnoException("sendmsg", description, (int) -sent);
            }
        } finally {
            descriptor.end();
        }
    }

    /** What one {@link #receive} got: a byte count (0 at end of stream) and the descriptors that came with it. */
    public record Received(long bytes, int[] descriptors, boolean descriptorsTruncated) {
        /** Closes every received descriptor (for a caller that keeps none). */
        public void closeDescriptors() {
            for (int fd : descriptors) {
                LibcFiles.close(fd);
            }
        }
    }

    /**
     * Reads up to {@code length} bytes into {@code buffer} (native memory), with any descriptors sent along them.
     *
     * @return the bytes and descriptors; {@code bytes == 0} at end of stream (the peer closed, or this socket was
     *         closed by another thread), {@link #WOULD_BLOCK} without {@code wait} when nothing is there
     * @throws ErrnoException ECONNRESET when the peer closed with unread data
     * @throws ClosedChannelException when this socket was closed before the call
     */
    public Received receive(MemorySegment buffer, long length, boolean wait) throws IOException {
        if (length <= 0 || length > buffer.byteSize()) {
            throw new IllegalArgumentException("length=" + length + " must be in [1, " + buffer.byteSize() + "]");
        }
        int fd = descriptor.begin();
        try (Arena arena = Arena.ofConfined()) {
            MessageHeader header = MessageHeader.allocate(arena, buffer, DESCRIPTORS_MAX);
            header.buffer(buffer, length);
            int flags = LibcSockets.MSG_CMSG_CLOEXEC | (wait ? 0 : LibcSockets.MSG_DONTWAIT);
            while (true) {
                header.clearControl();
                long received = LibcSockets.recvmsg(fd, header.segment(), flags);
                if (received >= 0) {
                    int[] descriptors = header.receivedDescriptors();
                    boolean truncated = (header.flags() & LibcSockets.MSG_CTRUNC) != 0;
                    return new Received(received, descriptors, truncated);
                }
                if (received == -Errno.EINTR.number()) {
                    continue;  // interrupted before anything arrived: nothing was consumed
                }
                if (received == -Errno.EAGAIN.number() && !wait) {
                    return new Received(WOULD_BLOCK, new int[0], false);
                }
                throw new ErrnoException("recvmsg", description, (int) -received);
            }
        } finally {
            descriptor.end();
        }
    }

    /**
     * Waits until the socket is readable (data, end of stream or an error) or {@code timeoutMillis} pass.
     *
     * @return whether it is readable
     */
    public boolean awaitReadable(int timeoutMillis) throws IOException {
        int fd = descriptor.begin();
        try (Arena arena = Arena.ofConfined()) {
            PollSet poll = new PollSet(arena, 1);
            poll.add(fd, LibcFiles.POLLIN);
            return poll.poll(timeoutMillis) > 0;
        } finally {
            descriptor.end();
        }
    }

    /**
     * The descriptor number, for {@code poll(2)} by the one thread that also closes this socket (a server's event
     * loop); any other use must go through the calls above.
     */
    public int pollDescriptor() {
        return descriptor.number();
    }

    public boolean isClosed() {
        return descriptor.isClosed();
    }

    /**
     * Shuts the socket down (a thread blocked in it wakes with end of stream; the peer sees end of stream) and closes
     * it once no call is in progress. Idempotent.
     */
    @Override
    public void close() {
        descriptor.close(fd -> LibcSockets.shutdown(fd, LibcSockets.SHUT_RDWR));  // ENOTCONN if the peer is gone: nothing to wake
    }

    @Override
    public String toString() {
        return "unix socket " + description + " (fd " + descriptor.number() + ")";
    }
}
