package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.ipc.linux.IoUringProbe;
import dev.pagestore.ipc.linux.IoUringSyscalls;
import dev.pagestore.ipc.linux.Libc;
import dev.pagestore.ipc.linux.LibcMemory;
import dev.pagestore.ipc.linux.LibcFiles;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates an io_uring instance and maps its three regions: {@code io_uring_setup} with the flags pagestore wants
 * (dropping, newest first and with one log line each, any the kernel refuses with {@code EINVAL}), then mmap of the SQ
 * ring, the CQ ring (the same mapping with {@code IORING_FEAT_SINGLE_MMAP}) and the SQE array. A kernel that refuses
 * io_uring altogether gets one actionable message.
 */
final class IoUringSetup {
    private static final Logger LOG = LoggerFactory.getLogger(IoUring.class);

    private static final AtomicBoolean LOGGED_NO_TASKRUN_FLAG = new AtomicBoolean();
    private static final AtomicBoolean LOGGED_NO_DEFER_TASKRUN = new AtomicBoolean();
    private static final AtomicBoolean LOGGED_NO_SINGLE_ISSUER = new AtomicBoolean();
    private static final AtomicBoolean LOGGED_NO_SUBMIT_ALL = new AtomicBoolean();

    /**
     * A set-up ring: its fd, the flags the kernel accepted, the params it filled (in the caller's arena), and the
     * mappings, each exactly the size that was mapped.
     */
    record Mapped(int ringFd, int setupFlags, MemorySegment params, MemorySegment sqRing, MemorySegment cqRing,
                  MemorySegment sqes, boolean singleMmap) {

        /** Unmaps everything and closes the ring fd, logging what failed (nothing can be done about it then). */
        void unmapAndClose() {
            logIfFailed(LibcMemory.munmap(sqes.address(), sqes.byteSize()), "munmap SQEs");
            if (!singleMmap) {
                logIfFailed(LibcMemory.munmap(cqRing.address(), cqRing.byteSize()), "munmap CQ ring");
            }
            logIfFailed(LibcMemory.munmap(sqRing.address(), sqRing.byteSize()), "munmap SQ ring");
            logIfFailed(LibcFiles.close(ringFd), "close");
        }

        private void logIfFailed(long result, String what) {
            if (result < 0) {
                LOG.warn("io_uring ring fd={}: {} failed: {}", ringFd, what, Errno.describe((int) -result));
            }
        }
    }

    private IoUringSetup() {
    }

    /**
     * Sets up and maps a ring; on failure everything acquired here is released before the exception propagates.
     *
     * @param arena where the params structure is allocated (owned by the caller)
     */
    @SuppressWarnings("restricted")  // reinterpret: each segment has exactly the size mmap was given
    static Mapped create(IoUringOptions options, Arena arena) throws IOException {
        boolean success = false;
        int ringFd = -1;
        long sqRingAddress = 0;
        long sqRingSize = 0;
        long cqRingAddress = 0;
        long cqRingSize = 0;
        long sqesAddress = 0;
        long sqesSize = 0;
        try {
            MemorySegment params = arena.allocate(IoUringParamsDescriptor.SIZE, 8);
            int flags = IoUringSyscalls.SETUP_SUBMIT_ALL
                    | (options.singleIssuer() ? IoUringSyscalls.SETUP_SINGLE_ISSUER : 0)
                    | (options.deferTaskrun()
                            ? IoUringSyscalls.SETUP_DEFER_TASKRUN | IoUringSyscalls.SETUP_TASKRUN_FLAG : 0);
            while (true) {
                params.fill((byte) 0);
                params.set(JAVA_INT, IoUringParamsDescriptor.FLAGS_OFFSET, flags);
                ringFd = IoUringSyscalls.setup(options.entries(), params);
                if (ringFd >= 0) {
                    break;
                }
                int errno = -ringFd;
                if (errno == Errno.EINVAL.number() && flags != 0) {
                    flags = dropNewestFlag(flags);  // the kernel predates a flag we asked for
                    continue;
                }
                throw setupFailure(errno, options.entries());
            }
            IoUringParamsDescriptor.checkFilledByKernel(params);
            int sq = IoUringParamsDescriptor.SQ_OFF_OFFSET;
            int cq = IoUringParamsDescriptor.CQ_OFF_OFFSET;
            int sqEntries = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.SQ_ENTRIES_OFFSET);
            int cqEntries = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.CQ_ENTRIES_OFFSET);
            int features = IoUringParamsDescriptor.u32(params, IoUringParamsDescriptor.FEATURES_OFFSET);
            sqRingSize = IoUringParamsDescriptor.u32(params, sq + IoUringParamsDescriptor.SQ_OFF_ARRAY) + 4L * sqEntries;
            cqRingSize = IoUringParamsDescriptor.u32(params, cq + IoUringParamsDescriptor.CQ_OFF_CQES)
                    + (long) CqeDescriptor.SIZE * cqEntries;
            boolean singleMmap = (features & IoUringParamsDescriptor.FEAT_SINGLE_MMAP) != 0;
            if (singleMmap) {
                sqRingSize = Math.max(sqRingSize, cqRingSize);
                cqRingSize = sqRingSize;
            }
            sqRingAddress = map(ringFd, sqRingSize, IoUringParamsDescriptor.IORING_OFF_SQ_RING, "SQ ring");
            cqRingAddress = singleMmap ? sqRingAddress
                    : map(ringFd, cqRingSize, IoUringParamsDescriptor.IORING_OFF_CQ_RING, "CQ ring");
            sqesSize = (long) SqeDescriptor.SIZE * sqEntries;
            sqesAddress = map(ringFd, sqesSize, IoUringParamsDescriptor.IORING_OFF_SQES, "SQE array");
            MemorySegment sqRing = MemorySegment.ofAddress(sqRingAddress).reinterpret(sqRingSize);
            MemorySegment cqRing = singleMmap ? sqRing : MemorySegment.ofAddress(cqRingAddress).reinterpret(cqRingSize);
            MemorySegment sqes = MemorySegment.ofAddress(sqesAddress).reinterpret(sqesSize);
            success = true;
            return new Mapped(ringFd, flags, params, sqRing, cqRing, sqes, singleMmap);
        } finally {
            if (!success) {
                if (sqesAddress > 0) {
                    LibcMemory.munmap(sqesAddress, sqesSize);
                }
                if (cqRingAddress > 0 && cqRingAddress != sqRingAddress) {
                    LibcMemory.munmap(cqRingAddress, cqRingSize);
                }
                if (sqRingAddress > 0) {
                    LibcMemory.munmap(sqRingAddress, sqRingSize);
                }
                if (ringFd >= 0) {
                    LibcFiles.close(ringFd);
                }
            }
        }
    }

    /** Removes the newest setup flag still requested, logging the fallback once per JVM. */
    static int dropNewestFlag(int flags) {
        if ((flags & IoUringSyscalls.SETUP_TASKRUN_FLAG) != 0) {
            if (LOGGED_NO_TASKRUN_FLAG.compareAndSet(false, true)) {
                LOG.info("io_uring: kernel refuses the ring's setup flags; trying without IORING_SETUP_TASKRUN_FLAG (then"
                        + " a reap that finds the completion queue empty enters the kernel to look)");
            }
            return flags & ~IoUringSyscalls.SETUP_TASKRUN_FLAG;
        }
        if ((flags & IoUringSyscalls.SETUP_DEFER_TASKRUN) != 0) {
            if (LOGGED_NO_DEFER_TASKRUN.compareAndSet(false, true)) {
                LOG.info("io_uring: kernel refuses IORING_SETUP_DEFER_TASKRUN (needs Linux 6.1+); completion work "
                        + "will run as ordinary task work");
            }
            return flags & ~IoUringSyscalls.SETUP_DEFER_TASKRUN;
        }
        if ((flags & IoUringSyscalls.SETUP_SINGLE_ISSUER) != 0) {
            if (LOGGED_NO_SINGLE_ISSUER.compareAndSet(false, true)) {
                LOG.info("io_uring: kernel refuses IORING_SETUP_SINGLE_ISSUER (needs Linux 6.0+); ring ownership is "
                        + "enforced by pagestore's owner-thread check only");
            }
            return flags & ~IoUringSyscalls.SETUP_SINGLE_ISSUER;
        }
        if ((flags & IoUringSyscalls.SETUP_SUBMIT_ALL) != 0) {
            if (LOGGED_NO_SUBMIT_ALL.compareAndSet(false, true)) {
                LOG.info("io_uring: kernel refuses IORING_SETUP_SUBMIT_ALL (needs Linux 5.18+); a batch stops at a "
                        + "malformed entry and the rest is submitted by another io_uring_enter");
            }
            return flags & ~IoUringSyscalls.SETUP_SUBMIT_ALL;
        }
        assert false : "no flag left to drop from 0x" + Integer.toHexString(flags);
        return 0;
    }

    /** The exception for a failed {@code io_uring_setup}: one actionable message when the kernel refuses io_uring. */
    static IOException setupFailure(int errno, int entries) {
        if (errno == Errno.ENOSYS.number()) {
            return new IoUringUnavailableException("io_uring is not available: io_uring_setup failed with "
                    + Errno.describe(errno) + ". The kernel is older than 5.1, or a seccomp profile (for example a "
                    + "container runtime's default) blocks io_uring system calls. Allow io_uring_setup/enter/register "
                    + "in the profile, or use the portable backend.");
        }
        if (errno == Errno.EPERM.number()) {
            String sysctl = IoUringProbe.readSysctl();
            return new IoUringUnavailableException("io_uring is not available: io_uring_setup failed with "
                    + Errno.describe(errno) + "; " + IoUringProbe.DISABLED_SYSCTL + " is "
                    + (sysctl.isEmpty() ? "absent" : sysctl) + ". Set it to 0 (sysctl -w kernel.io_uring_disabled=0),"
                    + " or with 1 add this user to kernel.io_uring_group, or use the portable backend.");
        }
        if (errno == Errno.ENOMEM.number()) {
            return new ErrnoException("io_uring_setup", "entries=" + entries + " (ring memory counts against "
                    + "RLIMIT_MEMLOCK before Linux 5.12; raise ulimit -l or use fewer entries)", errno);
        }
        return new ErrnoException("io_uring_setup", "entries=" + entries, errno);
    }

    private static long map(int ringFd, long size, long offset, String what) throws ErrnoException {
        long address = LibcMemory.mmap(0, size, LibcMemory.PROT_READ | LibcMemory.PROT_WRITE, LibcMemory.MAP_SHARED | LibcMemory.MAP_POPULATE,
                ringFd, offset);
        return Libc.check(address, "mmap", "io_uring " + what + " (" + size + " bytes at 0x"
                + Long.toHexString(offset) + ")");
    }
}
