package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How soon pending calls fail with {@code MANAGER_GONE} after the manager process is killed under load (issue 6: within
 * 50 ms). Each round starts a manager JVM, keeps 32 writes in flight from this process while a worker JVM adds load,
 * stops the manager (SIGSTOP) and posts 32 more writes so that calls are surely pending, sends SIGKILL, and measures
 * from just before the signal to the last pending call's failure.
 *
 * <p>The suite runs 3 rounds; {@code -Dpagestore.managerGone.kills=N} runs more. The bound asserted here is generous
 * (shared 2-core machines stall for long stretches); the figure that matters is printed, with median and maximum.
 */
class ManagerGoneLatencyTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final long CAPACITY = 4096;

    @TempDir
    Path directory;

    private ChildJvm managerProcess() throws Exception {
        ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--dir", directory.toString(),
                "--create", "--capacity-pages", Long.toString(CAPACITY), "--checkpoint-interval-ms", "0");
        assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP), "the manager did not start");
        return manager;
    }

    @Test
    void shouldFailEveryPendingCallWithManagerGoneWithinMillisecondsOfTheManagersDeath() throws Exception {
        int kills = Integer.getInteger("pagestore.managerGone.kills", 3);
        double[] lastFailureMillis = new double[kills];
        for (int round = 0; round < kills; round++) {
            lastFailureMillis[round] = oneKill(round);
            System.out.printf("manager gone, round %d: %.2f ms from SIGKILL to the last pending call failed%n",
                    round + 1, lastFailureMillis[round]);
        }
        double[] sorted = lastFailureMillis.clone();
        Arrays.sort(sorted);
        System.out.printf("manager gone: %d kills, median %.2f ms, max %.2f ms (target 50 ms)%n", kills,
                sorted[kills / 2], sorted[kills - 1]);
        assertTrue(sorted[kills - 1] < 2_000, "pending calls failed " + sorted[kills - 1] + " ms after the kill");
    }

    private double oneKill(int round) throws Exception {
        try (ChildJvm manager = managerProcess();
                ChildJvm load = ChildJvm.start(WorkerMain.class, directory.toString(), "load", "2048", "512",
                        "600000", Long.toString(round))) {
            assertEquals("READY", load.awaitLine(STARTUP), "the load worker did not attach");
            try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                Outcomes outcomes = new Outcomes();
                List<CompletableFuture<Void>> inFlight = new ArrayList<>();
                long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
                long sequence = 0;
                while (System.nanoTime() < killAt) {
                    inFlight.removeIf(CompletableFuture::isDone);
                    while (inFlight.size() < 32) {
                        long page = sequence++ % 1024;
                        inFlight.add(outcomes.track(client.writeAsync(page, WorkerMain.stamp(4096, page, sequence))));
                    }
                    Thread.onSpinWait();
                }
                // Freeze the manager, then post 32 more: a quiet disk acknowledges a write in well under a
                // millisecond, so only a stopped manager guarantees calls that are pending when SIGKILL lands.
                signal("STOP", manager.process().pid());
                awaitStopped(manager.process().pid());
                inFlight.removeIf(CompletableFuture::isDone);
                for (int i = 0; i < 32; i++) {
                    long page = sequence++ % 1024;
                    inFlight.add(outcomes.track(client.writeAsync(page, WorkerMain.stamp(4096, page, sequence))));
                }
                Thread.sleep(50);
                long killed = System.nanoTime();
                manager.process().destroyForcibly();
                for (CompletableFuture<Void> f : inFlight) {
                    try {
                        f.get(30, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException expected) {
                        // MANAGER_GONE, or acknowledged just before the kill
                    }
                }
                assertEquals(null, outcomes.unexpected.get(), "only MANAGER_GONE failures");
                assertTrue(outcomes.failures.get() > 0, "some pending call failed with MANAGER_GONE ("
                        + outcomes.successes.get() + " of the last " + inFlight.size() + " calls succeeded)");
                manager.process().waitFor();
                System.out.println("manager gone, round " + (round + 1) + ": " + outcomes.how.get());
                return (outcomes.lastFailure.get() - killed) / 1e6;
            }
        }
    }

    /**
     * When the last call failed with MANAGER_GONE, how many did and how many succeeded, how the first one said it, and
     * any other failure. {@link #track} returns the future of the callback itself, so a caller that waited for it
     * sees the callback's counts (the call's own future completes before its callbacks run).
     */
    private static final class Outcomes {
        final AtomicLong lastFailure = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong failures = new AtomicLong();
        final AtomicLong successes = new AtomicLong();
        final AtomicReference<String> how = new AtomicReference<>();
        final AtomicReference<Throwable> unexpected = new AtomicReference<>();

        CompletableFuture<Void> track(CompletableFuture<Void> call) {
            return call.whenComplete((v, e) -> {
                if (e == null) {
                    successes.incrementAndGet();
                    return;
                }
                Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                if (cause instanceof PageStoreException p && p.code() == ErrorCode.MANAGER_GONE) {
                    lastFailure.accumulateAndGet(System.nanoTime(), Math::max);
                    failures.incrementAndGet();
                    how.compareAndSet(null, cause.getMessage());
                } else {
                    unexpected.compareAndSet(null, cause);
                }
            });
        }
    }

    /**
     * Waits until every thread of {@code pid} is in the stopped state: kill(2) returns once the signal is queued, and
     * each thread stops only when it next notices it, so a thread may still complete calls just after SIGSTOP.
     */
    private static void awaitStopped(long pid) throws Exception {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            boolean allStopped = true;
            try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
                for (Path task : tasks.toList()) {
                    String stat;
                    try {
                        stat = Files.readString(task.resolve("stat"));
                    } catch (java.io.IOException exited) {
                        continue;  // the thread ended meanwhile (ENOENT or ESRCH)
                    }
                    // state is the first field after the parenthesised command, which may itself hold ')'
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    allStopped &= state == 'T' || state == 't';
                }
            }
            if (allStopped) {
                return;
            }
            assertTrue(System.nanoTime() < giveUp, "manager " + pid + " did not stop within 30 s of SIGSTOP");
            Thread.sleep(1);
        }
    }

    private static void signal(String name, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid);
    }
}
