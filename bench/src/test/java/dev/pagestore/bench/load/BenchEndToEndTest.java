package dev.pagestore.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command end to end, short: a real manager process, two real worker processes and the peer, about two seconds
 * of load each; the report and the JSON must hold sane figures, and the directory must be left as it was found.
 */
class BenchEndToEndTest {
    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(List<String> args) {
        var cli = BenchCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        long start = System.nanoTime();
        int code = cli.execute(args.toArray(String[]::new));
        System.out.printf("%s%s%nbench took %.1f s%n", out, err, (System.nanoTime() - start) / 1e9);
        return code;
    }

    private List<String> shortRun(Path scratch, Path json, String... more) {
        List<String> args = new ArrayList<>(List.of("--dir", scratch.toString(), "--workers", "2", "--depth", "4",
                "--warmup", "0.5", "--duration", "1.5", "--pages", "512", "--json", json.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void shouldMeasureTheStoreAndRocksDbAndReportSaneFigures() throws Exception {
        Path scratch = directory.resolve("scratch");
        Path json = directory.resolve("bench.json");
        assertEquals(0, run(shortRun(scratch, json, "--compare", "rocksdb")), err.toString());
        String text = out.toString();
        assertTrue(text.contains("pagestore/rocksdb"), text);
        assertTrue(text.matches("(?s).*throughput ops/s +[1-9][0-9,]* +[1-9][0-9,]* +[0-9.]+x.*"), text);
        assertTrue(text.contains("errors, pagestore: none"), text);
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(json));
        List<?> runs = (List<?>) root.get("runs");
        assertEquals(2, runs.size());
        for (Object each : runs) {
            Map<?, ?> run = (Map<?, ?>) each;
            checkRun(run);
            Map<?, ?> cpu = (Map<?, ?>) run.get("cpuMicrosPerOp");
            if (run.get("tool").equals("pagestore")) {
                assertTrue(number(cpu, "manager") > 0, "the manager's CPU: " + run);
                assertTrue(number(run, "managerRssBytes") > number(run, "managerIdleRssBytes") / 2, run.toString());
                assertEquals(Map.of(), run.get("errors"));
            } else {
                assertEquals("rocksdb", run.get("tool"));
                assertEquals(null, cpu.get("manager"));
            }
        }
        Map<?, ?> ratios = (Map<?, ?>) ((Map<?, ?>) root.get("summary")).get("ratiosPagestoreToPeer");
        assertTrue(number(ratios, "opsPerSecond") > 0, ratios.toString());
        assertTrue(Files.notExists(scratch), "the bench removes the directory it made");
    }

    @Test
    void shouldCompareWithFioThroughSynchronousCallsAndAPageCache() throws Exception {
        assumeTrue(onPath("fio"), "fio is not installed (apt-get install fio): the fio comparison is not tested");
        Path scratch = Files.createDirectory(directory.resolve("empty"));
        Path json = directory.resolve("fio.json");
        assertEquals(0, run(shortRun(scratch, json, "--compare", "fio", "--sync", "--cache-mb", "1", "--skew",
                "zipfian", "--read-percent", "80", "--fio-sync", "fdatasync")), err.toString());
        String text = out.toString();
        assertTrue(text.contains("pagestore/fio"), text);
        assertTrue(text.contains("alternating with fio (io_uring, O_DIRECT, an fdatasync after each write)"), text);
        assertTrue(text.matches("(?s).*fio's fdatasyncs, reported apart .* p99 [0-9,.]+ us, [1-9][0-9.]* per write.*"),
                text);
        assertTrue(text.matches("(?s).*fio's own CPU figure .*: [0-9.]+ us/op.*"), text);
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(json));
        for (Object each : (List<?>) root.get("runs")) {
            Map<?, ?> run = (Map<?, ?>) each;
            checkRun(run);
            if (run.get("tool").equals("pagestore")) {
                double hits = number(run, "cacheHitRatio");
                assertTrue(hits > 0 && hits < 1, "a 1 MiB cache of a skewed 2 MiB working set hits sometimes: " + run);
            } else {
                assertTrue(number((Map<?, ?>) run.get("cpuMicrosPerOp"), "selfReported") > 0, run.toString());
            }
        }
        assertTrue(Files.isDirectory(scratch), "a directory the bench did not make stays");
        try (var entries = Files.list(scratch)) {
            assertEquals(0, entries.count(), "and is empty again");
        }
    }

    /** Operations, latency percentiles in order, CPU: what every run of every tool must have. */
    private static void checkRun(Map<?, ?> run) {
        assertTrue(number(run, "ops") > 0, run.toString());
        assertTrue(number(run, "opsPerSecond") > 0, run.toString());
        Map<?, ?> all = (Map<?, ?>) ((Map<?, ?>) run.get("latencyMicros")).get("all");
        double previous = 0;
        for (String percentile : List.of("p50", "p90", "p99", "p99.9", "max")) {
            double value = number(all, percentile);
            assertTrue(value > 0 && value >= previous, percentile + " out of order in " + all);
            previous = value;
        }
        assertEquals(number(run, "ops"), number(all, "count"), run.toString());
        Map<?, ?> cpu = (Map<?, ?>) run.get("cpuMicrosPerOp");
        assertTrue(number(cpu, "workers") > 0 && number(cpu, "total") >= number(cpu, "workers"), cpu.toString());
    }

    private static double number(Map<?, ?> map, String key) {
        Object value = map.get(key);
        assertTrue(value instanceof Number, key + " is not a number in " + map);
        return ((Number) value).doubleValue();
    }

    private static boolean onPath(String command) {
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(entry, command))) {
                return true;
            }
        }
        return false;
    }
}
