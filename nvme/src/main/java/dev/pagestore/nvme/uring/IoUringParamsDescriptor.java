package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.pagestore.ipc.linux.IoUringSyscalls;
import java.lang.foreign.MemorySegment;

/**
 * Layout of {@code struct io_uring_params} (include/uapi/linux/io_uring.h), the in/out argument of
 * {@code io_uring_setup(2)}, with its two nested offset tables. Native byte order; the kernel fills everything except
 * {@code sq_entries}/{@code cq_entries} (with {@code IORING_SETUP_CQSIZE}) and {@code flags}.
 *
 * <pre>
 *   0               4               8               12              16
 *   +---------------+---------------+---------------+---------------+
 *   | sq_entries    | cq_entries    | flags         | sq_thread_cpu |   0
 *   +---------------+---------------+---------------+---------------+
 *   | sq_thread_idle| features      | wq_fd         | resv[0]       |  16
 *   +---------------+---------------+---------------+---------------+
 *   | resv[1]       | resv[2]       | sq_off (io_sqring_offsets, 40 bytes):
 *   +---------------+---------------+  head tail ring_mask ring_entries flags dropped array resv1 (u32 each)
 *   |                                   user_addr (u64)                  |  40..80
 *   +-------------------------------------------------------------------+
 *   | cq_off (io_cqring_offsets, 40 bytes):                              |
 *   |   head tail ring_mask ring_entries overflow cqes flags resv1 (u32)  |
 *   |   user_addr (u64)                                                  |  80..120
 *   +-------------------------------------------------------------------+
 * </pre>
 *
 * The offsets inside {@code sq_off}/{@code cq_off} are byte offsets into the mmapped SQ and CQ rings; the kernel
 * chooses them, so the ring code reads them here instead of assuming.
 */
public final class IoUringParamsDescriptor {
    private static final int U32 = 4;
    private static final int U64 = 8;

    public static final int SQ_ENTRIES_OFFSET;
    public static final int CQ_ENTRIES_OFFSET;
    public static final int FLAGS_OFFSET;
    public static final int SQ_THREAD_CPU_OFFSET;
    public static final int SQ_THREAD_IDLE_OFFSET;
    public static final int FEATURES_OFFSET;
    public static final int WQ_FD_OFFSET;
    public static final int RESV_OFFSET;
    public static final int SQ_OFF_OFFSET;
    public static final int CQ_OFF_OFFSET;
    /** {@code sizeof(struct io_uring_params)}. */
    public static final int SIZE;

    // Fields of struct io_sqring_offsets, relative to SQ_OFF_OFFSET.
    public static final int SQ_OFF_HEAD = 0;
    public static final int SQ_OFF_TAIL = 4;
    public static final int SQ_OFF_RING_MASK = 8;
    public static final int SQ_OFF_RING_ENTRIES = 12;
    public static final int SQ_OFF_FLAGS = 16;
    public static final int SQ_OFF_DROPPED = 20;
    public static final int SQ_OFF_ARRAY = 24;
    /** {@code sizeof(struct io_sqring_offsets)}. */
    public static final int SQRING_OFFSETS_SIZE = 40;

    // Fields of struct io_cqring_offsets, relative to CQ_OFF_OFFSET.
    public static final int CQ_OFF_HEAD = 0;
    public static final int CQ_OFF_TAIL = 4;
    public static final int CQ_OFF_RING_MASK = 8;
    public static final int CQ_OFF_RING_ENTRIES = 12;
    public static final int CQ_OFF_OVERFLOW = 16;
    public static final int CQ_OFF_CQES = 20;
    public static final int CQ_OFF_FLAGS = 24;
    /** {@code sizeof(struct io_cqring_offsets)}. */
    public static final int CQRING_OFFSETS_SIZE = 40;

    /** mmap offsets (the "page offset" argument selects which ring region to map). */
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    // Feature bits the kernel reports in `features`.
    public static final int FEAT_SINGLE_MMAP = 1;
    public static final int FEAT_NODROP = 1 << 1;
    public static final int FEAT_EXT_ARG = 1 << 8;

    static {
        int offset = 0;
        SQ_ENTRIES_OFFSET = offset;
        offset += U32;
        CQ_ENTRIES_OFFSET = offset;
        offset += U32;
        FLAGS_OFFSET = offset;
        offset += U32;
        SQ_THREAD_CPU_OFFSET = offset;
        offset += U32;
        SQ_THREAD_IDLE_OFFSET = offset;
        offset += U32;
        FEATURES_OFFSET = offset;
        offset += U32;
        WQ_FD_OFFSET = offset;
        offset += U32;
        RESV_OFFSET = offset;
        offset += 3 * U32;
        SQ_OFF_OFFSET = offset;
        offset += SQRING_OFFSETS_SIZE;
        CQ_OFF_OFFSET = offset;
        offset += CQRING_OFFSETS_SIZE;
        SIZE = offset;

        assert SIZE == 120 : "sizeof(struct io_uring_params) is 120, layout says " + SIZE;
        assert SIZE == IoUringSyscalls.PARAMS_SIZE : "ipc's PARAMS_SIZE disagrees: " + IoUringSyscalls.PARAMS_SIZE;
        assert FLAGS_OFFSET == IoUringSyscalls.PARAMS_FLAGS_OFFSET : "flags offset " + FLAGS_OFFSET;
        assert FEATURES_OFFSET == IoUringSyscalls.PARAMS_FEATURES_OFFSET : "features offset " + FEATURES_OFFSET;
        assert SQ_OFF_OFFSET == 40 && CQ_OFF_OFFSET == 80 : "offset tables at 40/80";
        assert SQ_OFF_ARRAY + 2 * U32 + U64 == SQRING_OFFSETS_SIZE : "sq_off ends with resv1 and user_addr";
        assert CQ_OFF_FLAGS + 2 * U32 + U64 == CQRING_OFFSETS_SIZE : "cq_off ends with resv1 and user_addr";
    }

    private IoUringParamsDescriptor() {
    }

    /** Reads one u32 field of {@code struct io_uring_params} at {@code offset}. */
    public static int u32(MemorySegment params, int offset) {
        return params.get(JAVA_INT, offset);
    }

    /**
     * Checks what the kernel wrote back after a successful setup: entries are powers of two, the CQ is at least as
     * large as the SQ, and every ring offset is aligned and inside a plausible ring.
     *
     * @throws IllegalStateException naming the first field that does not hold
     */
    public static void checkFilledByKernel(MemorySegment params) {
        if (params.byteSize() < SIZE) {
            throw new IllegalArgumentException("params segment of " + params.byteSize() + " bytes, need " + SIZE);
        }
        int sqEntries = u32(params, SQ_ENTRIES_OFFSET);
        int cqEntries = u32(params, CQ_ENTRIES_OFFSET);
        if (Integer.bitCount(sqEntries) != 1 || Integer.bitCount(cqEntries) != 1 || cqEntries < sqEntries) {
            throw new IllegalStateException("io_uring_setup returned sq_entries=" + sqEntries + " cq_entries="
                    + cqEntries + "; expected powers of two with cq >= sq");
        }
        int[] u32Fields = {SQ_OFF_OFFSET + SQ_OFF_HEAD, SQ_OFF_OFFSET + SQ_OFF_TAIL, SQ_OFF_OFFSET + SQ_OFF_ARRAY,
                SQ_OFF_OFFSET + SQ_OFF_FLAGS, CQ_OFF_OFFSET + CQ_OFF_HEAD, CQ_OFF_OFFSET + CQ_OFF_TAIL};
        for (int field : u32Fields) {
            int value = u32(params, field);
            if (value < 0 || value % U32 != 0) {
                throw new IllegalStateException("io_uring ring offset at params+" + field + " is " + value
                        + ", not a 4-byte aligned offset");
            }
        }
        int cqes = u32(params, CQ_OFF_OFFSET + CQ_OFF_CQES);
        if (cqes < 0 || cqes % CqeDescriptor.SIZE != 0) {
            throw new IllegalStateException("cq_off.cqes=" + cqes + " is not a multiple of the 16-byte CQE size");
        }
    }
}
