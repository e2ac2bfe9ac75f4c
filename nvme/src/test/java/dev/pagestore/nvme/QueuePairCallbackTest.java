package dev.pagestore.nvme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueuePairCallbackTest {

    @Test
    void shouldDeliverTheRestOfABatchAfterAHandlerThrew() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(4096, 4096);
            QueuePair qp = new LoopbackDevice().openQueuePair(4);
            for (int i = 0; i < 4; i++) {
                qp.prepareRead(i, buffer, 0, 4096, QueuePair.NO_DEADLINE);
            }
            qp.submit();
            List<Long> seen = new ArrayList<>();
            CompletionHandler throwsOnce = (tag, status, bytes, detail) -> {
                seen.add(tag);
                if (seen.size() == 2) {
                    throw new IllegalStateException("handler failure");
                }
            };
            assertThrows(IllegalStateException.class, () -> qp.poll(8, throwsOnce));
            assertEquals(2, seen.size());
            assertEquals(2, qp.poll(8, throwsOnce), "the rest of the batch comes with the next poll");
            assertEquals(4, seen.stream().distinct().count(), "every command delivered exactly once: " + seen);
            assertEquals(0, qp.poll(8, throwsOnce));
            assertEquals(4, qp.freeSlotCount());
            qp.close();
        }
    }
}
