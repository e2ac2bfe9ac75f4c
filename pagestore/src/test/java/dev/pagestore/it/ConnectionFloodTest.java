package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.control.ControlServerOptions;
import dev.pagestore.ipc.control.IdleConnectionsMain;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import dev.pagestore.protocol.PageStoreProtocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 7: one local process opened 64 idle connections and every attach failed for as long as it held
 * them. Here a hostile process holds 200 idle connections and 40 that dribble an ATTACH a byte at a time, and a
 * well-behaved worker still attaches at once, in this process and in another; every one of the hostile connections
 * is closed within the handshake deadline.
 */
class ConnectionFloodTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final int IDLE = 200;
    private static final int DRIBBLING = 40;

    @TempDir
    Path directory;

    @Test
    void shouldAttachAWellBehavedWorkerPromptlyWhileAnotherProcessFloodsTheSocket() throws Exception {
        ManagerConfig config = ManagerConfig.defaults(directory).withCapacityPages(1024)
                .withCheckpointIntervalMillis(0);
        try (PageStoreManager manager = PageStoreManager.start(config);
             ChildJvm flood = ChildJvm.start(IdleConnectionsMain.class,
                     PageStoreProtocol.socketPath(directory.toRealPath()).toString(), Integer.toString(IDLE),
                     Integer.toString(DRIBBLING))) {
            assertEquals("HELD " + (IDLE + DRIBBLING), flood.awaitLineStartingWith("HELD", STARTUP),
                    "the flood's connects all went through (the manager accepts them)");
            long startNanos = System.nanoTime();
            try (PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
                long attachMillis = (System.nanoTime() - startNanos) / 1_000_000;
                System.out.println("attach during the flood took " + attachMillis + " ms");
                assertTrue(attachMillis < ControlServerOptions.DEFAULT_HANDSHAKE_TIMEOUT.toMillis(),
                        "attached in " + attachMillis + " ms, without waiting for idle connections to expire");
                client.write(3, WorkerMain.stamp(4096, 3, 1));
                assertArrayEquals(WorkerMain.stamp(4096, 3, 1), client.read(3));
            }
            try (ChildJvm worker = ChildJvm.start(WorkerMain.class, directory.toString(), "load", "0", "16", "500",
                    "7")) {
                assertEquals("READY", worker.awaitLine(STARTUP), "a worker process attaches during the flood");
                assertTrue(worker.awaitLine(STARTUP).startsWith("DONE"));
                assertEquals(0, worker.awaitExit(STARTUP));
            }
            Set<String> closed = new HashSet<>();
            long deadline = System.nanoTime() + ControlServerOptions.DEFAULT_HANDSHAKE_TIMEOUT.toNanos()
                    + Duration.ofSeconds(20).toNanos();
            while (closed.size() < IDLE + DRIBBLING) {
                String line = flood.awaitLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                assertTrue(line.startsWith("CLOSED "), line);
                closed.add(line);
            }
            assertTrue(manager.attachedWorkers() == 0 || manager.attachedWorkers() == 1,
                    "the flood attached nothing: " + manager.attachedWorkers());
        }
    }
}
