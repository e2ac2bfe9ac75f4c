package dev.pagestore.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The manager's lifeline in a channel, between real processes: a death is heard at once, a normal close never. */
class LifelineTest {
    private final String name = TestChannels.uniqueName("lifeline");

    @AfterEach
    void removeChannel() throws Exception {
        TestChannels.remove(name);
    }

    private ChildJvm manager(int ballastMebibytes) throws Exception {
        ChildJvm child = ChildJvm.start(LifelineManagerMain.class, List.of("-Xmx1g"), name,
                Integer.toString(ballastMebibytes));
        assertEquals("ready", child.awaitLine(Duration.ofSeconds(60)));
        return child;
    }

    @Test
    void shouldTellTheWorkerOfAKilledManagerBeforeTheKernelHasReapedIt() throws Exception {
        try (ChildJvm child = manager(512); Channel worker = Channel.attach(name)) {
            CompletableFuture<Long> heard = new CompletableFuture<>();
            CompletableFuture<String> detail = new CompletableFuture<>();
            worker.watchManager(d -> {
                heard.complete(System.nanoTime());
                detail.complete(d);
            });
            Thread.sleep(100);
            assertFalse(heard.isDone(), "a live manager is not reported dead");

            long killed = System.nanoTime();
            child.process().destroyForcibly();
            long heardAt = heard.get(30, TimeUnit.SECONDS);
            child.process().waitFor();
            long reaped = System.nanoTime();
            System.out.printf("lifeline: manager death heard %.2f ms after SIGKILL; the kernel reaped it after %.2f ms"
                    + "%n", (heardAt - killed) / 1e6, (reaped - killed) / 1e6);
            assertTrue(detail.get().contains("died"), detail.get());
            assertTrue(heardAt - killed < TimeUnit.SECONDS.toNanos(5), "heard within 5 s (it is about 1 ms)");
        }
    }

    @Test
    void shouldStayQuietWhenTheManagerClosesTheChannelNormally() throws Exception {
        try (ChildJvm child = manager(0); Channel worker = Channel.attach(name)) {
            CompletableFuture<String> heard = new CompletableFuture<>();
            worker.watchManager(heard::complete);
            child.send("close");
            assertEquals("closed", child.awaitLine(Duration.ofSeconds(30)));
            assertThrows(TimeoutException.class, () -> heard.get(200, TimeUnit.MILLISECONDS));
            child.process().destroyForcibly();
            child.process().waitFor();
            assertThrows(TimeoutException.class, () -> heard.get(200, TimeUnit.MILLISECONDS),
                    "once released, the lifeline no longer reports the manager");
        }
    }

    @Test
    void shouldStopWatchingPromptlyWhenTheWorkerCloses() throws Exception {
        try (ChildJvm child = manager(0)) {
            Channel worker = Channel.attach(name);
            CompletableFuture<String> heard = new CompletableFuture<>();
            worker.watchManager(heard::complete);
            long start = System.nanoTime();
            worker.close();
            long closeMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(closeMillis < 2_000, "close waited " + closeMillis + " ms for the watch");
            assertFalse(heard.isDone(), "closing the worker side is not a manager death");
            assertTrue(child.process().isAlive());
        }
    }

    @Test
    void shouldRefuseASecondWatchAndAWatchFromTheManagerSide() throws Exception {
        ChannelParameters parameters = new ChannelParameters(4096, 16, 16, 16);
        try (Channel created = Channel.create(name, parameters); Channel worker = Channel.attach(name)) {
            assertThrows(IllegalStateException.class, () -> created.watchManager(d -> { }));
            worker.watchManager(d -> { });
            IllegalStateException second = assertThrows(IllegalStateException.class,
                    () -> worker.watchManager(d -> { }));
            assertNotNull(second.getMessage());
        }
    }
}
