package dev.pagestore.nvme.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class DescriptorsTest {

    @Test
    void shouldLoadDescriptorsWithTheirLayoutAssertionsEnabled() {
        assertTrue(DescriptorsTest.class.desiredAssertionStatus(), "tests must run with -ea so load-time asserts run");
        assertEquals(120, IoUringParamsDescriptor.SIZE);
        assertEquals(64, SqeDescriptor.SIZE);
        assertEquals(16, CqeDescriptor.SIZE);
    }

    @Test
    void shouldPlaceSqeFieldsWhereTheKernelHeaderDoes() {
        assertEquals(0, SqeDescriptor.OPCODE_OFFSET);
        assertEquals(1, SqeDescriptor.FLAGS_OFFSET);
        assertEquals(4, SqeDescriptor.FD_OFFSET);
        assertEquals(8, SqeDescriptor.OFF_OFFSET);
        assertEquals(16, SqeDescriptor.ADDR_OFFSET);
        assertEquals(24, SqeDescriptor.LEN_OFFSET);
        assertEquals(28, SqeDescriptor.OP_FLAGS_OFFSET);
        assertEquals(32, SqeDescriptor.USER_DATA_OFFSET);
        assertEquals(40, SqeDescriptor.BUF_INDEX_OFFSET);
        assertEquals(44, SqeDescriptor.FILE_INDEX_OFFSET);
        assertEquals(48, SqeDescriptor.ADDR3_OFFSET);
        assertEquals(8, CqeDescriptor.RES_OFFSET);
        assertEquals(12, CqeDescriptor.FLAGS_OFFSET);
        assertEquals(40, IoUringParamsDescriptor.SQ_OFF_OFFSET);
        assertEquals(80, IoUringParamsDescriptor.CQ_OFF_OFFSET);
        assertEquals(20, IoUringParamsDescriptor.FEATURES_OFFSET);
    }

    @Test
    void shouldWriteEverySqeFieldIncludingZeros() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sqes = arena.allocate(2L * SqeDescriptor.SIZE, 8);
            sqes.fill((byte) 0x5a);  // stale bytes from an earlier entry must not survive
            SqeDescriptor.write(sqes, SqeDescriptor.SIZE, SqeDescriptor.IORING_OP_READ_FIXED,
                    SqeDescriptor.IOSQE_FIXED_FILE, 3, 8192, 0x1000, 4096, 0, 0x0100_0000_0000_002aL, (short) 7);
            MemorySegment sqe = sqes.asSlice(SqeDescriptor.SIZE, SqeDescriptor.SIZE);
            assertEquals(SqeDescriptor.IORING_OP_READ_FIXED, sqe.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(SqeDescriptor.IOSQE_FIXED_FILE, sqe.get(ValueLayout.JAVA_BYTE, 1));
            assertEquals(3, sqe.get(ValueLayout.JAVA_INT, 4));
            assertEquals(8192L, sqe.get(ValueLayout.JAVA_LONG, 8));
            assertEquals(0x1000L, sqe.get(ValueLayout.JAVA_LONG, 16));
            assertEquals(4096, sqe.get(ValueLayout.JAVA_INT, 24));
            assertEquals(0x0100_0000_0000_002aL, SqeDescriptor.userData(sqes, SqeDescriptor.SIZE));
            assertEquals((short) 7, sqe.get(ValueLayout.JAVA_SHORT, 40));
            assertEquals(0L, sqe.get(ValueLayout.JAVA_LONG, 48));
            assertEquals(0L, sqe.get(ValueLayout.JAVA_LONG, 56));
            assertEquals((short) 0, sqe.get(ValueLayout.JAVA_SHORT, 2), "ioprio zeroed");
            assertEquals(0x5a5a5a5a, sqes.get(ValueLayout.JAVA_INT, 0), "the neighbouring entry is untouched");
        }
    }

    @Test
    void shouldRejectParamsWhoseEntriesAreNotPowersOfTwo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(IoUringParamsDescriptor.SIZE, 8);
            params.set(ValueLayout.JAVA_INT, IoUringParamsDescriptor.SQ_ENTRIES_OFFSET, 6);
            params.set(ValueLayout.JAVA_INT, IoUringParamsDescriptor.CQ_ENTRIES_OFFSET, 12);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> IoUringParamsDescriptor.checkFilledByKernel(params));
            assertTrue(e.getMessage().contains("sq_entries=6"), e.getMessage());
        }
    }

    @Test
    void shouldRejectMisalignedCqeArrayOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(IoUringParamsDescriptor.SIZE, 8);
            params.set(ValueLayout.JAVA_INT, IoUringParamsDescriptor.SQ_ENTRIES_OFFSET, 8);
            params.set(ValueLayout.JAVA_INT, IoUringParamsDescriptor.CQ_ENTRIES_OFFSET, 16);
            params.set(ValueLayout.JAVA_INT,
                    IoUringParamsDescriptor.CQ_OFF_OFFSET + IoUringParamsDescriptor.CQ_OFF_CQES, 68);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> IoUringParamsDescriptor.checkFilledByKernel(params));
            assertTrue(e.getMessage().contains("cq_off.cqes=68"), e.getMessage());
        }
    }
}
