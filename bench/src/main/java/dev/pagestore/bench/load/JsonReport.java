package dev.pagestore.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * {@code --json FILE}: every figure of every run, and per tool the medians the text report prints and the latency
 * percentiles of all its runs merged, for plotting scripts. Times are microseconds, memory bytes, ratios pagestore /
 * peer; a figure that does not exist (a tool without a manager, no cache) is null. The shape is documented in
 * docs/operations.md.
 */
final class JsonReport {
    static final int FORMAT_VERSION = 1;

    private JsonReport() {
    }

    static void write(Path file, BenchSettings settings, String directory, String fileSystem,
            List<RunResult> results) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("settings", settings(settings));
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("kernel", System.getProperty("os.version"));
        machine.put("java", Runtime.version().toString());
        machine.put("directory", directory);
        machine.put("fileSystem", fileSystem);
        machine.put("loadAverageAtEnd", ProcFs.loadAverage());
        root.put("machine", machine);
        List<Object> runs = new ArrayList<>();
        for (RunResult run : results) {
            runs.add(run(run));
        }
        root.put("runs", runs);
        Map<String, Object> summary = new LinkedHashMap<>();
        ToolSummary ours = ToolSummary.of("pagestore", results);
        summary.put("pagestore", summary(ours));
        if (settings.peer() != BenchSettings.Peer.NONE) {
            ToolSummary peer = ToolSummary.of(settings.peer().name().toLowerCase(Locale.ROOT), results);
            summary.put(peer.tool(), summary(peer));
            Map<String, Object> ratios = new LinkedHashMap<>();
            ratios.put("opsPerSecond", ours.median(RunResult::opsPerSecond) / peer.median(RunResult::opsPerSecond));
            // Not when fio's write latency leaves out its fdatasync while ours includes the WAL's (TextReport).
            if (!peer.extraLatencies().containsKey("fdatasync")) {
                for (double percentile : ToolSummary.PERCENTILES) {
                    ratios.put(ToolSummary.percentileName(percentile), ours.medianLatencyMicros(percentile)
                            / peer.medianLatencyMicros(percentile));
                }
            }
            ratios.put("cpuMicrosPerOpTotal", ours.median(r -> r.microsPerOp(r.totalCpuNanos()))
                    / peer.median(r -> r.microsPerOp(r.totalCpuNanos())));
            summary.put("ratiosPagestoreToPeer", ratios);
        }
        root.put("summary", summary);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, Json.write(root));
    }

    private static Map<String, Object> settings(BenchSettings s) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("workers", s.workers());
        map.put("depth", s.depth());
        map.put("sync", s.sync());
        map.put("futures", s.futures());
        map.put("synchronousCalls", s.synchronousCalls());
        map.put("warmupSeconds", s.warmupSeconds());
        map.put("durationSeconds", s.durationSeconds());
        map.put("readPercent", s.readPercent());
        map.put("pages", s.pages());
        map.put("pageSizeBytes", s.pageSizeBytes());
        map.put("skew", s.skew().name().toLowerCase(Locale.ROOT));
        map.put("theta", s.skew() == Skew.ZIPFIAN ? s.theta() : null);
        map.put("cacheMiB", s.cacheMiB());
        map.put("runs", s.runs());
        map.put("compare", s.peer().name().toLowerCase(Locale.ROOT));
        map.put("fioSync", s.peer() == BenchSettings.Peer.FIO && s.readPercent() < 100
                ? s.effectiveFioSync().name().toLowerCase(Locale.ROOT) : null);
        map.put("managerOptions", new ArrayList<Object>(s.managerOptions()));
        map.put("seed", s.seed());
        return map;
    }

    private static Map<String, Object> run(RunResult run) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("tool", run.tool());
        map.put("run", run.run());
        map.put("seconds", run.opsSeconds());
        map.put("ops", run.ops());
        map.put("reads", run.reads().getTotalCount());
        map.put("writes", run.writes().getTotalCount());
        map.put("opsPerSecond", run.opsPerSecond());
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("all", percentiles(run.all()));
        latency.put("read", percentiles(run.reads()));
        latency.put("write", percentiles(run.writes()));
        run.extraLatencies().forEach((name, histogram) -> latency.put(name, percentiles(histogram)));
        map.put("latencyMicros", latency);
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("manager", run.hasManager() ? run.microsPerOp(run.managerCpuNanos()) : null);
        cpu.put("workers", run.microsPerOp(run.workersCpuNanos()));
        cpu.put("total", run.microsPerOp(run.totalCpuNanos()));
        cpu.put("selfReported", run.reportedCpuNanos() >= 0 ? run.reportedCpuNanos() / 1e3 / run.ops() : null);
        map.put("cpuMicrosPerOp", cpu);
        Map<String, Object> cpuSeconds = new LinkedHashMap<>();
        cpuSeconds.put("window", run.cpuSeconds());
        cpuSeconds.put("manager", run.hasManager() ? run.managerCpuNanos() / 1e9 : null);
        cpuSeconds.put("workers", run.workersCpuNanos() / 1e9);
        map.put("cpuSeconds", cpuSeconds);
        map.put("managerRssBytes", run.managerRssBytes() >= 0 ? run.managerRssBytes() : null);
        map.put("managerIdleRssBytes", run.managerIdleRssBytes() >= 0 ? run.managerIdleRssBytes() : null);
        map.put("cacheHitRatio", run.cacheHitRatio());
        map.put("errors", new LinkedHashMap<String, Object>(run.errors()));
        return map;
    }

    private static Map<String, Object> summary(ToolSummary summary) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("runs", summary.runs().size());
        Map<String, Object> medians = new LinkedHashMap<>();
        medians.put("opsPerSecond", summary.median(RunResult::opsPerSecond));
        Map<String, Object> latency = new LinkedHashMap<>();
        for (double percentile : ToolSummary.PERCENTILES) {
            latency.put(ToolSummary.percentileName(percentile), summary.medianLatencyMicros(percentile));
        }
        medians.put("latencyMicros", latency);
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("manager", summary.hasManager() ? summary.median(r -> r.microsPerOp(r.managerCpuNanos())) : null);
        cpu.put("workers", summary.median(r -> r.microsPerOp(r.workersCpuNanos())));
        cpu.put("total", summary.median(r -> r.microsPerOp(r.totalCpuNanos())));
        medians.put("cpuMicrosPerOp", cpu);
        medians.put("managerRssBytes", summary.hasManager() ? summary.median(RunResult::managerRssBytes) : null);
        medians.put("cacheHitRatio", summary.median(RunResult::cacheHitRatio));
        map.put("medians", medians);
        Map<String, Object> merged = new LinkedHashMap<>();
        merged.put("all", percentiles(summary.all()));
        merged.put("read", percentiles(summary.reads()));
        merged.put("write", percentiles(summary.writes()));
        summary.extraLatencies().forEach((name, histogram) -> merged.put(name, percentiles(histogram)));
        map.put("mergedLatencyMicros", merged);
        map.put("errors", new LinkedHashMap<String, Object>(summary.errors()));
        return map;
    }

    /** count, mean and the report's percentiles of {@code histogram}, in microseconds (nulls when empty). */
    private static Map<String, Object> percentiles(Histogram histogram) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("count", histogram.getTotalCount());
        map.put("mean", histogram.getTotalCount() > 0 ? histogram.getMean() / 1e3 : null);
        for (double percentile : ToolSummary.PERCENTILES) {
            map.put(ToolSummary.percentileName(percentile), ToolSummary.micros(histogram, percentile));
        }
        return map;
    }
}
