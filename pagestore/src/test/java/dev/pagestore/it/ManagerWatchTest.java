package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStore;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process watches all its managers on one thread: attachments to two manager processes, through a shared
 * {@link PageStore} and separate clients, add no liveness thread per channel; the death of one manager fails its
 * calls within a second and leaves the other manager's clients working, through attachments opened and closed around
 * it.
 */
class ManagerWatchTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    Path first;
    @TempDir
    Path second;

    private static ChildJvm manager(Path directory) throws Exception {
        ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--dir", directory.toString(), "--create",
                "--capacity-pages", "1024", "--checkpoint-interval-ms", "0");
        assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP), "the manager did not start");
        return manager;
    }

    @Test
    void shouldWatchEveryManagerOnOneThreadAndTellOnlyTheDeadOnesClients() throws Exception {
        try (ChildJvm doomed = manager(first);
                ChildJvm survivor = manager(second);
                PageStore store = PageStore.open(first, ClientOptions.defaults(), 2);
                PageStoreClient other = PageStoreClient.attach(second, ClientOptions.defaults())) {
            store.write(1, page((byte) 1));
            other.write(1, page((byte) 2));
            try (PageStoreClient third = PageStoreClient.attach(second, ClientOptions.defaults())) {
                assertArrayEquals(page((byte) 2), third.read(1));
                assertEquals(1, threads("pagestore-manager-watch"), "one watch for four attachments");
                assertEquals(0, threads("pagestore-lifeline-watch") + threads("pagestore-control-client"),
                        "no liveness thread per channel");
            }

            long killed = System.nanoTime();
            doomed.process().destroyForcibly();
            long failedAt = 0;
            while (failedAt == 0) {
                try {
                    store.read(1, Duration.ofSeconds(5));
                } catch (PageStoreException e) {
                    if (e.code() != ErrorCode.MANAGER_GONE) {
                        throw e;
                    }
                    failedAt = System.nanoTime();
                }
                if (System.nanoTime() - killed > TimeUnit.SECONDS.toNanos(30)) {
                    fail("calls on the killed manager's store did not fail with MANAGER_GONE within 30 s");
                }
            }
            double millis = (failedAt - killed) / 1e6;
            System.out.printf("manager watch: MANAGER_GONE %.2f ms after SIGKILL%n", millis);
            assertTrue(millis < 1_000, "MANAGER_GONE came " + millis + " ms after the kill");

            assertArrayEquals(page((byte) 2), other.read(1), "the other manager's client goes on");
            try (PageStoreClient after = PageStoreClient.attach(second, ClientOptions.defaults())) {
                after.write(2, page((byte) 3));
                assertArrayEquals(page((byte) 3), other.read(2));
            }
            assertEquals(1, threads("pagestore-manager-watch"));
        }
    }

    @Test
    void shouldLetACallbackOfAFailedCallCloseItsClientAndCallAnotherManagerWithoutStoppingTheWatch()
            throws Exception {
        try (ChildJvm doomed = manager(first);
                ChildJvm survivor = manager(second);
                PageStoreClient other = PageStoreClient.attach(second, ClientOptions.defaults())) {
            PageStoreClient victim = PageStoreClient.attach(first, ClientOptions.defaults());
            other.write(1, page((byte) 5));
            // Stopped, the manager cannot answer: the read is surely pending when the kill lands.
            assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(doomed.process().pid())).start()
                    .waitFor());
            java.util.concurrent.CompletableFuture<byte[]> pending = victim.readAsync(1, Duration.ofSeconds(30));
            java.util.concurrent.CompletableFuture<String> callback = new java.util.concurrent.CompletableFuture<>();
            pending.whenComplete((value, error) -> {
                try {
                    victim.close();  // waits for the watch to let go of the victim's attachment
                    assertArrayEquals(page((byte) 5), other.read(1, Duration.ofSeconds(5)));
                    callback.complete(Thread.currentThread().getName());
                } catch (Throwable t) {
                    callback.completeExceptionally(t);
                }
            });
            doomed.process().destroyForcibly();
            String thread = callback.get(10, TimeUnit.SECONDS);
            assertTrue(pending.isCompletedExceptionally(), "the pending read failed");
            assertTrue(!thread.startsWith("pagestore-manager-watch"), "callback ran on " + thread);
            // The watch still watches: the survivor's death is told too.
            DeathProbe probe = new DeathProbe(other);
            survivor.process().destroyForcibly();
            assertTrue(probe.failsWithManagerGoneWithin(Duration.ofSeconds(5)), "the survivor's death went unseen");
        }
    }

    /** Reads through {@code client} until a read fails with MANAGER_GONE or the time is up. */
    private record DeathProbe(PageStoreClient client) {
        boolean failsWithManagerGoneWithin(Duration limit) throws Exception {
            long giveUp = System.nanoTime() + limit.toNanos();
            while (System.nanoTime() < giveUp) {
                try {
                    client.read(1, Duration.ofSeconds(1));
                } catch (PageStoreException e) {
                    if (e.code() == ErrorCode.MANAGER_GONE) {
                        return true;
                    }
                }
                Thread.sleep(5);
            }
            return false;
        }
    }

    private static byte[] page(byte fill) {
        byte[] page = new byte[4096];
        java.util.Arrays.fill(page, fill);
        return page;
    }

    private static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }
}
