package dev.pagestore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.ipc.testing.Processes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 14, item 1, with real processes: the demo pointed at a live store refuses and leaves the store and its
 * manager untouched; and none of the demo's children (its manager, its workers) outlives it, whether it gets SIGTERM
 * or SIGKILL.
 */
class DemoSafetyTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @TempDir
    Path root;

    private static byte[] page(long pageNumber) {
        byte[] data = new byte[4096];
        java.util.Arrays.fill(data, (byte) (pageNumber * 7 + 1));
        return data;
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                Files.readAllBytes(file)));
    }

    @Test
    void shouldRefuseALiveStoreAndLeaveItAndItsManagerUntouched() throws Exception {
        Path store = root.resolve("store");
        try (ChildJvm manager = ChildJvm.start(PageStoreCli.class, "manager", "--dir", store.toString(),
                "--create", "--capacity-pages", "256", "--checkpoint-interval-ms", "0")) {
            assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP));
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                for (long p = 0; p < 8; p++) {
                    client.write(p, page(p));
                }
            }
            String properties = sha256(store.resolve("store.properties"));
            String data = sha256(store.resolve("data.pages"));

            StringWriter err = new StringWriter();
            CommandLine cli = PageStoreCli.commandLine();
            cli.setOut(new PrintWriter(new StringWriter(), true));
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute("demo", "--dir", store.toString(), "--seconds", "5");

            assertEquals(2, code, err.toString());
            assertTrue(err.toString().contains("a pagestore manager holds " + store.toRealPath()) && err.toString()
                    .contains("pid " + manager.pid()), err.toString());
            assertEquals(1, err.toString().strip().lines().count(), "one line: " + err);
            assertEquals(properties, sha256(store.resolve("store.properties")));
            assertEquals(data, sha256(store.resolve("data.pages")));
            assertTrue(manager.process().isAlive(), "its manager still runs");
            try (PageStoreClient client = PageStoreClient.attach(store, ClientOptions.defaults())) {
                for (long p = 0; p < 8; p++) {
                    assertArrayEquals(page(p), client.read(p), "and still serves page " + p);
                }
            }
            manager.sigterm();
            assertEquals(0, manager.awaitExit(STARTUP));
        }
    }

    /** Starts a demo process and waits until its workers are attached; returns its children's pids. */
    private static List<Long> startDemo(ChildJvm demo) throws Exception {
        while (true) {
            String line = demo.awaitLine(STARTUP);
            if (line.contains("workers attached")) {
                break;
            }
        }
        List<Long> children = new ArrayList<>();
        try (Stream<ProcessHandle> descendants = demo.process().descendants()) {
            descendants.forEach(p -> children.add(p.pid()));
        }
        assertTrue(children.size() >= 3, "a manager and two workers: " + children);
        return children;
    }

    private ChildJvm demoProcess() throws Exception {
        return ChildJvm.start(PageStoreCli.class, "demo", "--dir", root.resolve("demo").toString(), "--seconds",
                "120", "--workers", "2", "--pages", "64", "--kill-at", "0");
    }

    @Test
    void shouldLeaveNoChildRunningAfterSigterm() throws Exception {
        try (ChildJvm demo = demoProcess()) {
            List<Long> children = startDemo(demo);
            demo.sigterm();
            demo.awaitExit(STARTUP);
            for (long pid : children) {
                assertTrue(Processes.awaitEnd(pid, 15_000), "child " + pid + " outlived the demo's SIGTERM");
            }
        }
    }

    @Test
    void shouldLeaveNoChildRunningAfterSigkill() throws Exception {
        try (ChildJvm demo = demoProcess()) {
            List<Long> children = startDemo(demo);
            demo.kill9();
            for (long pid : children) {
                assertTrue(Processes.awaitEnd(pid, 15_000), "child " + pid + " outlived the demo's SIGKILL");
            }
        }
    }
}
