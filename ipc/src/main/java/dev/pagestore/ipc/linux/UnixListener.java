package dev.pagestore.ipc.linux;

import java.lang.foreign.Arena;

/**
 * A listening {@code AF_UNIX} stream socket on FFM, non-blocking: a server polls it for {@code POLLIN} and
 * {@linkplain #accept() accepts} until nothing is pending. Accepted sockets are non-blocking and close-on-exec.
 *
 * <p>Not thread-safe: one owner thread (the server's event loop) accepts and closes it.
 */
public final class UnixListener implements AutoCloseable {
    private final int fd;
    private final UnixSocketAddress address;
    private boolean closed;

    private UnixListener(int fd, UnixSocketAddress address) {
        this.fd = fd;
        this.address = address;
    }

    /**
     * Binds and listens at {@code address}. A path is created with the process umask: see the control plane's
     * {@code ControlSocketFile} for binding owner-only.
     *
     * @throws ErrnoException EADDRINUSE when the path exists or the abstract name is taken, EACCES, ENOENT
     */
    public static UnixListener bind(UnixSocketAddress address, int backlog) throws ErrnoException {
        int fd = (int) Libc.check(LibcSockets.socket(LibcSockets.AF_UNIX,
                LibcSockets.SOCK_STREAM | LibcSockets.SOCK_CLOEXEC | LibcSockets.SOCK_NONBLOCK, 0), "socket", address.toString());
        boolean success = false;
        try (Arena arena = Arena.ofConfined()) {
            Libc.check(LibcSockets.bind(fd, address.allocate(arena), address.length()), "bind", address.toString());
            Libc.check(LibcSockets.listen(fd, backlog), "listen", address.toString());
            success = true;
            return new UnixListener(fd, address);
        } finally {
            if (!success) {
                LibcFiles.close(fd);
            }
        }
    }

    /**
     * Accepts one pending connection.
     *
     * @return the connected socket (non-blocking), or {@code null} when none is pending
     * @throws ErrnoException EMFILE, ENFILE, ENOBUFS, ENOMEM: out of descriptors or memory (the connection stays
     *         pending; the caller should pause accepting rather than spin)
     */
    public UnixSocket accept() throws ErrnoException {
        while (true) {
            int accepted = LibcSockets.accept4(fd, LibcSockets.SOCK_CLOEXEC | LibcSockets.SOCK_NONBLOCK);
            if (accepted >= 0) {
                return UnixSocket.adopt(accepted, "accepted on " + address);
            }
            if (accepted == -Errno.EAGAIN.number()) {
                return null;
            }
            if (accepted == -Errno.EINTR.number() || accepted == -Errno.ECONNABORTED.number()) {
                continue;  // a signal, or a peer that gave up before we took it: try the next one
            }
            throw new ErrnoException("accept4", address.toString(), -accepted);
        }
    }

    /** The number, for {@code poll(2)} by the owner thread. */
    public int pollDescriptor() {
        return fd;
    }

    public UnixSocketAddress address() {
        return address;
    }

    /** Stops listening (pending connections are reset). Does not unlink a path. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibcFiles.close(fd);
        }
    }
}
