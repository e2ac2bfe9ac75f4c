package dev.pagestore.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 1: the ownership of a data directory is not defeated by deleting a file. Real manager processes:
 * {@code rm -rf} of the directory under a live manager, then a second manager on the re-created path, is refused
 * naming the first; the first stops by itself (exit 5) instead of serving deleted files; so does one whose
 * {@code .lock} was deleted; and another user's process squatting the abstract name blocks no start.
 */
class DirectoryOwnershipTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    Path root;

    private ChildJvm managerProcess(Path directory) throws Exception {
        ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--dir", directory.toString(),
                "--create", "--capacity-pages", "256", "--checkpoint-interval-ms", "0");
        assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP), "the manager did not start");
        return manager;
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + pid);
    }

    private static void deleteTree(Path directory) throws Exception {
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static ManagerConfig config(Path directory) {
        return ManagerConfig.defaults(directory).withCapacityPages(256).withCheckpointIntervalMillis(0);
    }

    @Test
    void shouldRefuseASecondManagerOnTheDirectoryDeletedAndRecreatedUnderALiveOneWhichThenStops() throws Exception {
        Path directory = root.resolve("store");
        try (ChildJvm first = managerProcess(directory)) {
            // frozen, so that its own check cannot stop it before the second manager tries: what is tested here is
            // what keeps the second one out while the first still lives
            signal("STOP", first.pid());
            deleteTree(directory);
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            ManagerAlreadyRunningException refused = assertThrows(ManagerAlreadyRunningException.class,
                    () -> PageStoreManager.start(config(directory)).close());
            assertTrue(refused.getMessage().contains("pid " + first.pid()), refused.getMessage());
            assertTrue(refused.getMessage().contains("@" + DirectoryOwnership.NAME_PREFIX), refused.getMessage());
            try (Stream<Path> entries = Files.list(directory)) {
                assertEquals(0, entries.count(), "the refused start made nothing in the new directory");
            }

            signal("CONT", first.pid());
            assertEquals(5, first.awaitExit(Duration.ofSeconds(20)),
                    "the first manager stops by itself: its directory is gone");
            assertTrue(first.errorLines().stream().anyMatch(l -> l.contains("no longer exists")
                    || l.contains("was deleted")), "and says why: " + first.errorLines());
        }
        try (PageStoreManager second = PageStoreManager.start(config(directory))) {
            assertEquals(1, second.epoch(), "once the first has stopped, a new store starts there");
        }
    }

    @Test
    void shouldStopAManagerWhoseLockFileWasDeletedAndTellItsWorkers() throws Exception {
        Path directory = root.resolve("store");
        try (ChildJvm manager = managerProcess(directory);
                PageStoreClient client = PageStoreClient.attach(directory, ClientOptions.defaults())) {
            client.write(1, PageStoreManagerTest.page(4096, 1, 1));
            Files.delete(directory.resolve(".lock"));
            assertEquals(5, manager.awaitExit(Duration.ofSeconds(20)), "it stops rather than serve on");
            assertTrue(manager.errorLines().stream().anyMatch(l -> l.contains(".lock")), manager.errorLines()
                    .toString());
            PageStoreException gone = assertThrows(PageStoreException.class, () -> client.read(1));
            assertEquals(ErrorCode.MANAGER_GONE, gone.code());
        }
    }

    @Test
    void shouldStartWhileAnotherUserSquatsTheName() throws Exception {
        assumeTrue(LibcProcesses.geteuid() == 0, "needs root to run a squatter as another user (setpriv)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "needs /usr/bin/python3 for the squatter");
        Path directory = Files.createDirectory(root.resolve("store"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        String name = DirectoryOwnership.abstractName(directory.toRealPath());
        Process squatter = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/usr/bin/python3", "-c", "import socket, sys, time\n"
                        + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                        + "s.bind('\\0' + sys.argv[1]); s.listen(8); print('ready', flush=True); time.sleep(60)",
                name).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(squatter.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assumeTrue("ready".equals(line), "the squatter did not start: " + line);
            try (PageStoreManager manager = PageStoreManager.start(config(directory))) {
                assertEquals(1, manager.epoch(), "another user's name blocks no start");
            }
        } finally {
            squatter.destroyForcibly();
            squatter.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
