package dev.pagestore.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The queue pair core allocates nothing per I/O: prepare, submit, poll and dispatch run on preallocated tables. */
class QueuePairAllocationTest {

    private static long[] completed = new long[1];

    @Test
    void shouldAllocateNothingPerIo() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment whole = arena.allocate(8 * 4096, 4096);
            MemorySegment[] buffer = new MemorySegment[8];  // slices made up front: asSlice allocates
            for (int i = 0; i < 8; i++) {
                buffer[i] = whole.asSlice(i * 4096L, 4096);
            }
            QueuePair qp = new LoopbackDevice().openQueuePair(8);
            CompletionHandler handler = (tag, status, bytes, detail) -> completed[0]++;
            runBatches(qp, buffer, handler, 20_000);  // warm up: class loading, JIT
            long before = threads.getCurrentThreadAllocatedBytes();
            int ios = runBatches(qp, buffer, handler, 50_000);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.println("[allocation] " + allocated + " bytes for " + ios + " I/Os");
            assertTrue(allocated < ios / 10, allocated + " bytes allocated for " + ios
                    + " I/Os: the queue pair core must not allocate per I/O");
            assertEquals(0, qp.inFlightCount());
            qp.close();
        }
    }

    private static int runBatches(QueuePair qp, MemorySegment[] buffer, CompletionHandler handler, int batches) {
        int ios = 0;
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < 8; i++) {
                qp.prepareRead(ios++, buffer[i], i * 4096L, 4096, QueuePair.NO_DEADLINE);
            }
            qp.submit();
            qp.poll(8, handler);
        }
        return ios;
    }
}
