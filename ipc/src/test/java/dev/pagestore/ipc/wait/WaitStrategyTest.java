package dev.pagestore.ipc.wait;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.memory.OrderedAccess;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class WaitStrategyTest {
    private static final long SEQUENCE = 128;
    private static final long FLAG = 256;

    static Stream<WaitStrategy> strategies() {
        return Stream.of(WaitStrategy.busySpin(), WaitStrategy.spinThenYield(10), WaitStrategy.blocking(),
                WaitStrategy.blocking(0));
    }

    @Test
    void shouldDefaultToBlockingSoAnIdleEndCostsNoCpu() {
        assertTrue(WaitStrategy.defaultStrategy() instanceof BlockingWaitStrategy);
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void shouldReturnChangedAtOnceWhenTheSequenceAlreadyDiffers(WaitStrategy strategy) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = arena.allocate(512, 128);
            WaitPoint point = new WaitPoint(words, SEQUENCE, FLAG);
            OrderedAccess.setLongRelease(words, SEQUENCE, 5);
            assertEquals(WaitOutcome.CHANGED, strategy.await(point, 4, System.nanoTime() + 1_000_000_000L * 60));
            assertEquals(0, point.sleepCount());
        }
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void shouldTimeOutAtTheDeadlineAndNotBefore(WaitStrategy strategy) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = arena.allocate(512, 128);
            WaitPoint point = new WaitPoint(words, SEQUENCE, FLAG);
            long start = System.nanoTime();
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(40);
            assertEquals(WaitOutcome.TIMED_OUT, strategy.await(point, 0, deadline));
            long end = System.nanoTime();
            assertTrue(end - deadline >= 0, "returned " + (deadline - end) + " ns before the deadline");
            assertTrue(end - start < TimeUnit.SECONDS.toNanos(5), "overslept: " + (end - start) + " ns");
            assertFalse(point.waitingFlagRaised(), "the flag is lowered after the wait");
        }
    }

    @Test
    void shouldNotKeepACoreBusyWhileIdleWithTheDefaultStrategy() {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofConfined()) {
            WaitPoint point = new WaitPoint(arena.allocate(512, 128), SEQUENCE, FLAG);
            long cpuBefore = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            assertEquals(WaitOutcome.TIMED_OUT, WaitStrategy.defaultStrategy().await(point, 0,
                    start + TimeUnit.MILLISECONDS.toNanos(500)));
            long wallNanos = System.nanoTime() - start;
            long cpuNanos = threads.getCurrentThreadCpuTime() - cpuBefore;
            // A spinning waiter would use about as much CPU as wall time; a sleeping one uses next to none.
            assertTrue(cpuNanos < wallNanos / 20, "idle wait used " + cpuNanos / 1_000_000 + " ms of CPU in "
                    + wallNanos / 1_000_000 + " ms");
            assertTrue(point.sleepCount() >= 1, "it slept in futex");
        }
    }

    @Test
    void shouldTimeOutAtOnceForADeadlineInThePast() {
        try (Arena arena = Arena.ofConfined()) {
            WaitPoint point = new WaitPoint(arena.allocate(512, 128), SEQUENCE, FLAG);
            assertEquals(WaitOutcome.TIMED_OUT, WaitStrategy.blocking(0).await(point, 0, System.nanoTime() - 1));
            assertEquals(0, point.sleepCount(), "no futex call for an expired deadline");
        }
    }

    @Test
    void shouldSleepInFutexAndBeWokenByThePublisher() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment words = arena.allocate(512, 128);
            WaitPoint waiter = new WaitPoint(words, SEQUENCE, FLAG);
            WaitPoint publisher = new WaitPoint(words, SEQUENCE, FLAG);
            CompletableFuture<Boolean> woke = CompletableFuture.supplyAsync(() -> {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!waiter.waitingFlagRaised() && System.nanoTime() - until < 0) {
                    Thread.onSpinWait();  // wait until the waiter has announced itself
                }
                OrderedAccess.setLongRelease(words, SEQUENCE, 1);
                return publisher.wakeIfWaiting(1);
            });
            long start = System.nanoTime();
            assertEquals(WaitOutcome.CHANGED,
                    WaitStrategy.blocking(0).await(waiter, 0, start + TimeUnit.SECONDS.toNanos(30)));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "woken, not timed out");
            assertTrue(woke.get(10, TimeUnit.SECONDS), "the publisher saw the flag and issued a wake");
            assertEquals(1, publisher.wakeCount());
            assertTrue(waiter.sleepCount() >= 1);
        }
    }

    @Test
    void shouldNotCallFutexWakeWhenNobodyWaits() {
        try (Arena arena = Arena.ofConfined()) {
            WaitPoint publisher = new WaitPoint(arena.allocate(512, 128), SEQUENCE, FLAG);
            assertFalse(publisher.wakeIfWaiting(1));
            assertEquals(0, publisher.wakeCount());
        }
    }

    @Test
    void shouldWakeOncePerAnnouncedSleepNotOncePerPublish() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = arena.allocate(512, 128);
            WaitPoint waiter = new WaitPoint(words, SEQUENCE, FLAG);
            WaitPoint publisher = new WaitPoint(words, SEQUENCE, FLAG);
            waiter.announceWaiting(0);  // as a sleeper on sequence 0 would
            assertTrue(publisher.wakeIfWaiting(1), "first publish after the announcement wakes");
            assertFalse(waiter.waitingFlagRaised(), "the waker cleared the flag it acted on");
            assertFalse(publisher.wakeIfWaiting(2), "later publishes before the next announcement make no syscall");
            assertEquals(1, publisher.wakeCount());
        }
    }

    @Test
    void shouldNotWakeAWaiterForAValueItHasAlreadySeen() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment words = arena.allocate(512, 128);
            WaitPoint waiter = new WaitPoint(words, SEQUENCE, FLAG);
            WaitPoint publisher = new WaitPoint(words, SEQUENCE, FLAG);
            waiter.announceWaiting(5);  // the waiter saw 5 and waits for 6
            assertFalse(publisher.wakeIfWaiting(5));
            assertTrue(waiter.waitingFlagRaised(), "the flag stays up for the next publish");
            assertTrue(publisher.wakeIfWaiting(6));
        }
    }

    @Test
    void shouldRejectNegativeSpinCounts() {
        var e = assertThrows(IllegalArgumentException.class, () -> WaitStrategy.blocking(-1));
        assertTrue(e.getMessage().contains("spinIterations=-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WaitStrategy.spinThenYield(-3));
    }
}
