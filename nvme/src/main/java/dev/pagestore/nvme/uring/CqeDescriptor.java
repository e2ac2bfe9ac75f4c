package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/**
 * Layout of one completion queue entry, {@code struct io_uring_cqe} (16 bytes, native byte order, without
 * {@code IORING_SETUP_CQE32}).
 *
 * <pre>
 *   0                                                               8
 *   +---------------------------------------------------------------+
 *   | user_data (u64): copied from the SQE                          |   0
 *   +-------------------------------+-------------------------------+
 *   | res (s32): bytes, or -errno   | flags (u32): IORING_CQE_F_*   |   8
 *   +-------------------------------+-------------------------------+
 * </pre>
 */
public final class CqeDescriptor {
    public static final int USER_DATA_OFFSET;
    public static final int RES_OFFSET;
    public static final int FLAGS_OFFSET;
    /** {@code sizeof(struct io_uring_cqe)}. */
    public static final int SIZE;

    static {
        int offset = 0;
        USER_DATA_OFFSET = offset;
        offset += 8;
        RES_OFFSET = offset;
        offset += 4;
        FLAGS_OFFSET = offset;
        offset += 4;
        SIZE = offset;

        assert SIZE == 16 : "sizeof(struct io_uring_cqe) is 16, layout says " + SIZE;
        assert USER_DATA_OFFSET % 8 == 0 : "user_data is 8-byte aligned";
    }

    private CqeDescriptor() {
    }

    /** user_data of the CQE at {@code cqeOffset}; a plain load, ordered by the acquire load of the CQ tail. */
    static long userData(MemorySegment cqRing, long cqeOffset) {
        return cqRing.get(JAVA_LONG, cqeOffset + USER_DATA_OFFSET);
    }

    /** res of the CQE at {@code cqeOffset}; a plain load, ordered by the acquire load of the CQ tail. */
    static int res(MemorySegment cqRing, long cqeOffset) {
        return cqRing.get(JAVA_INT, cqeOffset + RES_OFFSET);
    }

    /** flags of the CQE at {@code cqeOffset}. */
    static int flags(MemorySegment cqRing, long cqeOffset) {
        return cqRing.get(JAVA_INT, cqeOffset + FLAGS_OFFSET);
    }
}
