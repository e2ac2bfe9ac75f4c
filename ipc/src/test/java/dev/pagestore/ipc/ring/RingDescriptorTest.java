package dev.pagestore.ipc.ring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class RingDescriptorTest {

    @Test
    void shouldLoadWithEveryLayoutAssertionHolding() throws Exception {
        assertTrue(RingDescriptorTest.class.desiredAssertionStatus(), "tests must run with -ea");
        Class.forName(RingDescriptor.class.getName(), true, RingDescriptorTest.class.getClassLoader());
        assertEquals(640, RingDescriptor.ENTRIES_OFFSET);
    }

    @Test
    void shouldKeepSequencesAndWaitingFlagsTwoCacheLinesApart() {
        assertEquals(128, RingDescriptor.CONSUMER_SEQUENCE_OFFSET - RingDescriptor.PRODUCER_SEQUENCE_OFFSET);
        assertEquals(128, RingDescriptor.PRODUCER_WAITING_OFFSET - RingDescriptor.CONSUMER_SEQUENCE_OFFSET);
        assertEquals(128, RingDescriptor.CONSUMER_WAITING_OFFSET - RingDescriptor.PRODUCER_WAITING_OFFSET);
        assertTrue(RingDescriptor.PRODUCER_SEQUENCE_OFFSET >= 128, "config block shares no line with a sequence");
    }

    @Test
    void shouldRejectCapacityThatIsNotAPowerOfTwo() {
        var e = assertThrows(IllegalArgumentException.class, () -> RingDescriptor.requiredBytes(12, 64));
        assertTrue(e.getMessage().contains("capacity=12"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RingDescriptor.requiredBytes(0, 64));
        assertThrows(IllegalArgumentException.class, () -> RingDescriptor.requiredBytes(1 << 25, 64));
        assertThrows(IllegalArgumentException.class, () -> RingDescriptor.requiredBytes(8, 12));
        assertEquals(640 + 8 * 64, RingDescriptor.requiredBytes(8, 64));
    }

    @Test
    void shouldRejectUnformattedRingNamingTheMagicFound() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(RingDescriptor.requiredBytes(8, 64), 4096);
            var e = assertThrows(RingProtocolException.class, () -> RingDescriptor.checkHeader(ring, "r", 8, 64));
            assertTrue(e.getMessage().contains("expected ring magic 0x474e4952, found 0x0"), e.getMessage());
        }
    }

    @Test
    void shouldRejectCapacityOrEntrySizeOtherThanExpected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(RingDescriptor.requiredBytes(16, 64), 4096);
            RingDescriptor.format(ring, 16, 64);
            var e = assertThrows(RingProtocolException.class, () -> RingDescriptor.checkHeader(ring, "r", 8, 64));
            assertTrue(e.getMessage().contains("expected capacity=8 entrySizeBytes=64, found capacity=16"),
                    e.getMessage());
            RingDescriptor.checkHeader(ring, "r", 16, 64);
            var small = assertThrows(RingProtocolException.class,
                    () -> RingDescriptor.checkHeader(ring.asSlice(0, 700), "r", 16, 64));
            assertTrue(small.getMessage().contains("expected at least 1664 bytes"), small.getMessage());
        }
    }

    @Test
    void shouldRejectHeaderWhoseSequencesBreakTheInvariant() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(RingDescriptor.requiredBytes(8, 64), 4096);
            RingDescriptor.format(ring, 8, 64);
            ring.set(JAVA_LONG, RingDescriptor.PRODUCER_SEQUENCE_OFFSET, 20);
            ring.set(JAVA_LONG, RingDescriptor.CONSUMER_SEQUENCE_OFFSET, 5);
            var e = assertThrows(RingProtocolException.class, () -> RingDescriptor.checkHeader(ring, "r", 8, 64));
            assertTrue(e.getMessage().contains("producerSequence=20 consumerSequence=5 capacity=8"), e.getMessage());
        }
    }

    @Test
    void shouldFormatCapacityEntrySizeAndMagic() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(RingDescriptor.requiredBytes(4, 32), 4096);
            ring.fill((byte) 0x5A);
            RingDescriptor.format(ring, 4, 32);
            assertEquals(RingDescriptor.MAGIC, ring.get(JAVA_INT, RingDescriptor.MAGIC_OFFSET));
            assertEquals(4, ring.get(JAVA_INT, RingDescriptor.CAPACITY_OFFSET));
            assertEquals(32, ring.get(JAVA_INT, RingDescriptor.ENTRY_SIZE_OFFSET));
            assertEquals(0, ring.get(JAVA_LONG, RingDescriptor.PRODUCER_SEQUENCE_OFFSET));
            assertEquals(0, ring.get(JAVA_LONG, RingDescriptor.ENTRIES_OFFSET + 3 * 32 + 24), "entries zeroed");
            assertEquals(RingDescriptor.ENTRIES_OFFSET + 32, RingDescriptor.entryOffset(5, 4, 32), "wraps at 4");
        }
    }
}
