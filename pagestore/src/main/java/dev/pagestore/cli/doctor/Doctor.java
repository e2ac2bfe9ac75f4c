package dev.pagestore.cli.doctor;

import dev.pagestore.ipc.linux.IoUringProbe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Runs every check and collects the report. Each check is guarded: an exception nobody expected becomes a
 * {@link Status#FAIL} line carrying its message, never a stack trace, and the remaining checks still run.
 */
public final class Doctor {

    private Doctor() {
    }

    /**
     * What the doctor looks at: {@link #forMachine} this machine's.
     *
     * @param dataDir               the directory the store would keep its files in
     * @param dataDirExplicit       whether the user named it (a missing named directory fails; the default is created
     *                              on first start, so its parent is tested)
     * @param sharedMemoryDir       normally {@code /dev/shm}
     * @param ioUringDisabledSysctl normally {@code /proc/sys/kernel/io_uring_disabled}
     * @param ioUringProbe          runs the io_uring probe (only called when the sysctl allows io_uring)
     * @param pathEnv               the {@code PATH} to search for tools, may be null
     */
    public record Environment(Path dataDir, boolean dataDirExplicit, Path sharedMemoryDir,
                              Path ioUringDisabledSysctl, Supplier<IoUringProbe> ioUringProbe, String pathEnv) {
        public Environment {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(sharedMemoryDir, "sharedMemoryDir");
            Objects.requireNonNull(ioUringDisabledSysctl, "ioUringDisabledSysctl");
            Objects.requireNonNull(ioUringProbe, "ioUringProbe");
        }

        /** This machine, with the data directory the user chose. */
        public static Environment forMachine(Path dataDir, boolean dataDirExplicit) {
            return new Environment(dataDir, dataDirExplicit, SharedMemoryCheck.DEFAULT_PATH,
                    IoUringProbe.DISABLED_SYSCTL, IoUringProbe::run, System.getenv("PATH"));
        }
    }

    /** Every check, in report order. */
    public static DoctorReport examine(Environment environment) {
        List<Check> checks = new ArrayList<>();
        guarded(checks, JavaRuntimeCheck.NAME, () -> List.of(JavaRuntimeCheck.run()));
        guarded(checks, CpuCheck.NAME, () -> List.of(CpuCheck.run()));
        guarded(checks, IoUringCheck.NAME,
                () -> IoUringCheck.run(environment.ioUringDisabledSysctl(), environment.ioUringProbe()));
        guarded(checks, MemlockCheck.NAME, () -> List.of(MemlockCheck.run()));
        guarded(checks, SharedMemoryCheck.NAME, () -> List.of(SharedMemoryCheck.of(environment.sharedMemoryDir())));
        guarded(checks, DirectIoCheck.NAME,
                () -> List.of(DirectIoCheck.of(environment.dataDir(), environment.dataDirExplicit())));
        guarded(checks, FioCheck.NAME, () -> List.of(FioCheck.of(environment.pathEnv())));
        return new DoctorReport(checks);
    }

    /** A check body that may throw anything, checked exceptions included. */
    @FunctionalInterface
    interface CheckBody {
        List<Check> run() throws Exception;
    }

    static void guarded(List<Check> into, String name, CheckBody body) {
        try {
            into.addAll(body.run());
        } catch (Exception | LinkageError e) {
            // LinkageError: a native binding that cannot be made (missing libc symbol) surfaces as an
            // UnsatisfiedLinkError or ExceptionInInitializerError; it is a finding about this machine, not a crash.
            into.add(Check.fail(name, "check failed unexpectedly: " + describe(e),
                    "report this with the output of bin/pagestore doctor"));
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + root.getMessage();
        return root.getClass().getSimpleName() + message;
    }
}
