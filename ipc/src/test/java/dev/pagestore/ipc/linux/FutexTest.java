package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FutexTest {
    private static final VarHandle INT = JAVA_INT.varHandle();
    private SharedMemoryRegion region;
    private MemorySegment word;

    @BeforeEach
    void createRegion() throws Exception {
        region = SharedMemoryRegion.create("pagestore-test-futex-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime(), 4096);
        word = region.segment().asSlice(0, 4);
    }

    @AfterEach
    void removeRegion() throws Exception {
        region.unlink();
        region.close();
    }

    @Test
    void shouldReturnValueChangedWithoutSleepingWhenWordDiffers() {
        INT.setRelease(word, 0L, 7);
        assertEquals(Futex.WaitResult.VALUE_CHANGED, Futex.await(word, 6, TimeUnit.SECONDS.toNanos(10)));
    }

    @Test
    void shouldTimeOutAfterTheGivenTime() {
        long start = System.nanoTime();
        assertEquals(Futex.WaitResult.TIMED_OUT, Futex.await(word, 0, TimeUnit.MILLISECONDS.toNanos(50)));
        long elapsedNanos = System.nanoTime() - start;
        assertTrue(elapsedNanos >= TimeUnit.MILLISECONDS.toNanos(45), "returned after only " + elapsedNanos + " ns");
    }

    @Test
    void shouldReturnTimedOutAtOnceForNonPositiveTimeout() {
        assertEquals(Futex.WaitResult.TIMED_OUT, Futex.await(word, 0, 0));
    }

    @Test
    void shouldWakeNobodyWhenNobodyWaits() {
        assertEquals(0, Futex.wake(word, 1));
    }

    @Test
    void shouldWakeOnlyTheWaitersWhoseBitIsInTheMask() throws Exception {
        java.util.concurrent.CountDownLatch asleep = new java.util.concurrent.CountDownLatch(2);
        Futex.WaitResult[] results = new Futex.WaitResult[2];
        Thread[] waiters = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int waiter = i;
            waiters[i] = Thread.ofPlatform().start(() -> {
                asleep.countDown();
                results[waiter] = Futex.awaitBits(word, 0, 1 << waiter, TimeUnit.SECONDS.toNanos(5));
            });
        }
        asleep.await();
        assertEquals(1, wakeWhenAsleep(0b10), "only the waiter with bit 1 is woken");
        waiters[1].join();
        assertEquals(Futex.WaitResult.WOKEN, results[1]);
        assertTrue(waiters[0].isAlive(), "the waiter with bit 0 sleeps on");
        assertEquals(1, wakeWhenAsleep(0b01));
        waiters[0].join();
        assertEquals(Futex.WaitResult.WOKEN, results[0]);
    }

    /** Wakes the bitset waiters in {@code bits}, retrying until one is asleep on the word (it may still be on its way). */
    private int wakeWhenAsleep(int bits) throws InterruptedException {
        int woken = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        while (woken == 0 && System.nanoTime() < deadline) {
            woken = Futex.wakeBits(word, Integer.MAX_VALUE, bits);
            Thread.sleep(1);
        }
        return woken;
    }

    @Test
    void shouldTimeOutABitsetWaitAfterTheGivenTime() {
        long started = System.nanoTime();
        assertEquals(Futex.WaitResult.TIMED_OUT, Futex.awaitBits(word, 0, 1, TimeUnit.MILLISECONDS.toNanos(30)));
        long elapsed = System.nanoTime() - started;
        assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(29), "slept only " + elapsed + " ns of 30 ms");
        // the deadline is absolute: a relative reading of it would sleep for the machine's uptime
        assertTrue(elapsed < TimeUnit.SECONDS.toNanos(5), "slept " + elapsed + " ns for a 30 ms timeout");
        assertEquals(Futex.WaitResult.VALUE_CHANGED, Futex.awaitBits(word, 1, 1, TimeUnit.SECONDS.toNanos(1)));
        assertThrows(IllegalArgumentException.class, () -> Futex.awaitBits(word, 0, 0, 1));
        // "forever" must not overflow into a deadline in the past (EINVAL); the word differs, so no sleep happens
        assertEquals(Futex.WaitResult.VALUE_CHANGED, Futex.awaitBits(word, 1, 1, Long.MAX_VALUE));
    }

    @Test
    void shouldRejectMisalignedOrHeapWords() {
        assertThrows(IllegalArgumentException.class, () -> Futex.wake(region.segment().asSlice(1, 4), 1));
        assertThrows(IllegalArgumentException.class, () -> Futex.wake(MemorySegment.ofArray(new int[1]), 1));
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> Futex.wake(arena.allocate(2, 4), 1));
        }
    }

    @Test
    void shouldBeWokenByAnotherProcess() throws Exception {
        try (ChildJvm child = ChildJvm.start(LinuxTestChild.class, "futex-wake", region.name(), "500")) {
            assertEquals("ready", child.awaitLine(Duration.ofSeconds(30)));
            // The child sleeps 500 ms before it wakes us: we are asleep in the kernel by then.
            Futex.WaitResult result = Futex.await(word, 0, TimeUnit.SECONDS.toNanos(20));
            assertEquals(1, (int) INT.getAcquire(word, 0L), "child's store visible after the wake");
            assertTrue(result == Futex.WaitResult.WOKEN, "expected WOKEN, got " + result);
            assertEquals("woke 1", child.awaitLine(Duration.ofSeconds(20)), "the child's wake reached our sleep");
            assertEquals(0, child.awaitExit(Duration.ofSeconds(20)));
        }
    }

    @Test
    void shouldWakeAWaiterInAnotherProcess() throws Exception {
        try (ChildJvm child = ChildJvm.start(LinuxTestChild.class, "futex-wait", region.name())) {
            assertEquals("ready", child.awaitLine(Duration.ofSeconds(30)));
            int woken = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // The child may not be asleep yet: wake until the kernel reports one waiter woken.
            while (woken == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
                woken = Futex.wake(word, 1);
            }
            assertEquals(1, woken, "a waiter in the child process was woken");
            assertEquals("result WOKEN value 0", child.awaitLine(Duration.ofSeconds(20)));
            assertEquals(0, child.awaitExit(Duration.ofSeconds(20)));
        }
    }
}
