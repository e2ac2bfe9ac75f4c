package dev.pagestore.ipc.linux;

/**
 * The CPU architectures whose Linux system call numbers this project knows. Anything else fails at class load with a
 * message that names the architecture, rather than calling the wrong system call.
 */
public enum Arch {
    X86_64(202, 332, 425, 426, 427, 449, 186, 273),
    AARCH64(98, 291, 425, 426, 427, 449, 178, 99);

    /** The architecture of the running JVM. */
    public static final Arch CURRENT = detect();

    public final long sysFutex;
    public final long sysStatx;
    public final long sysIoUringSetup;
    public final long sysIoUringEnter;
    public final long sysIoUringRegister;
    public final long sysFutexWaitv;
    public final long sysGettid;
    public final long sysSetRobustList;

    Arch(long sysFutex, long sysStatx, long sysIoUringSetup, long sysIoUringEnter, long sysIoUringRegister,
         long sysFutexWaitv, long sysGettid, long sysSetRobustList) {
        this.sysFutex = sysFutex;
        this.sysStatx = sysStatx;
        this.sysIoUringSetup = sysIoUringSetup;
        this.sysIoUringEnter = sysIoUringEnter;
        this.sysIoUringRegister = sysIoUringRegister;
        this.sysFutexWaitv = sysFutexWaitv;
        this.sysGettid = sysGettid;
        this.sysSetRobustList = sysSetRobustList;
    }

    private static Arch detect() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        if (!"Linux".equals(os)) {
            throw new ExceptionInInitializerError(
                    "pagestore's native layer needs Linux; this JVM runs on " + os + " (" + arch + ")");
        }
        return switch (arch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new ExceptionInInitializerError(
                    "pagestore knows the Linux system call numbers of x86_64 and aarch64, not of " + arch);
        };
    }
}
