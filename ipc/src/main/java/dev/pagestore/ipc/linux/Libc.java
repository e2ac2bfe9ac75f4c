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
}
