package dev.pagestore.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class WalRecordDescriptorTest {
    private static final WalConfig CONFIG = new WalConfig(64 << 10, 64, 8, 64, 12 << 10, 4096, 4096, 1);

    private static MemorySegment encode(Arena arena, int pageCount) {
        int length = (int) WalRecordDescriptor.pageImagesLength(pageCount, 64);
        MemorySegment record = arena.allocate(WalRecordDescriptor.alignedLength(length), 8);
        WalRecordDescriptor.writeHeader(record, 0, length, WalRecordDescriptor.TYPE_PAGE_IMAGES,
                WalRecordDescriptor.FLAG_GROUP, 8192, 4096, 4096, 0x5A17, 64, pageCount);
        for (int i = 0; i < pageCount; i++) {
            WalRecordDescriptor.writePageNumber(record, 0, i, 100 + i);
            WalTestSupport.fill(record.asSlice(WalRecordDescriptor.pageImageOffset(i, pageCount, 64), 64), 77, 100 + i);
        }
        WalRecordDescriptor.sealCrc(record, 0);
        return record;
    }

    @Test
    void shouldLoadLayoutWithFortyEightByteHeader() {
        assertEquals(48, WalRecordDescriptor.HEADER_LENGTH);
        assertEquals(40, WalSegmentDescriptor.HEADER_LENGTH);
        assertEquals(64, ControlFileDescriptor.SLOT_LENGTH); // version 2: 48 bytes of version 1 plus the log id
        assertEquals(48, ControlFileDescriptor.VERSION_1_SLOT_LENGTH);
        assertEquals(0, WalRecordDescriptor.HEADER_LENGTH % WalRecordDescriptor.RECORD_ALIGNMENT_BYTES);
    }

    @Test
    void shouldDecodeWhatWasEncoded() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment record = encode(arena, 3);
            assertNull(WalRecovery.checkRecord(record, 0, record.byteSize(), 0x5A17, 8192, 4096, CONFIG));
            assertEquals(WalRecordDescriptor.TYPE_PAGE_IMAGES, WalRecordDescriptor.type(record, 0));
            assertEquals(WalRecordDescriptor.FLAG_GROUP, WalRecordDescriptor.flags(record, 0));
            assertEquals(8192, WalRecordDescriptor.lsn(record, 0));
            assertEquals(4096, WalRecordDescriptor.prevLsn(record, 0));
            assertEquals(4096, WalRecordDescriptor.syncedLsn(record, 0));
            assertEquals(3, WalRecordDescriptor.pageCount(record, 0));
            for (int i = 0; i < 3; i++) {
                assertEquals(100 + i, WalRecordDescriptor.pageNumber(record, 0, i));
                assertTrue(WalTestSupport.intact(WalTestSupport.imageOf(record, i), 100 + i));
            }
        }
    }

    @Test
    void shouldDetectEverySingleBitFlipInHeaderAndPayload() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment record = encode(arena, 2);
            int length = WalRecordDescriptor.totalLength(record, 0);
            for (long bit = 0; bit < length * 8L; bit++) {
                long at = bit / 8;
                byte mask = (byte) (1 << (bit % 8));
                record.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at,
                        (byte) (record.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at) ^ mask));
                assertNotNull(WalRecovery.checkRecord(record, 0, record.byteSize(), 0x5A17, 8192, 4096, CONFIG),
                        "flip of bit " + bit + " went undetected");
                record.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at,
                        (byte) (record.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at) ^ mask));
            }
            assertNull(WalRecovery.checkRecord(record, 0, record.byteSize(), 0x5A17, 8192, 4096, CONFIG));
        }
    }

    @Test
    void shouldRejectRecordOfAnotherSaltPositionOrLink() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment record = encode(arena, 1);
            assertTrue(WalRecovery.checkRecord(record, 0, record.byteSize(), 0x5A18, 8192, 4096, CONFIG)
                    .contains("salt"));
            assertTrue(WalRecovery.checkRecord(record, 0, record.byteSize(), 0x5A17, 8200, 4096, CONFIG)
                    .contains("position"));
            assertTrue(WalRecovery.checkRecord(record, 0, record.byteSize(), 0x5A17, 8192, 4000, CONFIG)
                    .contains("prevLsn"));
            assertTrue(WalRecovery.checkRecord(record, 0, 100, 0x5A17, 8192, 4096, CONFIG).contains("totalLength"));
        }
    }

    @Test
    void shouldRoundTripSegmentHeaderAndRejectItUnderAnotherName() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(WalSegmentDescriptor.HEADER_REGION_BYTES, 4096);
            WalSegmentDescriptor.write(block, 42, 7, 1 << 20, null);
            assertNull(WalSegmentDescriptor.check(block, 7, 1 << 20));
            assertEquals(42, WalSegmentDescriptor.salt(block));
            assertTrue(WalSegmentDescriptor.check(block, 8, 1 << 20).contains("segmentNumber"));
            assertTrue(WalSegmentDescriptor.check(block, 7, 2 << 20).contains("segmentSizeBytes"));
            block.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 13, (byte) 1);
            assertTrue(WalSegmentDescriptor.check(block, 7, 1 << 20).contains("CRC"));
            assertEquals(7, WalSegmentDescriptor.parseFileName(WalSegmentDescriptor.fileName(7)));
            assertEquals(-1, WalSegmentDescriptor.parseFileName("wal.control"));
        }
    }
}
