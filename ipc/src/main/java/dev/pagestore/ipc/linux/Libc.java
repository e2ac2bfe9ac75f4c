package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place where libc is bound (DESIGN.md §7): every native function the project calls is looked up once, in
 * this class's static initialiser, and every call captures {@code errno} with {@link Linker.Option#captureCallState}.
 *
 * <h2>Return convention</h2>
 * Every method returns the function's result when it succeeds and {@code -errno} when it fails, the way the raw
 * kernel ABI does. Nothing here throws for an errno: the caller maps each errno per operation (STYLE.md: retryable,
 * expected, programmer error, unknown), usually with {@link ErrnoException}. Methods allocate nothing except where
 * they take a path (the C string is allocated in a confined arena and freed before return).
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread. The errno capture buffer is per thread.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE_LAYOUT.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One errno capture buffer per thread, allocated once, so a call allocates nothing. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE_LAYOUT));

    private static final MethodHandle SYSCALL6 = bind("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle OPEN = bind("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FLOCK = bind("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETPID = bind("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETRLIMIT = bind("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle PREAD = bind("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = bind("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FDATASYNC = bind("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FSYNC = bind("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FTRUNCATE = bind("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FALLOCATE = bind("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MMAP = bind("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MPROTECT = bind("mprotect",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SYSCONF = bind("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));

    // open(2) flags, generic Linux values (x86_64 and aarch64 differ only in O_DIRECT/O_DIRECTORY, handled below).
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_DIRECT = Arch.CURRENT == Arch.AARCH64 ? 0200000 : 040000;
    public static final int O_DIRECTORY = Arch.CURRENT == Arch.AARCH64 ? 040000 : 0200000;

    // flock(2) operations.
    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    // mmap(2).
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_POPULATE = 0x8000;
    public static final long MAP_FAILED = -1L;

    /** getrlimit(2) resource number for locked memory. */
    public static final int RLIMIT_MEMLOCK = 8;
    /** {@code RLIM_INFINITY} as an unsigned 64-bit value read into a Java long. */
    public static final long RLIM_INFINITY = -1L;

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() ->
                new UnsatisfiedLinkError("libc has no symbol " + name + "; pagestore needs glibc or musl on Linux"));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static long orErrno(long result, MemorySegment state) {
        return result == -1 ? -errno(state) : result;
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }

    /**
     * {@code syscall(2)} with up to six arguments (unused ones are ignored by the kernel). Addresses are passed as
     * {@link MemorySegment#address()}.
     *
     * @return the kernel's result, or {@code -errno}
     */
    public static long syscall(long number, long a, long b, long c, long d, long e, long f) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) SYSCALL6.invokeExact(state, number, a, b, c, d, e, f), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code open(2)}; returns the file descriptor or {@code -errno}. */
    public static int open(String path, int flags, int mode) {
        MemorySegment state = CALL_STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            return (int) orErrno((int) OPEN.invokeExact(state, cPath, flags, mode), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code close(2)}; returns 0 or {@code -errno}. */
    public static int close(int fd) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code flock(2)}; returns 0 or {@code -errno}. */
    public static int flock(int fd, int operation) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) FLOCK.invokeExact(state, fd, operation), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getpid(2)}: the kernel's view of this process id (always succeeds). */
    public static int getpid() {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) GETPID.invokeExact(state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code getrlimit(2)} into {@code limits} (two unsigned 64-bit words: soft, hard).
     *
     * @return 0 or {@code -errno}
     */
    public static int getrlimit(int resource, MemorySegment limits) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) GETRLIMIT.invokeExact(state, resource, limits), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code pread(2)}; returns the bytes read or {@code -errno}. */
    public static long pread(int fd, MemorySegment buffer, long count, long offset) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) PREAD.invokeExact(state, fd, buffer, count, offset), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code pwrite(2)}; returns the bytes written or {@code -errno}. */
    public static long pwrite(int fd, MemorySegment buffer, long count, long offset) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) PWRITE.invokeExact(state, fd, buffer, count, offset), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fdatasync(2)}; returns 0 or {@code -errno}. */
    public static int fdatasync(int fd) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) FDATASYNC.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fsync(2)}; returns 0 or {@code -errno}. */
    public static int fsync(int fd) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) FSYNC.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ftruncate(2)}; returns 0 or {@code -errno}. */
    public static int ftruncate(int fd, long length) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) FTRUNCATE.invokeExact(state, fd, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fallocate(2)}; returns 0 or {@code -errno} ({@code EOPNOTSUPP} where the file system cannot). */
    public static int fallocate(int fd, int mode, long offset, long length) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) FALLOCATE.invokeExact(state, fd, mode, offset, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code mmap(2)}; returns the mapped address or {@code -errno} (never {@link #MAP_FAILED}). */
    public static long mmap(long address, long length, int protection, int flags, int fd, long offset) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = (long) MMAP.invokeExact(state, address, length, protection, flags, fd, offset);
            return result == MAP_FAILED ? -errno(state) : result;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code munmap(2)}; returns 0 or {@code -errno}. */
    public static int munmap(long address, long length) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) MUNMAP.invokeExact(state, address, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code mprotect(2)}; returns 0 or {@code -errno} ({@code EACCES} when the mapping may never have that
     * protection, for example a write-sealed file's shared mapping).
     */
    public static int mprotect(long address, long length, int protection) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) MPROTECT.invokeExact(state, address, length, protection), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code sysconf(3)} name: clock ticks per second, the unit of the times in {@code /proc/PID/stat}. */
    public static final int SC_CLK_TCK = 2;

    /** {@code sysconf(3)} for a name that always has a value (like {@link #SC_CLK_TCK}); returns it or {@code -errno}. */
    public static long sysconf(int name) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) SYSCONF.invokeExact(state, name), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Throws {@link ErrnoException} when {@code result} is a {@code -errno}; returns it otherwise. */
    public static long check(long result, String operation, String subject) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(operation, subject, (int) -result);
        }
        return result;
    }
    /** {@code lseek(2)} whence: the offset is relative to the end of the file. */
    public static final int SEEK_END = 2;

    private static final MethodHandle LSEEK = bind("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));

    /**
     * {@code lseek(2)}; returns the resulting offset or {@code -errno}. {@code lseek(fd, 0, SEEK_END)} is the size of
     * a regular file as the kernel sees it now (what {@code fstat} would say), through a descriptor that stays right
     * after a rename.
     */
    public static long lseek(int fd, long offset, int whence) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) LSEEK.invokeExact(state, fd, offset, whence), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ------------------------------------------------------------------------------------------- sockets (AF_UNIX)
    // Values are the generic Linux ones, the same on x86_64 and aarch64.

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

    // poll(2).
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    // eventfd(2).
    public static final int EFD_CLOEXEC = 02000000;
    public static final int EFD_NONBLOCK = 04000;

    // memfd_create(2) and file seals (fcntl(2)).
    public static final int MFD_CLOEXEC = 0x1;
    public static final int MFD_ALLOW_SEALING = 0x2;
    /** {@code fcntl(2)}: duplicate to the lowest free descriptor at or above the argument, close-on-exec. */
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_ADD_SEALS = 1033;
    public static final int F_GET_SEALS = 1034;
    public static final int F_SEAL_SEAL = 0x1;
    public static final int F_SEAL_SHRINK = 0x2;
    public static final int F_SEAL_GROW = 0x4;
    public static final int F_SEAL_WRITE = 0x8;
    /** Linux 5.1+: no new writable mapping and no write(2), while mappings made before stay writable. */
    public static final int F_SEAL_FUTURE_WRITE = 0x10;
    public static final int O_NONBLOCK = 04000;
    public static final int O_NOFOLLOW = Arch.CURRENT == Arch.AARCH64 ? 0100000 : 0400000;

    // prctl(2).
    public static final int PR_SET_PDEATHSIG = 1;
    public static final int PR_GET_DUMPABLE = 3;
    public static final int PR_SET_DUMPABLE = 4;

    private static final MethodHandle SOCKET = bind("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = bind("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = bind("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SHUTDOWN = bind("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = bind("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SENDMSG = bind("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = bind("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MEMFD_CREATE = bind("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FCNTL = bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle PRCTL = bind("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle UMASK = bind("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMOD = bind("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETUID = bind("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPPID = bind("getppid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEUID = bind("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle DUP3 = bind("dup3", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = bind("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    /** {@code socket(2)}; returns the descriptor or {@code -errno}. */
    public static int socket(int domain, int type, int protocol) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) SOCKET.invokeExact(state, domain, type, protocol), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code bind(2)} to a {@code sockaddr} of {@code length} bytes; returns 0 or {@code -errno}. */
    public static int bind(int fd, MemorySegment address, int length) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) BIND.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code listen(2)}; returns 0 or {@code -errno}. */
    public static int listen(int fd, int backlog) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) LISTEN.invokeExact(state, fd, backlog), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code accept4(2)} without the peer's address; returns the new descriptor or {@code -errno}. */
    public static int accept4(int fd, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, flags),
                    state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code connect(2)}; returns 0 or {@code -errno}. */
    public static int connect(int fd, MemorySegment address, int length) {
        MemorySegment state = CALL_STATE.get();
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
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) GETSOCKOPT.invokeExact(state, fd, level, name, value, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code shutdown(2)}; returns 0 or {@code -errno}. */
    public static int shutdown(int fd, int how) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) SHUTDOWN.invokeExact(state, fd, how), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code read(2)}; returns the bytes read (0 at end of stream) or {@code -errno}. */
    public static long read(int fd, MemorySegment buffer, long count) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) READ.invokeExact(state, fd, buffer, count), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code write(2)}; returns the bytes written or {@code -errno}. */
    public static long write(int fd, MemorySegment buffer, long count) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) WRITE.invokeExact(state, fd, buffer, count), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code sendmsg(2)} of a {@code struct msghdr} ({@link MessageHeader}); returns bytes sent or {@code -errno}. */
    public static long sendmsg(int fd, MemorySegment messageHeader, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) SENDMSG.invokeExact(state, fd, messageHeader, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code recvmsg(2)} into a {@code struct msghdr} ({@link MessageHeader}); returns bytes or {@code -errno}. */
    public static long recvmsg(int fd, MemorySegment messageHeader, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            return orErrno((long) RECVMSG.invokeExact(state, fd, messageHeader, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code poll(2)} over {@code count} {@code struct pollfd}s (8 bytes each: int fd, short events, short revents).
     * Returns how many have events, 0 at the timeout, or {@code -errno}.
     */
    public static int poll(MemorySegment pollfds, long count, int timeoutMillis) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) POLL.invokeExact(state, pollfds, count, timeoutMillis), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code eventfd(2)}; returns the descriptor or {@code -errno}. */
    public static int eventfd(int initialValue, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) EVENTFD.invokeExact(state, initialValue, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code memfd_create(2)}: an anonymous shared-memory file with no name in any directory, reachable only through
     * its descriptor. {@code name} shows in {@code /proc/PID/fd} for diagnostics. Returns the descriptor or
     * {@code -errno}.
     */
    public static int memfdCreate(String name, int flags) {
        MemorySegment state = CALL_STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            return (int) orErrno((int) MEMFD_CREATE.invokeExact(state, cName, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fcntl(2)} with an integer argument; returns the command's result or {@code -errno}. */
    public static int fcntl(int fd, int command, long argument) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) FCNTL.invokeExact(state, fd, command, argument), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code prctl(2)}; returns the option's result or {@code -errno}. */
    public static int prctl(int option, long a, long b, long c, long d) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) PRCTL.invokeExact(state, option, a, b, c, d), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code umask(2)}: sets the process's file creation mask, returns the previous one (always succeeds). */
    public static int umask(int mask) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) UMASK.invokeExact(state, mask);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fchmod(2)}; returns 0 or {@code -errno}. */
    public static int fchmod(int fd, int mode) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) FCHMOD.invokeExact(state, fd, mode), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getuid(2)}: this process's real user id (always succeeds). */
    public static int getuid() {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) GETUID.invokeExact(state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getppid(2)}: the parent's process id (always succeeds; 1 or a subreaper once the parent died). */
    public static int getppid() {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) GETPPID.invokeExact(state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code geteuid(2)}: this process's effective user id, the one {@code SO_PEERCRED} reports (always succeeds). */
    public static int geteuid() {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) GETEUID.invokeExact(state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code setsockopt(2)} with {@code length} bytes of {@code value}; returns 0 or {@code -errno}. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) SETSOCKOPT.invokeExact(state, fd, level, name, value, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code socketpair(2)} into {@code fds} (two ints); returns 0 or {@code -errno}. */
    public static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) SOCKETPAIR.invokeExact(state, domain, type, protocol, fds), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code dup3(2)}: makes {@code newFd} name {@code oldFd}'s file (closing what it named); returns it or -errno. */
    public static int dup3(int oldFd, int newFd, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            return (int) orErrno((int) DUP3.invokeExact(state, oldFd, newFd, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
