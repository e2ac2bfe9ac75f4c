package dev.pagestore.nvme.sim;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The 16-byte NVMe completion queue entry (NVMe Base Specification 2.0, figures 99-101), little-endian:
 *
 * <pre>
 *  byte  0 ... 3       4 ... 7      8    9     10   11    12   13    14   15
 *       ┌────────────┬────────────┬──────────┬──────────┬──────────┬───────────────────────────┐
 *       │ dw0        │ dw1        │ sq head  │ sq id    │   cid    │ bit 0: phase tag (P)      │
 *       │ (command   │ (reserved) │          │          │          │ bits 15:1: status field   │
 *       │  specific) │            │          │          │          │ (SC, SCT, CRD, M, DNR)    │
 *       └────────────┴────────────┴──────────┴──────────┴──────────┴───────────────────────────┘
 *                                                        └──────────── dword 3 ─────────────────┘
 * </pre>
 *
 * The controller writes dwords 0-2 with plain stores and then publishes dword 3 (cid, phase, status) with a release
 * store; the host reads dword 3 with an acquire load and trusts the rest only when the phase tag matches the phase it
 * expects. In the simulator, dword 0 of a read or write carries the number of bytes transferred (a simulator
 * extension, so short transfers are visible; real NVMe reports none).
 */
public final class NvmeCqeDescriptor {
    public static final int DW0_OFFSET;
    public static final int DW1_OFFSET;
    public static final int SQ_HEAD_OFFSET;
    public static final int SQ_ID_OFFSET;
    public static final int DW3_OFFSET;
    public static final int CID_OFFSET;
    public static final int STATUS_OFFSET;
    public static final int SIZE;

    static {
        int offset = 0;
        DW0_OFFSET = offset;
        offset += 4;
        DW1_OFFSET = offset;
        offset += 4;
        SQ_HEAD_OFFSET = offset;
        offset += 2;
        SQ_ID_OFFSET = offset;
        offset += 2;
        DW3_OFFSET = offset;
        CID_OFFSET = offset;
        offset += 2;
        STATUS_OFFSET = offset;  // phase tag in bit 0, status field above
        offset += 2;
        SIZE = offset;
        if (SIZE != 16 || DW3_OFFSET != 12 || DW3_OFFSET % 4 != 0) {
            throw new AssertionError("sizeof(cqe) must be 16 with dword 3 at 12, is " + SIZE + "/" + DW3_OFFSET);
        }
    }

    private static final int DW3_CID_MASK = 0xffff;
    private static final int DW3_PHASE_SHIFT = 16;
    private static final int DW3_STATUS_SHIFT = 17;
    private static final int STATUS_FIELD_MASK = 0x7fff;

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DW3 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    private NvmeCqeDescriptor() {
    }

    /** Controller side: writes an entry and publishes it (dword 3 last, with release). */
    public static void post(MemorySegment cq, long base, int dw0, int sqHead, int sqId, int cid, int phase,
            int statusField) {
        assert (statusField & ~STATUS_FIELD_MASK) == 0 : "statusField=0x" + Integer.toHexString(statusField);
        cq.set(INT, base + DW0_OFFSET, dw0);
        cq.set(INT, base + DW1_OFFSET, 0);
        cq.set(SHORT, base + SQ_HEAD_OFFSET, (short) sqHead);
        cq.set(SHORT, base + SQ_ID_OFFSET, (short) sqId);
        int dw3 = (cid & DW3_CID_MASK) | (phase & 1) << DW3_PHASE_SHIFT | statusField << DW3_STATUS_SHIFT;
        // Release: dwords 0-2 become visible before the phase tag that tells the host the entry is new.
        DW3.setRelease(cq, base + DW3_OFFSET, dw3);
    }

    /** Host side: dword 3 with acquire, so the other dwords read after it are the ones published with it. */
    public static int dword3Acquire(MemorySegment cq, long base) {
        return (int) DW3.getAcquire(cq, base + DW3_OFFSET);
    }

    public static int phase(int dword3) {
        return (dword3 >>> DW3_PHASE_SHIFT) & 1;
    }

    public static int cid(int dword3) {
        return dword3 & DW3_CID_MASK;
    }

    public static int statusField(int dword3) {
        return (dword3 >>> DW3_STATUS_SHIFT) & STATUS_FIELD_MASK;
    }

    public static int dw0(MemorySegment cq, long base) {
        return cq.get(INT, base + DW0_OFFSET);
    }

    public static int sqHead(MemorySegment cq, long base) {
        return Short.toUnsignedInt(cq.get(SHORT, base + SQ_HEAD_OFFSET));
    }

    public static int sqId(MemorySegment cq, long base) {
        return Short.toUnsignedInt(cq.get(SHORT, base + SQ_ID_OFFSET));
    }

    /** Checks an entry the host is about to consume: its SQ id and head must be plausible for the queue. */
    public static boolean check(MemorySegment cq, long base, int expectedSqId, int sqEntries) {
        return sqId(cq, base) == expectedSqId && sqHead(cq, base) < sqEntries;
    }
}
