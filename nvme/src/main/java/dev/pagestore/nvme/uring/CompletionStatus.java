package dev.pagestore.nvme.uring;

import dev.pagestore.ipc.linux.Errno;

/**
 * What a completion's {@code res} means for the operation that produced it: errno mapped per operation (STYLE.md).
 *
 * <ul>
 *   <li>Expected device and file-system outcomes are typed results: {@link #IO_ERROR} ({@code EIO}),
 *       {@link #NO_SPACE} ({@code ENOSPC}, {@code EDQUOT}), {@link #CANCELED}.</li>
 *   <li>{@link #RETRY}: {@code EAGAIN}/{@code EINTR} in a CQE mean the request was not performed and may simply be
 *       issued again (reads and whole-page writes are idempotent).</li>
 *   <li>Programmer errors ({@code EFAULT}: a buffer address the kernel cannot use; {@code EBADF}: a descriptor or
 *       registered index that is not open) throw {@link IllegalStateException}: retrying cannot help and carrying on
 *       would hide a bug.</li>
 *   <li>Anything else is {@link #UNKNOWN_ERROR}; {@link #describe(UringOp, int)} names the operation and the errno.</li>
 * </ul>
 */
public enum CompletionStatus {
    /** {@code res >= 0}: bytes transferred, or 0 for FSYNC, a woken futex wait and a cancellation that found its target. */
    OK,
    /** {@code EIO}: the device failed the request. */
    IO_ERROR,
    /** {@code ENOSPC} or {@code EDQUOT}: no space for a write (or for the blocks an fsync must allocate). */
    NO_SPACE,
    /** {@code EINVAL} on a READ/WRITE: misaligned for {@code O_DIRECT} (buffer, offset or length), or not supported. */
    INVALID,
    /** {@code EAGAIN} or {@code EINTR}: not performed, safe to issue again. */
    RETRY,
    /** {@code ECANCELED}: an {@code ASYNC_CANCEL} (or ring shutdown) cancelled the operation before it ran. */
    CANCELED,
    /** {@code ENOENT} on an ASYNC_CANCEL: the target had already completed (or never existed). */
    CANCEL_TARGET_NOT_FOUND,
    /** {@code EALREADY} on an ASYNC_CANCEL: the target is running and cannot be stopped; its completion will come. */
    CANCEL_TARGET_RUNNING,
    /** {@code EOPNOTSUPP} on a FALLOCATE: the file system cannot zero a range this way. */
    UNSUPPORTED,
    /** An errno this mapping does not know for this operation. */
    UNKNOWN_ERROR;

    /** Linux {@code ETIME}, not in {@link Errno}: a timed {@code io_uring_enter} wait ran out. */
    static final int ETIME = 62;
    /** Linux {@code EALREADY}. */
    static final int EALREADY = 114;

    /**
     * Classifies {@code result} for {@code op}.
     *
     * @throws IllegalStateException for {@code EFAULT} and {@code EBADF}, which only a programming error produces
     */
    public static CompletionStatus of(UringOp op, int result) {
        if (result >= 0) {
            return OK;
        }
        int errno = -result;
        if (errno == Errno.EFAULT.number() || errno == Errno.EBADF.number()) {
            throw new IllegalStateException(describe(op, result)
                    + " — a programming error (a buffer or file descriptor the kernel cannot use), not a device fault");
        }
        if (errno == Errno.ECANCELED.number()) {
            return CANCELED;
        }
        if (errno == Errno.EINTR.number() || errno == Errno.EAGAIN.number()) {
            return RETRY;  // the kernel did not perform the request; issuing it again is safe
        }
        return switch (op) {
            case READ, WRITE, FSYNC -> {
                if (errno == Errno.EIO.number()) {
                    yield IO_ERROR;
                }
                if (errno == Errno.ENOSPC.number() || errno == Errno.EDQUOT.number()) {
                    yield NO_SPACE;
                }
                if (errno == Errno.EINVAL.number() && op != UringOp.FSYNC) {
                    yield INVALID;
                }
                yield UNKNOWN_ERROR;
            }
            case FALLOCATE -> {
                if (errno == Errno.EIO.number()) {
                    yield IO_ERROR;
                }
                if (errno == Errno.ENOSPC.number() || errno == Errno.EDQUOT.number()) {
                    yield NO_SPACE;
                }
                if (errno == Errno.EOPNOTSUPP.number()) {
                    yield UNSUPPORTED;
                }
                yield errno == Errno.EINVAL.number() ? INVALID : UNKNOWN_ERROR;
            }
            case ASYNC_CANCEL -> {
                if (errno == Errno.ENOENT.number()) {
                    yield CANCEL_TARGET_NOT_FOUND;
                }
                yield errno == EALREADY ? CANCEL_TARGET_RUNNING : UNKNOWN_ERROR;
            }
            case FUTEX_WAITV -> errno == Errno.EINVAL.number() || errno == Errno.EOPNOTSUPP.number() ? UNSUPPORTED
                    : UNKNOWN_ERROR;
        };
    }

    /** {@code "READ failed: EIO (5): Input/output error"}, or {@code "READ transferred 4096 bytes"}. */
    public static String describe(UringOp op, int result) {
        if (result >= 0) {
            return op + " completed with result " + result;
        }
        int errno = -result;
        String name = errno == ETIME ? "ETIME (62): Timer expired"
                : errno == EALREADY ? "EALREADY (114): Operation already in progress"
                : Errno.describe(errno);
        return op + " failed: " + name;
    }
}
