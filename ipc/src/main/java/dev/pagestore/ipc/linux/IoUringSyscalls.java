package dev.pagestore.ipc.linux;

import java.lang.foreign.MemorySegment;

/**
 * The three raw io_uring system calls (see {@code io_uring_setup(2)}, {@code io_uring_enter(2)},
 * {@code io_uring_register(2)}). The ring itself, its mmapped queues and its SQE/CQE layouts live in the {@code nvme}
 * module; this class only makes the calls, so that system call numbers stay in one place (DESIGN.md §7).
 *
 * <p>Every method returns the kernel's result or {@code -errno}; mapping the errno is the caller's job.
 */
public final class IoUringSyscalls {
    /** {@code struct io_uring_params} is 120 bytes. */
    public static final int PARAMS_SIZE = 120;
    public static final int PARAMS_FLAGS_OFFSET = 8;
    public static final int PARAMS_FEATURES_OFFSET = 20;

    // Setup flags (include/uapi/linux/io_uring.h).
    public static final int SETUP_CLAMP = 1 << 4;
    public static final int SETUP_SUBMIT_ALL = 1 << 7;
    public static final int SETUP_COOP_TASKRUN = 1 << 8;
    public static final int SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int SETUP_DEFER_TASKRUN = 1 << 13;

    // io_uring_enter flags.
    public static final int ENTER_GETEVENTS = 1;

    // io_uring_register opcodes.
    public static final int REGISTER_BUFFERS = 0;
    public static final int UNREGISTER_BUFFERS = 1;
    public static final int REGISTER_FILES = 2;
    public static final int UNREGISTER_FILES = 3;
    /** Takes a {@code struct io_uring_rsrc_register} (32 bytes); with {@link #RSRC_REGISTER_SPARSE}, an empty table. */
    public static final int REGISTER_BUFFERS2 = 15;
    /** Takes a {@code struct io_uring_rsrc_update2} (32 bytes): replaces entries of the buffer table. */
    public static final int REGISTER_BUFFERS_UPDATE = 16;
    public static final int RSRC_REGISTER_SPARSE = 1;
    /** {@code sizeof(struct io_uring_rsrc_register)} and {@code sizeof(struct io_uring_rsrc_update2)}. */
    public static final int RSRC_STRUCT_BYTES = 32;

    private IoUringSyscalls() {
    }

    /** {@code io_uring_setup(entries, params)}: a ring fd or {@code -errno}. */
    public static int setup(int entries, MemorySegment params) {
        return (int) Libc.syscall(Arch.CURRENT.sysIoUringSetup, entries, params.address(), 0, 0, 0, 0);
    }

    /** {@code io_uring_enter(fd, toSubmit, minComplete, flags, NULL, 0)}: SQEs consumed or {@code -errno}. */
    public static int enter(int ringFd, int toSubmit, int minComplete, int flags) {
        return (int) Libc.syscall(Arch.CURRENT.sysIoUringEnter, ringFd, toSubmit, minComplete, flags, 0, 0);
    }

    /** {@code io_uring_register(fd, opcode, arg, count)}: 0 (or a count) or {@code -errno}. */
    public static int register(int ringFd, int opcode, long argAddress, int count) {
        return (int) Libc.syscall(Arch.CURRENT.sysIoUringRegister, ringFd, opcode, argAddress, count, 0, 0);
    }

    /**
     * {@code io_uring_enter(fd, toSubmit, minComplete, flags, arg, argSize)}: the six-argument form, used with
     * {@link #ENTER_EXT_ARG} to pass a {@code struct io_uring_getevents_arg} (a wait timeout) (Linux 5.11+).
     *
     * @return SQEs consumed or {@code -errno} ({@code -ETIME} when the wait timed out)
     */
    public static int enter(int ringFd, int toSubmit, int minComplete, int flags, long argAddress, long argSize) {
        return (int) Libc.syscall(Arch.CURRENT.sysIoUringEnter, ringFd, toSubmit, minComplete, flags, argAddress,
                argSize);
    }

    /** {@code IORING_ENTER_EXT_ARG}: the fifth argument is a {@code struct io_uring_getevents_arg}. */
    public static final int ENTER_EXT_ARG = 1 << 3;
}
