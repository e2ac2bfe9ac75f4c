package dev.pagestore.nvme.uring;

/**
 * Counters of one {@link IoUring}, read on its owner thread.
 *
 * @param enterCalls          {@code io_uring_enter} system calls made (one per {@code submit} batch when nothing fails)
 * @param enterRetries        calls repeated after {@code EINTR}, {@code EAGAIN} or {@code EBUSY}
 * @param sqesSubmitted       submission entries the kernel consumed
 * @param cqesReaped          completion entries drained
 * @param fixedBufferIos      reads and writes issued as {@code READ_FIXED/WRITE_FIXED}
 * @param plainBufferIos      reads and writes issued with a plain buffer address
 * @param queueFullRefusals   prepare calls refused because the SQ or the CQ budget was full
 * @param unknownOperations   completions whose user_data named no operation, skipped (only a corrupted SQE could
 *                            cause one; should stay 0)
 */
public record IoUringStats(long enterCalls, long enterRetries, long sqesSubmitted, long cqesReaped,
                           long fixedBufferIos, long plainBufferIos, long queueFullRefusals, long unknownOperations) {
}
