package dev.pagestore.ipc.linux;

import java.io.IOException;

/**
 * A system call failed with an errno that the caller did not map to something more specific. The message names the
 * operation, its subject and the error: {@code "open /dev/shm/x: EACCES (13): Permission denied"}.
 */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;

    public ErrnoException(String operation, String subject, int errno) {
        super(operation + (subject == null || subject.isEmpty() ? "" : " " + subject) + ": " + Errno.describe(errno));
        this.operation = operation;
        this.errno = errno;
    }

    /** The system call or libc function that failed, for example {@code "io_uring_setup"}. */
    public String operation() {
        return operation;
    }

    /** The raw errno value. */
    public int errnoNumber() {
        return errno;
    }

    /** The named errno, or {@link Errno#UNKNOWN}. */
    public Errno errno() {
        return Errno.of(errno);
    }
}
