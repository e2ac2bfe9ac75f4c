package dev.pagestore.ipc.ring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pagestore.ipc.ring.RequestDescriptor.Violation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class RequestDescriptorTest {
    private static final int SLOTS = 16;
    private static final long PAGES = 1000;

    @Test
    void shouldLoadAsSixtyFourBytesLikeAnNvmeSqe() throws Exception {
        Class.forName(RequestDescriptor.class.getName(), true, getClass().getClassLoader());
        assertEquals(64, RequestDescriptor.SIZE_BYTES);
        assertEquals(8, RequestDescriptor.REQUEST_ID_OFFSET);
        assertEquals(28, RequestDescriptor.RESERVED_28_OFFSET);
        assertEquals(56, RequestDescriptor.RESERVED_64_OFFSET);
    }

    @Test
    void shouldReadBackEveryFieldWritten() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(128, 64);
            entries.fill((byte) 0x7F);
            RequestDescriptor.write(entries, 64, RequestDescriptor.OPCODE_WRITE, RequestDescriptor.FLAG_CHECKSUM,
                    0x1122334455667788L, 998, 2, 14, 123_456_789L, 0, 0xCAFEBABE);
            assertEquals(RequestDescriptor.OPCODE_WRITE, RequestDescriptor.opcode(entries, 64));
            assertEquals(RequestDescriptor.FLAG_CHECKSUM, RequestDescriptor.flags(entries, 64));
            assertEquals(0x1122334455667788L, RequestDescriptor.requestId(entries, 64));
            assertEquals(998, RequestDescriptor.pageNumber(entries, 64));
            assertEquals(2, RequestDescriptor.pageCount(entries, 64));
            assertEquals(14, RequestDescriptor.bufferSlot(entries, 64));
            assertEquals(123_456_789L, RequestDescriptor.deadlineNanos(entries, 64));
            assertEquals(0, RequestDescriptor.batchId(entries, 64));
            assertEquals(0xCAFEBABE, RequestDescriptor.checksum(entries, 64));
            assertEquals(Violation.VALID, RequestDescriptor.validate(entries, 64, SLOTS, SLOTS, PAGES),
                    "reserved fields of reused memory are zeroed by write");
            assertEquals(0x7F, entries.get(JAVA_BYTE, 63), "the entry before is untouched");
        }
    }

    @Test
    void shouldNameEachMalformedField() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment e = arena.allocate(64, 64);
            assertEquals(Violation.UNKNOWN_OPCODE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES),
                    "zeroed memory is not a request");
            write(e, (byte) 9, (byte) 0, 1, 1, 0, 0);
            assertEquals(Violation.UNKNOWN_OPCODE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_READ, (byte) 0x40, 1, 1, 0, 0);
            assertEquals(Violation.UNKNOWN_FLAGS, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_READ, (byte) 0, 0, 1, 0, 0);
            assertEquals(Violation.PAGE_COUNT_OUT_OF_RANGE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_READ, (byte) 0, 17, 1, 0, 0);
            assertEquals(Violation.PAGE_COUNT_OUT_OF_RANGE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_READ, (byte) 0, 2, 999, 0, 0);
            assertEquals(Violation.PAGE_NUMBER_OUT_OF_RANGE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES),
                    "pages 999 and 1000 of a 1000-page store");
            write(e, RequestDescriptor.OPCODE_READ, (byte) 0, 1, -1, 0, 0);
            assertEquals(Violation.PAGE_NUMBER_OUT_OF_RANGE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_WRITE, (byte) 0, 2, 1, 15, 0);
            assertEquals(Violation.SLOT_OUT_OF_RANGE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES),
                    "slots 15 and 16 of 16");
            write(e, RequestDescriptor.OPCODE_WRITE, (byte) 0, 1, 1, -1, 0);
            assertEquals(Violation.SLOT_OUT_OF_RANGE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_BATCH_BEGIN, (byte) 0, 0, 0, 0, 0);
            assertEquals(Violation.BATCH_ID_MISSING, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_FLUSH, (byte) 0, 1, 0, 0, 0);
            assertEquals(Violation.PAGE_COUNT_OUT_OF_RANGE, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES),
                    "a flush moves no pages");
            write(e, RequestDescriptor.OPCODE_FLUSH, (byte) 0, 0, 0, 0, 0);
            assertEquals(Violation.VALID, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_BATCH_END, (byte) 0, 0, 0, 0, 42);
            assertEquals(Violation.VALID, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            e.set(JAVA_LONG, RequestDescriptor.RESERVED_64_OFFSET, 1);
            assertEquals(Violation.RESERVED_NOT_ZERO, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_BATCH_END, (byte) 0, 0, 0, 0, 42);
            e.set(JAVA_INT, RequestDescriptor.RESERVED_28_OFFSET, -7);  // where an older layout had a client tag
            assertEquals(Violation.RESERVED_NOT_ZERO, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
            write(e, RequestDescriptor.OPCODE_READ, (byte) 1, 1, 1, 0, 0);  // an older layout's FUA flag
            assertEquals(Violation.UNKNOWN_FLAGS, RequestDescriptor.validate(e, 0, SLOTS, SLOTS, PAGES));
        }
    }

    private static void write(MemorySegment e, byte opcode, byte flags, int pageCount, long pageNumber, int slot,
            long batchId) {
        RequestDescriptor.write(e, 0, opcode, flags, 1, pageNumber, pageCount, slot, 0, batchId, 0);
    }
}
