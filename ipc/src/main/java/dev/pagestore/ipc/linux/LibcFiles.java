package dev.pagestore.ipc.linux;

import static dev.pagestore.ipc.linux.Libc.callState;
import static dev.pagestore.ipc.linux.Libc.downcall;
import static dev.pagestore.ipc.linux.Libc.orErrno;
import static dev.pagestore.ipc.linux.Libc.unexpected;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * libc's calls on file descriptors (DESIGN.md §7): open, read and write, sync, size and space, locks, {@code fcntl},
 * {@code poll} and {@code eventfd}, with their flag values.
 *
 * <p>Each method returns the function's result, or {@code -errno} when it fails (see {@link Libc} for the convention
 * and the shared errno capture). All methods may be called from any thread.
 */
public final class LibcFiles {
    // open(2) flags, generic Linux values (x86_64 and aarch64 differ only in O_DIRECT, O_DIRECTORY and O_NOFOLLOW).
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_DIRECT = Arch.CURRENT == Arch.AARCH64 ? 0200000 : 040000;
    public static final int O_DIRECTORY = Arch.CURRENT == Arch.AARCH64 ? 040000 : 0200000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_NOFOLLOW = Arch.CURRENT == Arch.AARCH64 ? 0100000 : 0400000;

    // flock(2) operations.
    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    /** {@code lseek(2)} whence: the offset is relative to the end of the file. */
    public static final int SEEK_END = 2;

    // poll(2).
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final short POLLERR = 0x8;
    public static final short POLLHUP = 0x10;
    public static final short POLLNVAL = 0x20;

    // eventfd(2).
    public static final int EFD_CLOEXEC = 02000000;
    public static final int EFD_NONBLOCK = 04000;

    /** {@code fcntl(2)}: duplicate to the lowest free descriptor at or above the argument, close-on-exec. */
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;

    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FLOCK = downcall("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle PREAD = downcall("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = downcall("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FDATASYNC = downcall("fdatasync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FSYNC = downcall("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle FTRUNCATE = downcall("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FALLOCATE = downcall("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle LSEEK = downcall("lseek",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = downcall("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = downcall("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle EVENTFD = downcall("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCNTL = downcall("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle DUP3 = downcall("dup3",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    private LibcFiles() {
    }

    /** {@code open(2)}; returns the file descriptor or {@code -errno}. */
    public static int open(String path, int flags, int mode) {
        MemorySegment state = callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(path);
            return (int) orErrno((int) OPEN.invokeExact(state, cPath, flags, mode), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code close(2)}; returns 0 or {@code -errno}. */
    public static int close(int fd) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code flock(2)}; returns 0 or {@code -errno}. */
    public static int flock(int fd, int operation) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) FLOCK.invokeExact(state, fd, operation), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code pread(2)}; returns the bytes read or {@code -errno}. */
    public static long pread(int fd, MemorySegment buffer, long count, long offset) {
        MemorySegment state = callState();
        try {
            return orErrno((long) PREAD.invokeExact(state, fd, buffer, count, offset), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code pwrite(2)}; returns the bytes written or {@code -errno}. */
    public static long pwrite(int fd, MemorySegment buffer, long count, long offset) {
        MemorySegment state = callState();
        try {
            return orErrno((long) PWRITE.invokeExact(state, fd, buffer, count, offset), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fdatasync(2)}; returns 0 or {@code -errno}. */
    public static int fdatasync(int fd) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) FDATASYNC.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fsync(2)}; returns 0 or {@code -errno}. */
    public static int fsync(int fd) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) FSYNC.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code ftruncate(2)}; returns 0 or {@code -errno}. */
    public static int ftruncate(int fd, long length) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) FTRUNCATE.invokeExact(state, fd, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fallocate(2)}; returns 0 or {@code -errno} ({@code EOPNOTSUPP} where the file system cannot). */
    public static int fallocate(int fd, int mode, long offset, long length) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) FALLOCATE.invokeExact(state, fd, mode, offset, length), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code lseek(2)}; returns the resulting offset or {@code -errno}. {@code lseek(fd, 0, SEEK_END)} is the size of
     * a regular file as the kernel sees it now (what {@code fstat} would say), through a descriptor that stays right
     * after a rename.
     */
    public static long lseek(int fd, long offset, int whence) {
        MemorySegment state = callState();
        try {
            return orErrno((long) LSEEK.invokeExact(state, fd, offset, whence), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code read(2)}; returns the bytes read (0 at end of stream) or {@code -errno}. */
    public static long read(int fd, MemorySegment buffer, long count) {
        MemorySegment state = callState();
        try {
            return orErrno((long) READ.invokeExact(state, fd, buffer, count), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code write(2)}; returns the bytes written or {@code -errno}. */
    public static long write(int fd, MemorySegment buffer, long count) {
        MemorySegment state = callState();
        try {
            return orErrno((long) WRITE.invokeExact(state, fd, buffer, count), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * {@code poll(2)} over {@code count} {@code struct pollfd}s (8 bytes each: int fd, short events, short revents).
     * Returns how many have events, 0 at the timeout, or {@code -errno}.
     */
    public static int poll(MemorySegment pollfds, long count, int timeoutMillis) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) POLL.invokeExact(state, pollfds, count, timeoutMillis), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code eventfd(2)}; returns the descriptor or {@code -errno}. */
    public static int eventfd(int initialValue, int flags) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) EVENTFD.invokeExact(state, initialValue, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code fcntl(2)} with an integer argument; returns the command's result or {@code -errno}. */
    public static int fcntl(int fd, int command, long argument) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) FCNTL.invokeExact(state, fd, command, argument), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code dup3(2)}: makes {@code newFd} name {@code oldFd}'s file (closing what it named); returns it or -errno. */
    public static int dup3(int oldFd, int newFd, int flags) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) DUP3.invokeExact(state, oldFd, newFd, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
