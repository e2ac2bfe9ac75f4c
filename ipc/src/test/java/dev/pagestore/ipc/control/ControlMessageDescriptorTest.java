package dev.pagestore.ipc.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ControlMessageDescriptorTest {
    @Test
    void shouldLoadWithItsLayoutAssertionsHolding() {
        // Loading the class runs its static asserts (tests run with -ea).
        assertEquals(12, ControlMessageDescriptor.HEADER_LENGTH);
        assertEquals(26, ControlMessageDescriptor.ATTACH_FIXED_LENGTH);
        assertEquals(32, ControlMessageDescriptor.ATTACHED_LENGTH);
        assertEquals(2, ControlMessageDescriptor.OBSERVE_FIXED_LENGTH);
        assertEquals(16, ControlMessageDescriptor.OBSERVED_LENGTH);
        assertEquals(4, ControlMessageDescriptor.VERSION, "version 4: start times in clock ticks");
        assertEquals(4, ControlMessageDescriptor.REFUSED_FIXED_LENGTH);
        assertEquals(12 + 4096, ControlMessageDescriptor.FRAME_LENGTH_MAX);
    }

    @Test
    void shouldAcceptOnlySupportedPageSizesAndPowerOfTwoCapacities() {
        for (int size : new int[] {4096, 8192, 16384}) {
            assertNull(ControlMessageDescriptor.checkPageSize(size));
        }
        for (int size : new int[] {0, -4096, 2048, 4097, 32768}) {
            String problem = ControlMessageDescriptor.checkPageSize(size);
            assertNotNull(problem);
            assertTrue(problem.contains("pageSizeBytes=" + size), problem);
        }
        assertNull(ControlMessageDescriptor.checkRingCapacity(2));
        assertNull(ControlMessageDescriptor.checkRingCapacity(1024));
        assertNull(ControlMessageDescriptor.checkRingCapacity(1 << 16));
        for (int capacity : new int[] {0, 1, 3, 100, 1 << 17, -8}) {
            String problem = ControlMessageDescriptor.checkRingCapacity(capacity);
            assertNotNull(problem);
            assertTrue(problem.contains("ringCapacity=" + capacity), problem);
        }
    }

    @Test
    void shouldGiveEveryTypeAndRefusalADistinctCode() {
        for (MessageType type : MessageType.values()) {
            assertEquals(type, MessageType.ofCode(type.code()));
        }
        for (RefusalCode code : RefusalCode.values()) {
            assertEquals(code, RefusalCode.ofCode(code.code()));
        }
        assertNull(MessageType.ofCode(0));
        assertNull(RefusalCode.ofCode(0));
    }
}
