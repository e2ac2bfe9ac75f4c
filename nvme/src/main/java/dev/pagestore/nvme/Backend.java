package dev.pagestore.nvme;

import dev.pagestore.ipc.linux.IoUringProbe;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which {@link QueuePair} implementation drives a device; {@link BlockDevices#open} makes the device.
 *
 * <ul>
 *   <li>{@link #IO_URING}: {@code dev.pagestore.nvme.uring.IoUringBlockDevice} — raw io_uring through FFM, the
 *       production path on Linux.</li>
 *   <li>{@link #PORTABLE}: {@code dev.pagestore.nvme.portable.PortableBlockDevice} — {@code FileChannel}, synchronous
 *       at submit; for machines without io_uring.</li>
 *   <li>{@link #SIMULATED}: {@code dev.pagestore.nvme.sim.SimulatedNvmeDevice} over the file — the simulated NVMe
 *       controller with fault injection, for tests and demonstrations.</li>
 * </ul>
 */
public enum Backend {
    IO_URING,
    PORTABLE,
    SIMULATED;

    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);
    private static final AtomicBoolean LOGGED_FALLBACK = new AtomicBoolean();

    /** The name on the command line and in logs: {@code io_uring}, {@code portable}, {@code simulated}. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The backend called {@code name} on the command line: {@code auto} ({@link #defaultForThisMachine}), or one of
     * the {@link #cliName}s.
     *
     * @throws IllegalArgumentException naming the choices, for any other name
     */
    public static Backend named(String name) {
        if ("auto".equals(name)) {
            return defaultForThisMachine();
        }
        for (Backend backend : values()) {
            if (backend.cliName().equals(name)) {
                return backend;
            }
        }
        throw new IllegalArgumentException("backend=" + name + " must be one of auto, io_uring, portable, simulated");
    }

    /**
     * {@link #IO_URING} when {@link IoUringProbe} says the kernel sets up rings, else {@link #PORTABLE} with one log
     * line saying why (the first time). Probes on every call (a tiny ring, created and closed): call it once at
     * start-up.
     */
    public static Backend defaultForThisMachine() {
        IoUringProbe probe = IoUringProbe.run();
        if (probe.available()) {
            return IO_URING;
        }
        if (LOGGED_FALLBACK.compareAndSet(false, true)) {
            LOG.warn("io_uring is unavailable ({}); using the portable FileChannel backend, which executes I/O "
                    + "synchronously at submit. Enable io_uring (kernel 5.6+, {} = 0) for the fast path.",
                    probe.unavailableReason(), IoUringProbe.DISABLED_SYSCTL);
        }
        return PORTABLE;
    }
}
