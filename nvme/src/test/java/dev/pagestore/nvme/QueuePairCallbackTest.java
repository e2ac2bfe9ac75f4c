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

    @Test
    void shouldKeepTheCommandsABackendRefusedByThrowingPreparedAndInOrder() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(4096, 4096);
            RefusingBackend backend = new RefusingBackend();
            QueuePair qp = new QueuePair(new LoopbackDevice(), 1, 4, NanoClock.SYSTEM, backend);
            for (int i = 0; i < 4; i++) {
                qp.prepareRead(i, buffer, 0, 4096, QueuePair.NO_DEADLINE);
            }
            backend.refuseAfter = 1;
            assertThrows(IllegalStateException.class, qp::submit);
            assertEquals(3, qp.preparedCount(), "the refused command and those after it are still prepared");
            assertEquals(1, qp.inFlightCount(), "only the command the backend took is in flight");
            backend.refuseAfter = Integer.MAX_VALUE;
            assertEquals(3, qp.submit());
            assertEquals(4, backend.issuedCids.size(), "each command reached the backend once");
            List<Long> done = new ArrayList<>();
            assertEquals(4, qp.poll(8, (tag, status, bytes, detail) -> done.add(tag)));
            assertEquals(List.of(0L, 1L, 2L, 3L), done, "completed once each, in the order they were prepared");
            assertEquals(4, qp.freeSlotCount());
            qp.prepareRead(9, buffer, 0, 4096, QueuePair.NO_DEADLINE);
            backend.refuseAfter = 0;
            assertThrows(IllegalStateException.class, qp::submit);
            List<IoStatus> closed = new ArrayList<>();
            assertEquals(1, qp.close((tag, status, bytes, detail) -> closed.add(status), 0));
            assertEquals(List.of(IoStatus.ABORTED), closed, "close fails the command the backend never took");
        }
    }

    /** Completes every command at once, but throws from {@code issue} once {@code refuseAfter} were taken. */
    private static final class RefusingBackend implements QueueBackend {
        int refuseAfter = Integer.MAX_VALUE;
        private final List<Integer> issuedCids = new ArrayList<>();
        private final List<int[]> done = new ArrayList<>();
        private int takenSinceDoorbell;

        @Override
        public void issue(int slot, int cid, IoOpcode opcode, MemorySegment buffer, long deviceOffset,
                int lengthBytes) {
            if (takenSinceDoorbell >= refuseAfter) {
                throw new IllegalStateException("backend refuses");
            }
            takenSinceDoorbell++;
            issuedCids.add(cid);
            done.add(new int[] {cid, lengthBytes});
        }

        @Override
        public void ringDoorbell(int issuedCount) {
            takenSinceDoorbell = 0;
        }

        @Override
        public int drain(int max, Reaped into) {
            int n = 0;
            while (n < max && !done.isEmpty() && into.reaped(done.get(0)[0], IoStatus.OK, done.get(0)[1],
                    StatusDetail.NONE)) {
                done.remove(0);
                n++;
            }
            return n;
        }

        @Override
        public void close() {
        }
    }
}
