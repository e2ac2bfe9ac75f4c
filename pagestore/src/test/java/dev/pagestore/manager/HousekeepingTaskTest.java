package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A housekeeping job that throws runs again at its next time. Scheduled bare, the first exception cancelled it for
 * good: the manager's check that its directory is still its own would have ended with it.
 */
class HousekeepingTaskTest {
    @Test
    void shouldRunAJobAgainWhateverItThrows() throws Exception {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicInteger bareRuns = new AtomicInteger();
            ScheduledFuture<?> bare = executor.scheduleWithFixedDelay(() -> {
                bareRuns.incrementAndGet();
                throw new IllegalStateException("unexpected");
            }, 0, 5, TimeUnit.MILLISECONDS);
            assertThrows(ExecutionException.class, () -> bare.get(10, TimeUnit.SECONDS),
                    "scheduled bare, the job is cancelled by its first exception");

            AtomicInteger runs = new AtomicInteger();
            executor.scheduleWithFixedDelay(new HousekeepingTask("a job that fails now and then", () -> {
                int run = runs.incrementAndGet();
                if (run == 1) {
                    throw new IllegalStateException("unexpected");
                }
                if (run == 2) {
                    throw new AssertionError("an Error too");
                }
            }), 0, 5, TimeUnit.MILLISECONDS);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (runs.get() < 5) {
                assertTrue(System.nanoTime() < deadline, "the job ran " + runs.get() + " times");
                Thread.sleep(5);
            }
            assertEquals(1, bareRuns.get());
        } finally {
            executor.shutdownNow();
        }
    }
}
