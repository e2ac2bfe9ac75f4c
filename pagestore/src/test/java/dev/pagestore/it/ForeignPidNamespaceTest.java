package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.client.ClientOptions;
import dev.pagestore.client.ErrorCode;
import dev.pagestore.client.PageStoreClient;
import dev.pagestore.client.PageStoreException;
import dev.pagestore.ipc.control.AttachRefusedException;
import dev.pagestore.ipc.control.RefusalCode;
import dev.pagestore.ipc.linux.LibcProcesses;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.ipc.testing.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker in a pid namespace the manager cannot see (the manager runs in a child namespace, the worker outside it)
 * connects with {@code SO_PEERCRED} pid 0. The manager used to throw on it ({@code new ProcessIdentity(0, ...)}) and
 * log that at ERROR with a stack trace on every attempt; such a worker could never attach, without being told why.
 * Now it is refused at accept with {@code UNIDENTIFIED_PEER} and a reason that says what to do, the manager logs
 * that at most once a second, and a worker inside the manager's namespace is served all along. Needs root for
 * {@code unshare} and {@code nsenter}; skipped otherwise, saying why.
 */
class ForeignPidNamespaceTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final int ATTEMPTS = 300;

    @TempDir
    Path directory;

    @Test
    void shouldRefuseAWorkerItCannotNameWithAReasonAndLogItOnceASecond() throws Exception {
        assumeTrue(LibcProcesses.geteuid() == 0, "needs root to make a pid namespace; this test runs as uid "
                + LibcProcesses.geteuid());
        Path unshare = executable("unshare");
        Path nsenter = executable("nsenter");
        assumeTrue(unshare != null && nsenter != null, "unshare and nsenter (util-linux) are not installed");
        Path store = directory.resolve("store");
        long managerPid = 0;
        // --kill-child: the manager (pid 1 of its namespace) dies with the unshare process this test holds.
        try (ChildJvm manager = ChildJvm.startWrapped(List.of(unshare.toString(), "--pid", "--fork",
                "--kill-child", "--mount-proc"), PageStoreCli.class, List.of("-XX:-UsePerfData"), "manager", "--create", "--dir",
                store.toString(), "--capacity-pages", "1024", "--checkpoint-interval-ms", "0")) {
            assertTrue(manager.awaitLineStartingWith("pagestore manager pid", STARTUP)
                    .startsWith("pagestore manager pid 1 "), "the manager is pid 1 of its own namespace");
            managerPid = onlyChild(manager.pid());
            int linesBefore = manager.errorLines().size();
            long startNanos = System.nanoTime();
            for (int i = 0; i < ATTEMPTS; i++) {
                PageStoreException e = assertThrows(PageStoreException.class,
                        () -> PageStoreClient.attach(store, ClientOptions.defaults()).close());
                assertEquals(ErrorCode.INVALID, e.code(), e.getMessage());
                AttachRefusedException refused = (AttachRefusedException) e.getCause();
                assertEquals(RefusalCode.UNIDENTIFIED_PEER, refused.code());
                assertTrue(e.getMessage().contains("pid namespace") && e.getMessage().contains("SO_PEERCRED pid 0"),
                        e.getMessage());
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            System.out.printf("%d attaches from another pid namespace refused in %.1f s%n", ATTEMPTS, seconds);

            try (ChildJvm inside = ChildJvm.startWrapped(List.of(nsenter.toString(), "--target",
                    Long.toString(managerPid), "--pid", "--mount"), IdleWorkerMain.class, List.of("-XX:-UsePerfData"),
                    store.toString())) {
                assertEquals("ATTACHED", inside.awaitLine(STARTUP), "a worker in the manager's namespace is served");
            }
            List<String> lines = manager.errorLines();
            lines = lines.subList(linesBefore, lines.size());
            List<String> refusals = lines.stream().filter(line -> line.contains("pid namespace")).toList();
            System.out.println("the manager's log while refusing:\n" + String.join("\n", lines));
            assertTrue(lines.stream().noneMatch(line -> line.contains("Exception") || line.startsWith("\tat ")),
                    "no stack trace: " + lines);
            assertTrue(!refusals.isEmpty() && refusals.size() <= seconds + 2, refusals.size()
                    + " lines about refused peers in " + seconds + " s: " + refusals);
            assertTrue(refusals.getFirst().contains("SO_PEERCRED pid 0"), refusals.getFirst());
        } finally {
            // Its unshare is gone; the manager follows (--kill-child) before the directory is deleted.
            if (managerPid != 0) {
                assertTrue(Processes.awaitEnd(managerPid, 10_000), "manager " + managerPid + " still runs");
            }
        }
    }

    /** The one child of {@code pid} (the process that {@code unshare --fork} started). */
    private static long onlyChild(long pid) throws IOException, InterruptedException {
        Path children = Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children");
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            String text = Files.readString(children, StandardCharsets.US_ASCII).trim();
            if (!text.isEmpty()) {
                return Long.parseLong(text.split(" ")[0]);
            }
            assertTrue(System.nanoTime() < deadline, "unshare " + pid + " started no child");
            Thread.sleep(10);
        }
    }

    private static Path executable(String name) {
        return Stream.of("/usr/bin/" + name, "/bin/" + name).map(Path::of).filter(Files::isExecutable).findFirst()
                .orElse(null);
    }
}
