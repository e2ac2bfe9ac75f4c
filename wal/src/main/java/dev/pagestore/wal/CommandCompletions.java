package dev.pagestore.wal;

import dev.pagestore.nvme.CompletionHandler;
import dev.pagestore.nvme.IoStatus;

/**
 * The completions of one {@link QueuePairCommands} call: how many of its commands are still outstanding, and its first
 * failure. Reset at the start of each call, so nothing is allocated per command.
 *
 * <p>Thread safety: the owner thread of the queue pair delivering to it only.
 */
final class CommandCompletions implements CompletionHandler {
    int outstanding;
    IoStatus failedStatus;
    int failedDetail;
    /** A read reaching past the end of a regular file: fewer bytes than asked is its end, not a failure. */
    boolean shortReadIsEnd;

    void reset() {
        outstanding = 0;
        failedStatus = null;
        failedDetail = 0;
        shortReadIsEnd = false;
    }

    @Override
    public void onCompletion(long tag, IoStatus status, int transferredBytes, int detail) {
        outstanding--;
        boolean ok = status.isOk() || (shortReadIsEnd && status == IoStatus.SHORT_TRANSFER);
        if (!ok && failedStatus == null) {
            failedStatus = status;
            failedDetail = detail;
        }
    }
}
