package dev.pagestore.wal;

import dev.pagestore.ipc.linux.Errno;
import dev.pagestore.ipc.linux.ErrnoException;
import dev.pagestore.nvme.IoStatus;
import java.io.IOException;

/**
 * An append failed because the log had no room for its record: the next segment could not be made for want of space
 * ({@code ENOSPC}, {@code EDQUOT}, or a device's {@code NO_SPACE}).
 *
 * <p>Unlike {@link WalFailedException} it is not final: nothing of the record was written, the records before it are
 * unaffected, and the log tries to make the segment again at the next append that needs it, so appends succeed again
 * as soon as space is freed or a checkpoint hands a segment back for recycling. A full disk is an operating condition,
 * not a lost write: the fsyncgate rule does not apply.
 */
public final class WalNoSpaceException extends IOException {
    private static final long serialVersionUID = 1L;

    WalNoSpaceException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code failure} or one of its causes says that a file system or device had no space. */
    public static boolean isNoSpace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof WalNoSpaceException) {
                return true;
            }
            if (t instanceof ErrnoException e && (e.errno() == Errno.ENOSPC || e.errno() == Errno.EDQUOT)) {
                return true;
            }
            if (t instanceof QueuePairIoException e && e.status() == IoStatus.NO_SPACE) {
                return true;
            }
        }
        return false;
    }
}
