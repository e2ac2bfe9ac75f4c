package dev.pagestore.cli.doctor;

import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.ResourceLimits;

/**
 * {@code RLIMIT_MEMLOCK}: memory registered with io_uring as fixed buffers is pinned and counted against it (and, on
 * kernels before 5.12, the rings themselves), so a small limit caps how many channel page buffers can be registered.
 */
public final class MemlockCheck {
    public static final String NAME = "memlock limit";
    /** Below this soft limit, warn: 64 MiB registers 16384 pages of 4 KiB, a few workers' buffer slabs. */
    public static final long SOFT_BYTES_MIN = 64L << 20;

    private MemlockCheck() {
    }

    public static Check run() throws ErrnoException {
        return of(ResourceLimits.memlock());
    }

    public static Check of(ResourceLimits limits) {
        if (limits.unlimited()) {
            return Check.ok(NAME, "unlimited");
        }
        String detail = describe(limits.softBytes()) + " soft, " + describe(limits.hardBytes()) + " hard (ulimit -l "
                + ulimitArgument(limits.softBytes()) + ")";
        if (limits.softBytes() >= SOFT_BYTES_MIN) {
            return Check.ok(NAME, detail);
        }
        String raise = limits.hardBytes() > limits.softBytes()
                ? "raise it in the shell with ulimit -l " + ulimitArgument(limits.hardBytes()) + ", or for good "
                : "raise it ";
        return Check.warn(NAME, detail, "io_uring fixed buffers are pinned against this limit ("
                + limits.softBytes() / 4096 + " pages of 4 KiB); " + raise
                + "with '<user> - memlock unlimited' in /etc/security/limits.conf (LimitMEMLOCK=infinity for "
                + "a systemd unit, --ulimit memlock=-1 for Docker)");
    }

    private static String describe(long bytes) {
        return bytes == Long.MAX_VALUE ? "unlimited" : Bytes.format(bytes);
    }

    private static String ulimitArgument(long bytes) {
        return bytes == Long.MAX_VALUE ? "unlimited" : Long.toString(bytes / 1024);
    }
}
