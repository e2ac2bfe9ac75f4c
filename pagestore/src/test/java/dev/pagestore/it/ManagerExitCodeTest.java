package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, items 10 and 6, with real manager processes: SIGTERM whose shutdown checkpoint fails exits 4 and says so;
 * and after a {@code kill -9}, a start that recovery refuses changes nothing first (no metadata rewritten, no data
 * file grown, no log erased).
 */
class ManagerExitCodeTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    Path root;

    private ChildJvm managerProcess(Path store, long capacityPages) throws Exception {
        return ChildJvm.start(PageStoreCli.class, "manager", "--dir", store.toString(), "--create", "--capacity-pages",
                Long.toString(capacityPages), "--checkpoint-interval-ms", "0");
    }

    private static byte[] page(long pageNumber) {
        return WorkerMain.stamp(4096, pageNumber, 1);
    }

    private static int chattr(String flag, Path file) throws Exception {
        Process chattr = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
        chattr.getInputStream().readAllBytes();
        return chattr.waitFor();
    }

    @Test
    void shouldExitFourAndSaySoWhenTheShutdownCheckpointFails() throws Exception {
        assumeTrue(LibcProcesses.geteuid() == 0, "needs root for chattr +i, which no permission bit can stand in for");
        Path store = root.resolve("store");
        // The checkpoint writes the WAL's control file through a descriptor it holds; an immutable file refuses
        // writes even through that (ext4 since Linux 5.x), so the checkpoint cannot record its redo point.
        Path data = store.resolve(PageStoreManager.WAL_DIRECTORY).resolve("wal.control");
        try (ChildJvm manager = managerProcess(store, 256)) {
            assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP));
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                client.write(5, page(5));
            }
            int made = -1;
            try {
                made = chattr("+i", data);
                assumeTrue(made == 0, "this file system has no immutable attribute");
                manager.sigterm();
                assertEquals(4, manager.awaitExit(STARTUP), "a failed shutdown checkpoint is not a clean stop");
                assertTrue(manager.errorLines().stream().anyMatch(l -> l.contains("the shutdown checkpoint failed")),
                        manager.errorLines().toString());
            } finally {
                if (made == 0) {
                    chattr("-i", data);
                }
            }
        }
        try (PageStoreManager again = PageStoreManager.start(ManagerConfig.defaults(store).withCapacityPages(256));
                PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
            assertArrayEquals(page(5), client.read(5), "nothing was lost: the next start replayed the WAL");
        }
    }

    /**
     * Every file of the store with its size and SHA-256, but for {@code .lock}: taking the directory (before
     * anything is checked) writes the new holder's pid there, for messages; it holds nothing of the store.
     */
    private static Map<String, String> snapshot(Path store) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(store)) {
            for (Path p : walk.filter(Files::isRegularFile).filter(p -> !p.endsWith(".lock")).toList()) {
                files.put(store.relativize(p) + " " + Files.size(p), HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        }
        return files;
    }

    @Test
    void shouldChangeNothingBeforeRecoveryRefusesAfterAKill() throws Exception {
        Path store = root.resolve("store");
        try (ChildJvm manager = managerProcess(store, 256)) {
            assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP));
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                for (long p = 0; p < 8; p++) {
                    client.write(p, page(p));  // one commit each: every later record proves the first was durable
                }
            }
            manager.kill9();
        }
        // Damage the first record after the redo point (a new store's is the first record of segment 0): the
        // records after it were written once it was durable, so recovery stops with CORRUPTION.
        Path segment = store.resolve("wal").resolve("0000000000000000.wal");
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(4096 + 100);
            int b = file.read();
            file.seek(4096 + 100);
            file.write(b ^ 0x10);
        }
        Map<String, String> before = snapshot(store);

        try (ChildJvm restart = managerProcess(store, 512)) {  // a growth asked for, too
            assertEquals(1, restart.awaitExit(STARTUP), "recovery refuses to serve a damaged log");
            assertTrue(restart.errorLines().stream().anyMatch(l -> l.contains("found corruption")
                    && l.contains("nothing was changed")), restart.errorLines().toString());
        }
        assertEquals(before, snapshot(store), "no metadata rewritten, no data file grown, no log erased");
    }
}
