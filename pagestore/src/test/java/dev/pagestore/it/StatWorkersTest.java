package dev.pagestore.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pagestore.cli.PageStoreCli;
import dev.pagestore.cli.stat.MiniJson;
import dev.pagestore.ipc.testing.ChildJvm;
import dev.pagestore.manager.ManagerConfig;
import dev.pagestore.manager.PageStoreManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code stat}'s per-worker rows with real worker processes: each process's requests are counted on its own row,
 * the figures a worker's page cache reports arrive as it counted them, a worker that reports absurd figures breaks
 * nothing, and a worker killed with {@code kill -9} loses its row while the others keep theirs.
 */
class StatWorkersTest {
    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final Pattern DONE = Pattern.compile("DONE hits=(\\d+) misses=(\\d+) evictions=(\\d+)");

    @TempDir
    Path directory;

    private String stat(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = PageStoreCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertEquals(0, cli.execute(args), err.toString());
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private Map<Long, Map<String, Object>> workersNow() {
        String json = stat("stat", "--dir", directory.toString(), "--interval", "250ms", "--count", "1", "--format",
                "json");
        Map<String, Object> report = (Map<String, Object>) MiniJson.parse(json.strip());
        Map<Long, Map<String, Object>> byPid = new java.util.HashMap<>();
        for (Object w : (List<Object>) report.get("workers")) {
            Map<String, Object> worker = (Map<String, Object>) w;
            byPid.put(((Double) worker.get("pid")).longValue(), worker);
        }
        return byPid;
    }

    private static ChildJvm cacheWorker(Path directory, String name, String honesty) throws Exception {
        ChildJvm child = ChildJvm.start(CacheWorkerMain.class, directory.toString(), name, "1500", honesty);
        assertEquals("READY", child.awaitLine(STARTUP), name + " did not attach");
        return child;
    }

    /** The rows, once {@code until} holds of them (they are refreshed every 100 ms); fails after 30 s. */
    private Map<Long, Map<String, Object>> rowsOnce(Predicate<Map<Long, Map<String, Object>>> until,
            String what) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Map<Long, Map<String, Object>> rows = workersNow();
        while (!until.test(rows)) {
            assertTrue(System.nanoTime() < deadline, what + ": " + rows);
            rows = workersNow();
        }
        return rows;
    }

    @Test
    void shouldCountEachWorkerProcessOnItsOwnRow() throws Exception {
        String quoted = "cache \"honest\" \\ one";
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(1024).withCheckpointIntervalMillis(0));
                ChildJvm load = ChildJvm.start(WorkerMain.class, directory.toString(), "load", "512", "64",
                        "600000", "7");
                ChildJvm honest = cacheWorker(directory, quoted, "honest");
                ChildJvm liar = cacheWorker(directory, "cache-liar", "lie");
                ChildJvm garbage = ChildJvm.start(GarbageWorkerMain.class, directory.toString(), "20000", "5",
                        "768", "1024", "4096", "linger")) {
            assertEquals("READY", load.awaitLine(STARTUP), "the load worker did not attach");
            Matcher counted = DONE.matcher(String.valueOf(honest.awaitLine(STARTUP)));
            assertTrue(counted.matches(), "the honest worker's counts");
            assertNotNull(liar.awaitLine(STARTUP), "the lying worker finished");
            String garbageDone = garbage.awaitLineStartingWith("DONE", STARTUP);
            assertNotNull(garbageDone, "the garbage worker finished");
            double invalid = Double.parseDouble(garbageDone.replaceAll(".* invalid=(\\d+) .*", "$1"));

            // The honest worker's cache read from the store exactly on its misses: the manager's count of its reads
            // is its own count of misses, and the figures it reported arrive as its cache counted them.
            double hits = Double.parseDouble(counted.group(1));
            double misses = Double.parseDouble(counted.group(2));
            double evictions = Double.parseDouble(counted.group(3));
            Map<Long, Map<String, Object>> rows = rowsOnce(r -> r.size() == 4
                    && r.containsKey(honest.pid()) && hits == (Double) r.get(honest.pid()).get("cacheHits")
                    && evictions == (Double) r.get(honest.pid()).get("cacheEvictions")
                    && r.containsKey(garbage.pid()) && invalid == (Double) r.get(garbage.pid()).get("invalidRequests"),
                    "four rows, the honest worker's figures as it counted them, the garbage worker's INVALIDs");
            Map<String, Object> honestRow = rows.get(honest.pid());
            assertEquals(quoted, honestRow.get("name"), "a name with quotes and a backslash, escaped and back");
            assertEquals(misses, honestRow.get("cacheMisses"));
            assertEquals(misses, honestRow.get("reads"), "reads only on misses");
            assertEquals(0.0, honestRow.get("writes"));
            Map<String, Object> loadRow = rows.get(load.pid());
            assertEquals("load-512", loadRow.get("name"));
            assertTrue((Double) loadRow.get("writes") > 0 && (Double) loadRow.get("invalidRequests") == 0, "" + loadRow);
            assertTrue((Double) rows.get(garbage.pid()).get("invalidRequests") > 0, "the fuzzer drew INVALIDs");

            // The liar's own figures are shown as far as they make sense (a negative count as 0); what the manager
            // counted of it stays true.
            Map<String, Object> liarRow = rows.get(liar.pid());
            assertEquals(0.0, liarRow.get("cacheEvictions"), "" + liarRow);
            assertTrue((Double) liarRow.get("reads") > 0 && (Double) liarRow.get("writes") == 0, "" + liarRow);
            String text = stat("stat", "--dir", directory.toString(), "--interval", "250ms", "--count", "1",
                    "--workers");
            assertTrue(text.contains("cache-liar") && text.contains("load-512"), text);
            String prometheus = stat("stat", "--dir", directory.toString(), "--interval", "250ms", "--count", "1",
                    "--format", "prometheus");
            assertTrue(prometheus.contains("worker=\"cache \\\"honest\\\" \\\\ one\""), prometheus);

            liar.kill9();
            rows = rowsOnce(r -> !r.containsKey(liar.pid()), "the killed worker's row goes");
            assertEquals(3, rows.size(), "the others stay: " + rows);
            honest.send("bye");
            assertEquals(0, honest.awaitExit(STARTUP));
            garbage.send("bye");
            assertEquals(0, garbage.awaitExit(STARTUP));
        }
    }
}
