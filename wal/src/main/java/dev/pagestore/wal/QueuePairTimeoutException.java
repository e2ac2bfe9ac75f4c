package dev.pagestore.wal;

import dev.pagestore.nvme.IoStatus;
import dev.pagestore.nvme.StatusDetail;

/**
 * A command of a {@link QueuePairLogDevice} passed its deadline ({@link IoStatus#TIMEOUT}). The device may still
 * complete it later, so its buffer stays fenced: the log device is failed for good and touches nothing of the caller
 * once {@link QueuePairLogDevice#close()} has returned.
 */
public final class QueuePairTimeoutException extends QueuePairIoException {
    private static final long serialVersionUID = 1L;

    public QueuePairTimeoutException(String operation, long timeoutNanos) {
        super(operation + " (deadline " + timeoutNanos / 1_000_000 + " ms)", IoStatus.TIMEOUT, StatusDetail.NONE);
    }
}
