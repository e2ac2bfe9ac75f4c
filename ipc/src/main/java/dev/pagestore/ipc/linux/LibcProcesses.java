package dev.pagestore.ipc.linux;

import static dev.pagestore.ipc.linux.Libc.callState;
import static dev.pagestore.ipc.linux.Libc.downcall;
import static dev.pagestore.ipc.linux.Libc.orErrno;
import static dev.pagestore.ipc.linux.Libc.unexpected;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * libc's calls about this process: its ids, its file creation mask, resource limits, {@code prctl} and
 * {@code sysconf}.
 *
 * <p>Each method returns the function's result, or {@code -errno} when it fails (see {@link Libc} for the convention
 * and the shared errno capture). All methods may be called from any thread.
 */
public final class LibcProcesses {
    /** getrlimit(2) resource number for locked memory. */
    public static final int RLIMIT_MEMLOCK = 8;

    /** {@code RLIM_INFINITY} as an unsigned 64-bit value read into a Java long. */
    public static final long RLIM_INFINITY = -1L;

    /** {@code sysconf(3)} name: clock ticks per second, the unit of the times in {@code /proc/PID/stat}. */
    public static final int SC_CLK_TCK = 2;

    // prctl(2).
    public static final int PR_SET_PDEATHSIG = 1;
    public static final int PR_GET_DUMPABLE = 3;
    public static final int PR_SET_DUMPABLE = 4;

    private static final MethodHandle GETPID = downcall("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETRLIMIT = downcall("getrlimit",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SYSCONF = downcall("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle PRCTL = downcall("prctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle UMASK = downcall("umask", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETUID = downcall("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPPID = downcall("getppid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEUID = downcall("geteuid", FunctionDescriptor.of(JAVA_INT));

    private LibcProcesses() {
    }

    /** {@code getpid(2)}: the kernel's view of this process id (always succeeds). */
    public static int getpid() {
        MemorySegment state = callState();
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
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) GETRLIMIT.invokeExact(state, resource, limits), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code sysconf(3)} for a name that always has a value (like {@link #SC_CLK_TCK}); returns it or {@code -errno}. */
    public static long sysconf(int name) {
        MemorySegment state = callState();
        try {
            return orErrno((long) SYSCONF.invokeExact(state, name), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code prctl(2)}; returns the option's result or {@code -errno}. */
    public static int prctl(int option, long a, long b, long c, long d) {
        MemorySegment state = callState();
        try {
            return (int) orErrno((int) PRCTL.invokeExact(state, option, a, b, c, d), state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code umask(2)}: sets the process's file creation mask, returns the previous one (always succeeds). */
    public static int umask(int mask) {
        MemorySegment state = callState();
        try {
            return (int) UMASK.invokeExact(state, mask);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getuid(2)}: this process's real user id (always succeeds). */
    public static int getuid() {
        MemorySegment state = callState();
        try {
            return (int) GETUID.invokeExact(state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code getppid(2)}: the parent's process id (always succeeds; 1 or a subreaper once the parent died). */
    public static int getppid() {
        MemorySegment state = callState();
        try {
            return (int) GETPPID.invokeExact(state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code geteuid(2)}: this process's effective user id, the one {@code SO_PEERCRED} reports (always succeeds). */
    public static int geteuid() {
        MemorySegment state = callState();
        try {
            return (int) GETEUID.invokeExact(state);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
