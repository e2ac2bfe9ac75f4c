package dev.pagestore.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * {@code bench/plot.py}, the charts of {@code pagestore bench --json} reports: on the checked-in reports of a short
 * real run (src/test/resources/plot), and on reports {@link JsonReport} writes now, so that a renamed field breaks
 * this test rather than the plots of a long scaling run. Needs python3; skipped without it.
 */
class PlotScriptTest {
    private static final List<String> CHARTS = List.of("throughput", "p99", "cpu", "percentiles");

    @TempDir
    Path directory;

    private Path script;

    @BeforeEach
    void findPython() {
        assumeTrue(onPath("python3"), "python3 is not installed: bench/plot.py is not tested");
        // Surefire runs in the module's directory and names it in basedir.
        script = Path.of(System.getProperty("basedir", ".")).resolve("plot.py").toAbsolutePath();
        assertTrue(Files.isRegularFile(script), script + " is missing");
    }

    @Test
    void shouldDrawEveryChartOfTheCheckedInReportsAsWellFormedSvg() throws Exception {
        Path out = directory.resolve("plots");
        Result result = plot(out, resource("plot/mix-w1.json"), resource("plot/mix-w2.json"));
        assertEquals(0, result.code, result.toString());
        Set<String> expected = new TreeSet<>();
        for (String chart : CHARTS) {
            expected.add(out.resolve("r70-async-d4-4k-" + chart + ".svg").toString());
        }
        assertEquals(expected, new TreeSet<>(result.stdoutLines()), result.toString());
        for (String file : expected) {
            Document svg = parseXml(Path.of(file));
            String text = svg.getDocumentElement().getTextContent();
            assertTrue(text.contains("70% reads, 30% writes; async, depth 4 per worker; 4 KiB pages"),
                    "the title names the workload: " + file);
            assertTrue(text.contains("pagestore") && text.contains("fio"), "the legend names both tools: " + file);
            int lines = svg.getElementsByTagName("polyline").getLength();
            assertTrue(lines >= 2, "a line for pagestore and one for fio, found " + lines + ": " + file);
        }
    }

    @Test
    void shouldReadWhatTheBenchWritesToday() throws Exception {
        List<Path> reports = new ArrayList<>();
        for (int workers : new int[] {1, 2, 4}) {
            Path json = directory.resolve("writes-sync-w" + workers + ".json");
            BenchSettings settings = new BenchSettings(workers, 8, 15, 10, 0, 65_536, Skew.UNIFORM, 0.99, 0, true, false,
                    4096, 2, BenchSettings.Peer.ROCKSDB, BenchSettings.FioSync.AUTO, List.of(), 1, json, false);
            JsonReport.write(json, settings, "/scratch", "ext4", List.of(
                    run("pagestore", 1, workers), run("rocksdb", 1, workers),
                    run("pagestore", 2, workers), run("rocksdb", 2, workers)));
            reports.add(json);
        }
        Path out = directory.resolve("plots");
        Result result = plot(out, reports.toArray(Path[]::new));
        assertEquals(0, result.code, result.toString());
        assertEquals(CHARTS.size(), result.stdoutLines().size(), result.toString());
        for (String chart : CHARTS) {
            Path file = out.resolve("r0-sync-d8-4k-" + chart + ".svg");
            assertTrue(result.stdoutLines().contains(file.toString()), file + " not in " + result);
            String text = parseXml(file).getDocumentElement().getTextContent();
            assertTrue(text.contains("durable writes only; sync, 8 threads per worker; 4 KiB pages"), text);
            assertTrue(text.contains("rocksdb"), text);
        }
    }

    @Test
    void shouldRefuseAMissingFileOrAReportWithoutItsFiguresInOneLine() throws Exception {
        Result missing = plot(directory.resolve("plots"), directory.resolve("absent.json"));
        assertEquals(2, missing.code, missing.toString());
        assertEquals(List.of("plot.py: " + directory.resolve("absent.json") + ": no such file"),
                missing.stderr.lines().toList());
        assertEquals("", missing.stdout);

        Path stripped = directory.resolve("stripped.json");
        String report = Files.readString(resource("plot/mix-w1.json"));
        Files.writeString(stripped, report.replace("\"opsPerSecond\"", "\"opsPerSec\""));
        Result incomplete = plot(directory.resolve("plots"), stripped);
        assertEquals(2, incomplete.code, incomplete.toString());
        assertEquals(1, incomplete.stderr.lines().count(), incomplete.toString());
        assertTrue(incomplete.stderr.contains("no field opsPerSecond"), incomplete.toString());
        assertTrue(Files.notExists(directory.resolve("plots").resolve("r70-async-d4-4k-throughput.svg")));
    }

    /** A run whose latencies grow with the workers, 1,000 operations, a third of a CPU second. */
    private static RunResult run(String tool, int run, int workers) {
        Histogram writes = new Histogram(3);
        for (int i = 1; i <= 1_000; i++) {
            writes.recordValue((tool.equals("pagestore") ? 40_000L : 30_000L) * workers + 97L * i * run);
        }
        boolean ours = tool.equals("pagestore");
        return new RunResult(tool, run, 1.0, new Histogram(3), writes, Map.of(), Map.of(), 1.0, 200_000_000L,
                ours ? 150_000_000L : -1, ours ? 150L << 20 : -1, ours ? 100L << 20 : -1, 0, 0, -1);
    }

    private record Result(int code, String stdout, String stderr) {
        List<String> stdoutLines() {
            return stdout.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\nstdout:\n" + stdout + "stderr:\n" + stderr;
        }
    }

    private Result plot(Path out, Path... reports) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", script.toString(), out.toString()));
        for (Path report : reports) {
            command.add(report.toString());
        }
        Path stdout = directory.resolve("plot.stdout");
        Path stderr = directory.resolve("plot.stderr");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("plot.py did not finish in 60 s: " + command);
        }
        return new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }

    private static Document parseXml(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(file.toFile());
        assertEquals("svg", document.getDocumentElement().getLocalName(), file.toString());
        assertEquals("http://www.w3.org/2000/svg", document.getDocumentElement().getNamespaceURI(), file.toString());
        return document;
    }

    private static Path resource(String name) throws URISyntaxException {
        var url = PlotScriptTest.class.getClassLoader().getResource(name);
        assertTrue(url != null, name + " is not on the test class path");
        return Path.of(url.toURI());
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
