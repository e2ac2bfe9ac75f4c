package dev.pagestore.replication.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.ipc.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.bookkeeper.client.api.DigestType;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.bookkeeper.client.api.WriteHandle;
import org.apache.bookkeeper.conf.ClientConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local cluster with its real processes, through BookKeeper's client: the cluster the replicated WAL's tests and
 * the demo run on. A start costs seconds (four JVMs), so one test walks a cluster's whole life; the refusals start
 * nothing.
 */
class LocalClusterTest {
    private static final byte[] PASSWORD = "local-cluster-test".getBytes(UTF_8);
    private static final long CLIENT_TIMEOUT_SECONDS = 30;
    /** A launcher JVM and its cluster's four on a busy two-core machine. */
    private static final Duration LAUNCHER_START_TIMEOUT = Duration.ofSeconds(120);
    /** A child polls for its launcher every 100 ms; then it halts. */
    private static final Duration ORPHAN_END_TIMEOUT = Duration.ofSeconds(15);

    @TempDir
    Path temp;

    @Test
    void shouldKeepAppendingThroughABookieCrashAndServeTheLedgerAfterTheDirectoryIsStartedAgain() throws Exception {
        Path dir = temp.resolve("cluster");
        Map<String, Integer> ports = new HashMap<>();
        List<Long> pids = new ArrayList<>();
        long ledgerId;
        try (LocalCluster cluster = LocalCluster.start(dir)) {
            assertEquals(LocalCluster.DEFAULT_BOOKIE_COUNT, cluster.bookieCount());
            for (ClusterProcess process : cluster.processes()) {
                assertTrue(process.running(), process.toString());
                ports.put(process.name(), process.port());
                pids.add(process.pid());
            }
            assertRefusedAsRunning(dir, ProcessHandle.current().pid());
            try (BookKeeper client = client(cluster.metadataServiceUri());
                 WriteHandle ledger = create(client)) {
                ledgerId = ledger.getId();
                append(ledger, 0, 10);
                long killed = cluster.processes().get(3).pid();  // bookie-2, after zookeeper
                cluster.killBookie(2);
                assertFalse(isRunning(killed), "bookie-2 (pid " + killed + ") survived SIGKILL");
                append(ledger, 10, 20);  // acked by the two bookies left: ack quorum 2
                assertEquals(1, ledger.getLedgerMetadata().getAllEnsembles().size(),
                        "delayEnsembleChange kept the ensemble: " + ledger.getLedgerMetadata());
                assertEntries(ledger, 20);
                cluster.startBookie(2);
                assertTrue(cluster.processes().get(3).running());
                pids.add(cluster.processes().get(3).pid());
            }
            // a new ledger of ensemble 3 needs three writable bookies: the restarted one is writable again
            try (BookKeeper client = client(cluster.metadataServiceUri());
                 WriteHandle ledger = create(client)) {
                append(ledger, 0, 1);
            }
        }
        for (long pid : pids) {
            assertFalse(isRunning(pid), "pid " + pid + " outlived close()");
        }

        // The same DIR again (same ports, the bookies' cookies accepted), in a launcher then killed outright.
        try (ChildJvm launcher = ChildJvm.start(ClusterLauncherMain.class, dir.toString())) {
            Map<String, Integer> portsAgain = new HashMap<>();
            List<Long> children = new ArrayList<>();
            String line;
            while (!(line = launcher.awaitLine(LAUNCHER_START_TIMEOUT)).startsWith("ready ")) {
                String[] fields = line.split(" ");  // process NAME PID PORT
                portsAgain.put(fields[1], Integer.parseInt(fields[3]));
                children.add(Long.parseLong(fields[2]));
            }
            assertEquals(ports, portsAgain);
            assertRefusedAsRunning(dir, launcher.pid());
            try (BookKeeper client = client(line.substring("ready ".length()));
                 ReadHandle ledger = client.newOpenLedgerOp().withLedgerId(ledgerId).withPassword(PASSWORD)
                         .withDigestType(DigestType.CRC32C).withRecovery(false).execute()
                         .get(CLIENT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                assertTrue(ledger.isClosed());
                assertEntries(ledger, 20);
            }
            launcher.kill9();
            for (long child : children) {
                awaitEnded(child, ORPHAN_END_TIMEOUT);
            }
        }
    }

    @Test
    void shouldRefuseADirectoryThatHoldsSomethingElse() throws IOException {
        Files.writeString(temp.resolve("notes.txt"), "not a cluster");
        ClusterRefusedException refused = assertThrows(ClusterRefusedException.class,
                () -> LocalCluster.start(temp));
        assertTrue(refused.getMessage().contains("is not empty and holds no cluster.properties"),
                refused.getMessage());
        try (var entries = Files.list(temp)) {
            assertEquals(List.of(temp.resolve("notes.txt")), entries.toList());
        }
    }

    @Test
    void shouldRefuseAFileForADirectory() throws IOException {
        Path file = Files.writeString(temp.resolve("file"), "x");
        ClusterRefusedException refused = assertThrows(ClusterRefusedException.class,
                () -> LocalCluster.start(file));
        assertTrue(refused.getMessage().contains("is not a directory"), refused.getMessage());
    }

    @Test
    void shouldRefuseAClusterOfAnotherSizeBeforeStartingAnything() throws IOException {
        ClusterRecord three = new ClusterRecord(20_000, List.of(20_001, 20_002, 20_003), true);
        try (var out = Files.newOutputStream(temp.resolve(ClusterDirectory.PROPERTIES))) {
            three.toProperties().store(out, null);
        }
        ClusterRefusedException refused = assertThrows(ClusterRefusedException.class,
                () -> LocalCluster.start(temp, 5));
        assertTrue(refused.getMessage().contains("holds a cluster of 3 bookies, not 5"), refused.getMessage());
        assertFalse(Files.exists(temp.resolve("logs")), "a refused start made the cluster's directories");
    }

    @Test
    void shouldRejectABookieCountOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> LocalCluster.start(temp, 0));
        assertThrows(IllegalArgumentException.class, () -> LocalCluster.start(temp, LocalCluster.BOOKIE_COUNT_MAX + 1));
    }

    private static void assertRefusedAsRunning(Path dir, long launcherPid) {
        ClusterRefusedException refused = assertThrows(ClusterRefusedException.class, () -> LocalCluster.start(dir));
        assertTrue(refused.getMessage().contains("already running") && refused.getMessage().contains(
                "pid " + launcherPid), refused.getMessage());
    }

    private static BookKeeper client(String metadataServiceUri) throws Exception {
        ClientConfiguration conf = new ClientConfiguration();
        conf.setMetadataServiceUri(metadataServiceUri);
        // three bookies and ensemble 3 leave no spare: keep the ensemble while the ack quorum can still be met
        conf.setDelayEnsembleChange(true);
        conf.setNumIOThreads(1);
        conf.setNumWorkerThreads(1);
        return BookKeeper.newBuilder(conf).build();
    }

    private static WriteHandle create(BookKeeper client) throws Exception {
        return client.newCreateLedgerOp().withEnsembleSize(3).withWriteQuorumSize(3).withAckQuorumSize(2)
                .withDigestType(DigestType.CRC32C).withPassword(PASSWORD).execute()
                .get(CLIENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private static void append(WriteHandle ledger, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            long entryId = ledger.appendAsync(("entry-" + i).getBytes(UTF_8))
                    .get(CLIENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertEquals(i, entryId);
        }
    }

    private static void assertEntries(ReadHandle ledger, int count) throws Exception {
        try (LedgerEntries entries = ledger.readAsync(0, count - 1).get(CLIENT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            int i = 0;
            for (LedgerEntry entry : entries) {
                assertEquals("entry-" + i, new String(entry.getEntryBytes(), UTF_8));
                i++;
            }
            assertEquals(count, i);
        }
    }

    /** Alive and not a zombie: an orphan's zombie waits for whichever process reaps orphans here. */
    private static boolean isRunning(long pid) {
        if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;  // gone between the two looks
        }
    }

    private static void awaitEnded(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid)) {
            assertTrue(System.nanoTime() - deadline < 0, "child pid " + pid + " outlived its killed launcher by "
                    + timeout.toSeconds() + " s");
            Thread.sleep(50);
        }
    }
}
