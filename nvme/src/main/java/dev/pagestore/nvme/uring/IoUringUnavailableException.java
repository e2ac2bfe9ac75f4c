package dev.pagestore.nvme.uring;

import java.io.IOException;

/**
 * The kernel refuses io_uring altogether ({@code ENOSYS}: too old, or blocked by a seccomp profile; {@code EPERM}:
 * {@code /proc/sys/kernel/io_uring_disabled}). The message says what is missing and what to do; callers fall back to
 * the portable backend.
 */
public final class IoUringUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public IoUringUnavailableException(String message) {
        super(message);
    }
}
