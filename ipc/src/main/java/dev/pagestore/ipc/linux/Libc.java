package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one place where libc is bound (DESIGN.md §7), together with its subject classes in this package:
 * {@link LibcFiles}, {@link LibcMemory}, {@link LibcSockets} and {@link LibcProcesses}. Every native function the
 * project calls is looked up once, in the static initialiser of the class for its subject, through
 * {@link #downcall}, and every call captures {@code errno} with {@link Linker.Option#captureCallState} into the
 * per-thread buffer this class owns. Raw system calls without a libc wrapper go through {@link #syscall}.
 *
 * <h2>Return convention</h2>
 * Every method returns the function's result when it succeeds and {@code -errno} when it fails, the way the raw
 * kernel ABI does. Nothing here throws for an errno: the caller maps each errno per operation (STYLE.md: retryable,
 * expected, programmer error, unknown), usually with {@link #check} and {@link ErrnoException}. Methods allocate
 * nothing except where they take a path (the C string is allocated in a confined arena and freed before return).
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread. The errno capture buffer is per thread.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One errno capture buffer per thread, allocated once, so a call allocates nothing. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE_LAYOUT));

    private static final MethodHandle SYSCALL6 = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));

    private Libc() {
    }

    /**
     * Binds libc's {@code name}; the handle takes this thread's {@link #callState()} as its first argument, where the
     * call leaves {@code errno}.
     */
    static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() ->
                new UnsatisfiedLinkError("libc has no symbol " + name + "; pagestore needs glibc or musl on Linux"));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** This thread's errno capture buffer. */
    static MemorySegment callState() {
        return CALL_STATE.get();
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static long orErrno(long result, MemorySegment state) {
        return result == -1 ? -errno(state) : result;
    }

    static RuntimeException unexpected(Throwable t) {
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

    /** Throws {@link ErrnoException} when {@code result} is a {@code -errno}; returns it otherwise. */
    public static long check(long result, String operation, String subject) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(operation, subject, (int) -result);
        }
        return result;
    }
}
