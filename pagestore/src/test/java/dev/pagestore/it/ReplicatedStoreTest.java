package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.cli.stat.MiniJson;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.StoreMetadata;
import dev.pagestore.replication.ReplicatedLogReader;
import dev.pagestore.replication.ReplicationConfig;
import dev.pagestore.replication.cluster.LocalCluster;
import dev.pagestore.wal.WalRecordDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication with real processes, on one local cluster (ZooKeeper and three bookies): a manager replicating its WAL
 * holds every acknowledged write in the ledgers across a {@code kill -9} and restart; a primary whose ledger another
 * manager fenced stops, and may not start again; a standby serves reads (its workers' writes are answered
 * READ_ONLY), and when the primary is killed it takes over holding every write the primary acknowledged, while a
 * client with failover directories follows it; three failovers in a row under a writer lose no acknowledged write.
 */
class ReplicatedStoreTest {
    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final int PAGE = 4096;
    private static final int PAGES = 64;

    @TempDir
    static Path root;
    private static LocalCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(root.resolve("cluster"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ChildJvm manager(Path store, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("manager", "--dir", store.toString(), "--create",
                "--capacity-pages", "256", "--checkpoint-interval-ms", "300", "--replicate",
                cluster.metadataServiceUri()));
        args.addAll(List.of(more));
        return ChildJvm.start(PageStoreCli.class, args.toArray(String[]::new));
    }

    private static void writeAll(Path store, int from, int to, long version) throws Exception {
        try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
            for (int page = from; page < to; page++) {
                client.write(page, WorkerMain.stamp(PAGE, page, version));
            }
        }
    }

    /** Page number to its last image in the ledgers, read in log order, fencing each ledger first. */
    private static Map<Long, byte[]> lastImages(UUID storeId) throws Exception {
        Map<Long, byte[]> last = new HashMap<>();
        ReplicatedLogReader.readAll(ReplicationConfig.of(cluster.metadataServiceUri()), storeId, true,
                (ledger, entry, record) -> {
                    int count = WalRecordDescriptor.pageCount(record, 0);
                    for (int i = 0; i < count; i++) {
                        long page = WalRecordDescriptor.pageNumber(record, 0, i);
                        last.put(page, record.asSlice(WalRecordDescriptor.pageImageOffset(i, count, PAGE), PAGE)
                                .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    }
                });
        return last;
    }

    @Test
    void shouldHoldEveryAcknowledgedWriteInTheLedgersAcrossAKillAndRestart() throws Exception {
        Path store = root.resolve("kept");
        try (ChildJvm first = manager(store)) {
            assertNotNull(first.awaitLineStartingWith("pagestore manager pid", STARTUP), first.errorLines().toString());
            writeAll(store, 0, 100, 1);
            first.kill9();
        }
        try (ChildJvm second = manager(store)) {
            assertNotNull(second.awaitLineStartingWith("pagestore manager pid", STARTUP),
                    second.errorLines().toString());
            writeAll(store, 0, 50, 2);
            second.sigterm();
            assertEquals(0, second.awaitExit(STARTUP), second.errorLines().toString());
        }
        UUID storeId = StoreMetadata.read(store).orElseThrow().storeId();
        Map<Long, byte[]> last = lastImages(storeId);
        for (long page = 0; page < 100; page++) {
            assertArrayEquals(WorkerMain.stamp(PAGE, page, page < 50 ? 2 : 1), last.get(page),
                    "page " + page + "'s last acknowledged write is the last image in the ledgers");
        }
    }

    @Test
    void shouldRefuseAReplicatedStoreStartedWithoutReplication() throws Exception {
        Path store = root.resolve("mistyped");
        try (ChildJvm primary = manager(store)) {
            assertNotNull(primary.awaitLineStartingWith("pagestore manager pid", STARTUP),
                    primary.errorLines().toString());
            writeAll(store, 0, 4, 1);
            primary.sigterm();
            assertEquals(0, primary.awaitExit(STARTUP), primary.errorLines().toString());
        }
        try (ChildJvm plain = ChildJvm.start(PageStoreCli.class, "manager", "--dir", store.toString())) {
            assertEquals(1, plain.awaitExit(STARTUP), "its commits would reach no ledger");
            assertTrue(plain.errorLines().stream().anyMatch(l -> l.contains("is replicated through "
                    + cluster.metadataServiceUri() + ": start it with --replicate")), plain.errorLines().toString());
        }
    }

    @Test
    void shouldStopAPrimaryWhoseSessionExpired() throws Exception {
        Path store = root.resolve("expired");
        try (ChildJvm primary = manager(store, "--session-timeout-ms", "1500")) {
            assertNotNull(primary.awaitLineStartingWith("pagestore manager pid", STARTUP),
                    primary.errorLines().toString());
            writeAll(store, 0, 4, 1);
            signal("-STOP", primary.pid());  // silent past its session: a standby could be taking over now
            Thread.sleep(4000);
            signal("-CONT", primary.pid());
            int exit = primary.awaitExit(STARTUP);
            assertTrue(exit != 0, "an idle primary that lost its session stops, and serves no stale read: " + exit);
            assertTrue(primary.errorLines().stream().anyMatch(l -> l.contains("session of this primary")
                    && l.contains("expired")), primary.errorLines().toString());
        }
    }

    @Test
    void shouldStopAndStayStoppedWhenAnotherManagerTakesTheStoreOver() throws Exception {
        Path store = root.resolve("fenced");
        try (ChildJvm primary = manager(store)) {
            assertNotNull(primary.awaitLineStartingWith("pagestore manager pid", STARTUP),
                    primary.errorLines().toString());
            writeAll(store, 0, 10, 1);
            UUID storeId = StoreMetadata.read(store).orElseThrow().storeId();
            takeOver(storeId);
            lastImages(storeId);  // recovery opens fence the primary's ledger, as a new primary's start does
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                assertThrows(Exception.class, () -> client.write(11, WorkerMain.stamp(PAGE, 11, 1)),
                        "a fenced primary acknowledges nothing more");
            }
            assertEquals(3, primary.awaitExit(STARTUP), "a fenced primary's log fails, and the manager stops");
            assertTrue(primary.errorLines().stream().anyMatch(l -> l.contains("fenced by another manager")),
                    primary.errorLines().toString());
        }
        try (ChildJvm again = manager(store)) {
            assertEquals(1, again.awaitExit(STARTUP), "a directory that lost its epoch is refused");
            assertTrue(again.errorLines().stream().anyMatch(l -> l.contains("has a newer primary")),
                    again.errorLines().toString());
        }
    }

    /** The store's ledger list as ZooKeeper holds it: {@code LEDGER_ID EPOCH} per ledger, in log order. */
    private static List<String> ledgerList(UUID storeId) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(cluster.zookeeperConnectString(), 4000, event -> connected.countDown());
        try {
            assertTrue(connected.await(30, TimeUnit.SECONDS));
            return new String(zk.getData("/pagestore/stores/" + storeId + "/ledgers", false, null),
                    StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        } finally {
            zk.close();
        }
    }

    /** What a standby's promotion does first: the next epoch, held by another directory. */
    private static void takeOver(UUID storeId) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(cluster.zookeeperConnectString(), 4000, event -> connected.countDown());
        try {
            assertTrue(connected.await(30, TimeUnit.SECONDS));
            String path = "/pagestore/stores/" + storeId + "/primary";
            Stat stat = new Stat();
            String text = new String(zk.getData(path, false, stat), StandardCharsets.UTF_8);
            long epoch = Long.parseLong(text.lines().filter(l -> l.startsWith("epoch=")).findFirst().orElseThrow()
                    .substring("epoch=".length()));
            zk.setData(path, ("epoch=" + (epoch + 1) + "\nowner=" + UUID.randomUUID() + "\nwhere=a test\n")
                    .getBytes(StandardCharsets.UTF_8), stat.getVersion());
        } finally {
            zk.close();
        }
    }

    @Test
    void shouldServeReadsThenTakeOverWithEveryAcknowledgedWrite() throws Exception {
        Path primaryDir = root.resolve("primary");
        Path standbyDir = root.resolve("standby");
        // the primary's session is short (its death is seen soon); the standby's long enough to be stopped a while
        try (ChildJvm primary = manager(primaryDir, "--session-timeout-ms", "1500")) {
            assertNotNull(primary.awaitLineStartingWith("pagestore manager pid", STARTUP),
                    primary.errorLines().toString());
            writeAll(primaryDir, 0, PAGES, 1);
            UUID storeId = StoreMetadata.read(primaryDir).orElseThrow().storeId();
            try (ChildJvm standby = manager(standbyDir, "--session-timeout-ms", "8000", "--standby", "--store",
                    storeId.toString())) {
                assertNotNull(standby.awaitLineStartingWith("pagestore manager pid", STARTUP),
                        standby.errorLines().toString());
                try (PageStoreClient reader = PageStoreClient.attach(standbyDir, ClientOptions.defaults())) {
                    awaitPage(reader, PAGES - 1, 1, Duration.ofSeconds(60));
                    assertStandbyPositionShown(primaryDir, standbyDir);
                    try {
                        reader.write(3, WorkerMain.stamp(PAGE, 3, 9));
                        fail("a standby's worker wrote a page");
                    } catch (PageStoreException e) {
                        assertEquals(ErrorCode.READ_ONLY, e.code(), e.toString());
                    }
                }
                // The standby is stopped while the primary acknowledges more writes and dies: those writes reach it
                // only through its takeover, which applies the fenced ledger's tail.
                signal("-STOP", standby.pid());
                writeAll(primaryDir, 0, PAGES / 2, 2);
                try (PageStoreClient writer = PageStoreClient.attach(primaryDir, ClientOptions.defaults()
                        .withAutoReattach(true).withFailoverDirectories(List.of(standbyDir)))) {
                    writer.write(0, WorkerMain.stamp(PAGE, 0, 2));
                    primary.kill9();
                    Thread.sleep(3500);  // the primary's session expires; the standby's does not
                    signal("-CONT", standby.pid());
                    long tookOverMillis = awaitWritable(writer, 0, 3, Duration.ofSeconds(60));
                    System.out.printf("failover: first write acknowledged through the failover client %d ms after the"
                            + " standby resumed%n", tookOverMillis);
                }
                try (PageStoreClient client = PageStoreClient.attach(standbyDir, ClientOptions.defaults())) {
                    assertArrayEquals(WorkerMain.stamp(PAGE, 0, 3), client.read(0));
                    for (int page = 1; page < PAGES; page++) {
                        assertArrayEquals(WorkerMain.stamp(PAGE, page, page < PAGES / 2 ? 2 : 1), client.read(page),
                                "page " + page + " holds the last write the old primary acknowledged");
                    }
                }
                try (ChildJvm revived = manager(primaryDir)) {
                    assertEquals(1, revived.awaitExit(STARTUP), "the old primary is refused");
                    assertTrue(revived.errorLines().stream().anyMatch(l -> l.contains("has a newer primary")),
                            revived.errorLines().toString());
                }
                try (ChildJvm asStandby = manager(primaryDir, "--standby")) {
                    assertEquals(1, asStandby.awaitExit(STARTUP), "nor may it follow the store");
                    assertTrue(asStandby.errorLines().stream().anyMatch(l -> l.contains("lost it to another")),
                            asStandby.errorLines().toString());
                }
                standby.sigterm();
                assertEquals(0, standby.awaitExit(STARTUP), standby.errorLines().toString());
            }
        }
    }

    /**
     * Three failovers in a row under a writer that follows them: each standby is made while the writer runs and
     * catches up, then its primary is SIGKILLed; a probe times each failover; at the end every page on the last
     * primary holds its last acknowledged write (or a later attempt). Ledgers are small, so every primary rolls to
     * new ones at its checkpoints and every standby follows them across.
     */
    @Test
    void shouldFailOverThreeTimesInARowKeepingEveryAcknowledgedWrite() throws Exception {
        List<Path> directories = new java.util.ArrayList<>();
        for (int i = 0; i <= 3; i++) {
            directories.add(root.resolve("chain-" + i));
        }
        List<ChildJvm> managers = new java.util.ArrayList<>();
        long marker = PAGES;  // outside the writer's pages
        try {
            // ledgers of 1 MiB: the writer's 4 KiB pages roll them at checkpoints every few hundred writes
            ChildJvm primary = started(manager(directories.get(0), "--session-timeout-ms", "1000", "--ledger-size",
                    "1m"), managers);
            UUID storeId = StoreMetadata.read(directories.get(0)).orElseThrow().storeId();
            try (FollowingWriter writer = FollowingWriter.start(directories.get(0), directories.subList(1, 4),
                    PAGES)) {
                for (int k = 1; k <= 3; k++) {
                    Path from = directories.get(k - 1);
                    ChildJvm standby = started(manager(directories.get(k), "--session-timeout-ms", "1000",
                            "--ledger-size", "1m", "--standby", "--store", storeId.toString()), managers);
                    if (k == 1) {
                        // stopped past its own 1 s session: it holds nothing there, so it connects again, goes on
                        // following and still takes over
                        signal("-STOP", standby.pid());
                        Thread.sleep(2500);
                        signal("-CONT", standby.pid());
                    }
                    try (PageStoreClient writes = PageStoreClient.attach(from, ClientOptions.defaults());
                            PageStoreClient reads = PageStoreClient.attach(directories.get(k),
                                    ClientOptions.defaults())) {
                        writes.write(marker, WorkerMain.stamp(PAGE, marker, k));
                        awaitPage(reads, marker, k, Duration.ofSeconds(60));  // caught up
                    }
                    if (k == 1) {
                        assertTrue(standby.errorLines().stream().anyMatch(l -> l.contains("expired: connecting"
                                + " again")), "the stopped standby's session expired: " + standby.errorLines());
                    }
                    long before = writer.acknowledged();
                    try (PageStoreClient probe = PageStoreClient.attach(from, ClientOptions.defaults()
                            .withAutoReattach(true).withFailoverDirectories(directories.subList(k, 4)))) {
                        primary.kill9();
                        long millis = awaitWritable(probe, marker, 10 + k, Duration.ofSeconds(60));
                        System.out.printf("failover %d: first write acknowledged %d ms after the kill%n", k, millis);
                    }
                    long after = writer.acknowledged();
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (writer.acknowledged() <= after && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertTrue(writer.acknowledged() > after, "the writer follows failover " + k + " (" + before
                            + " writes acknowledged before it, " + after + " after)");
                    primary = standby;
                }
                writer.stop();
                writer.check(directories.get(3));
                List<String> ledgers = ledgerList(storeId);
                assertTrue(ledgers.size() > 4, "each primary rolled to new ledgers at checkpoints: " + ledgers);
                assertEquals(4, ledgers.stream().map(l -> l.split(" ")[1]).distinct().count(),
                        "four epochs, several ledgers each: " + ledgers);
            }
        } finally {
            for (ChildJvm manager : managers) {
                manager.close();
            }
        }
    }

    private static ChildJvm started(ChildJvm manager, List<ChildJvm> started) throws Exception {
        started.add(manager);
        assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP), manager.errorLines().toString());
        return manager;
    }

    /** {@code pagestore stat} on the standby says how far it applied, in the primary's LSNs; on a primary, nothing. */
    @SuppressWarnings("unchecked")
    private static void assertStandbyPositionShown(Path primaryDir, Path standbyDir) {
        String text = stat("stat", "--dir", standbyDir.toString(), "--interval", "200ms", "--count", "1");
        assertTrue(text.contains("standby  applied through LSN ") && text.contains("caught up"), text);
        Map<String, Object> standby = (Map<String, Object>) MiniJson.parse(stat("stat", "--dir",
                standbyDir.toString(), "--interval", "200ms", "--count", "1", "--format", "json").strip());
        Map<String, Object> primary = (Map<String, Object>) MiniJson.parse(stat("stat", "--dir",
                primaryDir.toString(), "--interval", "200ms", "--count", "1", "--format", "json").strip());
        long applied = ((Number) ((Map<String, Object>) standby.get("standby")).get("appliedLsn")).longValue();
        long durable = ((Number) ((Map<String, Object>) primary.get("wal")).get("durableLsn")).longValue();
        assertTrue(applied > 0 && applied <= durable, "applied " + applied + ", the primary's durable LSN " + durable);
        assertEquals(null, primary.get("standby"), "a primary shows no standby position");
    }

    private static String stat(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = PageStoreCli.commandLine();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        assertEquals(0, cli.execute(args), err.toString());
        return out.toString();
    }

    private static void signal(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor());
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

    /** Writes {@code page} through {@code client} until a write is acknowledged; the milliseconds that took. */
    private static long awaitWritable(PageStoreClient client, long page, long version, Duration timeout)
            throws Exception {
        long started = System.nanoTime();
        while (true) {
            try {
                client.write(page, WorkerMain.stamp(PAGE, page, version), Duration.ofSeconds(5));
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
