package dev.pagestore.ipc.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.memory.OrderedAccess;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The robust futex list within one process (a thread's death); {@code LifelineTest} covers a process's. */
class RobustFutexListTest {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment entries = arena.allocate(4 * 64, 64);

    @AfterEach
    void free() {
        arena.close();
    }

    private MemorySegment entry(int i) {
        return entries.asSlice(i * 64L, RobustFutexList.ENTRY_BYTES);
    }

    private static int word(MemorySegment entry) {
        return OrderedAccess.getIntAcquire(entry, RobustFutexList.WORD_OFFSET);
    }

    /** Runs {@code work} on a new thread with its own list; the thread then ends (holding whatever it held). */
    private static <T> T onThreadThatEnds(ListWork<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(work.run(RobustFutexList.registerForCurrentThread()));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        thread.start();
        thread.join();
        return result.get(10, TimeUnit.SECONDS);
    }

    @FunctionalInterface
    private interface ListWork<T> {
        T run(RobustFutexList list) throws Exception;
    }

    @Test
    void shouldMarkEveryHeldWordOwnerDeadWhenTheHoldingThreadEnds() throws Exception {
        int tid = onThreadThatEnds(list -> {
            for (int i = 0; i < 3; i++) {
                list.hold(entry(i));
            }
            list.release(entry(1));
            return list.tid();
        });
        for (int i : new int[] {0, 2}) {
            // join() returns when the JVM is done with the thread, a moment before the kernel has run its exit
            int value = awaitOwnerDead(entry(i));
            assertTrue((value & RobustFutexList.FUTEX_OWNER_DIED) != 0, "entry " + i + " owner-dead: " + value);
            assertEquals(0, value & RobustFutexList.FUTEX_TID_MASK, "the kernel clears the dead thread's id");
        }
        assertEquals(0, word(entry(1)), "a released entry is left alone");
        assertTrue(tid > 0);
    }

    private static int awaitOwnerDead(MemorySegment entry) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int value = word(entry);
        while ((value & RobustFutexList.FUTEX_OWNER_DIED) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
            value = word(entry);
        }
        return value;
    }

    @Test
    void shouldWakeAWaiterWhenTheHolderDies() throws Exception {
        CompletableFuture<Void> held = new CompletableFuture<>();
        CompletableFuture<Void> die = new CompletableFuture<>();
        Thread holder = new Thread(() -> {
            try {
                RobustFutexList.registerForCurrentThread().hold(entry(0));
                held.complete(null);
                die.get();
            } catch (Exception e) {
                held.completeExceptionally(e);
            }
        });
        holder.start();
        held.get(10, TimeUnit.SECONDS);
        int value = word(entry(0));
        assertTrue(OrderedAccess.compareAndSetInt(entry(0), RobustFutexList.WORD_OFFSET, value,
                value | RobustFutexList.FUTEX_WAITERS));
        long start = System.nanoTime();
        die.complete(null);
        Futex.WaitResult result = Futex.await(entry(0).asSlice(RobustFutexList.WORD_OFFSET, 4),
                value | RobustFutexList.FUTEX_WAITERS, TimeUnit.SECONDS.toNanos(10));
        holder.join();
        assertTrue(result != Futex.WaitResult.TIMED_OUT, "woken by the kernel, not by the timeout");
        assertTrue((word(entry(0)) & RobustFutexList.FUTEX_OWNER_DIED) != 0);
        assertTrue((word(entry(0)) & RobustFutexList.FUTEX_WAITERS) != 0, "the kernel keeps the waiters bit");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void shouldNeverFollowLinksAPeerScribbledOver() throws Exception {
        onThreadThatEnds(list -> {
            for (int i = 0; i < 4; i++) {
                list.hold(entry(i));
            }
            // A hostile peer rewrites every link and one word: releases must write only what the list knows.
            for (int i = 0; i < 4; i++) {
                entry(i).set(JAVA_LONG, RobustFutexList.LINK_OFFSET, 0xDEAD_BEEF_0000L + i);
            }
            entry(2).set(JAVA_INT, RobustFutexList.WORD_OFFSET, 12345);
            list.release(entry(1));
            assertEquals(false, list.release(entry(2)), "a word someone else rewrote is reported");
            list.release(entry(0));
            list.release(entry(3));
            assertEquals(0, list.size());
            list.hold(entry(1));
            list.release(entry(1));
            return null;
        });
        for (int i = 0; i < 4; i++) {
            assertEquals(0, word(entry(i)), "entry " + i + " free");
        }
    }

    @Test
    void shouldRefuseABusyWordAnotherThreadAndAnEntryItDoesNotHold() throws Exception {
        RobustFutexList list = onThreadThatEnds(l -> {
            l.hold(entry(0));
            assertThrows(IllegalStateException.class, () -> l.hold(entry(0)), "a busy word");
            assertThrows(IllegalArgumentException.class, () -> l.release(entry(1)), "not held");
            assertThrows(IllegalArgumentException.class, () -> l.hold(entries.asSlice(4, 16)), "misaligned");
            l.release(entry(0));
            return l;
        });
        assertThrows(IllegalStateException.class, () -> list.hold(entry(3)), "another thread");
    }
}
