package dev.pagestore.nvme.uring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

/**
 * Layout of one submission queue entry, {@code struct io_uring_sqe} (64 bytes, native byte order), as used for the
 * operations pagestore issues. Unions are named after the member this project writes.
 *
 * <pre>
 *   0       1       2               4                               8
 *   +-------+-------+---------------+-------------------------------+
 *   |opcode | flags | ioprio (u16)  | fd (s32; index if FIXED_FILE) |   0
 *   +-------+-------+---------------+-------------------------------+
 *   | off (u64): file offset; TIMEOUT count                         |   8
 *   +---------------------------------------------------------------+
 *   | addr (u64): buffer address; ASYNC_CANCEL target user_data     |  16
 *   +-------------------------------+-------------------------------+
 *   | len (u32): bytes              | op_flags (u32): rw_flags,     |  24
 *   |                               |   fsync_flags, cancel_flags   |
 *   +-------------------------------+-------------------------------+
 *   | user_data (u64): echoed in the CQE                            |  32
 *   +---------------+---------------+-------------------------------+
 *   | buf_index u16 | personality   | splice_fd_in / file_index s32 |  40
 *   +---------------+---------------+-------------------------------+
 *   | addr3 (u64)                                                   |  48
 *   +---------------------------------------------------------------+
 *   | __pad2 (u64)                                                  |  56
 *   +---------------------------------------------------------------+
 * </pre>
 */
public final class SqeDescriptor {
    public static final int OPCODE_OFFSET;
    public static final int FLAGS_OFFSET;
    public static final int IOPRIO_OFFSET;
    public static final int FD_OFFSET;
    public static final int OFF_OFFSET;
    public static final int ADDR_OFFSET;
    public static final int LEN_OFFSET;
    public static final int OP_FLAGS_OFFSET;
    public static final int USER_DATA_OFFSET;
    public static final int BUF_INDEX_OFFSET;
    public static final int PERSONALITY_OFFSET;
    public static final int FILE_INDEX_OFFSET;
    public static final int ADDR3_OFFSET;
    public static final int PAD2_OFFSET;
    /** {@code sizeof(struct io_uring_sqe)} without {@code IORING_SETUP_SQE128}. */
    public static final int SIZE;

    // The opcodes the store uses (enum io_uring_op).
    public static final byte IORING_OP_FSYNC = 3;
    public static final byte IORING_OP_READ_FIXED = 4;
    public static final byte IORING_OP_WRITE_FIXED = 5;
    public static final byte IORING_OP_ASYNC_CANCEL = 14;
    public static final byte IORING_OP_FALLOCATE = 17;
    public static final byte IORING_OP_READ = 22;
    public static final byte IORING_OP_WRITE = 23;
    public static final byte IORING_OP_FUTEX_WAITV = 53;

    // sqe->flags.
    /** {@code fd} is an index into the registered file table. */
    public static final byte IOSQE_FIXED_FILE = 1;
    /** {@code IOSQE_IO_HARDLINK}: the next SQE starts only after this one completes, even if this one fails. */
    public static final byte IOSQE_IO_HARDLINK = 8;

    // op_flags values.
    /** {@code fsync_flags}: data and the metadata needed to read it back, like {@code fdatasync(2)}. */
    public static final int IORING_FSYNC_DATASYNC = 1;

    static {
        int offset = 0;
        OPCODE_OFFSET = offset;
        offset += 1;
        FLAGS_OFFSET = offset;
        offset += 1;
        IOPRIO_OFFSET = offset;
        offset += 2;
        FD_OFFSET = offset;
        offset += 4;
        OFF_OFFSET = offset;
        offset += 8;
        ADDR_OFFSET = offset;
        offset += 8;
        LEN_OFFSET = offset;
        offset += 4;
        OP_FLAGS_OFFSET = offset;
        offset += 4;
        USER_DATA_OFFSET = offset;
        offset += 8;
        BUF_INDEX_OFFSET = offset;
        offset += 2;
        PERSONALITY_OFFSET = offset;
        offset += 2;
        FILE_INDEX_OFFSET = offset;
        offset += 4;
        ADDR3_OFFSET = offset;
        offset += 8;
        PAD2_OFFSET = offset;
        offset += 8;
        SIZE = offset;

        assert SIZE == 64 : "sizeof(struct io_uring_sqe) is 64, layout says " + SIZE;
        assert OFF_OFFSET % 8 == 0 && ADDR_OFFSET % 8 == 0 && USER_DATA_OFFSET % 8 == 0 && ADDR3_OFFSET % 8 == 0
                : "u64 fields are 8-byte aligned";
        assert USER_DATA_OFFSET == 32 && BUF_INDEX_OFFSET == 40 : "user_data at 32, buf_index at 40";
    }

    private SqeDescriptor() {
    }

    /**
     * Writes every field of the SQE at {@code sqeOffset} (zeros where the operation has nothing to say), with plain
     * stores: the kernel reads the entry only after the ring's release store of the SQ tail publishes it.
     */
    static void write(MemorySegment sqes, long sqeOffset, byte opcode, byte flags, int fd, long off, long addr,
                      int len, int opFlags, long userData, short bufIndex) {
        assert sqeOffset % SIZE == 0 : "sqeOffset=" + sqeOffset + " is not a multiple of " + SIZE;
        sqes.set(JAVA_BYTE, sqeOffset + OPCODE_OFFSET, opcode);
        sqes.set(JAVA_BYTE, sqeOffset + FLAGS_OFFSET, flags);
        sqes.set(JAVA_SHORT, sqeOffset + IOPRIO_OFFSET, (short) 0);
        sqes.set(JAVA_INT, sqeOffset + FD_OFFSET, fd);
        sqes.set(JAVA_LONG, sqeOffset + OFF_OFFSET, off);
        sqes.set(JAVA_LONG, sqeOffset + ADDR_OFFSET, addr);
        sqes.set(JAVA_INT, sqeOffset + LEN_OFFSET, len);
        sqes.set(JAVA_INT, sqeOffset + OP_FLAGS_OFFSET, opFlags);
        sqes.set(JAVA_LONG, sqeOffset + USER_DATA_OFFSET, userData);
        sqes.set(JAVA_SHORT, sqeOffset + BUF_INDEX_OFFSET, bufIndex);
        sqes.set(JAVA_SHORT, sqeOffset + PERSONALITY_OFFSET, (short) 0);
        sqes.set(JAVA_INT, sqeOffset + FILE_INDEX_OFFSET, 0);
        sqes.set(JAVA_LONG, sqeOffset + ADDR3_OFFSET, 0L);
        sqes.set(JAVA_LONG, sqeOffset + PAD2_OFFSET, 0L);
    }

    /** The opcode byte of the SQE at {@code sqeOffset} (tests and assertions). */
    static byte opcode(MemorySegment sqes, long sqeOffset) {
        return sqes.get(JAVA_BYTE, sqeOffset + OPCODE_OFFSET);
    }

    /** The user_data of the SQE at {@code sqeOffset} (tests and assertions). */
    static long userData(MemorySegment sqes, long sqeOffset) {
        return sqes.get(JAVA_LONG, sqeOffset + USER_DATA_OFFSET);
    }
}
