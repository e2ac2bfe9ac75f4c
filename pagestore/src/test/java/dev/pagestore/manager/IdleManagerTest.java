package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An idle manager with attached workers sleeps: its reactor and the clients' completion threads use almost no CPU. */
class IdleManagerTest {
    @TempDir
    Path directory;

    @Test
    void shouldNotKeepACoreBusyWhileIdleWithWorkersAttached() throws Exception {
        ManagerConfig config = ManagerConfig.defaults(directory).withCapacityPages(256).withCheckpointIntervalMillis(0);
        try (PageStoreManager manager = PageStoreManager.start(config);
                PageStoreClient a = PageStoreClient.attach(directory, ClientOptions.defaults());
                PageStoreClient b = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            a.write(1, new byte[4096]);
            b.read(1);
            Thread.sleep(200);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long before = cpuNanos(threads);
            long wallStart = System.nanoTime();
            Thread.sleep(1000);
            long cpu = cpuNanos(threads) - before;
            long wall = System.nanoTime() - wallStart;
            System.out.println("idle: reactor and completion threads used " + cpu / 1_000_000 + " ms CPU in "
                    + wall / 1_000_000 + " ms");
            assertTrue(cpu < wall / 4, "idle pagestore threads used " + cpu / 1_000_000 + " ms CPU in "
                    + wall / 1_000_000 + " ms");
            b.read(1);  // and it still wakes up
        }
    }

    private static long cpuNanos(ThreadMXBean threads) {
        long total = 0;
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            String name = thread.getName();
            if (name.startsWith("pagestore-reactor") || name.startsWith("pagestore-client-completions")) {
                long cpu = threads.getThreadCpuTime(thread.threadId());
                if (cpu > 0) {
                    total += cpu;
                }
            }
        }
        return total;
    }
}
