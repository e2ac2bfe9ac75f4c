package dev.pagestore.nvme.sim;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The 64-byte NVMe submission queue entry for the NVM command set (NVMe Base Specification 2.0, figures 88-92; NVM
 * Command Set Specification 1.0, figures 20 and 42), little-endian:
 *
 * <pre>
 *  byte  0        1        2    3    4 ...  7    8 ... 15    16 ... 23   24 ... 31   32 ... 39
 *       ┌────────┬────────┬─────────┬─────────┬────────────┬───────────┬───────────┬───────────┐
 *       │ opcode │ flags  │   cid   │  nsid   │ cdw2..3    │   mptr    │   prp1    │   prp2    │
 *       └────────┴────────┴─────────┴─────────┴────────────┴───────────┴───────────┴───────────┘
 *  byte  40 ... 47          48 ... 51              52 ... 55   56 ... 59   60 ... 63
 *       ┌─────────────────┬─────────────────────┬───────────┬───────────┬───────────┐
 *       │ slba (cdw10-11) │ cdw12: nlb 15:0,    │  cdw13    │  cdw14    │  cdw15    │
 *       │                 │ fua 30, lr 31       │  (dsm)    │           │           │
 *       └─────────────────┴─────────────────────┴───────────┴───────────┴───────────┘
 * </pre>
 *
 * {@code flags} holds FUSE (bits 1:0) and PSDT (bits 7:6; 0 = PRPs). {@code nlb} is zero-based. In the simulator
 * {@code prp1} carries an I/O virtual address that the controller translates through the queue pair's DMA window
 * (see {@link SimulatedBackend}), as an IOMMU would; {@code prp2} is unused because a window entry is contiguous.
 */
public final class NvmeSqeDescriptor {
    public static final int OPCODE_OFFSET;
    public static final int FLAGS_OFFSET;
    public static final int CID_OFFSET;
    public static final int NSID_OFFSET;
    public static final int CDW2_OFFSET;
    public static final int MPTR_OFFSET;
    public static final int PRP1_OFFSET;
    public static final int PRP2_OFFSET;
    public static final int SLBA_OFFSET;
    public static final int CDW12_OFFSET;
    public static final int CDW13_OFFSET;
    public static final int CDW14_OFFSET;
    public static final int CDW15_OFFSET;
    public static final int SIZE;

    static {
        int offset = 0;
        OPCODE_OFFSET = offset;
        offset += 1;
        FLAGS_OFFSET = offset;
        offset += 1;
        CID_OFFSET = offset;
        offset += 2;
        NSID_OFFSET = offset;
        offset += 4;
        CDW2_OFFSET = offset;
        offset += 8;
        MPTR_OFFSET = offset;
        offset += 8;
        PRP1_OFFSET = offset;
        offset += 8;
        PRP2_OFFSET = offset;
        offset += 8;
        SLBA_OFFSET = offset;  // cdw10 (low) and cdw11 (high)
        offset += 8;
        CDW12_OFFSET = offset;
        offset += 4;
        CDW13_OFFSET = offset;
        offset += 4;
        CDW14_OFFSET = offset;
        offset += 4;
        CDW15_OFFSET = offset;
        offset += 4;
        SIZE = offset;
        assertLayout();
    }

    /** Number of logical blocks field of cdw12 (zero-based). */
    public static final int CDW12_NLB_MASK = 0xffff;
    /** Force unit access bit of cdw12. */
    public static final int CDW12_FUA_BIT = 1 << 30;
    /** The most blocks one command can address: NLB is a zero-based 16-bit count. */
    public static final int MAX_BLOCKS_PER_COMMAND = CDW12_NLB_MASK + 1;

    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    private NvmeSqeDescriptor() {
    }

    private static void assertLayout() {
        if (SIZE != 64) {
            throw new AssertionError("sizeof(sqe) must be 64, is " + SIZE);
        }
        if (CID_OFFSET != 2 || NSID_OFFSET != 4 || PRP1_OFFSET != 24 || SLBA_OFFSET != 40 || CDW12_OFFSET != 48) {
            throw new AssertionError("SQE offsets disagree with the NVMe specification");
        }
        if (SLBA_OFFSET % 8 != 0 || PRP1_OFFSET % 8 != 0) {
            throw new AssertionError("64-bit SQE fields must be naturally aligned");
        }
    }

    /** Zeroes the entry at {@code base} and writes an I/O command. */
    public static void write(MemorySegment sq, long base, int opcode, int cid, int nsid, long prp1, long slba,
            int blockCount) {
        assert blockCount >= 0 && blockCount <= MAX_BLOCKS_PER_COMMAND : "blockCount=" + blockCount;
        sq.asSlice(base, SIZE).fill((byte) 0);
        sq.set(BYTE, base + OPCODE_OFFSET, (byte) opcode);
        sq.set(SHORT, base + CID_OFFSET, (short) cid);
        sq.set(INT, base + NSID_OFFSET, nsid);
        sq.set(LONG, base + PRP1_OFFSET, prp1);
        sq.set(LONG, base + SLBA_OFFSET, slba);
        sq.set(INT, base + CDW12_OFFSET, blockCount == 0 ? 0 : (blockCount - 1) & CDW12_NLB_MASK);
    }

    public static int opcode(MemorySegment sq, long base) {
        return Byte.toUnsignedInt(sq.get(BYTE, base + OPCODE_OFFSET));
    }

    public static int flags(MemorySegment sq, long base) {
        return Byte.toUnsignedInt(sq.get(BYTE, base + FLAGS_OFFSET));
    }

    public static int cid(MemorySegment sq, long base) {
        return Short.toUnsignedInt(sq.get(SHORT, base + CID_OFFSET));
    }

    public static int nsid(MemorySegment sq, long base) {
        return sq.get(INT, base + NSID_OFFSET);
    }

    public static long prp1(MemorySegment sq, long base) {
        return sq.get(LONG, base + PRP1_OFFSET);
    }

    public static long prp2(MemorySegment sq, long base) {
        return sq.get(LONG, base + PRP2_OFFSET);
    }

    public static long slba(MemorySegment sq, long base) {
        return sq.get(LONG, base + SLBA_OFFSET);
    }

    /** The number of logical blocks (one-based: NLB + 1). */
    public static int blockCount(MemorySegment sq, long base) {
        return (sq.get(INT, base + CDW12_OFFSET) & CDW12_NLB_MASK) + 1;
    }

    /**
     * Checks an entry the way a controller does before executing it. Returns 0 when it is well-formed, else the NVMe
     * status field to complete it with (invalid opcode, invalid field, invalid namespace, LBA out of range).
     *
     * @param namespaceBlocks the namespace size in logical blocks
     */
    public static int check(MemorySegment sq, long base, int expectedNsid, long namespaceBlocks) {
        int opcode = opcode(sq, base);
        if (!NvmeOpcodes.isKnown(opcode)) {
            return NvmeStatus.INVALID_OPCODE;
        }
        if ((flags(sq, base) & 0xc3) != 0) {
            return NvmeStatus.INVALID_FIELD;  // fused commands and SGLs are not supported
        }
        if (nsid(sq, base) != expectedNsid) {
            return NvmeStatus.INVALID_NAMESPACE;
        }
        if (opcode != NvmeOpcodes.FLUSH) {
            long slba = slba(sq, base);
            long blocks = blockCount(sq, base);
            if (slba < 0 || slba > namespaceBlocks - blocks) {
                return NvmeStatus.LBA_OUT_OF_RANGE;
            }
        }
        return 0;
    }
}
