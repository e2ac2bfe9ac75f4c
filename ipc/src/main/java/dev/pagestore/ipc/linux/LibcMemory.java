package dev.pagestore.ipc.linux;

import static dev.pagestore.ipc.linux.Libc.callState;
import static dev.pagestore.ipc.linux.Libc.downcall;
import static dev.pagestore.ipc.linux.Libc.errno;
import static dev.pagestore.ipc.linux.Libc.orErrno;
import static dev.pagestore.ipc.linux.Libc.unexpected;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * libc's calls on memory mappings and shared-memory files (DESIGN.md §3): {@code mmap}, {@code munmap},
 * {@code mprotect}, {@code memfd_create}, and the file-seal values {@code fcntl(2)} takes for them.
 *
 * <p>Each method returns the function's result, or {@code -errno} when it fails (see {@link Libc} for the convention
 * and the shared errno capture). All methods may be called from any thread.
 */
public final class LibcMemory {
    // mmap(2).
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final long MAP_FAILED = -1L;

    // memfd_create(2) and file seals (fcntl(2)).
    public static final int MFD_CLOEXEC = 0x1;
    public static final int MFD_ALLOW_SEALING = 0x2;
    public static final int F_ADD_SEALS = 1033;
    public static final int F_GET_SEALS = 1034;
    public static final int F_SEAL_SEAL = 0x1;
    public static final int F_SEAL_SHRINK = 0x2;
    public static final int F_SEAL_GROW = 0x4;
    public static final int F_SEAL_WRITE = 0x8;

    /** Linux 5.1+: no new writable mapping and no write(2), while mappings made before stay writable. */
    public static final int F_SEAL_FUTURE_WRITE = 0x10;

    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MPROTECT = downcall("mprotect",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MEMFD_CREATE = downcall("memfd_create",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private LibcMemory() {
    }

    /** {@code mmap(2)}; returns the mapped address or {@code -errno} (never {@link #MAP_FAILED}). */
    public static long mmap(long address, long length, int protection, int flags, int fd, long offset) {
        MemorySegment state = callState();
        try {
            long result = (long) MMAP.invokeExact(state, address, length, protection, flags, fd, offset);
            return result == MAP_FAILED ? -errno(state) : result;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Private anonymous memory of {@code length} bytes, page-aligned, unmapped when {@code arena} closes. It reads as
     * zeroes and costs a page only when first touched, where an arena's own allocation zeroes every byte up front
     * (which for a recovery's 64 MiB segment buffer cost more than the recovery's reads).
     */
    @SuppressWarnings("restricted")  // reinterpret: the segment has exactly the size mmap was given
    public static MemorySegment mapAnonymous(long length, Arena arena) throws ErrnoException {
        long address = Libc.check(mmap(0, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                "mmap", "anonymous memory of " + length + " bytes");
        return MemorySegment.ofAddress(address).reinterpret(length, arena, unused -> munmap(address, length));
    }

    /** {@code munmap(2)}; returns 0 or {@code -errno}. */
    public static int munmap(long address, long length) {
        MemorySegment state = callState();
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
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) MPROTECT.invokeExact(state, address, length, protection), state);
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
        MemorySegment state = callState();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            return (int) orErrno((int) MEMFD_CREATE.invokeExact(state, cName, flags), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
