package dev.pagestore.cli.doctor;

import dev.pagestore.ipc.linux.IoUringProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * What io_uring offers: whether rings can be created at all, whether the kernel enforces one submitter per ring
 * ({@code IORING_SETUP_SINGLE_ISSUER}, {@code DEFER_TASKRUN}; DESIGN.md §2), and whether channel buffers in
 * {@code /dev/shm} can be registered as fixed buffers (DESIGN.md §3).
 *
 * <p>Where io_uring is missing the store still runs on the {@code portable} (FileChannel) backend, so every io_uring
 * finding is at worst a warning. The switch {@code kernel.io_uring_disabled} (Linux 6.6+) is read first: at 2 the
 * kernel refuses every ring and probing is pointless; at 1 only root and members of {@code kernel.io_uring_group}
 * may create rings, so the probe decides.
 */
public final class IoUringCheck {
    public static final String NAME = "io_uring";
    public static final String FLAGS_NAME = "io_uring setup flags";
    public static final String FIXED_BUFFERS_NAME = "io_uring fixed buffers";

    private static final String PORTABLE = "pagestore will use the portable backend (FileChannel: correct, but one "
            + "system call per I/O and no batching)";

    private IoUringCheck() {
    }

    /** The checks for this machine: the real sysctl and a real probe. */
    public static List<Check> run() {
        return run(IoUringProbe.DISABLED_SYSCTL, IoUringProbe::run);
    }

    /**
     * The checks with the {@code io_uring_disabled} switch read from {@code disabledSysctl} (absent on kernels before
     * 6.6) and the kernel probed through {@code probe} unless the switch already says no.
     */
    public static List<Check> run(Path disabledSysctl, Supplier<IoUringProbe> probe) {
        String disabled = readSysctl(disabledSysctl);
        if (disabled.equals("2")) {
            return List.of(Check.warn(NAME, "disabled for every process: " + disabledSysctl + " is 2",
                    PORTABLE + "; to enable io_uring run (as root) sysctl -w kernel.io_uring_disabled=0 and persist "
                            + "it in /etc/sysctl.d/"));
        }
        return of(disabledSysctl, disabled, probe.get());
    }

    /**
     * The checks for a finished probe.
     *
     * @param disabledSysctl where the switch was read, for messages
     * @param disabled       the switch's value, empty when the kernel has none
     * @param probe          what the kernel accepted
     */
    public static List<Check> of(Path disabledSysctl, String disabled, IoUringProbe probe) {
        String restriction = disabled.equals("1")
                ? " (restricted to root and kernel.io_uring_group: " + disabledSysctl + " is 1)" : "";
        if (!probe.available()) {
            return List.of(Check.warn(NAME, "io_uring_setup refused: " + probe.unavailableReason(),
                    PORTABLE + "; " + howToEnable(disabled, probe.unavailableReason())));
        }
        Check available = Check.ok(NAME, "available, kernel " + System.getProperty("os.version", "?") + restriction);
        return List.of(available, flags(probe), fixedBuffers(probe));
    }

    private static String howToEnable(String disabled, String reason) {
        if (disabled.equals("1")) {
            return "run as root, or add this user to the group in /proc/sys/kernel/io_uring_group, or set "
                    + "sysctl kernel.io_uring_disabled=0";
        }
        if (reason.startsWith("EPERM")) {
            return "a seccomp profile blocks io_uring (Docker 25+ does by default): run the container with a "
                    + "profile that allows io_uring_setup/enter/register";
        }
        if (reason.startsWith("ENOSYS")) {
            return "the kernel has no io_uring (older than 5.1 or built without CONFIG_IO_URING): use Linux 6.1+";
        }
        return "check dmesg and the kernel's io_uring settings";
    }

    private static Check flags(IoUringProbe probe) {
        if (probe.singleIssuer() && probe.deferTaskrun()) {
            return Check.ok(FLAGS_NAME, "SINGLE_ISSUER and DEFER_TASKRUN accepted: the kernel enforces one "
                    + "submitting thread per ring");
        }
        if (probe.singleIssuer()) {
            return Check.warn(FLAGS_NAME, "SINGLE_ISSUER accepted, DEFER_TASKRUN refused (needs Linux 6.1+)",
                    "completion work runs on any system call instead of when the reactor reaps; "
                            + "upgrade to Linux 6.1+");
        }
        return Check.warn(FLAGS_NAME, "SINGLE_ISSUER and DEFER_TASKRUN refused (need Linux 6.0 and 6.1+)",
                "queue pair ownership is still enforced in Java, but the kernel does not double-check it; "
                        + "upgrade to Linux 6.1+");
    }

    private static Check fixedBuffers(IoUringProbe probe) {
        if (probe.sharedMemoryFixedBuffers()) {
            return Check.ok(FIXED_BUFFERS_NAME, "a /dev/shm page registers as a fixed buffer: the device can read "
                    + "and write channel buffers without per-I/O page pinning");
        }
        String advice = probe.fixedBuffersDetail().startsWith("ENOMEM")
                ? "registered buffers count against RLIMIT_MEMLOCK: raise it (see the memlock line)"
                : "page buffers will be passed unregistered (pinned per I/O, a little slower)";
        return Check.warn(FIXED_BUFFERS_NAME, "registering /dev/shm memory refused: " + probe.fixedBuffersDetail(),
                advice);
    }

    /** The trimmed content of the sysctl file, or empty when it does not exist (kernels before 6.6). */
    static String readSysctl(Path sysctl) {
        try {
            return Files.readString(sysctl).trim();
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            // Unreadable (odd permissions or a restricted /proc): let the probe decide.
            return "";
        }
    }
}
