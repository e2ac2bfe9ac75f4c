package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Process resource limits that matter to the store. {@code RLIMIT_MEMLOCK} bounds io_uring ring memory on kernels
 * before 5.12 and registered (pinned) buffers on all kernels.
 *
 * @param softBytes the current limit, {@link Long#MAX_VALUE} for unlimited
 * @param hardBytes the ceiling the soft limit may be raised to, {@link Long#MAX_VALUE} for unlimited
 */
public record ResourceLimits(long softBytes, long hardBytes) {

    /** {@code getrlimit(RLIMIT_MEMLOCK)}. */
    public static ResourceLimits memlock() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment limits = arena.allocate(16, 8);
            Libc.check(LibcProcesses.getrlimit(LibcProcesses.RLIMIT_MEMLOCK, limits), "getrlimit", "RLIMIT_MEMLOCK");
            return new ResourceLimits(unsigned(limits.get(JAVA_LONG, 0)), unsigned(limits.get(JAVA_LONG, 8)));
        }
    }

    private static long unsigned(long value) {
        return value == LibcProcesses.RLIM_INFINITY || value < 0 ? Long.MAX_VALUE : value;
    }

    public boolean unlimited() {
        return softBytes == Long.MAX_VALUE;
    }
}
