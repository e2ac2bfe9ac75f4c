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
        StagingBuffers buffers = new StagingBuffers(4096, 8, block -> { });
        StagingBuffers.Buffer inFlight = buffers.take(2);
        inFlight.segment.set(ValueLayout.JAVA_LONG, 4096, 42L);
        buffers.close();  // as a reactor's end does, whatever the WAL writer and the device still hold
        assertEquals(42L, inFlight.segment.get(ValueLayout.JAVA_LONG, 4096), "the copy is still there");
        assertEquals(42L, inFlight.view(8192).order(java.nio.ByteOrder.nativeOrder()).getLong(4096));
    }

    @Test
    void shouldReuseBuffersGivenBack() {
        try (StagingBuffers buffers = new StagingBuffers(4096, 8, block -> { })) {
            StagingBuffers.Buffer first = buffers.take(3);
            assertEquals(4 * 4096, first.segment.byteSize(), "a power of two of pages");
            assertEquals(0, first.segment.address() % 4096, "page aligned for O_DIRECT");
            buffers.give(first);
            assertEquals(first, buffers.take(4), "the same size class comes back");
        }
    }

    @Test
    void shouldTellOfEachBlockOnceAndOfEveryCopyInsideOne() {
        java.util.List<java.lang.foreign.MemorySegment> blocks = new java.util.ArrayList<>();
        try (StagingBuffers buffers = new StagingBuffers(4096, 512, blocks::add)) {
            java.util.List<StagingBuffers.Buffer> taken = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                taken.add(buffers.take(1 + i % 4));  // 1 to 4 pages: several 1 MiB chunks
            }
            taken.add(buffers.take(300));  // 512 pages: 2 MiB, a block of its own
            taken.forEach(buffers::give);
            int before = blocks.size();
            for (int i = 0; i < 300; i++) {
                buffers.take(1 + i % 4);  // the same again, from the free lists
            }
            assertEquals(before, blocks.size(), "copies given back and taken again make no new block");
            for (StagingBuffers.Buffer buffer : taken) {
                long start = buffer.segment.address();
                long end = start + buffer.segment.byteSize();
                assertEquals(1, blocks.stream().filter(b -> b.address() <= start
                        && end <= b.address() + b.byteSize()).count(), "each copy lies inside exactly one block");
            }
        }
    }
}
