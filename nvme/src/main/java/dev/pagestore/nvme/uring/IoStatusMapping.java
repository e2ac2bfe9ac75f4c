package dev.pagestore.nvme.uring;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.nvme.IoStatus;

/**
 * A command's CQE {@code res} as the queue pair's {@link IoStatus}, per operation (STYLE.md: every errno mapped per
 * operation). The errno itself always travels beside the status as {@link dev.pagestore.nvme.StatusDetail#errno}.
 *
 * <table>
 *   <caption>errno → IoStatus</caption>
 *   <tr><th>errno</th><th>READ / WRITE</th><th>FSYNC (flush)</th><th>FALLOCATE (write-zeroes)</th></tr>
 *   <tr><td>none ({@code res >= 0})</td><td>OK, {@code res} bytes (fewer than asked: SHORT_TRANSFER, decided by
 *       the queue pair)</td><td>OK</td><td>OK</td></tr>
 *   <tr><td>EIO</td><td>IO_ERROR (transient: retried)</td><td>IO_ERROR (a flush is never retried: fsyncgate)</td>
 *       <td>IO_ERROR</td></tr>
 *   <tr><td>ENOSPC, EDQUOT</td><td>NO_SPACE</td><td>NO_SPACE</td><td>NO_SPACE</td></tr>
 *   <tr><td>EAGAIN, EINTR</td><td colspan="3">BUSY: the kernel did not perform the request, issuing it again is
 *       safe (reads, whole-block writes, fdatasync and zeroing are idempotent)</td></tr>
 *   <tr><td>ECANCELED</td><td colspan="3">ABORTED: an ASYNC_CANCEL (after a timeout) or the ring's shutdown
 *       stopped it before it ran</td></tr>
 *   <tr><td>EINVAL</td><td>INVALID (O_DIRECT alignment, or a range the file does not allow)</td><td>UNSUPPORTED
 *       (the file cannot be synced)</td><td>INVALID</td></tr>
 *   <tr><td>EOPNOTSUPP</td><td colspan="2">UNSUPPORTED</td><td>UNSUPPORTED (the file system cannot zero a range;
 *       tmpfs)</td></tr>
 *   <tr><td>EFAULT, EBADF</td><td colspan="3">INVALID, and reported as a programming error by the caller (a buffer
 *       or descriptor the kernel cannot use; retrying cannot help)</td></tr>
 *   <tr><td>anything else</td><td colspan="3">IO_ERROR, the errno in the detail names it</td></tr>
 * </table>
 */
final class IoStatusMapping {
    private IoStatusMapping() {
    }

    /** The status of a command of {@code op} whose CQE carried {@code res}. */
    static IoStatus of(UringOp op, int res) {
        if (res >= 0) {
            return IoStatus.OK;
        }
        int errno = -res;
        if (errno == Errno.EIO.number()) {
            return IoStatus.IO_ERROR;
        }
        if (errno == Errno.ENOSPC.number() || errno == Errno.EDQUOT.number()) {
            return IoStatus.NO_SPACE;
        }
        if (errno == Errno.EAGAIN.number() || errno == Errno.EINTR.number()) {
            return IoStatus.BUSY;  // not performed; safe to issue again
        }
        if (errno == Errno.ECANCELED.number()) {
            return IoStatus.ABORTED;
        }
        if (errno == Errno.EOPNOTSUPP.number()) {
            return IoStatus.UNSUPPORTED;
        }
        if (errno == Errno.EINVAL.number()) {
            return op == UringOp.FSYNC ? IoStatus.UNSUPPORTED : IoStatus.INVALID;
        }
        if (isProgrammingError(res)) {
            return IoStatus.INVALID;
        }
        return IoStatus.IO_ERROR;
    }

    /** {@code EFAULT} or {@code EBADF}: only a bug produces them (a bad buffer address, a closed descriptor). */
    static boolean isProgrammingError(int res) {
        return res == -Errno.EFAULT.number() || res == -Errno.EBADF.number();
    }
}
