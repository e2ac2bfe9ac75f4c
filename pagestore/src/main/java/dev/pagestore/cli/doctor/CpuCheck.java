package dev.pagestore.cli.doctor;

/**
 * CPUs available to this process. Reactors and the WAL writer are pinned to their own cores only when there are
 * enough cores to leave the JVM, the control thread and the workers room (DESIGN.md §6, CPU placement).
 */
public final class CpuCheck {
    public static final String NAME = "CPUs";
    /** Fewer CPUs than this and pinning is skipped. */
    public static final int PINNING_CPUS_MIN = 4;

    private CpuCheck() {
    }

    public static Check run() {
        return of(Runtime.getRuntime().availableProcessors());
    }

    public static Check of(int cpuCount) {
        if (cpuCount < 1) {
            throw new IllegalArgumentException("cpuCount=" + cpuCount + " must be at least 1");
        }
        String detail = cpuCount + " available to this process";
        if (cpuCount >= PINNING_CPUS_MIN) {
            return Check.ok(NAME, detail + "; reactors and the WAL writer can be pinned to cores");
        }
        return Check.warn(NAME, detail,
                "with fewer than " + PINNING_CPUS_MIN + " CPUs reactors and the WAL writer are not pinned to cores "
                        + "and the default wait strategy blocks instead of spinning; fine for development, "
                        + "give it " + PINNING_CPUS_MIN + "+ CPUs for measurements");
    }
}
