package dev.pagestore.nvme.uring;

/**
 * The operations an {@link IoUring} prepares, as seen by the caller. The ring stores the operation in the top byte of
 * each SQE's {@code user_data} (the caller id fills the low {@value SubmissionQueue#CALLER_ID_BITS} bits), so a completion
 * names its operation without a lookup table and errno can be mapped per operation ({@link CompletionStatus}).
 *
 * <p>{@link #READ} and {@link #WRITE} cover both the plain ({@code IORING_OP_READ/WRITE}) and the registered-buffer
 * ({@code IORING_OP_READ_FIXED/WRITE_FIXED}) kernel opcodes: which one the ring used is an implementation detail, and
 * a cancellation names the operation the caller asked for.
 */
public enum UringOp {
    READ,
    WRITE,
    /** {@code IORING_OP_FSYNC}, with or without {@code IORING_FSYNC_DATASYNC}. */
    FSYNC,
    /** {@code IORING_OP_ASYNC_CANCEL}: completes with 0, {@code -ENOENT} or {@code -EALREADY}. */
    ASYNC_CANCEL,
    /** {@code IORING_OP_FALLOCATE}: {@code fallocate(2)} through the ring (write-zeroes uses {@code ZERO_RANGE}). */
    FALLOCATE,
    /**
     * {@code IORING_OP_FUTEX_WAITV} (Linux 6.7+): completes with 0 when any of its futex words is woken, at once with
     * {@code -EAGAIN} when one no longer held its expected value.
     */
    FUTEX_WAITV;

    private static final UringOp[] BY_CODE = values();

    static {
        assert BY_CODE.length < 255 : "operation codes must fit the top byte of user_data";
    }

    /** The code stored in the top byte of user_data; never 0, so a zeroed user_data names no operation. */
    int code() {
        return ordinal() + 1;
    }

    /** The operation for {@code code}, or {@code null} when no operation has it (a corrupt user_data). */
    static UringOp ofCode(int code) {
        return code >= 1 && code <= BY_CODE.length ? BY_CODE[code - 1] : null;
    }
}
