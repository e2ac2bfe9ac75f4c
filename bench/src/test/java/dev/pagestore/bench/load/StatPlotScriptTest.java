package dev.pagestore.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * {@code bench/plot-stat.py}, the charts over time of a {@code pagestore stat --format json} capture: on a checked-in
 * capture of {@code pagestore demo} (its {@code logs/stat.jsonl}: the manager SIGKILLed and restarted half way, which
 * stat followed, and the workers' rows), on a capture of a manager without rows, and on bad input. Needs python3;
 * skipped without it.
 */
class StatPlotScriptTest {
    @TempDir
    Path directory;

    private Path script;

    @BeforeEach
    void findPython() {
        boolean python = false;
        for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            python |= Files.isExecutable(Path.of(entry, "python3"));
        }
        assumeTrue(python, "python3 is not installed: bench/plot-stat.py is not tested");
        script = Path.of(System.getProperty("basedir", ".")).resolve("plot-stat.py").toAbsolutePath();
        assertTrue(Files.isRegularFile(script), script + " is missing");
    }

    @Test
    void shouldDrawThroughputAndLatencyOverTimeAcrossARestart() throws Exception {
        Path capture = Path.of(getClass().getClassLoader().getResource("plot/stat-demo.jsonl").toURI());
        Path out = directory.resolve("plots");
        List<String> result = run(out.toString(), capture.toString());
        assertEquals("0", result.get(0), result.toString());
        List<String> charts = List.of("stat-throughput.svg", "stat-latency.svg", "stat-workers.svg");
        assertEquals(charts.stream().map(c -> out.resolve(c).toString()).toList(), result.get(1).lines().toList());
        for (String chart : charts) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document svg = factory.newDocumentBuilder().parse(out.resolve(chart).toFile());
            assertEquals("svg", svg.getDocumentElement().getLocalName());
            String text = svg.getDocumentElement().getTextContent();
            assertTrue(text.contains("manager epochs 1, 2"), chart + ": " + text);
            assertTrue(text.contains("epoch 2 from"), "the restart is noted in " + chart);
            assertTrue(svg.getElementsByTagName("polyline").getLength() >= 4, "a line per series and manager");
        }
    }

    @Test
    void shouldLeaveOutTheWorkersChartWhenTheCaptureHasNoWorkers() throws Exception {
        Path capture = directory.resolve("old.jsonl");
        List<String> lines = Files.readAllLines(Path.of(getClass().getClassLoader()
                .getResource("plot/stat-demo.jsonl").toURI()));
        Files.write(capture, lines.stream().map(l -> l.replaceAll(",\"workers\":\\[.*\\]}$", "}")).toList());
        List<String> result = run(directory.resolve("old").toString(), capture.toString());
        assertEquals("0", result.get(0), result.toString());
        assertEquals(2, result.get(1).lines().count(), result.toString());
        assertTrue(result.get(2).contains("no figures for the workers chart"), result.toString());
    }

    @Test
    void shouldAddChannelsOfOneWorkerAndSkipRatesNotKnown() throws Exception {
        Path capture = directory.resolve("two-channels.jsonl");
        String line = "{\"time\":\"2026-12-04T00:00:0%dZ\",\"epoch\":1,\"reactors\":[{\"readsPerSecond\":10,"
                + "\"writesPerSecond\":5,\"p50Nanos\":1000}],\"workers\":[{\"attachId\":1,\"pid\":7,\"name\":\"w\","
                + "\"readsPerSecond\":%s,\"writesPerSecond\":%s},{\"attachId\":2,\"pid\":7,\"name\":\"w\","
                + "\"readsPerSecond\":3,\"writesPerSecond\":4}]}";
        Files.write(capture, List.of(String.format(line, 1, "null", "null"), String.format(line, 2, "1", "2")));
        Path out = directory.resolve("two");
        List<String> result = run(out.toString(), capture.toString());
        assertEquals("0", result.get(0), result.toString());
        String workers = Files.readString(out.resolve("stat-workers.svg"));
        assertTrue(workers.contains(">w<"), "one line for both channels of one worker: " + workers);
        // one point (the second report: 1 + 2 + 3 + 4 = 10 per second) and the legend's marker; the first report's
        // sum is not known, since one of its channels has no rate
        assertEquals(2, workers.split("<circle").length - 1, workers);
        assertTrue(workers.contains(">10</text>"), "the axis reaches the sum: " + workers);
    }

    @Test
    void shouldRefuseWhatIsNotACapture() throws Exception {
        Path bad = directory.resolve("bad.jsonl");
        Files.writeString(bad, "{\"time\":\"2026-12-04T00:00:00Z\",\"epoch\":1}\n");
        List<String> result = run(directory.resolve("plots").toString(), bad.toString());
        assertEquals("2", result.get(0), result.toString());
        assertTrue(result.get(2).contains("bad.jsonl:1: not a `pagestore stat --format json` object"),
                result.toString());
        assertEquals("2", run(directory.toString()).get(0), "no capture named");
    }

    /** Runs the script; returns its exit code, stdout and stderr. */
    private List<String> run(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("python3", script.toString()));
        command.addAll(List.of(args));
        Path stdout = directory.resolve("plot.stdout");
        Path stderr = directory.resolve("plot.stderr");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
                .start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "plot-stat.py did not finish in 60 s");
        return List.of(Integer.toString(process.exitValue()), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }
}
