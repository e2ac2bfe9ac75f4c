package dev.pagestore.nvme.uring;

import java.time.Duration;

/**
 * How to set up an {@link IoUring}.
 *
 * @param entries          submission queue entries, a power of two in [1, 32768] (the kernel sizes the CQ at twice)
 * @param singleIssuer     request {@code IORING_SETUP_SINGLE_ISSUER} (kernel-enforced single submitter, Linux 6.0+)
 * @param deferTaskrun     request {@code IORING_SETUP_DEFER_TASKRUN} (completion work runs only when the owner
 *                         enters the kernel, Linux 6.1+; needs {@code singleIssuer})
 * @param closeWaitTimeout how long {@link IoUring#close()} waits for outstanding operations before reporting them
 */
public record IoUringOptions(int entries, boolean singleIssuer, boolean deferTaskrun, Duration closeWaitTimeout) {
    public static final int ENTRIES_MAX = 32768;

    public IoUringOptions {
        if (entries < 1 || entries > ENTRIES_MAX || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("entries=" + entries + " must be a power of two in [1, " + ENTRIES_MAX
                    + "]");
        }
        if (deferTaskrun && !singleIssuer) {
            throw new IllegalArgumentException("deferTaskrun=true needs singleIssuer=true (kernel rule)");
        }
        if (closeWaitTimeout == null || closeWaitTimeout.isNegative()) {
            throw new IllegalArgumentException("closeWaitTimeout=" + closeWaitTimeout + " must be zero or positive");
        }
    }

    /** {@code entries} with SINGLE_ISSUER and DEFER_TASKRUN requested and a 5 s close wait. */
    public static IoUringOptions of(int entries) {
        return new IoUringOptions(entries, true, true, Duration.ofSeconds(5));
    }

    public IoUringOptions withSetupFlags(boolean singleIssuer, boolean deferTaskrun) {
        return new IoUringOptions(entries, singleIssuer, deferTaskrun, closeWaitTimeout);
    }

    public IoUringOptions withCloseWaitTimeout(Duration timeout) {
        return new IoUringOptions(entries, singleIssuer, deferTaskrun, timeout);
    }
}
