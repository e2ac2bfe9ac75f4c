package dev.pagestore.wal;

import java.io.IOException;

/**
 * The WAL is in the failed state: a device write or fdatasync failed, so the durability of everything not yet
 * acknowledged is unknown. Every pending and later append completes with this exception; the cause is the first
 * failure. The log is not retried (PostgreSQL's 2018 fsyncgate: after a failed fsync the kernel may have dropped the
 * dirty pages, so a retry that succeeds proves nothing). Recovery from the log on the next open is the only way on.
 */
public final class WalFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    public WalFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
