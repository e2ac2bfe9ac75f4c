package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the running kernel's io_uring accepts: plain setup, the setup flags pagestore wants, and fixed buffers that
 * live in a {@code /dev/shm} mapping. Each probe creates a tiny ring and closes it at once.
 *
 * @param available        whether {@code io_uring_setup} works at all
 * @param unavailableReason why not (errno, {@code io_uring_disabled}), or empty
 * @param singleIssuer     {@code IORING_SETUP_SINGLE_ISSUER} accepted (Linux 6.0+)
 * @param deferTaskrun     {@code IORING_SETUP_DEFER_TASKRUN} accepted (Linux 6.1+, needs SINGLE_ISSUER)
 * @param sharedMemoryFixedBuffers {@code IORING_REGISTER_BUFFERS} accepted on a {@code /dev/shm} mapping
 * @param fixedBuffersDetail the errno when fixed buffers were refused, or empty
 */
public record IoUringProbe(boolean available, String unavailableReason, boolean singleIssuer, boolean deferTaskrun,
                           boolean sharedMemoryFixedBuffers, String fixedBuffersDetail) {

    /** {@code /proc/sys/kernel/io_uring_disabled}: 0 enabled, 1 limited to a group, 2 disabled (Linux 6.6+). */
    public static final Path DISABLED_SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");

    /** Runs every probe. Never throws for a missing feature: the answer says what is missing. */
    public static IoUringProbe run() {
        int plain = trySetup(0);
        if (plain < 0) {
            String reason = Errno.describe(-plain);
            String sysctl = readSysctl();
            if (!sysctl.isEmpty() && !sysctl.equals("0")) {
                reason += "; " + DISABLED_SYSCTL + " is " + sysctl;
            }
            return new IoUringProbe(false, reason, false, false, false, "");
        }
        boolean single = trySetup(IoUringSyscalls.SETUP_SINGLE_ISSUER) >= 0;
        boolean defer = single
                && trySetup(IoUringSyscalls.SETUP_SINGLE_ISSUER | IoUringSyscalls.SETUP_DEFER_TASKRUN) >= 0;
        int fixed = tryRegisterSharedMemoryBuffer();
        return new IoUringProbe(true, "", single, defer, fixed >= 0, fixed >= 0 ? "" : Errno.describe(-fixed));
    }

    /** The sysctl's value, or empty when the kernel has no such switch. */
    public static String readSysctl() {
        try {
            return Files.readString(DISABLED_SYSCTL).trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static int trySetup(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(IoUringSyscalls.PARAMS_SIZE, 8);
            params.set(JAVA_INT, IoUringSyscalls.PARAMS_FLAGS_OFFSET, flags);
            int fd = IoUringSyscalls.setup(4, params);
            if (fd >= 0) {
                LibcFiles.close(fd);
            }
            return fd;
        }
    }

    /** Registers one 4 KiB buffer inside a fresh /dev/shm region; returns 0 or {@code -errno}. */
    private static int tryRegisterSharedMemoryBuffer() {
        String name = "pagestore-probe-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (Arena arena = Arena.ofConfined();
             SharedMemoryRegion region = SharedMemoryRegion.create(name, 4096)) {
            region.unlink();
            MemorySegment params = arena.allocate(IoUringSyscalls.PARAMS_SIZE, 8);
            int fd = IoUringSyscalls.setup(4, params);
            if (fd < 0) {
                return fd;
            }
            try {
                MemorySegment iovec = arena.allocate(16, 8);
                iovec.set(JAVA_LONG, 0, region.segment().address());
                iovec.set(JAVA_LONG, 8, 4096);
                return IoUringSyscalls.register(fd, IoUringSyscalls.REGISTER_BUFFERS, iovec.address(), 1);
            } finally {
                LibcFiles.close(fd);
            }
        } catch (IOException e) {
            return -Errno.ENOENT.number();
        }
    }
}
