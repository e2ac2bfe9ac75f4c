package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.PageStoreManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's rule for a start, with real manager processes: it validates everything before it changes anything, and
 * refuses with one line that says what is wrong and what to do.
 */
class RefusedStartTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    Path root;

    private static ChildJvm managerProcess(Path store) throws Exception {
        return ChildJvm.start(PageStoreCli.class, "manager", "--dir", store.toString(), "--create",
                "--capacity-pages", "256", "--checkpoint-interval-ms", "0");
    }

    private static byte[] page(long pageNumber) {
        return WorkerMain.stamp(4096, pageNumber, 1);
    }

    /** Every file of the store but {@code .lock} (a start writes its pid there), with its mode, size and SHA-256. */
    private static Map<String, String> snapshot(Path store) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(store)) {
            for (Path p : walk.filter(p -> !p.endsWith(".lock")).toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                files.put(store.relativize(p) + " " + mode, Files.isRegularFile(p) ? Files.size(p) + " "
                        + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)))
                        : "directory");
            }
        }
        return files;
    }

    /**
     * B5: after a {@code kill -9}, the WAL's segments deleted and {@code wal.control} kept. The restart succeeded and
     * served a store without the acknowledged writes that were only in the log. It is refused, naming the missing
     * file, before anything changes; S4: not even the permissions an older pagestore left are tightened first.
     */
    @Test
    void shouldRefuseARestartWhoseWalSegmentsWereDeletedAndChangeNothing() throws Exception {
        Path store = root.resolve("store");
        try (ChildJvm manager = managerProcess(store)) {
            assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP));
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                for (long p = 0; p < 8; p++) {
                    client.write(p, page(p));  // acknowledged: durable in the log, not yet in the data file
                }
            }
            manager.kill9();
        }
        Path wal = store.resolve(PageStoreManager.WAL_DIRECTORY);
        try (Stream<Path> files = Files.list(wal)) {
            for (Path segment : files.filter(p -> p.toString().endsWith(".wal")).toList()) {
                Files.delete(segment);
            }
        }
        assertTrue(Files.exists(wal.resolve("wal.control")));
        // as a pagestore before issue 14 left it: a start that goes on takes these bits away
        Files.setPosixFilePermissions(store.resolve(PageStoreManager.DATA_FILE),
                PosixFilePermissions.fromString("rw-r-----"));
        Map<String, String> before = snapshot(store);

        try (ChildJvm restart = managerProcess(store)) {
            assertEquals(1, restart.awaitExit(STARTUP), "a log without its redo segment is not served");
            List<String> refusal = restart.errorLines().stream().filter(l -> l.startsWith("pagestore manager:"))
                    .toList();
            assertEquals(1, refusal.size(), restart.errorLines().toString());
            assertTrue(refusal.getFirst().contains(wal + " found corruption (segment 0000000000000000.wal, which"
                    + " holds the redo point") && refusal.getFirst().contains("does not exist")
                    && refusal.getFirst().contains("restore the store from a backup"), refusal.getFirst());
        }
        assertEquals(before, snapshot(store), "nothing changed: no file made, written or chmod'ed");
    }

    /** The start goes on (a store that lost nothing is served), and the directory's mode is the operator's. */
    @Test
    void shouldWarnOfADataDirectoryOthersMayListAndLeaveItsModeAlone() throws Exception {
        Path store = Files.createDirectory(root.resolve("store"));
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (ChildJvm manager = managerProcess(store)) {
            assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP));
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                client.write(1, page(1));
                assertArrayEquals(page(1), client.read(1));
            }
            manager.sigterm();
            assertEquals(0, manager.awaitExit(STARTUP));
            Path real = store.toRealPath();
            assertTrue(manager.errorLines().stream().anyMatch(l -> l.contains(real + " is mode 0755: other users can"
                    + " list the store's files") && l.contains("chmod 700 " + real)), manager.errorLines().toString());
        }
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(store)),
                "pagestore changes no directory it did not create");
    }
}
