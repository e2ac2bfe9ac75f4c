package dev.pagestore.ipc.linux;

import static dev.pagestore.ipc.linux.Libc.callState;
import static dev.pagestore.ipc.linux.Libc.downcall;
import static dev.pagestore.ipc.linux.Libc.orErrno;
import static dev.pagestore.ipc.linux.Libc.unexpected;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * libc's calls on Unix domain sockets (DESIGN.md §2, the control plane): create, bind, listen, accept, connect,
 * socket options ({@code SO_PEERCRED}), and {@code sendmsg}/{@code recvmsg} for descriptor passing. Values are the
 * generic Linux ones, the same on x86_64 and aarch64.
 *
 * <p>Each method returns the function's result, or {@code -errno} when it fails (see {@link Libc} for the convention
 * and the shared errno capture). All methods may be called from any thread.
 */
public final class LibcSockets {
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 04000;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_PEERCRED = 17;

    /** Send timeout ({@code struct timeval}); for {@code AF_UNIX} it also bounds a blocking {@code connect(2)}. */
    public static final int SO_SNDTIMEO = 21;
    public static final int SCM_RIGHTS = 1;
    public static final int SHUT_RDWR = 2;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    /** {@code MSG_CTRUNC} in {@code msg_flags}: the control data (passed descriptors) did not fit. */
    public static final int MSG_CTRUNC = 0x8;

    private static final MethodHandle SOCKET = downcall("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = downcall("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = downcall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = downcall("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = downcall("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SHUTDOWN = downcall("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDMSG = downcall("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = downcall("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = downcall("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    private LibcSockets() {
    }

    /** {@code socket(2)}; returns the descriptor or {@code -errno}. */
    public static int socket(int domain, int type, int protocol) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) SOCKET.invokeExact(state, domain, type, protocol), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code bind(2)} to a {@code sockaddr} of {@code length} bytes; returns 0 or {@code -errno}. */
    public static int bind(int fd, MemorySegment address, int length) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) BIND.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code listen(2)}; returns 0 or {@code -errno}. */
    public static int listen(int fd, int backlog) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) LISTEN.invokeExact(state, fd, backlog), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code accept4(2)} without the peer's address; returns the new descriptor or {@code -errno}. */
    public static int accept4(int fd, int flags) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, flags),
                    state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code connect(2)}; returns 0 or {@code -errno}. */
    public static int connect(int fd, MemorySegment address, int length) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) CONNECT.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code getsockopt(2)} into {@code value}; {@code length} is a 4-byte {@code socklen_t} in and out. Returns 0 or
     * {@code -errno}.
     */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) GETSOCKOPT.invokeExact(state, fd, level, name, value, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code shutdown(2)}; returns 0 or {@code -errno}. */
    public static int shutdown(int fd, int how) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) SHUTDOWN.invokeExact(state, fd, how), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code sendmsg(2)} of a {@code struct msghdr} ({@link MessageHeader}); returns bytes sent or {@code -errno}. */
    public static long sendmsg(int fd, MemorySegment messageHeader, int flags) {
        MemorySegment state = callState();
        try {
            return orErrno((long) SENDMSG.invokeExact(state, fd, messageHeader, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code recvmsg(2)} into a {@code struct msghdr} ({@link MessageHeader}); returns bytes or {@code -errno}. */
    public static long recvmsg(int fd, MemorySegment messageHeader, int flags) {
        MemorySegment state = callState();
        try {
            return orErrno((long) RECVMSG.invokeExact(state, fd, messageHeader, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code setsockopt(2)} with {@code length} bytes of {@code value}; returns 0 or {@code -errno}. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) SETSOCKOPT.invokeExact(state, fd, level, name, value, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code socketpair(2)} into {@code fds} (two ints); returns 0 or {@code -errno}. */
    public static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) SOCKETPAIR.invokeExact(state, domain, type, protocol, fds), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
