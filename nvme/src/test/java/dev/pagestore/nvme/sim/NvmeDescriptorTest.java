package dev.pagestore.nvme.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.nvme.IoStatus;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class NvmeDescriptorTest {

    @Test
    void shouldLoadTheDescriptorsWithTheirSpecifiedSizes() {
        assertEquals(64, NvmeSqeDescriptor.SIZE);
        assertEquals(16, NvmeCqeDescriptor.SIZE);
    }

    @Test
    void shouldLayOutAnSqeAsTheNvmeSpecificationSays() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sq = arena.allocate(2 * 64, 64);
            sq.fill((byte) 0xee);
            NvmeSqeDescriptor.write(sq, 64, NvmeOpcodes.WRITE, 0xbeef, 1, 0x1_0000_0000L, 0x1234_5678_9aL, 8);
            assertEquals((byte) 0xee, sq.get(ValueLayout.JAVA_BYTE, 63), "the previous entry is untouched");
            ValueLayout.OfInt le = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x01, sq.get(ValueLayout.JAVA_BYTE, 64), "opcode in byte 0");
            assertEquals(0xbeef0001, sq.get(le, 64) & 0xffff00ff, "cid in bytes 2-3 of dword 0");
            assertEquals(1, sq.get(le, 64 + 4), "nsid in dword 1");
            assertEquals(0x1_0000_0000L, sq.get(ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN), 64 + 24));
            assertEquals(0x3456_789a, sq.get(le, 64 + 40), "slba low in cdw10");
            assertEquals(0x12, sq.get(le, 64 + 44), "slba high in cdw11");
            assertEquals(7, sq.get(le, 64 + 48), "nlb is zero-based in cdw12");
            assertEquals(0xbeef, NvmeSqeDescriptor.cid(sq, 64));
            assertEquals(8, NvmeSqeDescriptor.blockCount(sq, 64));
            assertEquals(0x1234_5678_9aL, NvmeSqeDescriptor.slba(sq, 64));
        }
    }

    @Test
    void shouldRejectMalformedSqesTheWayAControllerDoes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sq = arena.allocate(64, 64);
            NvmeSqeDescriptor.write(sq, 0, 0x7f, 1, 1, 0, 0, 1);
            assertEquals(NvmeStatus.INVALID_OPCODE, NvmeSqeDescriptor.check(sq, 0, 1, 100));
            NvmeSqeDescriptor.write(sq, 0, NvmeOpcodes.READ, 1, 2, 0, 0, 1);
            assertEquals(NvmeStatus.INVALID_NAMESPACE, NvmeSqeDescriptor.check(sq, 0, 1, 100));
            NvmeSqeDescriptor.write(sq, 0, NvmeOpcodes.READ, 1, 1, 0, 99, 2);
            assertEquals(NvmeStatus.LBA_OUT_OF_RANGE, NvmeSqeDescriptor.check(sq, 0, 1, 100));
            NvmeSqeDescriptor.write(sq, 0, NvmeOpcodes.READ, 1, 1, 0, 98, 2);
            assertEquals(0, NvmeSqeDescriptor.check(sq, 0, 1, 100));
            assertEquals(IoStatus.NO_SPACE, NvmeStatus.toIoStatus(NvmeStatus.LBA_OUT_OF_RANGE));
            assertEquals(IoStatus.INVALID, NvmeStatus.toIoStatus(NvmeStatus.INVALID_OPCODE));
        }
    }

    @Test
    void shouldPublishACqeWithPhaseTagCidStatusAndSqHead() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cq = arena.allocate(32, 16);
            NvmeCqeDescriptor.post(cq, 16, 4096, 7, 3, 0xabcd, 1, NvmeStatus.withDoNotRetry(NvmeStatus.WRITE_FAULT));
            int dw3 = NvmeCqeDescriptor.dword3Acquire(cq, 16);
            assertEquals(1, NvmeCqeDescriptor.phase(dw3));
            assertEquals(0xabcd, NvmeCqeDescriptor.cid(dw3));
            assertEquals(NvmeStatus.withDoNotRetry(NvmeStatus.WRITE_FAULT), NvmeCqeDescriptor.statusField(dw3));
            assertEquals(4096, NvmeCqeDescriptor.dw0(cq, 16));
            assertEquals(7, NvmeCqeDescriptor.sqHead(cq, 16));
            assertEquals(3, NvmeCqeDescriptor.sqId(cq, 16));
            // Phase tag is bit 0 of byte 14; the status field sits above it (bits 15:1).
            int statusHalf = Short.toUnsignedInt(cq.get(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN), 30));
            assertEquals(1, statusHalf & 1);
            assertEquals(NvmeStatus.withDoNotRetry(NvmeStatus.WRITE_FAULT), statusHalf >>> 1);
            assertTrue(NvmeCqeDescriptor.check(cq, 16, 3, 8));
            assertEquals(0, NvmeCqeDescriptor.phase(NvmeCqeDescriptor.dword3Acquire(cq, 0)), "untouched entry");
        }
    }
}
