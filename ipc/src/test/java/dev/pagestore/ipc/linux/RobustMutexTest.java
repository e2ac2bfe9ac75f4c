package dev.pagestore.ipc.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The robust mutex's outcomes, in one process (threads); {@code LifelineTest} covers process death. */
class RobustMutexTest {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory = arena.allocate(RobustMutex.SIZE_BYTES, 64);

    @AfterEach
    void free() {
        arena.close();
    }

    private static <T> T onAnotherThread(java.util.concurrent.Callable<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(work.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        thread.start();
        thread.join();
        return result.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldTimeOutWhileAnotherThreadHoldsItAndLockAfterItIsReleased() throws Exception {
        RobustMutex mutex = RobustMutex.initialize(memory);
        assertEquals(RobustMutex.Outcome.ACQUIRED, mutex.lock());
        assertEquals(RobustMutex.Outcome.TIMED_OUT, onAnotherThread(() -> mutex.lockWithin(20_000_000L)));
        mutex.unlock();
        assertEquals(RobustMutex.Outcome.ACQUIRED, onAnotherThread(() -> {
            RobustMutex.Outcome outcome = mutex.lockWithin(TimeUnit.SECONDS.toNanos(5));
            mutex.unlock();
            return outcome;
        }));
    }

    @Test
    void shouldReportOwnerDiedWhenTheHoldingThreadEndsAndNotRecoverableAfterAnUnrepairedUnlock() throws Exception {
        RobustMutex mutex = RobustMutex.initialize(memory);
        assertEquals(RobustMutex.Outcome.ACQUIRED, onAnotherThread(mutex::lock));  // that thread ends holding it
        assertEquals(RobustMutex.Outcome.OWNER_DIED, mutex.lockWithin(TimeUnit.SECONDS.toNanos(5)));
        mutex.unlock();
        assertEquals(RobustMutex.Outcome.NOT_RECOVERABLE, mutex.lockWithin(TimeUnit.SECONDS.toNanos(5)));
    }

    @Test
    void shouldSeeTheSameMutexThroughAnotherView() throws Exception {
        RobustMutex.initialize(memory).lock();
        RobustMutex view = RobustMutex.at(memory);
        assertEquals(RobustMutex.Outcome.TIMED_OUT, onAnotherThread(() -> view.lockWithin(1_000_000L)));
        view.unlock();  // same thread that locked: allowed
    }

    @Test
    void shouldRejectTooSmallOrMisalignedMemoryAndNegativeTimeouts() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> RobustMutex.initialize(memory.asSlice(0, 32)));
        assertThrows(IllegalArgumentException.class, () -> RobustMutex.at(memory.asSlice(4)));
        RobustMutex mutex = RobustMutex.initialize(memory);
        assertThrows(IllegalArgumentException.class, () -> mutex.lockWithin(-1));
    }
}
