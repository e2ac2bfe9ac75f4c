package dev.pagestore.cli.stat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.demo.ChildProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code stat} follows its directory across a {@code kill -9} of the manager process and the start of the next one:
 * it says so on standard error and goes on printing JSON for the new manager, instead of exiting.
 */
class StatFollowTest {
    private static final long STARTUP_MILLIS = 60_000;

    @TempDir
    Path root;

    private ChildProcess manager(Path directory, int life) throws Exception {
        ChildProcess manager = ChildProcess.start("manager-" + life, List.of("-Xmx128m"),
                "dev.pagestore.cli.PageStoreCli", List.of("manager", "--dir", directory.toString(), "--create",
                        "--capacity-pages", "256", "--exit-with-parent", Long.toString(ProcessHandle.current().pid())),
                root.resolve("manager-" + life + ".log"));
        assertNotNull(manager.awaitLineStartingWith("pagestore manager pid", STARTUP_MILLIS), "manager " + life);
        return manager;
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldFollowTheNextManagerAfterAKillNine() throws Exception {
        Path directory = root.resolve("store");
        ChildProcess first = manager(directory, 1);
        ChildProcess second = null;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread stat = Thread.ofPlatform().start(() -> {
            CommandLine cli = PageStoreCli.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            code.set(cli.execute("stat", "--dir", directory.toString(), "--interval", "200ms", "--count", "10000",
                    "--format", "json"));
        });
        try {
            long until = System.nanoTime() + 30_000_000_000L;
            while (out.toString().lines().count() < 2 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            first.kill9();
            second = manager(directory, 2);
            String secondPid = "\"managerPid\":" + second.pid() + ",";
            until = System.nanoTime() + 60_000_000_000L;
            while (!out.toString().contains(secondPid) && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertTrue(stat.isAlive(), "stat still runs after its manager's death: " + err);
        } finally {
            stat.interrupt();  // its sleep ends, and with it the command
            stat.join(10_000);
            first.destroy();
            if (second != null) {
                second.destroy();
            }
        }
        List<Map<String, Object>> reports = out.toString().lines()
                .map(line -> (Map<String, Object>) MiniJson.parse(line)).toList();
        assertTrue(reports.size() >= 3, out.toString());
        assertEquals((double) first.pid(), reports.getFirst().get("managerPid"));
        assertEquals((double) second.pid(), reports.getLast().get("managerPid"));
        assertTrue((Double) reports.getLast().get("epoch") > (Double) reports.getFirst().get("epoch"));
        assertTrue(err.toString().contains("manager pid " + first.pid() + " is gone; waiting for the next manager"),
                err.toString());
        assertTrue(err.toString().contains("following manager pid " + second.pid()), err.toString());
    }
}
