package dev.pagestore.manager;

import static dev.pagestore.manager.PageStoreManagerTest.page;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.linux.IoUringProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reactor on io_uring registers each served channel's buffer slab with its ring (the kernel pins its pages once, not
 * on every read into them) and lets go of it when the channel is reclaimed. Seen from outside, in the process's
 * {@code VmPin}: it rises by the slabs of the workers attached and falls back when they leave, worker after worker, so
 * a worker attaching and leaving in a loop leaves nothing pinned behind.
 */
class RegisteredSlabsTest {
    @TempDir
    Path directory;

    @Test
    void shouldPinEachServedSlabOnceAndLetGoWhenItsWorkerLeaves() throws Exception {
        assumeTrue(IoUringProbe.run().available(), "io_uring unavailable here");
        String[] release = System.getProperty("os.version").split("[.-]");
        assumeTrue(Integer.parseInt(release[0]) * 100 + Integer.parseInt(release[1]) >= 519,
                "sparse buffer tables need Linux 5.19");
        assumeTrue(Files.readString(Path.of("/proc/self/limits")).lines()
                .anyMatch(l -> l.startsWith("Max locked memory") && l.contains("unlimited"))
                || "root".equals(System.getProperty("user.name")), "the memlock limit may refuse registration");
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory).withCapacityPages(1024)
                .withCheckpointIntervalMillis(0).withBackend(DeviceFactory.named("io_uring")))) {
            long before = pinnedKib();
            for (int round = 0; round < 3; round++) {
                List<PageStoreClient> clients = new ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    clients.add(PageStoreClient.attach(directory, ClientOptions.defaults()));
                }
                long pinned = awaitPinned(before, true);
                assertTrue(pinned - before >= 3 * 64, "3 slabs of 64 KiB at least (16 slots of 4 KiB), pinned "
                        + (pinned - before) + " KiB");
                for (int c = 0; c < clients.size(); c++) {
                    int pageNumber = 10 * round + c;
                    clients.get(c).write(pageNumber, page(4096, pageNumber, round));
                    assertArrayEquals(page(4096, pageNumber, round), clients.get((c + 1) % 3).read(pageNumber),
                            "read back through another worker's slab");
                }
                for (PageStoreClient client : clients) {
                    client.close();
                }
                assertEquals(before, awaitPinned(before, false), "round " + round + ": the slabs were let go");
            }
        }
    }

    /** Waits until VmPin is above {@code base} (or back at it), at most 10 s; returns it. */
    private static long awaitPinned(long base, boolean above) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        long pinned = pinnedKib();
        while ((above ? pinned <= base : pinned != base) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            pinned = pinnedKib();
        }
        return pinned;
    }

    private static long pinnedKib() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmPin:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
    }
}
