package dev.pagestore.ipc.ring;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.wait.WaitPoint;
import dev.pagestore.ipc.wait.WaitStrategy;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class RingTest {
    private static final int CAPACITY = 16;

    static Stream<WaitStrategy> strategies() {
        return Stream.of(WaitStrategy.busySpin(), WaitStrategy.spinThenYield(100), WaitStrategy.blocking(),
                WaitStrategy.blocking(0));
    }

    private static void put(RingProducer producer, int index, long value) {
        producer.segment().set(JAVA_LONG, producer.entryOffset(index), value);
        producer.segment().set(JAVA_LONG, producer.entryOffset(index) + 8, ~value);
    }

    private static long take(RingConsumer consumer, int index) {
        long value = consumer.segment().get(JAVA_LONG, consumer.entryOffset(index));
        assertEquals(~value, consumer.segment().get(JAVA_LONG, consumer.entryOffset(index) + 8), "torn entry");
        return value;
    }

    @Test
    void shouldStartEmptyWithEverySlotFree() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            assertEquals(0, rings.consumer.available(CAPACITY));
            assertEquals(CAPACITY, rings.producer.tryClaim(CAPACITY * 2), "claim is capped at capacity");
        }
    }

    @Test
    void shouldRefuseClaimWhenFullUntilConsumerReleases() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            assertEquals(CAPACITY, rings.producer.tryClaim(CAPACITY));
            for (int i = 0; i < CAPACITY; i++) {
                put(rings.producer, i, i);
            }
            rings.producer.publish(CAPACITY);
            assertEquals(0, rings.producer.tryClaim(1), "full");
            assertEquals(3, rings.consumer.available(3));
            rings.consumer.release(3);
            assertEquals(3, rings.producer.tryClaim(CAPACITY), "exactly the released slots are free");
            assertEquals(CAPACITY, rings.consumer.available(CAPACITY * 4) + 3, "the other 13 are still available");
        }
    }

    @Test
    void shouldKeepOrderAcrossManyWrapArounds() {
        try (TestRings rings = new TestRings(8)) {
            long next = 0;
            long expected = 0;
            for (int round = 0; round < 10_000; round++) {
                int claimed = rings.producer.tryClaim(1 + round % 7);
                for (int i = 0; i < claimed; i++) {
                    put(rings.producer, i, next++);
                }
                rings.producer.publish(claimed);
                int ready = rings.consumer.available(1 + round % 5);
                for (int i = 0; i < ready; i++) {
                    assertEquals(expected++, take(rings.consumer, i));
                }
                rings.consumer.release(ready);
            }
            assertTrue(next > 8 * 1000, "wrapped many times: " + next);
            int rest = rings.consumer.available(8);
            for (int i = 0; i < rest; i++) {
                assertEquals(expected++, take(rings.consumer, i));
            }
            assertEquals(next, expected, "nothing lost");
        }
    }

    @Test
    void shouldMoveEveryBatchSizeFromOneToCapacityAtEveryStartingIndex() {
        int capacity = 32;
        try (TestRings rings = new TestRings(capacity)) {
            long next = 0;
            for (int start = 0; start < capacity; start++) {
                for (int batch = 1; batch <= capacity; batch++) {
                    assertEquals(batch, rings.producer.tryClaim(batch));
                    for (int i = 0; i < batch; i++) {
                        put(rings.producer, i, next + i);
                    }
                    rings.producer.publish(batch);
                    assertEquals(batch, rings.consumer.available(capacity), "one publish, whole batch visible");
                    for (int i = 0; i < batch; i++) {
                        assertEquals(next + i, take(rings.consumer, i));
                    }
                    rings.consumer.release(batch);
                    next += batch;
                }
                // shift the starting index by one for the next sweep
                rings.producer.tryClaim(1);
                put(rings.producer, 0, next);
                rings.producer.publish(1);
                assertEquals(1, rings.consumer.available(1));
                assertEquals(next, take(rings.consumer, 0));
                rings.consumer.release(1);
                next++;
            }
            assertEquals(next, rings.producer.sequence());
            assertEquals(next, rings.consumer.sequence());
        }
    }

    @Test
    void shouldPublishPartOfAClaimAndKeepTheRestClaimed() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            assertEquals(4, rings.producer.tryClaim(4));
            for (int i = 0; i < 4; i++) {
                put(rings.producer, i, 100 + i);
            }
            rings.producer.publish(1);
            assertEquals(3, rings.producer.claimed());
            assertEquals(101, rings.producer.segment().get(JAVA_LONG, rings.producer.entryOffset(0)),
                    "index 0 is now the oldest unpublished claimed entry");
            rings.producer.publish(3);
            assertEquals(4, rings.consumer.available(10));
            for (int i = 0; i < 4; i++) {
                assertEquals(100 + i, take(rings.consumer, i));
            }
        }
    }

    @Test
    void shouldRejectPublishBeyondClaimAndIndexBeyondBatch() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            rings.producer.tryClaim(2);
            var e = assertThrows(IllegalArgumentException.class, () -> rings.producer.publish(3));
            assertTrue(e.getMessage().contains("publish count=3 must be in [0, 2]"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> rings.producer.entryOffset(2));
            assertThrows(IllegalArgumentException.class, () -> rings.producer.tryClaim(0));
            rings.producer.publish(2);
            assertEquals(2, rings.consumer.available(5));
            assertThrows(IllegalArgumentException.class, () -> rings.consumer.release(3));
            assertThrows(IndexOutOfBoundsException.class, () -> rings.consumer.entryOffset(2));
        }
    }

    @Test
    void shouldDrainUpToMaxInOrderAndReleaseThem() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            rings.producer.tryClaim(10);
            for (int i = 0; i < 10; i++) {
                put(rings.producer, i, i);
            }
            rings.producer.publish(10);
            long[] seen = new long[10];
            int[] count = {0};
            EntryHandler handler = (segment, offset) -> seen[count[0]++] = segment.get(JAVA_LONG, offset);
            assertEquals(6, rings.consumer.drain(handler, 6));
            assertEquals(4, rings.consumer.drain(handler, 6));
            assertEquals(0, rings.consumer.drain(handler, 6));
            for (int i = 0; i < 10; i++) {
                assertEquals(i, seen[i]);
            }
            assertEquals(CAPACITY, rings.producer.tryClaim(CAPACITY), "drained entries were released");
        }
    }

    @Test
    void shouldReportConsumerSequenceMovedBackwardsNamingTheValues() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            fillAndDrain(rings, CAPACITY);          // producer caches consumer = 16 on its next refresh
            rings.producer.tryClaim(CAPACITY);      // refresh: cached consumer 16
            rings.producer.publish(CAPACITY);
            rings.segment.set(JAVA_LONG, RingDescriptor.CONSUMER_SEQUENCE_OFFSET, 3);  // a broken consumer
            var e = assertThrows(RingProtocolException.class, () -> rings.producer.tryClaim(1));
            assertTrue(e.getMessage().contains("consumerSequence moved backwards: was 16, now 3"), e.getMessage());
        }
    }

    @Test
    void shouldReportConsumerSequencePastWhatWasPublished() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            rings.producer.tryClaim(CAPACITY);
            rings.producer.publish(CAPACITY);
            rings.segment.set(JAVA_LONG, RingDescriptor.CONSUMER_SEQUENCE_OFFSET, CAPACITY + 5);
            var e = assertThrows(RingProtocolException.class, () -> rings.producer.tryClaim(1));
            assertTrue(e.getMessage().contains("consumerSequence moved past")
                    && e.getMessage().contains("now 21, allowed [0, 16]"), e.getMessage());
        }
    }

    @Test
    void shouldReportProducerSequenceMovedBackwards() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            rings.producer.tryClaim(5);
            rings.producer.publish(5);
            assertEquals(5, rings.consumer.available(5));
            rings.segment.set(JAVA_LONG, RingDescriptor.PRODUCER_SEQUENCE_OFFSET, 2);
            var e = assertThrows(RingProtocolException.class, () -> rings.consumer.available(6));
            assertTrue(e.getMessage().contains("producerSequence moved backwards: was 5, now 2"), e.getMessage());
        }
    }

    @Test
    void shouldReportProducerSequencePastCapacity() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            rings.segment.set(JAVA_LONG, RingDescriptor.PRODUCER_SEQUENCE_OFFSET, CAPACITY + 1);
            var e = assertThrows(RingProtocolException.class, () -> rings.consumer.available(1));
            assertTrue(e.getMessage().contains("producerSequence moved past the ring's capacity")
                    && e.getMessage().contains("now 17, allowed [0, 16] (capacity 16)"), e.getMessage());
        }
    }

    @Test
    void shouldReportViolationSeenWhileWaitingInsteadOfWaitingOn() {
        try (TestRings rings = new TestRings(CAPACITY, 64, WaitStrategy.blocking(0))) {
            CompletableFuture.runAsync(() -> {
                sleepMillis(50);
                rings.segment.set(JAVA_LONG, RingDescriptor.PRODUCER_SEQUENCE_OFFSET, -1);  // a broken producer
                new WaitPoint(rings.segment, RingDescriptor.PRODUCER_SEQUENCE_OFFSET,
                        RingDescriptor.CONSUMER_WAITING_OFFSET).wakeIfWaiting(-1);
            });
            long start = System.nanoTime();
            assertThrows(RingProtocolException.class,
                    () -> rings.consumer.awaitAvailable(1, System.nanoTime() + TimeUnit.SECONDS.toNanos(30)));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "reported on wake-up, not at the deadline");
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void shouldReturnZeroAtDeadlineWhenNothingIsPublished(WaitStrategy strategy) {
        try (TestRings rings = new TestRings(CAPACITY, 64, strategy)) {
            long start = System.nanoTime();
            assertEquals(0, rings.consumer.awaitAvailable(1, start + TimeUnit.MILLISECONDS.toNanos(30)));
            long elapsed = System.nanoTime() - start;
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(30), "returned before the deadline: " + elapsed);
            assertTrue(elapsed < TimeUnit.SECONDS.toNanos(5), "overslept the deadline: " + elapsed);
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void shouldReturnZeroAtDeadlineWhenTheRingStaysFull(WaitStrategy strategy) {
        try (TestRings rings = new TestRings(CAPACITY, 64, strategy)) {
            rings.producer.tryClaim(CAPACITY);
            rings.producer.publish(CAPACITY);
            long start = System.nanoTime();
            assertEquals(0, rings.producer.claim(1, start + TimeUnit.MILLISECONDS.toNanos(30)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(30));
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void shouldWakeAWaitingConsumerWhenAnotherThreadPublishes(WaitStrategy strategy) throws Exception {
        try (TestRings rings = new TestRings(CAPACITY, 64, strategy)) {
            CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                sleepMillis(50);
                rings.producer.tryClaim(1);
                put(rings.producer, 0, 42);
                rings.producer.publish(1);
            });
            long start = System.nanoTime();
            assertEquals(1, rings.consumer.awaitAvailable(4, start + TimeUnit.SECONDS.toNanos(20)));
            assertEquals(42, take(rings.consumer, 0));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "woken long before the deadline");
            publisher.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldWakeAProducerSleepingOnAFullRingWhenTheConsumerReleases() throws Exception {
        try (TestRings rings = new TestRings(CAPACITY, 64, WaitStrategy.blocking(0))) {
            rings.producer.tryClaim(CAPACITY);
            rings.producer.publish(CAPACITY);
            CompletableFuture<Void> releaser = CompletableFuture.runAsync(() -> {
                sleepMillis(50);
                rings.consumer.available(2);
                rings.consumer.release(2);
            });
            assertEquals(2, rings.producer.claim(5, System.nanoTime() + TimeUnit.SECONDS.toNanos(20)));
            releaser.get(10, TimeUnit.SECONDS);
            assertTrue(rings.producer.spaceWaitPoint().sleepCount() >= 1, "the producer slept in futex");
        }
    }

    @Test
    void shouldFailUnderAssertionsWhenASecondThreadUsesTheProducer() throws Exception {
        try (TestRings rings = new TestRings(CAPACITY)) {
            rings.producer.tryClaim(1);
            CompletableFuture<Throwable> other = CompletableFuture.supplyAsync(() -> {
                try {
                    rings.producer.tryClaim(1);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Throwable thrown = other.get(10, TimeUnit.SECONDS);
            assertTrue(thrown instanceof AssertionError, "expected AssertionError, got " + thrown);
            assertTrue(thrown.getMessage().contains("single-threaded"), thrown.getMessage());
        }
    }

    @Test
    void shouldResumeFromSharedSequencesWhenReopened() {
        try (TestRings rings = new TestRings(CAPACITY)) {
            rings.producer.tryClaim(5);
            for (int i = 0; i < 5; i++) {
                put(rings.producer, i, i);
            }
            rings.producer.publish(5);
            rings.consumer.available(2);
            rings.consumer.release(2);
            MemorySegment segment = rings.segment;
            RingConsumer reopened = RingConsumer.open(segment, "test ring", CAPACITY, 64, WaitStrategy.busySpin());
            assertEquals(3, reopened.available(10));
            assertEquals(2, take(reopened, 0));
        }
    }

    private static void fillAndDrain(TestRings rings, int count) {
        rings.producer.tryClaim(count);
        rings.producer.publish(count);
        rings.consumer.available(count);
        rings.consumer.release(count);
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(Duration.ofMillis(millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
