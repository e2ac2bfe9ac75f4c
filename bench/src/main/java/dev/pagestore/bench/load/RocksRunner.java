package dev.pagestore.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RocksDB as the peer ({@link RocksWorker}: one process, workers x depth threads of synchronous calls, durable puts),
 * on the same file system in {@code DIR/rocksdb}. Its first run loads every page before it says {@code ready}; later
 * runs reopen the same database, as the store's runs reuse the same store. Measured like the store's workers: the
 * process's CPU time from {@code /proc} over the window, latencies merged from its HdrHistograms.
 */
final class RocksRunner implements Runner {
    /** Loading a large working set (a write batch, a flush and a full compaction) may take minutes. */
    private static final long READY_MILLIS = 30 * 60_000;

    private final BenchSettings settings;
    private final ScratchDirectory directory;
    private final Progress progress;
    private final Path database;

    RocksRunner(BenchSettings settings, ScratchDirectory directory, Progress progress) {
        this.settings = settings;
        this.directory = directory;
        this.progress = progress;
        this.database = directory.entry("rocksdb");
    }

    @Override
    public String tool() {
        return "rocksdb";
    }

    @Override
    public void prepare() {
        // the first run's process loads the pages: opening the database twice would only cost time
    }

    @Override
    public RunResult run(int run) throws IOException, InterruptedException {
        String label = "run " + run + "/" + settings.runs() + " rocksdb";
        int threads = settings.workers() * settings.depth();
        Workload workload = new Workload(settings.readPercent(), settings.pages(), settings.skew(), settings.theta(),
                threads, true, false, (settings.cacheMiB() << 20) * settings.workers(), settings.pageSizeBytes(),
                settings.seed());  // 0 without --cache-mb: the worker then applies its floor and keeps no statistics
        List<String> args = new ArrayList<>(List.of(database.toString(), Long.toString(ProcessHandle.current().pid()),
                Integer.toString(threads), Boolean.toString(run == 1)));
        args.addAll(workload.toArguments());
        progress.phase(label + (run == 1 ? String.format(": loading %,d pages, then starting %d threads",
                settings.pages(), threads) : ": opening the database, starting " + threads + " threads"));
        Child rocks = Child.startJvm("rocksdb", List.of("-Xmx512m"), RocksWorker.class.getName(), args,
                directory.logs().resolve("rocksdb-run" + run + ".log"));
        try {
            rocks.awaitLine("ready", READY_MILLIS);
            MeasuredWindow.Outcome outcome = MeasuredWindow.run(List.of(rocks), null, settings, progress, label);
            int code = rocks.awaitExit(60_000);
            if (code != 0) {
                throw new IOException("the rocksdb process exited with code " + code + "; see " + rocks.log());
            }
            WorkerReport report = outcome.reports().getFirst();
            return new RunResult(tool(), run, settings.durationSeconds(), report.reads(), report.writes(), Map.of(),
                    report.errors(), settings.durationSeconds(), outcome.workersCpuNanos(), -1, -1, -1,
                    report.cacheHits(), report.cacheMisses(), -1);
        } finally {
            rocks.stop(Child.STOP_WAIT_MILLIS);
        }
    }
}
