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

    @Test
    void shouldCountEachWorkerProcessOnItsOwnRow() throws Exception {
        try (PageStoreManager manager = PageStoreManager.start(ManagerConfig.defaults(directory)
                .withCapacityPages(1024).withCheckpointIntervalMillis(0));
                ChildJvm load = ChildJvm.start(WorkerMain.class, directory.toString(), "load", "512", "64", "20000",
                        "7");
                ChildJvm honest = cacheWorker(directory, "cache-honest", "honest");
                ChildJvm liar = cacheWorker(directory, "cache-liar", "lie")) {
            assertEquals("READY", load.awaitLine(STARTUP), "the load worker did not attach");
            Matcher counted = DONE.matcher(String.valueOf(honest.awaitLine(STARTUP)));
            assertTrue(counted.matches(), "the honest worker's counts");
            assertNotNull(liar.awaitLine(STARTUP), "the lying worker finished");

            Map<Long, Map<String, Object>> rows = workersNow();
            assertEquals(3, rows.size(), rows.toString());
            Map<String, Object> loadRow = rows.get(load.pid());
            assertEquals("load-512", loadRow.get("name"));
            assertTrue((Double) loadRow.get("writes") > 0 && (Double) loadRow.get("writesPerSecond") > 0, "" + loadRow);

            // The honest worker's cache read from the store exactly on its misses: the manager's count of its reads
            // is its own count of misses, and the figures it reported are its cache's.
            Map<String, Object> honestRow = rows.get(honest.pid());
            assertEquals("cache-honest", honestRow.get("name"));
            assertEquals(Double.parseDouble(counted.group(1)), honestRow.get("cacheHits"));
            assertEquals(Double.parseDouble(counted.group(2)), honestRow.get("cacheMisses"));
            assertEquals(Double.parseDouble(counted.group(3)), honestRow.get("cacheEvictions"));
            assertEquals(Double.parseDouble(counted.group(2)), honestRow.get("reads"), "reads only on misses");
            assertEquals(0.0, honestRow.get("writes"));

            // The liar's own figures are shown as it wrote them; what the manager counted of it stays true.
            Map<String, Object> liarRow = rows.get(liar.pid());
            assertTrue((Double) liarRow.get("cacheEvictions") < 0, "shown as reported: " + liarRow);
            assertTrue((Double) liarRow.get("reads") > 0 && (Double) liarRow.get("writes") == 0, "" + liarRow);
            String text = stat("stat", "--dir", directory.toString(), "--interval", "250ms", "--count", "1",
                    "--workers");
            assertTrue(text.contains("cache-liar") && text.contains("cache-honest") && text.contains("load-512"), text);
            stat("stat", "--dir", directory.toString(), "--interval", "250ms", "--count", "1", "--format",
                    "prometheus");

            liar.kill9();
            long until = System.nanoTime() + 30_000_000_000L;
            while (rows.containsKey(liar.pid()) && System.nanoTime() < until) {
                rows = workersNow();
            }
            assertEquals(2, rows.size(), "the killed worker's row is gone, the others stay: " + rows);
            assertTrue(rows.containsKey(load.pid()) && rows.containsKey(honest.pid()), rows.toString());
            honest.send("bye");
            assertEquals(0, honest.awaitExit(STARTUP));
        }
    }
}
