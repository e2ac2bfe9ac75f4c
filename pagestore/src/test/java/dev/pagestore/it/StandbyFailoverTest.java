package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.StoreMetadata;
import dev.pagestore.replication.cluster.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, items 2 and 3, with real processes: a standby applies the primary's ledgers and serves reads (its
 * workers' writes are answered READ_ONLY); when the primary is killed, the standby fences it, applies its tail and
 * serves writes, holding every write the primary acknowledged; the old primary is refused when it comes back.
 */
class StandbyFailoverTest {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final int PAGE = 4096;
    private static final int PAGES = 64;

    @TempDir
    Path root;

    private static ChildJvm manager(LocalCluster cluster, Path store, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("manager", "--dir", store.toString(), "--create",
                "--capacity-pages", "256", "--checkpoint-interval-ms", "500", "--replicate",
                cluster.metadataServiceUri(), "--session-timeout-ms", "2000"));
        args.addAll(Arrays.asList(more));
        return ChildJvm.start(PageStoreCli.class, args.toArray(String[]::new));
    }

    private static void writeAll(Path store, int from, int to, long version) throws Exception {
        try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
            for (int page = from; page < to; page++) {
                client.write(page, WorkerMain.stamp(PAGE, page, version));
            }
        }
    }

    @Test
    void shouldServeReadsThenTakeOverWithEveryAcknowledgedWrite() throws Exception {
        Path primaryDir = root.resolve("primary");
        Path standbyDir = root.resolve("standby");
        try (LocalCluster cluster = LocalCluster.start(root.resolve("cluster"));
                ChildJvm primary = manager(cluster, primaryDir)) {
            assertNotNull(primary.awaitLineStartingWith("pagestore manager pid", STARTUP),
                    primary.errorLines().toString());
            writeAll(primaryDir, 0, PAGES, 1);
            UUID storeId = StoreMetadata.read(primaryDir).orElseThrow().storeId();
            try (ChildJvm standby = manager(cluster, standbyDir, "--standby", "--store", storeId.toString())) {
                assertNotNull(standby.awaitLineStartingWith("pagestore manager pid", STARTUP),
                        standby.errorLines().toString());
                writeAll(primaryDir, 0, PAGES / 2, 2);
                try (PageStoreClient reader = PageStoreClient.attach(standbyDir, ClientOptions.defaults())) {
                    awaitPage(reader, PAGES / 2 - 1, 2, Duration.ofSeconds(60));
                    try {
                        reader.write(3, WorkerMain.stamp(PAGE, 3, 9));
                        fail("a standby's worker wrote a page");
                    } catch (PageStoreException e) {
                        assertEquals(ErrorCode.READ_ONLY, e.code(), e.toString());
                    }
                }
                try (PageStoreClient writer = PageStoreClient.attach(primaryDir, ClientOptions.defaults()
                        .withAutoReattach(true).withFailoverDirectories(List.of(standbyDir)))) {
                    writer.write(0, WorkerMain.stamp(PAGE, 0, 2));
                    primary.kill9();
                    long tookOverMillis = awaitWritable(writer, Duration.ofSeconds(60));
                    System.out.printf("failover: first write acknowledged through the failover client %d ms after the"
                            + " primary's kill -9 (its session timeout: 2000 ms)%n", tookOverMillis);
                }
                try (PageStoreClient client = PageStoreClient.attach(standbyDir, ClientOptions.defaults())) {
                    assertArrayEquals(WorkerMain.stamp(PAGE, 0, 3), client.read(0));
                    for (int page = 1; page < PAGES; page++) {
                        assertArrayEquals(WorkerMain.stamp(PAGE, page, page < PAGES / 2 ? 2 : 1), client.read(page),
                                "page " + page + " holds the last write the old primary acknowledged");
                    }
                }
                try (ChildJvm revived = manager(cluster, primaryDir)) {
                    assertEquals(1, revived.awaitExit(STARTUP), "the old primary is refused");
                    assertTrue(revived.errorLines().stream().anyMatch(l -> l.contains("has a newer primary")),
                            revived.errorLines().toString());
                }
                standby.sigterm();
                assertEquals(0, standby.awaitExit(STARTUP), standby.errorLines().toString());
            }
        }
    }

    /** Waits until {@code page} reads as {@code version}'s stamp on {@code reader}. */
    private static void awaitPage(PageStoreClient reader, long page, long version, Duration timeout)
            throws Exception {
        byte[] expected = WorkerMain.stamp(PAGE, page, version);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Arrays.equals(expected, reader.read(page))) {
            if (System.nanoTime() > deadline) {
                fail("the standby did not apply page " + page + " version " + version + " in " + timeout);
            }
            Thread.sleep(50);
        }
    }

    /** Writes page 0 through {@code client} until a write is acknowledged; the milliseconds that took. */
    private static long awaitWritable(PageStoreClient client, Duration timeout) throws Exception {
        long started = System.nanoTime();
        while (true) {
            try {
                client.write(0, WorkerMain.stamp(PAGE, 0, 3), Duration.ofSeconds(5));
                return (System.nanoTime() - started) / 1_000_000;
            } catch (PageStoreException e) {
                if (System.nanoTime() - started > timeout.toNanos()) {
                    throw e;
                }
                Thread.sleep(10);  // MANAGER_GONE until it re-attaches to the standby that took over
            }
        }
    }
}
