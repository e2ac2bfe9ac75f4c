package dev.pagestore.ipc.ring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class CompletionDescriptorTest {

    @Test
    void shouldLoadAsThirtyTwoBytes() throws Exception {
        Class.forName(CompletionDescriptor.class.getName(), true, getClass().getClassLoader());
        assertEquals(32, CompletionDescriptor.SIZE_BYTES);
        assertEquals(16, CompletionDescriptor.RESULT_OFFSET);
    }

    @Test
    void shouldReadBackEveryFieldWritten() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entries = arena.allocate(64, 32);
            entries.fill((byte) 0x33);
            CompletionDescriptor.write(entries, 32, -5L, CompletionDescriptor.STATUS_TIMEOUT, 3, 4096);
            assertEquals(-5L, CompletionDescriptor.requestId(entries, 32));
            assertEquals(CompletionDescriptor.STATUS_TIMEOUT, CompletionDescriptor.status(entries, 32));
            assertEquals(3, CompletionDescriptor.bufferSlot(entries, 32));
            assertEquals(4096, CompletionDescriptor.result(entries, 32));
            assertEquals(0, entries.get(java.lang.foreign.ValueLayout.JAVA_LONG, 32 + CompletionDescriptor.RESERVED_OFFSET),
                    "reserved bytes of reused memory are zeroed by write");
            assertTrue(CompletionDescriptor.isWellFormed(entries, 32, 4));
        }
    }

    @Test
    void shouldRejectUnknownStatusSlotOutOfRangeAndDirtyReservedWord() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment e = arena.allocate(32, 32);
            assertFalse(CompletionDescriptor.isWellFormed(e, 0, 4), "zeroed memory is not a completion");
            CompletionDescriptor.write(e, 0, 1, 99, 0, 0);
            assertFalse(CompletionDescriptor.isWellFormed(e, 0, 4));
            CompletionDescriptor.write(e, 0, 1, CompletionDescriptor.STATUS_OK, 4, 0);
            assertFalse(CompletionDescriptor.isWellFormed(e, 0, 4));
            CompletionDescriptor.write(e, 0, 1, CompletionDescriptor.STATUS_OK, -1, 0);
            assertTrue(CompletionDescriptor.isWellFormed(e, 0, 4), "-1 means no slot");
            e.set(JAVA_INT, CompletionDescriptor.RESERVED_OFFSET + 4, 1);
            assertFalse(CompletionDescriptor.isWellFormed(e, 0, 4));
            CompletionDescriptor.write(e, 0, 1, CompletionDescriptor.STATUS_OK, -1, 0);
            e.set(JAVA_INT, CompletionDescriptor.RESERVED_OFFSET, 77);  // where an older layout echoed a client tag
            assertFalse(CompletionDescriptor.isWellFormed(e, 0, 4));
        }
    }
}
