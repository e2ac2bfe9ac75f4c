package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 5: every file and directory a manager process creates is owner-only, whatever its umask, and
 * another user can read none of it. The store lives in a directory others may traverse, as under {@code /var/lib}.
 */
class OwnerOnlyFilesTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    Path root;

    /**
     * Every path under {@code store} with group or other permission bits, with its mode. A file renamed by the running
     * manager between the listing and its stat (a segment's temporary file) sends the walk round again, so every
     * file is checked under the name it has.
     */
    private static List<String> notOwnerOnly(Path store) throws Exception {
        for (int attempt = 1; ; attempt++) {
            List<String> open = new ArrayList<>();
            boolean renamedMeanwhile = false;
            try (Stream<Path> walk = Files.walk(store)) {
                for (Path p : walk.toList()) {
                    int mode;
                    try {
                        mode = ((Number) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue();
                    } catch (java.nio.file.NoSuchFileException gone) {
                        renamedMeanwhile = true;
                        continue;
                    }
                    if ((mode & 0077) != 0) {
                        open.add(p + " " + Integer.toOctalString(mode & 07777));
                    }
                }
            }
            if (!renamedMeanwhile || attempt == 5) {
                return open;
            }
        }
    }

    private static boolean setprivAvailable() {
        return LibcProcesses.geteuid() == 0 && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    }

    /** {@code cat file} as uid 65534 (nobody): its exit code and output. */
    private static String readAsNobody(Path file) throws Exception {
        Process cat = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "/bin/cat", file.toString()).redirectErrorStream(true).start();
        String output = new String(cat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(cat.waitFor(30, TimeUnit.SECONDS));
        return cat.exitValue() + " " + output.strip();
    }

    @Test
    void shouldCreateEveryFileOwnerOnlyAndLetNoOtherUserReadThem() throws Exception {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path store = root.resolve("store");
        try (ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--dir", store.toString(),
                "--create", "--capacity-pages", "256", "--checkpoint-interval-ms", "0")) {
            assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP));
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                client.write(3, new byte[4096]);
            }
            assertEquals(List.of(), notOwnerOnly(store), "while it runs (the control socket included)");
            if (setprivAvailable()) {
                String denied = readAsNobody(store.resolve("data.pages"));
                assertNotEquals('0', denied.charAt(0), "another user read the data file: " + denied);
                assertTrue(denied.contains("Permission denied"), denied);
            }
            manager.sigterm();
            assertEquals(0, manager.awaitExit(STARTUP));
        }
        assertEquals(List.of(), notOwnerOnly(store), "after a clean stop");
        assertTrue(Files.exists(store.resolve("wal").resolve("wal.control")));

        if (setprivAvailable()) {
            // Even with the directory opened to traversal, the files themselves keep another user out.
            Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwx--x--x"));
            for (String name : List.of("data.pages", "store.properties", "wal/wal.control",
                    "wal/0000000000000000.wal")) {
                String denied = readAsNobody(store.resolve(name));
                assertTrue(denied.startsWith("1 ") && denied.contains("Permission denied"),
                        "another user reads " + name + ": " + denied);
            }
        }
    }
}
