package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The reactor's private write copies: closing the pool never frees a copy still in use, which a reactor stopped with
 * writes in flight cannot rule out. That is why they come from an automatic arena; the shared arena this replaces was
 * closed only when nothing was in flight, and left everything else to the process exit (found by the power-loss loop:
 * a process restarting managers ran out of memory after 5,400 seeds).
 */
class StagingBuffersTest {
    @Test
    void shouldKeepACopyInUseReadableAfterTheReactorLetsGoOfThePool() {
        StagingBuffers buffers = new StagingBuffers(4096, 8);
        StagingBuffers.Buffer inFlight = buffers.take(2);
        inFlight.segment.set(ValueLayout.JAVA_LONG, 4096, 42L);
        buffers.close();  // as a reactor's end does, whatever the WAL writer and the device still hold
        assertEquals(42L, inFlight.segment.get(ValueLayout.JAVA_LONG, 4096), "the copy is still there");
        assertEquals(42L, inFlight.view(8192).order(java.nio.ByteOrder.nativeOrder()).getLong(4096));
    }

    @Test
    void shouldReuseBuffersGivenBack() {
        try (StagingBuffers buffers = new StagingBuffers(4096, 8)) {
            StagingBuffers.Buffer first = buffers.take(3);
            assertEquals(4 * 4096, first.segment.byteSize(), "a power of two of pages");
            assertEquals(0, first.segment.address() % 4096, "page aligned for O_DIRECT");
            buffers.give(first);
            assertEquals(first, buffers.take(4), "the same size class comes back");
        }
    }
}
